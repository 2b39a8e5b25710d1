"""The numeric engine: explicit forward and backward passes in the notes' notation."""

from visualdl.engine import (
    activations,
    averaging,
    data,
    descent,
    gradcheck,
    initializers,
    losses,
    optimizers,
    regularization,
    schedules,
    surfaces,
)
from visualdl.engine.descent import minimize
from visualdl.engine.layers import Dense, Dropout, Layer
from visualdl.engine.model import Sequential, mlp
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.preprocessing import Standardizer

__all__ = [
    "Dense",
    "Dropout",
    "Layer",
    "Optimizer",
    "Sequential",
    "Standardizer",
    "activations",
    "averaging",
    "data",
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
