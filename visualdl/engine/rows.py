"""The row layout of the attention chapter: positions are rows, ``X: (n, d)``, a batch may lead.

The dense and recurrent chapters keep examples in columns (``A: (n_x, m)``,
``x: (n_x, m, T_x)``), as the course does; the attention notes write ``Q = X W_Q`` with one
position per row, as the papers and PyTorch do. :func:`rows_from_columns` and
:func:`columns_from_rows` move between the two, so a learner can feed one chapter's arrays to
the other's ops.

Gradient convention of the row layout: every backward returns the gradients of one scalar,
the summed loss ``S = sum(dY * Y)`` to first order, parameters included (no ``1/m`` inside an
op). The one ``1/N`` is in the loss: :func:`cross_entropy_rows` is the mean over the ``N``
positions that hold a label, and its backward is ``(P - Y_onehot) / N`` at those positions and
0 at padded ones. (In the column chapters the ``1/m`` sits in ``dW``; here ``N`` counts tokens
over a padded batch, which only the loss knows.)

- linear: ``Y = X W + b``, ``X: (..., d_in)``, ``W: (d_in, d_out)``, ``b: (d_out,)``;
  ``dX = dY W^T``, ``dW = sum over rows of X^T dY``, ``db = sum over rows of dY``;
- softmax over the last axis, ``A = softmax(Z)``, and its backward
  ``dZ = A * (dA - sum(dA * A, axis=-1))`` (the Jacobian ``diag(a) - a a^T`` applied per row);
- cross-entropy over a vocabulary per position, from logits, with a padding id.

Example
-------
>>> import numpy as np
>>> Y, cache = linear_forward(np.ones((3, 2)), np.array([[1.0], [2.0]]), np.array([0.5]))
>>> Y.ravel().tolist()
[3.5, 3.5, 3.5]
>>> dX, dW, db = linear_backward(np.ones((3, 1)), cache)
>>> dX.shape, dW.ravel().tolist(), db.tolist()
((3, 2), [3.0, 3.0], [3.0])
>>> rows_from_columns(np.zeros((4, 2, 5))).shape  # (n_x, m, T) -> (m, T, n_x)
(2, 5, 4)
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import check_finite, gradient, integer, real_array

__all__ = [
    "columns_from_rows",
    "cross_entropy_rows",
    "cross_entropy_rows_backward",
    "linear_backward",
    "linear_forward",
    "rows_from_columns",
    "softmax_rows",
    "softmax_rows_backward",
    "token_ids",
]

Array = Any


def rows_from_columns(A: Array) -> Array:
    """The column layout's ``(n_x, m)`` as rows ``(m, n_x)``, or a sequence ``(n_x, m, T)`` as
    ``(m, T, n_x)``: example ``j``, step ``t`` of the columns is row ``[j, t]``."""
    A = real_array("rows_from_columns", "A", A)
    if A.ndim not in (2, 3):
        raise ValueError(
            f"rows_from_columns: expected (n_x, m) or (n_x, m, T), got shape {tuple(A.shape)}"
        )
    xp = array_module(A)
    return xp.permute_dims(A, (1, 0) if A.ndim == 2 else (1, 2, 0))


def columns_from_rows(X: Array) -> Array:
    """The inverse of :func:`rows_from_columns`: ``(m, n_x)`` -> ``(n_x, m)``,
    ``(m, T, n_x)`` -> ``(n_x, m, T)``."""
    X = real_array("columns_from_rows", "X", X)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"columns_from_rows: expected (m, n_x) or (m, T, n_x), got shape {tuple(X.shape)}"
        )
    xp = array_module(X)
    return xp.permute_dims(X, (1, 0) if X.ndim == 2 else (2, 0, 1))


def linear_forward(
    X: Array, W: Array, b: Array | None = None, op: str = "linear_forward"
) -> tuple[Array, dict]:
    """``Y = X W + b`` on the last axis: ``(..., d_in) @ (d_in, d_out) + (d_out,)``.

    ``b=None`` is a layer without bias (the notes' multi-head attention has none). Returns
    ``Y: (..., d_out)`` and the cache for :func:`linear_backward`; ``op`` names the caller in
    the error for a wrong shape.
    """
    X, W = real_array(op, "X", X), real_array(op, "W", W)
    if W.ndim != 2:
        raise ValueError(f"{op}: W must be (d_in, d_out), got shape {tuple(W.shape)}")
    if X.ndim < 1 or X.shape[-1] != W.shape[0]:
        raise ValueError(
            f"{op}: expected X of shape (..., {W.shape[0]}) for W of shape {tuple(W.shape)}, "
            f"got {tuple(X.shape)}"
        )
    xp = array_module(X)
    Y = xp.reshape(xp.reshape(X, (-1, W.shape[0])) @ W, (*X.shape[:-1], W.shape[1]))
    if b is not None:
        b = real_array(op, "b", b)
        if tuple(b.shape) != (W.shape[1],):
            raise ValueError(f"{op}: expected b of shape ({W.shape[1]},), got {tuple(b.shape)}")
        Y = Y + b
    return Y, {"X": X, "W": W, "bias": b is not None}


def linear_backward(dY: Array, cache: dict) -> tuple[Array, Array, Array | None]:
    """``(dX, dW, db)`` of the summed loss: ``dX = dY W^T``, ``dW = sum_rows X^T dY``,
    ``db = sum_rows dY`` (None for a layer without bias); ``dY: (..., d_out)``. Leading axes
    are flattened into one axis of rows first: one matrix product, not one per batch entry."""
    X, W = cache["X"], cache["W"]
    dY = gradient("linear_backward", "dY", dY, "Y", (*X.shape[:-1], W.shape[1]))
    xp = array_module(dY)
    X2, dY2 = xp.reshape(X, (-1, W.shape[0])), xp.reshape(dY, (-1, W.shape[1]))
    db = xp.sum(dY2, axis=0) if cache["bias"] else None
    return xp.reshape(dY2 @ W.T, X.shape), X2.T @ dY2, db


def softmax_rows(Z: Array) -> Array:
    """``A = softmax(Z)`` over the last axis, ``exp(Z - max Z) / sum exp(Z - max Z)``: every
    row of ``A`` sums to 1; subtracting the row maximum keeps ``exp`` from overflowing.
    Entries at ``-inf`` (masked) get weight 0; a row of ``-inf`` only is the caller's error."""
    Z = real_array("softmax_rows", "Z", Z)
    xp = array_module(Z)
    E = xp.exp(Z - xp.max(Z, axis=-1, keepdims=True))
    return E / xp.sum(E, axis=-1, keepdims=True)


def softmax_rows_backward(dA: Array, A: Array) -> Array:
    """``dZ = A * (dA - sum(dA * A, axis=-1, keepdims=True))``: each row's Jacobian
    ``diag(a) - a a^T`` applied to its ``dA``."""
    A = real_array("softmax_rows_backward", "A", A)
    dA = gradient("softmax_rows_backward", "dA", dA, "A", A)
    xp = array_module(dA)
    return A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))


