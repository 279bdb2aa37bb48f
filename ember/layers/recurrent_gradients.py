"""Vanishing and exploding gradients made visible: `rnn_gradient_norms`.

Backpropagation through time multiplies the gradient, at every step back, by the recurrent
Jacobian (W_R^T times the activation's derivative): its norm shrinks (vanishes) or grows
(explodes) geometrically with the distance to the loss. `rnn_gradient_norms` measures
||dL/dh_t|| at every time step t of a recurrent layer for a real loss on a real batch, so the
effect can be seen (plotted, asserted) rather than taken on trust: a SimpleRNN's norms at the
first steps of a long sequence are many orders of magnitude below the last step's, an LSTM's
much less so (its cell state passes gradients through the forget gate, additively).

For the built-in cells the fused op's backward records the norms while it runs
(`ember.ops.recurrent.state_gradient_norms` does the same for a bare op); for a custom cell
the per-step states are differentiated directly.
"""

import numpy as np

from ember.autograd import enable_grad, grad
from ember.layers.recurrent import RNN
from ember.tensor import Tensor


def _find_layer(model, layer):
    if layer is not None:
        if isinstance(layer, str):
            found = [la for la in model._flatten_layers() if la.name == layer]
            if not found:
                raise ValueError(f"rnn_gradient_norms: no layer named {layer!r} in "
                                 f"'{model.name}'")
            layer = found[0]
        if not isinstance(layer, RNN):
            raise ValueError(f"rnn_gradient_norms: `layer` must be a recurrent layer "
                             f"(SimpleRNN, LSTM, GRU, RNN); received {layer!r}")
        return layer
    if isinstance(model, RNN):
        return model
    found = [la for la in model._flatten_layers() if isinstance(la, RNN)]
    if len(found) != 1:
        names = [la.name for la in found]
        raise ValueError(f"rnn_gradient_norms: '{model.name}' holds {len(found)} recurrent "
                         f"layers {names}; pass layer= (a layer or its name)")
    return found[0]


def rnn_gradient_norms(model, x, y=None, loss=None, layer=None):
    """||dL/dh_t|| for every time step t of a recurrent layer, on one batch.

    Args:
        model: a model (or a layer) that contains the recurrent layer; it is called on `x`.
        x: the input batch.
        y: targets for `loss`. Defaults to None.
        loss: a loss (a name such as "mse", a Loss, or a callable `loss(y, y_pred)`).
            Defaults to None: L = sum of the model's outputs (every output gradient 1).
        layer: the recurrent layer to probe (a layer or its name); needed only when the model
            holds more than one (a Bidirectional holds two: name `forward_...` or
            `backward_...`).

    Returns:
        A float64 array (T,): entry t - 1 is ||dL/dh_t||, the Frobenius norm over the batch
        and the units of the total gradient of the loss with respect to the hidden state of
        step t (all paths: the output at t and the later steps), in processing order (for
        `go_backwards` layers step 1 is the last input step). A ratio
        `norms[0] / norms[-1]` far below 1 is a vanishing gradient; far above 1, exploding.

    >>> import numpy as np, ember
    >>> rnn = ember.layers.SimpleRNN(8, recurrent_initializer="zeros")
    >>> norms = rnn_gradient_norms(rnn, np.ones((2, 30, 1), "float32"))
    >>> norms.shape, bool(norms[0] < 1e-6 * norms[-1])
    ((30,), True)
    """
    if model is None:
        raise ValueError("rnn_gradient_norms: `model` is None")
    target = _find_layer(model, layer)
    probe = {"norms": [], "states": []}
    target._probe = probe
    try:
        with enable_grad():
            xt = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
            if xt.dtype.kind == "f":
                xt = Tensor(xt.data, dtype=xt.dtype, requires_grad=True)
            out = model(xt)
            outs = out if isinstance(out, list | tuple) else [out]
            if loss is None:
                value = sum(o.sum() for o in outs)
            else:
                from ember import losses  # noqa: PLC0415

                fn = losses.get(loss) if isinstance(loss, str) else loss
                value = fn(y if isinstance(y, Tensor) else Tensor(np.asarray(y)), outs[0])
                if value.ndim:  # a per-sample loss function: the batch mean, as compile() does
                    value = value.mean()
            sources = [w for w in model.trainable_weights] + ([xt] if xt.requires_grad else [])
            if probe["states"]:
                got = grad(value, probe["states"])
                return np.array([0.0 if g is None else float(np.linalg.norm(g.numpy()))
                                 for g in got], dtype=np.float64)
            grad(value, sources)
    finally:
        target._probe = None
    if not probe["norms"]:
        raise ValueError(f"rnn_gradient_norms: the loss does not depend on layer "
                         f"'{target.name}' through a differentiable path")
    return np.array(probe["norms"][::-1], dtype=np.float64)
