"""Tables to numeric features, as the notes ask: a network only takes numbers.

`read_csv` reads a CSV file (header row first) into a `Table` of text columns; `Table.split`
holds out a seeded test part; `TableTransformer.fit(train)` learns, from the training rows
only, which columns are numeric (mean and standard deviation) and which are categorical (the
sorted categories); `transform(table)` then gives float32 features (numeric columns
standardised, categorical columns one-hot) and the target column (numbers as float32,
categories as int64 class indices).

Missing values (empty, "NA", "NaN", "?", ...) raise a ValueError listing each column with its
file line numbers (the header is line 1), unless `missing="fill"`: numeric columns take the
training mean (0 once standardised), categorical ones the training's most frequent category.
A missing target is always an error. A category not seen in training gets an all-zero one-hot
row with `handle_unknown="ignore"` (the default; `transformer.unknown_counts` says how many)
or raises with `handle_unknown="error"`. Text in a numeric column raises, naming the column,
the line and the value.

>>> import io
>>> table = read_csv(io.StringIO("size,color,price\\n1,red,10\\n3,blue,30\\n"))
>>> tf = TableTransformer(target="price").fit(table)
>>> x, y = tf.transform(table)
>>> tf.feature_names, x.tolist(), y.tolist()
(['size', 'color=blue', 'color=red'], [[-1.0, 0.0, 1.0], [1.0, 1.0, 0.0]], [10.0, 30.0])
"""

import csv
import io
import json
import os

import numpy as np

MISSING = ("", "na", "n/a", "nan", "null", "none", "?")


class Table:
    """Named text columns of equal length; `lines[i]` is row i's line number in the file."""

    def __init__(self, columns, lines=None, source="<table>"):
        self.columns = {k: list(v) for k, v in columns.items()}
        sizes = {len(v) for v in self.columns.values()}
        if len(sizes) > 1:
            raise ValueError(f"{source}: columns of different lengths {sorted(sizes)}")
        self.num_rows = sizes.pop() if sizes else 0
        self.lines = list(lines) if lines is not None else list(range(2, self.num_rows + 2))
        self.source = source

    @property
    def names(self):
        return list(self.columns)

    def take(self, index):
        """The rows at `index` (a list of positions), as a new Table."""
        return Table({k: [v[i] for i in index] for k, v in self.columns.items()},
                     [self.lines[i] for i in index], self.source)

    def split(self, test_size=0.2, seed=0):
        """`(train, test)`: a seeded shuffle, then the last `round(n * test_size)` rows held
        out. Fit the transformer on `train` only."""
        if not 0.0 < float(test_size) < 1.0:
            raise ValueError(f"Table.split: `test_size` must be in (0, 1); received {test_size!r}")
        order = np.random.default_rng(seed).permutation(self.num_rows)
        n_test = int(round(self.num_rows * float(test_size)))
        if n_test == 0 or n_test == self.num_rows:
            raise ValueError(f"Table.split: {self.num_rows} rows cannot be split with "
                             f"test_size={test_size}")
        cut = self.num_rows - n_test
        return self.take(order[:cut].tolist()), self.take(order[cut:].tolist())


def read_csv(path_or_buffer, delimiter=",", encoding="utf-8"):
    """A `Table` from a CSV file with a header row (values kept as text).

    Raises:
        ValueError: an empty file, duplicate or empty column names, or a row with the wrong
            number of fields (its line number given).
    """
    source = (os.fspath(path_or_buffer) if isinstance(path_or_buffer, str | os.PathLike)
              else getattr(path_or_buffer, "name", "<buffer>"))
    try:
        if isinstance(path_or_buffer, str | os.PathLike):
            with open(source, newline="", encoding=encoding) as f:
                text = f.read()
        else:
            text = path_or_buffer.read()
    except UnicodeDecodeError as e:
        from ember.saving.errors import FileFormatError  # noqa: PLC0415  (saving imports data)

        raise FileFormatError(source, f"not valid {encoding} text ({e.reason} at byte "
                                      f"{e.start}); pass the file's encoding, e.g. "
                                      "encoding='latin-1'") from None
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read_rows(reader, source)
    except csv.Error as e:  # a field over csv.field_size_limit(), a NUL byte, ...
        from ember.saving.errors import FileFormatError  # noqa: PLC0415

        raise FileFormatError(source, f"line {reader.line_num}: not valid CSV ({e})") from None


