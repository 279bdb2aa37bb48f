"""The worked examples of the notes' CNN sections, as tests: max and average pooling of the
6x6 example, the output-size formula, parameter counts, an edge filter, receptive fields."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.ops.convolution import conv2d

# the notes' "Max Pooling Example"
X66 = np.array([[3, 0, 1, 5, 1, 3],
                [5, 7, 3, 4, 4, 6],
                [7, 7, 1, 8, 3, 5],
                [6, 1, 7, 0, 0, 5],
                [0, 4, 5, 5, 7, 2],
                [3, 2, 0, 2, 0, 2]], dtype=np.float32)


def _image(a):
    return a[None, :, :, None]


def test_max_pooling_2x2_stride_2_gives_the_notes_output():
    out = layers.MaxPooling2D(pool_size=(2, 2), strides=2)(_image(X66)).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[7, 5, 6], [7, 8, 5], [4, 5, 7]])


def test_average_pooling_gives_the_window_means():
    out = layers.AveragePooling2D(pool_size=(2, 2), strides=2)(_image(X66)).numpy()[0, :, :, 0]
    means = X66.reshape(3, 2, 3, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(out, means)
    np.testing.assert_allclose(out[0], [3.75, 3.25, 3.5])  # (3+0+5+7)/4, (1+5+3+4)/4, ...


@pytest.mark.parametrize("n", [5, 7, 8, 28, 32])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("p", [0, 1, 2])
@pytest.mark.parametrize("s", [1, 2, 3])
def test_output_size_is_n_plus_2p_minus_k_over_s_plus_1(n, k, p, s):
    x = ember.ones((1, n, n, 1))
    out = conv2d(x, ember.ones((k, k, 1, 1)), strides=s, padding=p)
    # the notes' formula, with the floor for strides that do not divide n + 2P - k
    expected = (n + 2 * p - k) // s + 1
    assert out.shape == (1, expected, expected, 1)
    if (n + 2 * p - k) % s == 0:
        assert out.shape[1] == (n + 2 * p - k) / s + 1


def test_128x128x3_image_3x3x3_filter_stride_1_padding_1_gives_128x128():
    layer = layers.Conv2D(1, 3, strides=1, padding="same")
    out = layer(np.zeros((1, 128, 128, 3), np.float32))
    assert out.shape == (1, 128, 128, 1)
    assert conv2d(ember.ones((1, 128, 128, 3)), ember.ones((3, 3, 3, 1)), padding=1).shape == \
        (1, 128, 128, 1)


def test_a_3x3x3_filter_with_a_tied_bias_has_28_parameters():
    layer = layers.Conv2D(1, (3, 3))
    layer(np.zeros((1, 5, 5, 3), np.float32))
    assert layer.count_params() == 28
    assert layer.kernel.shape == (3, 3, 3, 1) and layer.bias.shape == (1,)


def test_vggs_first_layer_has_64_x_27_weights_plus_64_biases():
    layer = layers.Conv2D(64, 3, padding="same", activation="relu")
    out = layer(np.zeros((1, 224, 224, 3), np.float32))
    assert out.shape == (1, 224, 224, 64)      # 64 feature maps of 224 x 224
    assert layer.kernel.size == 64 * 27 and layer.count_params() == 64 * 27 + 64


def test_the_notes_dot_product_example_sums_the_elementwise_products():
    # "3+4+0+6+0+0+0+45+2 = 60": a 3x3 patch times a 3x3 filter, summed
    patch = np.array([[3, 4, 0], [6, 0, 0], [0, 5, 2]], np.float32)
    kern = np.array([[1, 1, 0], [1, 0, 0], [0, 9, 1]], np.float32)
    assert float((patch * kern).sum()) == 60
    out = conv2d(ember.tensor(patch[None, :, :, None]), ember.tensor(kern[:, :, None, None]))
    assert out.numpy().item() == 60


def test_a_vertical_edge_filter_responds_along_the_edge_and_not_on_flat_regions():
    image = np.zeros((6, 6), np.float32)
    image[:, :3] = 10.0                         # bright left half, dark right half
    vertical = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], np.float32)
    out = conv2d(ember.tensor(_image(image)), ember.tensor(vertical[:, :, None, None]))
    out = out.numpy()[0, :, :, 0]               # (4, 4)
    np.testing.assert_array_equal(out, [[0, 30, 30, 0]] * 4)
    horizontal = vertical.T.copy()
    flat = conv2d(ember.tensor(_image(image)), ember.tensor(horizontal[:, :, None, None]))
    assert np.all(flat.numpy() == 0)            # no horizontal edge anywhere


def test_two_stacked_3x3_convolutions_see_a_5x5_receptive_field():
    first, second = layers.Conv2D(1, 3, use_bias=False), layers.Conv2D(1, 3, use_bias=False)
    x = ember.Variable(np.zeros((1, 9, 9, 1), np.float32))
    out = second(first(x))
    first.kernel.assign(np.ones((3, 3, 1, 1), np.float32))
    second.kernel.assign(np.ones((3, 3, 1, 1), np.float32))
    with ember.GradientTape() as tape:
        tape.watch(x)
        centre = second(first(x))[0, 2, 2, 0]
    (g,) = tape.gradient(centre, [x])
    seen = np.argwhere(g.numpy()[0, :, :, 0] != 0)
    assert out.shape == (1, 5, 5, 1)
    assert seen.min(axis=0).tolist() == [2, 2] and seen.max(axis=0).tolist() == [6, 6]


def test_the_keras_mnist_convnet_has_34826_parameters():
    model = ember.Sequential([
        layers.Input((28, 28, 1)), layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)), layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(), layers.Dropout(0.5),
        layers.Dense(10, activation="softmax")])
    assert model.count_params() == 34_826
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18_496, 0, 0, 0, 16_010]
