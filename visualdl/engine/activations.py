"""Activation functions g(Z) with their backward passes, in the notes' notation.

Each activation has a forward ``g(Z) -> A`` and a backward ``(dA, Z, A) -> dZ``. For the
elementwise ones ``dZ = dA * g'(Z)`` and ``g'`` is exposed as ``derivative``; softmax mixes the
entries of each column (example), so its backward is the Jacobian-vector product
``dZ = A * (dA - sum(dA * A, axis=0))``.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.activations import get
>>> relu = get("relu")
>>> relu.forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from visualdl.backend import array_module

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get",
    "identity",
    "leaky_relu",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

Array = Any


def sigmoid(Z: Array) -> Array:
    """sigma(Z) = 1 / (1 + e^-Z), computed without overflow: e^-|Z| never exceeds 1."""
    xp = array_module(Z)
    E = xp.exp(-xp.abs(Z))
    return xp.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_prime(Z: Array) -> Array:
    """sigma'(Z) = sigma(Z) (1 - sigma(Z))."""
    S = sigmoid(Z)
    return S * (1.0 - S)


def tanh(Z: Array) -> Array:
    """tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z)."""
    return array_module(Z).tanh(Z)


def tanh_prime(Z: Array) -> Array:
    """tanh'(Z) = 1 - tanh(Z)^2."""
    T = tanh(Z)
    return 1.0 - T * T


def relu(Z: Array) -> Array:
    """ReLU(Z) = max(0, Z)."""
    xp = array_module(Z)
    return xp.where(Z > 0, Z, xp.zeros_like(Z))


def relu_prime(Z: Array) -> Array:
    """ReLU'(Z) = 1 where Z > 0 else 0 (0 at Z = 0, as in the notes)."""
    xp = array_module(Z)
    return xp.where(Z > 0, xp.ones_like(Z), xp.zeros_like(Z))


LEAKY_SLOPE = 0.01


def leaky_relu(Z: Array, alpha: float = LEAKY_SLOPE) -> Array:
    """LeakyReLU(Z) = Z where Z > 0 else alpha Z (alpha = 0.01)."""
    xp = array_module(Z)
    return xp.where(Z > 0, Z, alpha * Z)


def leaky_relu_prime(Z: Array, alpha: float = LEAKY_SLOPE) -> Array:
    """LeakyReLU'(Z) = 1 where Z > 0 else alpha."""
    xp = array_module(Z)
    return xp.where(Z > 0, xp.ones_like(Z), alpha * xp.ones_like(Z))


def identity(Z: Array) -> Array:
    """g(Z) = Z (a linear output layer)."""
    return Z


def identity_prime(Z: Array) -> Array:
    """g'(Z) = 1."""
    return array_module(Z).ones_like(Z)


def softmax(Z: Array) -> Array:
    """softmax(Z)_i = e^(Z_i - max Z) / sum_j e^(Z_j - max Z), per column (example).

    Shapes: Z (k, m) -> A (k, m); each column of A sums to 1. Subtracting the column maximum
    changes nothing mathematically and keeps ``exp`` from overflowing.
    """
    xp = array_module(Z)
    E = xp.exp(Z - xp.max(Z, axis=0, keepdims=True))
    return E / xp.sum(E, axis=0, keepdims=True)


def softmax_backward(dA: Array, Z: Array, A: Array) -> Array:
    """dZ = A * (dA - sum_k(dA_k A_k)) per column: the softmax Jacobian applied to dA."""
    xp = array_module(dA)
    return A * (dA - xp.sum(dA * A, axis=0, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation: ``forward(Z) -> A``, ``backward(dA, Z, A) -> dZ`` and, when elementwise,
    ``derivative(Z) = g'(Z)``."""

    name: str
    forward: Callable[[Array], Array]
    backward: Callable[[Array, Array, Array], Array]
    derivative: Callable[[Array], Array] | None = None


def _elementwise(name: str, g: Callable, g_prime: Callable) -> Activation:
    return Activation(name, g, lambda dA, Z, A: dA * g_prime(Z), g_prime)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": _elementwise("sigmoid", sigmoid, sigmoid_prime),
    "tanh": _elementwise("tanh", tanh, tanh_prime),
    "relu": _elementwise("relu", relu, relu_prime),
    "leaky_relu": _elementwise("leaky_relu", leaky_relu, leaky_relu_prime),
    "identity": _elementwise("identity", identity, identity_prime),
    "softmax": Activation("softmax", softmax, softmax_backward),
}


def get(name: str | Activation) -> Activation:
    """Look up an activation by name (``ValueError`` listing the known ones otherwise)."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]
