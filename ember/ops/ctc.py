"""Connectionist temporal classification (Graves et al., 2006): `ctc_loss` as a primitive
with the forward-backward (alpha-beta) recursions in log space, and greedy `ctc_decode`.

With l' the label sequence with blanks around and between labels (length S = 2U + 1) and
y = softmax(logits):
  alpha[t, s] = y[t, l'_s] * (alpha[t-1, s] + alpha[t-1, s-1] + [skip_s] alpha[t-1, s-2]),
  beta[t, s]  = sum over s' in {s, s+1, s+2 if skip_s'} of y[t+1, l'_s'] beta[t+1, s'],
  p(l | x) = alpha[T-1, S-1] + alpha[T-1, S-2],  loss = -log p,
where skip_s holds when l'_s is a label different from l'_{s-2}. The gradient with respect
to the logits is d loss / d z[t, k] = y[t, k] - sum_{s: l'_s = k} alpha[t, s] beta[t, s] / p
(zero past the sequence's length).
"""

import numpy as np

from ember import backend
from ember.autograd import Function
from ember.backend import array_module, scatter_add, to_host
from ember.ops.tensor_args import float_tensor, tensor
from ember.tensor import Tensor


def _lse(*terms):
    m = terms[0]
    for t in terms[1:]:
        m = np.maximum(m, t)
    safe = np.where(np.isfinite(m), m, 0)
    total = sum(np.exp(t - safe) for t in terms)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(m), safe + np.log(total), -np.inf)


