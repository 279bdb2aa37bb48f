"""Ctrl-C during `fit`: finish the current step, then stop cleanly and re-raise.

While `fit` runs, SIGINT only sets a flag that the loop checks after each step, so the weights
and the optimizer are never left half-updated. A second Ctrl-C raises KeyboardInterrupt at
once. The previous handler is restored when `fit` returns or raises. Outside the main thread
(where Python cannot install signal handlers) Ctrl-C behaves as usual.

>>> with InterruptGuard() as guard:
...     guard.requested
False
"""

import signal
import threading


class InterruptGuard:
    """Context manager: SIGINT sets `requested` instead of raising (once)."""

    def __init__(self):
        self.requested = False
        self._previous = None
        self._installed = False

    def _handler(self, signum, frame):
        if self.requested:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.getsignal(signal.SIGINT)
                signal.signal(signal.SIGINT, self._handler)
                self._installed = True
            except (ValueError, OSError):  # e.g. an embedded interpreter
                self._installed = False
        return self

    def __exit__(self, *exc):
        if self._installed:
            previous = self._previous if self._previous is not None else signal.SIG_DFL
            signal.signal(signal.SIGINT, previous)
            self._installed = False
        return False
