"""Op-table entries for Keras' `ops.image` (module ember.ops.image; as in Keras these names
are not at the top level of ember.ops). NumPy references are written pixel by pixel from
the documented formulas; the torch spellings use torch.nn.functional where it has the op
(interpolate, conv2d) and the same formulas otherwise."""

import colorsys
import math
import zlib

import numpy as np

from ember.ops import image

M = "ember.ops.image"


def u(name, *shape, lo=0.0, hi=1.0):
    return np.random.default_rng(zlib.crc32(name.encode())).uniform(lo, hi, shape)


def nchw(t, x):
    return x.permute(0, 3, 1, 2)


def nhwc(t, y):
    return y.permute(0, 2, 3, 1)


# ------------------------------------------------------------------ references
def np_gray(x):
    return (0.2989 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[..., None]


def np_hsv(x, inverse=False):
    fn = colorsys.hsv_to_rgb if inverse else colorsys.rgb_to_hsv
    flat = x.reshape(-1, 3)
    return np.array([fn(*p) for p in flat]).reshape(x.shape)


def t_rgb_to_hsv(t, x):
    r, g, b = x.unbind(-1)
    v = t.maximum(t.maximum(r, g), b)
    rng = v - t.minimum(t.minimum(r, g), b)
    s = t.where(v > 0, rng / t.where(v > 0, v, t.ones_like(v)), t.zeros_like(v))
    norm = 1.0 / (6.0 * t.where(rng > 0, rng, t.ones_like(rng)))
    h = t.where(v == g, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6)
    h = t.where(v == r, norm * (g - b), h)
    h = t.where(rng > 0, h, t.zeros_like(h)) + (h < 0).to(h.dtype)
    return t.stack([h, s, v], -1)


def t_hsv_to_rgb(t, x):
    h, s, v = x.unbind(-1)
    dh = t.remainder(h, 1.0) * 6
    d = [t.clamp(t.abs(dh - 3) - 1, 0, 1), t.clamp(2 - t.abs(dh - 2), 0, 1),
         t.clamp(2 - t.abs(dh - 4), 0, 1)]
    return t.stack([v * (1 - s + s * di) for di in d], -1)


def _g1(k, s):
    g = np.exp(-0.5 * ((np.arange(k) - (k - 1) / 2) / s) ** 2)
    return g / g.sum()


def np_blur(x, kernel_size=(3, 3), sigma=(1.0, 1.0)):
    (kh, kw), (sh, sw) = kernel_size, sigma
    k2 = np.outer(_g1(kh, sh), _g1(kw, sw))
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    return sum(k2[i, j] * xp[:, i:i + x.shape[1], j:j + x.shape[2]]
               for i in range(kh) for j in range(kw))


def t_blur(t, x, kernel_size=(3, 3), sigma=(1.0, 1.0)):
    (kh, kw), (sh, sw) = kernel_size, sigma
    k2 = t.tensor(np.outer(_g1(kh, sh), _g1(kw, sw)), dtype=x.dtype)
    c = x.shape[-1]
    y = t.nn.functional.conv2d(nchw(t, x), k2.expand(c, 1, kh, kw), padding=(kh // 2, kw // 2),
                               groups=c)
    return nhwc(t, y)


_SOBEL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)


def np_sobel(x):
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = []
    for k in (_SOBEL.T, _SOBEL):
        out.append(sum(k[i, j] * xp[:, i:i + x.shape[1], j:j + x.shape[2]]
                       for i in range(3) for j in range(3)))
    return np.stack(out, -1)


def t_sobel(t, x):
    c = x.shape[-1]
    out = [nhwc(t, t.nn.functional.conv2d(
        nchw(t, x), t.tensor(k, dtype=x.dtype).expand(c, 1, 3, 3), padding=1, groups=c))
        for k in (_SOBEL.T.copy(), _SOBEL)]
    return t.stack(out, -1)


def np_ssim(a, b, max_val=1.0, filter_size=11, filter_sigma=1.5):
    g = _g1(filter_size, filter_sigma)
    k2 = np.outer(g, g)
    f = filter_size

    def blur(z):
        ho, wo = z.shape[1] - f + 1, z.shape[2] - f + 1
        return sum(k2[i, j] * z[:, i:i + ho, j:j + wo] for i in range(f) for j in range(f))

    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
    m1, m2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - m1 * m1, blur(b * b) - m2 * m2, blur(a * b) - m1 * m2
    ssim_map = (2 * m1 * m2 + c1) * (2 * s12 + c2) / ((m1 ** 2 + m2 ** 2 + c1) * (s11 + s22 + c2))
    return ssim_map.mean(axis=(1, 2, 3))


def t_ssim(t, a, b, max_val=1.0, filter_size=11, filter_sigma=1.5):
    g = _g1(filter_size, filter_sigma)
    k = t.tensor(np.outer(g, g), dtype=a.dtype)
    c = a.shape[-1]

    def blur(z):
        return t.nn.functional.conv2d(nchw(t, z), k.expand(c, 1, *k.shape), groups=c)

    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
    m1, m2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - m1 * m1, blur(b * b) - m2 * m2, blur(a * b) - m1 * m2
    ssim_map = (2 * m1 * m2 + c1) * (2 * s12 + c2) / ((m1 ** 2 + m2 ** 2 + c1) * (s11 + s22 + c2))
    return ssim_map.mean(dim=(1, 2, 3))


def patches(x, size, strides=None):
    k = (size, size) if isinstance(size, int) else size
    s = k if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    ho, wo = (x.shape[1] - k[0]) // s[0] + 1, (x.shape[2] - k[1]) // s[1] + 1
    rows = []
    for i in range(ho):
        cols = []
        for j in range(wo):
            p = x[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1], :]
            cols.append(p.reshape(x.shape[0], k[0] * k[1] * x.shape[-1]))
        rows.append(cols)
    return rows, (ho, wo)


