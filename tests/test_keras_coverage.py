"""ember's public names against Keras 3.15.1's (the snapshot in tests/fixtures).

`python tests/fixtures/keras_names.py --report` prints the coverage of every namespace.
"""

import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fixtures"))
import keras_names  # noqa: E402

FIXTURE = keras_names.load_fixture()


def test_fixture_lists_every_namespace():
    namespaces = FIXTURE["namespaces"]
    assert FIXTURE["keras_version"] == "3.15.1"
    assert sorted(namespaces) == sorted(ns or "keras" for ns in keras_names.NAMESPACES)
    assert "relu" in namespaces["ops.nn"] and "Dense" in namespaces["layers"]
    assert set(keras_names.REQUIRED_TOP_LEVEL) <= set(namespaces["keras"])


@pytest.mark.slow  # imports Keras and every namespace (seconds)
@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="keras not installed")
def test_fixture_matches_installed_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.__version__ != FIXTURE["keras_version"]:
        pytest.skip(f"installed keras {keras.__version__}, fixture {FIXTURE['keras_version']}")
    assert keras_names.snapshot_keras() == FIXTURE


@pytest.mark.parametrize("namespace", keras_names.REQUIRED)
def test_ember_has_every_keras_name(namespace):
    lacking = keras_names.missing(namespace, FIXTURE["namespaces"][namespace])
    assert not lacking, f"ember.{namespace} lacks {len(lacking)} Keras names: {lacking}"


def test_ember_has_the_keras_top_level_names():
    lacking = keras_names.missing("keras", keras_names.REQUIRED_TOP_LEVEL)
    assert not lacking, f"ember lacks the top-level Keras names {lacking}"


def test_report_prints_a_row_per_namespace(capsys):
    rows = keras_names.report()
    out = capsys.readouterr().out
    assert len(rows) == len(keras_names.NAMESPACES) + 1
    assert "utils" in out and "present/total" in out
