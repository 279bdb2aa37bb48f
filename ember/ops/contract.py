"""Products and differences of Keras' `keras.ops.numpy`: einsum (a primitive), tensordot,
inner, outer, vdot, kron, cross, correlate, diff, trapezoid, corrcoef and slogdet.

einsum's backward is einsum again: the gradient of an operand contracts the output gradient
with the other operands onto that operand's letters; letters only that operand sums are
broadcast back, repeated letters (diagonals) are written on the diagonal, and broadcast
(size-1) axes summed.
"""

import builtins
import string

import numpy as np

from ember.autograd import Function
from ember.backend import array_module, as_array
from ember.ops.dtypes import as_tensor, float_tensor, promote
from ember.ops.elementwise import add, div, mul, sqrt, sub
from ember.ops.products import matmul
from ember.ops.reduce import mean
from ember.ops.reduce import sum as _sum
from ember.ops.shaping import concat, getitem, reshape, stack, transpose
from ember.tensor import Tensor


def _la(a):
    """The linalg namespace of a's array module (cupy.linalg for CuPy data): the
    decompositions run where the data lives."""
    return array_module(a).linalg


def _parse(subscripts, shapes):
    """Explicit letter subscripts (ellipses spelled out with unused letters) and the output."""
    s = subscripts.replace(" ", "")
    lhs, _, rhs = s.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands; received "
                         f"{len(shapes)}")
    used = set(s) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = builtins.max([len(sh) - len(t.replace("...", "")) for t, sh in zip(ins, shapes)
                          if "..." in t] or [0])
    ell = "".join(spare[:n_ell])
    out_ins = []
    for t, sh in zip(ins, shapes):
        if "..." in t:
            k = len(sh) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:] if k else "")
        if len(t) != len(sh):
            raise ValueError(f"einsum: operand subscripts {t!r} do not match its shape {sh}")
        out_ins.append(t)
    if "->" in s:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(out_ins)
        out = ell + "".join(sorted(c for c in set(letters) - set(ell) if letters.count(c) == 1))
    return out_ins, out


class Einsum(Function):
    """y = einsum(subscripts, *xs);  g_i = einsum(gy and the other operands -> letters of x_i),
    broadcast over letters only x_i has, placed on its diagonals, summed over its size-1
    (broadcast) axes."""

    def forward(self, *xs, subscripts):
        self.ins, self.out = _parse(subscripts, [x.shape for x in xs])
        sizes = {}
        for t, x in zip(self.ins, xs):
            for c, n in zip(t, x.shape):
                if sizes.get(c, 1) == 1:
                    sizes[c] = n
        self.sizes = sizes
        self.save_for_backward(*xs)
        try:
            return as_array(np.einsum(f"{','.join(self.ins)}->{self.out}", *xs))
        except ValueError as e:
            raise ValueError(f"einsum: {e} (subscripts {subscripts!r}, shapes "
                             f"{[x.shape for x in xs]})") from None

    def backward(self, gy):
        xs = self.saved
        full = [np.broadcast_to(x, [self.sizes[c] for c in t]) for t, x in zip(self.ins, xs)]
        grads = []
        for i, (t, x) in enumerate(zip(self.ins, xs)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(u, f) for j, (u, f) in enumerate(zip(self.ins, full)) if j != i]
            elsewhere = set(self.out).union(*[set(u) for u, _ in others])
            uniq = "".join(dict.fromkeys(t))
            target = "".join(c for c in uniq if c in elsewhere)
            spec = ",".join([self.out] + [u for u, _ in others]) + "->" + target
            g = np.einsum(spec, gy, *[f for _, f in others])
            # letters only this operand sums: the gradient is constant along them
            g = np.expand_dims(g, [k for k, c in enumerate(uniq) if c not in elsewhere]) \
                if len(target) < len(uniq) else g
            g = np.broadcast_to(g, [self.sizes[c] for c in uniq])
            if len(uniq) < len(t):  # repeated letters: the gradient lives on the diagonal
                gx = array_module(gy).zeros([self.sizes[c] for c in t], dtype=gy.dtype)
                grids = np.indices([self.sizes[c] for c in uniq], sparse=True)
                gx[tuple(grids[uniq.index(c)] for c in t)] = g
                g = gx
            axes = tuple(k for k, n in enumerate(x.shape) if n == 1 and self.sizes[t[k]] != 1)
            if axes:
                g = g.sum(axis=axes, keepdims=True)
            grads.append(array_module(gy).array(g, dtype=gy.dtype))  # a private, writable copy
        return tuple(grads)


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over the operands' lettered axes (NumPy's notation, with "...").

    >>> import ember, numpy as np
    >>> ember.ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    if kwargs:
        raise TypeError(f"einsum: unsupported keyword arguments {sorted(kwargs)}")
    xs = promote("einsum", *operands, names=[f"operands[{i}]" for i in range(len(operands))])
    if xs[0].dtype.kind == "b":
        xs = [x.astype("int32") for x in xs]
    return Einsum.apply(*xs, subscripts=subscripts)


