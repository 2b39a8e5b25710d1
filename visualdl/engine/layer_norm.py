"""Layer normalization over the last axis: each position (row) is normalized on its own.

Rows are positions (the attention chapter's layout): ``X: (..., d)``, the statistics of each
row are taken over its ``d`` features, so a token is normalized without looking at the other
tokens or the batch (batch norm, by contrast, normalizes each feature across the batch)::

    mu = (1/d) sum_j X_j,   var = (1/d) sum_j (X_j - mu)^2          (biased variance)
    X_hat = (X - mu) / sqrt(var + eps)                              (eps INSIDE the root)
    Y = gamma * X_hat + beta,   gamma, beta: (d,)

This is ``torch.nn.LayerNorm(d, eps=1e-5)`` and the paper's formula. The notes' code
(``LayerNormalization``, :func:`layer_norm_notes`) divides by the **unbiased** standard
deviation (``x.std(dim=-1)``, Bessel's ``d - 1``) plus ``eps``: its output is the right one
times about ``sqrt((d - 1) / d)`` (0.99902 for ``d = 512``, 0.866 for ``d = 4``). The notes'
prose also calls sigma the variance (E26); it is the standard deviation.

Backward (gradient of the summed loss ``S = sum(dY * Y)``, the row layout's convention: no
``1/m``), per row with ``dX_hat = gamma * dY``::

    dX = (1 / (d sqrt(var + eps))) (d dX_hat - sum_j dX_hat_j - X_hat sum_j dX_hat_j X_hat_j)
    dgamma = sum over rows of dY * X_hat,   dbeta = sum over rows of dY

Example
-------
>>> import numpy as np
>>> Y, cache = layer_norm(np.array([[1.0, 2.0, 3.0, 4.0]]), np.ones(4), np.zeros(4), eps=0.0)
>>> np.round(Y, 4).tolist()
[[-1.3416, -0.4472, 0.4472, 1.3416]]
>>> Y_notes = layer_norm_notes(np.array([[1.0, 2.0, 3.0, 4.0]]), np.ones(4), np.zeros(4), eps=0.0)
>>> np.round(Y_notes / Y, 4).tolist()  # sqrt(3 / 4)
[[0.866, 0.866, 0.866, 0.866]]
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import gradient, number, real_array

__all__ = ["layer_norm", "layer_norm_backward", "layer_norm_notes"]

Array = Any


def _inputs(op: str, X: Any, gamma: Any, beta: Any, min_d: int = 1) -> tuple[Array, ...]:
    """``X (..., d)`` and ``gamma, beta (d,)`` in ``X``'s dtype, through the door."""
    X = real_array(op, "X", X)
    if X.ndim < 1 or X.shape[-1] < min_d:
        raise ValueError(
            f"{op}: X must be (..., d) with d >= {min_d} features per row, got shape "
            f"{tuple(X.shape)}"
        )
    d = X.shape[-1]
    out = [X]
    for name, p in (("gamma", gamma), ("beta", beta)):
        p = real_array(op, name, p, X.dtype)
        if tuple(p.shape) != (d,):
            raise ValueError(
                f"{op}: {name} must have shape ({d},) for X of shape {tuple(X.shape)}, "
                f"got {tuple(p.shape)}"
            )
        out.append(p)
    return tuple(out)


def layer_norm(
    X: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, dict[str, Any]]:
    """``Y = gamma * (X - mu) / sqrt(var + eps) + beta``, statistics per row (last axis).

    Parameters
    ----------
    X : (..., d) positions in rows; any leading axes (batch, sequence).
    gamma, beta : (d,) the learned scale and shift (ones and zeros at the start).
    eps : finite number >= 0, inside the square root (as ``torch.nn.LayerNorm``).

    Returns
    -------
    Y : (..., d), and the cache for :func:`layer_norm_backward`.
    """
    op = "layer_norm"
    X, gamma, beta = _inputs(op, X, gamma, beta)
    eps = number(op, "eps", eps, "[0, inf)")
    xp = array_module(X)
    d = X.shape[-1]
    X2 = xp.reshape(X, (-1, d))  # one row per position; row means as one matrix-vector product
    mean_of = xp.full((d,), 1.0 / d, dtype=X.dtype)
    mu = (X2 @ mean_of)[:, None]
    X_hat = X2 - mu
    var = ((X_hat * X_hat) @ mean_of)[:, None]
    inv_std = 1.0 / xp.sqrt(var + eps)
    X_hat *= inv_std
    Y = X_hat * gamma
    Y += beta
    shape = X.shape
    return xp.reshape(Y, shape), {
        "X_hat": X_hat,
        "inv_std": inv_std,
        "gamma": gamma,
        "mu": mu,
        "var": var,
        "shape": shape,
    }


def layer_norm_backward(dY: Array, cache: dict[str, Any]) -> tuple[Array, Array, Array]:
    """``(dX, dgamma, dbeta)`` of the summed loss; ``dY: (..., d)`` like ``Y``.

    ``dX = inv_std / d * (d dX_hat - sum dX_hat - X_hat sum(dX_hat X_hat))`` per row,
    ``dgamma = sum_rows dY X_hat``, ``dbeta = sum_rows dY`` (sums over every leading axis).
    """
    X_hat, inv_std, gamma = cache["X_hat"], cache["inv_std"], cache["gamma"]
    dY = gradient("layer_norm_backward", "dY", dY, "Y", cache["shape"])
    xp = array_module(dY)
    N, d = X_hat.shape
    dY2 = xp.reshape(dY, (N, d))
    ones_d, ones_N = xp.ones((d,), dtype=dY.dtype), xp.ones((N,), dtype=dY.dtype)
    dX_hat = dY2 * gamma
    sum_dX_hat = (dX_hat @ ones_d)[:, None]
    sum_dX_hat_X_hat = ((dX_hat * X_hat) @ ones_d)[:, None]
    dX = dX_hat  # d dX_hat - sum dX_hat - X_hat sum(dX_hat X_hat), in place
    dX *= d
    dX -= sum_dX_hat
    dX -= X_hat * sum_dX_hat_X_hat
    dX *= inv_std / d
    dgamma = ones_N @ (dY2 * X_hat)  # sums over the rows as matrix-vector products
    dbeta = ones_N @ dY2
    return xp.reshape(dX, cache["shape"]), dgamma, dbeta


def layer_norm_notes(X: Array, alpha: Array, bias: Array, eps: float = 1e-6) -> Array:
    """The notes' ``LayerNormalization``: ``alpha * (X - mean) / (std + eps) + bias``.

    ``std`` is the **unbiased** standard deviation of each row (``d - 1`` in the denominator,
    PyTorch's ``x.std(dim=-1)``), and ``eps`` is added to it, outside the root. Forward only:
    it exists to show how far it is from :func:`layer_norm` (a factor of about
    ``sqrt((d - 1) / d)``). ``X: (..., d)`` with ``d >= 2``; ``alpha, bias: (d,)``.
    """
    op = "layer_norm_notes"
    X, alpha, bias = _inputs(op, X, alpha, bias, min_d=2)
    eps = number(op, "eps", eps, "[0, inf)")
    xp = array_module(X)
    d = X.shape[-1]
    mu = xp.mean(X, axis=-1, keepdims=True)
    std = xp.sqrt(xp.sum((X - mu) ** 2, axis=-1, keepdims=True) / (d - 1))
    return alpha * (X - mu) / (std + eps) + bias
