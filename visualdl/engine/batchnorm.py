"""Batch normalization for dense ``(n, m)`` and convolutional ``(m, n_H, n_W, n_C)`` inputs
(the functional core; the layer is :class:`visualdl.engine.layers.BatchNorm`).

The layout is read from ``Z.ndim``:

- 2-D, the dense layout ``Z: (n, m)`` (examples are columns): statistics per feature (row),
  over the ``m`` examples (axis 1); ``gamma, beta: (n, 1)``.
- 4-D, the conv layout ``Z: (m, n_H, n_W, n_C)``: statistics per channel, over the
  ``N = m n_H n_W`` values of axes ``(0, 1, 2)``; ``gamma, beta: (n_C,)``.

Forward, with ``N`` the number of values averaged per feature/channel::

    mu = (1/N) sum Z,   var = (1/N) sum (Z - mu)^2          (biased variance)
    Z_norm = (Z - mu) / sqrt(var + eps)                      (eps INSIDE the root)
    out = gamma * Z_norm + beta

The notes write ``(Z - mu) / (sqrt(var) + eps)``, epsilon outside the square root; for a
feature with tiny variance the two differ a lot, and only the form inside the root is what
the original paper and every framework compute.

Gradient convention (DESIGN.md, the same as ``conv2d_backward`` and ``Dense``): ``dout`` and
``dZ`` are per-example gradients of the summed loss; ``dgamma`` and ``dbeta`` are gradients of
the mean cost, so they carry ``1/m`` with ``m`` the number of **examples** (``Z.shape[1]``
dense, ``Z.shape[0]`` conv), not ``N``::

    dZ_norm = gamma * dout
    dZ = (1 / (N sqrt(var + eps))) (N dZ_norm - sum dZ_norm - Z_norm sum(dZ_norm * Z_norm))
    dgamma = (1/m) sum(dout * Z_norm),   dbeta = (1/m) sum(dout)

(sums per feature/channel over the same axes as the statistics).

Example
-------
>>> import numpy as np
>>> from visualdl.engine.batchnorm import batch_norm
>>> Z = np.array([[1.0, 2.0, 3.0, 4.0]])            # one feature, m = 4 examples
>>> out, cache = batch_norm(Z, np.ones((1, 1)), np.zeros((1, 1)), eps=0.0)
>>> np.round(out, 4).tolist()
[[-1.3416, -0.4472, 0.4472, 1.3416]]
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module

__all__ = [
    "batch_norm",
    "batch_norm_backward",
    "batch_norm_inference",
    "batch_norm_notes",
]

Array = Any


def _layout(op: str, Z: Array, gamma: Array, beta: Array) -> tuple[tuple[int, ...], int, int]:
    """``(axes, N, m)``: the statistics' axes, values per feature and number of examples."""
    if Z.ndim == 2:
        axes, shape, m = (1,), (Z.shape[0], 1), Z.shape[1]
    elif Z.ndim == 4:
        axes, shape, m = (0, 1, 2), (Z.shape[3],), Z.shape[0]
    else:
        raise ValueError(
            f"{op}: Z must be (n, m) (dense) or (m, n_H, n_W, n_C) (conv), "
            f"got shape {tuple(Z.shape)}"
        )
    for name, p in (("gamma", gamma), ("beta", beta)):
        if tuple(p.shape) != shape:
            raise ValueError(
                f"{op}: {name} must have shape {shape} for Z of shape {tuple(Z.shape)}, "
                f"got {tuple(p.shape)}"
            )
    N = 1
    for a in axes:
        N *= Z.shape[a]
    if m < 1:
        raise ValueError(f"{op}: Z has no examples, shape {tuple(Z.shape)}")
    return axes, N, m


def _check_eps(op: str, eps: float) -> None:
    if not eps >= 0:
        raise ValueError(f"{op}: eps must be >= 0, got {eps}")


def batch_norm(
    Z: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, dict[str, Any]]:
    """Normalize ``Z`` with its batch statistics, then scale and shift.

    Parameters
    ----------
    Z : ``(n, m)`` (dense) or ``(m, n_H, n_W, n_C)`` (conv).
    gamma, beta : ``(n, 1)`` or ``(n_C,)``.
    eps : added to the variance inside the square root.

    Returns
    -------
    out : same shape as Z, ``gamma (Z - mu) / sqrt(var + eps) + beta``.
    cache : ``Z_norm, inv_std, gamma, mu, var, axes, N, m`` for :func:`batch_norm_backward`.

    Example
    -------
    >>> import numpy as np
    >>> Z = np.random.default_rng(0).normal(3.0, 2.0, (2, 4, 4, 3))
    >>> out, _ = batch_norm(Z, np.ones(3), np.zeros(3))
    >>> bool(np.allclose(out.mean(axis=(0, 1, 2)), 0) and np.allclose(out.var(axis=(0, 1, 2)), 1))
    True
    """
    axes, N, m = _layout("batch_norm", Z, gamma, beta)
    _check_eps("batch_norm", eps)
    mod = array_module(Z)
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    g, bt = mod.reshape(gamma, shape), mod.reshape(beta, shape)
    mu = mod.mean(Z, axis=axes, keepdims=True)
    var = mod.mean((Z - mu) ** 2, axis=axes, keepdims=True)
    inv_std = 1.0 / mod.sqrt(var + eps)
    Z_norm = (Z - mu) * inv_std
    out = g * Z_norm + bt
    cache = {"Z_norm": Z_norm, "inv_std": inv_std, "gamma": g, "mu": mu, "var": var}
    cache.update({"axes": axes, "N": N, "m": m, "eps": eps, "training": True})
    return out, cache


