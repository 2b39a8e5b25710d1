"""Weight penalties and inverted dropout, differentiated by SymPy.

- L2: ``J_L2 = lambda/(2m) sum_l sum_kj (W[l]_kj)^2``; SymPy's ``diff`` gives ``lambda/m W``.
- L1: ``J_L1 = lambda/(2m) sum_l sum_kj |W[l]_kj|`` (the notes' lambda/2m); ``diff`` gives
  ``lambda/(2m) sign(W)`` away from W = 0.
- Inverted dropout: ``a_out = a d / p`` with ``d ~ Bernoulli(p)`` (p = keep_prob). SymPy's
  expectation gives ``E[a_out] = a`` and ``d a_out / d a = d / p``.

Biases are not penalized: the parameters checked include ``b1`` and the penalties ignore it.

Example
-------
>>> sp.simplify(dropout_expectation())
a
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform

__all__ = [
    "CHECKS",
    "PARAM_SHAPES",
    "check_dropout",
    "check_penalty",
    "dropout_expectation",
    "penalty_derivation",
]

PARAM_SHAPES = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3)}
LAMBD, M = 0.7, 5  # lambda and m of the numeric check
lambd, m_ = sp.symbols("lambda m", positive=True)
a, p = sp.symbols("a p", real=True)

Grads = Callable[[Mapping[str, Any], float, int], dict[str, Any]]


def _params() -> dict[str, sp.Matrix]:
    return {
        k: sp.Matrix(*s, lambda r, c, k=k: sp.Symbol(f"{k}_{r + 1}{c + 1}", real=True))
        for k, s in PARAM_SHAPES.items()
    }


def penalty_derivation(name: str) -> dict[str, Any]:
    """``J`` of the ``l2_penalty`` or ``l1_penalty`` over symbolic weights, and ``dW``
    (keyed ``dW1, dW2``) by ``sympy.diff`` entrywise."""
    P = _params()
    term = {"l2_penalty": lambda w: w**2, "l1_penalty": sp.Abs}[name]
    weights = [k for k in P if k.startswith("W")]
    J = lambd / (2 * m_) * sum(term(w) for k in weights for w in P[k])
    grads = {"d" + k: P[k].applyfunc(lambda w: sp.diff(J, w)) for k in weights}
    return {"params": P, "J": J, "grads": grads, "db1": sp.diff(J, P["b1"][0])}


def check_penalty(name: str, grads: Grads | None = None, seed: int = SEED) -> Check:
    """Cross-check ``l2_penalty``/``l1_penalty`` value and ``*_grads`` with the derivation.

    ``grads`` replaces the engine's ``(params, lambd, m) -> {dW1: ...}`` (tests pass a broken
    one). The bias gradient must be exactly 0 (infinite error otherwise).

    Example
    -------
    >>> check_penalty("l2_penalty").passed
    True
    """
    from visualdl.engine import regularization as engine

    d = penalty_derivation(name)
    P = d["params"]
    gen = rng(seed)
    values = {k: signed_uniform(gen, s, 0.05, 2.0) for k, s in PARAM_SHAPES.items()}
    syms = [lambd, m_] + [w for k in P for w in P[k]]
    vals = [LAMBD, M] + [v for k in P for v in values[k].ravel().tolist()]
    J = float(sp.lambdify(syms, d["J"], "numpy")(*vals))
    got = (grads or getattr(engine, name + "_grads"))(values, LAMBD, M)
    pairs: list[Any] = [J, float(getattr(engine, name)(values, LAMBD, M))]
    for k, expr in d["grads"].items():
        pairs += [np.asarray(sp.lambdify(syms, expr, "numpy")(*vals), dtype=float), got[k]]
    bias_free = d["db1"] == 0 and "db1" not in got
    return Check(
        f"J, diff(J, W) vs {name}, {name}_grads; b not penalized",
        rel_error(*pairs) if bias_free else float("inf"),
    )


def dropout_expectation() -> sp.Expr:
    """``E[a D / p]`` for ``D ~ Bernoulli(p)`` by ``sympy.stats.E``; simplifies to ``a``."""
    from sympy.stats import Bernoulli, E

    D = Bernoulli("D", p)
    return E(a * D / p)


def check_dropout(
    backward: Callable[[Any, Any, float], Any] | None = None, seed: int = SEED
) -> Check:
    """Cross-check inverted dropout: ``E[a D/p] = a`` (SymPy), then the forward ``a d / p`` and
    ``dA * diff(a d / p, a)`` against ``dropout_forward``'s output and mask and
    ``dropout_backward(dA, D, keep_prob)``.

    Example
    -------
    >>> check_dropout().passed
    True
    """
    from visualdl.engine import regularization as engine

    d = sp.Symbol("d", real=True)
    out = a * d / p
    keep_prob, gen = 0.8, rng(seed)
    A, dA = gen.standard_normal((4, 6)), gen.standard_normal((4, 6))
    A_out, D = engine.dropout_forward(A, keep_prob, gen)
    mask_ok = bool(np.isin(D, (0.0, 1.0)).all()) and 0 < D.sum() < D.size
    unbiased = sp.simplify(dropout_expectation() - a) == 0
    expected_out = sp.lambdify((a, d, p), out, "numpy")(A, D, keep_prob)
    local = sp.lambdify((a, d, p), sp.diff(out, a), "numpy")(A, D, keep_prob)
    dA_in = (backward or engine.dropout_backward)(dA, D, keep_prob)
    err = rel_error(expected_out, A_out, dA * local, dA_in)
    return Check(
        "E[a D/p] = a; a D/p, dA * diff(a D/p, a) vs dropout fwd/bwd",
        err if unbiased and mask_ok else float("inf"),
    )


# the rows of ``visualdl verify``, in the order it prints them
CHECKS: dict[str, Op] = {
    "l2_penalty": Op(check_penalty, ("l2_penalty",), override="grads"),
    "l1_penalty": Op(check_penalty, ("l1_penalty",), override="grads"),
    "dropout": Op(check_dropout, covers=("regularization.dropout_backward",)),
}
