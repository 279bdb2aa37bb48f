"""The fused simple (Elman) RNN sequence op, backward written out as backpropagation through
time.

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


class SimpleRNN(Function):
    """A whole simple RNN sequence in one op.

    Forward, as the notes write it (W_F the feedforward weights `kernel` (F, U), W_R the
    recurrent weights `recurrent_kernel` (U, U), f the activation), for t = 1..T:

        a_t = f(W_F x_t + W_R a_{t-1} + b)         (row vectors: a_t = f(x_t W_F + a_{t-1} W_R + b))

    with a_0 = h0 (zeros by default). Where mask[n, t] is False, a_t = a_{t-1} for that row.
    With a recurrent-dropout mask m (N, U), a_{t-1} W_R becomes (a_{t-1} * m) W_R: the backward
    multiplies dz_t W_R^T by m and dW_R = sum_t (a_{t-1} * m)^T dz_t.

    Backward (BPTT), for t = T..1, with g_t the gradient arriving from the output at step t and
    z_t = x_t W_F + a_{t-1} W_R + b:

        da_t = g_t + dz_{t+1} W_R^T          (the total gradient dL/da_t)
        dz_t = da_t * f'(z_t)
        dx_t = dz_t W_F^T,  dW_F = sum_t x_t^T dz_t,  dW_R = sum_t a_{t-1}^T dz_t,
        db = sum_t dz_t,  da_0 = dz_1 W_R^T.

    Each step multiplies the gradient by f'(z_t) and W_R^T: with |f'| <= 1 and small W_R its
    norm shrinks geometrically as t goes back, the vanishing gradient of the notes (see
    `ember.ops.recurrent.state_gradient_norms`).

    The forward output is (N, T, U) (a_1 .. a_T) with `return_sequences`, else a_T (N, U).
    """

    def forward(self, x, kernel, recurrent_kernel, bias, h0, *, activation="tanh", mask=None,
                go_backwards=False, return_sequences=True, state_grad_norms=None,
                recurrent_dropout_mask=None):
        op = "simple_rnn"
        mod = array_module(x)  # every buffer is built on the input's device
        n, t, f, u = check_inputs(op, x, kernel, recurrent_kernel, 1)
        if bias is not None and bias.shape != (u,):
            raise ValueError(f"{op}: bias must have shape (units,) = {(u,)}; received shape "
                             f"{bias.shape}")
        check_state(op, "h0", h0, n, u)
        act = get_activation(activation, op, "activation")
        dt = float_dtype(x, kernel, recurrent_kernel, bias, h0)
        r = recurrent_kernel.astype(dt, copy=False)
        scale = gate_scales((act,), u, dt, mod)
        # One buffer holds [a_{t-1}; x_t; 1] for every step (plus a_T in the last column): the
        # weight-gradient GEMM over it yields [dW_R; dW_F; db] at once.
        zs = workspace.empty((u + f + 1, t + 1, n), dt, mod)
        hs = zs[:u]                                                    # a_0 .. a_T
        x1 = zs[u:, :t]
        _, mt, partial = unit_major(op, x.astype(dt, copy=False), mask, go_backwards, out=x1)

        save = is_grad_enabled() and any(self.needs_input_grad)
        w1t = input_weights(kernel, bias, scale, dt)                   # (U, F + 1)
        rs_t = mod.ascontiguousarray((r * scale).T)
        rm = recurrent_mask(op, recurrent_dropout_mask, n, u, dt, mod)
        # Few input features: one GEMM per step on [a_{t-1}; x_t; 1] (a column block of zs)
        per_step = rm is None and 4 * (f + 1) <= u
        if per_step:
            w_all = mod.concatenate([rs_t, w1t], axis=1)                # (U, U + F + 1)
            z = workspace.empty((t, u, n), dt, mod)
        else:
            z = input_projection(w1t, x1)                              # (T, U, N)
        hs[:, 0] = state_or_zeros(h0, n, u, dt, mod).T
        rec = mod.empty((u, n), dt)
        hm = None if rm is None else mod.empty((u, n), dt)
        d = workspace.empty((t, u, n), dt, mod) if save else None                 # f'(z_t)
        with np.errstate(over="ignore"):
            for k in range(t):
                zk = z[k]
                if per_step:
                    mod.matmul(w_all, zs[:, k], out=zk)
                else:
                    if rm is None:
                        mod.matmul(rs_t, hs[:, k], out=rec)
                    else:                                  # recurrent dropout: a_{t-1} * m
                        mod.multiply(hs[:, k], rm, out=hm)
                        mod.matmul(rs_t, hm, out=rec)
                    zk += rec
                act.apply(zk)
                if save:
                    act.deriv(zk, d[k])
                if partial is not None and partial[k]:
                    off = ~mt[k]
                    mod.copyto(zk, hs[:, k], where=off)
                    if save:
                        d[k][:, off] = 0
                hs[:, k + 1] = zk
        if save:
            self.save_for_backward(zs, r, d)
            self.dims = (n, t, f, u)
            self.mt, self.partial = mt, partial
            self.go_backwards = go_backwards
            self.norms = state_grad_norms
            self.rm = rm
            self.like = (x, kernel, recurrent_kernel, bias, h0)
        if return_sequences:
            return hs[:, 1:].transpose(2, 1, 0)                        # (N, T, U)
        return hs[:, t].T.copy()                                       # (N, U)

    def backward(self, gy):
        mod = array_module(gy)
        zs, r, d = self.saved
        n, t, f, u = self.dims
        mt, partial, norms = self.mt, self.partial, self.norms
        x_, kernel, recurrent_kernel, bias, h0 = self.like
        need = self.needs_input_grad
        dt, rm = zs.dtype, self.rm
        dh = mod.zeros((u, n), dt)
        dz = workspace.empty((u, t, n), dt, mod)
        for k in range(t - 1, -1, -1):
            add_step_grad(dh, gy, k, t)
            record_norm(norms, dh)
            dzk = dz[:, k]
            mod.multiply(dh, d[k], out=dzk)
            if partial is not None and partial[k]:
                keep = dh * ~mt[k]
                mod.matmul(r, dzk, out=dh)
                if rm is not None:
                    dh *= rm
                dh += keep
            else:
                mod.matmul(r, dzk, out=dh)
                if rm is not None:
                    dh *= rm
        dz2 = flat(dz)
        gx = gw = gr = gb = None
        if need[0]:
            gx = input_grad(kernel.astype(dt, copy=False), dz, self.go_backwards)
        if need[1] or need[2] or (bias is not None and need[3]):
            g_all = flat(zs[:, :t]) @ dz2.T                            # [dW_R; dW_F; db]
            gr = g_all[:u] if need[2] else None
            if rm is not None and need[2]:
                gr = flat(masked_states(zs[:u, :t], rm)) @ dz2.T
            gw = g_all[u:u + f] if need[1] else None
            gb = g_all[u + f] if bias is not None and need[3] else None
        return (as_dtype(gx, x_), as_dtype(gw, kernel), as_dtype(gr, recurrent_kernel),
                as_dtype(gb, bias), state_grad(dh, h0) if need[4] else None)


def simple_rnn(x, kernel, recurrent_kernel, bias=None, h0=None, *, activation="tanh", mask=None,
               go_backwards=False, return_sequences=True, state_grad_norms=None,
               recurrent_dropout_mask=None):
    """A whole simple RNN sequence in one fused op: a_t = f(x_t W_F + a_{t-1} W_R + b)
    (Keras' `SimpleRNN` layer maths; the backward is in `SimpleRNN`'s docstring).

    Args:
        x: inputs, shape (N, T, F).
        kernel: W_F, shape (F, U).
        recurrent_kernel: W_R, shape (U, U).
        bias: shape (U,), or None for no bias. Defaults to None.
        h0: initial state, shape (N, U), or None for zeros. Defaults to None.
        activation: "tanh", "relu", "sigmoid", "linear", "hard_sigmoid" or "softsign" (or
            the ember.activations function of that name). Defaults to "tanh".
        mask: bool (N, T); where False the state carries over and the output is the carried
            state (Keras). Defaults to None.
        go_backwards: process the sequence from the last step to the first; the returned
            sequence is in processing order (reversed), as Keras. Defaults to False.
        return_sequences: return every a_t, else only the last. Defaults to True.
        state_grad_norms: a list to receive ||dL/da_t|| during backward (see
            `ember.ops.recurrent.state_gradient_norms`). Defaults to None.
        recurrent_dropout_mask: (N, U) multipliers applied to a_{t-1} in every step's
            recurrent product (recurrent dropout, one mask for the whole sequence; not
            differentiated). Defaults to None.

    Returns:
        (output, h_T): output is the sequence (N, T, U) when `return_sequences`, else the same
        Tensor as h_T (N, U).

    >>> import ember
    >>> seq, h = simple_rnn(ember.ones((2, 5, 3)), ember.ones((3, 4)), ember.zeros((4, 4)))
    >>> seq.shape, h.shape
    ((2, 5, 4), (2, 4))
    >>> round(float(h[0, 0]), 4)  # tanh(3)
    0.9951
    """
    out = SimpleRNN.apply(x, kernel, recurrent_kernel, bias, h0, activation=activation,
                          mask=mask_array(mask), go_backwards=bool(go_backwards),
                          return_sequences=bool(return_sequences),
                          state_grad_norms=state_grad_norms,
                          recurrent_dropout_mask=recurrent_dropout_mask)
    if return_sequences:
        return out, getitem(out, (slice(None), -1))
    return out, out
