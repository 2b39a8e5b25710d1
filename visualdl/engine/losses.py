"""Losses: the cost J (mean over the m examples) and its per-example gradient dA.

Convention (the notes'): examples are columns, ``A, Y: (n_out, m)``. ``J = (1/m) sum_i L(a_i, y_i)``
and the backward returns ``dA = dL/dA`` per example (no 1/m), so that the output layer's
``dZ = A - Y`` for sigmoid + BCE and softmax + cross-entropy; the 1/m lives in dW and db.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.losses import bce
>>> float(bce(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]])))  # ln 2
0.6931471805599453
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from visualdl.backend import array_module
from visualdl.engine._checks import check_binary, check_finite, check_same_shape

__all__ = [
    "EPS",
    "LOSSES",
    "Loss",
    "bce",
    "bce_backward",
    "bce_with_logits",
    "bce_with_logits_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "cross_entropy_with_logits",
    "cross_entropy_with_logits_backward",
    "get",
    "l1_loss",
    "l1_loss_backward",
    "mse",
    "mse_backward",
]

Array = Any
EPS = 1e-12  # probabilities are clipped to [EPS, 1 - EPS] before a log


def _inputs(op: str, A: Array, Y: Array) -> tuple[Any, int]:
    check_same_shape(op, "predictions", A, "labels", Y)
    check_finite(op, "predictions", A)
    check_finite(op, "labels", Y)
    if A.ndim != 2:
        raise ValueError(f"{op}: expected (n_out, m) arrays, got shape {tuple(A.shape)}")
    return array_module(A), A.shape[1]


def _clip(xp: Any, A: Array) -> Array:
    return xp.clip(A, EPS, 1.0 - EPS)


def bce(A: Array, Y: Array) -> Array:
    """Binary cross-entropy J = -(1/m) sum(Y log A + (1-Y) log(1-A)).

    Shapes: A, Y (1, m); A in (0, 1), Y in {0, 1}. A is clipped to [1e-12, 1-1e-12] so a
    saturated sigmoid gives a large finite cost instead of log(0).
    """
    xp, m = _inputs("bce", A, Y)
    check_binary("bce", "labels Y", Y)
    A = _clip(xp, A)
    return -xp.sum(Y * xp.log(A) + (1.0 - Y) * xp.log(1.0 - A)) / m


def bce_backward(A: Array, Y: Array) -> Array:
    """dA = -Y/A + (1-Y)/(1-A), per example."""
    xp = array_module(A)
    A = _clip(xp, A)
    return -Y / A + (1.0 - Y) / (1.0 - A)


def bce_with_logits(Z: Array, Y: Array) -> Array:
    """BCE of sigma(Z) straight from the logits Z, stable for any Z.

    J = (1/m) sum(max(Z, 0) - Z Y + log(1 + e^-|Z|)), which equals bce(sigmoid(Z), Y).
    """
    xp, m = _inputs("bce_with_logits", Z, Y)
    check_binary("bce_with_logits", "labels Y", Y)
    relu_Z = xp.where(Z > 0, Z, xp.zeros_like(Z))
    return xp.sum(relu_Z - Z * Y + xp.log(1.0 + xp.exp(-xp.abs(Z)))) / m


def bce_with_logits_backward(Z: Array, Y: Array) -> Array:
    """dZ = sigma(Z) - Y, per example."""
    from visualdl.engine.activations import sigmoid

    return sigmoid(Z) - Y


def cross_entropy(A: Array, Y: Array) -> Array:
    """Categorical cross-entropy J = -(1/m) sum_i sum_k Y_ki log A_ki.

    Shapes: A, Y (k, m); columns of A are probabilities, columns of Y one-hot.
    """
    xp, m = _inputs("cross_entropy", A, Y)
    return -xp.sum(Y * xp.log(_clip(xp, A))) / m


def cross_entropy_backward(A: Array, Y: Array) -> Array:
    """dA = -Y / A, per example."""
    return -Y / _clip(array_module(A), A)


def cross_entropy_with_logits(Z: Array, Y: Array) -> Array:
    """Cross-entropy of softmax(Z) from the logits, via log-sum-exp:
    J = (1/m) sum_i (logsumexp(Z_i) - sum_k Y_ki Z_ki) for one-hot columns of Y."""
    xp, m = _inputs("cross_entropy_with_logits", Z, Y)
    Zmax = xp.max(Z, axis=0, keepdims=True)
    lse = Zmax + xp.log(xp.sum(xp.exp(Z - Zmax), axis=0, keepdims=True))
    return xp.sum(Y * (lse - Z)) / m


def cross_entropy_with_logits_backward(Z: Array, Y: Array) -> Array:
    """dZ = softmax(Z) - Y, per example."""
    from visualdl.engine.activations import softmax

    return softmax(Z) - Y


def mse(A: Array, Y: Array) -> Array:
    """Mean squared error J = (1/m) sum_i ||a_i - y_i||^2 (the usual MSE for one output)."""
    xp, m = _inputs("mse", A, Y)
    D = A - Y
    return xp.sum(D * D) / m


def mse_backward(A: Array, Y: Array) -> Array:
    """dA = 2 (A - Y), per example."""
    return 2.0 * (A - Y)


def l1_loss(A: Array, Y: Array) -> Array:
    """Mean absolute error J = (1/m) sum_i ||a_i - y_i||_1."""
    xp, m = _inputs("l1_loss", A, Y)
    return xp.sum(xp.abs(A - Y)) / m


def l1_loss_backward(A: Array, Y: Array) -> Array:
    """dA = sign(A - Y) (0 where A = Y), per example."""
    return array_module(A).sign(A - Y)


@dataclass(frozen=True)
class Loss:
    """A loss: ``cost(A, Y) -> J`` and ``backward(A, Y) -> dA``.

    ``fused_with`` names the output activation whose combination with this loss has the
    simple gradient ``dZ = A - Y`` (sigmoid for bce, softmax for cross-entropy).
    """

    name: str
    cost: Callable[[Array, Array], Array]
    backward: Callable[[Array, Array], Array]
    fused_with: str | None = None


LOSSES: dict[str, Loss] = {
    "bce": Loss("bce", bce, bce_backward, fused_with="sigmoid"),
    "cross_entropy": Loss("cross_entropy", cross_entropy, cross_entropy_backward, "softmax"),
    "mse": Loss("mse", mse, mse_backward),
    "l1_loss": Loss("l1_loss", l1_loss, l1_loss_backward),
}


def get(name: str | Loss) -> Loss:
    """Look up a loss by name (``ValueError`` listing the known ones otherwise)."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {name!r}")
    return LOSSES[name]
