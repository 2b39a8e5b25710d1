"""Batch normalization's backward, derived by SymPy from the forward of one feature.

Forward for one feature (or channel) holding ``N`` values ``z_1 .. z_N`` (``N = m`` examples
in the dense layout, ``N = m n_H n_W`` in the conv layout)::

    mu = (1/N) sum z_j,   var = (1/N) sum (z_j - mu)^2,   z_norm_j = (z_j - mu) / sqrt(var + eps)
    out_j = gamma z_norm_j + beta                                        (eps inside the root)

The backward receives the per-example ``dout``, so to first order the summed loss is
``S = sum_j dout_j out_j``. SymPy differentiates ``S`` (mu and var depend on every z_j, so
each ``dZ_j`` has three paths):

- ``dZ_j = dS/dz_j`` (per example), which simplifies to
  ``gamma / (N sqrt(var + eps)) (N dout_j - sum dout - z_norm_j sum(dout z_norm))``;
- ``dgamma = (1/m) dS/dgamma = (1/m) sum dout z_norm`` and ``dbeta = (1/m) sum dout``
  (mean cost over the ``m`` examples, as for every parameter).

:func:`check` evaluates the ``diff`` results (not the closed form) in float64, feature by
feature, and meets :func:`visualdl.engine.batchnorm.batch_norm_backward` in both layouts.

Example
-------
>>> d = derivation()
>>> len(d["dZ"]), closed_form_holds()
(4, True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform

__all__ = ["CHECKS", "EPS", "N", "check", "closed_form_holds", "derivation", "evaluate"]

N = 4  # values per feature in the derivation: m = 4 examples (dense) or m n_H n_W = 4 (conv)
EPS = 1e-2  # eps of the numeric check: large enough that putting it outside the root shows

# (Z, gamma, beta, dout, eps) -> (dZ, dgamma, dbeta)
Backward = Callable[[Any, Any, Any, Any, float], tuple[Any, Any, Any]]


@cache
def derivation(n_values: int = N, eps_inside: bool = True) -> dict[str, Any]:
    """Forward of one feature from its definition and the derivatives by ``sympy.diff``.

    Parameters
    ----------
    n_values : int
        ``N``, the values averaged per feature.
    eps_inside : bool
        ``True``: ``sqrt(var + eps)`` (right). ``False``: the notes' ``sqrt(var) + eps``.

    Returns
    -------
    dict
        Symbols ``z``, ``dout`` (tuples of N), ``gamma``, ``beta``, ``eps``, ``m``; the
        expressions ``mu``, ``var``, ``Z_norm``, ``out``, ``S``; and ``dZ`` (tuple of N),
        ``dgamma``, ``dbeta``, each from ``sympy.diff`` of ``S``.
    """
    z = sp.symbols(f"z1:{n_values + 1}", real=True)
    dout = sp.symbols(f"dout1:{n_values + 1}", real=True)
    gamma, beta = sp.symbols("gamma beta", real=True)
    eps, m = sp.symbols("epsilon m", positive=True)
    mu = sp.Add(*z) / n_values
    var = sp.Add(*((zj - mu) ** 2 for zj in z)) / n_values
    std = sp.sqrt(var + eps) if eps_inside else sp.sqrt(var) + eps
    Z_norm = tuple((zj - mu) / std for zj in z)
    out = tuple(gamma * x + beta for x in Z_norm)
    S = sp.Add(*(g * o for g, o in zip(dout, out, strict=True)))
    return {
        "z": z,
        "dout": dout,
        "gamma": gamma,
        "beta": beta,
        "eps": eps,
        "m": m,
        "mu": mu,
        "var": var,
        "Z_norm": Z_norm,
        "out": out,
        "S": S,
        "dZ": tuple(sp.diff(S, zj) for zj in z),
        "dgamma": sp.diff(S, gamma) / m,
        "dbeta": sp.diff(S, beta) / m,
    }


def closed_form_holds(n_values: int = N, eps_inside: bool = True) -> bool:
    """True when the ``diff`` results equal the documented closed forms.

    ``var + eps`` is replaced by one positive symbol ``v`` in both sides (the square root then
    simplifies by itself), and the difference must ``expand`` to 0. The notes' version
    (``eps_inside=False``) does not simplify to these forms.

    Example
    -------
    >>> closed_form_holds(), closed_form_holds(eps_inside=False)
    (True, False)
    """
    d = derivation(n_values, eps_inside)
    z, dout, gamma, m = d["z"], d["dout"], d["gamma"], d["m"]
    v = sp.Symbol("v", positive=True)
    sigma = sp.sqrt(d["var"] + d["eps"])
    Z_norm = [(zj - d["mu"]) / sigma for zj in z]
    s1 = sp.Add(*dout)
    s2 = sp.Add(*(g * x for g, x in zip(dout, Z_norm, strict=True)))
    forms = [
        gamma / (n_values * sigma) * (n_values * dout[j] - s1 - Z_norm[j] * s2)
        for j in range(n_values)
    ]
    forms += [s2 / m, s1 / m]
    derived = [*d["dZ"], d["dgamma"], d["dbeta"]]
    table = {d["var"] + d["eps"]: v}
    return all(sp.expand((a - b).xreplace(table)) == 0 for a, b in zip(derived, forms, strict=True))


def evaluate(
    z: np.ndarray, gamma: float, beta: float, dout: np.ndarray, eps: float, m: int
) -> dict[str, np.ndarray]:
    """The derivation at numbers for one feature: ``out``, ``dZ`` (N,), ``dgamma``, ``dbeta``.

    Example
    -------
    >>> r = evaluate(np.array([1.0, 2.0, 3.0, 4.0]), 1.0, 0.0, np.ones(4), 0.0, 4)
    >>> np.round(r["out"], 4).tolist(), np.round(r["dZ"], 12).tolist()
    ([-1.3416, -0.4472, 0.4472, 1.3416], [0.0, 0.0, 0.0, 0.0])
    """
    d = derivation(len(z))
    table = {s: sp.Float(float(x)) for s, x in zip(d["z"], z, strict=True)}
    table.update({s: sp.Float(float(x)) for s, x in zip(d["dout"], dout, strict=True)})
    table.update({d["gamma"]: sp.Float(float(gamma)), d["beta"]: sp.Float(float(beta))})
    table.update({d["eps"]: sp.Float(float(eps)), d["m"]: sp.Integer(m)})

    def num(exprs):
        return np.array([float(e.xreplace(table)) for e in exprs])

    return {
        "out": num(d["out"]),
        "dZ": num(d["dZ"]),
        "dgamma": num([d["dgamma"]])[0],
        "dbeta": num([d["dbeta"]])[0],
    }


def _engine_backward(Z, gamma, beta, dout, eps):
    from visualdl.engine.batchnorm import batch_norm, batch_norm_backward

    _, cache_ = batch_norm(Z, gamma, beta, eps)
    return batch_norm_backward(dout, cache_)


def _layouts(gen: np.random.Generator) -> list[tuple[str, dict[str, np.ndarray]]]:
    """A dense ``Z (2, 4)`` (2 features, m = 4) and a conv ``Z (2, 2, 1, 2)`` (m = 2,
    2 channels of N = 4 values each): the derivation's N = 4 in both."""
    dense = {
        "Z": gen.normal(1.0, 2.0, (2, N)),
        "gamma": signed_uniform(gen, (2, 1)),
        "beta": gen.standard_normal((2, 1)),
        "dout": gen.standard_normal((2, N)),
    }
    conv = {
        "Z": gen.normal(-1.0, 0.5, (2, 2, 1, 2)),
        "gamma": signed_uniform(gen, (2,)),
        "beta": gen.standard_normal((2,)),
        "dout": gen.standard_normal((2, 2, 1, 2)),
    }
    return [("dense", dense), ("conv", conv)]


