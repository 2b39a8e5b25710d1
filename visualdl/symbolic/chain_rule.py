"""Logistic regression as a computational graph, differentiated by SymPy.

One example with two features: ``z = w1 x1 + w2 x2 + b``, ``a = sigma(z)``,
``L = -(y log a + (1 - y) log(1 - a))``. SymPy gives each edge's local derivative
(``dL/da``, ``da/dz``, ``dz/dw_i``, ``dz/db``) and, differentiating ``L(w, b)`` as a whole,
the simplified results ``dL/dz = a - y`` and ``dL/dw_i = (a - y) x_i``.

Example
-------
>>> from visualdl.symbolic.chain_rule import evaluate
>>> v = evaluate((1.0, 2.0), (0.5, -0.25), 0.0, 1.0)  # x, w, b, y
>>> round(v["dL_dw"][0], 6) == round((v["a"] - 1.0) * 1.0, 6)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = ["CHECKS", "check", "derivation", "evaluate", "latex"]

x1, x2, w1, w2, b, y = sp.symbols("x_1 x_2 w_1 w_2 b y", real=True)
z_, a_ = sp.symbols("z a", real=True)


@cache
def derivation() -> dict[str, sp.Expr]:
    """The graph's expressions and derivatives, each found by ``sympy.diff``.

    Keys: ``z, a, L`` (in the inputs), ``L_a`` (the loss in a and y), the local derivatives
    ``dL_da`` (in a), ``da_dz`` (in z), ``dz_dw1, dz_dw2, dz_db``, and the end-to-end ``dL_dz``
    (in a, y) and ``dL_dw1, dL_dw2, dL_db`` (simplified, in a, x, y).
    """
    z = w1 * x1 + w2 * x2 + b
    sigma = 1 / (1 + sp.exp(-z_))
    loss = -(y * sp.log(a_) + (1 - y) * sp.log(1 - a_))
    full = loss.subs(a_, sigma).subs(z_, z)  # L as a function of w, b
    a_of_z = sigma.subs(z_, z)

    def in_a(expr: sp.Expr) -> sp.Expr:  # e^z = a/(1 - a) writes the result in a
        expr = sp.simplify(expr).subs({sp.exp(z): a_ / (1 - a_), sp.exp(-z): (1 - a_) / a_})
        expr = sp.simplify(expr)
        q = sp.simplify(expr / (a_ - y))  # shown as q (a - y) when a - y is a factor
        if q.has(a_, y):
            return expr
        return a_ - y if q == 1 else sp.Mul(q, a_ - y, evaluate=False)

    return {
        "z": z,
        "a": a_of_z,
        "L": full,
        "L_a": loss,
        "dL_da": sp.diff(loss, a_),
        "da_dz": sp.simplify(sp.diff(sigma, z_).subs(sp.exp(-z_), (1 - a_) / a_)),
        "dz_dw1": sp.diff(z, w1),
        "dz_dw2": sp.diff(z, w2),
        "dz_db": sp.diff(z, b),
        "dL_dz": sp.simplify(sp.diff(loss.subs(a_, sigma), z_).subs(sp.exp(-z_), (1 - a_) / a_)),
        "dL_dw1": in_a(sp.diff(full, w1)),
        "dL_dw2": in_a(sp.diff(full, w2)),
        "dL_db": in_a(sp.diff(full, b)),
    }


def latex() -> dict[str, str]:
    """Each entry of :func:`derivation` as mathtext-compatible LaTeX."""
    return {k: sp.latex(v) for k, v in derivation().items()}


def evaluate(x: Sequence[float], w: Sequence[float], b_: float, y_: float) -> dict:
    """Evaluate the derivation at one example: floats for every key, lists for ``dL_dw``."""
    d = derivation()
    inputs = {x1: x[0], x2: x[1], w1: w[0], w2: w[1], b: b_, y: y_}
    z_val = float(d["z"].subs(inputs))
    a_val = float(d["a"].subs(inputs))
    at = {**inputs, z_: z_val, a_: a_val}
    out = {k: float(sp.N(v.subs(at), 17)) for k, v in d.items()}
    out["dL_dw"] = [out.pop("dL_dw1"), out.pop("dL_dw2")]
    out["dz_dw"] = [out.pop("dz_dw1"), out.pop("dz_dw2")]
    return out


def check(seed: int = SEED) -> Check:
    """Cross-check :func:`evaluate` with the engine on one random example: a
    ``Sequential([Dense(2, 1, "sigmoid")], loss="bce")`` (fused backward ``dZ = A - Y``) and the
    same layer driven by ``bce_backward`` (unfused) must give SymPy's ``a, L, dL/dz, dL/dw,
    dL/db``; ``dZ`` is read from the trace the layer records.

    Example
    -------
    >>> check().passed
    True
    """
    from visualdl import trace
    from visualdl.engine import Dense, Sequential
    from visualdl.engine.losses import bce_backward

    gen = rng(seed)
    x, w = gen.standard_normal(2), gen.standard_normal(2)
    b_val, y_val = float(gen.standard_normal()), float(gen.integers(0, 2))
    v = evaluate(x.tolist(), w.tolist(), b_val, y_val)
    X, Y = x.reshape(2, 1), np.array([[y_val]])
    model = Sequential([Dense(2, 1, "sigmoid", rng=0)], loss="bce")
    model.set_params({"W1": w.reshape(1, 2), "b1": np.array([[b_val]])})
    with trace.record() as tr:
        A = model.forward(X)
        J = model.cost(A, Y)
        model.backward(A, Y)  # fused: dZ = A - Y
        model.dense[0].backward(bce_backward(A, Y))  # unfused: dA, then dZ = dA * sigma'(Z)
    pairs: list = [v["a"], A[0, 0], v["L"], J]
    for rec in tr.find("dense1.backward"):
        pairs += [
            v["dL_dz"],
            rec["dZ"][0, 0],
            v["dL_dw"],
            rec["dW"][0],
            v["dL_db"],
            rec["db"][0, 0],
        ]
    return Check(
        "chain_rule.evaluate vs Dense(2,1,sigmoid) + bce, fused/unfused",
        rel_error(*pairs) if len(pairs) == 16 else float("inf"),
    )


# the row of ``visualdl verify``: the whole model, no single backward to replace
CHECKS: dict[str, Op] = {"chain_rule": Op(check, override=None)}
