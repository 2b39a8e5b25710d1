"""The numeric engine: explicit forward and backward passes in the notes' notation."""

from visualdl.engine import (
    activations,
    architectures,
    averaging,
    batchnorm,
    conv,
    conv_loops,
    data,
    dense,
    descent,
    gradcheck,
    initializers,
    losses,
    optimizers,
    regularization,
    schedules,
    surfaces,
)
from visualdl.engine.cnn_layers import (
    Activation,
    AvgPool2D,
    Conv2D,
    Flatten,
    GlobalAvgPool,
    MaxPool2D,
    Residual,
)
from visualdl.engine.descent import minimize
from visualdl.engine.layers import BatchNorm, Dense, Dropout, Layer
from visualdl.engine.model import Sequential, mlp
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.preprocessing import Standardizer

__all__ = [
    "Activation",
    "AvgPool2D",
    "BatchNorm",
    "Conv2D",
    "Flatten",
    "GlobalAvgPool",
    "MaxPool2D",
    "Residual",
    "Dense",
    "Dropout",
    "Layer",
    "Optimizer",
    "Sequential",
    "Standardizer",
    "activations",
    "architectures",
    "averaging",
    "batchnorm",
    "conv",
    "conv_loops",
    "data",
    "dense",
    "descent",
    "gradcheck",
    "initializers",
    "losses",
    "minimize",
    "mlp",
    "optimizers",
    "regularization",
    "schedules",
    "surfaces",
]
