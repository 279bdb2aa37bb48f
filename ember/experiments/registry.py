"""The recipe table and `run`: a recipe is a module of ember.experiments with a
`run(options) -> Report` function; the table names them (fixed here in code, never read from
input), and a recipe is imported only when it runs."""

import importlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# name -> (module under ember.experiments, one-line description)
RECIPES = {
    "optimizers": ("optimizers", "batch/stochastic/mini-batch GD, momentum, Adagrad, RMSprop, "
                                 "Adam: loss against steps and time"),
    "activations": ("activations", "sigmoid, tanh, ReLU, leaky ReLU, step and derivatives; "
                                   "per-layer gradient norms of a deep MLP, dead ReLUs"),
    "rnn-gradients": ("rnn_gradients", "SimpleRNN vs LSTM vs GRU: gradient norm against time "
                                       "step, accuracy against sequence length"),
    "cnn-vs-mlp": ("cnn_vs_mlp", "feed-forward net vs CNN on the digits, same budget: accuracy, "
                                 "parameters, time, confusion matrices, mistakes"),
    "feature-maps": ("feature_maps", "a trained CNN's filters and the feature maps of each "
                                     "convolutional layer"),
    "cifar10-regularization": ("cifar10_regularization", "the notes' seven CIFAR-10 "
                                                         "experiments beside the notes' figures"),
    "learning-rates": ("learning_rates", "a learning-rate grid for SGD and Adam: final loss "
                                         "and accuracy against the rate"),
    "transfer": ("transfer", "accuracy against labels per class: from scratch, frozen "
                             "base + new head, fine-tuned (mean and spread over seeds)"),
    "vae": ("vae", "variational autoencoder on the digits: losses, latent space, samples"),
    "gan": ("gan", "GAN on the digits: sample grids over epochs, both losses"),
}


@dataclass
class Options:
    """What `ember experiment` passes to a recipe.

    Attributes:
        quick: small sizes that run in seconds (tests). Defaults to False.
        epochs: override the recipe's epochs. Defaults to None (the recipe's own).
        seed: the random seed. Defaults to 0.
        dataset: override the recipe's dataset. Defaults to None (the recipe's own).
        output: the report folder. Defaults to None (`reports/NAME`).

    >>> Options(quick=True).epochs_or(5, 2)
    2
    """

    quick: bool = False
    epochs: int | None = None
    seed: int = 0
    dataset: str | None = None
    output: str | None = None
    extra: dict = field(default_factory=dict)

    def epochs_or(self, full, quick):
        """--epochs when given, else the recipe's quick or full default."""
        return self.epochs if self.epochs is not None else (quick if self.quick else full)

    def as_dict(self):
        d = asdict(self)
        d.pop("extra")
        return d


def available():
    """{name: description} of the recipes.

    >>> {"activations", "optimizers"} <= set(available())
    True
    """
    return {name: text for name, (_, text) in RECIPES.items()}


def run(name, options=None, write=True, echo=print):
    """Run a recipe: returns its Report, written to `options.output` (default
    `reports/NAME`) when `write`, its summary printed through `echo` (None for silence)."""
    if name not in RECIPES:
        raise ValueError(f"experiment: unknown recipe {name!r}; available: "
                         f"{', '.join(sorted(RECIPES))}")
    options = options or Options()
    if options.epochs is not None and options.epochs < 1:
        raise ValueError(f"experiment: --epochs must be >= 1; received {options.epochs}")
    import ember  # noqa: PLC0415
    from ember.plot import require_matplotlib  # noqa: PLC0415

    require_matplotlib()  # fail before training, saying what to install
    ember.utils.set_random_seed(options.seed)
    module = importlib.import_module(f"ember.experiments.{RECIPES[name][0]}")
    start = time.perf_counter()
    report = module.run(options)
    report.results.setdefault("wall_time_s", round(time.perf_counter() - start, 3))
    return finish(report, name, options, write, echo)


def finish(report, name, options, write, echo):
    """Write `report` (unless `write` is False) and print its claims, summary and notes
    through `echo` (None for silence): the end of every run, serial or swept."""
    report.options = options.as_dict()
    if write:
        folder = Path(options.output or Path("reports") / name)
        report.write(folder)
        report.results["folder"] = str(folder)
    if echo is not None:
        if report.claims:
            echo(report.format_claims())
        echo(report.format_summary())
        for note in report.notes:
            echo(f"note: {note}")
        if write:
            echo(f"report written to {folder / 'index.html'}")
    return report
