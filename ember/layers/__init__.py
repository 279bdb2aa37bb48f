"""Keras-named layers."""

from ember.layers.activation_layers import ELU, LeakyReLU, ReLU, Softmax
from ember.layers.base import InputSpec, Layer, clear_session, training_scope
from ember.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Convolution1D,
    Convolution2D,
    Convolution2DTranspose,
)
from ember.layers.convolutional_depthwise import (
    DepthwiseConv2D,
    SeparableConv2D,
    SeparableConvolution2D,
)
from ember.layers.core import Activation, Dense, Identity
from ember.layers.embedding import Embedding, Masking
from ember.layers.image import (
    Cropping2D,
    LocalResponseNormalization,
    SpatialDropout2D,
    UpSampling2D,
    ZeroPadding2D,
)
from ember.layers.input_layer import Input, InputLayer
from ember.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from ember.layers.node import Node, SymbolicTensor
from ember.layers.normalization import BatchNormalization, LayerNormalization
from ember.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from ember.layers.preprocessing import (
    CenterCrop,
    Normalization,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from ember.layers.recurrent import RNN
from ember.layers.recurrent_gradients import rnn_gradient_norms
from ember.layers.recurrent_layers import GRU, LSTM, SimpleRNN
from ember.layers.registry import deserialize, serialize
from ember.layers.regularization import Dropout
from ember.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from ember.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from ember.layers.wrappers import Bidirectional, TimeDistributed
from ember.preprocessing.text_vectorization import TextVectorization
