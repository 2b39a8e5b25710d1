"""The ``multi-head`` scene's data: the demo's trace (deterministic, schema-valid), the loop
against the fast multi-head attention on the demo's own data, the split / merge facts the
scene draws (shapes, column blocks, ``out = concat W_O``), the two heads' patterns as the
scene states them, and the notes' mistakes it corrects (E23a: one ``W_Q`` for every head makes
every head alike; A31: a head never sees another head). The scene's pace and legibility are
checked for every scene by ``tests/test_scene_pace.py`` and ``tests/test_scene_layout.py``
(``-k multi-head``)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_same_trace

from visualdl.demos.multi_head import MERGED, multi_head_trace
from visualdl.engine.attention import merge_heads, multi_head_attention, split_heads
from visualdl.engine.rows import linear_forward
from visualdl.schema import validate

KEYS = ("W_Q", "W_K", "W_V", "W_O")


@pytest.fixture(scope="module")
def tr():
    return multi_head_trace()


def _inputs(tr) -> tuple[np.ndarray, dict, int]:
    r = tr.last("multi_head.inputs")
    return r["X"], {k: r[k] for k in KEYS}, r.info["h"]


def _heads(tr) -> list:
    return sorted(tr.find("mha.head"), key=lambda r: r.info["head"])


# -- the trace ----------------------------------------------------------------------------------
def test_the_trace_is_deterministic_and_schema_valid(tr) -> None:
    assert validate(tr) == []
    assert_same_trace(tr, multi_head_trace())
    assert tr.names() == ["multi_head.inputs", "attention.query", "mha.head", MERGED.pattern]
    queries = [(r.info["head"], r.info["i"]) for r in tr.find("attention.query")]
    assert queries == [(k, i) for k in range(2) for i in range(5)]
    assert tr.meta == {"demo": "multi_head", "seed": 0, "n": 5, "d_model": 4, "h": 2, "d_k": 2}


def test_the_seed_draws_w_o_only(tr) -> None:
    other = multi_head_trace(seed=1)
    a, b = tr.last("multi_head.inputs"), other.last("multi_head.inputs")
    assert not np.array_equal(a["W_O"], b["W_O"])
    for k in ("X", "W_Q", "W_K", "W_V"):
        np.testing.assert_array_equal(a[k], b[k])


def test_one_type_per_token_or_a_clear_error() -> None:
    with pytest.raises(ValueError, match="multi_head_trace: one type per token"):
        multi_head_trace(types=("det", "noun"))


# -- the loop against the fast op ---------------------------------------------------------------
def test_the_loop_equals_the_fast_multi_head_attention_on_the_demos_data(tr) -> None:
    X, params, h = _inputs(tr)
    out, cache = multi_head_attention(X, X, params, h)
    m = tr.last("multi_head.merged")
    np.testing.assert_allclose(m["out"], out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m["weights"], cache["weights"], rtol=1e-12, atol=1e-15)
    for r in tr.find("attention.query"):
        k, i = r.info["head"], r.info["i"]
        np.testing.assert_allclose(r["weights"], cache["weights"][k, i], rtol=1e-12, atol=1e-15)


# -- split and merge, as the scene draws them ---------------------------------------------------
def test_each_head_holds_its_d_k_columns_of_q_k_v(tr) -> None:
    X, params, h = _inputs(tr)
    m = tr.last("multi_head.merged")
    for name in "QKV":
        full, _ = linear_forward(X, params[f"W_{name}"])  # Q = X W_Q, ...
        np.testing.assert_allclose(m[name], full, rtol=1e-12, atol=1e-15)
        parts = split_heads(full, h)
        assert parts.shape == (2, 5, 2)  # (h, n, d_k)
        for k, r in enumerate(_heads(tr)):
            np.testing.assert_allclose(r[f"{name}_h"], parts[k], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(r[f"{name}_h"], full[:, 2 * k : 2 * k + 2], rtol=1e-12)
        np.testing.assert_array_equal(merge_heads(parts), full)


def test_the_concatenation_puts_the_heads_side_by_side_and_w_o_mixes_them(tr) -> None:
    _, params, _ = _inputs(tr)
    m = tr.last("multi_head.merged")
    heads = _heads(tr)
    assert m["concat"].shape == (5, 4) and all(r["out_h"].shape == (5, 2) for r in heads)
    np.testing.assert_array_equal(m["concat"], np.concatenate([r["out_h"] for r in heads], 1))
    for r in heads:  # head_i = A_i V_i
        np.testing.assert_allclose(r["out_h"], r["weights"] @ r["V_h"], rtol=1e-12, atol=1e-15)
    out, _ = linear_forward(m["concat"], params["W_O"])
    np.testing.assert_allclose(m["out"], out, rtol=1e-12, atol=1e-15)


# -- what the scene says about the heads --------------------------------------------------------
@pytest.mark.parametrize(
    "angle, pos_gain, type_gain", [(45.0, 3.3, 1.8), (40.0, 3.6, 2.0), (55.0, 3.0, 1.6)]
)
def test_head_1_looks_at_the_previous_word_and_head_2_at_its_own_type(
    angle: float, pos_gain: float, type_gain: float
) -> None:
    """The scene's two sentences, on the demo's example and on two others of the same
    construction (so they are the construction's, not one lucky setting)."""
    tr = multi_head_trace(angle=angle, pos_gain=pos_gain, type_gain=type_gain)
    types = tr.last("multi_head.inputs").info["types"]
    A1, A2 = (r["weights"] for r in _heads(tr))
    n = len(types)
    assert [int(np.argmax(A1[i])) for i in range(n)] == [0, 0, 1, 2, 3]  # first: itself
    assert min(A1[i, i - 1] for i in range(1, n)) > 0.75
    for i in range(n):
        same = [j for j in range(n) if types[j] == types[i]]
        other = [j for j in range(n) if j not in same]
        assert A2[i, same].sum() > 0.75 and A2[i, same].min() > A2[i, other].max(), (i, A2[i])
        assert np.ptp(A2[i, same]) < 1e-12  # shared alike within a type
    assert np.abs(A1 - A2).sum(axis=1).min() > 0.8  # every row differs between the heads


def test_the_stories_the_scene_tells_read_the_trace(tr) -> None:
    pytest.importorskip("manim")
    from visualdl.scenes.multi_head import head_stories, worked_query

    A1, A2 = (r["weights"] for r in _heads(tr))
    first, second = head_stories(tr)
    prev = [A1[i, i - 1] for i in range(1, 5)]
    assert f"(weight {min(prev):.2f} to {max(prev):.2f})" in first
    assert f"at itself ({A1[0, 0]:.2f})" in first
    assert f"the ↔ the, cat ↔ dog ({A2[0, 3]:.2f} each)" in second
    assert f"“saw”, alone of its type, at itself ({A2[2, 2]:.2f})" in second
    q = worked_query(tr)
    np.testing.assert_array_equal(q["weights"], A1[2])
    np.testing.assert_allclose(
        q["scores"], q["q"] @ _heads(tr)[0]["K_h"].T / np.sqrt(2), rtol=1e-12, atol=1e-12
    )


# -- the notes' mistakes the scene corrects -----------------------------------------------------
def test_one_w_q_for_every_head_makes_every_head_alike(tr) -> None:
    """E23a: the notes' ``Q_i = Q W_Q`` (the same projection for every head): give head 2
    head 1's columns of W_Q, W_K, W_V and the two heads' weights are the same."""
    X, params, h = _inputs(tr)
    shared = {k: v.copy() for k, v in params.items()}
    for k in ("W_Q", "W_K", "W_V"):
        shared[k][:, 2:] = shared[k][:, :2]
    _, cache = multi_head_attention(X, X, shared, h)
    np.testing.assert_allclose(cache["weights"][0], cache["weights"][1], rtol=1e-12)
    _, own = multi_head_attention(X, X, params, h)
    assert np.abs(own["weights"][0] - own["weights"][1]).max() > 0.4


def test_a_head_never_sees_another_head(tr) -> None:
    """A31: changing head 2's projections leaves head 1's output as it was; only W_O mixes
    the heads' columns."""
    X, params, h = _inputs(tr)
    changed = {k: v.copy() for k, v in params.items()}
    rng = np.random.default_rng(5)
    for k in ("W_Q", "W_K", "W_V"):
        changed[k][:, 2:] = rng.normal(size=(4, 2))
    concat = []
    for p in (params, changed):
        out, cache = multi_head_attention(X, X, p, h)
        concat.append(merge_heads(cache["weights"] @ split_heads(X @ p["W_V"], h)))
    np.testing.assert_allclose(concat[0][:, :2], concat[1][:, :2], rtol=1e-12)
    assert np.abs(concat[0][:, 2:] - concat[1][:, 2:]).max() > 0.1
