"""The notes' experiments as reproducible reports: `ember experiment NAME`.

Each recipe trains what it needs (offline: bundled data or a documented stand-in), prints a
summary table and writes a report folder (results.json, PNGs, a self-contained index.html).
`--quick` sizes finish in seconds on 2 cores (the tests run them). Plots need matplotlib
(`pip install 'ember[plot]'`).

>>> from ember import experiments
>>> "optimizers" in experiments.RECIPES
True
"""

from ember.experiments.registry import RECIPES, Options, available, run
from ember.experiments.report import Report

__all__ = ["RECIPES", "Options", "Report", "available", "run"]
