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
the original paper and every framework compute (PyTorch included). ``eps`` must be a finite
number > 0, and training needs ``N >= 2`` values per feature/channel (with one value the
batch variance is 0 and ``out`` is ``beta`` whatever ``Z`` is).

Where this differs from PyTorch's ``BatchNorm1d`` / ``BatchNorm2d``: the variance kept for the
running statistics (``cache["var"]``) is the biased batch variance, while PyTorch's
``running_var`` averages the unbiased one, ``N / (N - 1)`` times larger; and the dense layout's
``gamma, beta`` are columns ``(n, 1)`` (examples are columns here), PyTorch's are ``(n,)``.

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
>>> out, cache = batch_norm(Z, np.ones((1, 1)), np.zeros((1, 1)), eps=1e-12)
>>> np.round(out, 4).tolist()
[[-1.3416, -0.4472, 0.4472, 1.3416]]
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import (
    check_batch,
    check_finite,
    check_same_shape,
    number,
    real_array,
)

__all__ = [
    "batch_norm",
    "batch_norm_backward",
    "batch_norm_inference",
    "batch_norm_notes",
]

Array = Any


def _inputs(op: str, Z: Any, gamma: Any, beta: Any) -> tuple[Array, Array, Array]:
    """``Z`` and ``gamma, beta`` in ``Z``'s dtype, through the door."""
    Z = real_array(op, "Z", Z)
    return Z, real_array(op, "gamma", gamma, Z.dtype), real_array(op, "beta", beta, Z.dtype)


def _layout(op: str, Z: Array, gamma: Array, beta: Array) -> tuple[tuple[int, ...], int, int]:
    """``(axes, N, m)``: the statistics' axes, values per feature and number of examples."""
    if Z.ndim == 2:
        axes, shape, m = (1,), (Z.shape[0], 1), check_batch(op, "Z", Z, 1)
    elif Z.ndim == 4:
        axes, shape, m = (0, 1, 2), (Z.shape[3],), check_batch(op, "Z", Z, 0)
    else:
        raise ValueError(
            f"{op}: Z must be (n, m) (dense) or (m, n_H, n_W, n_C) (conv), "
            f"got shape {tuple(Z.shape)}"
        )
    if min(Z.shape) < 1:
        raise ValueError(f"{op}: Z must have every size >= 1, got shape {tuple(Z.shape)}")
    for name, p in (("gamma", gamma), ("beta", beta)):
        if tuple(p.shape) != shape:
            raise ValueError(
                f"{op}: {name} must have shape {shape} for Z of shape {tuple(Z.shape)}, "
                f"got {tuple(p.shape)}"
            )
    N = 1
    for a in axes:
        N *= Z.shape[a]
    return axes, N, m


def _batch_statistics(op: str, Z: Array, N: int) -> None:
    """Refuse a batch with one value per feature: its variance is 0, ``out`` would be beta."""
    if N < 2:
        raise ValueError(
            f"{op}: batch statistics need at least 2 values per feature/channel, got N = {N} "
            f"(Z of shape {tuple(Z.shape)}); use training=False (the running statistics, "
            f"batch_norm_inference) or a larger batch"
        )


def _check_eps(op: str, eps: float) -> float:
    """``eps`` as a float, refused unless it is a finite number > 0."""
    return number(op, "eps", eps, "(0, inf)")


#: values per row of the conv layout's wide view (:func:`_rows`)
_ROW = 1 << 16


def _rows(mod: Any, X: Array) -> tuple[Array, int | None]:
    """``(X2, reps)``: X as a matrix for the elementwise steps. Dense ``(n, m)`` stays as it is
    (``reps`` None: a feature is a row). Conv ``(m, n_H, n_W, n_C)`` becomes wide rows of
    ``reps`` pixels' channels (a whole image, or one image row past ``_ROW`` values), so that
    every step runs along long rows instead of n_C values at a time."""
    if X.ndim == 2:
        return X, None
    _, n_H, n_W, n_C = X.shape
    reps = n_H * n_W if n_H * n_W * n_C <= _ROW else n_W
    return mod.reshape(X, (-1, reps * n_C)), reps


def _spread(mod: Any, v: Array, reps: int | None) -> Array:
    """A per-feature/channel vector ``(n,)`` laid out to broadcast against :func:`_rows`."""
    return mod.reshape(v, (-1, 1)) if reps is None else mod.tile(mod.reshape(v, (-1,)), (reps,))


def _fold(mod: Any, s: Array, reps: int | None) -> Array:
    """Column sums of a wide view folded into one sum per channel (dense sums pass through)."""
    return s if reps is None else mod.sum(mod.reshape(s, (reps, -1)), axis=0)


def _sums(mod: Any, X2: Array, reps: int | None) -> Array:
    """Per-feature/channel sums ``(n,)`` of the view ``X2`` as one matrix-vector product
    (``X2 @ ones`` dense, ``ones @ X2`` conv), not a reduction over axes."""
    if reps is None:
        return X2 @ mod.ones(X2.shape[1], dtype=X2.dtype)
    return _fold(mod, mod.ones(X2.shape[0], dtype=X2.dtype) @ X2, reps)


