"""Losses: the cost J (mean over the m examples) and its per-example gradient dA.

Convention (the notes'): examples are columns, ``A, Y: (n_out, m)``. ``J = (1/m) sum_i L(a_i, y_i)``
and the backward returns ``dA = dL/dA`` per example (no 1/m), so that the output layer's
``dZ = A - Y`` for sigmoid + BCE and softmax + cross-entropy; the 1/m lives in dW and db.

Every loss also takes sequences, ``A, Y: (n_out, m, T)``, a loss at every step summed over the
steps: for a softmax over the vocabulary ``J = -(1/m) sum_i sum_t y_it . log a_it``, the notes'
``L = sum_t L_t`` averaged over the examples. A step whose cross-entropy label column is all
zeros is padding (a sequence shorter than ``T``): it adds nothing to ``J`` and gets no gradient
(:func:`pad_mask`, :func:`output_dZ`); :func:`perplexity` is ``exp`` of the mean cross-entropy
per labelled step.

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
    "output_dZ",
    "pad_mask",
    "perplexity",
]

Array = Any


def _inputs(
    op: str, A: Any, Y: Any, labels: Callable | None = None
) -> tuple[Array, Array, Any, int]:
    """``(A, Y, xp, m)``: real finite ``(n_out, m)`` arrays of one shape with ``m >= 1``, or
    sequences ``(n_out, m, T)`` (a loss at every step, summed over the steps);
    ``labels(op, name, Y)`` checks what the labels must be."""
    A = real_array(op, "A", A)
    Y = real_array(op, "Y", Y, A.dtype)  # labels take the predictions' dtype
    if A.ndim not in (2, 3):
        raise ValueError(f"{op}: A must be (n_out, m) or (n_out, m, T), got shape {tuple(A.shape)}")
    check_same_shape(op, "labels Y", Y, "A", A)
    m = check_batch(op, "A", A, 1)
    check_finite(op, "A", A)
    check_finite(op, "labels Y", Y)
    if labels is not None:
        labels(op, "labels Y", Y)
    return A, Y, array_module(A), m


def _label_columns(op: str, name: str, Y: Any) -> None:
    """Cross-entropy labels: every column a distribution; in a sequence ``(k, m, T)`` a column
    may also be all zeros, a padded step."""
    if Y.ndim == 2:
        check_distributions(op, name, Y)
        return
    check_probabilities(op, name, Y)
    xp = array_module(Y)
    sums = xp.sum(Y, axis=0)
    if not bool(xp.all((xp.abs(sums - 1.0) <= 1e-6) | (sums == 0))):
        raise ValueError(
            f"{op}: each step's column of {name} must sum to 1 (one-hot) or be all zeros (padding)"
        )


def pad_mask(Y: Array) -> Array:
    """``(m, T)``: 1 at the steps of a sequence's labels ``Y: (k, m, T)`` that hold a label,
    0 at padded steps (an all-zero column)."""
    Y = real_array("pad_mask", "Y", Y)
    check_ndim("pad_mask", "Y", Y, 3, "(k, m, T)")
    return array_module(Y).sum(Y, axis=0)


def output_dZ(A: Array, Y: Array) -> Array:
    """``dZ[L] = A - Y``, per example, of sigmoid + BCE or softmax + cross-entropy; for a
    sequence ``(k, m, T)`` it is 0 at padded steps: ``(A - Y) * mask``."""
    A = real_array("output_dZ", "A", A)
    Y = real_array("output_dZ", "Y", Y, A.dtype)
    check_same_shape("output_dZ", "labels Y", Y, "A", A)
    return A - Y if A.ndim != 3 else (A - Y) * pad_mask(Y)[None]


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
    distribution: entries in [0, 1] summing to 1). For sequences A, Y (k, m, T) the sum runs
    over the steps too, padded steps (all-zero label columns) adding nothing.
    """
    A, Y, xp, m = _probabilities("cross_entropy", A, Y, _label_columns)
    return -xp.sum(Y * xp.log(A)) / m


def cross_entropy_backward(A: Array, Y: Array) -> Array:
    """dA = -Y / A, per example."""
    A, Y, _, _ = _probabilities("cross_entropy_backward", A, Y, _label_columns)
    return -Y / A


def cross_entropy_with_logits(Z: Array, Y: Array) -> Array:
    """Cross-entropy of softmax(Z) from the logits, via log-sum-exp, exact for any finite Z:
    J = (1/m) sum_i (logsumexp(Z_i) - sum_k Y_ki Z_ki) for columns of Y that sum to 1."""
    Z, Y, xp, m = _inputs("cross_entropy_with_logits", Z, Y, _label_columns)
    Zmax = xp.max(Z, axis=0, keepdims=True)
    lse = Zmax + xp.log(xp.sum(xp.exp(Z - Zmax), axis=0, keepdims=True))
    terms = xp.where(Y > 0, Y * (lse - Z), xp.zeros_like(Z))  # 0 * inf is 0 here, not NaN
    return xp.sum(terms) / m


def cross_entropy_with_logits_backward(Z: Array, Y: Array) -> Array:
    """dZ = softmax(Z) - Y, per example (0 at a sequence's padded steps)."""
    from visualdl.engine.activations import softmax

    Z, Y, _, _ = _inputs("cross_entropy_with_logits_backward", Z, Y, _label_columns)
    return output_dZ(softmax(Z), Y)


def perplexity(A: Array, Y: Array) -> float:
    """``exp(mean cross-entropy per labelled step)`` of predictions ``A`` and one-hot labels
    ``Y``, ``(k, m)`` or ``(k, m, T)``: ``exp(-sum y . log a / number of labels)``. A uniform
    guess over ``k`` symbols has perplexity ``k``.

    Example
    -------
    >>> import numpy as np
    >>> Y = np.zeros((4, 3, 2)); Y[0] = 1                  # every label is symbol 0
    >>> round(perplexity(np.full((4, 3, 2), 0.25), Y), 6)  # a uniform guess over 4
    4.0
    """
    A, Y, xp, _ = _probabilities("perplexity", A, Y, _label_columns)
    labels = float(xp.sum(Y))
    if labels == 0:
        raise ValueError("perplexity: Y holds no label (every step is padding)")
    return float(xp.exp(-xp.sum(Y * xp.log(A)) / labels))


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