def tensordot(x1, x2, axes=2):
    """Sum of products over `axes` (an int: the last n of x1 with the first n of x2; or two
    lists of axes)."""
    a, b = promote("tensordot", x1, x2)
    if isinstance(axes, int | np.integer):
        ax_a = list(range(a.ndim - axes, a.ndim))
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = ([int(v) for v in np.atleast_1d(s)] for s in axes)
    ax_a = [v % a.ndim for v in ax_a] if a.ndim else []
    ax_b = [v % b.ndim for v in ax_b] if b.ndim else []
    for p, q in zip(ax_a, ax_b):
        if a.shape[p] != b.shape[q]:
            raise ValueError(f"tensordot: shapes {a.shape} and {b.shape} do not match on axes "
                             f"{ax_a} and {ax_b}")
    free_a = [v for v in range(a.ndim) if v not in ax_a]
    free_b = [v for v in range(b.ndim) if v not in ax_b]
    k = int(np.prod([a.shape[v] for v in ax_a]))
    ma = int(np.prod([a.shape[v] for v in free_a]))
    mb = int(np.prod([b.shape[v] for v in free_b]))
    am = reshape(transpose(a, free_a + ax_a), (ma, k))
    bm = reshape(transpose(b, ax_b + free_b), (k, mb))
    return reshape(matmul(am, bm), [a.shape[v] for v in free_a] + [b.shape[v] for v in free_b])


