"""Input standardization fitted on the training set and reused on dev/test.

Features are rows (``X: (n_x, m)``), so the statistics are taken over axis 1:
``mu = mean(X, axis=1)``, ``sigma = std(X, axis=1)``, ``X_norm = (X - mu) / (sigma + eps)``.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.preprocessing import Standardizer
>>> s = Standardizer().fit(np.array([[1.0, 3.0], [10.0, 30.0]]))
>>> s.transform(np.array([[2.0], [20.0]])).ravel().tolist()
[0.0, 0.0]
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import check_batch, check_finite, check_ndim, number, real_array

__all__ = ["Standardizer"]


class Standardizer:
    """Z-score per feature: fit ``mu, sigma: (n_x, 1)`` on train, apply the same to any set."""

    def __init__(self, eps: float = 1e-8) -> None:
        self.eps = number("Standardizer", "eps", eps, "(0, inf)")
        self.mu: Any = None
        self.sigma: Any = None

    def fit(self, X: Any) -> Standardizer:
        """Learn ``mu`` and ``sigma`` from ``X: (n_x, m)``."""
        X = real_array("Standardizer.fit", "X", X)
        check_ndim("Standardizer.fit", "X", X, 2, "(n_x, m)")
        check_batch("Standardizer.fit", "X", X, 1)
        check_finite("Standardizer.fit", "X", X)
        xp = array_module(X)
        self.mu = xp.mean(X, axis=1, keepdims=True)
        self.sigma = xp.std(X, axis=1, keepdims=True)
        return self

    def transform(self, X: Any) -> Any:
        """``(X - mu) / (sigma + eps)`` with the fitted statistics."""
        if self.mu is None:
            raise ValueError("Standardizer.transform: call fit on the training set first")
        X = real_array("Standardizer.transform", "X", X)
        check_ndim("Standardizer.transform", "X", X, 2, "(n_x, m)")
        if X.shape[0] != self.mu.shape[0]:
            raise ValueError(
                f"Standardizer.transform: expected {self.mu.shape[0]} features (rows), "
                f"got {X.shape[0]}"
            )
        return (X - self.mu) / (self.sigma + self.eps)

    def fit_transform(self, X: Any) -> Any:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)