def _dot_sums(mod: Any, X2: Array, Y2: Array, reps: int | None) -> Array:
    """Per-feature/channel sums of ``X2 * Y2``: one ``einsum`` pass where the namespace has it
    (NumPy, CuPy), else the product and :func:`_sums`."""
    if not hasattr(mod, "einsum"):
        return _sums(mod, X2 * Y2, reps)
    return _fold(mod, mod.einsum("ij,ij->i" if reps is None else "ij,ij->j", X2, Y2), reps)


def batch_norm(
    Z: Array, gamma: Array, beta: Array, eps: float = 1e-5, *, op: str = "batch_norm"
) -> tuple[Array, dict[str, Any]]:
    """Normalize ``Z`` with its batch statistics, then scale and shift.

    Parameters
    ----------
    Z : ``(n, m)`` (dense) or ``(m, n_H, n_W, n_C)`` (conv).
    gamma, beta : ``(n, 1)`` or ``(n_C,)`` (cast to Z's dtype).
    eps : added to the variance inside the square root; a finite number > 0.
    op : the caller's name in every error (a layer says which one it is).

    Returns
    -------
    out : same shape and dtype as Z, ``gamma (Z - mu) / sqrt(var + eps) + beta``.
    cache : ``Z_norm, inv_std, gamma, mu, var, axes, N, m`` for :func:`batch_norm_backward`.

    Computed as: the sums as matrix-vector products (``ones @ Z``), var from the centred copy
    ``Z - mu``, which is then scaled into ``Z_norm`` in place; conv inputs go through a view
    with long rows (:func:`_rows`).

    Example
    -------
    >>> import numpy as np
    >>> Z = np.random.default_rng(0).normal(3.0, 2.0, (2, 4, 4, 3))
    >>> out, _ = batch_norm(Z, np.ones(3), np.zeros(3))
    >>> bool(np.allclose(out.mean(axis=(0, 1, 2)), 0) and np.allclose(out.var(axis=(0, 1, 2)), 1))
    True
    """
    Z, gamma, beta = _inputs(op, Z, gamma, beta)
    axes, N, m = _layout(op, Z, gamma, beta)
    _batch_statistics(op, Z, N)
    eps = _check_eps(op, eps)
    mod = array_module(Z)
    Z2, reps = _rows(mod, Z)
    mu = _sums(mod, Z2, reps) / N
    Z_norm = Z2 - _spread(mod, mu, reps)  # the centred copy, normalized in place below
    var = _dot_sums(mod, Z_norm, Z_norm, reps) / N
    inv_std = 1.0 / mod.sqrt(var + eps)
    Z_norm *= _spread(mod, inv_std, reps)
    out = Z_norm * _spread(mod, gamma, reps)
    out += _spread(mod, beta, reps)
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    stats = {"gamma": gamma, "inv_std": inv_std, "mu": mu, "var": var}
    cache = {k: mod.reshape(v, shape) for k, v in stats.items()}
    cache.update({"Z_norm": mod.reshape(Z_norm, Z.shape), "axes": axes, "N": N, "m": m})
    cache.update({"eps": eps, "training": True})
    return mod.reshape(out, Z.shape), cache


