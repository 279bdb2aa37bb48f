"""The model zoo of the notes and what the architectures cost."""

from ember.applications import costs
from ember.applications.costs import (
    activation_memory,
    count_params,
    layer_costs,
    parameter_memory,
    shape_only,
    total_macs,
)

__all__ = ["activation_memory", "costs", "count_params", "layer_costs", "parameter_memory",
           "shape_only", "total_macs"]
