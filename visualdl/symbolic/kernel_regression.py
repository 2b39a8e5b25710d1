"""Nadaraya–Watson kernel regression's backward, derived by SymPy from the forward.

Forward on small symbolic shapes, ``N_Q = 3`` queries ``x_1..x_3`` and ``N_K = 4`` training
points ``(k_1, v_1)..(k_4, v_4)`` (the engine's ``x_train``, ``y_train``), one ``w``::

    f_q = sum_i exp(-((x_q - k_i) w)^2 / 2) v_i / sum_j exp(-((x_q - k_j) w)^2 / 2)

The backward receives ``df``, so to first order the summed loss is ``S = sum_q df_q f_q``;
``sympy.diff`` of ``S`` gives ``dw = dS/dw`` and ``dy_train_i = dS/dv_i`` (the row layout: no
``1/n``). The leave-one-out form (``exclude_self``, 4 queries at the 4 keys) drops the term
``i = q`` from both sums of query ``q``, and is differentiated the same way.

:func:`kernel_is_softmax` proves the notes' identity first: with the Gaussian kernel
``K(u) = exp(-u^2 / 2) / sqrt(2 pi)``, ``K(x - k_i) / sum_j K(x - k_j)`` equals
``softmax_i(-(x - k_i)^2 / 2)``: the ``1 / sqrt(2 pi)`` cancels.

:func:`check` evaluates the ``diff`` results in float64 (``lambdify``) and meets
:func:`visualdl.engine.kernel_regression.nadaraya_watson` and
:func:`~visualdl.engine.kernel_regression.nadaraya_watson_backward` in both forms.

Example
-------
>>> kernel_is_softmax(), check().passed
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform

__all__ = ["CHECKS", "N_K", "N_Q", "check", "derivation", "kernel_is_softmax"]

N_Q, N_K = 3, 4  # queries and training points of the derivation

# (df, cache) -> {"dw": float, "dy_train": (n,)}, as the engine's backward
Backward = Callable[[Any, dict], dict]


@cache
def derivation(n_q: int = N_Q, n_k: int = N_K, exclude_self: bool = False) -> dict[str, Any]:
    """The forward from its definition and the derivatives by ``sympy.diff``.

    ``exclude_self`` needs ``n_q == n_k``: query ``q`` leaves out the pair ``q``.

    Returns
    -------
    dict
        Symbols ``x`` (n_q), ``k``, ``v`` (n_k), ``df`` (n_q), ``w``; the expressions ``f``
        (tuple of n_q), ``S``, ``dw`` and ``dv`` (tuple of n_k) by ``diff`` of ``S``.
    """
    if exclude_self and n_q != n_k:
        raise ValueError(f"derivation: exclude_self needs n_q == n_k, got {n_q} and {n_k}")
    x = sp.symbols(f"x1:{n_q + 1}", real=True)
    k = sp.symbols(f"k1:{n_k + 1}", real=True)
    v = sp.symbols(f"v1:{n_k + 1}", real=True)
    df = sp.symbols(f"df1:{n_q + 1}", real=True)
    w = sp.Symbol("w", real=True)
    f = []
    for q in range(n_q):
        keys = [i for i in range(n_k) if not (exclude_self and i == q)]
        e = {i: sp.exp(-(((x[q] - k[i]) * w) ** 2) / 2) for i in keys}
        f.append(sp.Add(*(e[i] * v[i] for i in keys)) / sp.Add(*e.values()))
    S = sp.Add(*(g * fq for g, fq in zip(df, f, strict=True)))
    return {
        "x": x,
        "k": k,
        "v": v,
        "df": df,
        "w": w,
        "f": tuple(f),
        "S": S,
        "dw": sp.diff(S, w),
        "dv": tuple(sp.diff(S, vi) for vi in v),
    }


@cache
def kernel_is_softmax(n_k: int = N_K) -> bool:
    """True when ``K(x - k_i) / sum_j K(x - k_j) == exp(s_i) / sum_j exp(s_j)`` with the
    Gaussian kernel ``K(u) = exp(-u^2/2) / sqrt(2 pi)`` and the scores
    ``s_i = -(x - k_i)^2 / 2``, for every ``i``: both denominators are positive, so the
    fractions are equal when the cross products ``K_i sum exp(s) - exp(s_i) sum K`` expand
    to 0 (the ``1 / sqrt(2 pi)`` is a factor of every term of both).

    Example
    -------
    >>> kernel_is_softmax(3)
    True
    """
    x = sp.Symbol("x", real=True)
    k = sp.symbols(f"k1:{n_k + 1}", real=True)

    def K(u):
        return sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)

    s = [-((x - ki) ** 2) / 2 for ki in k]
    kernel_sum = sp.Add(*(K(x - kj) for kj in k))
    soft_sum = sp.Add(*(sp.exp(sj) for sj in s))
    return all(
        sp.expand(K(x - k[i]) * soft_sum - sp.exp(s[i]) * kernel_sum) == 0 for i in range(n_k)
    )


def _evaluate(d: dict[str, Any], x, k, v, df, w) -> dict[str, np.ndarray]:
    """The derivation at float64 numbers: ``f (n_q,)``, ``dw ()``, ``dv (n_k,)``."""
    args = (*d["x"], *d["k"], *d["v"], *d["df"], d["w"])
    values = (*x, *k, *v, *df, w)
    fn = sp.lambdify(args, [*d["f"], d["dw"], *d["dv"]], "math")
    out = np.array(fn(*map(float, values)), dtype=np.float64)
    n_q = len(d["x"])
    return {"f": out[:n_q], "dw": out[n_q], "dv": out[n_q + 1 :]}


def _inputs(gen: np.random.Generator, n_q: int, n_k: int) -> dict[str, Any]:
    k = np.sort(gen.uniform(0.0, 3.0, n_k))
    return {
        "x": gen.uniform(0.0, 3.0, n_q),
        "k": k,
        "v": gen.standard_normal(n_k),
        "df": gen.standard_normal(n_q),
        "w": float(signed_uniform(gen, (), 0.5, 2.0)),
    }


def check(backward: Backward | None = None, seed: int = SEED) -> Check:
    """``f``, ``dw``, ``dy_train`` by ``diff`` vs ``nadaraya_watson`` and its backward (or
    ``backward``), 3 queries x 4 keys and the leave-one-out form at 4 x 4; infinite error
    unless the Gaussian kernel's weights are the softmax of the scores.

    Parameters
    ----------
    backward : callable, optional
        ``(df, cache) -> {"dw", "dy_train"}`` instead of the engine's.
    seed : the random values' seed.

    Example
    -------
    >>> from visualdl.engine.kernel_regression import nadaraya_watson_backward
    >>> def wrong(df, cache):  # forgets the score path: dw = 0
    ...     return {**nadaraya_watson_backward(df, cache), "dw": 0.0}
    >>> check(wrong).passed
    False
    """
    from visualdl.engine.kernel_regression import nadaraya_watson, nadaraya_watson_backward

    backward = backward or nadaraya_watson_backward
    gen = rng(seed)
    pairs: list[Any] = []
    for n_q, exclude in ((N_Q, False), (N_K, True)):
        v = _inputs(gen, n_q, N_K)
        queries = v["k"] if exclude else v["x"]
        r = _evaluate(derivation(n_q, N_K, exclude), queries, v["k"], v["v"], v["df"], v["w"])
        f, cache_ = nadaraya_watson(queries, v["k"], v["v"], v["w"], exclude_self=exclude)
        got = backward(v["df"], cache_)
        pairs += [r["f"], f, r["dw"], np.float64(got["dw"]), r["dv"], got["dy_train"]]
    return Check(
        "f, dw, dy_train by diff (3 queries x 4 keys, and leave-one-out 4 x 4) vs "
        "nadaraya_watson_backward; Gaussian kernel = softmax",
        rel_error(*pairs) if kernel_is_softmax() else float("inf"),
    )


# the row of ``visualdl verify``
CHECKS: dict[str, Op] = {
    "nadaraya_watson": Op(check, covers=("kernel_regression.nadaraya_watson_backward",))
}