def _read_rows(reader, source):
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError(f"{source}: empty file (expected a header row)") from None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header) or "" in header:
        raise ValueError(f"{source}: column names must be unique and non-empty; received "
                         f"{header}")
    columns, lines = {h: [] for h in header}, []
    for row in reader:
        if not row or all(not c.strip() for c in row) and len(row) <= 1:
            continue
        if len(row) != len(header):
            raise ValueError(f"{source}: line {reader.line_num} has {len(row)} fields, the "
                             f"header has {len(header)}")
        for h, value in zip(header, row):
            columns[h].append(value.strip())
        lines.append(reader.line_num)
    return Table(columns, lines, source)


def load_csv(path_or_buffer, target, test_size=0.2, seed=0, delimiter=",", **options):
    """Read a CSV, hold out a seeded test split, fit the encoding on the training rows only.

    Args:
        path_or_buffer: the CSV file (or a text buffer).
        target: the target column's name.
        test_size: the fraction held out. Defaults to 0.2.
        seed: the split's seed. Defaults to 0.
        delimiter: the field separator.
        **options: `TableTransformer` options (categorical, numeric, drop, missing,
            handle_unknown).

    Returns:
        `((x_train, y_train), (x_test, y_test), transformer)`; the fitted transformer encodes
        new rows (`transformer.transform(read_csv(...))`).

    >>> import io
    >>> text = "a,b,y\\n" + "".join(f"{i},{'uv'[i % 2]},{i % 2}\\n" for i in range(10))
    >>> (x, y), (xt, yt), tf = load_csv(io.StringIO(text), target="y")
    >>> x.shape, xt.shape, tf.feature_names
    ((8, 3), (2, 3), ['a', 'b=u', 'b=v'])
    """
    train, test = read_csv(path_or_buffer, delimiter).split(test_size, seed)
    transformer = TableTransformer(target=target, **options).fit(train)
    return transformer.transform(train), transformer.transform(test), transformer


def _is_missing(value):
    return value.strip().lower() in MISSING


def _to_float(value):
    try:
        v = float(value)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


