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


def _check(op: str, lambd: float, m: int) -> None:
    if lambd < 0:
        raise ValueError(f"{op}: lambd must be >= 0, got {lambd}")
    if m < 1:
        raise ValueError(f"{op}: m (number of examples) must be >= 1, got {m}")


def l2_penalty(params: Mapping[str, Array], lambd: float, m: int) -> Array:
    """J_L2 = lambda/(2m) sum_l ||W[l]||_F^2."""
    _check("l2_penalty", lambd, m)
    total = 0.0
    for k in weight_keys(params):
        W = params[k]
        total = total + array_module(W).sum(W * W)
    return lambd / (2 * m) * total


def l2_penalty_grads(params: Mapping[str, Array], lambd: float, m: int) -> dict[str, Array]:
    """dJ_L2/dW[l] = lambda/m W[l], keyed ``dW1, dW2, ...``."""
    _check("l2_penalty", lambd, m)
    return {"d" + k: (lambd / m) * params[k] for k in weight_keys(params)}


def l1_penalty(params: Mapping[str, Array], lambd: float, m: int) -> Array:
    """J_L1 = lambda/(2m) sum_l ||W[l]||_1 (the notes' lambda/2m convention)."""
    _check("l1_penalty", lambd, m)
    total = 0.0
    for k in weight_keys(params):
        W = params[k]
        total = total + array_module(W).sum(array_module(W).abs(W))
    return lambd / (2 * m) * total


def l1_penalty_grads(params: Mapping[str, Array], lambd: float, m: int) -> dict[str, Array]:
    """dJ_L1/dW[l] = lambda/(2m) sign(W[l]) (0 at W = 0), keyed ``dW1, dW2, ...``."""
    _check("l1_penalty", lambd, m)
    return {
        "d" + k: (lambd / (2 * m)) * array_module(params[k]).sign(params[k])
        for k in weight_keys(params)
    }


def check_keep_prob(keep_prob: float) -> float:
    """Return ``keep_prob`` or raise unless 0 < keep_prob <= 1."""
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"dropout: keep_prob must be in (0, 1], got {keep_prob}")
    return float(keep_prob)


def dropout_forward(
    A: Array, keep_prob: float, rng: np.random.Generator | np.random.RandomState
) -> tuple[Array, Array]:
    """Inverted dropout: ``D = (U < keep_prob)``, ``A_out = A * D / keep_prob``.

    Shapes: A (n, m) -> A_out (n, m), mask D (n, m) of 0.0/1.0 (kept for backward). The
    uniform numbers U are drawn on the host from ``rng`` so every backend sees the same mask.
    """
    keep_prob = check_keep_prob(keep_prob)
    U = rng.random(tuple(A.shape))
    D = from_host((U < keep_prob).astype(np.float64), like=A)
    if hasattr(A, "dtype") and D.dtype != A.dtype:
        D = array_module(A).astype(D, A.dtype)
    return A * D / keep_prob, D


def dropout_backward(dA: Array, D: Array, keep_prob: float) -> Array:
    """dA_in = dA * D / keep_prob: only the kept units pass gradient, scaled the same way."""
    return dA * D / check_keep_prob(keep_prob)
