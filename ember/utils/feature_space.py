"""`FeatureSpace`: Keras' one-stop preprocessing of structured (tabular) data, in NumPy.

Each named feature is declared with a type (a string, or a `FeatureSpace.<type>(...)` spec):
"float", "float_rescaled", "float_normalized", "float_discretized", "integer_categorical",
"string_categorical", "integer_hashed", "string_hashed"; `crosses` hash pairs (or more) of
features together. `adapt(data)` learns vocabularies, statistics and bin boundaries from a dict
of arrays or an ember `Dataset` of dicts; calling the space on a dict of arrays returns one
float32 matrix (`output_mode="concat"`: features in sorted name order, then crosses in sorted
name order) or a dict of encoded arrays (`output_mode="dict"`).

Unlike Keras, whose FeatureSpace runs on TensorFlow, ember's runs on NumPy before the model:
`get_encoded_features()` gives the `Input` of the encoded data (build the model on that and feed
it `feature_space(x)`); hashed bins differ from Keras' (FNV-1a instead of FarmHash; see
`feature_space_encoders`).

>>> import numpy as np
>>> data = {"age": np.array([20.0, 30.0, 40.0, 50.0]), "city": np.array(["a", "b", "a", "c"]),
...         "n": np.array([1, 2, 1, 1])}
>>> space = FeatureSpace({"age": "float_normalized", "city": "string_categorical",
...                       "n": FeatureSpace.integer_categorical(output_mode="int")},
...                      output_mode="dict")
>>> space.adapt(data)
>>> out = space({"age": [35.0], "city": ["a"], "n": [2]})
>>> out["age"].round(3).tolist(), out["city"].tolist(), out["n"].tolist()
([[0.0]], [[0.0, 1.0, 0.0, 0.0]], [[2]])
"""

import json
import os

import numpy as np

from ember import config
from ember.utils import feature_space_encoders as enc

_TYPES = ("float", "float_rescaled", "float_normalized", "float_discretized",
          "integer_categorical", "string_categorical", "integer_hashed", "string_hashed")


class Feature:
    """One feature's spec: its input dtype, its preprocessor and its `output_mode`
    ("float", "one_hot" or "int")."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in ("float", "one_hot", "int"):
            raise ValueError(f"Feature: output_mode must be 'float', 'one_hot' or 'int'; "
                             f"received output_mode={output_mode!r}")
        if output_mode == "one_hot" and preprocessor.kind != "int":
            raise ValueError(f"Feature: output_mode='one_hot' needs integer indices, but "
                             f"{type(preprocessor).__name__} returns floats")
        self.dtype, self.preprocessor, self.output_mode = dtype, preprocessor, output_mode

    def get_config(self):
        return {"dtype": self.dtype, "output_mode": self.output_mode,
                "preprocessor": {"class_name": type(self.preprocessor).__name__,
                                 "config": self.preprocessor.get_config()}}

    @classmethod
    def from_config(cls, cfg):
        spec = cfg["preprocessor"]
        if spec.get("class_name") not in enc.ENCODERS:
            raise ValueError(f"Feature: unknown preprocessor {spec.get('class_name')!r}; "
                             f"expected one of {sorted(enc.ENCODERS)}")
        preprocessor = enc.ENCODERS[spec["class_name"]].from_config(spec.get("config", {}))
        return cls(cfg["dtype"], preprocessor, cfg["output_mode"])


class Cross:
    """A crossed feature: the hashed combination of `feature_names`' preprocessed values."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in ("one_hot", "int"):
            raise ValueError(f"Cross: output_mode must be 'one_hot' or 'int'; received "
                             f"{output_mode!r}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = int(crossing_dim)
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": list(self.feature_names), "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, cfg):
        return cls(**cfg)


