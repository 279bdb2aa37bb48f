"""keras.io "Timeseries forecasting for weather prediction" (examples/timeseries/
timeseries_weather_forecasting.py) run with `import ember as keras`, offline: a synthetic
Jena-like table (7 features every 10 minutes, a daily temperature cycle plus noise) stands in
for the climate CSV, and the windows are scaled down (past 120 steps, future 12, batch 64).
The program is the guide's: pandas frames, `keras.preprocessing.timeseries_dataset_from_array`
for training and validation, an LSTM(32) functional model, Adam, EarlyStopping and
ModelCheckpoint. Under Keras 3 (torch backend) `timeseries_dataset_from_array` needs
TensorFlow; without it the Keras run reads the same windows (built by ember) through a
`keras.utils.PyDataset`."""

import os

import numpy as np
import pytest

import ember

pd = pytest.importorskip("pandas")


def weather(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    day = np.sin(2 * np.pi * t / 144)
    temp = 10 + 8 * day + 3 * np.sin(2 * np.pi * t / (144 * 9)) + rng.normal(0, 0.5, n)
    pressure = 990 + np.cumsum(rng.normal(0, 0.05, n))
    return pd.DataFrame({
        "Date Time": t, "p (mbar)": pressure, "T (degC)": temp,
        "VPmax (mbar)": 6 + 0.8 * temp + rng.normal(0, 0.3, n),
        "VPdef (mbar)": 2 + 0.3 * temp + rng.normal(0, 0.3, n),
        "sh (g/kg)": 5 + 0.2 * temp + rng.normal(0, 0.2, n),
        "rho (g/m**3)": 1300 - 4 * temp + rng.normal(0, 1, n),
        "wv (m/s)": np.abs(rng.normal(2, 1, n)),
    })


def program(keras, df, checkpoint, timeseries_dataset_from_array, epochs=5):
    """The guide's code with smaller windows; `keras` is ember or Keras."""
    split_fraction = 0.715
    train_split = int(split_fraction * int(df.shape[0]))
    step = 6
    past = 120
    future = 12
    learning_rate = 0.001
    batch_size = 64

    def normalize(data, train_split):
        data_mean = data[:train_split].mean(axis=0)
        data_std = data[:train_split].std(axis=0)
        return (data - data_mean) / data_std

    selected_features = list(df.columns[1:])
    features = df[selected_features]
    features.index = df["Date Time"]
    features = normalize(features.values, train_split)
    features = pd.DataFrame(features)
    train_data = features.loc[0: train_split - 1]
    val_data = features.loc[train_split:]

    start = past + future
    end = start + train_split
    x_train = train_data[[i for i in range(7)]].values
    y_train = features.iloc[start:end][[1]]
    sequence_length = int(past / step)
    dataset_train = timeseries_dataset_from_array(
        x_train, y_train, sequence_length=sequence_length, sampling_rate=step,
        batch_size=batch_size)

    x_end = len(val_data) - past - future
    label_start = train_split + past + future
    x_val = val_data.iloc[:x_end][[i for i in range(7)]].values
    y_val = features.iloc[label_start:][[1]]
    dataset_val = timeseries_dataset_from_array(
        x_val, y_val, sequence_length=sequence_length, sampling_rate=step,
        batch_size=batch_size)

    for batch in dataset_train.take(1):
        inputs, targets = batch
    inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(32)(inputs)
    outputs = keras.layers.Dense(1)(lstm_out)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")

    es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
    modelckpt_callback = keras.callbacks.ModelCheckpoint(
        monitor="val_loss", filepath=checkpoint, verbose=0, save_weights_only=True,
        save_best_only=True)
    history = model.fit(dataset_train, epochs=epochs, validation_data=dataset_val,
                        callbacks=[es_callback, modelckpt_callback], verbose=0)
    return model, history


def keras_windows(keras):
    """keras.preprocessing.timeseries_dataset_from_array, or, without TensorFlow, ember's
    windows behind a keras.utils.PyDataset."""
    try:
        import tensorflow  # noqa: F401, PLC0415

        return keras.preprocessing.timeseries_dataset_from_array
    except ImportError:
        pass

    class Windows(keras.utils.PyDataset):
        def __init__(self, batches):
            super().__init__()
            self.batches = batches

        def __len__(self):
            return len(self.batches)

        def __getitem__(self, i):
            return self.batches[i]

        def take(self, n):
            return self.batches[:n]

    return lambda *args, **kwargs: Windows(list(ember.utils.timeseries_dataset_from_array(
        *args, **kwargs)))


@pytest.fixture
def import_keras():
    """Keras 3 on the torch backend, with torch on one thread for the test (on a busy
    2-core machine its default thread pool made the Keras run 15x slower), or a skip."""
    restore = []

    def load():
        os.environ.setdefault("KERAS_BACKEND", "torch")
        keras = pytest.importorskip("keras")
        if keras.backend.backend() == "torch":
            import torch  # noqa: PLC0415

            restore.append((torch, torch.get_num_threads()))
            torch.set_num_threads(1)
        return keras

    yield load
    for torch, threads in restore:
        torch.set_num_threads(threads)


@pytest.mark.slow
def test_weather_forecasting_with_ember_and_keras(tmp_path, import_keras):
    df = weather()
    ember.utils.set_random_seed(0)
    model, history = program(ember, df, str(tmp_path / "model_checkpoint.weights.h5"),
                             ember.preprocessing.timeseries_dataset_from_array)
    val_loss = history.history["val_loss"]
    assert model.count_params() == 4 * (32 * (7 + 32) + 32) + 33  # LSTM(32) on 7 + Dense(1)
    assert val_loss[-1] < 0.3 and val_loss[-1] < val_loss[0], val_loss  # target variance 1
    assert os.path.exists(tmp_path / "model_checkpoint.weights.h5")

    keras = import_keras()
    keras.utils.set_random_seed(0)
    _, k_history = program(keras, df, str(tmp_path / "keras.weights.h5"), keras_windows(keras))
    k_val = k_history.history["val_loss"]
    assert k_val[-1] < 0.3, k_val
    assert val_loss[-1] < 3 * k_val[-1] and k_val[-1] < 3 * val_loss[-1], (val_loss, k_val)