class TableTransformer:
    """Learns the encoding of a table on training rows; applies it to any table.

    Args:
        target: the target column's name, or None (features only).
        categorical: column names forced categorical; other columns are numeric when every
            present training value parses as a finite number, else categorical.
        numeric: column names that must be numeric (text in them is an error).
        drop: columns to leave out.
        missing: "error" (default: report the lines) or "fill" (see the module docstring).
        handle_unknown: "ignore" (all-zero one-hot row) or "error".
        max_bytes: the largest feature matrix `transform` builds (float32 bytes); a table
            whose one-hot encoding would be larger (an id column with 150,000 distinct values)
            is refused before the work starts. Defaults to 4 GiB.
    """

    def __init__(self, target=None, categorical=(), numeric=(), drop=(), missing="error",
                 handle_unknown="ignore", max_bytes=2**32):
        if missing not in ("error", "fill"):
            raise ValueError(f"TableTransformer: `missing` must be 'error' or 'fill'; received "
                             f"{missing!r}")
        if handle_unknown not in ("ignore", "error"):
            raise ValueError(f"TableTransformer: `handle_unknown` must be 'ignore' or 'error'; "
                             f"received {handle_unknown!r}")
        self.target, self.missing, self.handle_unknown = target, missing, handle_unknown
        self.categorical, self.numeric, self.drop = set(categorical), set(numeric), set(drop)
        self.encoders = None
        self.unknown_counts = {}
        self.max_bytes = int(max_bytes)

    # ------------------------------------------------------------------ fitting
    def fit(self, table):
        """Learn the columns' kinds and statistics from `table` (the training split)."""
        names = [n for n in table.names if n not in self.drop]
        for name in [self.target, *self.categorical, *self.numeric]:
            if name is not None and name not in table.columns:
                raise ValueError(f"{table.source}: no column named {name!r}; the columns are "
                                 f"{table.names}")
        self._check_missing(table, names)
        self.encoders = {}
        for name in names:
            present = [v for v in table.columns[name] if not _is_missing(v)]
            if not present:
                raise ValueError(f"{table.source}: column {name!r} has no values")
            numbers = [_to_float(v) for v in present]
            as_number = name not in self.categorical and all(v is not None for v in numbers)
            if name in self.numeric and not as_number:
                self._raise_text(table, name)
            if as_number:
                values = np.array(numbers, dtype=np.float64)  # float64 on purpose: statistics
                std = float(values.std())
                self.encoders[name] = {"kind": "numeric", "mean": float(values.mean()),
                                       "std": std if std > 0 else 1.0}
            else:
                cats, counts = np.unique(present, return_counts=True)
                self.encoders[name] = {"kind": "categorical", "categories": cats.tolist(),
                                       "mode": str(cats[np.argmax(counts)])}
        return self

    def _check_missing(self, table, names):
        report = []
        for name in names:
            rows = [table.lines[i] for i, v in enumerate(table.columns[name]) if _is_missing(v)]
            if rows and (self.missing == "error" or name == self.target):
                shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
                report.append(f"{name!r} on line(s) {shown} ({len(rows)} missing)")
        if report:
            raise ValueError(f"{table.source}: missing values in " + "; ".join(report) +
                             ". Pass missing='fill' to fill features (the target cannot be "
                             "filled)")

    def _raise_text(self, table, name):
        for i, v in enumerate(table.columns[name]):
            if not _is_missing(v) and _to_float(v) is None:
                raise ValueError(f"{table.source}: column {name!r} must be numeric, but line "
                                 f"{table.lines[i]} holds {v!r}")

    # ------------------------------------------------------------------ applying
    @property
    def feature_names(self):
        self._check_fitted()
        out = []
        for name, enc in self.encoders.items():
            if name == self.target:
                continue
            if enc["kind"] == "numeric":
                out.append(name)
            else:
                out.extend(f"{name}={c}" for c in enc["categories"])
        return out

    @property
    def classes(self):
        """The target's categories (class index i is `classes[i]`), or None if numeric."""
        self._check_fitted()
        enc = self.encoders.get(self.target)
        return None if enc is None or enc["kind"] == "numeric" else list(enc["categories"])

    def _check_fitted(self):
        if self.encoders is None:
            raise RuntimeError("TableTransformer: call fit(train_table) first")

    def transform(self, table):
        """`(x, y)` (or `x` alone without a target, or when the table lacks it): float32
        features and the encoded target."""
        self._check_fitted()
        missing_cols = [n for n in self.encoders if n != self.target and n not in table.columns]
        if missing_cols:
            raise ValueError(f"{table.source}: missing column(s) {missing_cols}")
        self._check_cost(table)
        self._check_missing(table, [n for n in self.encoders if n in table.columns])
        parts, self.unknown_counts = [], {}
        for name, enc in self.encoders.items():
            if name != self.target:
                parts.append(self._encode(table, name, enc))
        x = np.concatenate(parts, axis=1) if parts else np.zeros((table.num_rows, 0), np.float32)
        if self.target is None or self.target not in table.columns:
            return x
        return x, self._encode_target(table)

    def _check_cost(self, table):
        widths = {name: 1 if enc["kind"] == "numeric" else len(enc["categories"])
                  for name, enc in self.encoders.items() if name != self.target}
        nbytes = table.num_rows * sum(widths.values()) * 4
        if nbytes > self.max_bytes:
            from ember.saving.errors import TooLargeError  # noqa: PLC0415

            widest = max(widths, key=widths.get)
            raise TooLargeError(table.source, f"the features would take {nbytes} bytes "
                                              f"({table.num_rows} rows x {sum(widths.values())} "
                                              f"columns of float32), more than max_bytes="
                                              f"{self.max_bytes}; the widest is column "
                                              f"{widest!r} with {widths[widest]} one-hot "
                                              "categories (an id? pass drop=[...])")

    def _numbers(self, table, name, enc):
        out = np.empty(table.num_rows, dtype=np.float64)  # float64 on purpose, cast below
        for i, v in enumerate(table.columns[name]):
            if _is_missing(v):
                out[i] = enc["mean"]
                continue
            f = _to_float(v)
            if f is None:
                raise ValueError(f"{table.source}: column {name!r} must be numeric, but line "
                                 f"{table.lines[i]} holds {v!r}")
            out[i] = f
        return out

    def _encode(self, table, name, enc):
        if enc["kind"] == "numeric":
            z = (self._numbers(table, name, enc) - enc["mean"]) / enc["std"]
            return z.astype(np.float32)[:, None]
        index = {c: j for j, c in enumerate(enc["categories"])}
        out = np.zeros((table.num_rows, len(index)), dtype=np.float32)
        for i, v in enumerate(table.columns[name]):
            v = enc["mode"] if _is_missing(v) else v
            j = index.get(v)
            if j is None:
                if self.handle_unknown == "error":
                    raise ValueError(f"{table.source}: column {name!r}, line {table.lines[i]}: "
                                     f"unknown category {v!r}; the training categories are "
                                     f"{enc['categories']}")
                self.unknown_counts[name] = self.unknown_counts.get(name, 0) + 1
                continue
            out[i, j] = 1.0
        return out

    def _encode_target(self, table):
        enc = self.encoders[self.target]
        if enc["kind"] == "numeric":
            return self._numbers(table, self.target, enc).astype(np.float32)
        index = {c: j for j, c in enumerate(enc["categories"])}
        y = np.empty(table.num_rows, dtype=np.int64)
        for i, v in enumerate(table.columns[self.target]):
            if v not in index:
                raise ValueError(f"{table.source}: target {self.target!r}, line "
                                 f"{table.lines[i]}: class {v!r} was not in the training data")
            y[i] = index[v]
        return y

    def fit_transform(self, table):
        return self.fit(table).transform(table)

    # ------------------------------------------------------------------ saving (JSON)
    def to_json(self):
        """The fitted transformer as JSON (no pickle)."""
        self._check_fitted()
        return json.dumps({"target": self.target, "missing": self.missing,
                           "handle_unknown": self.handle_unknown, "encoders": self.encoders})

    @classmethod
    def from_json(cls, text, source="<json>"):
        """A transformer from `to_json` text (str or bytes), every field checked.

        Raises:
            FileFormatError: naming `source` (pass the file name): invalid or deeply nested
                JSON, a missing or mistyped field.
        """
        from ember.saving.tensor_codec import parse_json  # noqa: PLC0415

        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        config = parse_json(raw, source, "the TableTransformer JSON")
        _check_config(config, source)
        out = cls(config["target"], missing=config["missing"],
                  handle_unknown=config["handle_unknown"])
        out.encoders = {k: dict(v) for k, v in config["encoders"].items()}
        return out


