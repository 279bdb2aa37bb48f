"""Transfer learning as the notes teach it, end to end on the bundled digits.

The early layers of a network trained on one task extract generic features; a related task with
few examples can reuse them:

1. feature extraction: freeze the base (`base.trainable = False`; its batch normalization then
   runs in inference mode, with its moving statistics) and train a new head on top;
2. fine-tuning: unfreeze and train everything with a lower learning rate for the base (the
   optimizer's per-variable learning-rate multipliers, `set_lr_multiplier(base, 0.1)`), so the
   pretrained features move gently while the head keeps learning.

`digits_transfer()` pretrains a small CNN on digits 0-4, then learns digits 5-9 from a few
examples per class, and compares with the same network trained from scratch on those examples.
`transfer_curve()` measures the same three ways against the number of labels per class, over
several seeds, for any source and target task (`ember experiment transfer` shows it).
"""

import numpy as np

import ember
from ember import layers as L


def build_base(input_shape=(8, 8, 1), name="base"):
    """A small CNN feature extractor: two conv-BN-ReLU-max-pool blocks, flattened (128)."""
    inputs = L.Input(shape=input_shape, name="image")
    x = L.Conv2D(16, 3, padding="same", use_bias=False, name="block1_conv")(inputs)
    x = L.BatchNormalization(momentum=0.9, name="block1_bn")(x)
    x = L.Activation("relu", name="block1_relu")(x)
    x = L.MaxPooling2D(2, name="block1_pool")(x)
    x = L.Conv2D(32, 3, padding="same", use_bias=False, name="block2_conv")(x)
    x = L.BatchNormalization(momentum=0.9, name="block2_bn")(x)
    x = L.Activation("relu", name="block2_relu")(x)
    x = L.MaxPooling2D(2, name="block2_pool")(x)
    x = L.Flatten(name="flatten")(x)
    return ember.Model(inputs, x, name=name)


def with_head(base, classes, name, base_training=None):
    """`base` followed by a fresh softmax layer. `base_training=False` calls the base in
    inference mode for good (its batch normalization keeps its moving statistics even while
    the base is fine-tuned: Keras' advice for fine-tuning on small batches)."""
    inputs = L.Input(shape=base.inputs[0].shape[1:], name="input")
    features = base(inputs) if base_training is None else base(inputs, training=base_training)
    outputs = L.Dense(classes, activation="softmax", name="head")(features)
    return ember.Model(inputs, outputs, name=name)


def _compile(model, learning_rate, base=None, base_multiplier=1.0):
    optimizer = ember.optimizers.Adam(learning_rate)
    if base is not None and base_multiplier != 1.0:
        optimizer.set_lr_multiplier(base, base_multiplier)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return optimizer


def _split(x, y, classes):
    keep = np.isin(y, classes)
    return x[keep], (y[keep] - classes[0]).astype(np.int64)


