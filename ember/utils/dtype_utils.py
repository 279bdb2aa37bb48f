"""`standardize_dtype`: Keras' canonical dtype names ("float32", "int64", "bool", ...)."""

import numpy as np

from ember import config

#: The dtype names Keras accepts (keras/src/backend/common/dtypes.py), those NumPy lacks
#: included so that they are recognised and refused with a clear message.
ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8",
                  "int16", "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn",
                  "float8_e5m2", "complex64", "complex128")
_PYTHON = {bool: "bool", int: "int32", float: "float32", str: "string", complex: "complex64",
           "int": "int32", "float": "float32"}


def standardize_dtype(dtype):
    """The canonical name of `dtype` (Keras' `keras.utils.standardize_dtype`).

    Accepts None (meaning `ember.config.floatx()`), names, NumPy dtypes and scalar types, the
    Python types `bool`, `int` ("int32", as Keras' non-TensorFlow backends), `float`
    ("float32") and `str` ("string"), and objects with a `dtype`-like `name` (a torch dtype).

    >>> standardize_dtype(None), standardize_dtype(np.float64), standardize_dtype(int)
    ('float32', 'float64', 'int32')
    >>> standardize_dtype("float8")
    Traceback (most recent call last):
    ...
    ValueError: Invalid dtype: 'float8'; expected one of float16, float32, ... (see ALLOWED_DTYPES)
    """
    if dtype is None:
        return config.floatx()
    try:
        name = _PYTHON.get(dtype)
    except TypeError:  # unhashable
        name = None
    if name is None:
        if isinstance(dtype, str):
            name = dtype
        elif isinstance(dtype, np.dtype) or (isinstance(dtype, type)
                                             and issubclass(dtype, np.generic)):
            name = np.dtype(dtype).name
        elif "torch" in str(dtype) or "jax.numpy" in str(dtype):
            name = str(dtype).split(".")[-1]
        elif hasattr(dtype, "name"):
            name = dtype.name
        elif hasattr(dtype, "__name__"):
            name = dtype.__name__
        else:
            name = str(dtype)
    if name not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {str(name)[:80]!r}; expected one of "
                         f"{', '.join(ALLOWED_DTYPES[:2])}, ... (see ALLOWED_DTYPES)")
    return name
