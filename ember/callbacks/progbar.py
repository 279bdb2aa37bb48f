"""The progress bar of `fit`, `evaluate` and `predict` (Keras 3's text format).

`verbose=1`, during an epoch, redrawn in place on a terminal::

     12/782 ━━━━━━━━━━━━━━━━━━━━ 1:02 80ms/step - accuracy: 0.5000 - loss: 0.6931

and at the end of the epoch (elapsed time instead of the ETA)::

    782/782 ━━━━━━━━━━━━━━━━━━━━ 61s 75ms/step - accuracy: 0.7540 - loss: 0.4697

`verbose=2` prints one line per epoch: `782/782 - 61s - 75ms/step - accuracy: ...`.

In-place redraws (`\\b`, `\\r` and ANSI colours) happen only when stdout is a terminal or a
Jupyter stream; otherwise (a log file, a pipe, CI) `verbose=1` writes one plain line per epoch
and no control character at all. Redraws are throttled to one per 0.05 s. Values print as
`:.4f`, or `:.4e` when |v| <= 1e-3.
"""

import math
import sys
import time

from ember import config
from ember.callbacks.base import Callback

BAR = "━"


def is_dynamic(stream=None):
    """Whether `stream` (default stdout) redraws in place: a TTY or a Jupyter stream."""
    stream = stream if stream is not None else sys.stdout
    if type(stream).__module__.startswith("ipykernel"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def format_value(value):
    """`0.4697`, or `1.2346e-04` for small magnitudes (Keras' rule)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return f"{value}"
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def format_step_time(seconds, unit="step"):
    """` 75ms/step`, ` 2s/step` or ` 830us/step` (Keras' rule)."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


def format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


class Progbar:
    """A progress bar over `target` steps (Keras' `keras.utils.Progbar`).

    Values given to `update` are averaged over the steps since the bar started (weighted by
    the steps each one covers), except those named in `stateful_metrics`, shown as given; at
    the final update every value is shown as given (Keras' rules). `ember.config`'s
    interactive logging switch decides whether the bar may redraw in place.

    Args:
        target: the number of steps, or None if unknown.
        width: the bar's width in characters. Defaults to 20.
        verbose: 0 (silent), 1 (bar) or 2 (one line at the end). Defaults to 1.
        interval: the least time between two redraws, in seconds. Defaults to 0.05.
        stateful_metrics: names shown as given, not averaged. Defaults to None (all averaged).
        stateless_metrics: alternatively, the only names to average (the others are shown as
            given). Give at most one of the two.
        unit_name: the unit of the per-step time. Defaults to "step".
        stream: where to write. Defaults to `sys.stdout` at each write.
        dynamic: redraw in place; defaults to `is_dynamic(stream)` while interactive logging
            is enabled, else False.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(4, stream=out)
    >>> for step in range(1, 5):
    ...     bar.update(step, [("loss", 0.5)])
    >>> out.getvalue().startswith("4/4 " + "━" * 20 + " ")
    True
    >>> bar = Progbar(None, verbose=2, stream=io.StringIO())
    >>> bar.add(1, [("loss", 1.0)]); bar.add(3, [("loss", 3.0)])
    >>> bar.average("loss")  # (1 * 1.0 + 3 * 3.0) / 4
    2.5
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step", stream=None, dynamic=None):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: give only one of `stateful_metrics` or "
                             "`stateless_metrics`; received both")
        if isinstance(target, bool) or not (target is None or int(target) == target):
            raise ValueError(f"Progbar: `target` must be an integer or None; received "
                             f"target={target!r}")
        self.target = None if target is None else int(target)
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics, self.stateless_metrics = None, set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._stream = stream
        self._dynamic = dynamic
        self._values = {}  # name -> [weighted sum, weight]
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_width = 0
        self._seen = 0

    def _averaged(self, key):
        if self.stateful_metrics is not None:
            return key not in self.stateful_metrics
        return key in self.stateless_metrics

    def average(self, key):
        """The value shown for `key`: its running average, or the last value if stateful."""
        total, count = self._values[key]
        return total if count <= 1 else total / count

    def add(self, n, values=None):
        """Advance the bar by `n` steps (Keras' `Progbar.add`)."""
        self.update(self._seen + n, values)

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def _write(self, text):
        stream = self.stream
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            BAR.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            text = text.replace(BAR, "=")
        stream.write(text)
        stream.flush()

    def _step_duration(self, current, now):
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step

    def _line(self, current, per_step, now, finalize, ansi):
        def bold(text):
            return f"\x1b[1m{text}\x1b[0m" if ansi else text

        if self.target is not None:
            digits = int(math.log10(max(self.target, 1))) + 1
            count = f"{current:{digits}d}/{self.target}"
            done = int(self.width * current / self.target) if self.target else self.width
            done = min(done, self.width)
            if ansi:
                bar = (f"\x1b[32m{BAR * done}\x1b[0m" if done else "") + \
                      f"\x1b[37m{BAR * (self.width - done)}\x1b[0m"
            else:
                bar = BAR * self.width
            text = f"{bold(count)} {bar}"
        else:
            text = f"{current:7d}/Unknown"
        if self.target is not None and not finalize:
            text += " " + bold(format_eta(per_step * (self.target - current)))
        else:
            text += " " + bold(f"{now - self._start:.0f}s")
        text += format_step_time(per_step, self.unit_name)
        for key in self._values:
            text += f" - {key}: {format_value(self.average(key))}"
        return text

    def update(self, current, values=None, finalize=None):
        """Show `current` steps done, with `values` (a list of (name, value) pairs).

        Args:
            current: the number of steps done.
            values: `(name, value_for_the_last_steps)` pairs; averaged unless stateful.
            finalize: whether this is the last update. Defaults to `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for key, value in values or []:
            if self._averaged(key) and not finalize:
                weight = max(current - self._seen, 1)
                total, count = self._values.get(key, (0.0, 0))
                self._values[key] = [total + float(value) * weight, count + weight]
            else:
                self._values[key] = [value, 1]
        self._seen = current
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            dynamic = (is_dynamic(self.stream) if self._dynamic is None else self._dynamic) \
                and config.is_interactive_logging_enabled()
            if not dynamic and not finalize:
                return
            if dynamic and not finalize and now - self._last_update < self.interval:
                return
            line = self._line(current, per_step, now, finalize, ansi=dynamic)
            if dynamic:
                visible = len(self._line(current, per_step, now, finalize, ansi=False))
                pad = " " * max(0, self._prev_width - visible)
                self._write("\b" * self._prev_width + "\r" + line + pad +
                            ("\n" if finalize else ""))
                self._prev_width = 0 if finalize else visible
            else:
                self._write(line + "\n")
        elif self.verbose == 2 and finalize:
            target = self.target if self.target is not None else current
            digits = int(math.log10(max(target, 1))) + 1
            text = f"{current:{digits}d}/{target} - {now - self._start:.0f}s -"
            text += format_step_time(per_step, self.unit_name)
            for key in self._values:
                text += f" - {key}: {format_value(self.average(key))}"
            self._write(text + "\n")
        self._last_update = now


class ProgbarLogger(Callback):
    """Prints the progress bar and the metrics (added by `fit`, `evaluate` and `predict` when
    `verbose` is not 0). `Epoch k/N` lines are printed only when `epochs > 1`."""

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs") or 1
        self.target = params.get("steps")

    def _new_progbar(self):
        # ember's logs already hold running means: show them as given (none averaged)
        self.progbar = Progbar(self.target, verbose=self.verbose, stateless_metrics=(),
                               unit_name="step")

    def _update(self, batch, logs):
        if self.progbar is None:
            self._new_progbar()
        values = [(k, v) for k, v in (logs or {}).items() if _is_number(v)]
        self.progbar.update(batch + 1, values, finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._new_progbar()
        values = [(k, v) for k, v in (logs or {}).items() if _is_number(v)]
        seen = self.progbar._seen
        if self.progbar.target is None:
            self.progbar.target = max(seen, 1)
        # the steps actually run (fewer than the target when training stopped early)
        self.progbar.update(seen or self.progbar.target, values, finalize=True)

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._new_progbar()
        if self.verbose and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_interrupt(self, logs=None):
        bar = self.progbar
        if bar is not None and bar._prev_width:  # a bar was being redrawn: end its line
            bar._write("\n")
            bar._prev_width = 0

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._new_progbar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._new_progbar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finalize(None)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _print(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