def inner(x1, x2):
    """Sum of products over the last axes (a product when one is 0-d)."""
    a, b = promote("inner", x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    return tensordot(a, b, ([-1], [-1]))


def outer(x1, x2):
    """All products x1[i] * x2[j] of the flattened inputs, as a matrix."""
    a, b = promote("outer", x1, x2)
    return mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def vdot(x1, x2):
    """Dot product of the flattened inputs."""
    a, b = promote("vdot", x1, x2)
    return _sum(mul(reshape(a, (-1,)), reshape(b, (-1,))))


def kron(x1, x2):
    """Kronecker product: blocks x1[i] * x2."""
    a, b = promote("kron", x1, x2)
    nd = builtins.max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    ia = [n for pair in zip(a.shape, [1] * nd) for n in pair]
    ib = [n for pair in zip([1] * nd, b.shape) for n in pair]
    return reshape(mul(reshape(a, ia), reshape(b, ib)),
                   [p * q for p, q in zip(a.shape, b.shape)])


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors are padded with a 0 z-component) along the given
    axes, broadcasting the others."""
    from ember.ops.numpy_shape import moveaxis  # noqa: PLC0415

    a, b = promote("cross", x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components; received shapes "
                         f"{a.shape} and {b.shape}")

    def comp(v, i):
        return getitem(v, (Ellipsis, i)) if i < v.shape[-1] else None

    a0, a1, a2 = (comp(a, i) for i in range(3))
    b0, b1, b2 = (comp(b, i) for i in range(3))
    if a2 is None and b2 is None:
        return sub(mul(a0, b1), mul(a1, b0))
    z = Tensor._wrap(array_module(a.data).zeros((), a.dtype))
    a2 = z if a2 is None else a2
    b2 = z if b2 is None else b2
    c = stack(_bcast([sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)),
                      sub(mul(a0, b1), mul(a1, b0))]), axis=-1)
    return moveaxis(c, -1, axisc)


def _bcast(ts):
    from ember.ops.shaping import broadcast_to  # noqa: PLC0415

    shape = np.broadcast_shapes(*[t.shape for t in ts])
    return [broadcast_to(t, shape) for t in ts]


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors: c[k] = sum_n x1[n + k] x2[n] ("valid", "same",
    "full" as NumPy)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full'; received {mode!r}")
    a, b = promote("correlate", x1, x2, to_float=True)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"correlate: inputs must be 1-D; received {a.shape} and {b.shape}")
    n, m = a.shape[0], b.shape[0]
    if m > n:  # NumPy swaps and reverses: correlate(a, b) = reverse(correlate(b, a))
        return getitem(correlate(b, a, mode), slice(None, None, -1))
    pad = {"valid": (0, 0), "full": (m - 1, m - 1), "same": (m // 2, m - 1 - m // 2)}[mode]
    ap = concat([_zeros(pad[0], a), a, _zeros(pad[1], a)]) if pad != (0, 0) else a
    k = ap.shape[0] - m + 1
    idx = np.arange(k)[:, None] + np.arange(m)[None, :]
    return matmul(getitem(ap, idx), b)


def _zeros(n, like):
    return Tensor._wrap(array_module(like.data).zeros(n, like.dtype))


def diff(a, n=1, axis=-1):
    """n-th discrete difference along `axis`: out[i] = a[i + 1] - a[i], n times."""
    x = as_tensor(a, "diff", "a")
    if n < 0:
        raise ValueError(f"diff: order n must be >= 0; received {n}")
    ax = axis % x.ndim
    lead = (slice(None),) * ax
    for _ in range(n):
        if x.dtype.kind == "b":
            x = Tensor._wrap(x.data[(*lead, slice(1, None))] != x.data[(*lead, slice(None, -1))])
            continue
        x = sub(getitem(x, (*lead, slice(1, None))), getitem(x, (*lead, slice(None, -1))))
    return x


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of y by the trapezoidal rule along `axis`, at sample points x (or spacing
    dx)."""
    yy = float_tensor(y, "trapezoid", "y")
    ax = axis % yy.ndim
    lead = (slice(None),) * ax
    mid = mul(add(getitem(yy, (*lead, slice(1, None))), getitem(yy, (*lead, slice(None, -1)))),
              0.5)
    if x is None:
        return mul(_sum(mid, ax), dx)
    xx = float_tensor(x, "trapezoid", "x")
    d = diff(xx, axis=-1 if xx.ndim == 1 else ax)
    if xx.ndim == 1:
        d = reshape(d, [d.shape[0] if i == ax else 1 for i in range(yy.ndim)])
    return _sum(mul(mid, d), ax)


def corrcoef(x):
    """Pearson correlation coefficients of the rows of x (variables in rows)."""
    xx = float_tensor(x, "corrcoef")
    if xx.ndim == 1:
        xx = reshape(xx, (1, -1))
    c = sub(xx, mean(xx, axis=1, keepdims=True))
    cov = matmul(c, transpose(c))
    d = sqrt(getitem(cov, (np.arange(cov.shape[0]), np.arange(cov.shape[0]))))
    r = div(div(cov, reshape(d, (-1, 1))), reshape(d, (1, -1)))
    return reshape(r, ()) if r.shape == (1, 1) else r


class SlogDet(Function):
    """(sign, log|det x|) of square matrices;  g(log|det|) = gy inv(x)^T (sign: no
    gradient)."""

    def forward(self, x):
        sign, logdet = _la(x).slogdet(x)
        self.save_for_backward(x)
        self.sign = sign.astype(x.dtype)
        return logdet.astype(x.dtype)

    def backward(self, gy):
        (x,) = self.saved
        inv_t = np.swapaxes(_la(x).inv(x), -1, -2)
        return (gy[..., None, None] * inv_t).astype(gy.dtype)


def slogdet(x):
    """(sign, log|det|) of the square matrices in the last two axes of x; the gradient flows
    through log|det|.

    >>> import ember, numpy as np
    >>> s, l = ember.ops.slogdet(np.diag([2.0, -3.0]))
    >>> float(s), round(float(l), 4)
    (-1.0, 1.7918)
    """
    xx = float_tensor(x, "slogdet")
    if xx.ndim < 2 or xx.shape[-1] != xx.shape[-2]:
        raise ValueError(f"slogdet: x must hold square matrices; received shape {xx.shape}")
    logdet = SlogDet.apply(xx)
    sign = Tensor._wrap(np.sign(_la(xx.data).det(xx.data)).astype(xx.dtype)) if xx.size else \
        Tensor._wrap(array_module(xx.data).ones(xx.shape[:-2], xx.dtype))
    return sign, logdet