def digits_transfer(shots=10, pretrain_epochs=15, head_epochs=30, finetune_epochs=15,
                    base_multiplier=0.1, head_learning_rate=1e-2, seed=0):
    """Pretrain on digits 0-4, transfer to 5-9 with `shots` examples per class.

    Returns a dict of test accuracies on digits 5-9: "scratch" (same network, only the few
    examples, as many epochs as head + fine-tuning), "frozen" (new head on the frozen base)
    and "finetuned" (then everything, the base at `base_multiplier` times the learning rate),
    plus "source" (the pretrained network on digits 0-4).
    """
    from ember.datasets import digits  # noqa: PLC0415

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train / np.float32(16))[..., None]
    x_test = (x_test / np.float32(16))[..., None]
    xs, ys = _split(x_train, y_train, [0, 1, 2, 3, 4])
    xs_test, ys_test = _split(x_test, y_test, [0, 1, 2, 3, 4])
    xt_all, yt_all = _split(x_train, y_train, [5, 6, 7, 8, 9])
    xt_test, yt_test = _split(x_test, y_test, [5, 6, 7, 8, 9])
    rng = np.random.default_rng(seed)
    few = np.concatenate([rng.choice(np.flatnonzero(yt_all == k), shots, replace=False)
                          for k in range(5)])
    xt, yt = xt_all[few], yt_all[few]
    batch = max(8, min(32, len(xt) // 2))
    results = {}

    ember.utils.set_random_seed(seed)
    base = build_base()
    source = with_head(base, 5, "source")
    _compile(source, 3e-3)
    source.fit(xs, ys, epochs=pretrain_epochs, batch_size=32, verbose=0)
    results["source"] = source.evaluate(xs_test, ys_test, verbose=0)[1]

    base.trainable = False  # batch norm now uses its moving statistics
    target = with_head(base, 5, "target")
    _compile(target, head_learning_rate)
    target.fit(xt, yt, epochs=head_epochs, batch_size=batch, verbose=0)
    results["frozen"] = target.evaluate(xt_test, yt_test, verbose=0)[1]

    base.trainable = True
    _compile(target, 1e-3, base=base, base_multiplier=base_multiplier)
    target.fit(xt, yt, epochs=finetune_epochs, batch_size=batch, verbose=0)
    results["finetuned"] = target.evaluate(xt_test, yt_test, verbose=0)[1]

    ember.utils.set_random_seed(seed)
    scratch = with_head(build_base(name="scratch_base"), 5, "scratch")
    _compile(scratch, 3e-3)
    scratch.fit(xt, yt, epochs=head_epochs + finetune_epochs, batch_size=batch, verbose=0)
    results["scratch"] = scratch.evaluate(xt_test, yt_test, verbose=0)[1]
    return {k: float(v) for k, v in results.items()}


def few_per_class(y, shots, rng):
    """Indices of `shots` examples of every class in `y` (drawn without replacement).

    >>> import numpy as np
    >>> idx = few_per_class(np.array([0, 1, 0, 1, 0, 1]), 2, np.random.default_rng(0))
    >>> sorted(np.array([0, 1, 0, 1, 0, 1])[idx].tolist())
    [0, 0, 1, 1]
    """
    classes = np.unique(y)
    for k in classes:
        if np.sum(y == k) < shots:
            raise ValueError(f"few_per_class: class {k} has {int(np.sum(y == k))} examples; "
                             f"`shots` asks for {shots}")
    return np.concatenate([rng.choice(np.flatnonzero(y == k), shots, replace=False)
                           for k in classes])


def _fit_steps(model, x, y, steps, batch_size=32):
    """Train about `steps` updates (whole epochs over x) in mini-batches of at most
    `batch_size`: the budget counts updates, so 5 and 250 examples get the same number."""
    batch = min(batch_size, len(x))
    epochs = max(1, round(steps / -(-len(x) // batch)))
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)


def transfer_curve(source, target, shots=(5, 10, 20, 50), seeds=(0, 1, 2), *,
                   build=build_base, pretrain_epochs=10, steps=100, base_multiplier=0.1,
                   head_learning_rate=1e-2, learning_rate=3e-3, on_result=None):
    """Accuracy against the number of labels per class: scratch, frozen base, fine-tuned.

    For every seed a base is pretrained on the source task; then, for every label count k,
    k examples per class of the target task are drawn (seeded) and learnt three ways:

    - "scratch": the same architecture from a fresh initialisation, 2 x `steps` updates of
      Adam(`learning_rate`);
    - "frozen": a new softmax head on the frozen pretrained base (batch norm in inference
      mode), `steps` updates of Adam(`head_learning_rate`);
    - "finetuned": that model, then everything for `steps` more updates of Adam(1e-3), the
      base at `base_multiplier` times the learning rate (the notes' lower rate for the
      pretrained layers), its batch normalization still in inference mode.

    Every model gets the same number of updates (scratch: head + fine-tuning), whatever k.

    Args:
        source: `((x, y), (x_test, y_test))` of the source task (plenty of labels).
        target: `((x_pool, y_pool), (x_test, y_test))` of the target task: the few labelled
            examples are drawn from the pool.
        shots: the label counts per class.
        seeds: one pretraining and one draw of the few examples per seed.
        build: `build(input_shape, name=...)` returns the base (features, no head).
        on_result: called as `on_result(seed, k, accuracies)` after each label count.

    Returns:
        `{"shots": [...], "seeds": [...], "source": [accuracy per seed],
        "scratch" / "frozen" / "finetuned": [[accuracy per seed] per label count]}`.
    """
    (xs, ys), (xs_test, ys_test) = source
    (xp, yp), (xt_test, yt_test) = target
    n_source, n_target = int(np.max(ys)) + 1, int(np.max(yp)) + 1
    shape = xs.shape[1:]
    out = {"shots": list(shots), "seeds": list(seeds), "source": [],
           "scratch": [[] for _ in shots], "frozen": [[] for _ in shots],
           "finetuned": [[] for _ in shots]}
    loss = "sparse_categorical_crossentropy"
    for seed in seeds:
        ember.utils.set_random_seed(seed)
        base = build(shape, name="pretrained_base")
        source_model = with_head(base, n_source, "source")
        source_model.compile(ember.optimizers.Adam(learning_rate), loss, metrics=["accuracy"])
        source_model.fit(xs, ys, epochs=pretrain_epochs, batch_size=32, verbose=0)
        out["source"].append(float(source_model.evaluate(xs_test, ys_test, verbose=0)[1]))
        pretrained = base.get_weights()
        rng = np.random.default_rng(seed)
        for i, k in enumerate(shots):
            few = few_per_class(yp, k, rng)
            x, y = xp[few], yp[few]
            ember.utils.set_random_seed(seed + 1000 * (i + 1))
            reused = build(shape, name="reused_base")
            reused.set_weights(pretrained)
            reused.trainable = False
            model = with_head(reused, n_target, "transferred", base_training=False)
            model.compile(ember.optimizers.Adam(head_learning_rate), loss,
                          metrics=["accuracy"])
            _fit_steps(model, x, y, steps)
            frozen = float(model.evaluate(xt_test, yt_test, verbose=0)[1])
            reused.trainable = True
            _compile(model, 1e-3, base=reused, base_multiplier=base_multiplier)
            _fit_steps(model, x, y, steps)
            finetuned = float(model.evaluate(xt_test, yt_test, verbose=0)[1])
            ember.utils.set_random_seed(seed + 1000 * (i + 1) + 1)
            scratch = with_head(build(shape, name="scratch_base"), n_target, "scratch")
            scratch.compile(ember.optimizers.Adam(learning_rate), loss, metrics=["accuracy"])
            _fit_steps(scratch, x, y, 2 * steps)
            from_scratch = float(scratch.evaluate(xt_test, yt_test, verbose=0)[1])
            for key, value in (("scratch", from_scratch), ("frozen", frozen),
                               ("finetuned", finetuned)):
                out[key][i].append(value)
            if on_result is not None:
                on_result(seed, k, {"scratch": from_scratch, "frozen": frozen,
                                    "finetuned": finetuned})
    return out
