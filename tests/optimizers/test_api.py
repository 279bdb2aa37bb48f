"""The Optimizer API: apply / step / minimize, errors, get(), config and state round trips."""

import json

import numpy as np
import pytest

import ember
from ember import optimizers
from ember.optimizers import SGD, Adagrad, Adam, AdamW, Nadam, Optimizer, RMSprop, schedules

MAKERS = {
    "sgd": lambda: SGD(learning_rate=0.05),
    "sgd_momentum": lambda: SGD(learning_rate=0.05, momentum=0.9),
    "sgd_nesterov_ema": lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True,
                                    momentum_style="ema"),
    "adagrad": lambda: Adagrad(learning_rate=0.1),
    "rmsprop": lambda: RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    "adam": lambda: Adam(learning_rate=0.01),
    "adam_amsgrad": lambda: Adam(learning_rate=0.01, amsgrad=True),
    "adamw": lambda: AdamW(learning_rate=0.01, weight_decay=0.1),
    "nadam": lambda: Nadam(learning_rate=0.01),
    "ema_clip": lambda: SGD(learning_rate=0.05, momentum=0.5, use_ema=True, clipnorm=0.5),
    "schedule": lambda: Adam(learning_rate=schedules.CosineDecay(0.01, 10, warmup_target=0.02,
                                                                 warmup_steps=3)),
}


def make_model():
    rng = np.random.default_rng(0)
    return [ember.Variable(rng.normal(size=(3, 2)), name="kernel"),
            ember.Variable(rng.normal(size=(2,)), name="bias")]


def grads_at(step):
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=(3, 2)), rng.normal(size=(2,))]


# ------------------------------------------------------------------ applying updates
def test_apply_forms_agree():
    """apply_gradients, apply, and step (from .grad) give the same trajectory."""
    runs = []
    for form in ("apply_gradients", "apply", "apply_built", "step"):
        model, opt = make_model(), Adam(learning_rate=0.01)
        for t in range(3):
            g = grads_at(t)
            if form == "apply_gradients":
                opt.apply_gradients(zip(g, model))
            elif form == "apply":
                opt.apply(g, model)
            elif form == "apply_built":
                if not opt.built:
                    opt.build(model)
                opt.apply(g)
            else:
                for v, gv in zip(model, g):
                    v.grad = ember.tensor(gv)
                opt.step(model)
                opt.zero_grad()
                assert all(v.grad is None for v in model)
        runs.append([v.numpy() for v in model])
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)
    assert not np.allclose(runs[0][0], make_model()[0].numpy())


def test_minimize_with_callable_and_with_tensor():
    w1, w2 = ember.Variable([3.0, -1.0]), ember.Variable([3.0, -1.0])
    SGD(learning_rate=0.1).minimize(lambda: ember.sum(w1 * w1), [w1])
    SGD(learning_rate=0.1).minimize(ember.sum(w2 * w2), [w2])
    np.testing.assert_allclose(w1.numpy(), [3.0 - 0.6, -1.0 + 0.2], rtol=1e-6)
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())


def test_none_gradients_skipped_with_warning():
    a, b = ember.Variable([1.0]), ember.Variable([1.0], name="unused")
    opt = SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match="Gradients do not exist for variables \\['unused'\\]"):
        opt.apply_gradients([(np.ones(1), a), (None, b)])
    assert a.numpy()[0] == 0.5 and b.numpy()[0] == 1.0
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, a)])


def test_step_skips_variables_without_grad():
    a, b = ember.Variable([1.0]), ember.Variable([1.0])
    opt = SGD(learning_rate=0.5)
    loss = ember.sum(a * 2.0)
    loss.backward()
    opt.step([a, b])
    assert a.numpy()[0] == 0.0 and b.numpy()[0] == 1.0
    assert opt.built and int(opt.iterations) == 1


