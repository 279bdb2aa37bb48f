"""Callbacks: hooks into `fit`, `evaluate` and `predict`, with Keras 3's names and defaults.

>>> import ember
>>> sorted(c for c in ember.callbacks.__all__ if c.endswith("Stopping"))
['EarlyStopping']
"""

from ember.callbacks.base import Callback, CallbackList
from ember.callbacks.csv_logger import CSVLogger
from ember.callbacks.early_stopping import EarlyStopping
from ember.callbacks.history import History
from ember.callbacks.lambda_callback import LambdaCallback
from ember.callbacks.lr_scheduler import LearningRateScheduler
from ember.callbacks.progbar import Progbar, ProgbarLogger
from ember.callbacks.reduce_lr import ReduceLROnPlateau
from ember.callbacks.tensorboard import TensorBoard
from ember.callbacks.terminate_on_nan import TerminateOnNaN

# isort: split
# ---- checkpointing callbacks (written with ember.saving; keep this block for them) ----------
from ember.callbacks.backup_and_restore import BackupAndRestore
from ember.callbacks.model_checkpoint import ModelCheckpoint

# ---------------------------------------------------------------------------------------------

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "Progbar", "ProgbarLogger",
    "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN",
]
