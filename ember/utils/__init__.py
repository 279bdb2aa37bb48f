"""Utilities: gradient checking and seeding."""

from ember.utils.gradcheck import GradcheckError, gradcheck
from ember.utils.random import get_generator, set_random_seed

__all__ = ["GradcheckError", "get_generator", "gradcheck", "set_random_seed"]
