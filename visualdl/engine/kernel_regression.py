"""Nadaraya–Watson kernel regression: attention pooling with the query ``x``, the keys
``x_i`` and the values ``y_i``.

Given training pairs ``(x_i, y_i), i = 1..n``, the prediction at a query ``x`` is a weighted
average of the ``y_i`` (the notes, §A44)::

    f(x) = sum_i alpha(x, x_i) y_i,    alpha(x, x_i) = softmax_i(-((x - x_i) w)^2 / 2)

- **Non-parametric** (``w = 1``): Nadaraya and Watson's estimator with the Gaussian kernel
  ``K(u) = exp(-u^2 / 2) / sqrt(2 pi)``: ``K(x - x_i) / sum_j K(x - x_j)`` is exactly the
  softmax of the scores ``-(x - x_i)^2 / 2``, because the constant ``1 / sqrt(2 pi)`` is in
  the numerator and in every term of the denominator and cancels. Nothing is trained.
- **Parametric**: one learnable ``w`` scales the distance, a kernel of bandwidth ``1 / |w|``:
  a larger ``w`` makes the weights sharper (each query listens to fewer, nearer keys).

``score_qi = -((x_q - x_i) w)^2 / 2`` is the attention score, ``alpha = softmax`` over the
keys its weight; each row of the weight matrix ``(n_q, n)`` sums to 1.

Backward (the row layout's convention: the gradients of the summed loss
``S = sum_q df_q f_q``, no ``1/n`` inside): with ``A`` the weights and
``dscore_qi = A_qi df_q (y_i - f_q)`` (the softmax's Jacobian applied to ``dA_qi = df_q y_i``),

    dy_train = A^T df,    dw = sum_qi dscore_qi * (-w (x_q - x_i)^2).

:func:`fit_bandwidth` learns ``w`` by gradient descent on the leave-one-out mean squared
error: on the training set itself each point is predicted from the *others*
(``exclude_self=True`` masks the diagonal ``alpha(x_i, x_i)``), since with itself in the
average the error falls to 0 as ``w`` grows and nothing would stop ``w`` (d2l's parametric
example does the same).

The data are d2l's toy set: ``y = 2 sin(x) + x^0.8 + noise`` at sorted ``x`` in ``[0, 5)``
(:func:`toy_function`, :func:`toy_data`).

Example
-------
>>> import numpy as np
>>> x_train, y_train = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 4.0])
>>> f, cache = nadaraya_watson(np.array([1.0]), x_train, y_train, w=1.0)
>>> np.round(cache["weights"], 4).tolist(), np.round(f, 4).tolist()
([[0.2741, 0.4519, 0.2741]], [1.5481])
>>> g = nadaraya_watson_backward(np.ones(1), cache)
>>> np.round(g["dy_train"], 4).tolist(), round(g["dw"], 4)
([0.2741, 0.4519, 0.2741], -0.2477)
>>> loo, _ = nadaraya_watson(x_train, x_train, y_train, exclude_self=True)
>>> np.round(loo, 4).tolist()  # each point from the other two, its own weight 0
[1.5473, 2.0, 0.8176]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.backend import array_module
from visualdl.engine.checks import check_finite, gradient, integer, number, real_array
from visualdl.engine.rows import softmax_rows, softmax_rows_backward

__all__ = [
    "fit_bandwidth",
    "loo_mse",
    "nadaraya_watson",
    "nadaraya_watson_backward",
    "toy_data",
    "toy_function",
]

Array = Any


def toy_function(x: Array) -> Array:
    """d2l's truth curve ``2 sin(x) + x^0.8`` (``x >= 0``), elementwise."""
    x = real_array("toy_function", "x", x)
    xp = array_module(x)
    return 2.0 * xp.sin(x) + x**0.8