def check(backward: Backward | None = None, seed: int = SEED, eps: float = EPS) -> Check:
    """``out``, ``dZ``, ``dgamma``, ``dbeta`` by ``diff``, evaluated feature by feature, vs
    ``batch_norm`` and ``batch_norm_backward`` in the dense and conv layouts; infinite error
    unless the derivatives simplify to the closed forms.

    Parameters
    ----------
    backward : callable, optional
        ``(Z, gamma, beta, dout, eps) -> (dZ, dgamma, dbeta)`` instead of the engine's.
    seed, eps : the random values' seed and the eps of the check.

    Example
    -------
    >>> check().passed
    True
    """
    from visualdl.engine.batchnorm import batch_norm

    pairs: list[Any] = []
    for layout, v in _layouts(rng(seed)):
        Z, gamma, beta, dout = v["Z"], v["gamma"], v["beta"], v["dout"]
        out, _ = batch_norm(Z, gamma, beta, eps)
        dZ, dgamma, dbeta = (backward or _engine_backward)(Z, gamma, beta, dout, eps)
        if layout == "dense":  # feature k is row k; m = Z.shape[1] examples
            m, feats = Z.shape[1], [(k, np.s_[k, :]) for k in range(Z.shape[0])]
        else:  # channel c is Z[..., c]; m = Z.shape[0] examples
            m, feats = Z.shape[0], [(c, np.s_[..., c]) for c in range(Z.shape[3])]
        for k, idx in feats:
            g, b = float(gamma.ravel()[k]), float(beta.ravel()[k])
            r = evaluate(Z[idx].ravel(), g, b, dout[idx].ravel(), eps, m)
            pairs += [r["out"], out[idx].ravel(), r["dZ"], dZ[idx].ravel()]
            pairs += [r["dgamma"], np.ravel(dgamma)[k], r["dbeta"], np.ravel(dbeta)[k]]
    return Check(
        "dZ, dgamma, dbeta by diff (N=4, eps in root) vs batch_norm_backward, dense + conv",
        rel_error(*pairs) if closed_form_holds() else float("inf"),
    )


# the row of ``visualdl verify``
CHECKS: dict[str, Op] = {"batch_norm": Op(check, covers=("batchnorm.batch_norm_backward",))}
