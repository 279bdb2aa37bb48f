"""Transfer learning: a frozen base keeps its weights and batch-norm statistics, the
learning-rate multiplier slows the base while fine-tuning, and the digits 0-4 -> 5-9 example."""


import numpy as np
import pytest

import ember
from ember.applications import transfer


def small_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=(n, 8, 8, 1)).astype(np.float32),
            rng.integers(0, 5, n).astype(np.int64))


def test_frozen_base_keeps_weights_and_batch_norm_statistics():
    x, y = small_data()
    base = transfer.build_base()
    base(x, training=True)  # any state before freezing
    before = {w.name: w.numpy() for w in base.weights}
    base.trainable = False
    model = transfer.with_head(base, 5, "target")
    head_before = model.get_layer("head").kernel.numpy()
    transfer._compile(model, 1e-2)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(before) == len(base.weights) == 10  # 2 kernels, 2 x 4 batch norm
    for w in base.weights:  # moving mean/variance too: batch norm ran in inference mode
        np.testing.assert_array_equal(w.numpy(), before[w.name], err_msg=w.name)
    assert np.abs(model.get_layer("head").kernel.numpy() - head_before).max() > 1e-3
    assert model.trainable_variables == model.get_layer("head").trainable_variables


def test_lr_multiplier_makes_the_base_move_less_than_with_full_rate():
    x, y = small_data()
    changes = {}
    for factor in (1.0, 0.1, 0.0):
        ember.utils.set_random_seed(0)
        base = transfer.build_base()
        model = transfer.with_head(base, 5, "target")
        kernel = base.get_layer("block1_conv").kernel
        start = kernel.numpy()
        optimizer = ember.optimizers.SGD(0.1)
        optimizer.set_lr_multiplier(base, factor)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0)
        changes[factor] = np.abs(kernel.numpy() - start).max()
    # one SGD step: the change is proportional to the multiplier
    assert changes[0.0] == 0
    np.testing.assert_allclose(changes[0.1], 0.1 * changes[1.0], rtol=1e-3)


@pytest.mark.slow
def test_digits_transfer_from_0_4_to_5_9_with_few_examples():
    results = transfer.digits_transfer(shots=3, pretrain_epochs=8, head_epochs=20,
                                       finetune_epochs=10, seed=0)
    print("digits 5-9 with 3 examples per class:", results)
    assert results["source"] > 0.95  # the pretrained network knows digits 0-4
    # chance is 0.2; the frozen features alone already separate the new digits
    assert results["frozen"] > 0.6
    assert results["finetuned"] > 0.6 and results["finetuned"] >= results["frozen"] - 0.05
    assert results["scratch"] > 0.5


def test_costs_and_weights_see_through_the_nested_base(tmp_path):
    from ember.applications import costs, weights_io

    base = transfer.build_base()
    model = transfer.with_head(base, 5, "target")
    rows = costs.layer_costs(model)
    assert [r["name"] for r in rows][:2] == ["block1_conv", "block1_bn"]
    # conv 3*3*1*16 + 3*3*16*32, BN gammas/betas 2*(16+32), head 128*5+5
    assert costs.count_params(model) == 144 + 4608 + 96 + 645
    base.trainable = False  # frozen weights are still parameters of the architecture
    assert costs.count_params(model) == 144 + 4608 + 96 + 645
    state = weights_io.export_state_dict(model)
    assert state["block1_conv.weight"].shape == (16, 1, 3, 3)
    assert state["head.weight"].shape == (5, 128)
