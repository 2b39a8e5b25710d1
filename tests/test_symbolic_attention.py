"""SymPy derivations of the attention chapter (row layout) met with the engine's backwards.

Every row of :mod:`visualdl.symbolic.rows` and :mod:`visualdl.symbolic.attention` passes, and
fails (``max_rel_error > 1e-3``) when a deliberately wrong backward goes through its ``Op``:
a missing ``1/sqrt(d_k)``, the softmax backward without its subtraction, eps outside the
root, heads split the wrong way... The independent NumPy backwards written here pass the same
rows when they are right, so the failures come from the mistakes, not from the harness. The
positional-encoding identity is proved, the staged multi-head and chain-rule derivations
agree with one whole ``diff``, and the chapter's formulas render with mathtext.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from visualdl.engine import attention as engine_attention
from visualdl.engine import positional as engine_positional
from visualdl.engine.embedding import embedding_forward
from visualdl.engine.feedforward import ffn_forward
from visualdl.engine.rows import (
    cross_entropy_rows,
    linear_backward,
    linear_forward,
    softmax_rows_backward,
)
from visualdl.symbolic import attention, rows
from visualdl.symbolic.attention_formulas import FORMULAS, claims, positional_angle
from visualdl.symbolic.check import TOL, rel_error, rng
from visualdl.symbolic.rows import numeric

WRONG = 1e-3  # a broken backward must be at least this far off
ALL = {**rows.CHECKS, **attention.CHECKS}


@pytest.mark.parametrize("name", list(ALL))
def test_every_row_passes(name):
    result = ALL[name]()
    assert result.passed and 0.0 <= result.max_rel_error < TOL, (name, result)


def test_rows_cover_the_chapters_backwards():
    covered = {c for op in ALL.values() for c in op.covers}
    assert covered == {
        "rows.linear_backward",
        "embedding.embedding_backward",
        "rows.cross_entropy_rows_backward",
        "rows.softmax_rows_backward",
        "attention.scaled_dot_product_attention_backward",
        "attention.additive_attention_backward",
        "attention.multi_head_attention_backward",
        "layer_norm.layer_norm_backward",
        "feedforward.ffn_backward",
    }
    assert ALL["positional_encoding"].covers == () and ALL["positional_encoding"].override is None
    with pytest.raises(TypeError, match="no replacement"):
        ALL["positional_encoding"](lambda: None)


# -- independent NumPy backwards (right and wrong) -------------------------------------------


def _softmax(S):
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def _softmax_back(dA, A):
    return A * (dA - (dA * A).sum(axis=-1, keepdims=True))


def additive_numpy(Q, K, V, params, dout, mask, tanh_prime=True):
    """Additive attention's gradients by hand; ``tanh_prime=False`` forgets ``1 - tanh^2``."""
    W_q, W_k, w_v = params["W_q"], params["W_k"], params["w_v"]
    T = np.tanh((Q @ W_q)[:, None, :] + (K @ W_k)[None, :, :])  # (n_q, n_k, h)
    S = T @ w_v
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    A = _softmax(S)
    dS = _softmax_back(dout @ V.T, A)
    dP = dS[..., None] * w_v * ((1.0 - T**2) if tanh_prime else 1.0)
    dHq, dHk = dP.sum(axis=1), dP.sum(axis=0)
    return {
        "dQ": dHq @ W_q.T,
        "dK": dHk @ W_k.T,
        "dV": A.T @ dout,
        "dW_q": Q.T @ dHq,
        "dW_k": K.T @ dHk,
        "dw_v": np.einsum("ij,ijr->r", dS, T),
    }


