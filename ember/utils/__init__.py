"""Utilities, with Keras' `keras.utils` names: serialisation and the custom-object registry,
progress bars, model plots, seeding, label encoding, downloads (`get_file`), `FeatureSpace`,
Keras' data utilities (`PyDataset`, `timeseries_dataset_from_array`, `split_dataset`,
`image_dataset_from_directory`, `text_dataset_from_directory`, image files); plus ember's
own gradient checking and ways to see inside a network (`get_activations`, `get_kernels`).

`ember.ops` imports `ember.utils.random`, so this package is imported early: names that need
layers, models or saving are loaded on first use (module `__getattr__`), never at import.
"""

import importlib

from ember.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from ember.utils.config_utils import Config
from ember.utils.dtype_utils import standardize_dtype
from ember.utils.file_utils import get_file
from ember.utils.gradcheck import GradcheckError, gradcheck
from ember.utils.numerical import normalize, to_categorical
from ember.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from ember.utils.random import get_generator, set_random_seed

#: name -> module that defines it, imported on first access.
_LAZY = {
    "Progbar": "ember.callbacks.progbar",
    "PyDataset": "ember.data.py_dataset",
    "Sequence": "ember.data.py_dataset",
    "split_dataset": "ember.utils.dataset_utils",
    "audio_dataset_from_directory": "ember.utils.audio_dataset_utils",
    "image_dataset_from_directory": "ember.utils.image_dataset_utils",
    "text_dataset_from_directory": "ember.utils.text_dataset_utils",
    "timeseries_dataset_from_array": "ember.utils.timeseries_dataset_utils",
    "load_img": "ember.utils.image_utils",
    "img_to_array": "ember.utils.image_utils",
    "array_to_img": "ember.utils.image_utils",
    "save_img": "ember.utils.image_utils",
    "pad_sequences": "ember.preprocessing.sequence",
    "CustomObjectScope": "ember.saving.registry",
    "custom_object_scope": "ember.saving.registry",
    "get_custom_objects": "ember.saving.registry",
    "get_registered_name": "ember.saving.registry",
    "get_registered_object": "ember.saving.registry",
    "register_keras_serializable": "ember.saving.registry",
    "serialize_keras_object": "ember.saving.serialization",
    "deserialize_keras_object": "ember.saving.serialization",
    "activation_model": "ember.utils.inspection",
    "get_activations": "ember.utils.inspection",
    "get_kernels": "ember.utils.inspection",
    "clear_session": "ember.utils.session",
    "get_source_inputs": "ember.utils.session",
    "is_keras_tensor": "ember.utils.session",
    "plot_model": "ember.utils.model_visualization",
    "model_to_dot": "ember.utils.model_visualization",
    "FeatureSpace": "ember.utils.feature_space",
    "legacy": None,  # the submodule ember.utils.legacy
    "bounding_boxes": None,  # the submodule ember.utils.bounding_boxes
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'ember.utils' has no attribute {name!r}")
    module = _LAZY[name]
    value = (importlib.import_module(f"ember.utils.{name}") if module is None
             else getattr(importlib.import_module(module), name))
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(["Config", "GradcheckError", "disable_interactive_logging",
                  "enable_interactive_logging", "get_file", "get_generator", "gradcheck",
                  "is_interactive_logging_enabled", "normalize", "pack_x_y_sample_weight",
                  "set_random_seed", "standardize_dtype", "to_categorical",
                  "unpack_x_y_sample_weight", *_LAZY])
