"""The progress bar: Keras 3's line layout, no control characters when stdout is not a
terminal, in-place (throttled) redraws when it is, verbose=2 and verbose=0."""

import io
import re

import numpy as np
import pytest

from ember.callbacks.progbar import Progbar, format_eta, format_step_time, format_value

BAR = "━" * 20
VALUE = r"-?\d+\.\d{4}(e[+-]\d\d)?"
LINE = re.compile(rf"^(\s*\d+)/(\d+) {BAR} \d+s \d+(s|ms|us)/step((?: - \w+: {VALUE})*)$")


def test_fit_verbose_1_without_a_terminal_prints_one_plain_line_per_epoch(tiny_model, capsys):
    model, x, y = tiny_model
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    for line in (lines[1], lines[3]):
        match = LINE.match(line)
        assert match, line
        assert match.group(1) == "3" and match.group(2) == "3"
        keys = re.findall(r" - (\w+):", match.group(4))
        assert keys == ["loss", "val_loss"]  # a constant rate is not logged (Keras 3)


def test_single_epoch_has_no_epoch_line_and_verbose_0_is_silent(tiny_model, capsys):
    model, x, y = tiny_model
    model.fit(x, y, epochs=1, verbose="auto")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and LINE.match(lines[0])
    model.fit(x, y, epochs=3, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_2_prints_keras_one_line_format(tiny_model, capsys):
    model, x, y = tiny_model
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.match(rf"^2/2 - \d+s - \d+(s|ms|us)/step - loss: {VALUE}$", lines[1]), lines[1]


def test_evaluate_and_predict_bars(tiny_model, capsys):
    model, x, y = tiny_model
    model.evaluate(x, y, batch_size=16)
    model.predict(x, batch_size=64)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert LINE.match(lines[0]).group(4).startswith(" - loss: ")
    assert LINE.match(lines[1]).group(4) == "" and lines[1].startswith("1/1 ")


def test_in_place_redraw_on_a_terminal_is_throttled():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    bar = Progbar(100, stream=out, interval=60.0)
    for step in range(1, 101):
        bar.update(step, [("loss", 1.0 / step)], finalize=step == 100)
    text = out.getvalue()
    assert text.count("\r") == 2  # the first draw, then the final one (throttled between)
    assert "\x1b[1m100/100\x1b[0m" in text and text.endswith("\n")
    assert "\x1b[32m" in text  # the done part in green
    visible = re.sub(r"\x1b\[[0-9;]*m", "", text.split("\r")[-1])
    assert re.match(rf"^100/100 {BAR} \d+s \d+(s|ms|us)/step - loss: 0.0100\s*$", visible)


def test_counter_is_right_aligned_and_an_early_stop_shows_the_steps_run():
    out = io.StringIO()
    bar = Progbar(10, stream=out)
    for step in range(1, 4):
        bar.update(step, [("loss", 0.5)])
    bar.update(3, finalize=True)
    assert out.getvalue().startswith(" 3/10 " + "━" * 20)


@pytest.mark.parametrize("value, text", [(0.4697, "0.4697"), (12345.678, "12345.6780"),
                                         (1e-4, "1.0000e-04"), (0.0, "0.0000e+00"),
                                         (-2.5, "-2.5000"), (np.float32(0.25), "0.2500")])
def test_values_are_4f_or_4e(value, text):
    assert format_value(value) == text


def test_time_formats():
    assert format_step_time(0.075) == " 75ms/step"
    assert format_step_time(2.4) == " 2s/step"
    assert format_step_time(0.00083) == " 830us/step"
    assert format_eta(61.0) == "1:01" and format_eta(42.0) == "42s"
    assert format_eta(3725.0) == "1:02:05"


def test_a_stream_that_cannot_encode_the_bar_gets_ascii():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    bar = Progbar(2, stream=stream)
    bar.update(2, [("loss", 0.5)])
    stream.flush()
    assert raw.getvalue().decode("ascii").startswith("2/2 " + "=" * 20)
