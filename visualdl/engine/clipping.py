"""Gradient clipping, the guard against an exploding recurrent gradient.

- by value: every entry into ``[-limit, limit]`` (the course's ``np.clip(dW, -maxValue,
  maxValue, out=dW)``); it can turn the gradient's direction;
- by global norm: with ``||g|| = sqrt(sum over every gradient of sum g^2)``, every gradient is
  scaled by ``min(1, max_norm / ||g||)``, so the step keeps its direction and at most that
  length.

Both take and return a dict keyed as in the notes (``dW1``, ``db1``, ``dWf1``...).

Example
-------
>>> import numpy as np
>>> g = {"dW1": np.array([[6.0, 8.0]])}                   # global norm 10
>>> clip_by_value(g, 1.0)["dW1"].tolist(), clip_by_norm(g, 5.0)[0]["dW1"].tolist()
([[1.0, 1.0]], [[3.0, 4.0]])
"""

from __future__ import annotations

import math
from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import number

__all__ = ["clip_by_norm", "clip_by_value", "global_norm"]

Array = Any


def global_norm(grads: dict[str, Array]) -> float:
    """``sqrt(sum_k sum g_k^2)`` over every gradient of the dict."""
    total = 0.0
    for g in grads.values():
        total += float(array_module(g).sum(g * g))
    return math.sqrt(total)


def clip_by_value(grads: dict[str, Array], limit: float) -> dict[str, Array]:
    """Every entry clipped into ``[-limit, limit]``, ``limit > 0``."""
    limit = number("clip_by_value", "limit", limit, "(0, inf)")
    return {k: array_module(g).clip(g, -limit, limit) for k, g in grads.items()}


def clip_by_norm(grads: dict[str, Array], max_norm: float) -> tuple[dict[str, Array], float]:
    """``(clipped, norm)``: every gradient times ``min(1, max_norm / norm)``, ``norm`` the
    global norm before clipping, ``max_norm > 0``."""
    max_norm = number("clip_by_norm", "max_norm", max_norm, "(0, inf)")
    norm = global_norm(grads)
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return {k: g * scale for k, g in grads.items()}, norm
