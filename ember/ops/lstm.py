"""The fused LSTM sequence op, with its backward written out as backpropagation through time.

See `ember.ops.recurrent` for the plan the recurrent ops share (time-major buffers, one GEMM
for all input projections, pre-scaled weights, Keras masks).
"""

import numpy as np

from ember.autograd import Function, is_grad_enabled
from ember.backend import array_module
from ember.ops import cuda_kernels
from ember.ops.recurrent import (
    add_step_grad,
    as_dtype,
    check_inputs,
    check_state,
    flat,
    float_dtype,
    gate_scales,
    get_activation,
    input_grad,
    input_projection,
    input_weights,
    mask_array,
    masked_states,
    record_norm,
    recurrent_mask,
    state_grad,
    state_or_zeros,
    unit_major,
    workspace,
)
from ember.ops.shaping import getitem


def _internal_order(u):
    """Gate permutation from Keras' order i, f, c, o to the internal o, i, f, c: the three
    recurrent_activation gates are adjacent (one call activates them), and so are the three
    whose gradient comes from dC (one product computes them)."""
    return np.r_[3 * u:4 * u, 0:3 * u]


class LSTM(Function):
    """A whole LSTM sequence in one op (Keras gate order i, f, c, o).

    Forward, for t = 1..T, as the notes write it (Keras stores W = [W_F; W_R] split in
    `kernel` (F, 4U) and `recurrent_kernel` (U, 4U), so W . [h_{t-1}, x_t] = x_t W_F + h_{t-1} W_R):

        f_t = sigma(W_f . [h_{t-1}, x_t] + b_f)          forget gate
        i_t = sigma(W_i . [h_{t-1}, x_t] + b_i)          input gate
        C~_t = tanh(W_C . [h_{t-1}, x_t] + b_C)          candidate
        C_t = f_t * C_{t-1} + i_t * C~_t                 cell state
        o_t = sigma(W_o . [h_{t-1}, x_t] + b_o)          output gate
        h_t = o_t * tanh(C_t)                            hidden state

    (sigma is `recurrent_activation`, tanh is `activation`.) Where mask[n, t] is False,
    h_t = h_{t-1} and C_t = C_{t-1} for that row. With a recurrent-dropout mask m (N, U), the
    recurrent product reads h_{t-1} * m (the backward multiplies da_t W_R^T by m, and
    dW_R = sum_t (h_{t-1} * m)^T da_t).

    Backward (BPTT), for t = T..1, with a_t the pre-activations and g_t the gradient arriving
    from the outputs at step t:

        dh_t = g_t + da_{t+1} W_R^T
        dC_t = dC_{t+1} * f_{t+1} + dh_t * o_t * tanh'(C_t)
        da_o = dh_t * tanh(C_t) * sigma'(a_o)
        da_i = dC_t * C~_t * sigma'(a_i)
        da_f = dC_t * C_{t-1} * sigma'(a_f)
        da_C = dC_t * i_t * tanh'(a_C)
        dx_t = da_t W_F^T,  dW_F = sum_t x_t^T da_t,  dW_R = sum_t h_{t-1}^T da_t,
        db = sum_t da_t,  dh_0 = da_1 W_R^T,  dC_0 = dC_1 * f_1.

    Inside, a state is a column block (U, N), kept for all steps in a (U, T, N) buffer whose
    (T*N) columns feed the weight-gradient GEMMs; a step's gates are a contiguous (4U, N)
    block in the order o, i, f, C~.
    The forward output packs the hidden states and the last cell state: (N, T + 1, U) =
    [h_1 .. h_T, C_T] with `return_sequences`, else (N, 2, U) = [h_T, C_T].
    """

    def forward(self, x, kernel, recurrent_kernel, bias, h0, c0, *, activation="tanh",
                recurrent_activation="sigmoid", mask=None, go_backwards=False,
                return_sequences=True, state_grad_norms=None, recurrent_dropout_mask=None):
        op = "lstm"
        mod = array_module(x)  # every buffer is built on the input's device
        n, t, f, u = check_inputs(op, x, kernel, recurrent_kernel, 4)
        if bias is not None and bias.shape != (4 * u,):
            raise ValueError(f"{op}: bias must have shape (4 * units,) = {(4 * u,)}; received "
                             f"shape {bias.shape}")
        check_state(op, "h0", h0, n, u)
        check_state(op, "c0", c0, n, u)
        act = get_activation(activation, op, "activation")
        ract = get_activation(recurrent_activation, op, "recurrent_activation")
        dt = float_dtype(x, kernel, recurrent_kernel, bias, h0, c0)
        perm = _internal_order(u)
        scale = gate_scales((ract, ract, ract, act), u, dt, mod)
        r = recurrent_kernel.astype(dt, copy=False)[:, perm]          # (U, 4U) o, i, f, c
        rs_t = mod.ascontiguousarray((r * scale).T)                      # (4U, U)
        # One buffer holds [h_{t-1}; x_t; 1] for every step (plus h_T and C_T in the last two
        # columns): the weight-gradient GEMM over it yields [dW_R; dW_F; db] at once.
        zs = workspace.empty((u + f + 1, t + 2, n), dt, mod)
        hs = zs[:u]                                                    # h_0 .. h_T, C_T
        x1 = zs[u:, :t]
        _, mt, partial = unit_major(op, x.astype(dt, copy=False), mask, go_backwards, out=x1)

        save = is_grad_enabled() and any(self.needs_input_grad)
        fused = ract.name == "sigmoid" and act.name == "tanh"
        gpu = cuda_kernels.is_cupy(mod)
        u3 = 3 * u
        w1t = input_weights(kernel, bias, scale, dt, perm)             # (4U, F + 1)
        rm = recurrent_mask(op, recurrent_dropout_mask, n, u, dt, mod)
        # Few input features: one GEMM per step on [h_{t-1}; x_t; 1] (a column block of zs)
        # writes the whole pre-activation, instead of a separate input projection plus an add.
        per_step = rm is None and 4 * (f + 1) <= u
        if per_step:
            w_all = mod.concatenate([rs_t, w1t], axis=1)                # (4U, U + F + 1)
            gates = workspace.empty((t, 4 * u, n), dt, mod)
        else:
            gates = input_projection(w1t, x1)                          # (T, 4U, N)
        hs[:, 0] = state_or_zeros(h0, n, u, dt, mod).T
        c_prev = mod.ascontiguousarray(state_or_zeros(c0, n, u, dt, mod).T)
        c_new = mod.empty((u, n), dt)
        rec = mod.empty((4 * u, n), dt)
        tmp = mod.empty((u, n), dt)
        tc = mod.empty((u, n), dt)
        hm = None if rm is None else mod.empty((u, n), dt)
        if save:
            e = workspace.empty((t, 4 * u, n), dt, mod)   # da = [dh, dC, dC, dC] * e   (o, i, f, c)
            p = workspace.empty((t, u, n), dt, mod)       # dC_t += dh_t * p
        with np.errstate(over="ignore"):
            for k in range(t):
                g = gates[k]
                if per_step:
                    mod.matmul(w_all, zs[:, k], out=g)
                elif rm is None:
                    mod.matmul(rs_t, hs[:, k], out=rec)
                else:                                      # recurrent dropout: h_{t-1} * m
                    mod.multiply(hs[:, k], rm, out=hm)
                    mod.matmul(rs_t, hm, out=rec)
                if not per_step:
                    g += rec
                if save:
                    ek, pk = e[k], p[k]
                if fused:
                    # every gate through one logistic: sigmoid(a) for o, i, f and
                    # sigmoid(2a) for C~ (from the -1 and -2 weight scales), then
                    # tanh(a) = 2 sigmoid(2a) - 1, whose derivative is 4 s (1 - s)
                    if gpu:  # one fused pass each on a GPU
                        cuda_kernels.logistic_(g)
                        if save:
                            cuda_kernels.logistic_deriv_(g, ek)
                    else:
                        mod.exp(g, out=g)
                        g += 1.0
                        mod.reciprocal(g, out=g)
                        if save:
                            mod.subtract(1.0, g, out=ek)
                            ek *= g
                    if save:
                        ek[u3:] *= 4.0
                    gc = g[u3:]
                    gc *= 2.0
                    gc -= 1.0
                else:
                    ract.apply(g[:u3])
                    act.apply(g[u3:])
                    if save:
                        ract.deriv(g[:u3], ek[:u3])
                        act.deriv(g[u3:], ek[u3:])
                go, gi, gf, gc = g[:u], g[u:2 * u], g[2 * u:u3], g[u3:]
                mod.multiply(gf, c_prev, out=c_new)
                mod.multiply(gi, gc, out=tmp)
                c_new += tmp
                mod.multiply(c_new, act.scale, out=tc)
                act.apply(tc)
                mod.multiply(go, tc, out=hs[:, k + 1])
                if save:
                    ek[:u] *= tc
                    ek[u:2 * u] *= gc
                    ek[2 * u:u3] *= c_prev
                    ek[u3:] *= gi
                    act.deriv(tc, pk)
                    pk *= go
                if partial is not None and partial[k]:
                    off = ~mt[k]
                    mod.copyto(hs[:, k + 1], hs[:, k], where=off)
                    mod.copyto(c_new, c_prev, where=off)
                    if save:
                        ek[:, off] = 0
                        pk[:, off] = 0
                        gf[:, off] = 1  # dC carries over unchanged through a masked step
                c_prev, c_new = c_new, c_prev
        hs[:, t + 1] = c_prev
        if save:
            self.save_for_backward(zs, r, gates, e, p)
            self.dims = (n, t, f, u)
            self.mt, self.partial = mt, partial
            self.go_backwards, self.return_sequences = go_backwards, return_sequences
            self.norms = state_grad_norms
            self.perm, self.rm = perm, rm
            self.like = (x, kernel, recurrent_kernel, bias, h0, c0)
        if return_sequences:
            return hs[:, 1:].transpose(2, 1, 0)                        # (N, T + 1, U)
        return hs[:, t:].transpose(2, 1, 0).copy()                     # (N, 2, U)

    def backward(self, gy):
        mod = array_module(gy)
        zs, r, gates, e, p = self.saved
        n, t, f, u = self.dims
        mt, partial, norms = self.mt, self.partial, self.norms
        x_, kernel, recurrent_kernel, bias, h0, c0 = self.like
        need = self.needs_input_grad
        dt = zs.dtype
        u3 = 3 * u
        dc = mod.ascontiguousarray(gy[:, -1].T, dtype=dt)               # dC_T
        gh = gy[:, :-1] if self.return_sequences else gy[:, 0]         # the h outputs' part
        dh = mod.zeros((u, n), dt)
        da = workspace.empty((4 * u, t, n), dt, mod)                        # every step's da
        tmp = mod.empty((u, n), dt)
        for k in range(t - 1, -1, -1):
            add_step_grad(dh, gh, k, t)
            record_norm(norms, dh)
            mod.multiply(dh, p[k], out=tmp)
            dc += tmp                                                  # dC_t
            dak = da[:, k]
            mod.multiply(e[k, :u], dh, out=dak[:u])                     # o gate: from dh
            mod.multiply(e[k, u:].reshape(3, u, n), dc, out=dak[u:].reshape(3, u, n))
            dc *= gates[k, 2 * u:u3]                                   # dC_{t-1} = dC_t * f_t
            if partial is not None and partial[k]:
                keep = dh * ~mt[k]
                mod.matmul(r, dak, out=dh)
                if self.rm is not None:
                    dh *= self.rm
                dh += keep
            else:
                mod.matmul(r, dak, out=dh)
                if self.rm is not None:
                    dh *= self.rm
        inv = np.argsort(self.perm)
        da2 = flat(da)                                                 # (4U, T*N)
        gx = gw = gr = gb = None
        if need[0]:
            gx = input_grad(kernel.astype(dt, copy=False)[:, self.perm], da, self.go_backwards)
        if need[1] or need[2] or (bias is not None and need[3]):
            g_all = (flat(zs[:, :t]) @ da2.T)[:, inv]                  # [dW_R; dW_F; db]
            gr = g_all[:u] if need[2] else None
            if self.rm is not None and need[2]:
                gr = (flat(masked_states(zs[:u, :t], self.rm)) @ da2.T)[:, inv]
            gw = g_all[u:u + f] if need[1] else None
            gb = g_all[u + f] if bias is not None and need[3] else None
        return (as_dtype(gx, x_), as_dtype(gw, kernel), as_dtype(gr, recurrent_kernel),
                as_dtype(gb, bias), state_grad(dh, h0) if need[4] else None,
                state_grad(dc, c0) if need[5] else None)


