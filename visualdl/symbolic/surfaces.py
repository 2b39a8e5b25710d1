"""The 2-D test surfaces as SymPy expressions, their gradients by ``sympy.diff``, and checks.

Each surface ``f(x, y)`` is written from its definition (exact rationals for the constants);
SymPy differentiates it and the result is met with the engine's *hand-written*
``Surface.grad`` (and ``f`` with ``Surface.f``) at random points of the surface's plotting
window. The logistic-regression loss is the mean binary cross-entropy over the real data,

``J(w, b) = -(1/m) sum_i [t_i log sigma(w r_i + b) + (1 - t_i) log(1 - sigma(w r_i + b))]``,

a ``sympy.Sum`` over the ``m = 569`` examples (``r_i``: standardized mean radius, ``t_i``: 1 for
malignant) with ``(x, y) = (w, b)``. SymPy's derivatives are evaluated with 30 significant
digits (mpmath), so a far corner of the window, where ``1 - sigma(z)`` rounds to 0 in float64,
is still exact; the engine's float64 values are then compared with them.

Example
-------
>>> from visualdl.symbolic.surfaces import gradient
>>> gradient("saddle")
(2*x, -2*y)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.engine.checks import choice
from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = [
    "CHECKS",
    "EXPRESSIONS",
    "NAMES",
    "POINTS",
    "check",
    "expression",
    "gradient",
    "latex",
    "x",
    "y",
]

x, y = sp.symbols("x y", real=True)
NAMES = ("bowl", "rosenbrock", "beale", "saddle", "logistic")
POINTS = 6  # random points per check
DIGITS = 30  # precision of the evaluation of SymPy's results

BEALE_C = (sp.Rational(3, 2), sp.Rational(9, 4), sp.Rational(21, 8))
EXPRESSIONS: dict[str, sp.Expr] = {
    "bowl": sp.Rational(1, 10) * x**2 + 2 * y**2,
    "rosenbrock": (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "beale": sum((c - x + x * y**i) ** 2 for i, c in enumerate(BEALE_C, start=1)),
    "saddle": x**2 - y**2,
}

# the logistic loss: a Sum over indexed data r[i], t[i], i = 0..m-1
m_ = sp.Symbol("m", integer=True, positive=True)
i_ = sp.Idx("i", m_)
r_, t_ = sp.IndexedBase("r"), sp.IndexedBase("t")


def _logistic() -> sp.Expr:
    z = x * r_[i_] + y  # (x, y) = (w, b)
    a = 1 / (1 + sp.exp(-z))
    return sp.Sum(-(t_[i_] * sp.log(a) + (1 - t_[i_]) * sp.log(1 - a)), (i_, 0, m_ - 1)) / m_


def expression(name: str) -> sp.Expr:
    """``f(x, y)`` of surface ``name`` (the logistic loss contains ``Sum`` over ``r[i], t[i]``).

    Example
    -------
    >>> expression("bowl")
    x**2/10 + 2*y**2
    """
    choice("surface", "name", name, NAMES)
    return _logistic() if name == "logistic" else EXPRESSIONS[name]


@cache
def gradient(name: str) -> tuple[sp.Expr, sp.Expr]:
    """``(df/dx, df/dy)`` by ``sympy.diff`` of :func:`expression`.

    Example
    -------
    >>> gradient("bowl")
    (x/5, 4*y)
    """
    f = expression(name)
    return sp.diff(f, x), sp.diff(f, y)


def latex(name: str) -> str:
    """``f(x, y)`` as LaTeX that matplotlib mathtext can draw.

    Example
    -------
    >>> latex("saddle")
    'x^{2} - y^{2}'
    """
    return sp.latex(expression(name))


@cache
def _evaluator(name: str) -> Callable[..., list]:
    args = (x, y, r_, t_, m_) if name == "logistic" else (x, y)
    return sp.lambdify(args, [expression(name), *gradient(name)], "mpmath")


def _evaluate(name: str, px: float, py: float) -> np.ndarray:
    """``[f, df/dx, df/dy]`` of SymPy's expressions at one point, to DIGITS digits."""
    import mpmath

    extra: tuple[Any, ...] = ()
    if name == "logistic":
        from visualdl.engine.surfaces import breast_cancer_radius

        r, t = breast_cancer_radius()
        extra = (r.tolist(), t.tolist(), len(r))
    with mpmath.workdps(DIGITS):
        values = _evaluator(name)(mpmath.mpf(px), mpmath.mpf(py), *extra)
        return np.array([float(v) for v in values])


Grad = Callable[[Any, Any], tuple[Any, Any]]


def check(name: str, grad: Grad | None = None, seed: int = SEED, points: int = POINTS) -> Check:
    """Cross-check surface ``name``: SymPy's ``f`` and ``diff(f, x), diff(f, y)`` against the
    engine's ``Surface.f`` and hand-written ``Surface.grad`` at ``points`` random points drawn
    uniformly from the surface's plotting window (``default_rng(seed)``), and on a grid of the
    same points (``f``/``grad`` take arrays, for contour plots).

    ``grad`` replaces the engine's ``(x, y) -> (dx, dy)`` (tests pass a broken one).

    Example
    -------
    >>> check("rosenbrock").passed
    True
    """
    from visualdl.engine.surfaces import get

    surface = get(name)
    grad = grad or surface.grad
    (x0, x1), (y0, y1) = surface.bounds
    gen = rng(seed)
    px, py = gen.uniform(x0, x1, points), gen.uniform(y0, y1, points)
    want = np.array([_evaluate(name, a, b) for a, b in zip(px, py, strict=True)])  # (points, 3)
    scalar = np.array([[surface.f(a, b), *grad(a, b)] for a, b in zip(px, py, strict=True)])
    dx, dy = grad(px, py)  # vectorized
    grid = np.stack([surface.f(px, py), dx, dy], axis=1)
    return Check(
        f"f, diff(f, x), diff(f, y) vs Surface.f, .grad at {points} points",
        rel_error(want, scalar.astype(np.float64), want, grid.astype(np.float64)),
    )


# the rows of ``visualdl verify``, in the order it prints them (``Surface.grad`` is replaced)
CHECKS: dict[str, Op] = {name: Op(check, (name,), override="grad") for name in NAMES}
