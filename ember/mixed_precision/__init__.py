"""Mixed precision (Keras' `keras.mixed_precision`): the global dtype policy.

ember accepts "mixed_float16" and "mixed_bfloat16" and computes them in float32 (see
`ember.dtype_policies`); float dtype policies ("float64", ...) change the dtype of the
layers made afterwards.

>>> import ember
>>> ember.mixed_precision.global_policy()
<DTypePolicy "float32">
"""

from ember.dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