def toy_data(
    n_train: int = 50, seed: int = 0, noise: float = 0.5, high: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    """d2l's training set: ``x_i`` uniform on ``[0, high)``, sorted, and
    ``y_i = 2 sin(x_i) + x_i^0.8 + eps_i`` with ``eps_i ~ N(0, noise^2)``.

    Drawn with ``numpy.random.default_rng(seed)`` (``x`` first, then the noise). Returns
    ``(x_train, y_train)``, each ``(n_train,)`` float64.

    Example
    -------
    >>> x, y = toy_data(4, seed=0)
    >>> x.shape, bool(np.all(np.diff(x) >= 0)), bool(x.max() < 5.0)
    ((4,), True, True)
    """
    op = "toy_data"
    n_train = integer(op, "n_train", n_train, 1)
    noise = number(op, "noise", noise, "[0, inf)")
    high = number(op, "high", high, "(0, inf)")
    gen = np.random.default_rng(seed)
    x = np.sort(gen.uniform(0.0, high, n_train))
    return x, toy_function(x) + gen.normal(0.0, noise, n_train)


def _weight(op: str, w: Any) -> float:
    if getattr(w, "ndim", None) == 0 and hasattr(w, "item"):
        w = w.item()  # a 0-d array, as a finite-difference check passes it
    return number(op, "w", w)


def _vector(op: str, name: str, v: Any) -> Array:
    v = real_array(op, name, v)
    if v.ndim != 1 or v.shape[0] < 1:
        raise ValueError(f"{op}: {name} must be a 1-D array of length >= 1, got shape {v.shape}")
    check_finite(op, name, v)
    return v


def nadaraya_watson(
    x: Array, x_train: Array, y_train: Array, w: float = 1.0, exclude_self: bool = False
) -> tuple[Array, dict]:
    """Predictions ``f (n_q,)`` of Nadaraya–Watson regression with bandwidth parameter ``w``.

    ``score_qi = -((x_q - x_i) w)^2 / 2``, ``alpha = softmax_rows(score)`` over the ``n``
    training points, ``f = alpha @ y_train``.

    Parameters
    ----------
    x : (n_q,) the queries.
    x_train, y_train : (n,) the keys and the values.
    w : float
        The learnable scale of the distance (``w = 1``: the plain Gaussian kernel; ``w = 0``:
        the plain average of the ``y_i``). Only ``w^2`` matters.
    exclude_self : bool
        Leave-one-out: query ``q`` gets no weight on key ``q`` (the diagonal is masked with
        ``-inf``, so its weight is exactly 0). Meant for ``x`` = ``x_train``; needs
        ``n_q == n >= 2``.

    Returns
    -------
    f : (n_q,)
    cache : dict
        ``weights (n_q, n)`` (rows sum to 1), ``scores (n_q, n)`` (before the mask), ``diff``
        ``(n_q, n)`` = ``x_q - x_i``, and ``y_train``, ``w``, ``exclude_self``.
    """
    op = "nadaraya_watson"
    x = _vector(op, "x", x)
    x_train = _vector(op, "x_train", x_train)
    y_train = _vector(op, "y_train", y_train)
    if y_train.shape != x_train.shape:
        raise ValueError(
            f"{op}: y_train must have the shape of x_train {tuple(x_train.shape)} (one value per "
            f"key), got {tuple(y_train.shape)}"
        )
    w = _weight(op, w)
    if not isinstance(exclude_self, bool):
        raise ValueError(f"{op}: exclude_self must be True or False, got {exclude_self!r}")
    n_q, n = x.shape[0], x_train.shape[0]
    if exclude_self and (n_q != n or n < 2):
        raise ValueError(
            f"{op}: exclude_self (leave-one-out) needs x of the length of x_train (the training "
            f"points as their own queries) and at least 2 of them, got x of length {n_q} and "
            f"x_train of length {n}"
        )
    xp = array_module(x, x_train, y_train)
    diff = x[:, None] - x_train[None, :]
    scores = -((diff * w) ** 2) / 2.0
    masked = scores
    if exclude_self:
        eye = xp.eye(n, dtype=xp.bool)
        masked = xp.where(eye, xp.full_like(scores, -xp.inf), scores)
    weights = softmax_rows(masked)
    f = weights @ y_train
    cache = {
        "weights": weights,
        "scores": scores,
        "diff": diff,
        "y_train": y_train,
        "f": f,
        "w": w,
        "exclude_self": exclude_self,
    }
    return f, cache


def nadaraya_watson_backward(df: Array, cache: dict) -> dict[str, Any]:
    """Gradients of the summed loss ``S = sum_q df_q f_q``: ``dw`` (a float) and
    ``dy_train (n,)``.

    ``dy_train = A^T df``; ``dscore = softmax_rows_backward(df[:, None] * y_train, A)``, i.e.
    ``A_qi df_q (y_i - f_q)``; ``dw = sum_qi dscore_qi * (-w (x_q - x_i)^2)``. A masked
    (left-out) entry has ``A_qi = 0`` and so passes no gradient.
    """
    A, y, diff, w = cache["weights"], cache["y_train"], cache["diff"], cache["w"]
    df = gradient("nadaraya_watson_backward", "df", df, "f", cache["f"])
    xp = array_module(df, A)
    dy_train = df @ A
    dscores = softmax_rows_backward(df[:, None] * y[None, :], A)
    dw = float(xp.sum(dscores * (-w * diff**2)))
    return {"dw": dw, "dy_train": dy_train}


def loo_mse(x_train: Array, y_train: Array, w: float) -> float:
    """The leave-one-out mean squared error ``(1/n) sum_i (f_{-i}(x_i) - y_i)^2``, each point
    predicted from the others with :func:`nadaraya_watson` (``exclude_self=True``)."""
    f, _ = nadaraya_watson(x_train, x_train, y_train, w, exclude_self=True)
    y = real_array("loo_mse", "y_train", y_train)
    return float(array_module(f).mean((f - y) ** 2))


def fit_bandwidth(
    x_train: Array,
    y_train: Array,
    w0: float = 1.0,
    lr: float = 5.0,
    steps: int = 100,
) -> dict[str, np.ndarray]:
    """Learn ``w`` by plain gradient descent on the leave-one-out mean squared error.

    ``J(w) = (1/n) sum_i (f_{-i}(x_i) - y_i)^2`` with ``f_{-i}`` from
    :func:`nadaraya_watson` (``x = x_train``, ``exclude_self=True``); its gradient is
    :func:`nadaraya_watson_backward` with ``df = 2 (f - y) / n`` (the ``1/n`` of the mean is
    in the loss, as everywhere in the row layout). Each step: ``w <- w - lr dJ/dw``. Only
    ``w`` is trained; the ``y_i`` are data.

    Parameters
    ----------
    x_train, y_train : (n,) the training pairs, ``n >= 2``.
    w0 : float, the start.
    lr : float > 0, the learning rate.
    steps : int >= 1, the number of updates.

    Returns
    -------
    dict
        ``w (steps + 1,)`` the parameter before each update and after the last (``w[-1]`` is
        the learned one), ``loss (steps + 1,)`` ``J`` at each of them, ``dw (steps,)`` the
        gradient each update used.

    Example
    -------
    >>> x, y = toy_data(50, seed=0)
    >>> h = fit_bandwidth(x, y, w0=1.0, lr=1.0, steps=50)
    >>> bool(h["loss"][-1] < h["loss"][0]), bool(h["w"][-1] > 1.0)
    (True, True)
    """
    op = "fit_bandwidth"
    x_train = _vector(op, "x_train", x_train)
    y_train = _vector(op, "y_train", y_train)
    if y_train.shape != x_train.shape or x_train.shape[0] < 2:
        raise ValueError(
            f"{op}: expected x_train and y_train of the same length n >= 2, got shapes "
            f"{tuple(x_train.shape)} and {tuple(y_train.shape)}"
        )
    w = _weight(op, w0)
    lr = number(op, "lr", lr, "(0, inf)")
    steps = integer(op, "steps", steps, 1)
    n = x_train.shape[0]
    ws, losses, grads = [], [], []
    for _ in range(steps + 1):
        f, cache = nadaraya_watson(x_train, x_train, y_train, w, exclude_self=True)
        err = f - y_train
        ws.append(w)
        losses.append(float(array_module(err).sum(err * err)) / n)
        if len(grads) == steps:
            break
        dw = nadaraya_watson_backward(2.0 * err / n, cache)["dw"]
        if not np.isfinite(dw):
            raise FloatingPointError(f"{op}: the gradient at step {len(grads)} is {dw}")
        grads.append(dw)
        w = w - lr * dw
    return {"w": np.array(ws), "loss": np.array(losses), "dw": np.array(grads)}
