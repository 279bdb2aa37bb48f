"""Input pipelines and the data adapter: `Dataset` (tf.data style), Keras' `PyDataset`
(`Sequence`), `read_csv` (tables to features), and `adapter` / `arrays`, which turn every
data source `fit`, `evaluate` and `predict` take into checked NumPy batches."""

from ember.data.dataset import INFINITE, UNKNOWN, Dataset, load_npy
from ember.data.py_dataset import PyDataset, Sequence
from ember.data.table import Table, TableTransformer, load_csv, read_csv

__all__ = ["INFINITE", "UNKNOWN", "Dataset", "PyDataset", "Sequence", "Table", "TableTransformer",
           "load_csv", "load_npy", "read_csv"]
