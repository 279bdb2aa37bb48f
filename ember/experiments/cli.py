"""`ember experiment NAME [--quick] [--epochs N] [--seed S] [--dataset D] [--output DIR]
[--sweep [--backend B] [--address A] [--num-cpus N] [--cpus-per-run N]]`, registered into the
`ember` command by `add_parser`."""

from ember.experiments.registry import RECIPES, Options, available, run


def _positive_int(text):
    import argparse  # noqa: PLC0415

    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, received {text}")
    return value


def _experiment(args):
    options = Options(quick=args.quick, epochs=args.epochs, seed=args.seed,
                      dataset=args.dataset, output=args.output)
    try:
        if args.sweep:
            from ember.experiments.sweep import sweep  # noqa: PLC0415

            sweep(args.name, options, backend=args.backend, address=args.address,
                  num_cpus=args.num_cpus, cpus_per_run=args.cpus_per_run)
        else:
            run(args.name, options)
    except ImportError as e:  # an optional extra is missing: say which
        import sys  # noqa: PLC0415

        print(f"ember experiment: {e}", file=sys.stderr)
        return 2
    return 0


def add_parser(subparsers):
    """Add the `experiment` subcommand to the `ember` command's subparsers.

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="ember")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["experiment", "optimizers", "--quick"]).quick
    True
    """
    lines = "\n".join(f"  {name:<24}{text}" for name, text in available().items())
    import argparse  # noqa: PLC0415

    p = subparsers.add_parser(
        "experiment", help="run one of the notes' experiments and write an HTML report",
        description="Run a recipe, print its summary table and write a report folder "
                    "(results.json, PNGs, index.html).\n\nrecipes:\n" + lines,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=sorted(RECIPES), metavar="NAME",
                   help="the recipe: " + ", ".join(sorted(RECIPES)))
    p.add_argument("--quick", action="store_true", help="small sizes (seconds on 2 cores)")
    p.add_argument("--epochs", type=_positive_int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dataset", default=None, help="override the recipe's dataset")
    p.add_argument("--output", default=None, help="report folder (default reports/NAME)")
    p.add_argument("--sweep", action="store_true",
                   help="run the recipe's grid as parallel tasks (Ray when installed, else a "
                        "local process pool): optimizers, cifar10-regularization, "
                        "learning-rates")
    p.add_argument("--backend", choices=("auto", "ray", "process", "serial"), default="auto",
                   help="where --sweep runs (default: Ray if installed, else processes)")
    p.add_argument("--address", default=None,
                   help="Ray cluster to join ('auto', 'ray://host:10001'); default: local Ray")
    p.add_argument("--num-cpus", type=_positive_int, default=None,
                   help="CPUs of the local Ray or process pool (default: all)")
    p.add_argument("--cpus-per-run", type=_positive_int, default=1,
                   help="CPUs (BLAS threads) per run of a sweep")
    p.set_defaults(func=_experiment)
