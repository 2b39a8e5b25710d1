"""Synthetic 2-D data sets, examples as columns: ``X: (2, m)``, labels ``Y: (1, m)``.

Every generator takes a seed and returns host NumPy float64 arrays; the same seed gives the
same data.

Example
-------
>>> from visualdl.engine import data
>>> X, Y = data.two_moons(100, seed=0)
>>> X.shape, Y.shape
((2, 100), (1, 100))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.backend import array_module, from_host, to_host
from visualdl.engine.checks import check_batch, integer, number, real_array
from visualdl.engine.initializers import check_rng, make_rng

__all__ = ["DATASETS", "circles", "mini_batches", "one_hot", "spirals", "two_moons", "xor"]


def _check(name: str, m: int, noise: float) -> tuple[int, float]:
    return integer(name, "m", m, 2), number(name, "noise", noise, "[0, inf)")


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The notes' XOR: ``X = [[0,0,1,1],[0,1,0,1]]``, ``Y = [[0,1,1,0]]``."""
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.float64)
    Y = np.array([[0, 1, 1, 0]], dtype=np.float64)
    return X, Y


def two_moons(m: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles; the first m//2 examples are class 0."""
    m, noise = _check("two_moons", m, noise)
    rng = make_rng(seed)
    m0 = m // 2
    t0, t1 = np.linspace(0, np.pi, m0), np.linspace(0, np.pi, m - m0)
    X = np.hstack([[np.cos(t0), np.sin(t0)], [1 - np.cos(t1), 0.5 - np.sin(t1)]])
    X = X + noise * rng.standard_normal(X.shape)
    Y = np.hstack([np.zeros(m0), np.ones(m - m0)])[None, :]
    return X, Y


def circles(
    m: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A ring of class 0 around a smaller ring (radius ``factor``) of class 1."""
    m, noise = _check("circles", m, noise)
    factor = number("circles", "factor", factor, "(0, 1)")
    rng = make_rng(seed)
    m0 = m // 2
    t0 = np.linspace(0, 2 * np.pi, m0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, m - m0, endpoint=False)
    X = np.hstack([[np.cos(t0), np.sin(t0)], factor * np.array([np.cos(t1), np.sin(t1)])])
    X = X + noise * rng.standard_normal(X.shape)
    Y = np.hstack([np.zeros(m0), np.ones(m - m0)])[None, :]
    return X, Y


def spirals(
    m: int = 300, classes: int = 2, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms; labels 0..classes-1 in ``Y: (1, m)``."""
    m, noise = _check("spirals", m, noise)
    classes = integer("spirals", "classes", classes, 2)
    rng = make_rng(seed)
    labels = np.arange(m) % classes
    r = np.tile(np.linspace(0.05, 1.0, m // classes + 1), classes)[:m]
    r = np.sort(r)
    t = labels * 2 * np.pi / classes + 4 * r + noise * rng.standard_normal(m)
    X = np.vstack([r * np.cos(t), r * np.sin(t)])
    return X, labels.astype(np.float64)[None, :]


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Labels ``(1, m)`` or ``(m,)`` in 0..classes-1 -> one-hot columns ``(classes, m)``.

    Labels must be whole numbers (``1.0`` is the label 1; ``1.7`` is refused, not truncated).
    """
    classes = integer("one_hot", "classes", classes)
    labels = to_host(real_array("one_hot", "labels", labels))
    if labels.ndim > 2 or (labels.ndim == 2 and labels.shape[0] != 1):
        raise ValueError(f"one_hot: labels must be (1, m) or (m,), got shape {labels.shape}")
    labels = labels.reshape(-1)
    if labels.size == 0:
        raise ValueError("one_hot: labels has no examples (m = 0)")
    if not np.all(labels == np.round(labels)):
        raise ValueError(
            f"one_hot: labels must be whole numbers, got {labels[labels != np.round(labels)][0]}"
        )
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(
            f"one_hot: labels must lie in 0..{classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return np.eye(classes)[:, labels.astype(np.int64)]


def mini_batches(
    X: Any, Y: Any, batch_size: int | None, rng: np.random.Generator
) -> list[tuple[Any, Any]]:
    """Shuffle the examples with ``rng`` and cut them into mini-batches of ``batch_size``.

    Shapes: ``X: (n_x, m)`` or a sequence ``(n_x, m, T)`` (examples are columns) or
    ``X: (m, n_H, n_W, n_C)`` (examples on axis 0), ``Y: (n_y, m)`` or ``(n_y, m, T)`` -> a
    list of ``(X_t, Y_t)`` with ``batch_size`` examples each but the last, which holds the
    remaining ``m % batch_size``. With ``batch_size=None`` the whole
    set is one batch, unshuffled (batch gradient descent).
    """
    X, Y = real_array("mini_batches", "X", X), real_array("mini_batches", "Y", Y)
    if X.ndim not in (2, 3, 4):
        raise ValueError(
            f"mini_batches: X must be (n_x, m), (n_x, m, T) or (m, n_H, n_W, n_C), got {X.shape}"
        )
    axis = 0 if X.ndim == 4 else 1
    m = check_batch("mini_batches", "X", X, axis)
    if Y.ndim not in (2, 3) or Y.shape[1] != m:
        raise ValueError(
            f"mini_batches: X {tuple(X.shape)} and Y {tuple(Y.shape)} must have the same m "
            f"(number of examples)"
        )
    if batch_size is None:
        return [(X, Y)]
    batch_size = integer("mini_batches", "batch_size", batch_size)
    check_rng("mini_batches", rng)
    order = rng.permutation(m)
    perm = from_host(order, like=X) if array_module(X) is not np else order
    Xs, Ys = (X[perm] if axis == 0 else X[:, perm]), Y[:, perm]
    cut = [slice(k, k + batch_size) for k in range(0, m, batch_size)]
    return [(Xs[c] if axis == 0 else Xs[:, c], Ys[:, c]) for c in cut]


DATASETS = {"xor": xor, "two_moons": two_moons, "circles": circles, "spirals": spirals}