def np_patches(x, size, strides=None):
    rows, _ = patches(x, size, strides)
    return np.stack([np.stack(r, 1) for r in rows], 1)


def t_patches(t, x, size, strides=None):
    rows, _ = patches(x, size, strides)
    return t.stack([t.stack(r, 1) for r in rows], 1)


def np_patches_3d(x, size):
    k = size
    d, h, w = (n // k for n in x.shape[1:4])
    out = np.zeros((x.shape[0], d, h, w, k ** 3 * x.shape[-1]))
    for a in range(d):
        for b in range(h):
            for c in range(w):
                out[:, a, b, c] = x[:, a * k:a * k + k, b * k:b * k + k,
                                    c * k:c * k + k].reshape(x.shape[0], k ** 3 * x.shape[-1])
    return out


def t_patches_3d(t, x, size):
    k = size
    n, d, h, w, c = x.shape
    y = x.reshape(n, d // k, k, h // k, k, w // k, k, c).permute(0, 1, 3, 5, 2, 4, 6, 7)
    return y.reshape(n, d // k, h // k, w // k, k ** 3 * c)


def resize_matrix(n_in, n_out):
    """Bilinear, half-pixel centres, source clamped at 0 (PyTorch align_corners=False)."""
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        src = max((o + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = int(math.floor(src))
        f = src - i0
        m[o, min(i0, n_in - 1)] += 1 - f
        m[o, min(i0 + 1, n_in - 1)] += f
    return m


def np_resize(x, size):
    return np.einsum("ah,nhwc,bw->nabc", resize_matrix(x.shape[1], size[0]), x,
                     resize_matrix(x.shape[2], size[1]))


def bilinear(lib, img, ys, xs, fill=0.0):
    """Constant-fill bilinear sampling of img (N, H, W, C) at (N, H', W') float coordinates,
    written for NumPy or torch (`lib` indexing rules are the same)."""
    n, h, w, _ = img.shape
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    wy, wx = ys - y0, xs - x0
    out = 0
    b = np.arange(n).reshape((n,) + (1,) * (np.ndim(ys) - 1))
    for dy, dx, wgt in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                        (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yi, xi = y0 + dy, x0 + dx
        ok = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        v = img[b, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        mask = ok[..., None].astype(np.float64)
        if lib is not np:
            mask = lib.tensor(mask, dtype=img.dtype)
            wgt = lib.tensor(wgt, dtype=img.dtype)
        out = out + (v * mask + fill * (1 - mask)) * wgt[..., None]
    return out


def _affine_coords(shape, transform):
    yy, xx = np.meshgrid(np.arange(shape[1]), np.arange(shape[2]), indexing="ij")
    a0, a1, a2, b0, b1, b2 = (transform[k] for k in range(6))
    xs = np.broadcast_to(a0 * xx + a1 * yy + a2, shape[:3])
    ys = np.broadcast_to(b0 * xx + b1 * yy + b2, shape[:3])
    return ys, xs


def np_affine(x, transform):
    ys, xs = _affine_coords(x.shape, transform)
    return bilinear(np, x, ys, xs)


def t_affine(t, x, transform):
    ys, xs = _affine_coords(tuple(x.shape), transform)
    return bilinear(t, x, ys, xs)


def np_map(x, ys, xs):
    return bilinear(np, x[None, ..., None], ys[None], xs[None])[0, ..., 0]


def t_map(t, x, ys, xs):
    h, w = x.shape
    y0, x0 = t.floor(ys.detach()), t.floor(xs.detach())
    wy, wx = ys - y0, xs - x0
    out = 0
    for dy, dx, wgt in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                        (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yi, xi = (y0 + dy).long(), (x0 + dx).long()
        ok = ((yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)).to(x.dtype)
        out = out + x[yi.clamp(0, h - 1), xi.clamp(0, w - 1)] * ok * wgt
    return out


def entries(Entry, Sample):  # noqa: N803
    S = Sample
    img = lambda name, *shape: u(name, *shape)  # noqa: E731
    rgb = lambda name, *shape: (  # noqa: E731  (distinct channels: no ties in max/min)
        np.sort(u(name, *shape), -1)[..., np.random.default_rng(1).permutation(3)] * 0.8
        + np.array([0.0, 0.05, 0.1]))
    tr = np.array([1.07, 0.11, -0.43, -0.13, 0.93, 0.61])
    size0 = lambda shape, **p: S("size0", (np.zeros(shape),), p,  # noqa: E731
                                 gradcheck="no elements to perturb; tests/ops/test_op_table.py "
                                 "checks shapes")
    return [
        Entry("rgb_to_grayscale", image.rgb_to_grayscale, np_gray,
              lambda t, x: (0.2989 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[
                  ..., None], (
                  S("4d", (img("g1", 2, 3, 4, 3),)), S("3d", (img("g2", 3, 2, 3),)),
                  S("1x1", (img("g3", 1, 1, 1, 3),)), size0((0, 2, 2, 3))), module=M),
        Entry("rgb_to_hsv", image.rgb_to_hsv, np_hsv, t_rgb_to_hsv, (
            S("4d", (rgb("h1", 2, 3, 4, 3),)), S("3d", (rgb("h2", 3, 2, 3),)),
            S("1x1", (rgb("h3", 1, 1, 1, 3),)), size0((0, 2, 2, 3))), module=M),
        Entry("hsv_to_rgb", image.hsv_to_rgb, lambda x: np_hsv(x, True), t_hsv_to_rgb, (
            S("4d", (u("v1", 2, 3, 4, 3),)), S("3d", (u("v2", 3, 2, 3),)),
            S("1x1", (u("v3", 1, 1, 1, 3),)), size0((0, 2, 2, 3))), module=M),
        Entry("gaussian_blur", image.gaussian_blur, np_blur, t_blur, (
            S("3x3", (img("b1", 2, 5, 6, 2),)),
            S("5x3", (img("b2", 1, 6, 5, 1),), {"kernel_size": (5, 3), "sigma": (1.5, 0.7)}),
            S("1x1", (img("b3", 1, 3, 3, 2),), {"kernel_size": (1, 1), "sigma": (1.0, 1.0)}),
            size0((0, 3, 3, 1))), module=M),
        Entry("sobel_edges", image.sobel_edges, np_sobel, t_sobel, (
            S("4d", (img("s1", 2, 4, 5, 2),)), S("1ch", (img("s2", 1, 3, 3, 1),)),
            S("3ch", (img("s3", 1, 4, 4, 3),)), size0((0, 3, 3, 1))), module=M),
        Entry("ssim", image.ssim, np_ssim, t_ssim, (
            S("f3", (img("ss1", 2, 5, 6, 2), img("ss2", 2, 5, 6, 2)),
              {"filter_size": 3}),
            S("f5_max2", (img("ss3", 1, 6, 6, 1) * 2, img("ss4", 1, 6, 6, 1) * 2),
              {"filter_size": 5, "max_val": 2.0}),
            S("f1", (img("ss5", 1, 3, 3, 2), img("ss6", 1, 3, 3, 2)), {"filter_size": 1}),
            S("size0", (np.zeros((0, 4, 4, 1)), np.zeros((0, 4, 4, 1))), {"filter_size": 3},
              gradcheck="no elements to perturb; tests/ops/test_op_table.py checks shapes")),
              rtol=1e-4, atol=1e-5, torch_atol=1e-5, module=M),
        Entry("extract_patches", image.extract_patches, np_patches, t_patches, (
            S("2x2", (img("p1", 2, 4, 6, 2),), {"size": 2}),
            S("3x2_s1", (img("p2", 1, 4, 4, 1),), {"size": (3, 2), "strides": 1}),
            S("s2", (img("p3", 1, 5, 5, 2),), {"size": 2, "strides": (2, 1)}),
            size0((0, 4, 4, 1), size=2)), module=M),
        Entry("extract_patches_3d", image.extract_patches_3d, np_patches_3d, t_patches_3d, (
            S("2", (img("q1", 1, 4, 4, 2, 2),), {"size": 2}),
            S("1", (img("q2", 2, 2, 2, 2, 1),), {"size": 1}),
            S("3", (img("q3", 1, 3, 3, 3, 1),), {"size": 3}),
            size0((0, 2, 2, 2, 1), size=2)), module=M),
        Entry("crop_images", image.crop_images,
              lambda x, top_cropping=0, left_cropping=0, target_height=None,
              target_width=None: x[:, top_cropping:top_cropping + target_height,
                                   left_cropping:left_cropping + target_width],
              lambda t, x, top_cropping=0, left_cropping=0, target_height=None,
              target_width=None: x[:, top_cropping:top_cropping + target_height,
                                   left_cropping:left_cropping + target_width], (
                  S("a", (img("c1", 2, 5, 6, 1),), {"top_cropping": 1, "left_cropping": 2,
                                                    "target_height": 3, "target_width": 3}),
                  S("b", (img("c2", 1, 4, 4, 2),), {"top_cropping": 0, "left_cropping": 0,
                                                    "target_height": 4, "target_width": 1}),
                  S("c", (img("c3", 1, 3, 5, 1),), {"top_cropping": 2, "left_cropping": 1,
                                                    "target_height": 1, "target_width": 2}),
                  size0((0, 4, 4, 1), top_cropping=1, left_cropping=1, target_height=2,
                        target_width=2)), module=M),
        Entry("pad_images", image.pad_images,
              lambda x, top_padding, left_padding, target_height, target_width: np.pad(
                  x, ((0, 0), (top_padding, target_height - x.shape[1] - top_padding),
                      (left_padding, target_width - x.shape[2] - left_padding), (0, 0))),
              lambda t, x, top_padding, left_padding, target_height, target_width:
              t.nn.functional.pad(x, (0, 0, left_padding,
                                      target_width - x.shape[2] - left_padding, top_padding,
                                      target_height - x.shape[1] - top_padding)), (
                  S("a", (img("pa1", 2, 3, 4, 1),), {"top_padding": 1, "left_padding": 2,
                                                     "target_height": 5, "target_width": 7}),
                  S("b", (img("pa2", 1, 2, 2, 2),), {"top_padding": 0, "left_padding": 0,
                                                     "target_height": 3, "target_width": 2}),
                  S("c", (img("pa3", 1, 1, 1, 1),), {"top_padding": 2, "left_padding": 1,
                                                     "target_height": 4, "target_width": 4}),
                  size0((0, 2, 2, 1), top_padding=1, left_padding=1, target_height=4,
                        target_width=4)), module=M),
        Entry("resize", image.resize, np_resize,
              lambda t, x, size: nhwc(t, t.nn.functional.interpolate(
                  nchw(t, x), size=size, mode="bilinear", align_corners=False)), (
                  S("up", (img("r1", 2, 3, 4, 2),), {"size": (5, 7)}),
                  S("down", (img("r2", 1, 6, 7, 1),), {"size": (3, 2)}),
                  S("mixed", (img("r3", 1, 4, 4, 3),), {"size": (8, 3)}),
                  size0((0, 3, 3, 1), size=(2, 2))), module=M),
        Entry("affine_transform", lambda x: image.affine_transform(
                  x, np.concatenate([tr, [0.0, 0.0]])),
              lambda x: np_affine(x, tr), lambda t, x: t_affine(t, x, tr), (
                  S("4d", (img("a1", 2, 5, 6, 2),)), S("small", (img("a2", 1, 3, 3, 1),)),
                  S("wide", (img("a3", 1, 4, 7, 3),)), size0((0, 4, 4, 1))), module=M),
        Entry("map_coordinates", lambda x, ys, xs: image.map_coordinates(x, [ys, xs], 1),
              np_map, t_map, (
                  S("inside", (img("m1", 4, 5), u("m2", 3, 2, lo=0.1, hi=2.9),
                               u("m3", 3, 2, lo=0.1, hi=3.9))),
                  S("outside", (img("m4", 3, 3), u("m5", 6, lo=-1.5, hi=3.5),
                                u("m6", 6, lo=-1.5, hi=3.5))),
                  S("one", (img("m7", 2, 2), np.array([0.3]), np.array([0.6]))),
                  S("size0", (img("m8", 2, 2), np.zeros((0,)), np.zeros((0,))),
                    gradcheck="no elements to perturb; tests/ops/test_op_table.py checks "
                    "shapes")), module=M),
    ]