def test_errors_name_the_problem():
    w = ember.Variable(np.zeros((2, 3)), name="kernel")
    opt = SGD()
    with pytest.raises(ValueError, match=r"'kernel' must have its shape \(2, 3\); received "
                                         r"shape \(3, 2\)"):
        opt.apply_gradients([(np.zeros((3, 2)), w)])
    opt2 = SGD()
    opt2.build([w])
    other = ember.Variable([1.0], name="stranger")
    with pytest.raises(ValueError, match="Unknown variable: 'stranger'"):
        opt2.apply_gradients([(np.ones(1), other)])
    with pytest.raises(ValueError, match="must already be built"):
        SGD().apply([np.zeros((2, 3))])
    with pytest.raises(ValueError, match="expected one gradient per variable \\(1\\); "
                                         "received 2"):
        opt2.apply([np.zeros((2, 3)), np.zeros(1)])
    with pytest.raises(TypeError, match="variables\\[0\\] must be a float Variable"):
        SGD().build([ember.Variable([1, 2], trainable=False, dtype="int64")])
    with pytest.raises(ValueError, match="appears twice"):
        SGD().build([w, w])
    with pytest.raises(ValueError, match="step: pass the variables"):
        SGD().step()
    with pytest.raises(ValueError, match="Argument\\(s\\) not recognized"):
        SGD(lr=0.1)
    with pytest.raises(NotImplementedError, match="gradient_accumulation_steps"):
        SGD(gradient_accumulation_steps=4)


