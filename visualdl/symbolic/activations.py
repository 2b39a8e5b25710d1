"""Activation functions as SymPy expressions in ``z``, their derivatives, LaTeX and checks.

The elementwise activations are expressions in one symbol ``z``; their backward is
``dZ = dA * g'(Z)`` with ``g' = sympy.diff(g, z)``. Softmax mixes a column's entries, so it is
a 3-class vector expression whose Jacobian ``J_kj = d a_k / d z_j`` SymPy computes; its
backward is ``dZ = J^T dA`` per column. :func:`check` meets both with the engine.

Example
-------
>>> from visualdl.symbolic.activations import derivative, latex
>>> derivative("tanh")
1 - tanh(z)**2
>>> latex("sigmoid")[0]
'\\\\frac{1}{1 + e^{- z}}'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform

__all__ = [
    "ALPHA",
    "CHECKS",
    "EXPRESSIONS",
    "check",
    "check_softmax",
    "derivative",
    "latex",
    "softmax_expression",
    "softmax_jacobian",
    "softmax_vjp_simplifies",
    "z",
    "zs",
]

Backward = Callable[[Any, Any, Any], Any]  # (dA, Z, A) -> dZ

z = sp.Symbol("z", real=True)
ALPHA = sp.Rational(1, 100)  # leaky ReLU slope, as in the engine

EXPRESSIONS: dict[str, sp.Expr] = {
    "sigmoid": 1 / (1 + sp.exp(-z)),
    "tanh": sp.tanh(z),
    "relu": sp.Piecewise((0, z < 0), (z, True)),
    "leaky_relu": sp.Piecewise((ALPHA * z, z < 0), (z, True)),
    "identity": z,
}

zs = sp.symbols("z_1:4", real=True)  # the 3 logits of one softmax column


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


def softmax_expression() -> sp.Matrix:
    """softmax as a (3, 1) SymPy column: ``a_k = e^{z_k} / sum_j e^{z_j}``.

    Example
    -------
    >>> softmax_expression()[0]
    exp(z_1)/(exp(z_1) + exp(z_2) + exp(z_3))
    """
    total = sum(sp.exp(zk) for zk in zs)
    return sp.Matrix([sp.exp(zk) / total for zk in zs])


def softmax_jacobian() -> sp.Matrix:
    """``J_kj = d a_k / d z_j`` of the 3-class softmax, by ``sympy.diff``; shape (3, 3)."""
    return softmax_expression().jacobian(sp.Matrix(zs))


def softmax_vjp_simplifies() -> bool:
    """True when SymPy simplifies ``J^T dA`` to the engine's documented form
    ``a * (dA - sum_k dA_k a_k)`` (per column)."""
    a = softmax_expression()
    dA = sp.Matrix(sp.symbols("dA_1:4", real=True))
    vjp = softmax_jacobian().T * dA
    documented = a.multiply_elementwise(dA - (dA.T * a)[0] * sp.ones(3, 1))
    return all(sp.simplify(e) == 0 for e in vjp - documented)


def check(
    name: str,
    backward: Backward | None = None,
    shape: tuple[int, int] = (4, 6),
    seed: int = SEED,
) -> Check:
    """Cross-check activation ``name``: SymPy's forward and ``dA * diff(g, z)`` against the
    engine's ``forward(Z)`` and hand-written ``backward(dA, Z, A)``.

    Parameters
    ----------
    name : str
        ``sigmoid, tanh, relu, leaky_relu, identity`` or ``softmax`` (:func:`check_softmax`).
    backward : callable, optional
        ``(dA, Z, A) -> dZ`` to check instead of the engine's (tests pass a broken one).
    shape : tuple
        ``(n, m)`` of the random ``Z`` and ``dA``; ``|Z| >= 0.05`` keeps clear of kinks.
    seed : int
        Seed of ``numpy.random.default_rng`` for the inputs.

    Example
    -------
    >>> check("tanh").passed
    True
    """
    if name == "softmax":
        return check_softmax(backward, seed=seed)
    from visualdl.engine import activations as engine

    gen = rng(seed)
    Z, dA = signed_uniform(gen, shape), gen.standard_normal(shape)
    g = sp.lambdify(z, EXPRESSIONS[name], "numpy")
    g_prime = sp.lambdify(z, derivative(name), "numpy")
    expected_A = np.broadcast_to(g(Z), Z.shape)
    expected_dZ = dA * g_prime(Z)  # chain rule, with g' from sympy.diff
    act = engine.get(name)
    A = act.forward(Z)
    dZ = (backward or act.backward)(dA, Z, A)
    return Check(
        "g(Z), dA * diff(g, z) vs engine forward, backward",
        rel_error(expected_A, A, expected_dZ, dZ),
    )


def check_softmax(backward: Backward | None = None, m: int = 6, seed: int = SEED) -> Check:
    """Cross-check softmax: each column's ``J^T dA`` (J from :func:`softmax_jacobian`) against
    the engine's ``softmax_backward(dA, Z, A)``; Z, dA of shape (3, m).

    The documented form must also follow by simplification (:func:`softmax_vjp_simplifies`),
    otherwise the error is reported as infinite.

    Example
    -------
    >>> check_softmax().passed
    True
    """
    from visualdl.engine import activations as engine

    gen = rng(seed)
    Z, dA = gen.normal(0.0, 2.0, (3, m)), gen.standard_normal((3, m))
    a = sp.lambdify(zs, softmax_expression(), "numpy")
    jac = sp.lambdify(zs, softmax_jacobian(), "numpy")
    expected_A = np.hstack([np.asarray(a(*Z[:, i]), dtype=float) for i in range(m)])
    expected_dZ = np.column_stack(
        [np.asarray(jac(*Z[:, i]), dtype=float).T @ dA[:, i] for i in range(m)]
    )
    A = engine.softmax(Z)
    dZ = (backward or engine.get("softmax").backward)(dA, Z, A)
    err = rel_error(expected_A, A, expected_dZ, dZ)
    return Check(
        "J^T dA, J = jacobian of 3-class softmax, vs softmax_backward",
        err if softmax_vjp_simplifies() else float("inf"),
    )


# the rows of ``visualdl verify``, in the order it prints them
CHECKS: dict[str, Op] = {
    "sigmoid": Op(check, ("sigmoid",)),
    "tanh": Op(check, ("tanh",)),
    "relu": Op(check, ("relu",)),
    "leaky_relu": Op(check, ("leaky_relu",)),
    "softmax": Op(check, ("softmax",), covers=("activations.softmax_backward",)),
    "identity": Op(check, ("identity",)),
}
