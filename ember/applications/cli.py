"""The zoo's and the generative models' part of the `ember` command.

    ember zoo                      list the models (reference input, parameters)
    ember zoo compare [--models a,b] [--image-size 64] [--batch-sizes 1,4]
    ember train vae|gan|dcgan [--epochs N] [--seed S] [--output DIR]
    ember train --model vae        the same

`add_parser(sub)` adds `zoo` to the subcommands and teaches `train` the generative models; a
plain `ember train` is unchanged.
"""

GENERATIVE = ("vae", "gan", "dcgan")


def _zoo(args):
    from ember.applications import zoo  # noqa: PLC0415

    if args.action == "list":
        print(zoo.list_table())
        return 0
    names = tuple(n.strip() for n in args.models.split(",")) if args.models else \
        zoo.DEFAULT_COMPARE
    for name in names:
        if name not in zoo.MODELS:
            raise ValueError(f"--models: unknown model {name!r}; choose from "
                             f"{', '.join(zoo.MODELS)}")
    batch_sizes = tuple(int(b) for b in args.batch_sizes.split(","))
    rows = zoo.compare(names, image_size=args.image_size, batch_sizes=batch_sizes,
                       repeats=args.repeats)
    print("params and GMACs at each model's reference input (224x224x3 and 1000 classes; "
          "LeNet-5 and ResNet-20 32x32, 10 classes); time and peak memory of a forward pass "
          f"at 'input' (at least {args.image_size}x{args.image_size} where the reference is "
          "larger), measured on this machine")
    print(zoo.format_table(rows, batch_sizes))
    return 0


def load_images(dataset="digits", data_dir=None):
    """Training images scaled to [0, 1]: the bundled digits (8x8), or MNIST / Fashion-MNIST
    (28x28) from `data_dir` or the download cache."""
    import numpy as np  # noqa: PLC0415

    from ember import datasets  # noqa: PLC0415

    if dataset == "digits":
        (x, _), _ = datasets.digits.load_data()
        return x / np.float32(16)
    if dataset not in ("mnist", "fashion_mnist"):
        raise ValueError(f"--dataset must be digits, mnist or fashion_mnist; received "
                         f"{dataset!r}")
    module = getattr(datasets, dataset)
    (x, _), _ = module.load_data(data_dir=data_dir)
    return x / np.float32(255)


def train_generative(name, epochs, seed, output=None, verbose=2, dataset="digits",
                     data_dir=None):
    """Train the VAE, GAN or DCGAN on `dataset` (bundled digits by default); return the
    history dict."""
    import numpy as np  # noqa: PLC0415

    import ember  # noqa: PLC0415
    from ember.applications import generative  # noqa: PLC0415

    ember.utils.set_random_seed(seed)
    x = load_images(dataset, data_dir)
    shape = x.shape[1:]
    callbacks = []
    if name == "vae":
        model = generative.VAE(input_shape=shape, latent_dim=2)
        model.compile(optimizer=ember.optimizers.Adam(3e-3))
    else:
        if name == "dcgan":
            x = x[..., None]
            model = generative.DCGAN(input_shape=(*shape, 1))
        else:
            model = generative.GAN(input_shape=shape)
        model.compile()
        callbacks.append(generative.SampleGrid(output, n=16))
    history = model.fit(x, epochs=epochs, batch_size=64, verbose=verbose,
                        callbacks=callbacks).history
    last = {k: round(float(v[-1]), 4) for k, v in history.items() if k != "learning_rate"}
    print(f"{name}: " + " - ".join(f"{k} {v}" for k, v in last.items()))
    if output:
        from pathlib import Path  # noqa: PLC0415

        from ember.saving.atomic import atomic_write_bytes  # noqa: PLC0415

        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        samples = model.latent_grid(n=10) if name == "vae" else generative.tile_images(
            model.generate(64, seed=seed), 8)
        import io  # noqa: PLC0415

        buffer = io.BytesIO()
        np.save(buffer, samples, allow_pickle=False)
        atomic_write_bytes(out / f"{name}_samples.npy", buffer.getvalue())
        print(f"samples written to {out / f'{name}_samples.npy'}")
    return history


def add_parser(sub):
    """Add `ember zoo` and the generative models of `ember train` to the subparsers `sub`."""
    zoo = sub.add_parser("zoo", help="the model zoo: list models, compare their costs")
    zoo.add_argument("action", nargs="?", choices=("list", "compare"), default="list")
    zoo.add_argument("--models", default=None, help="comma-separated names (compare)")
    zoo.add_argument("--image-size", type=int, default=64)
    zoo.add_argument("--batch-sizes", default="1,4")
    zoo.add_argument("--repeats", type=int, default=2)
    zoo.set_defaults(func=_zoo)

    train = sub.choices.get("train")
    if train is None:
        return
    for action in train._actions:  # let `--model` accept the generative models too
        if action.dest == "model" and action.choices is not None:
            action.choices = (*action.choices, *GENERATIVE)
    train.add_argument("name", nargs="?", choices=GENERATIVE, default=None,
                       help="train a generative model (vae, gan, dcgan) instead of --model")
    known = {a.dest for a in train._actions}
    if "dataset" not in known:
        train.add_argument("--dataset", default="digits",
                           help="vae/gan/dcgan: digits (bundled), mnist or fashion_mnist")
    if "data_dir" not in known:
        train.add_argument("--data-dir", default=None, help="folder with the dataset files")
    plain = train.get_default("func")

    def run(args):
        name = args.name or (args.model if args.model in GENERATIVE else None)
        if name is None:
            return plain(args)
        output = args.output if args.output and args.output != "digits.ember" else \
            f"{name}_samples"
        train_generative(name, args.epochs, args.seed, output, args.verbose,
                         args.dataset, args.data_dir)
        return 0

    train.set_defaults(func=run)