@pytest.mark.parametrize("cls, kwargs, arg", [
    (SGD, {"momentum": 1.5}, "momentum"),
    (SGD, {"momentum_style": "torch"}, "momentum_style"),
    (Adam, {"beta_1": 1.0}, "beta_1"),
    (Adam, {"epsilon": -1e-7}, "epsilon"),
    (RMSprop, {"rho": -0.1}, "rho"),
    (Adagrad, {"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
    (Nadam, {"beta_2": True}, "beta_2"),
    (SGD, {"weight_decay": -0.01}, "weight_decay"),
])
def test_hyperparameter_validation(cls, kwargs, arg):
    with pytest.raises(ValueError, match=f"`{arg}`.*Received: {arg}="):
        cls(**kwargs)


def test_variables_and_iterations():
    model = make_model()
    opt = Adam(amsgrad=True)
    opt.build(model)
    names = [v.name for v in opt.variables]
    assert names[0] == "adam/iteration"
    assert len(opt.variables) == 1 + 3 * len(model)
    assert opt.iterations.dtype == np.int64 and int(opt.iterations) == 0
    assert opt.variables[1].shape == model[0].shape


# ---------------------------------------------------------------------------- get()
@pytest.mark.parametrize("name, cls", [
    ("sgd", SGD), ("adam", Adam), ("RMSprop", RMSprop), ("adagrad", Adagrad),
    ("adamw", AdamW), ("NADAM", Nadam),
])
def test_get_by_name(name, cls):
    opt = optimizers.get(name)
    assert type(opt) is cls


def test_get_other_identifiers():
    opt = Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert type(optimizers.get(RMSprop)) is RMSprop
    sgd = optimizers.get({"class_name": "SGD", "config": {"momentum": 0.9, "nesterov": True}})
    assert sgd.momentum == 0.9 and sgd.nesterov
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamax'. Valid names: .*'sgd'"):
        optimizers.get("adamax")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3)
    with pytest.raises(ValueError, match="Unknown optimizer: 'os.system'"):
        optimizers.get({"class_name": "os.system", "config": {}})


# ------------------------------------------------------------------ config round trip
@pytest.mark.parametrize("key", sorted(MAKERS))
def test_config_round_trip_through_json(key):
    opt = MAKERS[key]()
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    clone = optimizers.deserialize(config)
    assert type(clone) is type(opt)
    assert clone.get_config() == opt.get_config()


def test_callable_learning_rate_is_not_serialisable():
    with pytest.raises(TypeError, match="plain callable"):
        SGD(learning_rate=lambda step: 0.1).get_config()


# ------------------------------------------------------------------- state round trip
@pytest.mark.parametrize("key", sorted(MAKERS))
def test_state_round_trip_gives_identical_next_steps(key):
    model, opt = make_model(), MAKERS[key]()
    for t in range(3):
        opt.apply_gradients(zip(grads_at(t), model))
    state = opt.get_state()
    weights = [v.numpy() for v in model]

    # a fresh model and optimizer, restored from the arrays alone
    restored_model = [ember.Variable(w, name=v.name) for w, v in zip(weights, model)]
    restored = MAKERS[key]()
    restored.set_state(state, variables=restored_model)
    assert int(restored.iterations) == 3
    for t in range(3, 6):
        opt.apply_gradients(zip(grads_at(t), model))
        restored.apply_gradients(zip(grads_at(t), restored_model))
        for a, b in zip(model, restored_model):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    if key == "sgd":
        return  # plain SGD has no state that changes its steps
    # and without the restore, a fresh optimizer would have diverged
    fresh_model = [ember.Variable(w) for w in weights]
    fresh = MAKERS[key]()
    for t in range(3, 6):
        fresh.apply_gradients(zip(grads_at(t), fresh_model))
    assert not np.array_equal(fresh_model[0].numpy(), model[0].numpy())


def test_state_is_a_copy_and_keys_are_stable():
    model, opt = make_model(), RMSprop(momentum=0.5)
    opt.apply_gradients(zip(grads_at(0), model))
    state = opt.get_state()
    assert sorted(state) == ["iterations", "learning_rate", "momentum/0", "momentum/1",
                             "velocity/0", "velocity/1"]
    state["velocity/0"][...] = 123.0
    assert not np.any(opt.get_state()["velocity/0"] == 123.0)


def test_learning_rate_changed_during_training_is_restored():
    model, opt = make_model(), SGD(learning_rate=0.1)
    opt.apply_gradients(zip(grads_at(0), model))
    opt.learning_rate = 0.1 / 3  # e.g. ReduceLROnPlateau
    restored = SGD(learning_rate=0.1)
    restored.set_state(opt.get_state(), variables=make_model())
    assert restored.learning_rate == 0.1 / 3


def test_set_state_errors():
    model, opt = make_model(), Adam()
    opt.apply_gradients(zip(grads_at(0), model))
    state = opt.get_state()
    with pytest.raises(ValueError, match="not built"):
        Adam().set_state(state)
    bad = dict(state)
    del bad["velocity/1"]
    bad["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing \['velocity/1'\], unexpected \['extra'\]"):
        Adam().set_state(bad, variables=make_model())
    bad = dict(state, **{"momentum/0": np.zeros((2, 3))})
    target = Adam()
    with pytest.raises(ValueError, match=r"'momentum/0' must have shape \(3, 2\); received "
                                         r"shape \(2, 3\)"):
        target.set_state(bad, variables=make_model())
    assert int(target.iterations) == 0  # nothing was written by the failed restore


def test_custom_optimizer_subclass():
    class SignSGD(Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            variable.data -= learning_rate * np.sign(gradient)

    w = ember.Variable([0.0, 0.0])
    SignSGD().apply_gradients([(np.array([5.0, -0.01]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.1, 0.1])
    clone = optimizers.deserialize(optimizers.serialize(SignSGD(0.2)),
                                   custom_objects={"SignSGD": SignSGD})
    assert clone.learning_rate == 0.2


def test_loads_a_keras_3_config():
    # As keras.optimizers.serialize(Adam(ExponentialDecay(...))) writes it.
    keras_config = {
        "module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
        "config": {
            "name": "adam", "learning_rate": {
                "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
                "registered_name": None,
                "config": {"initial_learning_rate": 0.01, "decay_steps": 100,
                           "decay_rate": 0.9, "staircase": False, "name": "ExponentialDecay"}},
            "weight_decay": None, "clipnorm": None, "global_clipnorm": 1.0, "clipvalue": None,
            "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
            "loss_scale_factor": None, "gradient_accumulation_steps": None,
            "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False,
        },
    }
    opt = optimizers.get(keras_config)
    assert type(opt) is Adam and opt.global_clipnorm == 1.0
    assert isinstance(opt._learning_rate, schedules.ExponentialDecay)
    assert opt.learning_rate == 0.01
