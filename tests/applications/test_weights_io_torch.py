"""Import/export of torch state dicts: reference networks built by hand in PyTorch (torchvision's
module names), random weights and batch-norm statistics, logits compared within 1e-4."""


import numpy as np
import pytest

import ember
from ember.applications import lenet, resnet, weights_io

torch = pytest.importorskip("torch")
nn = torch.nn


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + identity)


class TorchResNet(nn.Module):
    """Either the CIFAR ResNet-20 stem (3x3 conv) or torchvision's (7x7/2 conv, 3x3/2 pool)."""

    def __init__(self, widths, blocks, classes, imagenet_stem):
        super().__init__()
        w0 = 64 if imagenet_stem else widths[0]
        if imagenet_stem:
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, w0, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w0)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1) if imagenet_stem else nn.Identity()
        cin = w0
        for i, (w, n) in enumerate(zip(widths, blocks), start=1):
            stage = []
            for b in range(n):
                stride = 2 if b == 0 and i > 1 else 1
                stage.append(BasicBlock(cin, w, stride))
                cin = w
            setattr(self, f"layer{i}", nn.Sequential(*stage))
        self.n_stages = len(widths)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(1, self.n_stages + 1):
            x = getattr(self, f"layer{i}")(x)
        return self.fc(x.mean(dim=(2, 3)))


class TorchLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        self.fc1, self.fc2 = nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.tanh(self.conv1(x)), 2)
        x = nn.functional.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.tanh(self.conv3(x)).flatten(1)
        return self.fc2(torch.tanh(self.fc1(x)))


def randomise(module, seed=0):
    """Random weights and non-trivial batch-norm running statistics; eval mode."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
    return module.eval()


def save_npz(module, path):
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    np.savez(path, **state)
    return path


def torch_logits(module, x_nhwc):
    with torch.no_grad():
        return module(torch.from_numpy(x_nhwc.transpose(0, 3, 1, 2).copy())).numpy()


def test_resnet20_imports_torch_weights_and_exports_them_back(tmp_path):
    ref = randomise(TorchResNet((16, 32, 64), (3, 3, 3), 10, imagenet_stem=False))
    path = save_npz(ref, tmp_path / "resnet20.npz")
    model = resnet.ResNet20(weights=str(path), classifier_activation=None)
    x = np.random.default_rng(0).standard_normal((4, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), torch_logits(ref, x), atol=1e-4)
    exported = weights_io.export_state_dict(model)
    for key, value in ref.state_dict().items():
        np.testing.assert_allclose(exported[key], value.numpy(), atol=0, err_msg=key)


def test_imagenet_stem_resnet_matches_torch_padding(tmp_path):
    # torchvision's stem and strided 3x3 convs pad symmetrically; a ResNet-10-like stack at
    # 64x64 with odd intermediate sizes exercises the ZeroPadding2D + 'valid' conv layout
    ref = randomise(TorchResNet((64, 128), (1, 1), 7, imagenet_stem=True))
    state = {k: v.numpy() for k, v in ref.state_dict().items()}
    inputs = ember.Input(shape=(66, 66, 3))
    rec = resnet.Recorder()
    x = rec.conv_bn_relu(inputs, 64, 7, "conv1", "conv1", "bn1", strides=2, pad=3)
    x = ember.layers.ZeroPadding2D(1)(x)
    x = ember.layers.MaxPooling2D(3, strides=2)(x)
    x = resnet.basic_block(rec, x, 64, 1, "conv2_block1", "layer1.0")
    x = resnet.basic_block(rec, x, 128, 2, "conv3_block1", "layer2.0")
    x = ember.layers.GlobalAveragePooling2D()(x)
    x = rec.dense(x, 7, "predictions", "fc")
    model = ember.Model(inputs, x)
    weights_io.load_state_dict(model, state, layout=rec.layout)
    xs = np.random.default_rng(1).standard_normal((2, 66, 66, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(xs, verbose=0), torch_logits(ref, xs), atol=1e-4)


def test_lenet_round_trip_through_npz(tmp_path):
    ref = randomise(TorchLeNet())
    path = save_npz(ref, tmp_path / "lenet.npz")
    model = lenet.LeNet5(weights=path, classifier_activation=None)
    x = np.random.default_rng(2).standard_normal((3, 32, 32, 1)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), torch_logits(ref, x), atol=1e-4)
    out = weights_io.export_state_dict(model, tmp_path / "back.npz")
    again = lenet.LeNet5(weights=tmp_path / "back.npz", classifier_activation=None)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert sorted(out) == sorted(ref.state_dict())


def test_vgg_style_flatten_reorders_dense_inputs_by_module_order():
    # no layout: layers are matched to modules in order; the Dense after Flatten of a 2x2x8
    # map must have its rows permuted from torch's (C, H, W) to ember's (H, W, C)
    ref = randomise(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32, 5)))
    model = ember.Sequential([
        ember.Input(shape=(4, 4, 3)),
        ember.layers.ZeroPadding2D(1), ember.layers.Conv2D(8, 3),
        ember.layers.BatchNormalization(epsilon=1e-5), ember.layers.Activation("relu"),
        ember.layers.MaxPooling2D(2), ember.layers.Flatten(), ember.layers.Dense(5)])
    weights_io.load_state_dict(model, {k: v.numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), torch_logits(ref, x), atol=1e-4)


class BasicConv2d(nn.Module):
    """torchvision.models.googlenet.BasicConv2d: conv (no bias) -> BN(eps 1e-3) -> ReLU."""

    def __init__(self, cin, cout, kernel, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """torchvision.models.googlenet.Inception (its "5x5" branch is a 3x3)."""

    def __init__(self, cin, c1, c3r, c3, c5r, c5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(cin, c1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, c3r, 1), BasicConv2d(c3r, c3, 3, 1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, c5r, 1), BasicConv2d(c5r, c5, 3, 1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                     BasicConv2d(cin, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class TorchMiniGoogLeNet(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = BasicConv2d(3, 16, 3, padding=1)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception3a = Inception(16, *channels)

    def forward(self, x):
        return self.inception3a(self.maxpool1(self.conv1(x)))


def test_inception_module_and_ceil_mode_pooling_match_torch():
    from ember.applications import googlenet

    channels = (8, 4, 8, 4, 6, 5)
    ref = randomise(TorchMiniGoogLeNet(channels))
    inputs = ember.Input(shape=(10, 10, 3))  # 10 -> ceil((10 - 3) / 2) + 1 = 5 (floor: 4)
    rec = googlenet.Recorder(bn=googlenet.GOOGLENET_BN)
    x = rec.conv_bn_relu(inputs, 16, 3, "conv1", "conv1.conv", "conv1.bn", pad=1)
    x = googlenet.max_pool_ceil(x, 3, 2, "pool1")
    model = ember.Model(inputs, googlenet.inception_module(rec, x, "3a", channels))
    assert model.output_shape == (None, 5, 5, 8 + 8 + 6 + 5)
    weights_io.load_state_dict(model, {k: v.numpy() for k, v in ref.state_dict().items()},
                               layout=rec.layout)
    xs = np.random.default_rng(4).standard_normal((2, 10, 10, 3)).astype(np.float32)
    expected = torch_logits(ref, xs).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(model.predict(xs, verbose=0), expected, atol=1e-4)
