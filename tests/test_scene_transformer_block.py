"""The ``transformer-block`` scene's data: the demo's trace (deterministic, schema-valid), its
recorded values against the engine (the encoder's output, every step of the block recomputed
from the engine's ops, the attention record), the shapes the scene labels, the residual adds
``X1 = X + MHA(LN1(X))`` and ``Y = X1 + FFN(LN2(X1))``, the trained model's claims (held-out
strings right, on several seeds in the slow tier), and the notes' E25 formula as a different
function. Pace and legibility are checked for every scene by ``tests/test_scene_pace.py`` and
``tests/test_scene_layout.py`` (``-k transformer-block``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_same_trace

from visualdl.demos.transformer_block import (
    BLOCK,
    EMBED,
    MODEL,
    STEPS,
    block_parameters,
    follow,
    train_model,
    transformer_block_trace,
)
from visualdl.engine.attention import multi_head_attention
from visualdl.engine.decoding import greedy_decode
from visualdl.engine.digit_tasks import (
    BOS,
    EOS,
    digit_task_split,
    digits_of,
    target_of,
    tokens_of,
)
from visualdl.engine.feedforward import ffn_forward
from visualdl.engine.layer_norm import layer_norm
from visualdl.engine.positional import positional_encoding
from visualdl.engine.rows import linear_forward
from visualdl.schema import validate

MHA = ("W_Q", "W_K", "W_V", "W_O")
FFN = ("W1", "b1", "W2", "b2")


@pytest.fixture(scope="module")
def trained():
    return train_model()


@pytest.fixture(scope="module")
def tr(trained):
    return follow(trained)


def _ln(X, params, name):
    return layer_norm(X, params[f"{name}.gamma"], params[f"{name}.beta"])[0]


# -- the trace -------------------------------------------------------------------------------
def test_the_trace_is_schema_valid_and_the_demo_deterministic(tr) -> None:
    assert validate(tr) == []
    assert tr.names() == [
        MODEL.pattern,
        EMBED.pattern,
        BLOCK.pattern,
        "encoder1.attention",
        "decoder1.self_attention",
        "decoder1.cross_attention",
    ]
    assert tr.meta == {"demo": "transformer_block", "seed": 0, "n": 4, "d_model": 8, "h": 2}
    # the whole demo, training included, gives the same trace again
    assert_same_trace(tr, transformer_block_trace())


def test_a_short_training_is_deterministic_too() -> None:
    a, b = train_model(steps=5), train_model(steps=5)
    assert a.losses == b.losses and a.accuracy == b.accuracy
    for k, v in a.model.params.items():
        np.testing.assert_array_equal(v, b.model.params[k], err_msg=k)


def test_bad_input_gets_clear_errors() -> None:
    with pytest.raises(ValueError, match="transformer_block_trace: string must have 3 digits"):
        transformer_block_trace("12")
    with pytest.raises(ValueError, match="transformer_block_trace: position must be an int"):
        transformer_block_trace("123", position=4)
    with pytest.raises(ValueError, match="tokens_of: expected a string of digits"):
        transformer_block_trace("1a3")


# -- the recorded values are the engine's --------------------------------------------------------
def test_the_input_rows_are_the_embedding_times_sqrt_d_plus_p(tr, trained) -> None:
    e = tr.last("transformer_block.embed")
    E = trained.model.params["src_E"]
    np.testing.assert_array_equal(e["ids"], [10, 6, 4, EOS])  # "731": digit k is token 3 + k
    np.testing.assert_array_equal(e["E_x"], E[e["ids"]])
    np.testing.assert_allclose(e["scaled"], E[e["ids"]] * math.sqrt(8), rtol=1e-15)
    np.testing.assert_allclose(e["P"], positional_encoding(4, 8), rtol=1e-15)
    np.testing.assert_allclose(e["X"], e["scaled"] + e["P"], rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(tr.last("transformer_block.block")["X"], e["X"])


def test_every_step_of_the_block_is_the_engines(tr, trained) -> None:
    """Each recorded step recomputed here from the engine's ops on the recorded input."""
    b = tr.last("transformer_block.block")
    p = block_parameters(trained.model)
    LN1 = _ln(b["X"], p, "ln1")
    np.testing.assert_allclose(b["LN1"], LN1, rtol=1e-12, atol=1e-14)
    S, cache = multi_head_attention(LN1, LN1, {k: p[k] for k in MHA}, 2)
    np.testing.assert_allclose(b["S"], S, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b["weights"], cache["weights"], rtol=1e-12, atol=1e-15)
    LN2 = _ln(b["X1"], p, "ln2")
    np.testing.assert_allclose(b["LN2"], LN2, rtol=1e-12, atol=1e-14)
    Z1, _ = linear_forward(LN2, p["W1"], p["b1"])
    np.testing.assert_allclose(b["Z1"], Z1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b["H"], np.maximum(Z1, 0.0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b["F"], ffn_forward(LN2, {k: p[k] for k in FFN})[0], rtol=1e-12)


def test_the_residual_adds_are_input_plus_sublayer(tr) -> None:
    b = tr.last("transformer_block.block")
    np.testing.assert_array_equal(b["X1"], b["X"] + b["S"])
    np.testing.assert_allclose(b["Y"], b["X1"] + b["F"], rtol=1e-15, atol=1e-15)
    assert np.abs(b["S"]).max() > 0.1 and np.abs(b["F"]).max() > 0.1  # both branches add


def test_the_block_output_and_the_encoder_output_are_the_models(tr, trained) -> None:
    """``enc`` equals ``Transformer.encode`` (the embedding, the block, the final LayerNorm
    all as the model runs them); the heatmaps' record is the engine's own."""
    model = trained.model
    b = tr.last("transformer_block.block")
    src = tr.last("transformer_block.embed")["ids"][None]
    enc, cache = model.encode(src)
    np.testing.assert_allclose(b["enc"], enc[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b["weights"], cache["blocks"][0]["weights"][0], rtol=1e-12)
    np.testing.assert_allclose(
        b["enc"], _ln(b["Y"], model.params, "enc.ln"), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        tr.last("encoder1.attention")["weights"][0], b["weights"], rtol=1e-12, atol=1e-15
    )


def test_the_shapes_are_those_the_scene_labels(tr) -> None:
    b, e = tr.last("transformer_block.block"), tr.last("transformer_block.embed")
    info = tr.last("transformer_block.model").info
    n, d, d_ff, h = 4, info["d_model"], info["d_ff"], info["h"]
    assert (d, h, info["d_k"], d_ff, info["vocab"]) == (8, 2, 4, 32, 13)
    assert e["ids"].shape == (n,)
    for k in ("E_x", "scaled", "P", "X"):
        assert e[k].shape == (n, d), k
    for k in ("X", "LN1", "S", "X1", "LN2", "F", "Y", "enc"):
        assert b[k].shape == (n, d), k
    assert b["Z1"].shape == b["H"].shape == (n, d_ff)
    assert b["weights"].shape == (h, n, n)
    np.testing.assert_allclose(b["weights"].sum(axis=-1), 1.0, rtol=1e-12)


def test_relu_zeros_are_counted_from_the_hidden_layer(tr) -> None:
    b = tr.last("transformer_block.block")
    zeros = b.info["relu_zeros"]
    assert zeros == (b["H"] == 0).sum(axis=1).tolist()
    assert np.all(b["Z1"][b["H"] == 0] <= 0)
    assert 0 < zeros[1] < 32  # the followed position: some units off, some on


# -- what the scene says -------------------------------------------------------------------------
def test_the_model_answers_the_held_out_input_right(tr) -> None:
    info = tr.last("transformer_block.model").info
    assert (info["string"], info["target"], info["output"]) == ("731", "137", "137")
    assert info["held_out"] and info["held_out_accuracy"] == 1.0
    train, _ = digit_task_split("reverse", 800, 200, 3, seed=0)
    assert "731" not in {digits_of(s) for s in train.src}
    assert info["steps"] == STEPS and len(tr.last("transformer_block.model")["losses"]) == STEPS


def test_the_teacher_forced_accuracy_is_greedy_decodings(trained) -> None:
    """The criterion ``train_model`` counts agrees with the engine's greedy decoder, string by
    string, on held-out strings: of the trained model (all right) and of a barely trained one
    (some right, some wrong)."""
    _, held = digit_task_split("reverse", 800, 200, 3, seed=0)
    src, tgt_in, tgt_out = held.src[:25], held.tgt_in[:25], held.tgt_out[:25]
    right = {}
    for name, model in (("trained", trained.model), ("weak", train_model(steps=160).model)):
        forced = np.all(np.argmax(model.forward(src, tgt_in), axis=-1) == tgt_out, axis=1)
        for row, ok in zip(src, forced, strict=True):
            got = greedy_decode(lambda p, row=row, m=model: m.next_log_probs(row, p), BOS, EOS, 4)
            want = [*tokens_of(target_of("reverse", digits_of(row))), EOS]
            assert bool(ok) == (got == want), (name, digits_of(row), got)
        right[name] = int(forced.sum())
    assert right["trained"] == 25 and 0 < right["weak"] < 25, right


def test_the_scene_reads_its_strips_and_lines_from_the_trace(tr) -> None:
    pytest.importorskip("manim")
    from visualdl.scenes.transformer_block import model_lines, strip_rows

    rows = strip_rows(tr)
    b, e = tr.last("transformer_block.block"), tr.last("transformer_block.embed")
    for k in ("scaled", "P", "X"):
        np.testing.assert_array_equal(rows[k], e[k][1])
    for k in ("LN1", "S", "X1", "LN2", "F", "Y", "enc"):
        np.testing.assert_array_equal(rows[k], b[k][1])
    lines = model_lines(tr)
    assert "reverse 3-digit strings (300 Adam steps)" in lines[0]
    assert "d_model = 8, h = 2 heads of d_k = 4, d_ff = 32; 200 of 200 held-out" in lines[1]
    assert "“731” (held out): the model answers “137”" in lines[2]


def test_pre_ln_leaves_the_residual_stream_unnormalised(tr, trained) -> None:
    """What the scene says of Pre-LN: the LayerNorms sit in the branches, so X, X1 and Y are
    no normalised rows; the final LN's rows are (before its gamma and beta)."""
    b = tr.last("transformer_block.block")
    for k in ("X", "X1", "Y"):
        assert np.abs(b[k].mean(axis=1)).max() > 0.1 or np.abs(b[k].std(axis=1) - 1).max() > 0.1
    p = trained.model.params
    standard = (b["enc"] - p["enc.ln.beta"]) / p["enc.ln.gamma"]
    np.testing.assert_allclose(standard.mean(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose(standard.std(axis=1), 1.0, rtol=1e-3)


def test_the_notes_e25_formula_is_another_function(tr, trained) -> None:
    """E25: ``Norm(MultiHead(X)) + X`` (the notes' prose) on the same input and parameters is
    not the block's ``X + MHA(LN1(X))`` (the notes' code, the engine's)."""
    b = tr.last("transformer_block.block")
    p = block_parameters(trained.model)
    S, _ = multi_head_attention(b["X"], b["X"], {k: p[k] for k in MHA}, 2)
    notes = _ln(S, p, "ln1") + b["X"]
    assert np.abs(notes - b["X1"]).max() > 0.3


# -- the model learns, not only on one seed --------------------------------------------------------
@pytest.mark.slow
def test_the_demos_training_gets_the_held_out_strings_right_on_several_seeds() -> None:
    accuracy = [train_model(seed=seed).accuracy for seed in range(1, 5)]
    assert min(accuracy) >= 0.99, accuracy