def mha_numpy(X_q, X_kv, params, h, dout, mask, interleaved=False):
    """Multi-head attention's gradients by hand. ``interleaved=True`` gives head ``t`` the
    columns ``t, t + h, ..`` (``view(n, d_k, h)``) instead of a contiguous block: the exact
    gradient of a different model."""
    d_model = X_q.shape[-1]
    d_k = d_model // h

    def split(M):
        n = M.shape[0]
        if interleaved:
            return M.reshape(n, d_k, h).transpose(2, 0, 1)
        return M.reshape(n, h, d_k).transpose(1, 0, 2)

    def merge(H):
        n = H.shape[1]
        if interleaved:
            return H.transpose(1, 2, 0).reshape(n, d_model)
        return H.transpose(1, 0, 2).reshape(n, d_model)

    W = {p: params[f"W_{p}"] for p in "QKVO"}
    b = {p: params.get(f"b_{p}") for p in "QKVO"}

    def lin(X, p):
        return X @ W[p] + (0.0 if b[p] is None else b[p])

    Q, K, V = split(lin(X_q, "Q")), split(lin(X_kv, "K")), split(lin(X_kv, "V"))
    S = Q @ K.transpose(0, 2, 1) / math.sqrt(d_k)
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    A = _softmax(S)
    C = merge(A @ V)
    dC = split(dout @ W["O"].T)
    dS = _softmax_back(dC @ V.transpose(0, 2, 1), A) / math.sqrt(d_k)
    dQ, dK, dV = merge(dS @ K), merge(dS.transpose(0, 2, 1) @ Q), merge(A.transpose(0, 2, 1) @ dC)
    grads = {
        "dW_O": C.T @ dout,
        "dW_Q": X_q.T @ dQ,
        "dW_K": X_kv.T @ dK,
        "dW_V": X_kv.T @ dV,
        "dX_q": dQ @ W["Q"].T,
        "dX_kv": dK @ W["K"].T + dV @ W["V"].T,
    }
    for p, g in (("Q", dQ), ("K", dK), ("V", dV), ("O", dout)):
        if b[p] is not None:
            grads[f"db_{p}"] = g.sum(axis=0)
    return grads


def _sdpa_engine(Q, K, V, dout, mask):
    _, cache = engine_attention.scaled_dot_product_attention(Q, K, V, mask)
    return engine_attention.scaled_dot_product_attention_backward(dout, cache)


def _sdpa_no_scale_in_dQ(Q, K, V, dout, mask):
    dQ, dK, dV = _sdpa_engine(Q, K, V, dout, mask)
    return dQ * math.sqrt(Q.shape[-1]), dK, dV  # dQ = dS K, the 1/sqrt(d_k) forgotten


def _sdpa_mask_forgotten(Q, K, V, dout, mask):
    return _sdpa_engine(Q, K, V, dout, None)  # backward of the unmasked attention


def _linear_mean(X, W, b, dY):
    _, cache = linear_forward(X, W, b)
    dX, dW, db = linear_backward(dY, cache)
    m = int(np.prod(X.shape[:-1]))
    return dX, dW / m, None if db is None else db / m  # a 1/m inside the op


def _embedding_assign(ids, E, dX):
    dE = np.zeros_like(E)
    dE[np.ravel(ids)] = np.reshape(dX, (-1, E.shape[1]))  # last write wins: repeats lost
    return dE


def _cross_entropy_all_positions(logits, targets, pad):
    P = _softmax(logits)
    onehot = np.eye(logits.shape[-1])[targets]
    return (P - onehot) / targets.size  # padded positions counted and averaged over


def _ffn_no_relu_mask(X, params, dY):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    dH = dY @ params["W2"].T
    return {
        "dX": dH @ params["W1"].T,
        "dW1": X.T @ dH,
        "db1": dH.sum(0),
        "dW2": H.T @ dY,
        "db2": dY.sum(0),
    }


def _ffn_right(X, params, dY):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    dZ1 = (dY @ params["W2"].T) * (Z1 > 0)
    return {
        "dX": dZ1 @ params["W1"].T,
        "dW1": X.T @ dZ1,
        "db1": dZ1.sum(0),
        "dW2": H.T @ dY,
        "db2": dY.sum(0),
    }


RIGHT = [
    ("additive_attention", additive_numpy),
    ("multi_head_attention", mha_numpy),
    ("feed_forward", _ffn_right),
    ("layer_norm", attention.variant_backward("right")),
]

MISTAKES = [
    ("linear_rows", _linear_mean),
    ("embedding", _embedding_assign),
    ("cross_entropy_rows", _cross_entropy_all_positions),
    ("softmax_jacobian", lambda dA, A: A * dA),  # the softmax backward without the subtraction
    ("scaled_dot_product_attention", _sdpa_no_scale_in_dQ),
    ("scaled_dot_product_attention", _sdpa_mask_forgotten),
    ("additive_attention", lambda *a: additive_numpy(*a, tanh_prime=False)),
    ("multi_head_attention", lambda *a: mha_numpy(*a, interleaved=True)),
    ("layer_norm", attention.variant_backward("eps_outside")),
    ("layer_norm", attention.variant_backward("notes")),
    ("feed_forward", _ffn_no_relu_mask),
]


