"""The dense layer's gradients derived by SymPy from the elementwise sums.

Forward, entry by entry (examples are columns): ``Z_ki = sum_j W_kj A_ji + b_k`` with
``W: (n, n_prev)``, ``A_prev: (n_prev, m)``, ``b: (n, 1)``. Whatever comes after the layer,
the backward receives ``dZ_ki = d(sum_i L_i) / dZ_ki`` (per example, no 1/m), so to first
order the summed loss is ``S = sum_ki dZ_ki Z_ki``. SymPy differentiates ``S``:

- ``dW_kj = (1/m) dS/dW_kj``  (gradient of the mean cost J = S/m),
- ``db_k = (1/m) dS/db_k``,
- ``dA_prev_ji = dS/dA_ji``   (per example again, for the layer below),

and simplifies them to the matrix forms ``dW = (1/m) dZ A_prev^T``,
``db = (1/m) sum_i dZ_i`` and ``dA_prev = W^T dZ`` (``formulas.DENSE``). :func:`check` meets
the derivation with ``visualdl.engine.dense.dense_backward`` (which ``Dense`` calls).

Example
-------
>>> d = derivation(2, 3, 4)
>>> d["dW"].shape, d["db"].shape, d["dA_prev"].shape
((2, 3), (2, 1), (3, 4))
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = ["CHECKS", "SHAPE", "check", "derivation", "matrix_forms_hold", "symbols"]

SHAPE = (2, 3, 4)  # n, n_prev, m: small enough for SymPy, large enough that transposes matter

# (A_prev, W, b, dZ) -> (dW, db, dA_prev)
Backward = Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]


def symbols(n: int, n_prev: int, m: int) -> dict[str, sp.Matrix]:
    """Symbol matrices ``W (n, n_prev)``, ``b (n, 1)``, ``A_prev (n_prev, m)``, ``dZ (n, m)``."""
    return {
        "W": sp.Matrix(n, n_prev, lambda k, j: sp.Symbol(f"W_{k + 1}{j + 1}", real=True)),
        "b": sp.Matrix(n, 1, lambda k, _: sp.Symbol(f"b_{k + 1}", real=True)),
        "A_prev": sp.Matrix(n_prev, m, lambda j, i: sp.Symbol(f"A_{j + 1}{i + 1}", real=True)),
        "dZ": sp.Matrix(n, m, lambda k, i: sp.Symbol(f"dZ_{k + 1}{i + 1}", real=True)),
    }


@cache
def derivation(n: int = SHAPE[0], n_prev: int = SHAPE[1], m: int = SHAPE[2]) -> dict:
    """Forward sums and their derivatives by ``sympy.diff``.

    Returns
    -------
    dict
        The symbol matrices of :func:`symbols`, ``Z`` (n, m) built from the sums, ``S`` the
        first-order summed loss, and ``dW`` (n, n_prev), ``db`` (n, 1), ``dA_prev``
        (n_prev, m), each entry a ``sympy.diff`` of ``S``.
    """
    s = symbols(n, n_prev, m)
    W, b, A, dZ = s["W"], s["b"], s["A_prev"], s["dZ"]
    Z = sp.Matrix(n, m, lambda k, i: sum(W[k, j] * A[j, i] for j in range(n_prev)) + b[k])
    S = sum(dZ[k, i] * Z[k, i] for k in range(n) for i in range(m))
    return {
        **s,
        "Z": Z,
        "S": S,
        "dW": sp.Matrix(n, n_prev, lambda k, j: sp.diff(S, W[k, j]) / m),
        "db": sp.Matrix(n, 1, lambda k, _: sp.diff(S, b[k]) / m),
        "dA_prev": sp.Matrix(n_prev, m, lambda j, i: sp.diff(S, A[j, i])),
    }


def matrix_forms_hold(n: int = SHAPE[0], n_prev: int = SHAPE[1], m: int = SHAPE[2]) -> bool:
    """True when the derived entries simplify to ``Z = W A_prev + b``, ``dW = (1/m) dZ A_prev^T``,
    ``db = (1/m) dZ 1`` and ``dA_prev = W^T dZ`` (the formulas of ``formulas.DENSE``)."""
    d = derivation(n, n_prev, m)
    W, b, A, dZ = d["W"], d["b"], d["A_prev"], d["dZ"]
    forms = {
        "Z": W * A + b * sp.ones(1, m),
        "dW": dZ * A.T / m,
        "db": dZ * sp.ones(m, 1) / m,
        "dA_prev": W.T * dZ,
    }
    return all(sp.expand(d[k] - v) == sp.zeros(*v.shape) for k, v in forms.items())


def _engine_backward(A_prev: Any, W: Any, b: Any, dZ: Any) -> tuple[Any, Any, Any]:
    from visualdl.engine.dense import dense_backward, dense_forward

    _, cache = dense_forward(A_prev, W, b)
    dA_prev, dW, db = dense_backward(dZ, cache)
    return dW, db, dA_prev


def check(backward: Backward | None = None, seed: int = SEED) -> Check:
    """Cross-check the derivation against ``dense_backward`` on random float64 values.

    Parameters
    ----------
    backward : callable, optional
        ``(A_prev, W, b, dZ) -> (dW, db, dA_prev)`` to check instead of the engine's.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    The error is infinite if the entries do not simplify to the matrix forms.

    Example
    -------
    >>> check().passed
    True
    """
    n, n_prev, m = SHAPE
    d = derivation(n, n_prev, m)
    names = ("W", "b", "A_prev", "dZ")
    args = [list(d[k]) for k in names]
    gen = rng(seed)
    values = {k: gen.standard_normal(d[k].shape) for k in names}
    flat = [values[k].ravel().tolist() for k in names]
    expected = [
        np.asarray(sp.lambdify(args, d[k], "numpy")(*flat), dtype=float)
        for k in ("dW", "db", "dA_prev")
    ]
    got = (backward or _engine_backward)(values["A_prev"], values["W"], values["b"], values["dZ"])
    pairs = [x for e, g in zip(expected, got, strict=True) for x in (e, g)]
    return Check(
        "dW, db, dA_prev by diff of the sums; matrix forms; dense_backward",
        rel_error(*pairs) if matrix_forms_hold(n, n_prev, m) else float("inf"),
    )


# the row of ``visualdl verify``
CHECKS: dict[str, Op] = {"dense": Op(check, covers=("dense.dense_backward",))}