class FeatureSpace:
    """Keras' `keras.utils.FeatureSpace` (see the module docstring).

    Args:
        features: dict name -> type string or `FeatureSpace.<type>(...)` spec.
        output_mode: "concat" (one float32 matrix) or "dict". Defaults to "concat".
        crosses: feature-name tuples (or `FeatureSpace.cross(...)` specs) to cross.
        crossing_dim: hash bins of a cross given as a tuple. Defaults to 32.
        hashing_dim: bins of "integer_hashed"/"string_hashed" given as strings. Defaults to 32.
        num_discretization_bins: bins of "float_discretized" given as a string. Defaults to 32.
        name: a name for the space.
    """

    # ------------------------------------------------------------- feature specs
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):  # noqa: A003  (Keras' name)
        return Feature(config.floatx(), enc.Identity(), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        return Feature(config.floatx(), enc.Rescale(scale, offset), "float")

    @classmethod
    def float_normalized(cls, name=None):
        return Feature(config.floatx(), enc.Normalize(), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot",
                          name=None):
        return Feature(config.floatx(), enc.Discretize(num_bins, bin_boundaries), output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        return Feature("int32", enc.Lookup("int", max_tokens, num_oov_indices), output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        return Feature("string", enc.Lookup("string", max_tokens, num_oov_indices),
                       output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("string", enc.Hash(num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("int32", enc.Hash(num_bins), output_mode)

    # ------------------------------------------------------------- construction
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None):
        if not features or not isinstance(features, dict):
            raise ValueError(f"FeatureSpace: `features` must be a non-empty dict; received "
                             f"{features!r:.80}")
        if output_mode not in ("concat", "dict"):
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode!r}")
        self.name = name or "feature_space"
        self.output_mode = output_mode
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {n: self._standardize(n, f) for n, f in features.items()}
        self.crosses = []
        for cross in crosses or []:
            if isinstance(cross, dict):
                cross = Cross.from_config(cross)
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError("FeatureSpace: give `crossing_dim` with `crosses`")
                cross = Cross(cross, crossing_dim)
            unknown = [n for n in cross.feature_names if n not in self.features]
            if unknown:
                raise ValueError("All features referenced in the `crosses` argument should be "
                                 f"present in the `features` dict. Received unknown features: "
                                 f"{unknown}")
            self.crosses.append(cross)
        self._adapted = not any(f.preprocessor.adaptable for f in self.features.values())

    def _standardize(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature.from_config(feature)
        makers = {"float": lambda: self.float(), "float_rescaled": self.float_rescaled,
                  "float_normalized": self.float_normalized,
                  "float_discretized": lambda: self.float_discretized(
                      self.num_discretization_bins),
                  "integer_categorical": self.integer_categorical,
                  "string_categorical": self.string_categorical,
                  "integer_hashed": lambda: self.integer_hashed(self.hashing_dim),
                  "string_hashed": lambda: self.string_hashed(self.hashing_dim)}
        if feature not in makers:
            raise ValueError(f"FeatureSpace: invalid feature type {feature!r} for {name!r}; "
                             f"expected one of {list(_TYPES)} or a FeatureSpace.<type>(...) "
                             "spec")
        return makers[feature]()

    # ------------------------------------------------------------- adapt
    def adapt(self, dataset):
        """Learn vocabularies, statistics and bin boundaries from `dataset`: a dict of
        arrays/lists, or an ember `Dataset` whose elements are dicts (batched or not)."""
        columns = self._columns(dataset)
        for name, feature in self.features.items():
            if feature.preprocessor.adaptable:
                if name not in columns:
                    raise ValueError(f"FeatureSpace.adapt: the data has no feature {name!r}; "
                                     f"it has {sorted(columns)}")
                feature.preprocessor.adapt(columns[name])
        self._adapted = True

    def _columns(self, dataset):
        if isinstance(dataset, dict):
            return {k: enc.column(v, k) for k, v in dataset.items()}
        from ember.data.dataset import Dataset  # noqa: PLC0415

        if not isinstance(dataset, Dataset):
            raise ValueError("`adapt()` can only be called on an ember Dataset or a dict of "
                             f"arrays/lists. Received instead: {type(dataset).__name__}")
        parts = {}
        for element in dataset:
            if isinstance(element, tuple | list):  # (features, labels)
                element = element[0]
            if not isinstance(element, dict):
                raise ValueError("FeatureSpace.adapt: the Dataset's elements must be dicts of "
                                 f"features; received {type(element).__name__}")
            for k, v in element.items():
                parts.setdefault(k, []).append(np.asarray(v).reshape(-1))
        return {k: np.concatenate(v) for k, v in parts.items()}

    def _check_adapted(self):
        if not self._adapted:
            raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before "
                             "you can start using it.")

    # ------------------------------------------------------------- encoding
    def _width(self, spec):
        if spec.output_mode == "one_hot":
            card = (spec.crossing_dim if isinstance(spec, Cross)
                    else spec.preprocessor.cardinality)
            return int(card)
        return 1

    def _encode(self, spec, values):
        if spec.output_mode != "one_hot":
            return values
        width = self._width(spec)
        out = np.zeros((values.shape[0], width), dtype=config.floatx())
        out[np.arange(values.shape[0]), values[:, 0]] = 1.0
        return out

    def __call__(self, data):
        """Encode a dict name -> values (arrays of shape (n,) or (n, 1), or scalars for one
        sample: the output then has no batch axis)."""
        self._check_adapted()
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict. Received: "
                             f"data of type {type(data).__name__}")
        missing = [n for n in self.features if n not in data]
        if missing:
            raise ValueError(f"FeatureSpace: the data lacks the features {missing}")
        single = all(np.ndim(data[n]) == 0 for n in self.features)
        columns = {n: enc.column(data[n], n) for n in self.features}
        sizes = {len(c) for c in columns.values()}
        if len(sizes) > 1:
            raise ValueError(f"FeatureSpace: features have different numbers of samples "
                             f"{ {n: len(c) for n, c in columns.items()} }")
        pre = {n: f.preprocessor(columns[n]) for n, f in self.features.items()}
        outputs = {n: self._encode(self.features[n], pre[n]) for n in sorted(self.features)}
        for cross in sorted(self.crosses, key=lambda c: c.name):
            bins = enc.cross_bins([pre[n] for n in cross.feature_names], cross.crossing_dim)
            outputs[cross.name] = self._encode(cross, bins)
        if self.output_mode == "dict":
            result = outputs
        else:
            for name, value in outputs.items():
                if value.dtype.kind in "iu":
                    raise ValueError(f"Cannot concatenate features because feature '{name}' "
                                     f"has not been encoded (it has dtype {value.dtype}). "
                                     "Consider using `output_mode='dict'`.")
            result = np.concatenate([v.astype(config.floatx()) for v in outputs.values()],
                                    axis=-1)
        if single:
            result = ({k: v[0] for k, v in result.items()} if isinstance(result, dict)
                      else result[0])
        return result

    def output_dims(self):
        """dict name -> width of each encoded feature and cross (in output order)."""
        self._check_adapted()
        dims = {n: self._width(self.features[n]) for n in sorted(self.features)}
        dims.update({c.name: self._width(c) for c in sorted(self.crosses, key=lambda c: c.name)})
        return dims

    def get_inputs(self):
        """dict name -> the raw input's spec `{"shape": (1,), "dtype": ...}` (ember's space is
        applied in NumPy before the model, so raw features are not model inputs)."""
        return {n: {"shape": (1,), "dtype": f.dtype} for n, f in self.features.items()}

    def get_encoded_features(self):
        """The model `Input`(s) for the encoded data: one `Input(shape=(total,))` in "concat"
        mode, else a dict name -> `Input(shape=(width,))`."""
        from ember.layers import Input  # noqa: PLC0415

        dims = self.output_dims()
        if self.output_mode == "concat":
            return Input(shape=(sum(dims.values()),), name=self.name)
        return {n: Input(shape=(d,), name=n) for n, d in dims.items()}

    # ------------------------------------------------------------- configs and files
    def get_config(self):
        """The spec and the adapted state, as JSON data."""
        return {"name": self.name, "output_mode": self.output_mode,
                "features": {n: f.get_config() for n, f in self.features.items()},
                "crosses": [c.get_config() for c in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins,
                "adapted": self._adapted}

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        adapted = cfg.pop("adapted", False)
        space = cls(**cfg)
        space._adapted = space._adapted or bool(adapted)
        return space

    def save(self, filepath):
        """Write the config (with the adapted state) as JSON, atomically; read it back with
        `FeatureSpace.load(filepath)`."""
        from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

        text = json.dumps({"class_name": "FeatureSpace", "config": self.get_config()},
                          indent=1, allow_nan=False)
        atomic_write_bytes(os.fspath(filepath), text.encode("utf-8"))

    @classmethod
    def load(cls, filepath):
        """A FeatureSpace from a file written by `save` (JSON only; nothing is executed)."""
        with open(os.fspath(filepath), encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict) or data.get("class_name") != "FeatureSpace":
            raise ValueError(f"{filepath}: not a FeatureSpace file")
        return cls.from_config(data["config"])

    def __repr__(self):
        return (f"<FeatureSpace {self.name!r} features={sorted(self.features)} "
                f"crosses={[c.name for c in self.crosses]} output_mode={self.output_mode!r}>")