@pytest.mark.parametrize("name, right", RIGHT)
def test_independent_backwards_pass_the_rows(name, right):
    assert ALL[name](right).max_rel_error < TOL


@pytest.mark.parametrize("name, wrong", MISTAKES)
def test_a_wrong_backward_fails_its_row(name, wrong):
    result = ALL[name](wrong)
    assert not result.passed and result.max_rel_error > WRONG, (name, result)


def test_positional_row_fails_for_the_notes_comment(monkeypatch):
    """E20: the notes' comment multiplies by 10000^(2i/d) instead of dividing."""

    def multiplied(n, d, base=10000.0, dtype="float64"):
        angle = np.arange(n)[:, None] * base ** (np.arange(0, d, 2) / d)
        P = np.zeros((n, d))
        P[:, 0::2], P[:, 1::2] = np.sin(angle), np.cos(angle[:, : d // 2])
        return P

    monkeypatch.setattr(engine_positional, "positional_encoding", multiplied)
    result = ALL["positional_encoding"]()
    assert not result.passed and result.max_rel_error > WRONG


# -- the derivations ---------------------------------------------------------------------------


def test_chain_rule_derivation_is_the_whole_diff():
    """The SDPA gradients through the score symbols equal one ``diff`` of the substituted S."""
    keep = ((True, True, False), (True, True, True))
    fast = attention.sdpa_derivation(2, 3, 2, 2, keep)
    whole = attention.sdpa_derivation(2, 3, 2, 2, keep, direct=True)
    ins = [fast[k] for k in ("Q", "K", "V", "dout")]
    gen = rng(7)
    values = [gen.standard_normal(m.shape) for m in ins]
    a = numeric(ins, [fast[k] for k in ("dQ", "dK", "dV")])(*values)
    b = numeric(ins, [whole[k] for k in ("dQ", "dK", "dV")])(*values)
    assert rel_error(*[x for pair in zip(a, b, strict=True) for x in pair]) < 1e-13
    assert sp.diff(fast["weights"][0, 2], fast["Q"][0, 0]) == 0  # masked: absent, weight 0


def test_staged_multi_head_is_the_whole_diff():
    d = attention.mha_full_derivation()
    names = ["X_q", "X_kv", "W_Q", "W_K", "W_V", "W_O", "dout"]
    outs = ["out", "dX_q", "dX_kv", "dW_Q", "dW_K", "dW_V", "dW_O"]
    gen = rng(3)
    v = {k: gen.standard_normal(d[k].shape) for k in names}
    evaluated = numeric([d[k] for k in names], [d[k] for k in outs])(*v.values())
    whole = dict(zip(outs, evaluated, strict=True))
    params = {k: v[k] for k in names if k.startswith("W_")}
    staged = attention.mha_staged(v["X_q"], v["X_kv"], params, 2, v["dout"])
    assert rel_error(*[x for k in outs for x in (whole[k], staged[k])]) < 1e-12


def test_key_bias_gets_no_gradient():
    """``q . b_K`` shifts a whole row of scores, which softmax ignores: ``db_K = 0``."""
    gen = rng(5)
    params = {f"W_{p}": gen.standard_normal((4, 4)) for p in "QKVO"}
    params |= {f"b_{p}": gen.standard_normal(4) for p in "QKVO"}
    X_q, X_kv, dout = (gen.standard_normal(s) for s in ((2, 4), (3, 4), (2, 4)))
    staged = attention.mha_staged(X_q, X_kv, params, 2, dout, attention.MHA_KEEP)
    assert np.abs(staged["db_K"]).max() < 1e-12 and np.abs(staged["db_Q"]).max() > 1e-3


def test_softmax_jacobian_is_diag_minus_outer():
    assert rows.softmax_jacobian_simplifies(3)
    d = rows.softmax_derivation(3)
    s = d["s"].T
    assert any(sp.cancel(e) != 0 for e in d["J"] - sp.diag(*s))  # the subtraction matters
    assert d["J"][0, 1] == sp.diff(d["s"][0], d["z"][1])


def test_linear_and_embedding_forms():
    assert rows.linear_derivation(3, 2, 4, True)["forms_hold"]
    assert rows.linear_derivation(3, 2, 4, False)["db"] is None
    d = rows.embedding_derivation()
    assert d["dE"][1, 0] == 0 and d["dE"][4, 1] == 0  # tokens 1 and 4 never occur
    assert d["dE"][2, 0] == d["dX"][0, 0] + d["dX"][2, 0] + d["dX"][4, 0]  # token 2, 3 times
    X, _ = embedding_forward(np.array(rows.EMBEDDING_IDS), np.arange(10.0).reshape(5, 2))
    assert X.shape == (2, 3, 2)


def test_cross_entropy_padded_positions_get_nothing():
    d = rows.cross_entropy_derivation()
    assert d["N"] == 3 and d["forms_hold"]
    padded = [p for p, t in enumerate(np.ravel(rows.CE_TARGETS)) if t == 0]
    assert all(d["dZ"][p, v] == 0 for p in padded for v in range(rows.CE_VOCAB))
    J, _ = cross_entropy_rows(np.zeros((2, 3, 4)), np.array(rows.CE_TARGETS), pad=0)
    assert J == pytest.approx(math.log(4))


def test_layer_norm_closed_form_and_notes_variants():
    assert attention.layer_norm_closed_form_holds(4)
    assert attention.layer_norm_notes_ratio(4) == sp.sqrt(3) / 2
    general = attention.layer_norm_notes_ratio()
    (d,) = general.free_symbols
    assert general.subs(d, 4) == sp.sqrt(3) / 2
    assert float(general.subs(d, 512)) == pytest.approx(0.99902, abs=1e-5)
    variants = attention.layer_norm_variants()
    for name in ("eps_outside", "notes", "notes_text"):
        assert variants[name]["forward"] > WRONG and variants[name]["gradient"] > WRONG, name
    assert variants["notes"]["engine_notes"] < 1e-12  # the engine's notes variant, as written


def test_positional_offset_identity():
    assert attention.pe_pair_identity()
    assert attention.pe_offset_identity(4) and attention.pe_offset_identity(6)
    assert not attention.pe_offset_identity(5)  # an odd d's lone sine column depends on p
    P = np.asarray(engine_positional.positional_encoding(3, 4))
    assert np.round(P[1], 4).tolist() == [0.8415, 0.5403, 0.01, 1.0]


def test_softmax_without_subtraction_is_not_the_engine():
    A = np.array([[0.2, 0.3, 0.5]])
    dA = np.array([[1.0, -1.0, 2.0]])
    assert rel_error(softmax_rows_backward(dA, A), A * dA) > WRONG


def test_ffn_inputs_stay_off_the_kink():
    Y, cache = ffn_forward(
        np.ones((3, 2)),
        {"W1": np.ones((2, 3)), "b1": np.zeros(3), "W2": np.ones((3, 2)), "b2": np.zeros(2)},
    )
    assert Y.shape == (3, 2) and attention.check_feed_forward().passed


# -- formulas ----------------------------------------------------------------------------------


def test_formulas_claims_hold():
    found = claims()
    assert found == dict.fromkeys(found, True) and len(found) == 7


def test_positional_formula_is_the_checked_expression():
    pos, i, d = sp.symbols("pos i d", positive=True)
    p = sp.Symbol("p", real=True)
    shown = positional_angle().doit()
    for dd in (4, 6):
        checked = attention.positional_expression(p, dd)
        for ii in range(dd // 2):
            assert sp.sin(shown.subs({pos: p, i: ii, d: dd})) == checked[2 * ii]


def test_formulas_render(tmp_path):
    from visualdl.viz.mathtext import formula_svg

    expected = {
        "sdpa",
        "causal_mask",
        "softmax",
        "head",
        "multi_head",
        "pe_sin",
        "pe_cos",
        "layer_norm",
        "ffn",
        "additive",
        "nadaraya_watson",
        "lora",
        "lora_params",
    }
    assert expected <= set(FORMULAS)
    for key, tex in FORMULAS.items():
        assert r"\begin" not in tex and "$" not in tex and r"\top" not in tex, key
        path = formula_svg(tex, tmp_path / f"{key}.svg")
        assert path.stat().st_size > 1000 and path.read_text().lstrip().startswith("<?xml"), key
