"""The LoRA linear layer's backward, derived by SymPy from its forward.

Forward in the row layout, on small symbolic shapes (``n`` rows, ``d_in = 3``, ``d_out = 2``,
rank ``r = 2``)::

    Y = X W + s X A B,   s = alpha / r          X (n, 3), W (3, 2), A (3, 2), B (2, 2)

Every entry of ``X``, ``W``, ``A``, ``B`` and ``alpha`` is a symbol. The backward receives
``dY``, so to first order the summed loss is ``S = sum(dY * Y)``; SymPy differentiates ``S``
entry by entry w.r.t. ``X``, ``A`` and ``B`` (``W`` is frozen: the engine gives no ``dW``).
The results simplify to the documented closed forms (:func:`closed_form_holds`)::

    dX = dY W^T + s dY B^T A^T,   dA = s X^T dY B^T,   dB = s A^T X^T dY

:func:`check` evaluates the ``diff`` results (not the closed forms) in float64 and meets
:func:`visualdl.engine.lora.lora_linear_backward` (and the forward) on random inputs: a 2-D
``X (4, 3)`` and a batched ``X (2, 2, 3)``, whose 4 rows the derivation with ``n = 4`` covers.

Example
-------
>>> d = derivation(2)
>>> d["dX"].shape, d["dA"].shape, d["dB"].shape, closed_form_holds(2)
((2, 3), (3, 2), (2, 2), True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = ["CHECKS", "D_IN", "D_OUT", "N", "R", "check", "closed_form_holds", "derivation"]

N, D_IN, D_OUT, R = 4, 3, 2, 2  # rows, input and output size, rank of the derivation
ALPHA = 3.0  # alpha of the numeric check: s = alpha / r = 1.5, so a lost scale shows

# (X, W, A, B, dY, alpha) -> dict with dX, dA, dB
Backward = Callable[[Any, Any, Any, Any, Any, float], dict[str, Any]]


def _matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}{j}", real=True))


@cache
def derivation(n: int = N) -> dict[str, Any]:
    """The forward on symbols and its derivatives by ``sympy.diff``.

    Returns
    -------
    dict
        Symbol matrices ``X (n, 3)``, ``W (3, 2)``, ``A (3, 2)``, ``B (2, 2)``, ``dY (n, 2)``
        and ``alpha``; the expressions ``Y`` and ``S = sum(dY * Y)``; and ``dX``, ``dA``,
        ``dB``, matrices of ``diff(S, entry)``.
    """
    X, W = _matrix("x", n, D_IN), _matrix("w", D_IN, D_OUT)
    A, B = _matrix("a", D_IN, R), _matrix("b", R, D_OUT)
    dY = _matrix("g", n, D_OUT)
    alpha = sp.Symbol("alpha", positive=True)
    Y = X * W + (alpha / R) * X * A * B
    S = sum((dY[i, j] * Y[i, j] for i in range(n) for j in range(D_OUT)), sp.Integer(0))

    def grad(M: sp.Matrix) -> sp.Matrix:
        return M.applyfunc(lambda e: sp.diff(S, e))

    return {
        "X": X,
        "W": W,
        "A": A,
        "B": B,
        "dY": dY,
        "alpha": alpha,
        "Y": Y,
        "S": S,
        "dX": grad(X),
        "dA": grad(A),
        "dB": grad(B),
    }


def closed_form_holds(n: int = N) -> bool:
    """True when the ``diff`` results equal ``dY W^T + s dY B^T A^T``, ``s X^T dY B^T`` and
    ``s A^T X^T dY`` exactly (the differences expand to 0).

    Example
    -------
    >>> closed_form_holds()
    True
    """
    d = derivation(n)
    X, W, A, B, dY, s = d["X"], d["W"], d["A"], d["B"], d["dY"], d["alpha"] / R
    forms = {
        "dX": dY * W.T + s * dY * B.T * A.T,
        "dA": s * X.T * dY * B.T,
        "dB": s * A.T * X.T * dY,
    }
    return all((d[k] - f).applyfunc(sp.expand) == sp.zeros(*f.shape) for k, f in forms.items())


def evaluate(
    X: np.ndarray, W: np.ndarray, A: np.ndarray, B: np.ndarray, dY: np.ndarray, alpha: float
) -> dict[str, np.ndarray]:
    """The derivation at numbers: ``Y``, ``dX`` (rows of ``X``), ``dA``, ``dB``, float64."""
    d = derivation(X.shape[0])
    table: dict[Any, Any] = {d["alpha"]: sp.Float(float(alpha))}
    for key, value in (("X", X), ("W", W), ("A", A), ("B", B), ("dY", dY)):
        sym = d[key]
        table.update({sym[i, j]: sp.Float(float(value[i, j])) for i, j in np.ndindex(value.shape)})

    def num(M: sp.Matrix) -> np.ndarray:
        return np.array(M.xreplace(table).tolist(), dtype=np.float64)

    return {k: num(d[k]) for k in ("Y", "dX", "dA", "dB")}


def _engine_backward(X, W, A, B, dY, alpha):
    from visualdl.engine.lora import lora_linear, lora_linear_backward

    _, cache_ = lora_linear(X, W, A, B, alpha)
    return lora_linear_backward(dY, cache_)


def check(backward: Backward | None = None, seed: int = SEED, alpha: float = ALPHA) -> Check:
    """``Y``, ``dX``, ``dA``, ``dB`` by ``diff`` vs ``lora_linear`` and
    ``lora_linear_backward`` for a 2-D ``X (4, 3)`` and a batched ``X (2, 2, 3)``; infinite
    error unless the derivatives simplify to the closed forms.

    Parameters
    ----------
    backward : callable, optional
        ``(X, W, A, B, dY, alpha) -> {"dX", "dA", "dB"}`` instead of the engine's.
    seed, alpha : the random inputs' seed and the LoRA alpha of the check.

    Example
    -------
    >>> check().passed
    True
    """
    from visualdl.engine.lora import lora_linear

    gen = rng(seed)
    W, A, B = (gen.standard_normal(s) for s in ((D_IN, D_OUT), (D_IN, R), (R, D_OUT)))
    pairs: list[Any] = []
    for shape in ((N, D_IN), (2, N // 2, D_IN)):
        X = gen.standard_normal(shape)
        dY = gen.standard_normal((*shape[:-1], D_OUT))
        Y, _ = lora_linear(X, W, A, B, alpha)
        g = (backward or _engine_backward)(X, W, A, B, dY, alpha)
        r = evaluate(X.reshape(N, D_IN), W, A, B, dY.reshape(N, D_OUT), alpha)
        pairs += [r["Y"], Y.reshape(N, D_OUT), r["dX"], np.reshape(g["dX"], (N, D_IN))]
        pairs += [r["dA"], g["dA"], r["dB"], g["dB"]]
    return Check(
        "dX, dA, dB by diff (X 4x3, W 3x2, r=2, alpha/r) vs lora_linear_backward, 2-D + batched",
        rel_error(*pairs) if closed_form_holds() else float("inf"),
    )


# the row of ``visualdl verify``
CHECKS: dict[str, Op] = {"lora_linear": Op(check, covers=("lora.lora_linear_backward",))}
