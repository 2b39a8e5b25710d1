"""Regularization: the L2 and L1 weight penalties and inverted dropout.

Penalties follow the notes' convention (lambda / 2m) and act on the weights ``W1, W2, ...``
only, not the biases:

- L2: ``J_L2 = lambda/(2m) sum_l ||W[l]||_F^2``, gradient ``dW[l] += lambda/m W[l]`` (weight decay);
- L1: ``J_L1 = lambda/(2m) sum_l ||W[l]||_1``, gradient ``dW[l] += lambda/(2m) sign(W[l])``.

Inverted dropout keeps each unit with probability ``keep_prob`` and divides the survivors
by it, so ``E[A * D / keep_prob] = A``; at test time nothing is dropped.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.regularization import dropout_forward
>>> A, D = dropout_forward(np.ones((3, 4)), 0.8, np.random.default_rng(0))
>>> sorted(set(A.ravel().tolist()))  # kept entries become 1/0.8 = 1.25
[0.0, 1.25]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from visualdl.backend import array_module, from_host
from visualdl.engine.checks import check_binary, gradient, integer, number, real_array
from visualdl.engine.initializers import check_rng

__all__ = [
    "check_keep_prob",
    "dropout_backward",
    "dropout_forward",
    "l1_penalty",
    "l1_penalty_grads",
    "l2_penalty",
    "l2_penalty_grads",
    "weight_keys",
]

Array = Any


def weight_keys(params: Mapping[str, Array]) -> list[str]:
    """The weight matrices ``W1, W2, ...`` among the parameters (biases are not penalized)."""
    return [k for k in params if k.startswith("W")]


def _check(
    op: str, params: Mapping[str, Array], lambd: float, m: int
) -> tuple[dict[str, Array], float, int]:
    """The weights (as real arrays), lambda and m, checked."""
    weights = {k: real_array(op, k, params[k]) for k in weight_keys(params)}
    return weights, number(op, "lambd", lambd, "[0, inf)"), integer(op, "m (examples)", m)


def l2_penalty(params: Mapping[str, Array], lambd: float, m: int) -> Array:
    """J_L2 = lambda/(2m) sum_l ||W[l]||_F^2."""
    weights, lambd, m = _check("l2_penalty", params, lambd, m)
    total = 0.0
    for W in weights.values():
        total = total + array_module(W).sum(W * W)
    return lambd / (2 * m) * total


def l2_penalty_grads(params: Mapping[str, Array], lambd: float, m: int) -> dict[str, Array]:
    """dJ_L2/dW[l] = lambda/m W[l], keyed ``dW1, dW2, ...``."""
    weights, lambd, m = _check("l2_penalty_grads", params, lambd, m)
    return {"d" + k: (lambd / m) * W for k, W in weights.items()}


def l1_penalty(params: Mapping[str, Array], lambd: float, m: int) -> Array:
    """J_L1 = lambda/(2m) sum_l ||W[l]||_1 (the notes' lambda/2m convention)."""
    weights, lambd, m = _check("l1_penalty", params, lambd, m)
    total = 0.0
    for W in weights.values():
        total = total + array_module(W).sum(array_module(W).abs(W))
    return lambd / (2 * m) * total


def l1_penalty_grads(params: Mapping[str, Array], lambd: float, m: int) -> dict[str, Array]:
    """dJ_L1/dW[l] = lambda/(2m) sign(W[l]) (0 at W = 0), keyed ``dW1, dW2, ...``."""
    weights, lambd, m = _check("l1_penalty_grads", params, lambd, m)
    return {"d" + k: (lambd / (2 * m)) * array_module(W).sign(W) for k, W in weights.items()}


def check_keep_prob(keep_prob: float, op: str = "dropout") -> float:
    """Return ``keep_prob`` as a float or raise unless 0 < keep_prob <= 1."""
    return number(op, "keep_prob", keep_prob, "(0, 1]")


def dropout_forward(
    A: Array, keep_prob: float, rng: np.random.Generator | np.random.RandomState
) -> tuple[Array, Array]:
    """Inverted dropout: ``D = (U < keep_prob)``, ``A_out = A * D / keep_prob``.

    Shapes: A (n, m) -> A_out (n, m), mask D (n, m) of 0.0/1.0 (kept for backward). The
    uniform numbers U are drawn on the host from ``rng`` so every backend sees the same mask.
    """
    keep_prob = check_keep_prob(keep_prob, "dropout_forward")
    A = real_array("dropout_forward", "A", A)
    U = check_rng("dropout_forward", rng).random(tuple(A.shape))
    D = from_host((U < keep_prob).astype(np.float64), like=A)
    if hasattr(A, "dtype") and D.dtype != A.dtype:
        D = array_module(A).astype(D, A.dtype)
    return A * D / keep_prob, D


def dropout_backward(dA: Array, D: Array, keep_prob: float) -> Array:
    """dA_in = dA * D / keep_prob: only the kept units pass gradient, scaled the same way."""
    keep_prob = check_keep_prob(keep_prob, "dropout_backward")
    D = real_array("dropout_backward", "D", D)
    check_binary("dropout_backward", "the mask D", D)
    dA = gradient("dropout_backward", "dA", dA, "the mask D", D)
    return dA * D / keep_prob
