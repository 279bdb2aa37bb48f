"""Shared test fixtures: deterministic seeds for every test."""

import numpy as np
import pytest

import ember


@pytest.fixture(autouse=True)
def _seed_everything():
    ember.utils.set_random_seed(1234)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