def batch_norm_backward(
    dout: Array, cache: dict[str, Any], *, op: str = "batch_norm_backward"
) -> tuple[Array, Array, Array]:
    """Gradients of :func:`batch_norm` (or of :func:`batch_norm_inference` with its cache).

    Shapes: ``dout`` like Z -> ``dZ`` like Z, ``dgamma, dbeta`` like gamma.
    Training (batch statistics, which depend on Z)::

        dZ = inv_std / N (N gamma dout - sum(gamma dout) - Z_norm sum(gamma dout Z_norm))

    Inference (fixed running statistics): ``dZ = gamma inv_std dout``. In both
    ``dgamma = (1/m) sum(dout Z_norm)`` and ``dbeta = (1/m) sum(dout)``, ``m`` the examples.
    ``op`` names the caller in every error (a layer says which one it is).

    Computed as: the two sums once, reused (``sum(gamma dout) = gamma m dbeta``,
    ``sum(gamma dout Z_norm) = gamma m dgamma``), and
    ``dZ = gamma inv_std (dout - (sum dout + Z_norm sum(dout Z_norm)) / N)`` in one buffer.

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
    N, m = cache["N"], cache["m"]
    dout = real_array(op, "dout", dout)
    check_same_shape(op, "dout", dout, "Z", Z_norm)
    mod = array_module(dout)
    (dout2, reps), (Z_norm2, _) = _rows(mod, dout), _rows(mod, Z_norm)
    g, inv_std = mod.reshape(g, (-1,)), mod.reshape(inv_std, (-1,))
    s_dout = _sums(mod, dout2, reps)  # sum dout = m dbeta
    s_prod = _dot_sums(mod, dout2, Z_norm2, reps)  # sum(dout Z_norm) = m dgamma
    if cache["training"]:
        dZ = Z_norm2 * _spread(mod, s_prod / N, reps)  # then -g inv_std (that + mean - dout)
        dZ += _spread(mod, s_dout / N, reps)
        dZ -= dout2
        dZ *= _spread(mod, -(g * inv_std), reps)
    else:
        dZ = dout2 * _spread(mod, g, reps)
        dZ *= _spread(mod, inv_std, reps)
    dgamma, dbeta = s_prod / m, s_dout / m
    if reps is None:  # the dense layout keeps gamma's column shape (n, 1)
        dgamma, dbeta = mod.reshape(dgamma, (-1, 1)), mod.reshape(dbeta, (-1, 1))
    return mod.reshape(dZ, Z_norm.shape), dgamma, dbeta


def _running(op: str, name: str, s: Any, gamma: Array) -> Array:
    """A running statistic of gamma's shape, in gamma's (that is Z's) dtype."""
    s = real_array(op, name, s, gamma.dtype)
    if tuple(s.shape) != tuple(gamma.shape):
        raise ValueError(
            f"{op}: {name} must have gamma's shape {tuple(gamma.shape)}, got {tuple(s.shape)}"
        )
    return s


def batch_norm_inference(
    Z: Array,
    gamma: Array,
    beta: Array,
    running_mean: Array,
    running_var: Array,
    eps: float = 1e-5,
    return_cache: bool = False,
    *,
    op: str = "batch_norm_inference",
) -> Array | tuple[Array, dict[str, Any]]:
    """``gamma (Z - running_mean) / sqrt(running_var + eps) + beta``: the fixed statistics
    gathered in training, so one example's output does not depend on the rest of its batch.

    Shapes: ``running_mean, running_var`` like ``gamma`` (``(n, 1)`` or ``(n_C,)``), all cast
    to Z's dtype; ``running_var`` must be finite and >= 0, ``eps`` a finite number > 0. Returns
    ``out`` (and, with ``return_cache``, a cache for :func:`batch_norm_backward`); ``op`` names
    the caller in every error.

    Example
    -------
    >>> import numpy as np
    >>> out = batch_norm_inference(np.array([[4.0]]), np.ones((1, 1)), np.zeros((1, 1)),
    ...                            np.array([[2.0]]), np.array([[4.0]]), eps=1e-12)
    >>> np.round(out, 9).tolist()
    [[1.0]]
    """
    Z, gamma, beta = _inputs(op, Z, gamma, beta)
    axes, N, m = _layout(op, Z, gamma, beta)
    eps = _check_eps(op, eps)
    running_mean = _running(op, "running_mean", running_mean, gamma)
    running_var = _running(op, "running_var", running_var, gamma)
    mod = array_module(Z)
    check_finite(op, "running_var", running_var)
    if not bool(mod.all(running_var >= 0)):
        raise ValueError(f"{op}: running_var must be >= 0 (a variance), got a negative entry")
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    g, bt = mod.reshape(gamma, shape), mod.reshape(beta, shape)
    mu, var = mod.reshape(running_mean, shape), mod.reshape(running_var, shape)
    inv_std = 1.0 / mod.sqrt(var + eps)
    Z_norm = Z - mu
    Z_norm *= inv_std
    out = g * Z_norm
    out += bt
    if not return_cache:
        return out
    cache = {"Z_norm": Z_norm, "inv_std": inv_std, "gamma": g, "mu": mu, "var": var}
    cache.update({"axes": axes, "N": N, "m": m, "eps": eps, "training": False})
    return out, cache


def batch_norm_notes(Z: Array, gamma: Array, beta: Array, eps: float = 1e-8) -> Array:
    """The notes' version, for the "common mistakes" figure only: epsilon OUTSIDE the root,
    ``gamma (Z - mu) / (sqrt(var) + eps) + beta`` (and the notes' default eps 1e-8). Its input
    is checked as :func:`batch_norm`'s.

    Example
    -------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 1.001]])                    # variance 2.5e-7, near eps = 1e-5
    >>> one, zero = np.ones((1, 1)), np.zeros((1, 1))
    >>> right, _ = batch_norm(Z, one, zero, eps=1e-5)
    >>> np.round(right, 3).tolist(), np.round(batch_norm_notes(Z, one, zero, 1e-5), 3).tolist()
    ([[-0.156, 0.156]], [[-0.98, 0.98]])
    """
    op = "batch_norm_notes"
    Z, gamma, beta = _inputs(op, Z, gamma, beta)
    axes, N, _ = _layout(op, Z, gamma, beta)
    _batch_statistics(op, Z, N)
    eps = _check_eps(op, eps)
    mod = array_module(Z)
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    mu = mod.mean(Z, axis=axes, keepdims=True)
    var = mod.mean((Z - mu) ** 2, axis=axes, keepdims=True)
    g, bt = mod.reshape(gamma, shape), mod.reshape(beta, shape)
    return g * (Z - mu) / (mod.sqrt(var) + eps) + bt
