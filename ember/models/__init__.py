"""Models: `Model` (functional or subclassed), `Sequential`, and loading saved models.

>>> import numpy as np, ember
>>> from ember import layers
>>> inputs = layers.Input(shape=(4,))
>>> outputs = layers.Dense(1)(layers.Dense(8, activation="relu")(inputs))
>>> model = ember.models.Model(inputs, outputs)
>>> model.compile(optimizer="adam", loss="mse")
>>> history = model.fit(np.zeros((8, 4)), np.zeros((8, 1)), epochs=2, verbose=0)
>>> sorted(history.history)
['loss']
"""

from ember.models.functional import Functional
from ember.models.model import Model
from ember.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Load a model saved with `model.save` (see `ember.saving.load_model`)."""
    from ember.saving import load_model as _load  # noqa: PLC0415  (saving imports models)

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save a model (see `ember.saving.save_model`)."""
    from ember.saving import save_model as _save  # noqa: PLC0415

    _save(model, filepath, overwrite=overwrite, **kwargs)


__all__ = ["Functional", "Model", "Sequential", "load_model", "save_model"]
