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
from visualdl.engine.checks import choice, gradient, number, real_array

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


def _in(op: str, Z: Any) -> Array:
    return real_array(op, "Z", Z)


def _step(Z: Array, low: Any, high: Any) -> Array:
    """``high`` where Z > 0, ``low`` where Z <= 0 and NaN where Z is NaN (never a number)."""
    xp = array_module(Z)
    return xp.where(Z > 0, high, xp.where(Z <= 0, low, Z))


def _ufuncs(xp: Any) -> bool:
    """Whether ``xp`` is NumPy or CuPy, whose ufuncs take a bool mask times a float array and
    a Python scalar (array-api-strict refuses ``bool * float``)."""
    return xp.__name__ in ("numpy", "cupy")


def sigmoid(Z: Array) -> Array:
    """sigma(Z) = 1 / (1 + e^-Z), computed without overflow: e^-|Z| never exceeds 1."""
    Z = _in("sigmoid", Z)
    xp = array_module(Z)
    E = xp.exp(-xp.abs(Z))
    return xp.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_prime(Z: Array) -> Array:
    """sigma'(Z) = sigma(Z) (1 - sigma(Z))."""
    S = sigmoid(real_array("sigmoid_prime", "Z", Z))
    return S * (1.0 - S)


def tanh(Z: Array) -> Array:
    """tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z)."""
    Z = _in("tanh", Z)
    return array_module(Z).tanh(Z)


def tanh_prime(Z: Array) -> Array:
    """tanh'(Z) = 1 - tanh(Z)^2."""
    T = tanh(real_array("tanh_prime", "Z", Z))
    return 1.0 - T * T


def relu(Z: Array) -> Array:
    """ReLU(Z) = max(0, Z); NaN stays NaN. NumPy and CuPy compute it as one ``maximum(Z, 0)``
    (which also gives +0 for Z = -0)."""
    Z = _in("relu", Z)
    xp = array_module(Z)
    if _ufuncs(xp) and getattr(Z, "ndim", 0) > 0:
        return xp.maximum(Z, 0)
    return _step(Z, xp.zeros_like(Z), Z)


def relu_prime(Z: Array) -> Array:
    """ReLU'(Z) = 1 where Z > 0 else 0 (0 at Z = 0, as in the notes); NaN stays NaN."""
    Z = _in("relu_prime", Z)
    xp = array_module(Z)
    return _step(Z, xp.zeros_like(Z), xp.ones_like(Z))


LEAKY_SLOPE = 0.01


def leaky_relu(Z: Array, alpha: float = LEAKY_SLOPE) -> Array:
    """LeakyReLU(Z) = Z where Z > 0 else alpha Z (alpha = 0.01)."""
    Z = _in("leaky_relu", Z)
    alpha = number("leaky_relu", "alpha", alpha, "[0, 1)")
    return _step(Z, alpha * Z, Z)


def leaky_relu_prime(Z: Array, alpha: float = LEAKY_SLOPE) -> Array:
    """LeakyReLU'(Z) = 1 where Z > 0 else alpha."""
    Z = _in("leaky_relu_prime", Z)
    alpha = number("leaky_relu_prime", "alpha", alpha, "[0, 1)")
    ones = array_module(Z).ones_like(Z)
    return _step(Z, alpha * ones, ones)


def identity(Z: Array) -> Array:
    """g(Z) = Z (a linear output layer)."""
    return _in("identity", Z)


def identity_prime(Z: Array) -> Array:
    """g'(Z) = 1."""
    Z = _in("identity_prime", Z)
    return array_module(Z).ones_like(Z)


def softmax(Z: Array) -> Array:
    """softmax(Z)_i = e^(Z_i - max Z) / sum_j e^(Z_j - max Z), per column (example).

    Shapes: Z (k, m) -> A (k, m), or a sequence Z (k, m, T) -> A (k, m, T) (a softmax at every
    step); each column of A sums to 1. Subtracting the column maximum changes nothing
    mathematically and keeps ``exp`` from overflowing.
    """
    Z = _in("softmax", Z)
    if Z.ndim not in (2, 3):
        raise ValueError(f"softmax: Z must be (k, m) or (k, m, T), got shape {tuple(Z.shape)}")
    xp = array_module(Z)
    E = xp.exp(Z - xp.max(Z, axis=0, keepdims=True))
    E /= xp.sum(E, axis=0, keepdims=True)
    return E


def _upstream(op: str, dA: Any, Z: Any) -> tuple[Array, Array]:
    """``(dA, Z)`` as real arrays, dA exactly Z's shape."""
    Z = real_array(op, "Z", Z)
    return gradient(op, "dA", dA, "Z", Z), Z


def softmax_backward(dA: Array, Z: Array, A: Array) -> Array:
    """dZ = A * (dA - sum_k(dA_k A_k)) per column: the softmax Jacobian applied to dA."""
    dA, Z = _upstream("softmax_backward", dA, Z)
    A = gradient("softmax_backward", "A", A, "Z", Z)
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


def _relu_backward(dA: Array, Z: Array, A: Array) -> Array:
    """dZ = dA * ReLU'(Z), dA exactly Z's shape. NumPy and CuPy compute it as ``dA * (Z > 0)``,
    the same numbers, unless Z holds NaN (where ReLU'(Z) is NaN)."""
    dA, Z = _upstream("relu_backward", dA, Z)
    xp = array_module(dA)
    if not _ufuncs(xp) or getattr(Z, "ndim", 0) == 0 or bool(xp.any(xp.isnan(Z))):
        return dA * relu_prime(Z)
    return dA * (Z > 0)


def _elementwise(name: str, g: Callable, g_prime: Callable) -> Activation:
    def backward(dA: Array, Z: Array, A: Array) -> Array:
        """dZ = dA * g'(Z), dA exactly Z's shape."""
        dA, Z = _upstream(f"{name}_backward", dA, Z)
        return dA * g_prime(Z)

    return Activation(name, g, backward, g_prime)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": _elementwise("sigmoid", sigmoid, sigmoid_prime),
    "tanh": _elementwise("tanh", tanh, tanh_prime),
    "relu": Activation("relu", relu, _relu_backward, relu_prime),
    "leaky_relu": _elementwise("leaky_relu", leaky_relu, leaky_relu_prime),
    "identity": _elementwise("identity", identity, identity_prime),
    "softmax": Activation("softmax", softmax, softmax_backward),
}


def get(name: str | Activation) -> Activation:
    """Look up an activation by name (``ValueError`` listing the known ones otherwise)."""
    if isinstance(name, Activation):
        return name
    return ACTIVATIONS[choice("activation", "name", name, ACTIVATIONS)]
