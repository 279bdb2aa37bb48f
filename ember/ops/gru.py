"""The fused GRU sequence op (both of Keras' forms), backward written out as backpropagation
through time.

See `ember.ops.recurrent` for the plan the recurrent ops share (time-major buffers, one GEMM
for all input projections, pre-scaled weights, Keras masks).
"""

import numpy as np

from ember.autograd import Function, is_grad_enabled
from ember.backend import array_module
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


class GRU(Function):
    """A whole GRU sequence in one op (Keras gate order z, r, h).

    The notes write the gates with W . [h_{t-1}, x_t]; Keras splits W into `kernel` W_F (F, 3U)
    and `recurrent_kernel` W_R (U, 3U), and the subscripts z, r, h below name column blocks:

        z_t = sigma(x_t W_z + h_{t-1} U_z + b_z)                       update gate
        r_t = sigma(x_t W_r + h_{t-1} U_r + b_r)                       reset gate
        reset_after=False (the notes' form, bias (3U,)):
            h~_t = tanh(x_t W_h + (r_t * h_{t-1}) U_h + b_h)
        reset_after=True (Keras' default and PyTorch's, bias (2, 3U) = [input; recurrent]):
            h~_t = tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b'_h))
            (b' is bias[1], added to every recurrent block: h_{t-1} U_z + b'_z, ...)
        h_t = z_t * h_{t-1} + (1 - z_t) * h~_t

    The last line is Keras' (and PyTorch's) convention; the notes write
    h_t = (1 - z_t) * h_{t-1} + z_t * h~_t, which is the same model with z_t read as 1 - z_t.
    (sigma is `recurrent_activation`, tanh is `activation`.) Where mask[n, t] is False,
    h_t = h_{t-1} for that row.

    Backward (BPTT), for t = T..1, with g_t the gradient arriving from the output at step t:

        dh_t = g_t + [dh_{t+1} * z_{t+1}] + (recurrent gradients of step t + 1)
        da_z = dh_t * (h_{t-1} - h~_t) * sigma'(a_z)
        da_h = dh_t * (1 - z_t) * tanh'(a_h)
        reset_after=True:   da_r = da_h * (h_{t-1} U_h + b'_h) * sigma'(a_r)
            recurrent pre-activation gradient dq_t = [da_z, da_r, da_h * r_t]
            dh_{t-1} = dh_t * z_t + dq_t W_R^T,  dW_R = sum_t h_{t-1}^T dq_t,  db' = sum_t dq_t
        reset_after=False:  d(r h)_t = da_h U_h^T,  da_r = d(r h)_t * h_{t-1} * sigma'(a_r)
            dh_{t-1} = dh_t * z_t + d(r h)_t * r_t + [da_z, da_r] [U_z, U_r]^T
            dW_R = sum_t [h_{t-1}^T [da_z, da_r], (r_t * h_{t-1})^T da_h]
        dx_t = da_t W_F^T,  dW_F = sum_t x_t^T da_t,  db = sum_t da_t  (da = [da_z, da_r, da_h]).

    Inside, a state is a column block (U, N), kept for all steps in a (U, T, N) buffer (with a
    row of ones under it when reset_after: it adds b' in the recurrent GEMM and returns db' from
    the weight-gradient GEMM); a step's gates are a contiguous (3U, N) block.
    The forward output is (N, T, U) (h_1 .. h_T) with `return_sequences`, else h_T (N, U).
    """

    def forward(self, x, kernel, recurrent_kernel, bias, h0, *, activation="tanh",
                recurrent_activation="sigmoid", mask=None, go_backwards=False,
                return_sequences=True, reset_after=True, state_grad_norms=None,
                recurrent_dropout_mask=None):
        op = "gru"
        mod = array_module(x)  # every buffer is built on the input's device
        n, t, f, u = check_inputs(op, x, kernel, recurrent_kernel, 3)
        want = (2, 3 * u) if reset_after else (3 * u,)
        if bias is not None and bias.shape != want:
            raise ValueError(f"{op}: with reset_after={reset_after} bias must have shape "
                             f"{want}; received shape {bias.shape}")
        check_state(op, "h0", h0, n, u)
        act = get_activation(activation, op, "activation")
        ract = get_activation(recurrent_activation, op, "recurrent_activation")
        dt = float_dtype(x, kernel, recurrent_kernel, bias, h0)
        rm = recurrent_mask(op, recurrent_dropout_mask, n, u, dt, mod)
        if rm is not None and not reset_after:
            raise ValueError(f"{op}: recurrent_dropout_mask needs reset_after=True (the GRU "
                             "layer runs reset_after=False with recurrent dropout step by step)")
        r = recurrent_kernel.astype(dt, copy=False)
        scale = gate_scales((ract, ract, act), u, dt, mod)
        x1, mt, partial = unit_major(op, x.astype(dt, copy=False), mask, go_backwards)
        u2 = 2 * u

        save = is_grad_enabled() and any(self.needs_input_grad)
        b_in = None if bias is None else (bias[0] if reset_after else bias)
        gates = input_projection(input_weights(kernel, b_in, scale, dt), x1)   # (T, 3U, N)
        if reset_after:
            # [W_R; b']^T scaled, against the state block [h_{t-1}; 1]
            b_rec = None if bias is None else bias[1]
            r1s_t = input_weights(r, b_rec, scale, dt)                 # (3U, U + 1)
            hs = workspace.empty((u + 1, t + 1, n), dt, mod)
            hs[u] = 1
            rec = mod.empty((3 * u, n), dt)
            if rm is not None:
                hm = mod.empty((u + 1, n), dt)                          # [h_{t-1} * m; 1]
                hm[u] = 1
        else:
            rs_zr_t = mod.ascontiguousarray((r[:, :u2] * scale[:u2]).T)  # (2U, U)
            rs_h_t = mod.ascontiguousarray((r[:, u2:] * scale[u2:]).T)   # (U, U)
            hs = workspace.empty((u, t + 1, n), dt, mod)
            rec = mod.empty((u2, n), dt)
        hs[:u, 0] = state_or_zeros(h0, n, u, dt, mod).T
        tmp = mod.empty((u, n), dt)
        dif = mod.empty((u, n), dt)
        inv_h = 1.0 / act.scale
        if save:
            e = workspace.empty((t, 3 * u, n), dt, mod)
            eh = workspace.empty((t, u, n), dt, mod) if reset_after else None
            rh = None if reset_after else workspace.empty((u, t, n), dt, mod)  # r_t * h_{t-1}
        with np.errstate(over="ignore"):
            for k in range(t):
                g, h_prev, h_new = gates[k], hs[:u, k], hs[:u, k + 1]
                if reset_after:
                    if rm is None:
                        mod.matmul(r1s_t, hs[:, k], out=rec)
                    else:                                  # recurrent dropout: h_{t-1} * m
                        mod.multiply(hs[:u, k], rm, out=hm[:u])
                        mod.matmul(r1s_t, hm, out=rec)
                    g[:u2] += rec[:u2]
                    ract.apply(g[:u2])
                    gz, gr, gh = g[:u], g[u:u2], g[u2:]
                    q = rec[u2:]                                       # scaled h U_h + b'_h
                    mod.multiply(gr, q, out=tmp)
                else:
                    mod.matmul(rs_zr_t, h_prev, out=rec)
                    g[:u2] += rec
                    ract.apply(g[:u2])
                    gz, gr, gh = g[:u], g[u:u2], g[u2:]
                    rhk = rh[:, k] if save else dif
                    mod.multiply(gr, h_prev, out=rhk)
                    mod.matmul(rs_h_t, rhk, out=tmp)
                gh += tmp
                act.apply(gh)
                mod.subtract(h_prev, gh, out=dif)                       # h_{t-1} - h~_t
                mod.multiply(gz, dif, out=h_new)
                h_new += gh
                if save:
                    ek = e[k]
                    ract.deriv(g[:u2], ek[:u2])
                    ek[:u] *= dif                                      # E_z
                    eh_k = eh[k] if reset_after else ek[u2:]
                    act.deriv(gh, eh_k)
                    mod.subtract(1.0, gz, out=tmp)
                    eh_k *= tmp                                        # E_h = (1 - z) tanh'
                    if reset_after:
                        mod.multiply(q, inv_h, out=tmp)                 # h U_h + b'_h
                        tmp *= eh_k
                        ek[u:u2] *= tmp                                # E_r
                        mod.multiply(eh_k, gr, out=ek[u2:])             # E_h * r
                    else:
                        ek[u:u2] *= h_prev                             # sigma'(a_r) h_{t-1}
                if partial is not None and partial[k]:
                    off = ~mt[k]
                    mod.copyto(h_new, h_prev, where=off)
                    if save:
                        ek[:, off] = 0
                        if reset_after:
                            eh[k][:, off] = 0
                        gz[:, off] = 1  # dh * z carries dh over a masked step unchanged
        if save:
            self.save_for_backward(x1, r, hs, gates, e, eh, rh)
            self.dims = (n, t, f, u)
            self.go_backwards, self.return_sequences = go_backwards, return_sequences
            self.reset_after, self.norms, self.rm = reset_after, state_grad_norms, rm
            self.like = (x, kernel, recurrent_kernel, bias, h0)
        if return_sequences:
            return hs[:u, 1:].transpose(2, 1, 0)                       # (N, T, U)
        return hs[:u, t].T.copy()                                      # (N, U)

    def backward(self, gy):
        mod = array_module(gy)
        x1, r, hs, gates, e, eh, rh = self.saved
        n, t, f, u = self.dims
        u2, norms, reset_after = 2 * u, self.norms, self.reset_after
        x_, kernel, recurrent_kernel, bias, h0 = self.like
        need = self.needs_input_grad
        dt = hs.dtype
        dh = mod.zeros((u, n), dt)
        # reset_after: da holds the recurrent-side [da_z, da_r, da_h * r] and dah the input-side
        # da_h; otherwise da holds [da_z, da_r, da_h].
        da = workspace.empty((3 * u, t, n), dt, mod)
        dah = workspace.empty((u, t, n), dt, mod) if reset_after else None
        tmp = mod.empty((u, n), dt)
        drh = mod.empty((u, n), dt)
        r_zr, r_h = mod.ascontiguousarray(r[:, :u2]), mod.ascontiguousarray(r[:, u2:])
        for k in range(t - 1, -1, -1):
            add_step_grad(dh, gy, k, t)
            record_norm(norms, dh)
            dak = da[:, k]
            mod.multiply(e[k].reshape(3, u, n), dh, out=dak.reshape(3, u, n))
            if reset_after:
                mod.multiply(eh[k], dh, out=dah[:, k])
                mod.multiply(dh, gates[k, :u], out=tmp)
                mod.matmul(r, dak, out=dh)
                if self.rm is not None:
                    dh *= self.rm
            else:
                mod.matmul(r_h, dak[u2:], out=drh)                      # d(r_t * h_{t-1})
                mod.multiply(drh, e[k, u:u2], out=dak[u:u2])            # da_r
                mod.multiply(dh, gates[k, :u], out=tmp)
                drh *= gates[k, u:u2]
                tmp += drh
                mod.matmul(r_zr, dak[:u2], out=dh)
            dh += tmp
        gx = gw = gr = gb = None
        w = kernel.astype(dt, copy=False)
        xf = flat(x1)                                                  # (F + 1, T*N)
        if reset_after:
            if need[0]:
                gx = (input_grad(w[:, :u2], da[:u2], self.go_backwards)
                      + input_grad(w[:, u2:], dah, self.go_backwards))
            if need[1] or need[3]:
                gw1 = mod.concatenate([xf @ flat(da[:u2]).T, xf @ flat(dah).T], axis=1)
            if need[2] or need[3]:
                hs_t = hs[:, :t]
                if self.rm is not None:
                    hs_t = mod.concatenate([masked_states(hs[:u, :t], self.rm), hs[u:, :t]])
                gr1 = flat(hs_t) @ flat(da).T                          # [dW_R; db']
                gr = gr1[:u] if need[2] else None
            if bias is not None and need[3]:
                gb = mod.stack([gw1[f], gr1[u]])
        else:
            if need[0]:
                gx = input_grad(w, da, self.go_backwards)
            if need[1] or need[3]:
                gw1 = xf @ flat(da).T
            if need[2]:
                gr = mod.concatenate([flat(hs[:, :t]) @ flat(da[:u2]).T,
                                     flat(rh) @ flat(da[u2:]).T], axis=1)
            if bias is not None and need[3]:
                gb = gw1[f]
        if need[1]:
            gw = gw1[:f]
        return (as_dtype(gx, x_), as_dtype(gw, kernel), as_dtype(gr, recurrent_kernel),
                as_dtype(gb, bias), state_grad(dh, h0) if need[4] else None)


