"""The model zoo of the notes (Keras Applications style), what the architectures cost, and
torchvision-style weights.

>>> from ember import applications
>>> with applications.shape_only():
...     model = applications.ResNet50()
>>> applications.count_params(model)
25557032
"""

from ember.applications import alexnet, costs, googlenet, lenet, resnet, transfer, vgg, weights_io
from ember.applications.alexnet import AlexNet
from ember.applications.costs import (
    activation_memory,
    count_params,
    layer_costs,
    parameter_memory,
    shape_only,
    total_macs,
)
from ember.applications.googlenet import GoogLeNet
from ember.applications.lenet import LeNet5
from ember.applications.resnet import ResNet18, ResNet20, ResNet34, ResNet50, ResNet101, ResNet152
from ember.applications.vgg import (
    VGG11,
    VGG11_BN,
    VGG13,
    VGG13_BN,
    VGG16,
    VGG16_BN,
    VGG19,
    VGG19_BN,
)
from ember.applications.weights_io import export_state_dict, load_state_dict

__all__ = [
    "VGG11", "VGG11_BN", "VGG13", "VGG13_BN", "VGG16", "VGG16_BN", "VGG19", "VGG19_BN",
    "AlexNet", "GoogLeNet", "LeNet5", "ResNet18", "ResNet20", "ResNet34", "ResNet50",
    "ResNet101", "ResNet152", "activation_memory", "alexnet", "costs", "count_params",
    "export_state_dict", "googlenet", "layer_costs", "lenet", "load_state_dict",
    "parameter_memory", "resnet", "shape_only", "total_macs", "transfer", "vgg", "weights_io",
]
