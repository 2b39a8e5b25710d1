"""2-D test surfaces for watching optimizers: ``f(x, y)`` with a hand-written gradient.

A point is the parameter dict ``{"x": ..., "y": ...}`` and its gradient ``{"dx": ..., "dy": ...}``,
the same keys the optimizers use for a model's ``W1``/``dW1``. ``f`` and ``grad`` also take
NumPy grids, for contour plots.

==================  ========================================================  ===============
``bowl``            ``0.1 x^2 + 2 y^2``: an ill-conditioned quadratic (20:1)  min at (0, 0)
``rosenbrock``      ``(1 - x)^2 + 100 (y - x^2)^2``: a curved narrow valley   min at (1, 1)
``beale``           ``sum_i (c_i - x + x y^i)^2``, c = 1.5, 2.25, 2.625       min at (3, 0.5)
``saddle``          ``x^2 - y^2``: a saddle point at the origin               no minimum
``logistic``        mean binary cross-entropy of ``sigmoid(w r + b)`` on the  numeric minimum
                    breast-cancer data (r: standardized mean radius,
                    label: malignant), as a function of ``(x, y) = (w, b)``
==================  ========================================================  ===============

Example
-------
>>> from visualdl.engine.surfaces import get
>>> s = get("rosenbrock")
>>> float(s.f(1.0, 1.0)), s.gradients({"x": 1.0, "y": 1.0}) == {"dx": 0.0, "dy": 0.0}
(0.0, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from visualdl.engine.checks import choice

__all__ = ["SURFACES", "Surface", "breast_cancer_radius", "get"]

Array = Any


@dataclass(frozen=True)
class Surface:
    """A test function with its gradient, a start point, its minimum and a plotting window."""

    name: str
    f: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], tuple[Array, Array]]
    start: tuple[float, float]
    minimum: tuple[float, float] | None
    bounds: tuple[tuple[float, float], tuple[float, float]]
    title: str
    #: the coordinates that play a bias's role (weight decay leaves them alone)
    no_decay: tuple[str, ...] = ()

    def loss(self, params: dict[str, Array]) -> float:
        """``f`` at the point ``{"x", "y"}``."""
        return float(self.f(params["x"], params["y"]))

    def gradients(self, params: dict[str, Array]) -> dict[str, Array]:
        """``{"dx": df/dx, "dy": df/dy}`` at the point."""
        dx, dy = self.grad(params["x"], params["y"])
        return {"dx": dx, "dy": dy}


def _bowl(x: Array, y: Array) -> Array:
    return 0.1 * x**2 + 2 * y**2


def _bowl_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return 0.2 * x, 4 * y


def _rosenbrock(x: Array, y: Array) -> Array:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


BEALE_C = (1.5, 2.25, 2.625)


def _beale(x: Array, y: Array) -> Array:
    return sum((c - x + x * y**i) ** 2 for i, c in enumerate(BEALE_C, start=1))


def _beale_grad(x: Array, y: Array) -> tuple[Array, Array]:
    dx = sum(2 * (c - x + x * y**i) * (y**i - 1) for i, c in enumerate(BEALE_C, start=1))
    dy = sum(2 * (c - x + x * y**i) * i * x * y ** (i - 1) for i, c in enumerate(BEALE_C, 1))
    return dx, dy


def _saddle(x: Array, y: Array) -> Array:
    return x**2 - y**2


def _saddle_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return 2 * x, -2 * y


@cache
def breast_cancer_radius() -> tuple[np.ndarray, np.ndarray]:
    """Real data shipped with scikit-learn: ``r: (m,)`` the standardized mean radius of 569
    breast-cancer cell nuclei, ``t: (m,)`` 1 for malignant, 0 for benign."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    radius = data.data[:, list(data.feature_names).index("mean radius")]
    r = (radius - radius.mean()) / radius.std()
    return r, (data.target == 0).astype(np.float64)  # sklearn: 0 = malignant


def _logistic_terms(w: Array, b: Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, t = breast_cancer_radius()
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    z = w[..., None] * r + b[..., None]  # (..., m): one row of logits per grid point
    return z, r, t


def _logistic(w: Array, b: Array) -> Array:
    z, _, t = _logistic_terms(w, b)
    # stable BCE from the logits: max(z, 0) - z t + log(1 + e^-|z|), averaged over examples
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), axis=-1)


def _logistic_grad(w: Array, b: Array) -> tuple[Array, Array]:
    z, r, t = _logistic_terms(w, b)
    dz = np.exp(-np.logaddexp(0, -z)) - t  # sigma(z) - t: dZ = A - Y, as in the notes
    return np.mean(dz * r, axis=-1), np.mean(dz, axis=-1)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in [
        Surface(
            "bowl",
            _bowl,
            _bowl_grad,
            (-5.0, -2.0),
            (0.0, 0.0),
            ((-5.5, 2.0), (-2.5, 2.5)),
            "ill-conditioned bowl 0.1x² + 2y²",
        ),
        Surface(
            "rosenbrock",
            _rosenbrock,
            _rosenbrock_grad,
            (-1.5, 2.0),
            (1.0, 1.0),
            ((-2.0, 2.0), (-1.0, 3.0)),
            "Rosenbrock (1 − x)² + 100(y − x²)²",
        ),
        Surface(
            "beale",
            _beale,
            _beale_grad,
            (1.0, 1.4),
            (3.0, 0.5),
            ((-0.5, 4.0), (-1.5, 2.0)),
            "Beale",
        ),
        Surface(
            "saddle",
            _saddle,
            _saddle_grad,
            (-1.5, 0.01),
            None,
            ((-2.0, 2.0), (-2.0, 2.0)),
            "saddle x² − y²",
        ),
        Surface(
            "logistic",
            _logistic,
            _logistic_grad,
            (-4.0, 4.0),
            None,
            ((-5.0, 8.0), (-6.0, 6.0)),
            "logistic regression on breast-cancer data: J(w, b)",
            no_decay=("y",),
        ),
    ]
}


def get(name: str) -> Surface:
    """The surface called ``name`` (``ValueError`` listing the known ones otherwise)."""
    return SURFACES[choice("surface", "name", name, SURFACES)]
