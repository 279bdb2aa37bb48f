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


def with_head(base, classes, name):
    """`base` followed by a fresh softmax layer."""
    inputs = L.Input(shape=base.inputs[0].shape[1:], name="input")
    outputs = L.Dense(classes, activation="softmax", name="head")(base(inputs))
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
