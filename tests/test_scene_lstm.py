"""The ``lstm-gates`` scene's data: the demo's trace (deterministic, schema-valid), the
narrating loops against the fast LSTM op on the demo's own data, the cell path in the records
(``dc_prev = dc * f``), and what the scene says about the trained model, over several training
seeds. The scene's pace and legibility are checked for every scene by
``tests/test_scene_pace.py`` and ``tests/test_scene_layout.py`` (``-k lstm-gates``)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_same_trace, seeds

from visualdl.demos.lstm_gates import BITS, lstm_gates_trace
from visualdl.engine.lstm import GATES, lstm_backward, lstm_forward
from visualdl.engine.recurrent_loops import lstm_backward_loop, lstm_forward_loop
from visualdl.schema import validate
from visualdl.symbolic.recurrent_formulas import GATE_NAMES, LSTM, cell_path, step_tex


@pytest.fixture(scope="module")
def tr():
    return lstm_gates_trace()


def _steps(tr, name: str) -> list:
    return sorted(tr.find(name), key=lambda r: r.info["t"])


def _inputs(tr) -> tuple[np.ndarray, dict, np.ndarray]:
    """The test sequence, the trained gates' parameters and the upstream ``da`` (only the
    last step's, from the output layer), as the demo handed them to the loops."""
    x = tr.last("lstm_gates_demo.sequence")["x"]
    params = dict(tr.last("lstm_gates_demo.params").arrays)
    da_T = tr.last("dense2.backward")["dA_prev"]
    da = np.zeros((da_T.shape[0], 1, x.shape[2]))
    da[:, :, -1] = da_T
    return x, params, da


# -- the trace ----------------------------------------------------------------------------------
def test_the_trace_is_deterministic_and_schema_valid(tr) -> None:
    assert validate(tr) == []
    assert_same_trace(tr, lstm_gates_trace())
    assert [r.info["t"] for r in _steps(tr, "lstm.step")] == list(range(len(BITS)))
    assert [r.info["t"] for r in tr.find("lstm.step_backward")] == list(range(len(BITS)))[::-1]
    assert tr.last("lstm_gates_demo.sequence")["x"].ravel().tolist() == list(BITS)


def test_a_different_seed_trains_a_different_model(tr) -> None:
    other = lstm_gates_trace(seed=1)
    assert not np.array_equal(
        tr.last("lstm_gates_demo.params")["Wf"], other.last("lstm_gates_demo.params")["Wf"]
    )


def test_the_loops_ran_with_the_trained_layers_parameters(tr) -> None:
    """The gates the loop recorded at step 1 are sigma/tanh of W [a_0; x_1] + b with the
    recorded parameters, and the output layer read the loop's last state."""
    p = tr.last("lstm_gates_demo.params")
    first = _steps(tr, "lstm.step")[0]
    concat = np.concatenate([first["a_prev"], first["x_t"]])
    for g in GATES:
        np.testing.assert_allclose(first[f"z_{g}"], p[f"W{g}"] @ concat + p[f"b{g}"], rtol=1e-12)
    np.testing.assert_array_equal(
        tr.last("dense2.forward")["A_prev"], _steps(tr, "lstm.step")[-1]["a"]
    )


