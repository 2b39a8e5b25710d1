"""The position-wise feed-forward network of a Transformer block.

Rows are positions, ``X: (..., n, d_model)``; the same two linear layers act on every position
on its own (no position sees another here: mixing is attention's job)::

    H = ReLU(X W1 + b1)          W1: (d_model, d_ff), b1: (d_ff,)
    Y = H W2 + b2                W2: (d_ff, d_model), b2: (d_model,)

The notes' ``FeedForwardBlock`` is ``512 -> 2048 -> 512`` (``d_ff = 4 d_model``) with dropout
between the two layers; the engine has no dropout here (the toy tasks do not need it).

Backward (gradient of the summed loss, no ``1/m``: the row layout's convention)::

    dH = dY W2^T,   dW2 = sum_rows H^T dY,   db2 = sum_rows dY
    dZ1 = dH * [Z1 > 0],   dX = dZ1 W1^T,   dW1 = sum_rows X^T dZ1,   db1 = sum_rows dZ1

Example
-------
>>> import numpy as np
>>> params = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros(2),
...           "W2": np.array([[2.0], [3.0]]), "b2": np.array([0.5])}
>>> Y, cache = ffn_forward(np.array([[1.0], [-2.0]]), params)
>>> Y.tolist()  # x = 1: ReLU(1, -1) = (1, 0) -> 2.5; x = -2: (0, 2) -> 6.5
[[2.5], [6.5]]
>>> sorted(ffn_backward(np.ones((2, 1)), cache))
['dW1', 'dW2', 'dX', 'db1', 'db2']
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import gradient
from visualdl.engine.rows import linear_backward, linear_forward

__all__ = ["FFN_KEYS", "ffn_backward", "ffn_forward"]

Array = Any
#: the parameters of one feed-forward network, as the notes name them
FFN_KEYS = ("W1", "b1", "W2", "b2")


def ffn_forward(X: Array, params: dict[str, Array]) -> tuple[Array, dict[str, Any]]:
    """``Y = ReLU(X W1 + b1) W2 + b2`` per position.

    Parameters
    ----------
    X : (..., d_model)
    params : ``W1 (d_model, d_ff)``, ``b1 (d_ff,)``, ``W2 (d_ff, d_model)``, ``b2 (d_model,)``.

    Returns
    -------
    Y : (..., d_model), and the cache for :func:`ffn_backward`.
    """
    op = "ffn_forward"
    missing = [k for k in FFN_KEYS if k not in params]
    if missing:
        raise ValueError(f"{op}: params must hold {list(FFN_KEYS)}, missing {missing}")
    Z1, c1 = linear_forward(X, params["W1"], params["b1"], op=op)
    xp = array_module(Z1)
    H = xp.where(Z1 > 0, Z1, xp.zeros_like(Z1))
    Y, c2 = linear_forward(H, params["W2"], params["b2"], op=op)
    if Y.shape[-1] != X.shape[-1]:
        raise ValueError(
            f"{op}: W2 must map back to d_model = {X.shape[-1]}, got W2 of shape "
            f"{tuple(params['W2'].shape)}"
        )
    return Y, {"c1": c1, "c2": c2, "Z1": Z1, "Y_shape": tuple(Y.shape)}


def ffn_backward(dY: Array, cache: dict[str, Any]) -> dict[str, Array]:
    """``{"dX", "dW1", "db1", "dW2", "db2"}`` of the summed loss; ``dY`` like ``Y``."""
    dY = gradient("ffn_backward", "dY", dY, "Y", cache["Y_shape"])
    dH, dW2, db2 = linear_backward(dY, cache["c2"])
    Z1 = cache["Z1"]
    xp = array_module(dH)
    dZ1 = xp.where(Z1 > 0, dH, xp.zeros_like(dH))
    dX, dW1, db1 = linear_backward(dZ1, cache["c1"])
    return {"dX": dX, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
