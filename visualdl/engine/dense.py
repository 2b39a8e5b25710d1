"""The dense (fully connected) op, forward and backward, in the notes' column layout.

Examples are columns: ``A_prev: (n_prev, m)``, ``W: (n, n_prev)``, ``b: (n, 1)``.

Forward: ``Z = W A_prev + b``. Backward (per-example ``dZ`` in, mean-cost gradients out)::

    dW = (1/m) dZ A_prev^T,   db = (1/m) sum(dZ, axis=1, keepdims=True),   dA_prev = W^T dZ

The activation is not part of the op: :class:`~visualdl.engine.layers.Dense` applies
``A = g(Z)`` and ``dZ = dA * g'(Z)`` around it.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.dense import dense_backward, dense_forward
>>> Z, cache = dense_forward(np.ones((2, 4)), np.array([[1.0, -1.0]]), np.array([[0.5]]))
>>> Z.tolist()
[[0.5, 0.5, 0.5, 0.5]]
>>> dA_prev, dW, db = dense_backward(np.ones((1, 4)), cache)
>>> dA_prev.shape, dW.tolist(), db.tolist()
((2, 4), [[1.0, 1.0]], [[1.0]])
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import check_batch, check_ndim, real_array

__all__ = ["dense_backward", "dense_forward"]

Array = Any


def dense_forward(
    A_prev: Array, W: Array, b: Array, op: str = "dense_forward"
) -> tuple[Array, dict]:
    """``Z = W A_prev + b``; shapes ``(n, n_prev) @ (n_prev, m) + (n, 1) -> (n, m)``.

    Returns ``Z`` and the cache ``{"A_prev", "W"}`` that :func:`dense_backward` needs. ``op``
    names the caller in the error for a wrong shape (a layer says which one it is).
    """
    A_prev, W, b = (real_array(op, k, v) for k, v in (("A_prev", A_prev), ("W", W), ("b", b)))
    check_ndim(op, "W", W, 2, "(n, n_prev)")
    n, n_prev = W.shape
    if A_prev.ndim != 2 or A_prev.shape[0] != n_prev:
        raise ValueError(
            f"{op}: expected A_prev of shape ({n_prev}, m) for W of shape {(n, n_prev)}, "
            f"got {tuple(A_prev.shape)}"
        )
    if tuple(b.shape) != (n, 1):
        raise ValueError(f"{op}: expected b of shape ({n}, 1), got {tuple(b.shape)}")
    check_batch(op, "A_prev", A_prev, 1)
    Z = W @ A_prev
    if Z.dtype == b.dtype:
        Z += b  # the same sum as Z + b, without a second array
    else:
        Z = Z + b
    return Z, {"A_prev": A_prev, "W": W}


def dense_backward(
    dZ: Array, cache: dict, dA_prev: bool = True
) -> tuple[Array | None, Array, Array]:
    """``(dA_prev, dW, db)`` from the per-example ``dZ: (n, m)``.

    ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum(dZ, axis=1, keepdims=True)``,
    ``dA_prev = W^T dZ`` (None with ``dA_prev=False``: a model's input layer, whose dA_prev
    is the gradient for X, skips that product).
    """
    A_prev, W = cache["A_prev"], cache["W"]
    dZ = real_array("dense_backward", "dZ", dZ)
    if tuple(dZ.shape) != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"dense_backward: expected dZ of shape {(W.shape[0], A_prev.shape[1])}, "
            f"got {tuple(dZ.shape)}"
        )
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    dW /= m
    db = array_module(dZ).sum(dZ, axis=1, keepdims=True) / m
    return (W.T @ dZ if dA_prev else None), dW, db
