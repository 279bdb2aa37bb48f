"""The `ember` command.

    ember train [--epochs N] [--hidden N] [--learning-rate LR] [--seed S]
"""

import argparse
import sys


def _train(args):
    from ember.examples.two_moons import train  # noqa: PLC0415  (keep `ember --help` fast)

    result = train(epochs=args.epochs, hidden=args.hidden, learning_rate=args.learning_rate,
                   seed=args.seed)
    return 0 if result["losses"][-1] < result["losses"][0] else 1


def build_parser():
    parser = argparse.ArgumentParser(prog="ember", description="ember: deep learning on NumPy")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the two-moons network (low-level API)")
    train.add_argument("--epochs", type=int, default=200)
    train.add_argument("--hidden", type=int, default=16)
    train.add_argument("--learning-rate", type=float, default=0.5)
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(func=_train)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "epochs", 1) < 1:
        print(f"ember: --epochs must be >= 1, received {args.epochs}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("ember: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