def token_ids(op: str, name: str, ids: Any, vocab: int) -> Array:
    """``ids`` as an integer array with every entry in ``[0, vocab)``, or ``ValueError``."""
    xp = array_module(ids) if hasattr(ids, "dtype") else None
    if xp is None:
        import numpy as np

        ids, xp = np.asarray(ids), np
    if not xp.isdtype(ids.dtype, "integral"):
        raise ValueError(f"{op}: {name} must be integer token ids, got dtype {ids.dtype}")
    if ids.size and (int(xp.min(ids)) < 0 or int(xp.max(ids)) >= vocab):
        raise ValueError(
            f"{op}: {name} must lie in [0, {vocab}) for a vocabulary of {vocab}, got "
            f"[{int(xp.min(ids))}, {int(xp.max(ids))}]"
        )
    return ids


def cross_entropy_rows(logits: Array, targets: Any, pad: int | None = None) -> tuple[float, dict]:
    """Mean softmax cross-entropy over the positions that hold a label.

    ``logits: (..., n, V)``, ``targets: (..., n)`` integer ids in ``[0, V)``; positions where
    ``targets == pad`` count for nothing. ``J = -(1/N) sum log softmax(logits)[target]`` over
    the ``N`` counted positions, computed as ``logsumexp(z) - z_target`` (stable). Returns
    ``J`` and the cache for :func:`cross_entropy_rows_backward`.
    """
    op = "cross_entropy_rows"
    logits = real_array(op, "logits", logits)
    check_finite(op, "logits", logits)
    if logits.ndim < 2:
        raise ValueError(f"{op}: logits must be (..., n, V), got shape {tuple(logits.shape)}")
    V = logits.shape[-1]
    targets = token_ids(op, "targets", targets, V)
    if tuple(targets.shape) != tuple(logits.shape[:-1]):
        raise ValueError(
            f"{op}: targets must have shape {tuple(logits.shape[:-1])} (logits without the "
            f"vocabulary axis), got {tuple(targets.shape)}"
        )
    xp = array_module(logits)
    keep = xp.ones(targets.shape, dtype=logits.dtype)
    if pad is not None:
        pad = integer(op, "pad", pad, 0)
        keep = xp.astype(targets != pad, logits.dtype)
    N = float(xp.sum(keep))
    if N == 0:
        raise ValueError(f"{op}: every target is the padding id {pad}; nothing to average")
    top = xp.max(logits, axis=-1, keepdims=True)
    log_sum = xp.log(xp.sum(xp.exp(logits - top), axis=-1)) + top[..., 0]
    picked = xp.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]
    J = float(xp.sum((log_sum - picked) * keep)) / N
    return J, {"logits": logits, "targets": targets, "keep": keep, "N": N}


def cross_entropy_rows_backward(cache: dict) -> Array:
    """``dlogits = (softmax(logits) - onehot(targets)) * keep / N``: the gradient of the mean
    cost ``J`` of :func:`cross_entropy_rows`, 0 at padded positions."""
    logits, targets, keep = cache["logits"], cache["targets"], cache["keep"]
    xp = array_module(logits)
    P = softmax_rows(logits)
    onehot = xp.astype(xp.arange(logits.shape[-1]) == targets[..., None], logits.dtype)
    return (P - onehot) * keep[..., None] / cache["N"]
