"""`ember experiment vae` (see ember.experiments.generative)."""

from ember.experiments.generative import run_vae as run

__all__ = ["run"]
