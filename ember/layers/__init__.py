"""Keras-named layers."""

from ember.layers.base import InputSpec, Layer, clear_session, training_scope
from ember.layers.input_layer import Input, InputLayer
from ember.layers.node import Node, SymbolicTensor