def test_the_loop_version_equals_the_fast_op_on_the_demos_data(tr) -> None:
    x, params, da = _inputs(tr)
    a, cache = lstm_forward(x, None, params)
    steps = _steps(tr, "lstm.step")
    for k, r in enumerate(steps):
        for key in ("f", "i", "cc", "o", "c", "a"):
            np.testing.assert_allclose(r[key], cache[key][:, :, k], rtol=1e-12, atol=1e-15)
    fast = lstm_backward(da, cache)
    back = _steps(tr, "lstm.step_backward")
    for k, r in enumerate(back):
        np.testing.assert_allclose(r["dxt"], fast["dx"][:, :, k], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(back[0]["da_prev"], fast["da0"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(back[0]["dc_prev"], fast["dc0"], rtol=1e-10, atol=1e-15)
    _, caches = lstm_forward_loop(x, None, params)
    slow = lstm_backward_loop(da, caches)
    for key in [f"d{w}{g}" for g in GATES for w in "Wb"]:
        np.testing.assert_allclose(slow[key], fast[key], rtol=1e-10, atol=1e-15, err_msg=key)


def test_the_gradient_enters_from_the_loss_through_the_output_layer(tr) -> None:
    out, back = tr.last("dense2.forward"), tr.last("dense2.backward")
    y = tr.last("lstm_gates_demo.sequence")["y"]
    np.testing.assert_allclose(back["dZ"], out["A"] - y, rtol=1e-12)  # sigmoid + BCE
    np.testing.assert_allclose(back["dA_prev"], out["W"].T @ back["dZ"], rtol=1e-12)
    last = _steps(tr, "lstm.step_backward")[-1]
    np.testing.assert_array_equal(last["da"], back["dA_prev"])


def test_the_cell_path_is_dc_times_f_in_the_records(tr) -> None:
    """``dc_prev = dc * f_t`` at every step, and each step's ``dc`` is what arrives along the
    belt plus ``da_t o_t (1 - tanh^2 c_t)``: the two formulas the scene shows."""
    steps, back = _steps(tr, "lstm.step"), _steps(tr, "lstm.step_backward")
    T = len(steps)
    for k in range(T):
        np.testing.assert_allclose(back[k]["dc_prev"], back[k]["dc"] * steps[k]["f"], rtol=1e-14)
        arriving = back[k + 1]["dc_prev"] if k + 1 < T else 0.0
        share = back[k]["da"] * steps[k]["o"] * (1 - np.tanh(steps[k]["c"]) ** 2)
        np.testing.assert_allclose(back[k]["dc"], arriving + share, rtol=1e-12)
    seq = tr.last("lstm_gates_demo.sequence")
    for key, recs in (("f", steps), ("c", steps), ("dc", back), ("dc_prev", back), ("da", back)):
        np.testing.assert_array_equal(seq[key], np.concatenate([r[key] for r in recs], axis=1))


def test_the_scales_cover_what_is_shaded(tr) -> None:
    s = tr.last("lstm_gates_demo.scale").info
    steps, back = _steps(tr, "lstm.step"), _steps(tr, "lstm.step_backward")
    assert s["cell"] == max(np.abs(r[k]).max() for r in steps for k in ("c", "c_prev"))
    assert s["dc"] == max(np.abs(r[k]).max() for r in back for k in ("dc", "dc_prev"))
    assert s["da"] == max(np.abs(r[k]).max() for r in back for k in ("da", "da_prev"))


# -- what the scene says, over several training seeds ------------------------------------------
@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3, 4))
def test_the_trained_cell_remembers_the_first_bit(seed: int) -> None:
    """Right on (about) every fresh sequence and on the test one; the unit with the highest
    forget gate keeps the bit: f stays near 1 at every step of the test sequence, its cell
    never changes sign, and sign(c_T) tells the first bit on every fresh sequence."""
    tr = lstm_gates_trace(seed=seed)
    info = tr.last("lstm_gates_demo.model").info
    seq = tr.last("lstm_gates_demo.sequence")
    j = info["holder"]
    assert info["accuracy"] >= 0.99
    assert info["prediction"] == int(seq["y"][0, 0]) == (tr.last("dense2.forward")["A"] > 0.5)
    assert j == int(np.argmax(info["f_mean"]))
    assert info["tells"][j] >= 0.99
    assert seq["f"][j].min() >= 0.8
    assert np.all(np.sign(seq["c"][j]) == np.sign(seq["c"][j, 0]))


@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3, 4))
def test_the_belt_brings_the_holders_gradient_back_to_step_one(seed: int) -> None:
    """Along the holder's belt the gradient is not lost: ``dc`` at step 1 is larger than at
    step T (each ``⊙ f`` keeps most of it, each step's ``a_t`` adds its share)."""
    tr = lstm_gates_trace(seed=seed)
    j = tr.last("lstm_gates_demo.model").info["holder"]
    dc = tr.last("lstm_gates_demo.sequence")["dc"]
    assert abs(dc[j, 0]) > abs(dc[j, -1]) > 0


def test_the_statistics_are_what_their_names_say(tr) -> None:
    """``tells`` and ``f_mean`` recomputed from the fast op on the same fresh sequences."""
    from visualdl.engine.sequence_data import memory_task

    info = tr.last("lstm_gates_demo.model").info
    X, _ = memory_task(info["n_fresh"], info["T"], seed=info["seed"] + 10_000)
    _, cache = lstm_forward(X, None, dict(tr.last("lstm_gates_demo.params").arrays))
    first = X[0, :, 0] > 0
    for u in range(info["n_a"]):
        agree = np.mean((cache["c"][u, :, -1] > 0) == first)
        assert info["tells"][u] == pytest.approx(max(agree, 1 - agree))
        assert info["f_mean"][u] == pytest.approx(cache["f"][u, :, 1:].mean())


@pytest.mark.parametrize("bits", [[], [1, 0, 1], [2, -1], "ab"])
def test_bits_that_are_no_sequence_of_signs_are_refused(bits) -> None:
    with pytest.raises(ValueError, match="lstm_gates_trace: bits must be"):
        lstm_gates_trace(bits=bits)


# -- the formulas it shows ------------------------------------------------------------------------
def test_the_backward_formulas_are_what_sympy_derives() -> None:
    assert cell_path()
    assert r"dc_t \odot f_t" == LSTM["dc_prev"]
    assert r"dc_{t+1} \odot f_{t+1}" in LSTM["dc"]
    assert r"da_t \odot o_t \odot (1 - \tanh^2 c_t)" in LSTM["dc"]


def test_the_forward_formulas_name_every_gate_on_the_same_input() -> None:
    for g, (symbol, _) in GATE_NAMES.items():
        tex = LSTM[g]
        assert tex.startswith(symbol) and r"[a_{t-1};\, x_t]" in tex
        assert (r"\tanh" if g == "cc" else r"\sigma") in tex
    assert LSTM["c"] == r"c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t"
    assert LSTM["a"] == r"a_t = o_t \odot \tanh(c_t)"


def test_the_formulas_render_as_mathtext(tmp_path) -> None:
    from visualdl.viz.mathtext import formula_svg

    for key, tex in LSTM.items():
        for shown in (tex, step_tex(tex, 3)):
            assert r"\begin" not in shown and "$" not in shown
            path = formula_svg(shown, tmp_path / f"{key}-{len(shown)}.svg")
            assert path.read_text().lstrip().startswith("<?xml")


def test_step_tex_numbers_the_steps() -> None:
    assert step_tex(LSTM["c"], 2) == r"c_{2} = f_{2} \odot c_{1} + i_{2} \odot \tilde{c}_{2}"
    assert step_tex(LSTM["dc"], 4).startswith(r"dc_{4} = dc_{5} \odot f_{5} + da_{4}")
    assert "_t" not in step_tex(LSTM["f"], 1) and "x_{1}" in step_tex(LSTM["f"], 1)
