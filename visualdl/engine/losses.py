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
from visualdl.engine.checks import (
    check_batch,
    check_binary,
    check_distributions,
    check_finite,
    check_ndim,
    check_probabilities,
    check_same_shape,
    choice,
    real_array,
)

__all__ = [
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


def _inputs(
    op: str, A: Any, Y: Any, labels: Callable | None = None
) -> tuple[Array, Array, Any, int]:
    """``(A, Y, xp, m)``: real finite ``(n_out, m)`` arrays of one shape with ``m >= 1``;
    ``labels(op, name, Y)`` checks what the labels must be."""
    A = real_array(op, "A", A)
    Y = real_array(op, "Y", Y, A.dtype)  # labels take the predictions' dtype
    check_ndim(op, "A", A, 2, "(n_out, m)")
    check_same_shape(op, "labels Y", Y, "A", A)
    m = check_batch(op, "A", A, 1)
    check_finite(op, "A", A)
    check_finite(op, "labels Y", Y)
    if labels is not None:
        labels(op, "labels Y", Y)
    return A, Y, array_module(A), m


def _probabilities(op: str, A: Any, Y: Any, labels: Callable) -> tuple[Array, Array, Any, int]:
    """:func:`_inputs` for a loss of probabilities ``A`` in [0, 1], clipped into
    ``[smallest normal, 1 - eps/2]`` of A's dtype so that a saturated output gives a large
    finite cost instead of ``log(0)`` (float32 keeps its own bounds)."""
    A, Y, xp, m = _inputs(op, A, Y, labels)
    check_probabilities(op, "A", A)
    fi = xp.finfo(A.dtype)
    return xp.clip(A, fi.smallest_normal, 1.0 - fi.eps / 2), Y, xp, m


def bce(A: Array, Y: Array) -> Array:
    """Binary cross-entropy J = -(1/m) sum(Y log A + (1-Y) log(1-A)).

    Shapes: A, Y (1, m); A in [0, 1], Y in {0, 1}. A saturated A is clipped (see
    :func:`bce_with_logits` for the exact cost of a logit).
    """
    A, Y, xp, m = _probabilities("bce", A, Y, check_binary)
    return -xp.sum(Y * xp.log(A) + (1.0 - Y) * xp.log(1.0 - A)) / m


def bce_backward(A: Array, Y: Array) -> Array:
    """dA = -Y/A + (1-Y)/(1-A), per example."""
    A, Y, _, _ = _probabilities("bce_backward", A, Y, check_binary)
    return -Y / A + (1.0 - Y) / (1.0 - A)


def bce_with_logits(Z: Array, Y: Array) -> Array:
    """BCE of sigma(Z) straight from the logits Z, exact for any finite Z.

    J = (1/m) sum(max(Z, 0) - Z Y + log(1 + e^-|Z|)), which equals bce(sigmoid(Z), Y).
    """
    Z, Y, xp, m = _inputs("bce_with_logits", Z, Y, check_binary)
    relu_Z = xp.where(Z > 0, Z, xp.zeros_like(Z))
    return xp.sum(relu_Z - Z * Y + xp.log1p(xp.exp(-xp.abs(Z)))) / m


def bce_with_logits_backward(Z: Array, Y: Array) -> Array:
    """dZ = sigma(Z) - Y, per example."""
    from visualdl.engine.activations import sigmoid

    Z, Y, _, _ = _inputs("bce_with_logits_backward", Z, Y, check_binary)
    return sigmoid(Z) - Y


def cross_entropy(A: Array, Y: Array) -> Array:
    """Categorical cross-entropy J = -(1/m) sum_i sum_k Y_ki log A_ki.

    Shapes: A, Y (k, m); columns of A are probabilities, columns of Y one-hot (or any
    distribution: entries in [0, 1] summing to 1).
    """
    A, Y, xp, m = _probabilities("cross_entropy", A, Y, check_distributions)
    return -xp.sum(Y * xp.log(A)) / m


def cross_entropy_backward(A: Array, Y: Array) -> Array:
    """dA = -Y / A, per example."""
    A, Y, _, _ = _probabilities("cross_entropy_backward", A, Y, check_distributions)
    return -Y / A


def cross_entropy_with_logits(Z: Array, Y: Array) -> Array:
    """Cross-entropy of softmax(Z) from the logits, via log-sum-exp, exact for any finite Z:
    J = (1/m) sum_i (logsumexp(Z_i) - sum_k Y_ki Z_ki) for columns of Y that sum to 1."""
    Z, Y, xp, m = _inputs("cross_entropy_with_logits", Z, Y, check_distributions)
    Zmax = xp.max(Z, axis=0, keepdims=True)
    lse = Zmax + xp.log(xp.sum(xp.exp(Z - Zmax), axis=0, keepdims=True))
    terms = xp.where(Y > 0, Y * (lse - Z), xp.zeros_like(Z))  # 0 * inf is 0 here, not NaN
    return xp.sum(terms) / m


def cross_entropy_with_logits_backward(Z: Array, Y: Array) -> Array:
    """dZ = softmax(Z) - Y, per example."""
    from visualdl.engine.activations import softmax

    Z, Y, _, _ = _inputs("cross_entropy_with_logits_backward", Z, Y, check_distributions)
    return softmax(Z) - Y


def mse(A: Array, Y: Array) -> Array:
    """Mean squared error J = (1/m) sum_i ||a_i - y_i||^2 (the usual MSE for one output)."""
    A, Y, xp, m = _inputs("mse", A, Y)
    D = A - Y
    return xp.sum(D * D) / m


def mse_backward(A: Array, Y: Array) -> Array:
    """dA = 2 (A - Y), per example."""
    A, Y, _, _ = _inputs("mse_backward", A, Y)
    return 2.0 * (A - Y)


def l1_loss(A: Array, Y: Array) -> Array:
    """Mean absolute error J = (1/m) sum_i ||a_i - y_i||_1."""
    A, Y, xp, m = _inputs("l1_loss", A, Y)
    return xp.sum(xp.abs(A - Y)) / m


def l1_loss_backward(A: Array, Y: Array) -> Array:
    """dA = sign(A - Y) (0 where A = Y), per example."""
    A, Y, xp, _ = _inputs("l1_loss_backward", A, Y)
    return xp.sign(A - Y)


@dataclass(frozen=True)
class Loss:
    """A loss: ``cost(A, Y) -> J`` and ``backward(A, Y) -> dA``.

    ``fused_with`` names the output activation whose combination with this loss has the
    simple gradient ``dZ = A - Y`` (sigmoid for bce, softmax for cross-entropy), and
    ``from_logits(Z, Y)`` is the same cost computed exactly from that activation's input.
    """

    name: str
    cost: Callable[[Array, Array], Array]
    backward: Callable[[Array, Array], Array]
    fused_with: str | None = None
    from_logits: Callable[[Array, Array], Array] | None = None


LOSSES: dict[str, Loss] = {
    "bce": Loss("bce", bce, bce_backward, "sigmoid", bce_with_logits),
    "cross_entropy": Loss(
        "cross_entropy",
        cross_entropy,
        cross_entropy_backward,
        "softmax",
        cross_entropy_with_logits,
    ),
    "mse": Loss("mse", mse, mse_backward),
    "l1_loss": Loss("l1_loss", l1_loss, l1_loss_backward),
}


def get(name: str | Loss) -> Loss:
    """Look up a loss by name (``ValueError`` listing the known ones otherwise)."""
    if isinstance(name, Loss):
        return name
    return LOSSES[choice("loss", "name", name, LOSSES)]
