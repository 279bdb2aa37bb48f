"""Traceback filtering (Keras' `keras.config.enable_traceback_filtering`).

An exception escaping `fit`, `evaluate` or `predict` is re-raised with the frames of ember's
own modules removed from its traceback, so it shows the user's call and the user's code
(a custom `train_step` or layer `call`) first. Chained causes (`raise ... from e`) are kept.
`ember.config.disable_traceback_filtering()` restores full tracebacks.

>>> import ember
>>> @filter_traceback
... def fails():
...     ember.ops.reshape(ember.constant([1.0, 2.0]), (3,))
>>> import os, traceback
>>> try:
...     fails()
... except ValueError as e:
...     frames = [f.f_code.co_filename for f, _ in traceback.walk_tb(e.__traceback__)]
>>> [os.path.basename(f) for f in frames if is_ember_file(f)]  # the wrapper, where it was raised
['traceback_utils.py', 'shaping.py']
"""

import functools
import os
import types

from ember import config

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_ember_file(filename):
    """Whether `filename` is one of ember's own source files."""
    return os.path.abspath(filename).startswith(_EMBER_DIR)


def _filtered(tb):
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    kept = [t for t in frames if not is_ember_file(t.tb_frame.f_code.co_filename)]
    if frames and frames[-1] not in kept:  # keep where the error was raised
        kept.append(frames[-1])
    out = None
    for t in reversed(kept):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out


def filter_traceback(fn):
    """Decorator: exceptions leaving `fn` lose ember's frames while filtering is enabled."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not config.is_traceback_filtering_enabled():
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            raise e.with_traceback(_filtered(e.__traceback__))  # noqa: B904  (same exception)

    return wrapper
