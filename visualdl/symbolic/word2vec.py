"""Skip-gram's and CBOW's backward, derived by SymPy from their costs on a tiny vocabulary.

Every entry of ``E (V, d)`` and ``Theta (V, d)`` is a symbol (``V = 3``, ``d = 2``); the word
ids are fixed integers chosen so that words repeat (a word is a centre, a context and a
negative at once, a centre is its own negative, a context word appears twice), so the
backward's scatter-add is tested, not just its per-row formula.

- ``skip_gram``: ``J = (1/P) sum_p [-log sigma(theta_t . e_c) - sum_k log sigma(-theta_{n_k}
  . e_c)]`` over ``P = 3`` pairs with ``k = 2`` negatives each, ``sigma(x) = 1/(1 + e^-x)``.
- ``cbow``: ``h = (1/C) sum_j e_{context_j}``, ``z_v = theta_v . h``,
  ``J = (1/n) sum [log sum_v exp(z_v) - z_centre]`` over ``n = 2`` samples of ``C = 2``.

``sympy.diff`` of ``J`` by every symbol gives ``dE`` and ``dTheta`` (gradients of the mean
cost, the engine's convention for these losses); they are evaluated in float64 and meet
:func:`visualdl.engine.word2vec.skip_gram_backward` and
:func:`~visualdl.engine.word2vec.cbow_backward`, the forward ``J`` too. The scalar closed forms
the backwards are written from, ``d/ds [-log sigma(s)] = sigma(s) - 1``,
``d/ds [-log sigma(-s)] = sigma(s)`` and ``d/dz_i [logsumexp(z) - z_t] = softmax(z)_i -
[i = t]``, must simplify to 0 difference, or the row fails with an infinite error.

Example
-------
>>> check_skip_gram().passed, check_cbow().passed
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = [
    "CBOW_IDS",
    "CHECKS",
    "SKIP_GRAM_IDS",
    "V",
    "check_cbow",
    "check_skip_gram",
    "closed_forms_hold",
    "derivation",
    "d",
]

V, d = 3, 2  # vocabulary and embedding size of the derivation
#: (centers (P,), contexts (P,), negatives (P, k)): word 0 is the centre of two pairs and a
#: context, word 2 a centre that is its own negative, word 1 a context and a negative twice
SKIP_GRAM_IDS = ([0, 2, 0], [1, 0, 2], [[2, 1], [2, 0], [1, 1]])
#: (contexts (n, C), centers (n,)): word 2 twice in one window, word 0 a context and a centre
CBOW_IDS = ([[0, 1], [2, 2]], [2, 0])

# (ids..., params) -> {"dE", "dTheta"}
Backward = Callable[..., dict[str, Any]]


def _sigma(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


def _matrix(name: str) -> sp.Matrix:
    return sp.Matrix(V, d, lambda i, j: sp.Symbol(f"{name}_{i}{j}", real=True))


@cache
def derivation(method: str) -> dict[str, Any]:
    """``J`` of ``method`` (``"skip_gram"`` or ``"cbow"``) on the module's ids, from its
    definition, and ``dE``, ``dTheta`` (``V x d`` matrices of ``sympy.diff(J, symbol)``)."""
    E, Theta = _matrix("e"), _matrix("theta")
    if method == "skip_gram":
        centers, contexts, negatives = SKIP_GRAM_IDS
        terms = []
        for c, t, negs in zip(centers, contexts, negatives, strict=True):
            e_c = E.row(c)
            terms.append(-sp.log(_sigma(Theta.row(t).dot(e_c))))
            terms += [-sp.log(_sigma(-Theta.row(n).dot(e_c))) for n in negs]
        J = sp.Add(*terms) / len(centers)
    elif method == "cbow":
        contexts, centers = CBOW_IDS
        terms = []
        for ctx, t in zip(contexts, centers, strict=True):
            h = sum((E.row(j) for j in ctx), sp.zeros(1, d)) / len(ctx)
            z = [Theta.row(v).dot(h) for v in range(V)]
            terms.append(sp.log(sp.Add(*(sp.exp(zv) for zv in z))) - z[t])
        J = sp.Add(*terms) / len(centers)
    else:
        raise ValueError(f"derivation: method must be 'skip_gram' or 'cbow', got {method!r}")
    return {
        "E": E,
        "Theta": Theta,
        "J": J,
        "dE": E.applyfunc(lambda s: sp.diff(J, s)),
        "dTheta": Theta.applyfunc(lambda s: sp.diff(J, s)),
    }


@cache
def closed_forms_hold() -> bool:
    """True when the scalar derivatives the backwards are written from hold symbolically.

    Example
    -------
    >>> closed_forms_hold()
    True
    """
    s = sp.Symbol("s", real=True)
    z = sp.symbols("z0:3", real=True)
    lse = sp.log(sp.Add(*(sp.exp(zi) for zi in z)))
    soft = [sp.exp(zi) / sp.Add(*(sp.exp(zj) for zj in z)) for zi in z]
    pairs = [
        (sp.diff(-sp.log(_sigma(s)), s), _sigma(s) - 1),
        (sp.diff(-sp.log(_sigma(-s)), s), _sigma(s)),
        *[(sp.diff(lse - z[0], zi), soft[i] - int(i == 0)) for i, zi in enumerate(z)],
    ]
    return all(sp.simplify(a - b) == 0 for a, b in pairs)


def _evaluate(method: str, params: dict[str, np.ndarray]) -> dict[str, Any]:
    """``J``, ``dE``, ``dTheta`` of the derivation at the numbers ``params``."""
    der = derivation(method)
    table = {der["E"][i, j]: sp.Float(float(params["E"][i, j])) for i in range(V) for j in range(d)}
    table.update(
        {
            der["Theta"][i, j]: sp.Float(float(params["Theta"][i, j]))
            for i in range(V)
            for j in range(d)
        }
    )

    def num(M: sp.Matrix) -> np.ndarray:
        return np.array([[float(M[i, j].xreplace(table)) for j in range(d)] for i in range(V)])

    return {
        "J": float(der["J"].xreplace(table)),
        "dE": num(der["dE"]),
        "dTheta": num(der["dTheta"]),
    }


def _params(seed: int) -> dict[str, np.ndarray]:
    gen = rng(seed)
    return {"E": gen.standard_normal((V, d)), "Theta": gen.standard_normal((V, d))}


def _engine_skip_gram(centers, contexts, negatives, params):
    from visualdl.engine.word2vec import skip_gram_backward, skip_gram_loss

    return skip_gram_backward(skip_gram_loss(centers, contexts, negatives, params)[1])


def _engine_cbow(contexts, centers, params):
    from visualdl.engine.word2vec import cbow_backward, cbow_loss

    return cbow_backward(cbow_loss(contexts, centers, params)[1])


def _compare(method: str, J: float, grads: dict[str, Any], params: dict[str, np.ndarray]) -> float:
    r = _evaluate(method, params)
    err = rel_error(r["J"], J, r["dE"], np.asarray(grads["dE"]), r["dTheta"], grads["dTheta"])
    return err if closed_forms_hold() else float("inf")


def check_skip_gram(backward: Backward | None = None, seed: int = SEED) -> Check:
    """``J``, ``dE``, ``dTheta`` by ``diff`` vs ``skip_gram_loss`` and ``skip_gram_backward``
    (or ``backward(centers, contexts, negatives, params) -> {"dE", "dTheta"}``).

    Example
    -------
    >>> check_skip_gram().max_rel_error < 1e-12
    True
    """
    from visualdl.engine.word2vec import skip_gram_loss

    params = _params(seed)
    ids = tuple(np.array(a) for a in SKIP_GRAM_IDS)
    J, _ = skip_gram_loss(*ids, params)
    grads = (backward or _engine_skip_gram)(*ids, params)
    return Check(
        "J, dE, dTheta by diff (V=3, d=2, 3 pairs x 2 negatives, repeated ids) vs "
        "skip_gram_backward",
        _compare("skip_gram", J, grads, params),
    )


def check_cbow(backward: Backward | None = None, seed: int = SEED) -> Check:
    """``J``, ``dE``, ``dTheta`` by ``diff`` vs ``cbow_loss`` and ``cbow_backward`` (or
    ``backward(contexts, centers, params) -> {"dE", "dTheta"}``).

    Example
    -------
    >>> check_cbow().max_rel_error < 1e-12
    True
    """
    from visualdl.engine.word2vec import cbow_loss

    params = _params(seed + 1)
    ids = tuple(np.array(a) for a in CBOW_IDS)
    J, _ = cbow_loss(*ids, params)
    grads = (backward or _engine_cbow)(*ids, params)
    return Check(
        "J, dE, dTheta by diff (V=3, d=2, 2 windows of C=2, full softmax) vs cbow_backward",
        _compare("cbow", J, grads, params),
    )


# the rows of ``visualdl verify``
CHECKS: dict[str, Op] = {
    "skip_gram": Op(check_skip_gram, covers=("word2vec.skip_gram_backward",)),
    "cbow": Op(check_cbow, covers=("word2vec.cbow_backward",)),
}
