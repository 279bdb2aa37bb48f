"""The errors raised when a file or a config is refused.

Both are `ValueError`s, so code written for Keras (`except ValueError`) still catches them.
"""


class FileFormatError(ValueError):
    """A file that is not a valid ember file: truncated, tampered, foreign or malformed.

    Args:
        path: the file (or a description of the bytes) that was refused.
        reason: what was expected and what was received.

    >>> str(FileFormatError("model.ember", "expected a zip archive, received 12 bytes of text"))
    'model.ember: expected a zip archive, received 12 bytes of text'
    """

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnknownObjectError(ValueError):
    """A config names a class that is neither an ember class, registered, nor in
    `custom_objects` (or a name that is not a plain class name at all)."""


class TooLargeError(FileFormatError):
    """A file refused for what reading it would cost (memory, time) before the work starts:
    declared sizes beyond a limit, or beyond what the file can hold. A `FileFormatError`.

    >>> str(TooLargeError("a.npy", "declares 8796093022208 bytes"))
    'a.npy: declares 8796093022208 bytes'
    """
