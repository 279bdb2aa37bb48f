"""Op-table entries for Keras' `ops.linalg` (and `ops.logdet`), loaded by
op_table_entries.py. Symmetric positive definite inputs are built inside the op from a free
matrix a (a a^T + n I), so gradients with respect to a are defined under any symmetric
convention; references are NumPy float64."""

import zlib

import numpy as np

from ember import ops
from ember.backend import array_module
from ember.tensor import Tensor


def n(name, *shape, scale=1.0):
    return np.random.default_rng(zlib.crc32(name.encode())).standard_normal(shape) * scale


def distinct(name, *shape):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    k = int(np.prod(shape))
    return (rng.permutation(k) * 0.1 - 0.05 * k + rng.uniform(-0.02, 0.02, k)).reshape(shape)


def _spd_of(a, t=None):
    """a a^T + size I: symmetric positive definite, built inside the op (so the gradient with
    respect to the free matrix a is well defined under any symmetric convention)."""
    eye = np.eye(a.shape[-1])
    if t is None:
        return a @ ops.swapaxes(a, -1, -2) + eye * a.shape[-1]
    return a @ a.transpose(-1, -2) + t.tensor(eye * a.shape[-1], dtype=a.dtype)



def entries(Entry, Sample):  # noqa: N803
    S = Sample
    return [
        # ------------------------------------------------------------------ linalg
        Entry("det", ops.det, np.linalg.det, lambda t, x: t.linalg.det(x), (
            S("3x3", (n("de1", 3, 3),)), S("batched", (n("de2", 2, 2, 2),)),
            S("1x1", (n("de3", 1, 1),)), S("size0", (np.zeros((0, 2, 2)),)))),
        Entry("logdet", lambda a: ops.logdet(_spd_of(a)),
              lambda a: np.linalg.slogdet(a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])
                                          * a.shape[-1])[1],
              lambda t, a: t.logdet(_spd_of(a, t)), (
                  S("3x3", (n("ld1", 3, 3),)), S("batched", (n("ld2", 2, 2, 2),)),
                  S("1x1", (n("ld3", 1, 1),)), S("size0", (np.zeros((0, 2, 2)),))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("inv", lambda a: ops.inv(_spd_of(a)),
              lambda a: np.linalg.inv(a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])
                                      * a.shape[-1]),
              lambda t, a: t.linalg.inv(_spd_of(a, t)), (
                  S("3x3", (n("iv1", 3, 3),)), S("batched", (n("iv2", 2, 2, 2),)),
                  S("1x1", (n("iv3", 1, 1),)), S("size0", (np.zeros((0, 2, 2)),))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("solve", lambda a, b: ops.solve(_spd_of(a), b),
              lambda a, b: np.linalg.solve(a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])
                                           * a.shape[-1], b[..., None] if b.ndim == 1 else b)
              [..., 0] if b.ndim == 1 else np.linalg.solve(
                  a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1]) * a.shape[-1], b),
              lambda t, a, b: t.linalg.solve(_spd_of(a, t), b), (
                  S("matrix", (n("so1", 3, 3), n("so2", 3, 2))),
                  S("vector", (n("so3", 3, 3), n("so4", 3))),
                  S("batched", (n("so5", 2, 2, 2), n("so6", 2, 2, 3))),
                  S("size0", (n("so7", 2, 2), np.zeros((2, 0))))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("solve_triangular", ops.solve_triangular,
              lambda a, b, lower=False: np.linalg.solve(np.tril(a) if lower else np.triu(a),
                                                        b),
              lambda t, a, b, lower=False: t.linalg.solve_triangular(a, b, upper=not lower), (
                  S("upper", (n("tr1", 3, 3) + 4 * np.eye(3), n("tr2", 3, 2))),
                  S("lower", (n("tr3", 3, 3) + 4 * np.eye(3), n("tr4", 3, 1)),
                    {"lower": True}),
                  S("batched", (n("tr5", 2, 2, 2) + 4 * np.eye(2), n("tr6", 2, 2, 2)),
                    {"lower": True}),
                  S("size0", (n("tr7", 2, 2) + 4 * np.eye(2), np.zeros((2, 0)))))),
        Entry("cholesky", lambda a, upper=False: ops.cholesky(_spd_of(a), upper),
              lambda a, upper=False: (lambda lo: np.swapaxes(lo, -1, -2) if upper else lo)(
                  np.linalg.cholesky(a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])
                                     * a.shape[-1])),
              lambda t, a, upper=False: t.linalg.cholesky(_spd_of(a, t), upper=upper), (
                  S("3x3", (n("ch1", 3, 3),)), S("upper", (n("ch2", 3, 3),), {"upper": True}),
                  S("batched", (n("ch3", 2, 2, 2),)), S("size0", (np.zeros((0, 2, 2)),))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("cholesky_inverse", ops.cholesky_inverse,
              lambda x, upper=False: np.linalg.inv(
                  np.swapaxes(x, -1, -2) @ x if upper else x @ np.swapaxes(x, -1, -2)),
              lambda t, x, upper=False: t.cholesky_inverse(x, upper=upper), (
                  S("lower", (np.tril(n("ci1", 3, 3)) + 3 * np.eye(3),)),
                  S("upper", (np.triu(n("ci2", 3, 3)) + 3 * np.eye(3),), {"upper": True}),
                  S("batched", (np.tril(n("ci3", 2, 2, 2)) + 3 * np.eye(2),)),
                  S("size0", (np.zeros((0, 2, 2)),))), rtol=1e-4, atol=1e-5,
              torch_atol=1e-5),
        Entry("norm", ops.norm, np.linalg.norm,
              lambda t, x, ord=None, axis=None, keepdims=False: t.linalg.norm(  # noqa: A006
                  x, ord, axis, keepdims) if (ord is not None or axis is not None)
              else t.linalg.vector_norm(x, 2, keepdim=keepdims), (
                  S("vector", (n("no1", 5),)), S("fro", (n("no2", 3, 4),)),
                  S("l1_axis", (n("no3", 3, 4),), {"ord": 1, "axis": 1}),
                  S("p3_keep", (n("no4", 2, 3),), {"ord": 3, "axis": -1, "keepdims": True}),
                  S("mat_inf", (distinct("no5", 3, 3),), {"ord": np.inf}),
                  S("mat_1_axes", (distinct("no6", 2, 3, 3),), {"ord": 1, "axis": (1, 2)}),
                  S("size0", (np.zeros((0, 3)),), {"axis": 1}))),
        # ---------------------------------------------- linalg results that are constants
        Entry("qr", lambda x, mode="reduced": _qr_check(*ops.qr(x, mode)),
              lambda x, mode="reduced": (x, np.abs(np.diagonal(
                  np.linalg.qr(x, mode)[1], axis1=-2, axis2=-1))),
              lambda t, x, mode="reduced": (x, t.linalg.qr(x, mode)[1].diagonal(
                  dim1=-2, dim2=-1).abs()), (
                  S("square", (n("qr1", 3, 3),)), S("tall", (n("qr2", 4, 2),)),
                  S("complete", (n("qr3", 3, 2),), {"mode": "complete"}),
                  S("size0", (np.zeros((0, 2, 2)),))), multi_output=True, rtol=1e-4,
              atol=1e-5, torch_atol=1e-5),
        Entry("svd", lambda x: ops.svd(x, compute_uv=False),
              lambda x: np.linalg.svd(x, compute_uv=False),
              lambda t, x: t.linalg.svdvals(x), (
                  S("square", (n("sv1", 3, 3),)), S("wide", (n("sv2", 2, 4),)),
                  S("batched", (n("sv3", 2, 3, 2),)), S("size0", (np.zeros((0, 2, 2)),))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("eigh", lambda x: _eigh_fixed_signs(ops, x + ops.swapaxes(x, -1, -2)),
              lambda x: _eigh_np(x + np.swapaxes(x, -1, -2)),
              lambda t, x: _eigh_fixed_signs(t, x + x.transpose(-1, -2)), (
                  S("3x3", (n("eh1", 3, 3),)), S("batched", (n("eh2", 2, 2, 2),)),
                  S("1x1", (n("eh3", 1, 1),)), S("size0", (np.zeros((0, 2, 2)),))),
              multi_output=True, rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("eig", lambda x: ops.view_as_real(ops.eig(x)[0]),
              lambda x: np.stack([np.linalg.eigvals(x).real, np.linalg.eigvals(x).imag], -1),
              lambda t, x: t.view_as_real(t.linalg.eigvals(x).to(t.complex64)), (
                  S("triangular", (np.triu(n("eg1", 3, 3)) + np.diag([1.0, 2.0, 3.0]),),
                    dtypes=("float32",)),
                  S("diag", (np.diag([3.0, -1.0]),), dtypes=("float32",)),
                  S("1x1", (n("eg3", 1, 1),), dtypes=("float32",)),
                  S("size0", (np.zeros((0, 2, 2)),), dtypes=("float32",))),
              out_dtype="float32", rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("lu_factor", lambda x: _lu_rebuild(*ops.lu_factor(x)), lambda x: x,
              lambda t, x: x, (
                  S("3x3", (n("lu1", 3, 3),)), S("batched", (n("lu2", 2, 3, 3),)),
                  S("1x1", (n("lu3", 1, 1),)), S("size0", (np.zeros((0, 2, 2)),))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("lstsq", ops.lstsq, lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
              lambda t, a, b: t.linalg.pinv(a) @ b, (
                  S("tall", (n("lq1", 5, 2), n("lq2", 5))),
                  S("tall_matrix", (n("lq3", 4, 3), n("lq4", 4, 2))),
                  S("square", (n("lq5", 2, 2) + 3 * np.eye(2), n("lq6", 2))),
                  S("size0", (n("lq7", 3, 2), np.zeros((3, 0))))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("pinv", ops.pinv, np.linalg.pinv, lambda t, x: t.linalg.pinv(x), (
            S("tall", (n("pi1", 4, 2),)), S("wide", (n("pi2", 2, 3),)),
            S("batched", (n("pi3", 2, 2, 2),)), S("size0", (np.zeros((0, 2, 2)),))),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5),
        Entry("matrix_rank", ops.matrix_rank, np.linalg.matrix_rank,
              lambda t, x: t.linalg.matrix_rank(x).to(t.int32), (
                  S("full", (n("mr1", 3, 3),)),
                  S("rank1", (np.outer([1.0, 2.0, 3.0], [1.0, -1.0]),)),
                  S("batched", (n("mr3", 2, 2, 3),)), S("zeros", (np.zeros((2, 2)),)),
                  S("size0", (np.zeros((0, 2, 2)),))),
              out_dtype="int32"),
        Entry("jvp", lambda x, t: ops.jvp(lambda v: v * v + 1.0, (x,), (t,))[1],
              lambda x, t: 2 * x * t,
              lambda tt, x, t: tt.func.jvp(lambda v: v * v + 1.0, (x,), (t,))[1], (
                  S("1d", (n("jv1", 3), n("jv2", 3))), S("2d", (n("jv3", 2, 2), n("jv4", 2, 2))),
                  S("3d", (n("jv5", 2, 1, 2), n("jv6", 2, 1, 2))),
                  S("size0", (np.zeros((0,)), np.zeros((0,)))))),
    ]


def _qr_check(q, r):
    """q r (the input back) and |diag r| (unique up to the signs LAPACK picks)."""
    d = np.abs(np.diagonal(r.data, axis1=-2, axis2=-1))
    return q @ r, Tensor(d, dtype=d.dtype)


def _lu_rebuild(lu, piv):
    """P^T L U from the packed factor and the 0-based pivots (the input back)."""
    a = lu.data
    n_ = a.shape[-1]
    lo = np.tril(a, -1) + array_module(a).eye(n_, dtype=a.dtype)  # on the factor's device
    up = np.triu(a)
    out = lo @ up
    flat, pflat = out.reshape(-1, n_, n_), piv.data.reshape(-1, n_)
    for b in range(flat.shape[0]):
        for k in range(n_ - 1, -1, -1):
            p = int(pflat[b, k])  # a host index for the row swap
            flat[b, [k, p]] = flat[b, [p, k]]
    return Tensor(out, dtype=out.dtype)


def _eigh_np(a):
    """Eigenvalues and eigenvectors from the characteristic polynomial's roots and null
    spaces (independent of LAPACK's eigh), columns signed so their largest entry is > 0."""
    out_w, out_v = np.zeros(a.shape[:-1]), np.zeros(a.shape)
    for idx in np.ndindex(a.shape[:-2]):
        m = a[idx]
        w = np.sort(np.linalg.eigvals(m).real)
        for k, lam in enumerate(w):
            _, _, vh = np.linalg.svd(m - lam * np.eye(len(m)))
            vec = vh[-1]
            out_v[idx][:, k] = vec * np.sign(vec[np.argmax(np.abs(vec))])
        out_w[idx] = w
    return out_w, out_v


def _eigh_fixed_signs(lib, a):
    """eigh with each eigenvector's sign fixed (largest-magnitude entry positive): LAPACK's
    signs are arbitrary, so backends agree only after this."""
    if lib is ops:
        w, v = ops.eigh(a)
        big = np.argmax(np.abs(v.data), axis=-2)[..., None, :]
        s = np.sign(np.take_along_axis(v.data, big, axis=-2))
        return w, v * s
    w, v = lib.linalg.eigh(a)
    big = v.abs().argmax(dim=-2, keepdim=True)
    return w, v * lib.sign(lib.gather(v, -2, big)).detach()