def gru(x, kernel, recurrent_kernel, bias=None, h0=None, *, activation="tanh",
        recurrent_activation="sigmoid", mask=None, go_backwards=False, return_sequences=True,
        reset_after=True, state_grad_norms=None, recurrent_dropout_mask=None):
    """A whole GRU sequence in one fused op (Keras' `GRU` layer maths, gate order z, r, h).

    h_t = z_t * h_{t-1} + (1 - z_t) * h~_t with the update gate z and the reset gate r; with
    `reset_after` (Keras' default, PyTorch's form) r multiplies h_{t-1} U_h + b'_h, else it
    multiplies h_{t-1} before U_h (the notes' form). Exact equations and their backpropagation
    through time are in `GRU`'s docstring.

    Args:
        x: inputs, shape (N, T, F).
        kernel: W_F, shape (F, 3U), columns in gate order z, r, h.
        recurrent_kernel: W_R, shape (U, 3U), same order.
        bias: (2, 3U) = [input bias; recurrent bias] when `reset_after`, else (3U,); or None.
            Defaults to None.
        h0: initial state, shape (N, U), or None for zeros. Defaults to None.
        activation: of the candidate h~. Defaults to "tanh".
        recurrent_activation: of the gates z and r. Defaults to "sigmoid".
        mask: bool (N, T); where False the state carries over and the output is the carried
            state (Keras). Defaults to None.
        go_backwards: process the sequence from the last step to the first; the returned
            sequence is in processing order (reversed), as Keras. Defaults to False.
        return_sequences: return every h_t, else only the last. Defaults to True.
        reset_after: apply the reset gate after the recurrent product. Defaults to True.
        state_grad_norms: a list to receive ||dL/dh_t|| during backward (see
            `ember.ops.recurrent.state_gradient_norms`). Defaults to None.
        recurrent_dropout_mask: (N, U) multipliers applied to h_{t-1} in the recurrent product
            h_{t-1} W_R (not in the final mix z * h_{t-1}); one mask for the whole sequence,
            not differentiated; reset_after=True only. Defaults to None.

    Returns:
        (output, h_T): output is the sequence (N, T, U) when `return_sequences`, else the same
        Tensor as h_T (N, U).

    >>> import ember
    >>> seq, h = gru(ember.ones((2, 5, 3)), ember.ones((3, 6)) * 0.1, ember.ones((2, 6)) * 0.1)
    >>> seq.shape, h.shape
    ((2, 5, 2), (2, 2))
    """
    out = GRU.apply(x, kernel, recurrent_kernel, bias, h0, activation=activation,
                    recurrent_activation=recurrent_activation, mask=mask_array(mask),
                    go_backwards=bool(go_backwards), return_sequences=bool(return_sequences),
                    reset_after=bool(reset_after), state_grad_norms=state_grad_norms,
                    recurrent_dropout_mask=recurrent_dropout_mask)
    if return_sequences:
        return out, getitem(out, (slice(None), -1))
    return out, out
