"""Input pipelines and tables: `Dataset` (tf.data style), `read_csv` (tables to features),
and Keras' `Sequence`/`PyDataset` for batch-indexed data."""

from ember.data.dataset import INFINITE, UNKNOWN, Dataset, load_npy
from ember.data.py_dataset import PyDataset, Sequence
from ember.data.table import Table, TableTransformer, load_csv, read_csv

__all__ = ["INFINITE", "UNKNOWN", "Dataset", "PyDataset", "Sequence", "Table", "TableTransformer",
           "load_csv", "load_npy", "read_csv"]
