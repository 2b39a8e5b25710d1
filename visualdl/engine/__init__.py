"""The numeric engine: explicit forward and backward passes in the notes' notation."""

from visualdl.engine import activations, data, gradcheck, initializers, losses, regularization
from visualdl.engine.layers import Dense, Dropout, Layer
from visualdl.engine.model import Sequential, mlp
from visualdl.engine.preprocessing import Standardizer

__all__ = [
    "Dense",
    "Dropout",
    "Layer",
    "Sequential",
    "Standardizer",
    "activations",
    "data",
    "gradcheck",
    "initializers",
    "losses",
    "mlp",
    "regularization",
]
