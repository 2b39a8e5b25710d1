"""Losses differentiated by SymPy: BCE, cross-entropy, MSE and L1, and the fused gradients.

Each loss is written per example, ``L(a, y)``, over a small symbolic (n_out, m) block; the
cost is ``J = (1/m) sum_i L_i``. The engine's backward returns the per-example gradient
``dA = d(sum_i L_i)/dA = m dJ/dA``, so SymPy's ``m * diff(J, A_ki)`` is what it must match.
The cost itself is compared too. Two simplifications are checked symbolically:

- sigmoid + BCE: ``dL/dz = a - y`` with ``a = sigma(z)``;
- softmax + cross-entropy (3 classes, labels summing to 1, e.g. one-hot): ``dL/dz_k = a_k - y_k``.

Example
-------
>>> bce_fused_simplifies(), cross_entropy_fused_simplifies()
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.activations import EXPRESSIONS, softmax_expression, z, zs
from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = [
    "CHECKS",
    "LOSSES",
    "bce_fused_simplifies",
    "check",
    "cross_entropy_fused_simplifies",
    "derivation",
]

a, y = sp.symbols("a y", real=True)
ys = sp.symbols("y_1:4", real=True)

# per-example loss of one output unit (summed over the units of a column)
LOSSES: dict[str, sp.Expr] = {
    "bce": -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
    "cross_entropy": -y * sp.log(a),
    "mse": (a - y) ** 2,
    "l1_loss": sp.Abs(a - y),
}
SHAPES = {"bce": (1, 5), "cross_entropy": (3, 5), "mse": (2, 5), "l1_loss": (2, 5)}

Backward = Callable[[Any, Any], Any]  # (A, Y) -> dA


def bce_fused_simplifies() -> bool:
    """True when SymPy simplifies ``d BCE(sigma(z), y) / dz`` to ``sigma(z) - y``."""
    sigma = EXPRESSIONS["sigmoid"]
    dL_dz = sp.diff(LOSSES["bce"].subs(a, sigma), z)
    return sp.simplify(dL_dz - (sigma - y)) == 0


def cross_entropy_fused_simplifies() -> bool:
    """True when SymPy simplifies ``d CE(softmax(z), y) / dz_k`` to ``a_k - y_k`` for 3 classes
    whose labels sum to 1 (``y_3 = 1 - y_1 - y_2``; one-hot columns are the corners)."""
    A = softmax_expression()
    L = sum(LOSSES["cross_entropy"].subs({a: A[k], y: ys[k]}) for k in range(3))
    on_simplex = {ys[2]: 1 - ys[0] - ys[1]}
    return all(
        sp.simplify((sp.diff(L, zs[k]) - (A[k] - ys[k])).subs(on_simplex)) == 0 for k in range(3)
    )


def derivation(name: str, n: int, m: int) -> dict[str, Any]:
    """``J`` over symbol matrices ``A, Y: (n, m)`` and ``dA = m * diff(J, A)`` entrywise.

    For ``cross_entropy_with_logits`` and ``bce_with_logits`` the inputs are the logits ``Z``
    (``A = softmax(Z)`` per column, or ``sigma(Z)``) and ``dA`` is the gradient in ``Z``.
    """
    X = sp.Matrix(n, m, lambda k, i: sp.Symbol(f"x_{k + 1}{i + 1}", real=True))
    Y = sp.Matrix(n, m, lambda k, i: sp.Symbol(f"y_{k + 1}{i + 1}", real=True))
    base = name.removesuffix("_with_logits")
    if name == "bce_with_logits":
        A = X.applyfunc(lambda x: EXPRESSIONS["sigmoid"].subs(z, x))
    elif name == "cross_entropy_with_logits":
        cols = [softmax_expression().subs(dict(zip(zs, X[:, i], strict=True))) for i in range(m)]
        A = sp.Matrix.hstack(*cols)
    else:
        A = X
    J = sum(LOSSES[base].subs({a: A[k, i], y: Y[k, i]}) for k in range(n) for i in range(m)) / m
    dA = sp.Matrix(n, m, lambda k, i: m * sp.diff(J, X[k, i]))
    return {"X": X, "Y": Y, "J": J, "dA": dA}


def _inputs(name: str, gen: np.random.Generator, n: int, m: int) -> tuple[np.ndarray, ...]:
    """Random predictions (or logits) and labels: binary for bce, one-hot for cross-entropy."""
    if name.endswith("_with_logits"):
        X = gen.normal(0.0, 2.0, (n, m))
    elif name == "cross_entropy":
        E = gen.uniform(0.2, 1.0, (n, m))
        X = E / E.sum(axis=0, keepdims=True)
    else:
        X = gen.uniform(0.05, 0.95, (n, m))
    if name.startswith("bce"):
        Y = gen.integers(0, 2, (n, m)).astype(float)
    elif name.startswith("cross_entropy"):
        Y = np.eye(n)[:, gen.integers(0, n, m)]
    else:
        Y = gen.uniform(0.05, 0.95, (n, m))
        Y = np.where(np.abs(X - Y) < 0.05, Y + 0.1, Y)  # |A - Y| away from 0 for L1
    return X, Y


def _one(name: str, backward: Backward | None, seed: int) -> float:
    from visualdl.engine import losses as engine

    n, m = SHAPES[name.removesuffix("_with_logits")]
    d = derivation(name, n, m)
    X, Y = _inputs(name, rng(seed), n, m)
    args = (list(d["X"]), list(d["Y"]))
    vals = (X.ravel().tolist(), Y.ravel().tolist())
    J = float(sp.lambdify(args, d["J"], "numpy")(*vals))
    dA = np.asarray(sp.lambdify(args, d["dA"], "numpy")(*vals), dtype=float)
    cost, grad = getattr(engine, name), backward or getattr(engine, name + "_backward")
    return rel_error(J, float(cost(X, Y)), dA, grad(X, Y))


def check(name: str, backward: Backward | None = None, seed: int = SEED) -> Check:
    """Cross-check loss ``name`` (``bce, cross_entropy, mse, l1_loss``) with the engine.

    ``bce`` and ``cross_entropy`` also check the from-logits versions and the fused
    simplification (infinite error if it fails). ``backward`` replaces the engine's
    ``(A, Y) -> dA`` for the probability form (tests pass a broken one); ``seed`` seeds the
    random inputs.

    Example
    -------
    >>> check("mse").passed
    True
    """
    errors = [_one(name, backward, seed)]
    what = f"J, m diff(J, A) vs {name}, {name}_backward"
    if name in ("bce", "cross_entropy"):
        errors.append(_one(name + "_with_logits", None, seed))
        fused = bce_fused_simplifies() if name == "bce" else cross_entropy_fused_simplifies()
        errors.append(0.0 if fused else float("inf"))
        act = "sigmoid" if name == "bce" else "softmax"
        what = f"J, m diff(J, A) vs {name}(_with_logits); {act} + loss -> a - y"
    return Check(what, max(errors))


# the rows of ``visualdl verify``, in the order it prints them; bce and cross_entropy also meet
# the from-logits backwards (their ``backward=`` replaces only the probability form's)
CHECKS: dict[str, Op] = {
    "bce": Op(check, ("bce",), covers=("losses.bce_backward", "losses.bce_with_logits_backward")),
    "cross_entropy": Op(
        check,
        ("cross_entropy",),
        covers=("losses.cross_entropy_backward", "losses.cross_entropy_with_logits_backward"),
    ),
    "mse": Op(check, ("mse",), covers=("losses.mse_backward",)),
    "l1_loss": Op(check, ("l1_loss",), covers=("losses.l1_loss_backward",)),
}
