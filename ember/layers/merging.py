"""Merge layers, called on a list of tensors: `Add`, `Subtract`, `Multiply`, `Average`,
`Maximum`, `Minimum`, `Concatenate`, `Dot`, and their lower-case functional forms."""

from ember import ops
from ember.layers._utils import cast_inputs
from ember.layers.base import Layer


def _shape_list(layer, shapes):
    if not isinstance(shapes, list | tuple) or not shapes or not all(
            isinstance(s, list | tuple) for s in shapes):
        raise ValueError(f"A merge layer ({type(layer).__name__} '{layer.name}') should be "
                         f"called on a list of inputs. Received: input_shape={shapes}")
    return [tuple(s) for s in shapes]


def _check_list(layer, inputs):
    if not isinstance(inputs, list | tuple):
        raise ValueError(f"A merge layer ({type(layer).__name__} '{layer.name}') should be "
                         f"called on a list of inputs. Received: inputs of shape "
                         f"{getattr(inputs, 'shape', None)} (not a list of tensors)")
    return [cast_inputs(layer, x) for x in inputs]


class _Merge(Layer):
    """Elementwise merge with Keras' shape rules: per-example shapes must broadcast (1 or
    equal), batch sizes must agree, and lower-rank inputs get axes inserted after the batch."""

    min_inputs = 1

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _validate(self, shapes):
        shapes = _shape_list(self, shapes)
        if len(shapes) < self.min_inputs:
            raise ValueError(f"{type(self).__name__} '{self.name}' should be called on a list of "
                             f"at least {self.min_inputs} inputs. Received {len(shapes)} "
                             f"inputs: input_shape={shapes}")
        batch = {s[0] for s in shapes if s} - {None}
        if len(batch) > 1:
            raise ValueError(f"{type(self).__name__} '{self.name}': cannot merge tensors with "
                             f"different batch sizes. Received tensors with shapes {shapes}")
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._broadcast(out, s[1:], shapes)
        return ((batch.pop() if batch else None),) + out

    def _broadcast(self, a, b, shapes):
        if len(a) < len(b):
            a, b = b, a
        out = list(a[:len(a) - len(b)])
        for i, j in zip(a[len(a) - len(b):], b):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1 or i == j:
                out.append(j if i == 1 else i)
            else:
                raise ValueError(f"{type(self).__name__} '{self.name}': inputs have incompatible "
                                 f"shapes. Received shapes {shapes}")
        return tuple(out)

    def build(self, input_shape):
        self._validate(input_shape)
        self.built = True

    def call(self, inputs):
        xs = _check_list(self, inputs)
        self._validate([x.shape for x in xs])
        rank = max(x.ndim for x in xs)
        xs = [x if x.ndim == rank else ops.reshape(x, (x.shape[0],) + (1,) * (rank - x.ndim)
                                                    + x.shape[1:]) for x in xs]
        return self._merge(xs)

    def compute_output_shape(self, input_shape):
        return self._validate(input_shape)