def batch_norm_backward(dout: Array, cache: dict[str, Any]) -> tuple[Array, Array, Array]:
    """Gradients of :func:`batch_norm` (or of :func:`batch_norm_inference` with its cache).

    Shapes: ``dout`` like Z -> ``dZ`` like Z, ``dgamma, dbeta`` like gamma.
    Training (batch statistics, which depend on Z)::

        dZ = inv_std / N (N gamma dout - sum(gamma dout) - Z_norm sum(gamma dout Z_norm))

    Inference (fixed running statistics): ``dZ = gamma inv_std dout``. In both
    ``dgamma = (1/m) sum(dout Z_norm)`` and ``dbeta = (1/m) sum(dout)``, ``m`` the examples.

    Example
    -------
    >>> import numpy as np
    >>> Z = np.random.default_rng(0).normal(size=(3, 5))
    >>> out, cache = batch_norm(Z, np.ones((3, 1)), np.zeros((3, 1)))
    >>> dZ, dgamma, dbeta = batch_norm_backward(np.ones_like(Z), cache)
    >>> bool(np.allclose(dZ, 0))      # a shift of out changes nothing after normalizing
    True
    """
    Z_norm, inv_std, g = cache["Z_norm"], cache["inv_std"], cache["gamma"]
    axes, N, m = cache["axes"], cache["N"], cache["m"]
    if tuple(dout.shape) != tuple(Z_norm.shape):
        raise ValueError(
            f"batch_norm_backward: dout must have Z's shape {tuple(Z_norm.shape)}, "
            f"got {tuple(dout.shape)}"
        )
    mod = array_module(dout)
    dZ_norm = g * dout
    if cache["training"]:
        s1 = mod.sum(dZ_norm, axis=axes, keepdims=True)
        s2 = mod.sum(dZ_norm * Z_norm, axis=axes, keepdims=True)
        dZ = inv_std / N * (N * dZ_norm - s1 - Z_norm * s2)
    else:
        dZ = dZ_norm * inv_std
    dgamma = mod.sum(dout * Z_norm, axis=axes, keepdims=True) / m
    dbeta = mod.sum(dout, axis=axes, keepdims=True) / m
    if len(axes) == 3:
        dgamma, dbeta = mod.reshape(dgamma, (-1,)), mod.reshape(dbeta, (-1,))
    return dZ, dgamma, dbeta


def batch_norm_inference(
    Z: Array,
    gamma: Array,
    beta: Array,
    running_mean: Array,
    running_var: Array,
    eps: float = 1e-5,
    return_cache: bool = False,
) -> Array | tuple[Array, dict[str, Any]]:
    """``gamma (Z - running_mean) / sqrt(running_var + eps) + beta``: the fixed statistics
    gathered in training, so one example's output does not depend on the rest of its batch.

    Shapes: ``running_mean, running_var`` like ``gamma`` (``(n, 1)`` or ``(n_C,)``). Returns
    ``out`` (and, with ``return_cache``, a cache for :func:`batch_norm_backward`).

    Example
    -------
    >>> import numpy as np
    >>> out = batch_norm_inference(np.array([[4.0]]), np.ones((1, 1)), np.zeros((1, 1)),
    ...                            np.array([[2.0]]), np.array([[4.0]]), eps=0.0)
    >>> out.tolist()
    [[1.0]]
    """
    axes, N, m = _layout("batch_norm_inference", Z, gamma, beta)
    _check_eps("batch_norm_inference", eps)
    for name, s in (("running_mean", running_mean), ("running_var", running_var)):
        if tuple(s.shape) != tuple(gamma.shape):
            raise ValueError(
                f"batch_norm_inference: {name} must have gamma's shape {tuple(gamma.shape)}, "
                f"got {tuple(s.shape)}"
            )
    mod = array_module(Z)
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    g, bt = mod.reshape(gamma, shape), mod.reshape(beta, shape)
    mu, var = mod.reshape(running_mean, shape), mod.reshape(running_var, shape)
    inv_std = 1.0 / mod.sqrt(var + eps)
    Z_norm = (Z - mu) * inv_std
    out = g * Z_norm + bt
    if not return_cache:
        return out
    cache = {"Z_norm": Z_norm, "inv_std": inv_std, "gamma": g, "mu": mu, "var": var}
    cache.update({"axes": axes, "N": N, "m": m, "eps": eps, "training": False})
    return out, cache


def batch_norm_notes(Z: Array, gamma: Array, beta: Array, eps: float = 1e-8) -> Array:
    """The notes' version, for the "common mistakes" figure only: epsilon OUTSIDE the root,
    ``gamma (Z - mu) / (sqrt(var) + eps) + beta`` (and the notes' default eps 1e-8).

    Example
    -------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 1.001]])                    # variance 2.5e-7, near eps = 1e-5
    >>> one, zero = np.ones((1, 1)), np.zeros((1, 1))
    >>> right, _ = batch_norm(Z, one, zero, eps=1e-5)
    >>> np.round(right, 3).tolist(), np.round(batch_norm_notes(Z, one, zero, 1e-5), 3).tolist()
    ([[-0.156, 0.156]], [[-0.98, 0.98]])
    """
    axes, _, _ = _layout("batch_norm_notes", Z, gamma, beta)
    mod = array_module(Z)
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    mu = mod.mean(Z, axis=axes, keepdims=True)
    var = mod.mean((Z - mu) ** 2, axis=axes, keepdims=True)
    g, bt = mod.reshape(gamma, shape), mod.reshape(beta, shape)
    return g * (Z - mu) / (mod.sqrt(var) + eps) + bt
