"""`ember.device(name)`: where new tensors and weights are made (Keras' `keras.device`).

This minimal version knows one device, the CPU: "cpu" and "cpu:0" (any case, also written
"/cpu:0" or "/device:CPU:0") are accepted and change nothing; any other name is refused with
an error naming it. (A fuller version placing arrays on a GPU replaces this module.)

>>> import ember
>>> with ember.device("cpu:0"):
...     x = ember.ones((2,))
>>> x.shape
(2,)
"""

_ACCEPTED = ("cpu", "cpu:0")


def _normalise(device_name):
    name = device_name.strip().lower()
    for prefix in ("/device:", "/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


class device:  # noqa: N801  (Keras' spelling: a function-like context manager)
    """Context manager for device placement: `with ember.device("cpu"): ...`.

    Args:
        device_name: "cpu" or "cpu:0".

    Raises:
        ValueError: any other device (ember runs on the CPU here), naming the device.
    """

    def __init__(self, device_name):
        if not isinstance(device_name, str):
            raise ValueError(f"ember.device: expected a device name such as 'cpu:0'; "
                             f"received device_name={device_name!r}")
        name = _normalise(device_name)
        if name not in _ACCEPTED:
            raise ValueError(f"ember.device: device {device_name!r} is not available: ember "
                             "runs on the CPU here; use 'cpu' or 'cpu:0'")
        self.name = "cpu:0"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"<ember.device {self.name!r}>"