class Add(_Merge):
    """Elementwise sum of the inputs.

    >>> import ember
    >>> ember.layers.Add()([ember.ones((2, 3)), ember.ones((2, 3))]).numpy()[0]
    array([2., 2., 2.], dtype=float32)
    """

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """Difference of exactly two inputs: `inputs[0] - inputs[1]`.

    >>> import ember
    >>> ember.layers.Subtract()([ember.ones((1, 2)), ember.ones((1, 2))]).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def _validate(self, shapes):
        shapes = _shape_list(self, shapes)
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer ('{self.name}') should be called on exactly 2 "
                             f"inputs. Received: input_shape={shapes}")
        return super()._validate(shapes)

    def _merge(self, xs):
        return xs[0] - xs[1]


class Multiply(_Merge):
    """Elementwise product of the inputs.

    >>> import ember
    >>> ember.layers.Multiply()([ember.full((1, 2), 3.0), ember.full((1, 2), 2.0)]).numpy()
    array([[6., 6.]], dtype=float32)
    """

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Average(_Merge):
    """Elementwise mean of the inputs.

    >>> import ember
    >>> ember.layers.Average()([ember.zeros((1, 2)), ember.full((1, 2), 4.0)]).numpy()
    array([[2., 2.]], dtype=float32)
    """

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out * (1.0 / len(xs))


class Maximum(_Merge):
    """Elementwise maximum of the inputs (ties share the gradient).

    >>> import ember
    >>> ember.layers.Maximum()([ember.tensor([[1.0, 5.0]]), ember.tensor([[3.0, 2.0]])]).numpy()
    array([[3., 5.]], dtype=float32)
    """

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = ops.maximum(out, x)
        return out


class Minimum(_Merge):
    """Elementwise minimum of the inputs (ties share the gradient).

    >>> import ember
    >>> ember.layers.Minimum()([ember.tensor([[1.0, 5.0]]), ember.tensor([[3.0, 2.0]])]).numpy()
    array([[1., 2.]], dtype=float32)
    """

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = ops.minimum(out, x)
        return out


class Concatenate(Layer):
    """Joins the inputs along `axis`; all other axes must match. Defaults to axis=-1.

    >>> import ember
    >>> ember.layers.Concatenate()([ember.ones((2, 3)), ember.ones((2, 5))]).shape
    (2, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def _validate(self, shapes):
        shapes = _shape_list(self, shapes)
        ranks = {len(s) for s in shapes}
        error = ValueError(f"A `Concatenate` layer ('{self.name}') requires inputs with "
                           f"matching shapes except for the concatenation axis {self.axis}. "
                           f"Received: input_shape={shapes}")
        if len(ranks) != 1:
            raise error
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"Concatenate '{self.name}': axis {self.axis} is out of range for "
                             f"inputs of rank {rank}")
        axis = self.axis % rank
        out = []
        for a in range(rank):
            sizes = [s[a] for s in shapes]
            if a == axis:
                out.append(None if None in sizes else sum(sizes))
                continue
            fixed = {d for d in sizes if d is not None}
            if len(fixed) > 1:
                raise error
            out.append(fixed.pop() if fixed else None)
        return tuple(out)

    def build(self, input_shape):
        self._validate(input_shape)
        self.built = True

    def call(self, inputs):
        xs = _check_list(self, inputs)
        self._validate([x.shape for x in xs])
        return ops.concat(xs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return self._validate(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Dot product of two batched inputs along `axes` (Keras' `batch_dot`).

    Args:
        axes: an int (the same axis of both inputs) or a pair (axis of the first input, axis of
            the second); the batch axis 0 cannot be reduced.
        normalize: L2-normalise both inputs along those axes first, giving cosine similarities.
            Defaults to False.

    Output: the first input's shape without its reduced axis, followed by the second's without
    its batch and reduced axes; a (batch,) result becomes (batch, 1).

    >>> import ember
    >>> x, y = ember.ones((4, 5, 2)), ember.ones((4, 2, 5))
    >>> ember.layers.Dot(axes=(1, 2))([x, y]).shape
    (4, 2, 2)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, list | tuple):
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot '{self.name}': `axes` must be an int or a pair of ints; "
                                 f"received axes={axes!r}")
            self.axes = list(axes)
        elif isinstance(axes, int):
            self.axes = axes
        else:
            raise TypeError(f"Dot '{self.name}': `axes` must be an int or a list of two ints; "
                            f"received axes={axes!r}")
        self.normalize = bool(normalize)

    def _resolve(self, shapes):
        shapes = _shape_list(self, shapes)
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer ('{self.name}') should be called on a list of 2 "
                             f"inputs. Received: input_shape={shapes}")
        s1, s2 = shapes
        if len(s1) < 2 or len(s2) < 2:
            raise ValueError(f"Dot '{self.name}': inputs must have rank >= 2; received shapes "
                             f"{s1} and {s2}")
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        a1, a2 = pair[0] % len(s1), pair[1] % len(s2)
        if a1 == 0 or a2 == 0:
            raise ValueError(f"Dot '{self.name}': cannot reduce the batch axis 0; received "
                             f"axes={self.axes} for shapes {s1} and {s2}")
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"Dot '{self.name}': incompatible input shapes: axis values "
                             f"{s1[a1]} (at axis {a1}) != {s2[a2]} (at axis {a2}). Full input "
                             f"shapes: {s1}, {s2}")
        if s1[0] is not None and s2[0] is not None and s1[0] != s2[0]:
            raise ValueError(f"Dot '{self.name}': inputs have different batch sizes: {s1} and "
                             f"{s2}")
        return s1, s2, a1, a2

    def build(self, input_shape):
        self._resolve(input_shape)
        self.built = True

    def call(self, inputs):
        xs = _check_list(self, inputs)
        s1, s2, a1, a2 = self._resolve([x.shape for x in xs])
        x, y = xs
        if self.normalize:
            x, y = _l2_normalize(x, a1), _l2_normalize(y, a2)
        # x -> (batch, rest1, k) and y -> (batch, k, rest2); one batched matmul.
        x = ops.transpose(x, [a for a in range(x.ndim) if a != a1] + [a1])
        y = ops.transpose(y, [0, a2] + [a for a in range(1, y.ndim) if a != a2])
        rest1, rest2, k = x.shape[1:-1], y.shape[2:], x.shape[-1]
        n1, n2 = _size(rest1), _size(rest2)
        out = ops.matmul(ops.reshape(x, (x.shape[0], n1, k)), ops.reshape(y, (y.shape[0], k, n2)))
        shape = self._output(s1, s2, a1, a2)
        return ops.reshape(out, (x.shape[0],) + shape[1:])

    @staticmethod
    def _output(s1, s2, a1, a2):
        out = [d for i, d in enumerate(s1) if i != a1] + [d for i, d in enumerate(s2)
                                                          if i not in (0, a2)]
        return tuple(out) if len(out) > 1 else (out[0], 1)

    def compute_output_shape(self, input_shape):
        return self._output(*self._resolve(input_shape))

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _size(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def _l2_normalize(x, axis, epsilon=1e-7):
    """x / max(||x||, epsilon) along `axis`; the max keeps the zero vector's gradient finite."""
    return x / ops.sqrt(ops.maximum(ops.sum(x * x, axis=axis, keepdims=True), epsilon ** 2))


def add(inputs, **kwargs):
    """Functional form of `Add`.

    >>> import ember
    >>> ember.layers.add([ember.ones((1, 2)), ember.ones((1, 2))]).numpy()
    array([[2., 2.]], dtype=float32)
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`.

    >>> import ember
    >>> ember.layers.subtract([ember.ones((1, 2)), ember.ones((1, 2))]).numpy()
    array([[0., 0.]], dtype=float32)
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`.

    >>> import ember
    >>> ember.layers.multiply([ember.full((1, 2), 3.0), ember.full((1, 2), 2.0)]).numpy()
    array([[6., 6.]], dtype=float32)
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`.

    >>> import ember
    >>> ember.layers.average([ember.zeros((1, 2)), ember.ones((1, 2))]).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`.

    >>> import ember
    >>> ember.layers.maximum([ember.zeros((1, 2)), ember.ones((1, 2))]).numpy()
    array([[1., 1.]], dtype=float32)
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`.

    >>> import ember
    >>> ember.layers.minimum([ember.zeros((1, 2)), ember.ones((1, 2))]).numpy()
    array([[0., 0.]], dtype=float32)
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`.

    >>> import ember
    >>> ember.layers.concatenate([ember.ones((1, 2)), ember.zeros((1, 1))]).numpy()
    array([[1., 1., 0.]], dtype=float32)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of `Dot`.

    >>> import ember
    >>> ember.layers.dot([ember.ones((1, 3)), ember.ones((1, 3))], axes=1).numpy()
    array([[3.]], dtype=float32)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
