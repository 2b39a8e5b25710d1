"""Activation functions as SymPy expressions in ``z``, their derivatives and LaTeX.

Example
-------
>>> from visualdl.symbolic.activations import derivative, latex
>>> derivative("tanh")
1 - tanh(z)**2
>>> latex("sigmoid")[0]
'\\\\frac{1}{1 + e^{- z}}'
"""

from __future__ import annotations

import sympy as sp

__all__ = ["ALPHA", "EXPRESSIONS", "derivative", "latex", "z"]

z = sp.Symbol("z", real=True)
ALPHA = sp.Rational(1, 100)  # leaky ReLU slope, as in the engine

EXPRESSIONS: dict[str, sp.Expr] = {
    "sigmoid": 1 / (1 + sp.exp(-z)),
    "tanh": sp.tanh(z),
    "relu": sp.Piecewise((0, z < 0), (z, True)),
    "leaky_relu": sp.Piecewise((ALPHA * z, z < 0), (z, True)),
    "identity": z,
}


def _mathtext(expr: sp.Expr) -> str:
    """LaTeX that mathtext can draw: a Piecewise becomes ``e1 (c1), e2 (otherwise)``."""
    if not isinstance(expr, sp.Piecewise):
        return sp.latex(expr)
    parts = []
    for e, c in expr.args:
        cond = r"\mathrm{otherwise}" if c is sp.true else sp.latex(c)
        parts.append(sp.latex(e) + r"\;(" + cond + ")")
    return r",\;\; ".join(parts)


def derivative(name: str) -> sp.Expr:
    """``d g(z) / dz`` by ``sympy.diff``."""
    if name not in EXPRESSIONS:
        raise ValueError(f"activation: expected one of {sorted(EXPRESSIONS)}, got {name!r}")
    return sp.diff(EXPRESSIONS[name], z)


def latex(name: str) -> tuple[str, str]:
    """``(g, g')`` as LaTeX that matplotlib mathtext can render; sigmoid's derivative is shown
    in its textbook form ``sigma(z)(1 - sigma(z))`` after SymPy confirms it equals the result."""
    g, d = EXPRESSIONS.get(name), derivative(name)
    if name == "sigmoid":
        sigma = sp.Symbol(r"\sigma(z)")
        if sp.simplify(sp.diff(g, z) - g * (1 - g)) != 0:  # pragma: no cover - would be a SymPy bug
            raise AssertionError("sigmoid derivative is not sigma (1 - sigma)")
        return _mathtext(g), sp.latex(sigma * (1 - sigma))
    return _mathtext(g), _mathtext(d)
