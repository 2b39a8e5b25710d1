"""The ``attention-weights`` scene's data: the demo's trace (deterministic, schema-valid), the
narrating loop against the fast op on the demo's own ``Q, K, V``, the steps the scene writes
out between the loop's records (``q . k_j``, ``e^{s_j}``, ``w_j v_j``) against the loop, what
the scene says about the sentence, its anim block (:class:`visualdl.anim.attention.TokenGrid`)
and its formulas. The scene's pace and legibility are checked for every scene by
``tests/test_scene_pace.py`` and ``tests/test_scene_layout.py`` (``-k attention-weights``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_same_trace

from visualdl.demos.attention_weights import (
    EMBEDDINGS,
    SENTENCE,
    W_K,
    W_Q,
    W_V,
    attention_weights_trace,
)
from visualdl.engine.attention import scaled_dot_product_attention
from visualdl.engine.attention_loops import scaled_dot_product_attention_loop
from visualdl.schema import validate


@pytest.fixture(scope="module")
def tr():
    return attention_weights_trace()


def _queries(tr, name: str = "attention.query") -> list:
    return sorted(tr.find(name), key=lambda r: r.info["i"])


def _stack(tr, key: str) -> np.ndarray:
    return np.stack([r[key] for r in _queries(tr)])


# -- the trace ----------------------------------------------------------------------------------
def test_the_trace_is_deterministic_and_schema_valid(tr) -> None:
    assert validate(tr) == []
    assert_same_trace(tr, attention_weights_trace())
    n = len(SENTENCE)
    assert [r.info["i"] for r in _queries(tr)] == list(range(n))
    assert [r.info["i"] for r in _queries(tr, "attention_weights.query")] == list(range(n))
    s = tr.last("attention_weights.sentence")
    assert s.info["tokens"] == list(SENTENCE) and s.info["walked"] == SENTENCE.index("Apple")
    assert (s["Q"].shape, s["K"].shape, s["V"].shape) == ((5, 4), (5, 4), (5, 3))


def test_x_is_the_embedding_lookup_and_q_k_v_its_projections(tr) -> None:
    s = tr.last("attention_weights.sentence")
    np.testing.assert_array_equal(s["X"], np.array([EMBEDDINGS[t] for t in SENTENCE]))
    np.testing.assert_array_equal(s["X"], s["E"][s["ids"]])
    for key, W in (("Q", W_Q), ("K", W_K), ("V", W_V)):
        np.testing.assert_array_equal(s[f"W_{key}"], W)
        np.testing.assert_allclose(s[key], s["X"] @ W, rtol=1e-15, atol=1e-15)


def test_bad_tokens_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="attention_weights_trace: tokens must be among"):
        attention_weights_trace(("I", "have", "a", "pear"))
    with pytest.raises(ValueError, match="walked 'pear'"):
        attention_weights_trace(walked="pear")


def test_the_loop_equals_the_fast_op_on_the_demos_data(tr) -> None:
    s, res = tr.last("attention_weights.sentence"), tr.last("attention_weights.result")
    out, cache = scaled_dot_product_attention(s["Q"], s["K"], s["V"])
    np.testing.assert_allclose(res["out"], out, rtol=1e-15)
    np.testing.assert_allclose(_stack(tr, "weights"), cache["weights"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_stack(tr, "scores"), cache["scores"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_stack(tr, "out"), out, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(_stack(tr, "q"), s["Q"])
    loop_out, loop_w = scaled_dot_product_attention_loop(s["Q"], s["K"], s["V"])  # unrecorded
    np.testing.assert_array_equal(loop_out, _stack(tr, "out"))
    np.testing.assert_array_equal(loop_w, _stack(tr, "weights"))


def test_the_written_out_steps_give_the_loops_numbers(tr) -> None:
    """Each step between two of the loop's numbers, as the scene writes it: ``q . k_j`` over
    ``sqrt(d_k)`` is the loop's score, ``e^{s_j}`` over their sum its weight, the rows
    ``w_j v_j`` add up to its output."""
    s, res = tr.last("attention_weights.sentence"), tr.last("attention_weights.result")
    root = s.info["sqrt_d_k"]
    assert root == math.sqrt(s.info["d_k"]) == 2.0
    for q, st in zip(_queries(tr), _queries(tr, "attention_weights.query"), strict=True):
        np.testing.assert_allclose(st["qk"] / root, q["scores"], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(st["exps"] / st.info["exp_sum"], q["weights"], rtol=1e-12)
        np.testing.assert_allclose(st["exps"].sum(), st.info["exp_sum"], rtol=1e-15)
        np.testing.assert_allclose(st["weighted"].sum(axis=0), q["out"], rtol=1e-12, atol=1e-15)
        assert abs(st.info["weights_sum"] - 1.0) < 1e-12
    np.testing.assert_allclose(res["QK"] / root, res["scores"], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(res["weights"].sum(axis=1), 1.0, rtol=1e-14)


# -- what the scene says ------------------------------------------------------------------------
def test_apple_reads_phone_and_takes_its_device_value(tr) -> None:
    """The story: "Apple" weights "phone" most, clearly; its output's device feature is far
    above its own value's; each other query's favourite key is the one its role seeks."""
    s = tr.last("attention_weights.sentence")
    tokens, i = s.info["tokens"], s.info["walked"]
    q = tr.last("attention.query", i=i)
    w = q["weights"]
    assert tokens[int(w.argmax())] == "phone" and w.max() > 0.6
    assert np.sort(w)[-2] < w.max() / 3  # no close second
    device = s.info["value_features"].index("device")
    assert q["out"][device] > s["V"][i, device] + 0.6
    favourite = {tokens[r.info["i"]]: tokens[int(r["weights"].argmax())] for r in _queries(tr)}
    assert favourite == {
        "I": "have",
        "have": "phone",
        "an": "Apple",
        "Apple": "phone",
        "phone": "Apple",
    }
    for r in _queries(tr):  # every favourite is a clear one at the 2 decimals shown
        top2 = np.sort(r["weights"])[-2:]
        assert round(top2[1], 2) > round(top2[0], 2)


def test_the_scenes_sentences_come_from_the_trace(tr) -> None:
    pytest.importorskip("manim")
    from visualdl.scenes.attention_weights import favourites, products, story

    s = tr.last("attention_weights.sentence")
    qk = tr.last("attention_weights.query", i=3)["qk"]
    for j in range(len(SENTENCE)):
        line = products(tr, 3, j)
        assert line.endswith(" =")
        terms = [t.split("·") for t in line[:-2].split(" + ")]
        assert len(terms) == s.info["d_k"]
        assert sum(float(a) * float(b) for a, b in terms) == pytest.approx(qk[j], abs=1e-12)
    said = story(tr)
    q = tr.last("attention.query", i=3)
    assert f"Apple puts {q['weights'].max():.2f} of its attention on phone" in said
    assert f"device value is {q['out'][2]:.2f}" in said and f"{s['V'][3, 2]:.2f}" in said
    best = favourites(tr)
    assert [(i, j) for i, j, _ in best] == [(0, 1), (1, 4), (2, 3), (3, 4), (4, 3)]
    assert best[3][2] == pytest.approx(q["weights"].max())


# -- the anim block and the formulas ------------------------------------------------------------
def test_token_grid_fills_a_row_and_settles_it_into_the_grid() -> None:
    pytest.importorskip("manim")
    from manim import Scene

    from visualdl.anim.attention import TokenGrid
    from visualdl.viz.style import value_color

    A = TokenGrid(shape=(2, 3), rows=["a", "b"], cols=["x", "y", "zzzzzzzz"], scale=1.0)
    assert A.col_labels[2].width <= 0.9 * A.cell + 1e-9  # a long name shrinks to its cell
    shown = A.fill_row(1, np.array([0.0, 0.5, 1.0]))
    assert len(shown) == 6 and [t.text for t in A.pending] == ["0.00", "0.50", "1.00"]
    scene = Scene()
    scene.add(A, *A.pending)
    A.settle(scene)
    assert not A.pending and len(A.filled) == 3
    assert not any(m in scene.mobjects for m in A.filled)  # now drawn with the grid only
    assert all(t.get_center()[1] == pytest.approx(A.row_y(1)) for t in A.filled)
    assert A.grid.fill_for(1.0) == value_color(1.0, 1.0)
    frame = A.row_frame(0)
    assert frame.width == pytest.approx(3 * A.cell) and frame.get_y() == pytest.approx(A.row_y(0))
    with pytest.raises(ValueError, match="TokenGrid: expected 2 row names"):
        TokenGrid(shape=(2, 2), rows=["only one"])


def test_the_scenes_formulas_render_with_mathtext() -> None:
    pytest.importorskip("manim")
    from matplotlib.mathtext import MathTextParser

    from visualdl.anim.formula import tidy
    from visualdl.scenes.attention_weights import FORMULAS

    parser = MathTextParser("path")
    for key, tex in FORMULAS.items():
        width, height, *_ = parser.parse(f"${tidy(tex)}$")
        assert width > 0 and height > 0, key
