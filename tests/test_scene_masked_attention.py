"""The ``masked-attention`` scene's and the ``attention-masks`` figure's data: both demos
deterministic and schema-valid, the narrating loop against the fast op on the demo's own
data, masked weights exactly 0 and rows summing to 1, the walked row's renormalisation, the
notes' ``-1e9`` against ``-inf`` (over several seeds), the figure legible, and its caption's
numbers read from the trace. The scene's pace and legibility are checked for every scene by
``tests/test_scene_pace.py`` and ``tests/test_scene_layout.py`` (``-k masked-attention``)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_same_trace, seeds

from visualdl.demos.masked_attention import (
    LEFT_PADDED,
    TARGET,
    attention_masks_trace,
    masked_attention_trace,
)
from visualdl.engine.attention import causal_mask, padding_mask, scaled_dot_product_attention
from visualdl.schema import validate


@pytest.fixture(scope="module")
def tr():
    return masked_attention_trace()


@pytest.fixture(scope="module")
def masks():
    return attention_masks_trace()


def _queries(tr, **where) -> list:
    return sorted(tr.find("attention.query", **where), key=lambda r: r.info["i"])


# -- the traces ---------------------------------------------------------------------------------
def test_the_traces_are_deterministic_and_schema_valid(tr, masks) -> None:
    assert validate(tr) == [] and validate(masks) == []
    assert_same_trace(tr, masked_attention_trace())
    assert_same_trace(masks, attention_masks_trace())
    n = len(TARGET[0])
    for case in ("causal", "unmasked"):
        assert [r.info["i"] for r in _queries(tr, case=case)] == list(range(n))
    assert len(tr.find("attention.query", case="padded")) == len(TARGET) * n
    other = masked_attention_trace(seed=2)
    assert not np.array_equal(
        other.last("masked_attention.inputs")["Q"], tr.last("masked_attention.inputs")["Q"]
    )


def test_the_loop_equals_the_fast_op_on_the_demos_data(tr) -> None:
    x = tr.last("masked_attention.inputs")
    Q, K, V = x["Q"], x["K"], x["V"]
    n = Q.shape[1]
    tgt_mask = padding_mask(tr.last("masked_attention.tokens")["ids"], 0) & causal_mask(n)
    runs = {
        ("causal", 0): scaled_dot_product_attention(Q[0], K[0], V[0], causal_mask(n)),
        ("unmasked", 0): scaled_dot_product_attention(Q[0], K[0], V[0]),
    }
    out, cache = scaled_dot_product_attention(Q, K, V, tgt_mask)
    for b in range(Q.shape[0]):
        runs["padded", b] = (out[b], {k: cache[k][b] for k in ("scores", "weights")})
    for (case, b), (out, cache) in runs.items():
        m = tr.last("masked_attention.matrix", case=case, batch=b)
        np.testing.assert_allclose(m["scores"], cache["scores"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m["weights"], cache["weights"], rtol=1e-12, atol=1e-15)
        where = {"case": case} | ({"batch": b} if case == "padded" else {})
        loop_out = np.stack([r["out"] for r in _queries(tr, **where)])
        np.testing.assert_allclose(loop_out, out, rtol=1e-12, atol=1e-14)


def test_masked_entries_are_minus_inf_and_their_weights_exactly_zero(tr, masks) -> None:
    for m in tr.find("masked_attention.matrix"):
        kept = m["M"] == 0
        assert set(np.unique(m["M"])) <= {0.0, -np.inf}
        np.testing.assert_array_equal(np.isneginf(m["masked"]), ~kept)
        np.testing.assert_array_equal(m["masked"][kept], m["scores"][kept])
        assert np.all(m["weights"][~kept] == 0.0) and np.all(m["weights"][kept] > 0)
        np.testing.assert_allclose(m["weights"].sum(axis=1), 1.0, rtol=1e-13)
    causal = tr.last("masked_attention.matrix", case="causal")
    np.testing.assert_array_equal(causal["M"] == 0, causal_mask(len(TARGET[0])))
    padded = tr.last("masked_attention.matrix", case="padded", batch=1)
    pads = [j for j, w in enumerate(TARGET[1]) if w == "<pad>"]
    assert np.all(padded["weights"][:, pads] == 0.0)
    for r in masks.find("attention_masks.weights"):
        assert np.all(r["weights"][~r["keep"]] == 0.0)
        np.testing.assert_allclose(r["weights"].sum(axis=-1), 1.0, rtol=1e-13)


def test_the_walked_row_is_renormalised_over_the_keys_it_may_see(tr) -> None:
    r = tr.last("masked_attention.row")
    i = r.info["i"]
    np.testing.assert_allclose(r["before"].sum(), 1.0, rtol=1e-13)
    np.testing.assert_allclose(r["kept"][: i + 1].sum(), r.info["kept_sum"], rtol=1e-13)
    assert 0 < r.info["kept_sum"] < 1 and np.all(r["kept"][i + 1 :] == 0)
    np.testing.assert_allclose(r["after"], r["kept"] / r.info["kept_sum"], rtol=1e-12)
    np.testing.assert_allclose(r["after"][: i + 1] / r["before"][: i + 1], r.info["ratio"])
    assert np.all(r["after"][i + 1 :] == 0.0)


@pytest.mark.parametrize("seed", seeds(1, 0, 2, 3, 4))
def test_the_last_row_sees_every_key_so_the_mask_does_not_change_it(seed) -> None:
    """The scene says so of the last row; and no other row keeps its unmasked weights."""
    tr = masked_attention_trace(seed=seed)
    causal = tr.last("masked_attention.matrix", case="causal")["weights"]
    unmasked = tr.last("masked_attention.matrix", case="unmasked")["weights"]
    np.testing.assert_allclose(causal[-1], unmasked[-1], rtol=1e-13)
    assert all(not np.allclose(causal[i], unmasked[i]) for i in range(len(causal) - 1))


@pytest.mark.parametrize("seed", seeds(1, 0, 2, 3, 4))
def test_minus_1e9_equals_minus_inf_except_on_a_row_with_no_key(seed) -> None:
    t = attention_masks_trace(seed=seed)
    fill = t.last("attention_masks.fill")
    np.testing.assert_array_equal(fill["weights_fill"], fill["weights_inf"])
    assert fill.info["max_difference"] == 0.0 and fill.info["masked_max"] == 0.0
    left = t.last("attention_masks.left_padded")
    empty = left.info["empty_rows"]
    assert empty == [0, 1] == [i for i, w in enumerate(LEFT_PADDED) if w == "<pad>"]
    n = len(LEFT_PADDED)
    np.testing.assert_allclose(left["weights_fill"][empty], 1.0 / n, rtol=1e-15)
    assert left.info["error"].startswith(
        "scaled_dot_product_attention: query row 0 is fully masked"
    )
    rest = [i for i in range(n) if i not in empty]
    assert np.all(left["weights_fill"][rest][~left["keep"][rest]] == 0.0)


def test_the_masks_are_the_notes_table(masks) -> None:
    m = {r.info["mask"]: r for r in masks.find("attention_masks.mask")}
    assert [m[k].info["shape"] for k in ("src_mask", "tgt_padding", "causal", "tgt_mask")] == [
        [2, 1, 4],
        [2, 1, 5],
        [5, 5],
        [2, 5, 5],
    ]
    np.testing.assert_array_equal(m["tgt_mask"]["keep"], m["tgt_padding"]["keep"] & causal_mask(5))
    w = {r.info["attention"]: r.info["mask"] for r in masks.find("attention_masks.weights")}
    assert w == {"encoder_self": "src_mask", "decoder_self": "tgt_mask", "cross": "src_mask"}


# -- what the scene writes -----------------------------------------------------------------------
def test_the_scene_strings_say_what_the_trace_holds(tr) -> None:
    pytest.importorskip("manim")
    from visualdl.anim.numbers import fmt
    from visualdl.scenes.masked_attention import MINUS_INF, cell_string, row_story

    assert cell_string(float("-inf")) == MINUS_INF == "−∞"
    story = row_story(tr)
    r = tr.last("masked_attention.row")
    addends, total = story["sum"].split(" = ")
    shown = [float(a.replace("−", "-")) for a in addends.split(" + ")]
    assert total == fmt(r.info["kept_sum"]) and abs(sum(shown) - float(total)) < 0.011
    assert story["token"] == TARGET[0][r.info["i"]]
    after = [cell_string(float(v), True) for v in r["after"]]
    i = r.info["i"]
    assert after[i + 1 :] == ["0"] * (len(after) - i - 1)


# -- the figure ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_figure_is_legible_and_reads_only_what_its_demo_writes(masks, tmp_path) -> None:
    from visualdl.gallery.attention_masks import make
    from visualdl.viz.attention_masks import plot_attention_masks
    from visualdl.viz.layout import layout_problems

    fresh = attention_masks_trace()
    problems = layout_problems(plot_attention_masks(fresh))
    assert not problems, "\n".join(map(str, problems))
    assert fresh.reads and fresh.reads <= set(fresh.names()), sorted(fresh.reads)
    paths = make(tmp_path)
    assert [p.name for p in paths] == ["attention-masks.png", "attention-masks.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 20_000


def test_the_caption_states_the_traces_numbers(masks) -> None:
    from visualdl.gallery.attention_masks import CAPTION

    def row(w) -> str:
        return ", ".join(f"{v:.2f}" for v in w)

    w = {r.info["attention"]: r["weights"][1] for r in masks.find("attention_masks.weights")}
    enc, dec = w["encoder_self"], w["decoder_self"]
    fill = masks.last("attention_masks.fill")
    left = masks.last("attention_masks.left_padded")
    n = len(left.info["tokens"])
    expected = [
        f"d_k = {masks.meta['d_k']} (seed {masks.meta['seed']})",
        f"{row(enc[2, :2])} and {row(enc[3, :2])} on “un chien”",
        f"in the decoder {row(dec[3, :3])} and {row(dec[4, :3])} on “<s> a dog”",
        f"over all {fill['weights_inf'].size} weights is {fill.info['max_difference']:g}",
        f"uniform, {left['weights_fill'][0, 0]:.2f} on all {n} keys",
        left.info["error"].split(":")[0] + ": query row 0 is fully masked (no key may be attended)",
        "(2, 1, 4)",
        "(2, 5, 5)",
    ]
    for s in expected:
        assert s in CAPTION, s
    assert np.all(enc[2:, 2:] == 0) and np.all(dec[3:, 3:] == 0)  # the pad keys: exactly 0