def lstm(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, *, activation="tanh",
         recurrent_activation="sigmoid", mask=None, go_backwards=False, return_sequences=True,
         state_grad_norms=None, recurrent_dropout_mask=None):
    """A whole LSTM sequence in one fused op (Keras' `LSTM` layer maths, gate order i, f, c, o).

    Per step: c_t = f_t * c_{t-1} + i_t * tanh(x_t W_c + h_{t-1} U_c + b_c) and
    h_t = o_t * tanh(c_t), with the gates i, f, o = sigmoid(x_t W + h_{t-1} U + b); the exact
    equations and their backpropagation through time are in `LSTM`'s docstring.

    Args:
        x: inputs, shape (N, T, F).
        kernel: W_F, shape (F, 4U), columns in gate order i, f, c, o.
        recurrent_kernel: W_R, shape (U, 4U), same order.
        bias: shape (4U,), or None for no bias. Defaults to None.
        h0, c0: initial states, shape (N, U), or None for zeros. Default None.
        activation: of the candidate and of the cell ("tanh", "relu", "linear", ...).
            Defaults to "tanh".
        recurrent_activation: of the gates i, f, o. Defaults to "sigmoid".
        mask: bool (N, T); where False the states carry over and the output is the carried
            state (Keras). Defaults to None (every step counts).
        go_backwards: process the sequence from the last step to the first; the returned
            sequence is in processing order (reversed), as Keras. Defaults to False.
        return_sequences: return every h_t, else only the last. Defaults to True.
        state_grad_norms: a list to receive ||dL/dh_t|| during backward (see
            `ember.ops.recurrent.state_gradient_norms`). Defaults to None.
        recurrent_dropout_mask: (N, U) multipliers applied to h_{t-1} in every step's
            recurrent product (recurrent dropout, one mask for the whole sequence; not
            differentiated). Defaults to None.

    Returns:
        (output, h_T, c_T): output is the sequence (N, T, U) when `return_sequences`, else the
        same Tensor as h_T (N, U); c_T is (N, U). Gradients flow from all three.

    >>> import numpy as np, ember
    >>> x = ember.ones((2, 5, 3))
    >>> k, rk = ember.ones((3, 8)) * 0.1, ember.ones((2, 8)) * 0.1
    >>> seq, h, c = lstm(x, k, rk)
    >>> seq.shape, h.shape, c.shape
    ((2, 5, 2), (2, 2), (2, 2))
    """
    out = LSTM.apply(x, kernel, recurrent_kernel, bias, h0, c0, activation=activation,
                     recurrent_activation=recurrent_activation, mask=mask_array(mask),
                     go_backwards=bool(go_backwards), return_sequences=bool(return_sequences),
                     state_grad_norms=state_grad_norms,
                     recurrent_dropout_mask=recurrent_dropout_mask)
    if return_sequences:
        t = out.shape[1] - 1
        h = getitem(out, (slice(None), t - 1))
        return getitem(out, (slice(None), slice(0, t))), h, getitem(out, (slice(None), t))
    h = getitem(out, (slice(None), 0))
    return h, h, getitem(out, (slice(None), 1))
