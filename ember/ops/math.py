"""`ember.ops.math`: Keras' math ops (`keras.src.ops.math`: erf, fft, segment reductions,
top_k, stft, ...), each also at the top level of `ember.ops` as in Keras. Implementations:
`special.py`, `segments.py`, `spectral.py`, `decompositions.py` (logdet), `reduce.py`
(logsumexp).

>>> import ember
>>> ember.ops.math.erf is ember.ops.erf
True
"""

# ruff: noqa: F401  (a namespace: these imports are its content, listed in __all__)
from ember.ops.decompositions import logdet
from ember.ops.reduce import logsumexp
from ember.ops.segments import (
    cdist,
    extract_sequences,
    in_top_k,
    rsqrt,
    segment_max,
    segment_min,
    segment_prod,
    segment_sum,
    top_k,
)
from ember.ops.special import erf, erfc, erfinv
from ember.ops.spectral import (
    fft,
    fft2,
    ifft2,
    irfft,
    istft,
    rfft,
    stft,
    view_as_complex,
    view_as_real,
)

DIFFERENTIABLE = (
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "irfft",
    "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min",
    "segment_prod", "segment_sum", "stft", "top_k",
)
NON_DIFFERENTIABLE = ("in_top_k", "view_as_complex", "view_as_real")
__all__ = list(DIFFERENTIABLE + NON_DIFFERENTIABLE)