def _check_config(config, source):
    from ember.saving.errors import FileFormatError  # noqa: PLC0415

    def bad(what):
        raise FileFormatError(source, f"not a TableTransformer: {what}")

    if not isinstance(config, dict):
        bad(f"expected a JSON object, received {type(config).__name__}")
    for key in ("target", "missing", "handle_unknown", "encoders"):
        if key not in config:
            bad(f"the key {key!r} is missing")
    if not (config["target"] is None or isinstance(config["target"], str)):
        bad("'target' must be a string or null")
    if config["missing"] not in ("error", "fill") or config["handle_unknown"] not in (
            "ignore", "error"):
        bad("'missing' must be 'error' or 'fill', 'handle_unknown' 'ignore' or 'error'")
    if not isinstance(config["encoders"], dict) or not config["encoders"]:
        bad("'encoders' must be a non-empty object")
    for name, enc in config["encoders"].items():
        kind = enc.get("kind") if isinstance(enc, dict) else None
        number = (int, float)
        if kind == "numeric" and isinstance(enc.get("mean"), number) and isinstance(
                enc.get("std"), number) and not isinstance(enc["std"], bool) and enc["std"] > 0:
            continue
        if kind == "categorical" and isinstance(enc.get("categories"), list) and enc[
                "categories"] and all(isinstance(c, str) for c in enc["categories"]) and (
                enc.get("mode") in enc["categories"]):
            continue
        bad(f"the encoder of column {name!r} must be numeric (mean, std > 0) or categorical "
            f"(non-empty string categories, a mode among them); received {str(enc)[:100]}")
