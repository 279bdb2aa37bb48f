"""The `ember` command.

    ember train [--model mlp] [--epochs N] [--batch-size N] [--optimizer adam]
                [--learning-rate LR] [--seed S] [--output model.ember]
                [--dataset digits|mnist|fashion_mnist|cifar10] [--data-dir DIR]
    ember summary MODEL_FILE
    ember evaluate MODEL_FILE [--dataset digits]
    ember predict MODEL_FILE INPUT.npy|INPUT.csv [--output predictions.csv]
    ember demo two-moons
    ember experiment NAME [--quick] [--epochs N] [--seed S] [--dataset D] [--output DIR]
    ember zoo [compare] [--models a,b] [--image-size 64] [--batch-sizes 1,4]
    ember train vae|gan|dcgan [--epochs N]   (also `--model vae`)

Training runs on the bundled digits by default, so it works offline. Ctrl-C stops at a step
boundary and exits with 130, leaving any saved file intact.
"""

import argparse
import sys
from pathlib import Path

MODELS = ("mlp", "cnn", "linear")


def _load_dataset(name="digits", data_dir=None):
    """The training data of `--dataset` (digits: bundled; others: cache or `--data-dir`)."""
    from ember.datasets.training import load_for_training  # noqa: PLC0415

    return load_for_training(name, data_dir)


def _load_digits():
    import numpy as np  # noqa: PLC0415

    from ember.datasets import digits  # noqa: PLC0415

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    scale = np.float32(1 / 16)
    return (x_train * scale, y_train.astype(np.int64)), (x_test * scale, y_test.astype(np.int64))


def build_model(name, input_shape=(8, 8), classes=10):
    """The named model of `ember train`: "mlp" (two hidden layers), "cnn" (two 3x3
    convolutions and a max pooling before a dense head; 98-99% on the digits) or "linear"
    (softmax regression)."""
    import ember  # noqa: PLC0415

    layers = ember.layers
    if name == "cnn":
        image = tuple(input_shape) + (1,) if len(input_shape) == 2 else tuple(input_shape)
        return ember.Sequential([
            ember.Input(shape=input_shape), layers.Reshape(image),
            layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", activation="relu"), layers.Flatten(),
            layers.Dropout(0.2), layers.Dense(64, activation="relu"),
            layers.Dense(classes, activation="softmax")], name=name)
    if name == "mlp":
        body = [layers.Dense(128, activation="relu"), layers.Dropout(0.1),
                layers.Dense(64, activation="relu")]
    elif name == "linear":
        body = []
    else:
        raise ValueError(f"--model must be one of {', '.join(MODELS)}; received {name!r}")
    return ember.Sequential([ember.Input(shape=input_shape), layers.Flatten(), *body,
                             layers.Dense(classes, activation="softmax")], name=name)


def _train(args):
    import ember  # noqa: PLC0415
    from ember.distribution import comm, launch  # noqa: PLC0415

    chief = True
    if args.workers > 1 or args.hostfile:
        if not comm.launched_by_mpi():  # start the ranks; each runs this same command
            return launch.launch(["-m", "ember.cli", *args.argv], args.workers, args.hostfile)
        dist = ember.distribution.DataParallel()
        ember.distribution.set_distribution(dist)
        chief = dist.is_chief
        if not chief:
            args.verbose = 0
    ember.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = _load_dataset(args.dataset, args.data_dir)
    model = build_model(args.model, input_shape=x_train.shape[1:])
    optimizer = ember.optimizers.get(args.optimizer)
    if args.learning_rate is not None:
        optimizer.learning_rate = args.learning_rate
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if args.verbose:
        model.summary()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=args.verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    if not chief:
        return 0
    print(f"test loss {loss:.4f} - test accuracy {accuracy:.4f}")
    if args.output:
        model.save(args.output)
        print(f"model saved to {args.output}")
    return 0


def _load(path):
    from ember.models import load_model  # noqa: PLC0415

    if not Path(path).is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    return load_model(path)


def _summary(args):
    _load(args.model_file).summary()
    return 0


def _evaluate(args):
    model = _load(args.model_file)
    _, (x_test, y_test) = _load_digits()
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print(" - ".join(f"{k}: {v:.4f}" for k, v in results.items()))
    return 0


def _read_inputs(path):
    import numpy as np  # noqa: PLC0415

    path = Path(path)
    if path.suffix == ".npy":
        from ember.utils.npy_io import read_npy  # noqa: PLC0415

        return read_npy(path)
    if path.suffix == ".csv":
        return np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    raise ValueError(f"INPUT must be a .npy or .csv file; received {path.name}")


