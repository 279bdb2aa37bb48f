"""TerminateOnNaN, CSVLogger, LambdaCallback and History, by hand and in real fits."""

import csv

import numpy as np
import pytest

from ember.callbacks import CSVLogger, History, LambdaCallback, TerminateOnNaN


@pytest.mark.parametrize("loss", [float("nan"), float("inf"), -float("inf")])
def test_terminate_on_nan_stops_on_nan_or_inf(fake_model, loss, capsys):
    model = fake_model()
    cb = TerminateOnNaN()
    cb.set_model(model)
    cb.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cb.on_train_batch_end(4, {"loss": loss})
    assert model.stop_training and model._nan_stopped
    assert "Batch 4: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_can_raise(fake_model):
    cb = TerminateOnNaN(raise_error=True)
    cb.set_model(fake_model())
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        cb.on_train_batch_end(2, {"loss": np.float32("nan")})
    assert cb.model._nan_stopped


def test_terminate_on_nan_in_a_fit_stops_at_the_bad_batch(tiny_model):
    model, x, y = tiny_model
    y = y.copy()
    y[20] = np.nan
    ended = []
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(),
                                   LambdaCallback(on_train_end=lambda logs: ended.append(1))])
    assert model.optimizer.iterations.numpy() == 3  # batch 2 holds sample 20
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])
    assert model._nan_stopped and ended == [1]
    model.fit(x, np.nan_to_num(y), batch_size=8, verbose=0)
    assert not model._nan_stopped  # reset by the next fit


def test_csv_logger_writes_one_flushed_row_per_epoch(tiny_model, tmp_path):
    model, x, y = tiny_model
    path = tmp_path / "log.csv"
    rows_seen = []

    def peek(epoch, logs):
        rows_seen.append(path.read_text().count("\n"))

    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[CSVLogger(path), LambdaCallback(on_epoch_end=peek)])
    assert rows_seen == [2, 3, 4]  # header + one row per finished epoch, on disk at once
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert float(rows[2]["loss"]) < float(rows[0]["loss"])


def test_csv_logger_append_separator_and_missing_val_columns(tiny_model, tmp_path):
    model, x, y = tiny_model
    path = tmp_path / "log.tsv"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator="\t")])
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[CSVLogger(path, separator="\t", append=True)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch\tloss\tval_loss" and len(lines) == 4
    assert lines[1].endswith("\tNA") and lines[2].startswith("0\t")
    with pytest.raises(ValueError, match="`separator` must be one character"):
        CSVLogger(path, separator="::")


def test_lambda_callback_runs_its_functions():
    events = []
    cb = LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch)),
                        on_batch_end=lambda batch, logs: events.append(("batch", batch)),
                        on_test_end=lambda logs: events.append("test_end"))
    cb.on_train_begin({})
    cb.on_train_batch_end(0, {})
    cb.on_epoch_end(0, {})
    cb.on_test_end({})
    cb.on_predict_end({})  # not given: does nothing
    assert events == ["begin", ("batch", 0), ("epoch", 0), "test_end"]
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_finish'"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="`on_epoch_end` must be a function"):
        LambdaCallback(on_epoch_end=3)


def test_history_records_epochs_and_is_returned_once(tiny_model):
    model, x, y = tiny_model
    mine = History()
    returned = model.fit(x, y, epochs=2, verbose=0, callbacks=[mine], initial_epoch=0)
    assert returned is mine and mine.epoch == [0, 1] and len(mine.history["loss"]) == 2
    resumed = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert resumed.epoch == [2, 3]
