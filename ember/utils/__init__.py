"""Utilities: gradient checking, seeding, label encoding, downloads (`get_file`), seeing
inside a network (`get_activations`, `get_kernels`)."""

from ember.data.py_dataset import PyDataset, Sequence
from ember.preprocessing.sequence import pad_sequences
from ember.utils.file_utils import get_file
from ember.utils.gradcheck import GradcheckError, gradcheck
from ember.utils.inspection import activation_model, get_activations, get_kernels
from ember.utils.numerical import normalize, to_categorical
from ember.utils.random import get_generator, set_random_seed

__all__ = ["GradcheckError", "PyDataset", "Sequence", "activation_model", "get_activations",
           "get_file", "get_generator", "get_kernels", "gradcheck", "normalize", "pad_sequences",
           "set_random_seed", "to_categorical"]
