"""`ember experiment gan` (see ember.experiments.generative)."""

from ember.experiments.generative import run_gan as run

__all__ = ["run"]
