"""The attention chapter's gradients, derived by SymPy from the forward expressions.

Rows are positions and every backward returns the gradients of the summed loss
``S = sum(dout * out)`` (no ``1/m``), as in :mod:`visualdl.engine.attention`. Each check
writes the op's forward entry by entry on small symbolic shapes, differentiates it with
``sympy.diff``, evaluates the derivatives in float64 and meets the engine's hand-written
backward on random inputs:

- ``scaled_dot_product_attention``: ``s_ij = sum_c Q_ic K_jc / sqrt(d_k)``,
  ``w_ij = exp(s_ij) / sum_{j' kept} exp(s_ij')``, ``out = w V``, with no mask, the causal mask
  (``j <= i``) and a padding mask (keys whose id is the pad). A masked key is simply *absent*
  from the symbolic softmax's sum (the formula's ``M_ij = -inf``: its weight is exactly 0);
  the masks are written here from their definitions, not taken from the engine.
  ``S`` is written in score symbols ``s_ij`` and differentiated through them by the chain rule
  (:func:`~visualdl.symbolic.rows.chain_grad`, every partial by ``diff``): the same
  derivative as one ``diff`` of the substituted ``S`` (a test compares them), about 4 times
  faster here, as SymPy's cost is in re-deriving facts about ``exp`` of long sums.
- ``additive_attention``: ``s_ij = sum_r w_v[r] tanh(sum_a Q_ia W_q[a, r] + sum_b K_jb
  W_k[b, r])``, then the same softmax and weighted sum, with and without a mask (through the
  score symbols too).
- ``multi_head_attention`` (``d_model = 4``, ``h = 2``): ``Q = X_q W_Q``, ``K = X_kv W_K``,
  ``V = X_kv W_V``; head ``t`` takes columns ``t d_k .. (t + 1) d_k - 1`` (the notes'
  ``view(B, n, h, d_k).transpose(1, 2)``), attends, the heads are concatenated back in order
  and projected by ``W_O``. Differentiating that whole expression at once takes SymPy over a
  minute and a half here (measured: ~50 s of ``diff``, ~45 s of ``lambdify``, ``n_q = 2``,
  ``n_k = 3``),
  so the forward is written as its three stages (projections, heads, output projection), each
  stage's gradients come from ``sympy.diff`` of that stage's forward, and the stages are
  composed by the chain rule at numbers (``dX_kv`` sums its key and value paths, as the rule
  says for an input used twice). :func:`mha_full_derivation` does the whole ``diff`` at once
  for a smaller shape, and a test shows the two agree.
- ``layer_norm``: per row ``mu = mean``, ``var = mean (x - mu)^2``,
  ``y = gamma (x - mu) / sqrt(var + eps) + beta`` (eps inside the root, as
  ``torch.nn.LayerNorm``); ``dX`` must simplify to
  ``(1 / (d sigma)) (d g - sum g - x_hat sum(g x_hat))``, ``g = gamma dY``. The notes' variant
  (unbiased std, ``eps`` added to the std; the prose calls sigma the *variance*) is a different
  function: :func:`layer_norm_variants` measures how far each reading is from the right one,
  :func:`variant_backward` gives each reading's exact gradient (they fail the row). One row is
  derived (``S = sum_r S_r``, ``S_r`` depends on row ``r`` only) and evaluated row by row.
- ``positional_encoding`` (no backward): with symbolic ``p`` and ``k``,
  ``PE_p . PE_{p+k} = sum_i cos(k omega_i)`` by trigonometric expansion and simplification, so
  the product depends on the offset only (for even ``d``; an odd ``d``'s lone sine column adds
  a term in ``p``); and the engine's table against the formula, including the notes' ``d = 4``
  numbers ``P[1] = [0.8415, 0.5403, 0.0100, 1.0000]``.
- ``feed_forward``: ``Y = ReLU(X W1 + b1) W2 + b2``, ReLU as ``Max(0, z)``, away from the kink.

Example
-------
>>> CHECKS["positional_encoding"]().passed, pe_offset_identity(4)
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform
from visualdl.symbolic.rows import chain_grad, linear_numeric, matrix, numeric

__all__ = [
    "CHECKS",
    "LN_EPS",
    "LN_VARIANTS",
    "additive_derivation",
    "check_additive",
    "check_feed_forward",
    "check_layer_norm",
    "check_multi_head",
    "check_positional",
    "check_sdpa",
    "layer_norm_closed_form_holds",
    "layer_norm_derivation",
    "layer_norm_notes_ratio",
    "layer_norm_variants",
    "mha_full_derivation",
    "mha_staged",
    "pe_offset_identity",
    "pe_pair_identity",
    "positional_expression",
    "sdpa_derivation",
    "variant_backward",
]

Keep = tuple[tuple[bool, ...], ...]  # keep[i][j]: query i may attend to key j


def _all_kept(n_q: int, n_k: int) -> Keep:
    return tuple(tuple(True for _ in range(n_k)) for _ in range(n_q))


def _softmax_weights(scores: sp.Matrix, keep: Keep) -> sp.Matrix:
    """``w_ij = exp(s_ij) / sum_{j' kept} exp(s_ij')`` for kept ``j``, 0 for masked ones: a
    masked key is absent from the sum (the formula's ``-inf``)."""
    n_q, n_k = scores.shape
    W = sp.zeros(n_q, n_k)
    for i in range(n_q):
        kept = [j for j in range(n_k) if keep[i][j]]
        total = sp.Add(*(sp.exp(scores[i, j]) for j in kept))
        for j in kept:
            W[i, j] = sp.exp(scores[i, j]) / total
    return W


def _first_order(dY: sp.Matrix, Y: sp.Matrix) -> sp.Expr:
    return sp.Add(*(g * y for g, y in zip(dY, Y, strict=True)))


def _grad(S: sp.Expr, M: sp.Matrix) -> sp.Matrix:
    return M.applyfunc(lambda s: sp.diff(S, s))


# -- scaled dot-product attention ----------------------------------------------------------------


@cache
def sdpa_derivation(
    n_q: int, n_k: int, d_k: int, d_v: int, keep: Keep | None = None, direct: bool = False
) -> dict:
    """``out = softmax(Q K^T / sqrt(d_k) + M) V`` entry by entry; ``dQ, dK, dV`` by ``diff``
    of ``S = sum dout * out``.

    ``S`` is written in the score symbols ``s_ij`` and differentiated through the chain rule
    (:func:`~visualdl.symbolic.rows.chain_grad`: ``dS/ds_ij`` and ``ds_ij/dQ`` by ``diff``);
    ``direct=True`` differentiates the substituted ``S`` at once instead (the same expressions,
    about 4 times slower here: a test compares the two).

    Parameters
    ----------
    n_q, n_k, d_k, d_v : the shapes ``Q (n_q, d_k)``, ``K (n_k, d_k)``, ``V (n_k, d_v)``.
    keep : tuple of tuples of bool, optional
        ``keep[i][j]`` True where query ``i`` may attend to key ``j`` (all by default).

    Returns
    -------
    dict
        Symbol matrices ``Q, K, V, dout``; ``scores`` (scaled), ``weights`` (0 where masked),
        ``out``; ``dQ, dK, dV`` from ``sympy.diff``; ``dV_form_holds``: ``dV`` expands to
        ``weights^T dout``.
    """
    keep = keep or _all_kept(n_q, n_k)
    Q, K, V = matrix("Q", n_q, d_k), matrix("K", n_k, d_k), matrix("V", n_k, d_v)
    dout, s = matrix("dout", n_q, d_v), matrix("s", n_q, n_k)
    scores = (Q * K.T) / sp.sqrt(d_k)
    table = dict(zip(s, scores, strict=True))
    S_s = _first_order(dout, _softmax_weights(s, keep) * V)  # S in the score symbols
    weights = _softmax_weights(scores, keep)
    if direct:
        S = S_s.xreplace(table)
        dQ, dK, dV = _grad(S, Q), _grad(S, K), _grad(S, V)
    else:
        dQ, dK, dV = (chain_grad(S_s, s, scores, M) for M in (Q, K, V))
    holds = sp.expand(dV - weights.T * dout) == sp.zeros(n_k, d_v)
    return {
        "Q": Q,
        "K": K,
        "V": V,
        "dout": dout,
        "scores": scores,
        "weights": weights,
        "out": weights * V,
        "dQ": dQ,
        "dK": dK,
        "dV": dV,
        "dV_form_holds": holds,
    }


@cache
def _sdpa_numeric(n_q: int, n_k: int, d_k: int, d_v: int, keep: Keep | None = None):
    """``f(Q, K, V, dout) -> [out, weights, dQ, dK, dV]`` in float64."""
    d = sdpa_derivation(n_q, n_k, d_k, d_v, keep)
    return numeric(
        [d["Q"], d["K"], d["V"], d["dout"]], [d["out"], d["weights"], d["dQ"], d["dK"], d["dV"]]
    )


def _engine_sdpa(Q, K, V, dout, mask):
    from visualdl.engine.attention import (
        scaled_dot_product_attention,
        scaled_dot_product_attention_backward,
    )

    _, cache_ = scaled_dot_product_attention(Q, K, V, mask)
    return scaled_dot_product_attention_backward(dout, cache_)


SDPA_PAD_IDS = ((4, 1, 0), (2, 0, 0))  # pad = 0: keys 2 of the first, 1 and 2 of the second


def _sdpa_cases(gen: np.random.Generator) -> list[dict[str, Any]]:
    """No mask (``n_q = 2``, ``n_k = 3``), causal (``n = 3``), padding (batch of 2, ``n = 3``);
    ``d_k = 2``, ``d_v = 3``. ``keep`` from the definitions; ``mask`` the engine's."""
    from visualdl.engine.attention import causal_mask, padding_mask

    d_k, d_v = 2, 3
    ids = np.array(SDPA_PAD_IDS)
    causal = tuple(tuple(j <= i for j in range(3)) for i in range(3))
    pad_keep = [tuple(tuple(bool(t != 0) for t in row) for _ in range(3)) for row in ids]
    cases = [
        {"lead": (), "n_q": 2, "n_k": 3, "keep": [None], "mask": None},
        {"lead": (), "n_q": 3, "n_k": 3, "keep": [causal], "mask": causal_mask(3)},
        {"lead": (2,), "n_q": 3, "n_k": 3, "keep": pad_keep, "mask": padding_mask(ids, 0)},
    ]
    for c in cases:
        lead = c["lead"]
        c |= {"d_k": d_k, "d_v": d_v}
        c["Q"] = gen.standard_normal((*lead, c["n_q"], d_k))
        c["K"] = gen.standard_normal((*lead, c["n_k"], d_k))
        c["V"] = gen.standard_normal((*lead, c["n_k"], d_v))
        c["dout"] = gen.standard_normal((*lead, c["n_q"], d_v))
    return cases


def check_sdpa(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``out``, ``weights``, ``dQ, dK, dV`` by ``diff`` vs
    ``scaled_dot_product_attention`` and its backward: no mask, causal mask, padding mask.

    Parameters
    ----------
    backward : callable, optional
        ``(Q, K, V, dout, mask) -> (dQ, dK, dV)`` instead of the engine's.

    Example
    -------
    >>> check_sdpa().passed
    True
    """
    from visualdl.engine.attention import scaled_dot_product_attention

    pairs: list[Any] = []
    holds = True
    for c in _sdpa_cases(rng(seed)):
        out, cache_ = scaled_dot_product_attention(c["Q"], c["K"], c["V"], c["mask"])
        grads = (backward or _engine_sdpa)(c["Q"], c["K"], c["V"], c["dout"], c["mask"])
        for b, keep in enumerate(c["keep"]):
            at = (b,) if c["lead"] else ()
            f = _sdpa_numeric(c["n_q"], c["n_k"], c["d_k"], c["d_v"], keep)
            holds = (
                holds
                and sdpa_derivation(c["n_q"], c["n_k"], c["d_k"], c["d_v"], keep)["dV_form_holds"]
            )
            expected = f(*(c[k][at] for k in ("Q", "K", "V", "dout")))
            got = [out[at], cache_["weights"][at], *(g[at] for g in grads)]
            pairs += [x for e, g in zip(expected, got, strict=True) for x in (e, g)]
    return Check(
        "out, weights, dQ, dK, dV by diff of softmax(Q K^T / sqrt(d_k) + M) V (no mask, causal, "
        "padding) vs scaled_dot_product_attention_backward",
        rel_error(*pairs) if holds else float("inf"),
    )


# -- additive attention ------------------------------------------------------------------------

ADDITIVE_SHAPE = {"n_q": 2, "n_k": 3, "d_q": 2, "d_k": 3, "d_v": 2, "h": 2}
ADDITIVE_KEEP: Keep = ((True, False, True), (True, True, True))


@cache
def additive_derivation(keep: Keep | None = None) -> dict:
    """``a_ij = sum_r w_v[r] tanh(sum_a Q_ia W_q[a, r] + sum_b K_jb W_k[b, r])``, the masked
    softmax over ``j``, ``out = w V``; every gradient by ``diff`` of ``S = sum dout * out``
    through the score symbols (:func:`~visualdl.symbolic.rows.chain_grad`), shapes
    :data:`ADDITIVE_SHAPE`.

    Returns
    -------
    dict
        Symbols ``Q, K, V, W_q, W_k, w_v (1, h), dout``; ``scores``, ``weights``, ``out``;
        ``dQ, dK, dV, dW_q, dW_k, dw_v``.
    """
    sh = ADDITIVE_SHAPE
    n_q, n_k, h = sh["n_q"], sh["n_k"], sh["h"]
    keep = keep or _all_kept(n_q, n_k)
    Q, K = matrix("Q", n_q, sh["d_q"]), matrix("K", n_k, sh["d_k"])
    V, dout = matrix("V", n_k, sh["d_v"]), matrix("dout", n_q, sh["d_v"])
    W_q, W_k, w_v = matrix("Wq", sh["d_q"], h), matrix("Wk", sh["d_k"], h), matrix("wv", 1, h)
    Hq, Hk = Q * W_q, K * W_k
    scores = sp.Matrix(
        n_q, n_k, lambda i, j: sp.Add(*(w_v[r] * sp.tanh(Hq[i, r] + Hk[j, r]) for r in range(h)))
    )
    s = matrix("s", n_q, n_k)
    S_s = _first_order(dout, _softmax_weights(s, keep) * V)
    weights = _softmax_weights(scores, keep)
    syms = {"Q": Q, "K": K, "V": V, "W_q": W_q, "W_k": W_k, "w_v": w_v}
    grads = {f"d{k}": chain_grad(S_s, s, scores, M) for k, M in syms.items()}
    return {**syms, "dout": dout, "scores": scores, "weights": weights, "out": weights * V, **grads}


ADDITIVE_GRADS = ("dQ", "dK", "dV", "dW_q", "dW_k", "dw_v")


@cache
def _additive_numeric(keep: Keep | None = None):
    d = additive_derivation(keep)
    ins = [d[k] for k in ("Q", "K", "V", "W_q", "W_k", "w_v", "dout")]
    return numeric(ins, [d["out"], d["weights"], *(d[k] for k in ADDITIVE_GRADS)])


def _engine_additive(Q, K, V, params, dout, mask):
    from visualdl.engine.attention import additive_attention, additive_attention_backward

    _, cache_ = additive_attention(Q, K, V, params, mask)
    return additive_attention_backward(dout, cache_)


def check_additive(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``out``, ``weights`` and the six gradients by ``diff`` vs ``additive_attention`` and its
    backward, with no mask and with the keep mask :data:`ADDITIVE_KEEP`.

    Parameters
    ----------
    backward : callable, optional
        ``(Q, K, V, params, dout, mask) -> dict`` (keys ``dQ, dK, dV, dW_q, dW_k, dw_v``)
        instead of the engine's.

    Example
    -------
    >>> check_additive().passed
    True
    """
    from visualdl.engine.attention import additive_attention

    s = ADDITIVE_SHAPE
    gen = rng(seed)
    pairs: list[Any] = []
    for keep in (None, ADDITIVE_KEEP):
        Q, K = gen.standard_normal((s["n_q"], s["d_q"])), gen.standard_normal((s["n_k"], s["d_k"]))
        V, dout = (
            gen.standard_normal((s["n_k"], s["d_v"])),
            gen.standard_normal((s["n_q"], s["d_v"])),
        )
        params = {
            "W_q": gen.standard_normal((s["d_q"], s["h"])),
            "W_k": gen.standard_normal((s["d_k"], s["h"])),
            "w_v": gen.standard_normal(s["h"]),
        }
        mask = None if keep is None else np.array(keep)
        out, cache_ = additive_attention(Q, K, V, params, mask)
        grads = (backward or _engine_additive)(Q, K, V, params, dout, mask)
        expected = _additive_numeric(keep)(
            Q, K, V, params["W_q"], params["W_k"], params["w_v"], dout
        )
        got = [
            out,
            cache_["weights"],
            *(
                np.reshape(grads[k], e.shape)
                for k, e in zip(ADDITIVE_GRADS, expected[2:], strict=True)
            ),
        ]
        pairs += [x for e, g in zip(expected, got, strict=True) for x in (e, g)]
    return Check(
        "out, weights, dQ, dK, dV, dW_q, dW_k, dw_v by diff of softmax(w_v . tanh(q W_q + k W_k)) V"
        " (with/without mask) vs additive_attention_backward",
        rel_error(*pairs),
    )


# -- multi-head attention ----------------------------------------------------------------------

MHA_SHAPE = {"n_q": 2, "n_k": 3, "d_model": 4, "h": 2}
MHA_KEEP: Keep = ((True, True, False), (True, True, True))
PROJECTIONS = ("Q", "K", "V", "O")


def mha_staged(
    X_q: np.ndarray,
    X_kv: np.ndarray,
    params: dict[str, np.ndarray],
    h: int,
    dout: np.ndarray,
    keep: Keep | None = None,
) -> dict[str, np.ndarray]:
    """Multi-head attention's forward and gradients, stage by stage, each stage's gradients by
    ``sympy.diff`` of its forward (:func:`~visualdl.symbolic.rows.linear_derivation`,
    :func:`sdpa_derivation`), composed by the chain rule at numbers.

    ``X_q (n_q, d_model)``, ``X_kv (n_k, d_model)``, ``params`` ``W_Q .. W_O`` (and optional
    ``b_Q .. b_O``), ``dout (n_q, d_model)``. Head ``t`` is columns ``t d_k .. (t+1) d_k - 1``.

    Returns
    -------
    dict
        ``out``, ``weights (h, n_q, n_k)``, ``dX_q``, ``dX_kv``, ``dW_Q .. dW_O`` and ``db_*``
        for the biases given.
    """
    n_q, d_model = X_q.shape
    n_k, d_k = X_kv.shape[0], d_model // h
    bias = {p: params.get(f"b_{p}") for p in PROJECTIONS}
    proj = {}
    for p, X in (("Q", X_q), ("K", X_kv), ("V", X_kv)):
        f = linear_numeric(X.shape[0], d_model, d_model, bias[p] is not None)
        b = bias[p] if bias[p] is not None else np.zeros(d_model)
        proj[p] = (f, X, b)
    QKV = {
        p: f(X, params[f"W_{p}"], b, np.zeros((X.shape[0], d_model)))[0]
        for p, (f, X, b) in proj.items()
    }
    # stage 3: W_O, first for its input's gradient dC (it does not depend on C) ...
    f_O = linear_numeric(n_q, d_model, d_model, bias["O"] is not None)
    b_O = bias["O"] if bias["O"] is not None else np.zeros(d_model)
    C, weights = np.zeros((n_q, d_model)), np.zeros((h, n_q, n_k))
    dQKV = {p: np.zeros_like(QKV[p]) for p in ("Q", "K", "V")}
    dC = f_O(np.zeros((n_q, d_model)), params["W_O"], b_O, dout)[1]
    # stage 2: every head attends on its own columns
    f_head = _sdpa_numeric(n_q, n_k, d_k, d_k, keep)
    for t in range(h):
        cols = slice(t * d_k, (t + 1) * d_k)
        o, w, dq, dk, dv = f_head(
            QKV["Q"][:, cols], QKV["K"][:, cols], QKV["V"][:, cols], dC[:, cols]
        )
        C[:, cols], weights[t] = o, w
        dQKV["Q"][:, cols], dQKV["K"][:, cols], dQKV["V"][:, cols] = dq, dk, dv
    out, _, dW_O, db_O = f_O(C, params["W_O"], b_O, dout)
    grads: dict[str, np.ndarray] = {"out": out, "weights": weights, "dW_O": dW_O}
    # stage 1: the projections; X_kv feeds K and V, so its gradient is the sum of both paths
    dX = {}
    for p, (f, X, b) in proj.items():
        _, dX[p], grads[f"dW_{p}"], db = f(X, params[f"W_{p}"], b, dQKV[p])
        if bias[p] is not None:
            grads[f"db_{p}"] = db.ravel()
    if bias["O"] is not None:
        grads["db_O"] = db_O.ravel()
    return {**grads, "dX_q": dX["Q"], "dX_kv": dX["K"] + dX["V"]}


@cache
def mha_full_derivation(n_q: int = 1, n_k: int = 2, d_model: int = 2, h: int = 2) -> dict:
    """Multi-head attention (no biases, no mask) as ONE expression, every gradient by ``diff``
    of ``S = sum dout * out`` at once: the check of :func:`mha_staged` (tiny shapes only; the
    chapter's ``n_q = 2, n_k = 3, d_model = 4`` takes SymPy minutes this way).

    Returns
    -------
    dict
        Symbols ``X_q, X_kv, W_Q .. W_O, dout``; ``out``; ``dX_q, dX_kv, dW_Q .. dW_O``.
    """
    d_k = d_model // h
    X_q, X_kv = matrix("Xq", n_q, d_model), matrix("Xkv", n_k, d_model)
    W = {p: matrix(f"W{p}", d_model, d_model) for p in PROJECTIONS}
    dout = matrix("dout", n_q, d_model)
    Q, K, V = X_q * W["Q"], X_kv * W["K"], X_kv * W["V"]
    C = sp.zeros(n_q, d_model)
    for t in range(h):
        cols = slice(t * d_k, (t + 1) * d_k)
        w = _softmax_weights(Q[:, cols] * K[:, cols].T / sp.sqrt(d_k), _all_kept(n_q, n_k))
        C[:, cols] = w * V[:, cols]
    out = C * W["O"]
    S = _first_order(dout, out)
    grads = {f"dW_{p}": _grad(S, W[p]) for p in PROJECTIONS}
    return {
        "X_q": X_q,
        "X_kv": X_kv,
        **{f"W_{p}": W[p] for p in PROJECTIONS},
        "dout": dout,
        "out": out,
        "dX_q": _grad(S, X_q),
        "dX_kv": _grad(S, X_kv),
        **grads,
    }


def _zero_gradient(g: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """A gradient that is 0 in exact arithmetic, as exact zeros where it is rounding-level
    (``|g| <= atol``); entries above ``atol`` are left as they are, so the row fails on them."""
    return np.where(np.abs(g) <= atol, 0.0, g)


def _engine_mha(X_q, X_kv, params, h, dout, mask):
    from visualdl.engine.attention import multi_head_attention, multi_head_attention_backward

    _, cache_ = multi_head_attention(X_q, X_kv, params, h, mask)
    return multi_head_attention_backward(dout, cache_)


def check_multi_head(backward: Callable | None = None, seed: int = SEED) -> Check:
    """:func:`mha_staged` vs ``multi_head_attention`` and its backward (``d_model = 4``,
    ``h = 2``, ``n_q = 2``, ``n_k = 3``): no biases and no mask (the notes' code), and biases
    with the keep mask :data:`MHA_KEEP`; ``out``, every head's ``weights`` and every gradient.

    Parameters
    ----------
    backward : callable, optional
        ``(X_q, X_kv, params, h, dout, mask) -> dict`` instead of the engine's.

    Example
    -------
    >>> check_multi_head().passed
    True
    """
    from visualdl.engine.attention import multi_head_attention

    s = MHA_SHAPE
    n_q, n_k, dm, h = s["n_q"], s["n_k"], s["d_model"], s["h"]
    gen = rng(seed)
    pairs: list[Any] = []
    for keep, with_bias in ((None, False), (MHA_KEEP, True)):
        X_q, X_kv = gen.standard_normal((n_q, dm)), gen.standard_normal((n_k, dm))
        params = {f"W_{p}": gen.standard_normal((dm, dm)) / np.sqrt(dm) for p in PROJECTIONS}
        if with_bias:
            params |= {f"b_{p}": gen.standard_normal(dm) for p in PROJECTIONS}
        dout = gen.standard_normal((n_q, dm))
        mask = None if keep is None else np.array(keep)
        expected = mha_staged(X_q, X_kv, params, h, dout, keep)
        out, cache_ = multi_head_attention(X_q, X_kv, params, h, mask)
        got = dict((backward or _engine_mha)(X_q, X_kv, params, h, dout, mask))
        got |= {"out": out, "weights": cache_["weights"]}
        if set(got) != set(expected):
            return Check(
                f"multi-head gradients: expected keys {sorted(expected)}, got {sorted(got)}",
                float("inf"),
            )
        for k in sorted(expected):
            e, g = expected[k], np.reshape(got[k], expected[k].shape)
            if k == "db_K":  # exactly 0: q . b_K shifts a whole row of scores (softmax ignores)
                e, g = _zero_gradient(e), _zero_gradient(g)
            pairs += [e, g]
    return Check(
        "out, weights, dX_q, dX_kv, dW_Q..dW_O (db_*) by diff, stage by stage (d_model 4, h 2; "
        "mask + biases) vs multi_head_attention_backward",
        rel_error(*pairs),
    )


# -- layer normalization -----------------------------------------------------------------------

LN_SHAPE = (2, 2, 4)  # X: a batch of 2 sequences of 2 positions, d = 4 features per row
LN_EPS = 1e-2  # eps of the check: large enough that putting it outside the root shows
#: the readings of LayerNorm: the engine's and torch's; eps outside the root; the notes' code
#: (unbiased std + eps); the notes' prose taken literally (sigma = the variance)
LN_VARIANTS = ("right", "eps_outside", "notes", "notes_text")


@cache
def layer_norm_derivation(rows: int = 1, d: int = LN_SHAPE[-1], variant: str = "right") -> dict:
    """LayerNorm over each of ``rows`` rows of ``d`` features, and ``dX, dgamma, dbeta`` by
    ``diff`` of ``S = sum dY * Y`` (``dgamma``, ``dbeta`` sum over the rows by themselves).

    Parameters
    ----------
    variant : str
        ``"right"``: ``(x - mu) / sqrt(var + eps)`` (biased var); ``"eps_outside"``:
        ``/ (sqrt(var) + eps)``; ``"notes"``: ``/ (std_unbiased + eps)``, the notes' code;
        ``"notes_text"``: ``/ (var + eps)``, the notes' prose read literally.

    Returns
    -------
    dict
        Symbols ``X (rows, d)``, ``gamma, beta (1, d)``, ``dY``, ``eps`` (as a 1x1 matrix
        ``eps_m``); ``mu``, ``var`` (per row), ``Y``; ``dX``, ``dgamma``, ``dbeta``.
    """
    if variant not in LN_VARIANTS:
        raise ValueError(
            f"layer_norm_derivation: variant must be one of {LN_VARIANTS}, got {variant!r}"
        )
    X, dY = matrix("x", rows, d), matrix("dY", rows, d)
    gamma, beta = matrix("gamma", 1, d), matrix("beta", 1, d)
    eps = sp.Symbol("epsilon", positive=True)
    mu = [sp.Add(*X.row(r)) / d for r in range(rows)]
    ss = [sp.Add(*((X[r, j] - mu[r]) ** 2 for j in range(d))) for r in range(rows)]
    var = [q / d for q in ss]
    denominator = {
        "right": lambda r: sp.sqrt(var[r] + eps),
        "eps_outside": lambda r: sp.sqrt(var[r]) + eps,
        "notes": lambda r: sp.sqrt(ss[r] / (d - 1)) + eps,
        "notes_text": lambda r: var[r] + eps,
    }[variant]
    Y = sp.Matrix(rows, d, lambda r, j: gamma[j] * (X[r, j] - mu[r]) / denominator(r) + beta[j])
    S = _first_order(dY, Y)
    return {
        "X": X,
        "gamma": gamma,
        "beta": beta,
        "dY": dY,
        "eps": eps,
        "eps_m": sp.Matrix([[eps]]),
        "mu": mu,
        "var": var,
        "Y": Y,
        "S": S,
        "dX": _grad(S, X),
        "dgamma": _grad(S, gamma),
        "dbeta": _grad(S, beta),
    }


@cache
def _layer_norm_numeric(rows: int, d: int, variant: str):
    """``f(X, gamma, beta, dY, eps) -> [Y, dX, dgamma (1, d), dbeta (1, d)]`` for ``rows``
    rows: the summed loss is ``S = sum_r S_r`` and ``S_r`` depends on row ``r``'s ``x`` only,
    so one row's derivation is evaluated row by row, its ``dgamma``, ``dbeta`` summed."""
    e = layer_norm_derivation(1, d, variant)
    ins = [e["X"], e["gamma"], e["beta"], e["dY"], e["eps_m"]]
    one_row = numeric(ins, [e["Y"], e["dX"], e["dgamma"], e["dbeta"]])

    def evaluate(X, gamma, beta, dY, eps):
        X2, dY2 = np.reshape(X, (rows, d)), np.reshape(dY, (rows, d))
        per = [one_row(X2[r], gamma, beta, dY2[r], eps) for r in range(rows)]
        return [
            np.vstack([p[0] for p in per]),
            np.vstack([p[1] for p in per]),
            sum(p[2] for p in per),
            sum(p[3] for p in per),
        ]

    return evaluate


def layer_norm_closed_form_holds(d: int = LN_SHAPE[-1]) -> bool:
    """True when one row's ``diff`` results equal the engine's documented closed forms:
    ``dX_j = (1 / (d sigma)) (d g_j - sum g - x_hat_j sum(g x_hat))`` with ``g = gamma dY``,
    ``sigma = sqrt(var + eps)``, ``x_hat = (x - mu) / sigma``; ``dgamma = dY x_hat``,
    ``dbeta = dY``. ``var + eps`` becomes one positive symbol, then ``expand`` must give 0.

    Example
    -------
    >>> layer_norm_closed_form_holds(3)
    True
    """
    e = layer_norm_derivation(1, d, "right")
    v = sp.Symbol("v", positive=True)
    sigma = sp.sqrt(e["var"][0] + e["eps"])
    x_hat = [(e["X"][0, j] - e["mu"][0]) / sigma for j in range(d)]
    g = [e["gamma"][j] * e["dY"][0, j] for j in range(d)]
    s1, s2 = sp.Add(*g), sp.Add(*(gj * xj for gj, xj in zip(g, x_hat, strict=True)))
    forms = [(e["dX"][0, j], (d * g[j] - s1 - x_hat[j] * s2) / (d * sigma)) for j in range(d)]
    forms += [(e["dgamma"][j], e["dY"][0, j] * x_hat[j]) for j in range(d)]
    forms += [(e["dbeta"][j], e["dY"][0, j]) for j in range(d)]
    table = {e["var"][0] + e["eps"]: v}
    return all(sp.expand((a - b).xreplace(table)) == 0 for a, b in forms)


def layer_norm_notes_ratio(d: int | None = None) -> sp.Expr:
    """The notes' normalized value over the right one at ``eps = 0``, simplified by SymPy:
    ``sqrt((d - 1) / d)`` (``sqrt(3)/2 = 0.866`` for ``d = 4``, 0.99902 for ``d = 512``).

    With an integer ``d`` (small: the derivation has ``d`` symbols) it is the ratio of the two
    forwards of :func:`layer_norm_derivation`; with ``d=None`` it is derived for a symbolic
    ``d`` from the two standard deviations of the same sum of squares ``q``.

    Example
    -------
    >>> layer_norm_notes_ratio(4), layer_norm_notes_ratio()
    (sqrt(3)/2, sqrt(d - 1)/sqrt(d))
    """
    if d is None:
        n = sp.Symbol("d", integer=True, positive=True)
        q, centred = sp.Symbol("q", positive=True), sp.Symbol("c", real=True)
        notes = centred / sp.sqrt(q / (n - 1))  # unbiased std, eps = 0
        right = centred / sp.sqrt(q / n)  # biased, as torch.nn.LayerNorm
        return sp.simplify(notes / right)
    notes, right = (layer_norm_derivation(1, d, v) for v in ("notes", "right"))
    at = {notes["eps"]: 0, notes["gamma"][0]: 1, notes["beta"][0]: 0}
    return sp.simplify((notes["Y"][0, 0] / right["Y"][0, 0]).xreplace(at))


def _ln_inputs(gen: np.random.Generator) -> dict[str, np.ndarray]:
    """``X`` with a small spread (std ~ 0.3, so eps = 1e-2 is not negligible), signed gammas."""
    return {
        "X": gen.normal(0.5, 0.3, LN_SHAPE),
        "gamma": signed_uniform(gen, LN_SHAPE[-1:], 0.5, 2.0),
        "beta": gen.standard_normal(LN_SHAPE[-1]),
        "dY": gen.standard_normal(LN_SHAPE),
    }


def variant_backward(variant: str) -> Callable:
    """``(X, gamma, beta, dY, eps) -> (dX, dgamma, dbeta)``: the exact gradient (by ``diff``)
    of the LayerNorm reading ``variant`` (:data:`LN_VARIANTS`), with the engine's signature;
    a wrong reading fails the ``layer_norm`` row.

    Example
    -------
    >>> check_layer_norm(backward=variant_backward("eps_outside")).passed
    False
    """

    def backward(X, gamma, beta, dY, eps):
        X = np.asarray(X, dtype=np.float64)
        rows, d = int(np.prod(X.shape[:-1])), X.shape[-1]
        _, dX, dgamma, dbeta = _layer_norm_numeric(rows, d, variant)(X, gamma, beta, dY, [eps])
        return dX.reshape(X.shape), dgamma.ravel(), dbeta.ravel()

    return backward


def layer_norm_variants(seed: int = SEED, eps: float = LN_EPS) -> dict[str, dict[str, float]]:
    """How far each reading of :data:`LN_VARIANTS` is from the right LayerNorm: the relative
    error of its forward ``Y`` and of its gradient ``dX`` (both by ``diff``) on the check's
    inputs, and, for ``"notes"``, the error of the engine's ``layer_norm_notes`` against that
    symbolic forward (it must be ~1e-16: the engine shows the notes' code as written).

    Example
    -------
    >>> v = layer_norm_variants()
    >>> v["notes"]["forward"] > 1e-2, v["notes"]["engine_notes"] < 1e-12
    (True, True)
    """
    from visualdl.engine.layer_norm import layer_norm_notes

    x = _ln_inputs(rng(seed))
    rows, d = int(np.prod(LN_SHAPE[:-1])), LN_SHAPE[-1]
    args = (x["X"], x["gamma"], x["beta"], x["dY"], [eps])
    right = _layer_norm_numeric(rows, d, "right")(*args)
    out: dict[str, dict[str, float]] = {}
    for variant in LN_VARIANTS[1:]:
        other = _layer_norm_numeric(rows, d, variant)(*args)
        out[variant] = {
            "forward": rel_error(other[0], right[0]),
            "gradient": rel_error(other[1], right[1]),
        }
    Y_notes = layer_norm_notes(x["X"], x["gamma"], x["beta"], eps)
    notes_Y = _layer_norm_numeric(rows, d, "notes")(*args)[0]
    out["notes"]["engine_notes"] = rel_error(notes_Y, np.reshape(Y_notes, notes_Y.shape))
    return out


def _engine_layer_norm(X, gamma, beta, dY, eps):
    from visualdl.engine.layer_norm import layer_norm, layer_norm_backward

    _, cache_ = layer_norm(X, gamma, beta, eps)
    return layer_norm_backward(dY, cache_)


def check_layer_norm(
    backward: Callable | None = None, seed: int = SEED, eps: float = LN_EPS
) -> Check:
    """``Y``, ``dX``, ``dgamma``, ``dbeta`` by ``diff`` (eps inside the root) vs ``layer_norm``
    and ``layer_norm_backward`` on ``X (2, 2, 4)``, ``eps = 1e-2``: one row's derivation,
    evaluated row by row, ``dgamma`` and ``dbeta`` summed over the 4 rows; infinite error
    unless :func:`layer_norm_closed_form_holds`.

    Parameters
    ----------
    backward : callable, optional
        ``(X, gamma, beta, dY, eps) -> (dX, dgamma, dbeta)`` instead of the engine's.

    Example
    -------
    >>> check_layer_norm().passed
    True
    """
    from visualdl.engine.layer_norm import layer_norm

    x = _ln_inputs(rng(seed))
    rows, d = int(np.prod(LN_SHAPE[:-1])), LN_SHAPE[-1]
    expected = _layer_norm_numeric(rows, d, "right")(x["X"], x["gamma"], x["beta"], x["dY"], [eps])
    Y, _ = layer_norm(x["X"], x["gamma"], x["beta"], eps)
    dX, dgamma, dbeta = (backward or _engine_layer_norm)(
        x["X"], x["gamma"], x["beta"], x["dY"], eps
    )
    got = [Y, dX, dgamma, dbeta]
    pairs = [z for e, g in zip(expected, got, strict=True) for z in (e, np.reshape(g, e.shape))]
    return Check(
        "Y, dX, dgamma, dbeta by diff of one row's mean/var (eps in the root, d=4); closed form;"
        " layer_norm_backward",
        rel_error(*pairs) if layer_norm_closed_form_holds() else float("inf"),
    )


# -- positional encoding -----------------------------------------------------------------------

PE_BASE = 10000
#: the notes' table for d = 4 (seed-000 A44, "[verified]"), to 4 decimals
PE_NOTES_D4 = (
    (0.0, 1.0, 0.0, 1.0),
    (0.8415, 0.5403, 0.0100, 1.0000),
    (0.9093, -0.4161, 0.0200, 0.9998),
)


def _omega(i: int, d: int, base: int = PE_BASE) -> sp.Expr:
    """``omega_i = base^(-2i/d)``, exact."""
    return sp.Integer(base) ** sp.Rational(-2 * i, d)


def positional_expression(pos: sp.Expr, d: int, base: int = PE_BASE) -> list[sp.Expr]:
    """``[PE_{pos, 0}, .., PE_{pos, d-1}]``: ``sin(pos omega_i)`` at ``2i``, ``cos`` at ``2i+1``.

    Example
    -------
    >>> positional_expression(sp.Symbol("p"), 4)
    [sin(p), cos(p), sin(p/100), cos(p/100)]
    """
    return [(sp.sin if c % 2 == 0 else sp.cos)(pos * _omega(c // 2, d, base)) for c in range(d)]


def pe_pair_identity() -> bool:
    """For symbolic ``p, k, omega``: ``sin(p w) sin((p+k) w) + cos(p w) cos((p+k) w)``
    ``= cos(k w)``, by ``expand_trig`` and ``trigsimp``: each (sin, cos) column pair of
    ``PE_{p+k}`` is that of ``PE_p`` turned by the angle ``k w``.

    Example
    -------
    >>> pe_pair_identity()
    True
    """
    p, k = sp.symbols("p k", real=True)
    w = sp.Symbol("omega", positive=True)
    pair = sp.sin(p * w) * sp.sin(p * w + k * w) + sp.cos(p * w) * sp.cos(p * w + k * w)
    return sp.trigsimp(sp.expand(sp.expand_trig(pair - sp.cos(k * w)))) == 0


def pe_offset_identity(d: int) -> bool:
    """True when SymPy proves ``PE_p . PE_{p+k} = sum_i cos(k omega_i)`` for symbolic ``p`` and
    ``k`` at width ``d`` (exact frequencies ``10000^(-2i/d)``), i.e. the dot product depends
    on the offset ``k`` only. False for an odd ``d``: its last, lone sine column adds
    ``sin(p w) sin((p + k) w)``, which moves with ``p``.

    Example
    -------
    >>> pe_offset_identity(6), pe_offset_identity(5)
    (True, False)
    """
    p, k = sp.symbols("p k", real=True)
    dot = sp.Add(
        *(
            a * b
            for a, b in zip(
                positional_expression(p, d), positional_expression(p + k, d), strict=True
            )
        )
    )
    offset_only = sp.Add(*(sp.cos(k * _omega(i, d)) for i in range(d // 2)))
    rest = sp.trigsimp(sp.expand(sp.expand_trig(sp.expand(dot - offset_only))))
    return rest == 0


def check_positional(seed: int = SEED) -> Check:
    """The engine's ``positional_encoding(n, d)`` vs the formula (SymPy's ``sin``/``cos`` at
    numbers) for ``(n, d) = (3, 4), (6, 8), (5, 5)``, and ``P[p] . P[p + k]`` from the engine's
    table vs ``sum_i cos(k omega_i)``; infinite error unless :func:`pe_pair_identity` and
    :func:`pe_offset_identity` (d = 4, 8) hold and the engine's ``d = 4`` table rounds to the
    notes' numbers (:data:`PE_NOTES_D4`). No backward: the encoding is a fixed buffer.

    Example
    -------
    >>> check_positional().passed
    True
    """
    from visualdl.backend import to_host
    from visualdl.engine.positional import positional_encoding

    pos = sp.Symbol("pos", real=True)
    pairs: list[Any] = []
    for n, d in ((3, 4), (6, 8), (5, 5)):
        formula = sp.lambdify(pos, positional_expression(pos, d), "numpy")
        P = np.asarray(to_host(positional_encoding(n, d)), dtype=np.float64)
        pairs += [np.array([formula(float(p)) for p in range(n)], dtype=np.float64), P]
    k = sp.Symbol("k", real=True)
    d, n = 8, 6
    offset = sp.lambdify(k, sp.Add(*(sp.cos(k * _omega(i, d)) for i in range(d // 2))), "numpy")
    P = np.asarray(to_host(positional_encoding(n, d)), dtype=np.float64)
    dots = [(P[p] @ P[p + kk], offset(float(kk))) for p in range(n) for kk in range(n - p)]
    pairs += [np.array([a for a, _ in dots]), np.array([b for _, b in dots])]
    table = np.round(np.asarray(to_host(positional_encoding(3, 4)), dtype=np.float64), 4)
    notes_agree = bool(np.array_equal(table, np.array(PE_NOTES_D4)))
    proved = pe_pair_identity() and pe_offset_identity(4) and pe_offset_identity(8)
    return Check(
        "PE_p . PE_(p+k) = sum cos(k w_i) proved (symbolic p, k); positional_encoding vs the "
        "formula and the notes' d=4 table",
        rel_error(*pairs) if proved and notes_agree else float("inf"),
    )


# -- the position-wise feed-forward network ----------------------------------------------------

FFN_SHAPE = (3, 2, 3)  # n positions, d_model, d_ff


@cache
def ffn_derivation(n: int = FFN_SHAPE[0], d_model: int = FFN_SHAPE[1], d_ff: int = FFN_SHAPE[2]):
    """``Y = Max(0, X W1 + b1) W2 + b2`` entry by entry; every gradient by ``diff`` of
    ``S = sum dY * Y`` (``diff`` of ``Max(0, z)`` is ``Heaviside(z)``: inputs keep away from
    ``z = 0``)."""
    X, dY = matrix("X", n, d_model), matrix("dY", n, d_model)
    W1, b1 = matrix("W1", d_model, d_ff), matrix("b1", 1, d_ff)
    W2, b2 = matrix("W2", d_ff, d_model), matrix("b2", 1, d_model)
    Z1 = X * W1 + sp.ones(n, 1) * b1
    H = Z1.applyfunc(lambda z: sp.Max(0, z))
    Y = H * W2 + sp.ones(n, 1) * b2
    S = _first_order(dY, Y)
    syms = {"X": X, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "dY": dY}
    grads = {f"d{k}": _grad(S, M) for k, M in syms.items() if k != "dY"}
    return {**syms, "Z1": Z1, "Y": Y, **grads}


FFN_GRADS = ("dX", "dW1", "db1", "dW2", "db2")
FFN_KEYS = ("W1", "b1", "W2", "b2")


@cache
def _ffn_numeric():
    e = ffn_derivation()
    ins = [e[k] for k in ("X", "W1", "b1", "W2", "b2", "dY")]
    return numeric(ins, [e["Y"], e["Z1"], *(e[k] for k in FFN_GRADS)])


def _engine_ffn(X, params, dY):
    from visualdl.engine.feedforward import ffn_backward, ffn_forward

    _, cache_ = ffn_forward(X, params)
    return ffn_backward(dY, cache_)


def check_feed_forward(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``Y`` and ``dX, dW1, db1, dW2, db2`` by ``diff`` of ``ReLU(X W1 + b1) W2 + b2`` vs
    ``ffn_forward``/``ffn_backward`` (``X (3, 2)``, ``d_ff = 3``); the random inputs are redrawn
    until every ``|X W1 + b1| > 0.05`` (away from ReLU's kink) and both signs occur.

    Parameters
    ----------
    backward : callable, optional
        ``(X, params, dY) -> dict`` (keys ``dX, dW1, db1, dW2, db2``) instead of the engine's.

    Example
    -------
    >>> check_feed_forward().passed
    True
    """
    from visualdl.engine.feedforward import ffn_forward

    n, dm, dff = FFN_SHAPE
    gen = rng(seed)
    while True:
        X = gen.standard_normal((n, dm))
        params = {
            "W1": gen.standard_normal((dm, dff)),
            "b1": gen.standard_normal(dff),
            "W2": gen.standard_normal((dff, dm)),
            "b2": gen.standard_normal(dm),
        }
        Z1 = X @ params["W1"] + params["b1"]
        if np.abs(Z1).min() > 0.05 and (Z1 > 0).any() and (Z1 < 0).any():
            break
    dY = gen.standard_normal((n, dm))
    Y_s, _, *expected = _ffn_numeric()(X, *(params[k] for k in FFN_KEYS), dY)
    Y, _ = ffn_forward(X, params)
    grads = (backward or _engine_ffn)(X, params, dY)
    pairs = [Y_s, Y]
    pairs += [
        z
        for k, e in zip(FFN_GRADS, expected, strict=True)
        for z in (e, np.reshape(grads[k], e.shape))
    ]
    return Check(
        "Y, dX, dW1, db1, dW2, db2 by diff of ReLU(X W1 + b1) W2 + b2 vs ffn_backward",
        rel_error(*pairs),
    )


# the rows of ``visualdl verify``, in the order it prints them
CHECKS: dict[str, Op] = {
    "scaled_dot_product_attention": Op(
        check_sdpa, covers=("attention.scaled_dot_product_attention_backward",)
    ),
    "additive_attention": Op(check_additive, covers=("attention.additive_attention_backward",)),
    "multi_head_attention": Op(
        check_multi_head, covers=("attention.multi_head_attention_backward",)
    ),
    "layer_norm": Op(check_layer_norm, covers=("layer_norm.layer_norm_backward",)),
    "positional_encoding": Op(check_positional, covers=(), override=None),
    "feed_forward": Op(check_feed_forward, covers=("feedforward.ffn_backward",)),
}
