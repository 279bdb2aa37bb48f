"""Errors raised by dataset loaders."""


class DatasetCorruptError(ValueError):
    """A dataset file failed a check (hash, size, format); names the file and the problem."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