class CTCLoss(Function):
    """loss[b] = -log p(target[b] | logits[b]);  g logits = gy * (softmax - posterior)."""

    def forward(self, target, logits, target_length, output_length, blank):
        xp = array_module(logits)
        n, t_max, _ = logits.shape
        m = logits.max(axis=-1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
        u = target_length.astype(np.int64)
        tl = output_length.astype(np.int64)
        s_max = 2 * (target.shape[1] if target.ndim == 2 else 0) + 1
        ext = xp.full((n, s_max), blank, dtype=np.int64)
        ext[:, 1::2] = target
        s_idx = xp.arange(s_max)
        ext = np.where(s_idx[None] < 2 * u[:, None] + 1, ext, blank)
        prev2 = np.concatenate([xp.full((n, 2), -1), ext[:, :-2]], axis=1)
        skip = (s_idx[None] % 2 == 1) & (s_idx[None] >= 2) & (ext != prev2)
        s_len = 2 * u + 1
        valid = s_idx[None] < s_len[:, None]
        neg = xp.array(-np.inf, dtype=logits.dtype)
        rows = xp.arange(n)[:, None]

        def emit(t):
            return np.where(valid, logp[:, t][rows, ext], neg)

        alpha = xp.full((t_max, n, s_max), neg, dtype=logits.dtype)
        if t_max:
            a0 = xp.full((n, s_max), neg, dtype=logits.dtype)
            a0[:, 0] = logp[:, 0, blank]
            a0[:, 1:2] = np.where(u[:, None] > 0, logp[:, 0][rows, ext[:, 1:2]], neg)
            alpha[0] = np.where(valid, a0, neg)
        for t in range(1, t_max):
            a = alpha[t - 1]
            a1 = np.concatenate([xp.full((n, 1), neg), a[:, :-1]], axis=1)
            a2 = np.concatenate([xp.full((n, 2), neg), a[:, :-2]], axis=1)
            alpha[t] = _lse(a, a1, np.where(skip, a2, neg)) + emit(t)
        last = np.clip(tl - 1, 0, max(t_max - 1, 0))
        a_end = alpha[last, xp.arange(n)] if t_max else xp.full((n, s_max), neg)
        end1 = np.take_along_axis(a_end, (s_len - 1)[:, None], 1)[:, 0]
        end2 = np.where(u > 0, np.take_along_axis(a_end, np.maximum(s_len - 2, 0)[:, None],
                                                  1)[:, 0], neg)
        logp_seq = _lse(end1, end2)
        self.save_for_backward(logp, alpha, ext, skip, valid, tl, s_len, logp_seq, u)
        return -logp_seq

    def backward(self, gy):
        logp, alpha, ext, skip, valid, tl, s_len, logp_seq, u = self.saved
        xp = array_module(logp)
        n, t_max, c = logp.shape
        s_max = ext.shape[1]
        neg = xp.array(-np.inf, dtype=logp.dtype)
        rows = xp.arange(n)[:, None]
        s_idx = xp.arange(s_max)[None]
        end = (s_idx == (s_len - 1)[:, None]) | ((s_idx == (s_len - 2)[:, None]) & (u[:, None] > 0))
        skip_next = np.concatenate([skip[:, 2:], xp.zeros((n, 2), bool)], axis=1)
        grad = np.exp(logp)  # softmax
        beta = xp.full((n, s_max), neg, dtype=logp.dtype)
        finite = np.isfinite(logp_seq)
        for t in range(t_max - 1, -1, -1):
            if t < t_max - 1:
                e = np.where(valid, logp[:, t + 1][rows, ext], neg) + beta
                e1 = np.concatenate([e[:, 1:], xp.full((n, 1), neg)], axis=1)
                e2 = np.concatenate([e[:, 2:], xp.full((n, 2), neg)], axis=1)
                stepped = _lse(e, e1, np.where(skip_next, e2, neg))
            else:
                stepped = xp.full((n, s_max), neg, dtype=logp.dtype)
            beta = np.where((t == tl - 1)[:, None], np.where(end, 0.0, neg).astype(logp.dtype),
                            np.where((t < tl - 1)[:, None], stepped, neg))
            with np.errstate(invalid="ignore"):  # -inf - -inf where no alignment fits
                occ = np.exp(np.where(finite[:, None], alpha[t] + beta - logp_seq[:, None],
                                      neg))
            post = xp.zeros((n, c), dtype=logp.dtype)
            scatter_add(post, (xp.repeat(xp.arange(n), s_max), ext.ravel()), occ.ravel())
            active = (t < tl)[:, None] & finite[:, None]
            grad[:, t] = np.where(active, grad[:, t] - post, 0.0)
        return None, grad * gy[:, None, None], None, None, None


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sequence, Keras' `ops.ctc_loss`.

    Args:
        target: (B, L) integer labels (padding past `target_length` ignored).
        output: (B, T, C) logits (log-softmax is applied inside).
        target_length, output_length: (B,) integer lengths.
        mask_index: the blank class. Defaults to 0.

    Returns:
        (B,) negative log-likelihoods (inf where no alignment fits).

    >>> import ember
    >>> loss = ember.ops.ctc_loss(ember.tensor([[1]]), ember.zeros((1, 2, 2)),
    ...                           ember.tensor([1]), ember.tensor([2]))
    >>> round(float(loss[0]), 4)  # 3 of the 4 paths of length 2 give "1": -log(3/4)
    0.2877
    """
    logits = float_tensor(output)
    if logits.ndim != 3:
        raise ValueError(f"ctc_loss: output must be (batch, time, classes); received shape "
                         f"{logits.shape}")
    xp = array_module(logits.data)
    tgt = xp.asarray(tensor(target).data).astype(np.int64)
    tlen = xp.asarray(tensor(target_length).data).reshape(-1).astype(np.int64)
    olen = xp.asarray(tensor(output_length).data).reshape(-1).astype(np.int64)
    if tgt.ndim != 2 or tgt.shape[0] != logits.shape[0]:
        raise ValueError(f"ctc_loss: target must be (batch, max_label_length) with batch "
                         f"{logits.shape[0]}; received shape {tgt.shape}")
    if (olen > logits.shape[1]).any() or (tlen > tgt.shape[1]).any():
        raise ValueError(f"ctc_loss: lengths exceed the padded sizes: output_length "
                         f"{olen.tolist()} (max {logits.shape[1]}), target_length "
                         f"{tlen.tolist()} (max {tgt.shape[1]})")
    return CTCLoss.apply(tgt, logits, tlen, olen, int(mask_index))


def _lse_merge(inverse, scores, n):
    """log(sum(exp(scores))) of the rows sharing each unique index."""
    finite = np.isfinite(scores)
    m = scores[finite].max() if finite.any() else 0.0
    out = np.zeros(n, dtype=scores.dtype)
    np.add.at(out, inverse, np.exp(scores - m))
    with np.errstate(divide="ignore"):
        return np.log(out) + m


def _beam_search(x, seq_len, beam_width, top_paths, blank):
    """One sequence (T, C) of log-probabilities; Keras' (JAX's) CTC beam search: each beam is
    a label path kept as two hypotheses, ending in a label ("emit") or in a blank; extending
    by every class, merging equal paths by log-sum-exp and keeping the best `beam_width`."""
    t_max, c = x.shape
    pad = -1
    x = x[:, ::-1]  # classes flipped: ties broken as Keras' JAX-derived implementation
    blank = c - blank - 1
    n_init = min(c, beam_width)
    paths = np.full((2 * beam_width, t_max), pad, dtype=np.int64)
    best = np.argsort(x[0], kind="stable")[-n_init:]
    paths[:n_init, 0] = np.where(best == blank, pad, best)
    scores = np.full(2 * beam_width, -np.inf, dtype=x.dtype)
    scores[:n_init] = x[0, best]
    masked = paths[:, 0] == pad
    classes = np.where(np.arange(c) == blank, pad, np.arange(c))
    for t in range(1, seq_len):
        # extend every hypothesis by every class
        paths = np.repeat(paths, c, axis=0)
        scores = np.repeat(scores, c) + np.tile(x[t], len(scores))
        prev_masked = np.repeat(masked, c)
        tail_at = np.argmax(paths == pad, axis=1)
        rows = np.arange(len(paths))
        tails = np.where(tail_at == 0, pad, paths[rows, tail_at - 1])
        cls = np.tile(classes, len(paths) // c)
        masked = cls == pad
        cls = np.where(~prev_masked & (tails == cls), pad, cls)  # a repeat merges
        paths[rows, tail_at] = cls
        # prune: merge equal paths, keep the best beam_width
        uniq, inverse = np.unique(paths, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        emit = _lse_merge(inverse, np.where(masked, -np.inf, scores), len(uniq))
        blank_end = _lse_merge(inverse, np.where(masked, scores, -np.inf), len(uniq))
        top = np.argsort(np.logaddexp(emit, blank_end), kind="stable")[-beam_width:]
        paths = np.concatenate([uniq[top], uniq[top]])
        scores = np.concatenate([emit[top], blank_end[top]])
        masked = np.concatenate([np.zeros(len(top), bool), np.ones(len(top), bool)])
    uniq, inverse = np.unique(paths, axis=0, return_inverse=True)
    merged = _lse_merge(inverse.reshape(-1), scores, len(uniq))
    top = np.argsort(merged, kind="stable")[-top_paths:][::-1]
    out_paths = uniq[top]
    out_paths = np.where(out_paths == pad, pad, c - out_paths - 1)
    if len(top) < top_paths:  # fewer distinct paths than asked: -inf rows of padding
        extra = top_paths - len(top)
        out_paths = np.concatenate([out_paths, np.full((extra, t_max), pad)])
        merged = np.concatenate([merged, np.full(extra, -np.inf, merged.dtype)])
        top = np.concatenate([top, np.arange(len(merged) - extra, len(merged))])
    return out_paths, merged[top]


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """CTC decoding, Keras' `ops.ctc_decode`. Not differentiable.

    "greedy": per step the best class, repeats merged, blanks dropped, labels moved to the
    front (padding -1); returns (decoded (1, B, T) int32, scores (B, 1): minus the sum of
    each step's best input). "beam_search": the `top_paths` most probable label sequences
    under a beam of `beam_width` (inputs are log-softmaxed first); returns
    (decoded (top_paths, B, T) int32, scores (B, top_paths): their log-probabilities).

    >>> import numpy as np, ember
    >>> x = np.log(np.array([[[0.1, 0.9], [0.1, 0.9], [0.9, 0.1]]], "float32"))
    >>> ember.ops.ctc_decode(x, [3])[0].numpy()
    array([[[ 1, -1, -1]]], dtype=int32)
    >>> ember.ops.ctc_decode(x, [3], strategy="beam_search", beam_width=4)[0].numpy()
    array([[[ 1, -1, -1]]], dtype=int32)
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: strategy must be 'greedy' or 'beam_search'; received "
                         f"{strategy!r}")
    x = float_tensor(inputs).data
    n, t_max, c = x.shape
    lengths = tensor(sequence_lengths).data.reshape(-1).astype(np.int64)
    blank = c - 1 if mask_index is None else int(mask_index)
    xp = array_module(x)
    if strategy == "beam_search":
        # the beam search is a host algorithm (Python dictionaries of prefixes): the log
        # probabilities and lengths are copied to the host, the results back to x's device
        x, lengths = to_host(x), to_host(lengths)
        m = x.max(axis=-1, keepdims=True)
        logp = x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
        decoded = np.full((top_paths, n, t_max), -1, dtype=np.int32)
        scores = np.zeros((n, top_paths), dtype=x.dtype)
        for b in range(n):
            paths, sc = _beam_search(logp[b], int(lengths[b]), int(beam_width),
                                     int(top_paths), blank)
            decoded[:, b] = paths
            scores[b] = sc
        return (Tensor._wrap(backend.asarray(decoded, xp=xp)),
                Tensor._wrap(backend.asarray(scores, xp=xp)))
    idx = x.argmax(axis=-1).astype(np.int32)
    scores = x.max(axis=-1)
    beyond = xp.arange(t_max)[None] >= lengths[:, None]
    idx = np.where(beyond, blank, idx)
    scores = np.where(beyond, 0, scores)
    if merge_repeated and t_max:
        repeat = np.concatenate([xp.zeros((n, 1), bool), idx[:, 1:] == idx[:, :-1]], axis=1)
        idx = np.where(repeat, blank, idx)
    invalid = idx == blank
    idx = np.where(invalid, -1, idx)
    order = np.argsort(np.where(invalid, t_max, xp.arange(t_max)[None]), axis=-1, kind="stable")
    idx = np.take_along_axis(idx, order, axis=-1).astype(np.int32)
    return Tensor._wrap(idx[None]), Tensor._wrap(-scores.sum(axis=1, keepdims=True))
