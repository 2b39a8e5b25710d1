"""The embedding lookup: each token id selects one row of the embedding matrix.

``E: (V, d)`` holds one row per token of a vocabulary of ``V``; ``ids: (...)`` integers in
``[0, V)``. Forward ``X = E[ids]``, shape ``(..., d)``: the product ``o_j^T E`` of the token's
one-hot row with ``E``, without building the one-hot. Backward (gradient of the summed loss, as
everywhere in the row layout): ``dE[v] = sum of dX over the positions holding token v``, a
scatter-add; rows of tokens that do not occur get 0.

Example
-------
>>> import numpy as np
>>> E = np.arange(6.0).reshape(3, 2)
>>> X, cache = embedding_forward(np.array([2, 0, 2]), E)
>>> X.tolist()
[[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]
>>> embedding_backward(np.ones((3, 2)), cache).tolist()
[[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import gradient, real_array
from visualdl.engine.rows import token_ids

__all__ = ["embedding_backward", "embedding_forward"]

Array = Any


def embedding_forward(ids: Any, E: Array) -> tuple[Array, dict]:
    """``X = E[ids]``: ``ids (...)`` integer tokens, ``E (V, d)`` -> ``X (..., d)``, and the
    cache for :func:`embedding_backward`."""
    op = "embedding_forward"
    E = real_array(op, "E", E)
    if E.ndim != 2:
        raise ValueError(f"{op}: E must be (V, d), one row per token, got shape {tuple(E.shape)}")
    ids = token_ids(op, "ids", ids, E.shape[0])
    return E[ids], {"ids": ids, "E_shape": tuple(E.shape), "dtype": E.dtype}


def embedding_backward(dX: Array, cache: dict) -> Array:
    """``dE (V, d)``: ``dE[v] = sum of dX[p]`` over the positions ``p`` with ``ids[p] == v``."""
    ids, (V, d) = cache["ids"], cache["E_shape"]
    dX = gradient("embedding_backward", "dX", dX, "X", (*ids.shape, d))
    xp = array_module(dX)
    dE = xp.zeros((V, d), dtype=dX.dtype)
    xp.add.at(dE, xp.reshape(ids, (-1,)), xp.reshape(dX, (-1, d)))
    return dE