def _predict(args):
    import numpy as np  # noqa: PLC0415

    model = _load(args.model_file)
    x = _read_inputs(args.input).astype(np.float32)
    expected = tuple(model.inputs[0].shape[1:])
    if x.shape[1:] != expected and x.ndim == 2 and x.shape[1] == int(np.prod(expected)):
        x = x.reshape((-1, *expected))
    probabilities = model.predict(x, verbose=0)
    classes = probabilities.argmax(axis=-1)
    if args.output:
        from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

        lines = ["class," + ",".join(f"p{i}" for i in range(probabilities.shape[-1]))]
        lines += [f"{c}," + ",".join(f"{p:.6f}" for p in row)
                  for c, row in zip(classes, probabilities)]
        atomic_write_bytes(args.output, ("\n".join(lines) + "\n").encode())
        print(f"{len(classes)} predictions written to {args.output}")
    else:
        for c in classes:
            print(int(c))
    return 0


def _demo(args):
    from ember.examples.two_moons import train  # noqa: PLC0415

    result = train(epochs=args.epochs, seed=args.seed)
    return 0 if result["losses"][-1] < result["losses"][0] else 1


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, received {text}")
    return value


def _add_device(parser):
    parser.add_argument("--device", default="cpu",
                        help="where to compute: cpu (default), gpu (the first GPU, through "
                             "CuPy) or gpu:<index>")


def _use_device(args):
    """Make `--device` the default device before anything is built or loaded (a model loaded
    on a GPU gets its weights there; predictions come back as NumPy)."""
    name = getattr(args, "device", None)
    if name is not None and name != "cpu":
        import ember  # noqa: PLC0415

        ember.config.set_device(name)


def build_parser():
    parser = argparse.ArgumentParser(prog="ember", description="ember: deep learning on NumPy")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model on the bundled digits")
    train.add_argument("--model", choices=MODELS, default="mlp")
    train.add_argument("--epochs", type=_positive_int, default=20)
    train.add_argument("--batch-size", type=_positive_int, default=32)
    train.add_argument("--optimizer", default="adam")
    train.add_argument("--learning-rate", type=float, default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--output", default="digits.ember",
                       help="where to save the trained model ('' to skip)")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2)
    _add_device(train)
    train.add_argument("--dataset", choices=("digits", "mnist", "fashion_mnist", "cifar10"),
                       default="digits", help="digits is bundled (offline); the others are "
                       "read from --data-dir or the cache ($EMBER_HOME, downloaded once)")
    train.add_argument("--data-dir", default=None,
                       help="a folder holding the dataset's original files")
    train.add_argument("--workers", type=_positive_int, default=1,
                       help="data-parallel MPI ranks (started with mpiexec; batch size is the "
                            "global batch; needs ember[mpi])")
    train.add_argument("--hostfile", default=None,
                       help="MPI hostfile: spread the ranks over these machines")
    train.set_defaults(func=_train)

    summary = sub.add_parser("summary", help="print the summary of a saved model")
    summary.add_argument("model_file")
    summary.set_defaults(func=_summary)

    evaluate = sub.add_parser("evaluate", help="evaluate a saved model on the digits test set")
    evaluate.add_argument("model_file")
    _add_device(evaluate)
    evaluate.set_defaults(func=_evaluate)

    predict = sub.add_parser("predict", help="predict classes for inputs in a .npy or .csv file")
    predict.add_argument("model_file")
    predict.add_argument("input")
    _add_device(predict)
    predict.add_argument("--output", default=None, help="write a CSV of classes and "
                                                        "probabilities instead of printing")
    predict.set_defaults(func=_predict)

    demo = sub.add_parser("demo", help="the two-moons network through the low-level API")
    demo.add_argument("name", choices=("two-moons",))
    demo.add_argument("--epochs", type=_positive_int, default=200)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_demo)

    from ember.experiments.cli import add_parser as add_experiment  # noqa: PLC0415
    add_experiment(sub)  # `ember experiment NAME`: the notes' experiments as reports
    from ember.applications.cli import add_parser as add_zoo  # noqa: PLC0415
    add_zoo(sub)  # `ember zoo [compare]`, `ember train vae|gan|dcgan`
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    from ember.device import DeviceUnavailableError  # noqa: PLC0415

    try:
        _use_device(args)
        return args.func(args)
    except KeyboardInterrupt:
        print("ember: interrupted", file=sys.stderr)
        return 130
    except DeviceUnavailableError as e:
        print(f"ember {args.command}: {e}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, TypeError) as e:
        print(f"ember {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
