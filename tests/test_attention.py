"""Attention ops: finite differences for every backward, the fast ops against their loop
oracles, the masks, the records the loops narrate, and clear errors for bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import assert_op_gradients

from visualdl import backend, schema
from visualdl.engine import attention, attention_loops
from visualdl.engine.attention import (
    additive_attention,
    additive_attention_backward,
    causal_mask,
    masked_fill,
    merge_heads,
    multi_head_attention,
    multi_head_attention_backward,
    padding_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    split_heads,
)
from visualdl.engine.attention_loops import (
    multi_head_attention_loop,
    scaled_dot_product_attention_backward_loop,
    scaled_dot_product_attention_loop,
)
from visualdl.trace import record

KINDS = [attention_loops.QUERY, attention_loops.QUERY_BACKWARD, attention_loops.MHA_HEAD]
MHA_KEYS = ("W_Q", "W_K", "W_V", "W_O")


def _keep(rng, shape) -> np.ndarray:
    """A random keep mask with at least one key kept per query row."""
    keep = rng.random(shape) < 0.6
    first = rng.integers(0, shape[-1], size=shape[:-1])
    return keep | (np.arange(shape[-1]) == first[..., None])


def _qkv(rng, lead, n_q, n_k, d_k, d_v):
    return (
        rng.standard_normal((*lead, n_q, d_k)),
        rng.standard_normal((*lead, n_k, d_k)),
        rng.standard_normal((*lead, n_k, d_v)),
    )


def _mha_params(rng, d_model, biases=False) -> dict:
    p = {k: rng.standard_normal((d_model, d_model)) / np.sqrt(d_model) for k in MHA_KEYS}
    if biases:
        p |= {f"b_{k[-1]}": rng.standard_normal(d_model) for k in MHA_KEYS}
    return p


# -- masks ------------------------------------------------------------------------------------


def test_causal_mask_keeps_the_past_and_the_present():
    M = causal_mask(4)
    assert M.dtype == bool and M.shape == (4, 4)
    i, j = np.indices((4, 4))
    np.testing.assert_array_equal(M, j <= i)
    assert M[0].tolist() == [True, False, False, False] and M[3].all()


def test_padding_mask_marks_the_keys_that_are_not_padding():
    ids = np.array([[4, 2, 0, 0], [1, 1, 1, 3]])
    M = padding_mask(ids, pad=0)
    assert M.dtype == bool and M.shape == (2, 1, 4)
    assert M[:, 0].tolist() == [[True, True, False, False], [True, True, True, True]]
    # the query axis broadcasts: every query of sentence 0 ignores its two padded keys
    out, cache = scaled_dot_product_attention(*_qkv(np.random.default_rng(0), (2,), 3, 4, 2, 2), M)
    assert (cache["weights"][0, :, 2:] == 0.0).all() and (cache["weights"][1] > 0).all()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: causal_mask(0), "causal_mask: n must be an int >= 1, got 0"),
        (lambda: padding_mask(np.ones((2, 3)), 0), "padding_mask: ids must be integer token ids"),
        (lambda: padding_mask(np.ones((2, 3), int), -1), "padding_mask: pad must be an int >= 0"),
    ],
)
def test_mask_builders_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# -- finite differences -----------------------------------------------------------------------


def _sdpa_case(name: str, rng) -> tuple[dict, np.ndarray | None]:
    if name == "no mask":  # n_q != n_k, d_k != d_v
        Q, K, V = _qkv(rng, (), 3, 4, 2, 3)
        return {"Q": Q, "K": K, "V": V}, None
    if name == "causal":
        Q, K, V = _qkv(rng, (), 4, 4, 3, 2)
        return {"Q": Q, "K": K, "V": V}, causal_mask(4)
    if name == "padding":
        Q, K, V = _qkv(rng, (2,), 3, 4, 2, 3)
        return {"Q": Q, "K": K, "V": V}, padding_mask(np.array([[5, 6, 0, 0], [5, 6, 7, 8]]), 0)
    Q, K, V = _qkv(rng, (2, 2), 3, 4, 2, 3)  # batch and heads
    keep = padding_mask(np.array([[5, 6, 7, 0], [5, 0, 0, 0]]), 0)[:, None]  # (B, 1, 1, n_k)
    return {"Q": Q, "K": K, "V": V}, keep


@pytest.mark.parametrize("case", ["no mask", "causal", "padding", "batch and heads"])
def test_scaled_dot_product_attention_backward_matches_central_differences(case):
    rng = np.random.default_rng(3)
    inputs, mask = _sdpa_case(case, rng)
    assert_op_gradients(
        lambda Q, K, V: scaled_dot_product_attention(Q, K, V, mask),
        scaled_dot_product_attention_backward,
        inputs,
        rng=rng,
    )


@pytest.mark.parametrize("masked", [False, True])
def test_additive_attention_backward_matches_central_differences(masked):
    rng = np.random.default_rng(4)
    Q, K, V = (
        rng.standard_normal((2, 3, 2)),
        rng.standard_normal((2, 4, 3)),
        rng.standard_normal((2, 4, 2)),
    )  # d_q = 2 and d_k = 3 differ: the reason for additive attention
    params = {"W_q": rng.standard_normal((2, 5)), "W_k": rng.standard_normal((3, 5))}
    params["w_v"] = rng.standard_normal(5)
    mask = padding_mask(np.array([[1, 2, 3, 0], [1, 2, 0, 0]]), 0) if masked else None
    names = ["Q", "K", "V", "W_q", "W_k", "w_v"]
    assert_op_gradients(
        lambda Q, K, V, W_q, W_k, w_v: additive_attention(
            Q, K, V, {"W_q": W_q, "W_k": W_k, "w_v": w_v}, mask
        ),
        lambda d, cache: tuple(additive_attention_backward(d, cache)[f"d{k}"] for k in names),
        {"Q": Q, "K": K, "V": V, **params},
        rng=rng,
    )


@pytest.mark.parametrize("biases", [False, True])
def test_multi_head_attention_backward_self_attention(biases):
    """Self-attention passes X twice; its gradient is dX_q + dX_kv."""
    rng = np.random.default_rng(5)
    X, p = rng.standard_normal((2, 3, 4)), _mha_params(rng, 4, biases)
    b_K = {"b_K": p.pop("b_K")} if biases else {}  # its gradient is 0: see below
    names = list(p)
    mask = causal_mask(3)

    def self_attention_grads(g: dict) -> tuple:
        assert set(g) == {"dX_q", "dX_kv", *(f"d{k}" for k in [*names, *b_K])}
        return (g["dX_q"] + g["dX_kv"], *(g[f"d{k}"] for k in names))

    assert_op_gradients(
        lambda X, **q: multi_head_attention(X, X, q | b_K, 2, mask),
        lambda d, cache: self_attention_grads(multi_head_attention_backward(d, cache)),
        {"X": X, **p},
        rng=rng,
    )


def test_a_key_bias_cannot_change_attention():
    """``b_K`` adds ``q . b_K`` to every score of a query alike, which the softmax ignores:
    its gradient is 0 (up to rounding), whatever the rest."""
    rng = np.random.default_rng(15)
    X, p = rng.standard_normal((2, 3, 4)), _mha_params(rng, 4, biases=True)
    out, cache = multi_head_attention(X, X, p, 2, causal_mask(3))
    grads = multi_head_attention_backward(rng.standard_normal(out.shape), cache)
    assert np.abs(grads["db_K"]).max() < 1e-14 < np.abs(grads["db_Q"]).max()
    moved = multi_head_attention(X, X, p | {"b_K": p["b_K"] + 3.0}, 2, causal_mask(3))[0]
    np.testing.assert_allclose(moved, out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("biases", [False, True])
def test_multi_head_attention_backward_cross_attention(biases):
    rng = np.random.default_rng(6)
    X_q, X_kv = rng.standard_normal((2, 2, 6)), rng.standard_normal((2, 4, 6))
    p = _mha_params(rng, 6, biases)
    b_K = {"b_K": p.pop("b_K")} if biases else {}  # its gradient is 0 (a test below)
    names = list(p)
    mask = padding_mask(np.array([[3, 4, 5, 0], [3, 4, 5, 6]]), 0)
    assert_op_gradients(
        lambda X_q, X_kv, **q: multi_head_attention(X_q, X_kv, q | b_K, 3, mask),
        lambda d, cache: tuple(
            multi_head_attention_backward(d, cache)[f"d{k}"] for k in ["X_q", "X_kv", *names]
        ),
        {"X_q": X_q, "X_kv": X_kv, **p},
        rng=rng,
    )


# -- fast ops against the loop oracles --------------------------------------------------------

SHAPES = [  # lead, n_q, n_k, d_k, d_v
    ((), 3, 5, 2, 4),
    ((2,), 4, 3, 3, 2),
    ((2, 3), 2, 4, 2, 3),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"lead{s[0]}")
def test_fast_attention_matches_its_loop_oracle(seed, shape):
    rng = np.random.default_rng(seed)
    lead, n_q, n_k, d_k, d_v = shape
    Q, K, V = _qkv(rng, lead, n_q, n_k, d_k, d_v)
    for mask in (None, _keep(rng, (*lead, n_q, n_k))):
        out, cache = scaled_dot_product_attention(Q, K, V, mask)
        out_l, weights_l = scaled_dot_product_attention_loop(Q, K, V, mask)
        np.testing.assert_allclose(out, out_l, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(cache["weights"], weights_l, rtol=1e-12, atol=1e-14)
        dout = rng.standard_normal(out.shape)
        fast = scaled_dot_product_attention_backward(dout, cache)
        loop = scaled_dot_product_attention_backward_loop(dout, Q, K, V, mask)
        for f, g in zip(fast, loop, strict=True):
            assert f.shape == g.shape
            np.testing.assert_allclose(f, g, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("lead, n_q, n_k, h, biases", [((), 3, 3, 2, False), ((2,), 2, 4, 3, True)])
def test_fast_multi_head_attention_matches_its_loop(seed, lead, n_q, n_k, h, biases):
    rng = np.random.default_rng(seed)
    X_q, X_kv = rng.standard_normal((*lead, n_q, 6)), rng.standard_normal((*lead, n_k, 6))
    p = _mha_params(rng, 6, biases)
    mask = _keep(rng, (*lead, n_q, n_k))
    out, cache = multi_head_attention(X_q, X_kv, p, h, mask)
    out_l, weights_l = multi_head_attention_loop(X_q, X_kv, p, h, mask)
    assert cache["weights"].shape == (*lead, h, n_q, n_k) == weights_l.shape
    np.testing.assert_allclose(out, out_l, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(cache["weights"], weights_l, rtol=1e-12, atol=1e-14)


def test_masked_weights_are_exactly_zero_and_rows_sum_to_one():
    rng = np.random.default_rng(7)
    Q, K, V = _qkv(rng, (2, 2), 5, 6, 3, 2)
    keep = np.concatenate([_keep(rng, (2, 2, 5, 5)), np.zeros((2, 2, 5, 1), bool)], axis=-1)
    for weights in (
        scaled_dot_product_attention(Q, K, V, keep)[1]["weights"],
        scaled_dot_product_attention_loop(Q, K, V, keep)[1],
    ):
        assert (weights[~keep] == 0.0).all() and (weights[keep] > 0).all()
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    X, p = rng.standard_normal((2, 5, 4)), _mha_params(rng, 4)
    weights = multi_head_attention(X, X, p, 2, causal_mask(5))[1]["weights"]
    assert (weights[..., ~causal_mask(5)] == 0.0).all()
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    dQ, dK, dV = scaled_dot_product_attention_backward(
        np.ones((2, 2, 5, 2)), scaled_dot_product_attention(Q, K, V, keep)[1]
    )
    # key 5, which no query may see, gets no gradient; the others do
    assert (dK[..., 5, :] == 0.0).all() and (dV[..., 5, :] == 0.0).all()
    assert (dV[..., :5, :] != 0.0).any(axis=-1).all()


def test_the_notes_masked_fill_agrees_except_on_a_fully_masked_row():
    rng = np.random.default_rng(8)
    Q, K, V = _qkv(rng, (), 3, 4, 2, 2)
    keep = np.array([[True, False, True, False], [False] * 4, [True, True, False, False]])
    scores = Q @ K.T / np.sqrt(2)
    notes = attention.softmax_rows(masked_fill(scores, keep))
    assert np.isfinite(notes).all()
    np.testing.assert_allclose(notes[1], 0.25)  # -1e9 everywhere: a uniform row over padding
    rows = [0, 2]
    engine = scaled_dot_product_attention(Q[rows], K, V, keep[rows])[1]["weights"]
    np.testing.assert_allclose(engine, notes[rows], rtol=1e-13, atol=0)
    assert (notes[rows][~keep[rows]] == 0.0).all()  # exp(-1e9 - max) underflows to 0
    with pytest.raises(ValueError, match="query row 1 is fully masked"):
        scaled_dot_product_attention(Q, K, V, keep)


# -- heads --------------------------------------------------------------------------------------


def test_split_heads_is_the_notes_view_and_transpose():
    X = np.random.default_rng(9).standard_normal((2, 3, 8))
    H = split_heads(X, 4)
    np.testing.assert_array_equal(H, X.reshape(2, 3, 4, 2).transpose(0, 2, 1, 3))
    np.testing.assert_array_equal(H[:, 1], X[:, :, 2:4])  # head 1: columns 2 and 3
    np.testing.assert_array_equal(merge_heads(H), X)
    assert split_heads(X[0], 2).shape == (2, 3, 4)


# -- records ----------------------------------------------------------------------------------


def test_the_loop_narrates_one_record_per_query_with_its_indices():
    rng = np.random.default_rng(10)
    Q, K, V = _qkv(rng, (2, 3), 4, 5, 2, 3)
    keep = _keep(rng, (2, 3, 4, 5))
    with record() as tr:
        out, weights = scaled_dot_product_attention_loop(Q, K, V, keep)
        scaled_dot_product_attention_backward_loop(np.ones_like(out), Q, K, V, keep)
    queries = tr.find("attention.query")
    assert len(queries) == 2 * 3 * 4 and len(tr.find("attention.query_backward")) == 2 * 3 * 4
    assert schema.validate(tr, KINDS) == []
    r = queries[(1 * 3 + 2) * 4 + 3]  # batch 1, head 2, query 3
    assert r.info == {"batch": 1, "head": 2, "i": 3}
    np.testing.assert_array_equal(r["q"], Q[1, 2, 3])
    np.testing.assert_allclose(r["scores"], K[1, 2] @ Q[1, 2, 3] / np.sqrt(2), rtol=1e-13)
    np.testing.assert_array_equal(np.isneginf(r["masked"]), ~keep[1, 2, 3])
    np.testing.assert_allclose(r["weights"], weights[1, 2, 3], rtol=1e-13)
    np.testing.assert_allclose(r["out"], out[1, 2, 3], rtol=1e-13)
    with record() as tr:
        scaled_dot_product_attention_loop(Q[0, 0], K[0, 0], V[0, 0])
    assert [r.info for r in tr.records] == [{"i": i} for i in range(4)]


def test_the_multi_head_loop_narrates_each_head():
    rng = np.random.default_rng(11)
    X_q, X_kv, h = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 4, 6)), 3
    p = _mha_params(rng, 6)
    with record() as tr:
        out, weights = multi_head_attention_loop(X_q, X_kv, p, h)
    heads, queries = tr.find("mha.head"), tr.find("attention.query")
    assert len(heads) == 2 * h and len(queries) == 2 * h * 3
    assert schema.validate(tr, KINDS) == []
    for b in range(2):
        for k in range(h):
            assert len(tr.find("attention.query", batch=b, head=k)) == 3  # n_q per head
            r = tr.find("mha.head", batch=b, head=k)[0]
            np.testing.assert_allclose(r["Q_h"], (X_q[b] @ p["W_Q"])[:, 2 * k : 2 * k + 2])
            np.testing.assert_allclose(r["weights"], weights[b, k], rtol=1e-13)
    with record() as tr:
        multi_head_attention_loop(X_q[0], X_kv[0], p, h)
    assert [r.info for r in tr.find("mha.head")] == [{"head": k} for k in range(h)]


# -- bad input ----------------------------------------------------------------------------------

_R = np.random.default_rng(12)
Q3, K3, V3 = _qkv(_R, (2,), 3, 4, 2, 5)
P10 = {k: np.eye(10) for k in MHA_KEYS}
P4 = {k: np.eye(4) for k in MHA_KEYS}
X4 = _R.standard_normal((2, 3, 4))
SDPA = scaled_dot_product_attention
ADDITIVE = {"W_q": np.ones((2, 3)), "W_k": np.ones((2, 3)), "w_v": np.ones(3)}
ALL_MASKED_ROW_2 = np.array([[True] * 4, [True, False, False, False], [False] * 4])

BAD = {
    "heads": (
        lambda: multi_head_attention(np.ones((3, 10)), np.ones((3, 10)), P10, 4),
        "multi_head_attention: d_model = 10 is not divisible by h = 4 heads",
    ),
    "split": (lambda: split_heads(np.ones((3, 10)), 4), "split_heads: d_model = 10 is not"),
    "h=0": (lambda: multi_head_attention(X4, X4, P4, 0), "multi_head_attention: h must be an int"),
    "d_k": (lambda: SDPA(Q3, K3[..., :1], V3), "Q and K must have the same d_k"),
    "n_k": (lambda: SDPA(Q3, K3, V3[:, :3]), "K and V must have one row per key"),
    "lead": (lambda: SDPA(Q3, K3[:1], V3[:1]), "Q, K and V must have the same leading axes"),
    "1-D": (lambda: SDPA(Q3[0, 0], K3, V3), r"Q must be \(..., n_q, d_k\)"),
    "not bool": (
        lambda: SDPA(Q3, K3, V3, np.ones((3, 4))),
        "mask must be a boolean keep array (True = may attend), got dtype float64",
    ),
    "0/1 mask": (lambda: SDPA(Q3, K3, V3, causal_mask(4)[:3] * 1), "got dtype int64"),
    "mask shape": (
        lambda: SDPA(Q3, K3, V3, np.ones((4, 3), bool)),
        "mask of shape (4, 3) does not broadcast to the scores' shape (..., n_q, n_k) = (2, 3, 4)",
    ),
    "mask axes": (
        lambda: SDPA(Q3, K3, V3, np.ones((5, 2, 3, 4), bool)),
        "mask of shape (5, 2, 3, 4) does not broadcast to the scores' shape",
    ),
    "full row": (
        lambda: SDPA(Q3[0], K3[0], V3[0], ALL_MASKED_ROW_2),
        "scaled_dot_product_attention: query row 2 is fully masked",
    ),
    "full row batch": (
        lambda: SDPA(Q3, K3, V3, np.stack([np.ones((3, 4), bool), ALL_MASKED_ROW_2])),
        "query row 2 at leading index (1,) is fully masked",
    ),
    "full row loop": (
        lambda: scaled_dot_product_attention_loop(Q3[0], K3[0], V3[0], ALL_MASKED_ROW_2),
        "scaled_dot_product_attention_loop: query row 2 is fully masked",
    ),
    "full row additive": (
        lambda: additive_attention(
            Q3[0],
            K3[0],
            V3[0],
            {"W_q": np.ones((2, 3)), "W_k": np.ones((2, 3)), "w_v": np.ones(3)},
            ALL_MASKED_ROW_2,
        ),
        "additive_attention: query row 2 is fully masked",
    ),  # fmt: skip
    "full row mha": (
        lambda: multi_head_attention(X4[0], X4[0], P4, 2, ALL_MASKED_ROW_2[:, :3]),
        "multi_head_attention: query row 2 is fully masked",
    ),
    "full row mha loop": (
        lambda: multi_head_attention_loop(X4[0], X4[0], P4, 2, ALL_MASKED_ROW_2[:, :3]),
        "multi_head_attention_loop: query row 2 is fully masked",
    ),
    "mha mask shape": (
        lambda: multi_head_attention(X4, X4, P4, 2, np.ones((2, 2, 3, 3), bool)),
        "multi_head_attention: mask of shape (2, 2, 3, 3) does not broadcast to the scores' "
        "shape (..., n_q, n_k) = (2, 3, 3)",
    ),
    "d_model": (
        lambda: multi_head_attention(X4, X4[..., :2], P4, 2),
        "X_q and X_kv must have the same leading axes and d_model",
    ),
    "W shape": (
        lambda: multi_head_attention(X4, X4, P4 | {"W_V": np.eye(3)}, 2),
        "W_V must be (d_model, d_model) = (4, 4), got (3, 3)",
    ),
    "b shape": (
        lambda: multi_head_attention(X4, X4, P4 | {"b_O": np.ones(3)}, 2),
        "b_O must be (d_model,) = (4,), got (3,)",
    ),
    "missing W": (
        lambda: multi_head_attention(X4, X4, {"W_Q": np.eye(4)}, 2),
        "params is missing ['W_K', 'W_V', 'W_O']",
    ),
    "additive shapes": (
        lambda: additive_attention(
            Q3, K3, V3, {"W_q": np.ones((3, 3)), "W_k": np.ones((2, 3)), "w_v": np.ones(3)}
        ),
        "additive_attention: expected W_q (d_q, h) = (2, h)",
    ),  # fmt: skip
    "dout": (
        lambda: scaled_dot_product_attention_backward(np.ones((2, 3, 4)), SDPA(Q3, K3, V3)[1]),
        "dout must have the shape of out (2, 3, 5), got (2, 3, 4)",
    ),
    "mha dout": (
        lambda: multi_head_attention_backward(np.ones(3), multi_head_attention(X4, X4, P4, 2)[1]),
        "multi_head_attention_backward: dout must have the shape of out (2, 3, 4), got (3,)",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_clear_value_error(name):
    call, message = BAD[name]
    with pytest.raises(ValueError, match=message if name == "1-D" else re.escape(message)):
        call()


def test_float32_stays_float32():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((2, 3, 4)).astype(np.float32)
    p = {k: v.astype(np.float32) for k, v in _mha_params(rng, 4).items()}
    out, cache = multi_head_attention(X, X, p, 2, causal_mask(3))
    grads = multi_head_attention_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


# -- array-api-strict (the case the lead pastes into tests/test_backend.py LOOP_CASES) ----------


def test_fast_ops_run_under_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(14)
    X, p = rng.standard_normal((2, 3, 4)), _mha_params(rng, 4, biases=True)
    keep = padding_mask(np.array([[1, 2, 0], [1, 2, 3]]), 0)
    out, cache = multi_head_attention(X, X, p, 2, keep)
    grads = multi_head_attention_backward(np.ones_like(out), cache)
    ps = {k: xps.asarray(v) for k, v in p.items()}
    out_s, cache_s = multi_head_attention(xps.asarray(X), xps.asarray(X), ps, 2, keep)
    grads_s = multi_head_attention_backward(xps.ones(out_s.shape, dtype=xps.float64), cache_s)
    np.testing.assert_allclose(backend.to_host(out_s), out, rtol=1e-12)
    for k, g in grads.items():
        assert backend.array_module(grads_s[k]) is xps
        np.testing.assert_allclose(backend.to_host(grads_s[k]), g, rtol=1e-12, atol=1e-14)
