"""Utilities: gradient checking, seeding, label encoding, downloads (`get_file`), seeing
inside a network (`get_activations`, `get_kernels`), and Keras' data utilities (`PyDataset`,
`timeseries_dataset_from_array`, `split_dataset`, `image_dataset_from_directory`,
`text_dataset_from_directory`, image files)."""

from ember.data.adapter import pack_x_y_sample_weight, unpack_x_y_sample_weight
from ember.data.py_dataset import PyDataset, Sequence
from ember.preprocessing.sequence import pad_sequences
from ember.utils.dataset_utils import split_dataset
from ember.utils.file_utils import get_file
from ember.utils.gradcheck import GradcheckError, gradcheck
from ember.utils.image_dataset_utils import image_dataset_from_directory
from ember.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from ember.utils.inspection import activation_model, get_activations, get_kernels
from ember.utils.numerical import normalize, to_categorical
from ember.utils.random import get_generator, set_random_seed
from ember.utils.text_dataset_utils import text_dataset_from_directory
from ember.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = ["GradcheckError", "PyDataset", "Sequence", "activation_model", "array_to_img",
           "get_activations", "get_file", "get_generator", "get_kernels", "gradcheck",
           "image_dataset_from_directory", "img_to_array", "load_img", "normalize",
           "pack_x_y_sample_weight", "pad_sequences", "save_img", "set_random_seed",
           "split_dataset", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight"]
