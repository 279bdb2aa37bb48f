"""Subclassed models, custom train_step (a counting loop, a GAN-style two-optimizer step),
regularization and add_loss terms in the training loss, weight constraints."""

import numpy as np
import pytest

import ember
from ember import layers, ops
from ember.models import Model


class MLP(Model):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(units, activation="relu")
        self.drop = layers.Dropout(0.5)
        self.out = layers.Dense(1)

    def call(self, inputs, training=False):
        return self.out(self.drop(self.hidden(inputs), training=training))


def test_sublayers_are_tracked_and_built_on_first_call():
    model = MLP(units=4)
    assert [la.name for la in model.layers] == ["dense", "dropout", "dense_1"]
    assert not model.built and model.weights == []
    y = model(np.ones((3, 5), np.float32))
    assert y.shape == (3, 1) and model.built and len(model.trainable_weights) == 4
    assert model.count_params() == 5 * 4 + 4 + 4 + 1
    assert model.get_config() == {"name": "mlp", "trainable": True, "dtype": "float32",
                                  "units": 4}


def test_subclassed_model_fits_and_evaluates(make_regression):
    ember.utils.set_random_seed(0)
    x, y = make_regression(n=128)
    model = MLP(units=16)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert len(model.evaluate(x, y, verbose=0)) == 2


def test_build_with_a_shape_creates_the_weights():
    model = MLP(units=3)
    model.build((None, 2))
    assert model.built and model.count_params() == 2 * 3 + 3 + 4
    assert model.get_build_config() == {"input_shape": [None, 2]}


def test_a_model_without_call_says_so():
    with pytest.raises(NotImplementedError, match="must implement call"):
        Model()(np.ones((1, 2)))


def test_config_of_a_model_taking_layers_needs_get_config():
    class Wrapper(Model):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    with pytest.raises(NotImplementedError, match="implement get_config"):
        Wrapper(layers.Dense(1)).get_config()


class CountingModel(Model):
    """A custom loop: its own loss and update, counting the calls."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)
        self.steps = 0
        self.tracker = ember.metrics.Mean(name="my_loss")

    def call(self, x):
        return self.dense(x)

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, data):
        self.steps += 1
        x, y = data
        with ember.GradientTape() as tape:
            loss = ops.mean((self(x, training=True) - y) ** 2)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.tracker.update_state(loss.numpy())
        return {"my_loss": self.tracker.result()}


def test_train_step_override_is_called_once_per_batch(make_regression):
    x, y = make_regression(n=100)
    model = CountingModel()
    model.compile(optimizer=ember.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert model.steps == 3 * 4
    assert sorted(history.history) == ["my_loss"]
    assert history.history["my_loss"][-1] < history.history["my_loss"][0]


class TinyGAN(Model):
    """The GAN pattern: compile() overridden, two optimizers, train_step gets x only."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator = ember.models.Sequential([layers.Input(shape=(2,)), layers.Dense(2)])
        self.discriminator = ember.models.Sequential([layers.Input(shape=(2,)),
                                                      layers.Dense(1)])

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn
        self.batches = []

    def train_step(self, real):
        self.batches.append(real.shape)
        n = real.shape[0]
        noise = ember.random.normal((n, 2))
        with ember.GradientTape() as tape:
            fake = self.generator(noise)
            logits = self.discriminator(ops.concat([fake, ember.tensor(real)], axis=0))
            labels = np.concatenate([np.zeros((n, 1)), np.ones((n, 1))]).astype(np.float32)
            d_loss = self.loss_fn(labels, logits)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        with ember.GradientTape() as tape:
            g_loss = self.loss_fn(np.ones((n, 1), np.float32),
                                  self.discriminator(self.generator(noise)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}


def test_gan_style_train_step_gets_x_alone_and_updates_both_networks():
    gan = TinyGAN()
    gan.compile(ember.optimizers.Adam(1e-3), ember.optimizers.Adam(1e-3),
                ember.losses.BinaryCrossentropy(from_logits=True))
    g0 = gan.generator.get_weights()[0].copy()
    d0 = gan.discriminator.get_weights()[0].copy()
    history = gan.fit(np.ones((20, 2), np.float32), epochs=2, batch_size=8, verbose=0)
    assert gan.batches == [(8, 2), (8, 2), (4, 2)] * 2
    assert {"d_loss", "g_loss"} <= set(history.history)
    assert not np.array_equal(g0, gan.generator.get_weights()[0])
    assert not np.array_equal(d0, gan.discriminator.get_weights()[0])


def test_regularization_and_add_loss_enter_the_training_loss():
    class Penalised(layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x * 0.0) + 1.0)
            return x

    x_in = layers.Input(shape=(2,))
    h = layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros",
                     kernel_regularizer=ember.regularizers.L2(0.5))(x_in)
    model = Model(x_in, Penalised()(h))
    model.compile(optimizer=ember.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((4, 2), np.float32), np.full((4, 1), 2.0, np.float32)
    # mse 0 + L2: 0.5 * (1 + 1) = 1 + add_loss 1 = 2, and the add_loss term does not pile up
    for _ in range(3):
        assert model.train_on_batch(x, y) == pytest.approx(2.0)
        model.reset_metrics()
    assert len(model.losses) == 2


def test_weight_constraints_are_applied_after_each_update():
    model = ember.models.Sequential([
        layers.Input(shape=(3,)),
        layers.Dense(2, kernel_initializer="ones", kernel_constraint=ember.constraints.NonNeg())])
    model.compile(optimizer=ember.optimizers.SGD(10.0), loss="mse")
    model.train_on_batch(np.ones((4, 3), np.float32), np.full((4, 2), -5.0, np.float32))
    kernel = model.layers[0].kernel.numpy()
    assert (kernel >= 0).all() and (kernel == 0).any()
