"""`ember experiment NAME --sweep`: a recipe's grid as parallel tasks (Ray, else a process
pool), gathered into the same report as the serial run."""

import importlib.util

import pytest

from ember.experiments import Options
from ember.experiments.sweep import sweep, sweepable


def test_the_grid_recipes():
    assert sorted(sweepable()) == ["cifar10-regularization", "learning-rates", "optimizers"]
    with pytest.raises(ValueError, match="no grid.*learning-rates"):
        sweep("activations", Options(quick=True), write=False, echo=None)
    with pytest.raises(ValueError, match="backend"):
        sweep("learning-rates", Options(quick=True), backend="mpi", write=False, echo=None)
    with pytest.raises(ValueError, match="cpus_per_run"):
        sweep("learning-rates", Options(quick=True), cpus_per_run=0, write=False, echo=None)


def _same_numbers(swept, serial):
    assert list(swept["runs"]) == list(serial["runs"])
    for key, run in serial["runs"].items():  # each task's own seed: the serial numbers
        assert swept["runs"][key]["final_loss"] == pytest.approx(run["final_loss"], rel=1e-6)
        assert swept["runs"][key]["test_accuracy"] == run["test_accuracy"]


@pytest.mark.slow
def test_process_pool_sweep_writes_the_report(recipe):
    serial, _, _ = recipe("learning-rates")
    # the lesson: SGD at 0.001 crawls and at 10 diverges; 0.1 beats both
    assert [c["confirmed"] for c in serial["claims"]] == [True]
    results, folder, out = recipe("learning-rates", "--sweep", "--backend", "process",
                                  "--num-cpus", "2")
    r = results["results"]
    assert r["sweep"]["backend"] == "process" and r["sweep"]["runs"] == 4
    assert len(r["sweep"]["workers"]) == 2  # two processes shared the four runs
    assert list(r["runs"]) == ["sgd lr=0.001", "sgd lr=0.1", "sgd lr=10", "adam lr=0.01"]
    _same_numbers(r, serial["results"])
    assert "Swept: 4 runs" in out


@pytest.mark.slow
def test_ray_sweep_on_two_cpus_writes_the_report(recipe):
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install 'ember[ray]')")
    results, folder, out = recipe("learning-rates", "--sweep", "--backend", "ray",
                                  "--num-cpus", "2")
    r = results["results"]
    assert r["sweep"]["backend"] == "ray" and r["sweep"]["runs"] == 4
    assert (folder / "index.html").is_file() and (folder / "learning_rates.png").is_file()
    serial = sweep("learning-rates", Options(quick=True), backend="serial", write=False,
                   echo=None)
    _same_numbers(r, serial.results)
