"""The recurrent chapter's figures (lstm-gate-activations, gradient-through-time,
recurrent-parameters, gradient-clipping, recurrent-mistakes): each demo holds the facts its
caption states, over several seeds where the claim is a behaviour, and each script writes a
legible PNG from exactly that trace."""

from __future__ import annotations

import importlib
import math
import warnings

import numpy as np
import pytest
from conftest import assert_same_trace, seeds

from visualdl import registry, schema
from visualdl.demos.gradient_clipping import MODES, gradient_clipping
from visualdl.demos.gradient_through_time import CELLS, gradient_through_time, step_gradients
from visualdl.demos.lstm_gate_activations import lstm_gate_activations
from visualdl.demos.recurrent_mistakes import recurrent_mistakes
from visualdl.demos.recurrent_parameters import recurrent_parameters
from visualdl.trace import Trace
from visualdl.viz.layout import layout_problems

#: figure -> (its demo, the demo's name in the gallery module)
DEMOS = {
    "lstm-gate-activations": (lstm_gate_activations, "lstm_gate_activations"),
    "gradient-through-time": (gradient_through_time, "gradient_through_time"),
    "recurrent-parameters": (recurrent_parameters, "recurrent_parameters"),
    "gradient-clipping": (gradient_clipping, "gradient_clipping"),
    "recurrent-mistakes": (recurrent_mistakes, "recurrent_mistakes"),
}
_CACHE: dict[str, Trace] = {}


def default_trace(name: str) -> Trace:
    """The trace the figure ``name`` draws (its demo with the defaults), made once."""
    if name not in _CACHE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the exploding runs overflow
            _CACHE[name] = DEMOS[name][0]()
    return _CACHE[name]


def caption(name: str) -> str:
    return importlib.import_module(registry.get(name, "figure").module).CAPTION


def minus(text: str) -> str:
    """A number as the captions write it, with a real minus sign."""
    return text.replace("-", "−")


def sci(v: float) -> str:
    """``6e−10``: one significant digit, as the captions write it."""
    return minus(f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e+"))


def assert_in_caption(name: str, *texts: str) -> None:
    cap = caption(name)
    for text in texts:
        assert text in cap, f"{name}: the caption should say {text!r} (from the trace)"


def spread(values) -> str:
    """``1e−13 … 5e−8``: the smallest and largest of ``values`` as the captions write them."""
    return f"{sci(min(values))} … {sci(max(values))}"


# -- the scripts ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEMOS))
def test_script_writes_a_legible_png_from_the_checked_trace(name, tmp_path, monkeypatch):
    module = importlib.import_module(registry.get(name, "figure").module)
    demo, attr = DEMOS[name]
    made: list[Trace] = []
    figures = []

    def run() -> Trace:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            made.append(demo())
        return made[-1]

    monkeypatch.setattr(module, attr, run)
    import visualdl.gallery as gallery

    save = gallery.save
    monkeypatch.setattr(
        gallery, "save", lambda fig, *a, **k: figures.append(fig) or save(fig, *a, **k)
    )
    paths = module.make(tmp_path)
    assert [p.name for p in paths] == [f"{name}.png", f"{name}.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 20_000
    (tr,) = made
    assert_same_trace(tr, default_trace(name))  # the facts below were checked on this trace
    assert not schema.validate(tr)
    assert tr.reads and tr.reads <= set(tr.names()), sorted(tr.reads - set(tr.names()))
    problems = layout_problems(figures[0])
    assert not problems, "\n".join(map(str, problems))


def test_figures_are_registered_in_the_recurrent_chapter():
    for name in DEMOS:
        entry = registry.get(name, "figure")
        assert entry.chapter == registry.RNN
        assert caption(name).strip()


def test_demos_are_deterministic_and_declared():
    small = {
        "lstm-gate-activations": {"T": 6, "n_a": 2, "m": 32, "epochs": 2},
        "gradient-through-time": {"seeds": (0,), "T": 8, "n_a": 3, "m": 2},
        "recurrent-parameters": {"n_x": 3, "sizes": (2, 5)},
        "gradient-clipping": {"seeds": (0,), "T": 5, "n_a": 3, "m": 8, "steps": 4},
        "recurrent-mistakes": {"seeds": (0,)},
    }
    for name, kwargs in small.items():
        demo = DEMOS[name][0]
        a, b = demo(**kwargs), demo(**kwargs)
        assert_same_trace(a, b)
        assert a.records and not schema.validate(a), schema.validate(a)


# -- recurrent-parameters ------------------------------------------------------------------


def _cells(tr: Trace) -> dict:
    return {r.info["cell"]: r for r in tr.find("recurrent_parameters.cell")}


@pytest.mark.parametrize("n_x", [1, 7, 64])
def test_counts_are_one_three_and_four_blocks_biases_included(n_x):
    cells = _cells(recurrent_parameters(n_x=n_x, sizes=(1, 3, 32, 100)))
    n_a = cells["rnn"]["n_a"]
    block = n_a * (n_a + n_x) + n_a  # W_ax, W_aa, b_a / one gate's W on [a; x] and its b
    np.testing.assert_array_equal(cells["rnn"]["params"], block)
    np.testing.assert_array_equal(cells["gru"]["params"], 3 * block)
    np.testing.assert_array_equal(cells["lstm"]["params"], 4 * block)
    assert cells["gru"]["ratio"].tolist() == [3.0] * len(n_a)
    assert cells["lstm"]["ratio"].tolist() == [4.0] * len(n_a)
    assert cells["lstm"].info["shapes"]["Wf"] == [100, 100 + n_x]
    assert cells["rnn"].info["shapes"] == {"Wax": [100, n_x], "Waa": [100, 100], "ba": [100, 1]}


def test_parameters_caption_states_the_counts():
    cells = _cells(default_trace("recurrent-parameters"))
    rnn, gru, lstm = (cells[c]["params"] for c in ("rnn", "gru", "lstm"))
    assert cells["rnn"]["n_a"].tolist() == [32, 64, 128, 256, 512]
    assert cells["rnn"].info["n_x"] == 64
    assert_in_caption(
        "recurrent-parameters",
        f"n_x = {cells['rnn'].info['n_x']} inputs",
        f"{rnn[0]:,} at n_a = 32 and {rnn[-1]:,} at n_a = 512",
        f"({gru[-1]:,} and {lstm[-1]:,} at",
        f"ratios are {cells['gru']['ratio'].max():.3f} and {cells['lstm']['ratio'].min():.3f}",
        f"every layer grows {rnn[-1] / rnn[-2]:.1f} times",
    )
    for counts in (gru, lstm):
        assert round(counts[-1] / counts[-2], 1) == round(rnn[-1] / rnn[-2], 1)


# -- gradient-through-time -----------------------------------------------------------------


def _tail(cell: str, layer, x: np.ndarray, t: int, a_t: np.ndarray, c_t: np.ndarray | None):
    """``a_T`` of the cell run from the state ``a_t`` (``c_t``) over the inputs after ``t``:
    the engine's fast forward, which shares no step with the loop version's backward."""
    from visualdl.engine.gru import gru_forward
    from visualdl.engine.lstm import lstm_forward
    from visualdl.engine.rnn import rnn_forward

    p = {k.rstrip("0123456789"): v for k, v in layer.params().items()}
    tail = x[:, :, t + 1 :]
    if cell == "rnn":
        return rnn_forward(tail, a_t, p)[0][:, :, -1]
    if cell == "lstm":
        return lstm_forward(tail, a_t, p, c0=c_t)[0][:, :, -1]
    return gru_forward(tail, a_t, p, layer.update, layer.reset)[0][:, :, -1]


@pytest.mark.parametrize("cell", list(CELLS))
def test_step_gradients_are_dL_da_t_by_central_differences(cell):
    from visualdl.engine.gru import gru_forward
    from visualdl.engine.lstm import lstm_forward
    from visualdl.engine.rnn import rnn_forward

    rng = np.random.default_rng(3)
    n_a, m, T, t = 5, 2, 12, 6
    x = rng.choice([-1.0, 1.0], size=(1, m, T))
    w = rng.standard_normal((n_a, 1))
    da = np.zeros((n_a, m, T))
    da[:, :, -1] = w
    layer = CELLS[cell](1, n_a, rng=4)
    g = step_gradients(cell, layer, x, da)[0]
    p = {k.rstrip("0123456789"): v for k, v in layer.params().items()}
    head = x[:, :, : t + 1]
    if cell == "rnn":
        a_t, c_t = rnn_forward(head, None, p)[0][:, :, -1], None
    elif cell == "lstm":
        out, cache = lstm_forward(head, None, p)
        a_t, c_t = out[:, :, -1], cache["c"][:, :, -1]
    else:
        a_t, c_t = gru_forward(head, None, p, layer.update, layer.reset)[0][:, :, -1], None
    eps, num = 1e-6, np.zeros((n_a, m))
    for k in range(n_a):
        e = np.zeros((n_a, m))
        e[k] = eps
        up = w.T @ _tail(cell, layer, x, t, a_t + e, c_t)
        down = w.T @ _tail(cell, layer, x, t, a_t - e, c_t)
        num[k] = (up - down)[0] / (2 * eps)
    np.testing.assert_allclose(g[:, :, t], num, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3, 4, 5))
def test_rnn_gradient_40_to_50_steps_back_is_far_below_the_lstms(seed):
    runs = {r.info["cell"]: r for r in gradient_through_time(seeds=(seed,)).records}
    assert all(float(r["norm"][0]) == pytest.approx(1.0) for r in runs.values())
    far = slice(40, 51)
    assert np.all(runs["rnn"]["norm"][far] <= runs["lstm"]["norm"][far] / 100)
    assert np.all(runs["gru"]["norm"][far] <= runs["lstm"]["norm"][far] / 100)
    assert np.all(np.diff(runs["rnn"]["norm"]) < 0)  # it shrinks at every step back


@pytest.mark.slow
def test_gradient_through_time_caption_states_the_medians():
    tr = default_trace("gradient-through-time")
    by = {c: tr.find("gradient_through_time.run", cell=c) for c in CELLS}
    assert all(len(v) == 6 for v in by.values())
    at_50 = {c: [r.info["at_50"] for r in v] for c, v in by.items()}
    median = {c: np.median(np.array([r["norm"] for r in v]), axis=0) for c, v in by.items()}
    for c in CELLS:
        assert median[c][50] == pytest.approx(np.median(at_50[c]))
    words = {2: "two", 7: "seven", 9: "nine"}
    texts = []
    for c, name in (("rnn", "vanilla RNN's"), ("lstm", "LSTM's"), ("gru", "GRU's")):
        decades = round(-math.log10(median[c][50]))
        texts += [f"{name} median is {sci(median[c][50])}" if c == "rnn" else sci(median[c][50])]
        texts += [f"{words[decades]} decades", spread(at_50[c])]
    factors = {c: (median[c][50] / median[c][10]) ** (1 / 40) for c in CELLS}
    texts.append(
        f"{factors['rnn']:.2f} (RNN), {factors['lstm']:.2f} (LSTM) and {factors['gru']:.2f} (GRU)"
    )
    gates = {c: np.mean([r.info["gate_mean"] for r in by[c]]) for c in ("lstm", "gru")}
    texts += [f"{gates['lstm']:.2f} on average", f"update gate averages {gates['gru']:.2f}"]
    ratio = [lo / r for lo, r in zip(at_50["lstm"], at_50["rnn"], strict=True)]
    texts.append(f"{sci(min(ratio))} to {sci(max(ratio))} times the RNN's".replace("+", ""))
    assert min(ratio) >= 100
    assert_in_caption("gradient-through-time", *texts)


# -- lstm-gate-activations -----------------------------------------------------------------


def test_the_shown_gates_are_the_trained_layers_own_lstm():
    tr = lstm_gate_activations(T=8, n_a=3, m=64, epochs=3)
    g = tr.last("lstm1.forward")
    x = g["x"][0]
    assert x[:, 0].tolist() == [-1.0, 1.0] and np.array_equal(x[0, 1:], x[1, 1:])
    c_prev = np.concatenate([np.zeros((3, 2, 1)), g["c"][:, :, :-1]], axis=2)
    np.testing.assert_allclose(g["c"], g["f"] * c_prev + g["i"] * g["cc"], atol=1e-12)
    np.testing.assert_allclose(g["a"], g["o"] * np.tanh(g["c"]), atol=1e-12)
    p = tr.last("dense2.forward")["A"][0]
    np.testing.assert_array_equal(tr.last("lstm_gate_activations.memory")["p"], p)


def _memory_facts(tr: Trace) -> dict:
    g = tr.last("lstm1.forward")
    m = tr.last("lstm_gate_activations.memory").info
    u, held = m["unit"], m["held"]
    return {"g": g, "m": m, "u": u, "held": held, "f": g["f"][u, held, 1:]}


@pytest.mark.slow
def test_lstm_gate_caption_states_what_the_trained_cell_does():
    tr = default_trace("lstm-gate-activations")
    model = tr.last("lstm_gate_activations.model").info
    d = _memory_facts(tr)
    g, m, u = d["g"], d["m"], d["u"]
    c, cc = g["c"], g["cc"]
    assert model["accuracy"] == m["sign_accuracy"] == 1.0
    ends_apart = np.sign(c[:, 0, -1]) != np.sign(c[:, 1, -1])
    assert np.abs(c[:, 1, -1] - c[:, 0, -1]).argmax() == u and ends_apart[u]
    assert m["c_apart_from"] == m["cc_apart_from"]  # cell and candidate apart from one step
    assert np.abs(cc[u, :, m["cc_apart_from"] - 1 :]).min() == pytest.approx(m["cc_min_abs"])
    held_T = c[u, d["held"], -1]
    steps = np.diff(np.concatenate([[0.0], c[u, d["held"]]]))
    against = np.flatnonzero(np.sign(steps) != np.sign(held_T))
    monotone_from = int(against[-1]) + 2 if against.size else 1  # 1-based
    assert monotone_from <= c.shape[2] // 4  # it adds the same sign nearly all the way
    f = d["f"]
    assert f.min() == m["f_min"] and f.max() == m["f_max"] and 0.8 < m["f_mean"] < 1
    assert_in_caption(
        "lstm-gate-activations",
        f"labels {100 * model['accuracy']:.0f} % of {model['m_test']} held-out",
        f"in {ends_apart.sum()} of the {c.shape[0]} units the cell ends with opposite signs",
        f"Unit {u + 1} (outlined)",
        minus(f"c⟨T⟩ = {c[u, 0, -1]:+.2f} after a first bit 0 and {c[u, 1, -1]:.2f} after a 1"),
        f"alone labels {100 * m['sign_accuracy']:.0f} %",
        f"step {m['c_apart_from']} on its cell and its candidate have opposite signs",
        f"|c̃| ≥ {math.floor(m['cc_min_abs'] * 100) / 100:.2f}",
        minus(f"where it holds {held_T:.2f}"),
        f"between {m['f_min']:.2f} and {m['f_max']:.2f} (mean {m['f_mean']:.2f})",
        f"from step {monotone_from} on it {'falls' if held_T < 0 else 'rises'} at every step",
        f"rate {model['learning_rate']:g}, batches of {model['batch_size']}, "
        f"{model['epochs']} passes over {model['m']} sequences",
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 4, 8, 9])
def test_trained_lstms_hold_the_bit_in_a_cell_with_an_open_forget_gate(seed):
    tr = lstm_gate_activations(seed=seed)
    assert tr.last("lstm_gate_activations.model").info["accuracy"] >= 0.99
    d = _memory_facts(tr)
    assert d["m"]["sign_accuracy"] >= 0.99  # one cell's sign tells the label
    assert d["m"]["f_mean"] >= 0.8  # and its forget gate stays open while it holds it


# -- gradient-clipping ---------------------------------------------------------------------


def _runs(tr: Trace, mode: str) -> list:
    return tr.find("gradient_clipping.run", mode=mode)


@pytest.mark.slow
def test_clipping_caption_states_the_sweep():
    tr = default_trace("gradient-clipping")
    none, value, norm = (_runs(tr, m) for m in ("none", "clip_value", "clip_norm"))
    assert len(none) == len(value) == len(norm) == 6
    for runs in zip(none, value, norm, strict=True):  # every seed: one start, three ways
        assert len({r.info["seed"] for r in runs}) == 1
        assert len({r.info["first_grad_norm"] for r in runs}) == 1
        assert len({r.info["Waa_start"] for r in runs}) == 1
        assert all(r.info["stopped"] is None and len(r["cost"]) == 250 for r in runs)
    for r in none:  # the unclipped gradient spikes on every seed
        assert r.info["max_grad_norm"] > 5 * r.info["first_grad_norm"]
    clipped = value + norm
    assert max(r.info["max_grad_norm"] / r.info["first_grad_norm"] for r in clipped) > 100
    end_none, end_clipped = (np.median([r.info["Waa_end"] for r in v]) for v in (none, clipped))
    assert end_none > 3 * end_clipped  # "many times the clipped runs'"
    finals = {m: [r.info["final_cost"] for r in _runs(tr, m)] for m in MODES}
    good = {m: sum(J < 0.05 for J in f) for m, f in finals.items()}
    bad = {m: sum(J > math.log(2) for J in f) for m, f in finals.items()}
    assert 2 * bad["none"] >= len(none)  # at least half end above ln 2
    assert 2 * good["clip_norm"] > len(norm) and good["clip_norm"] >= good["none"] + 3
    assert 0 < good["clip_value"] < len(value)  # rescues some runs and not others
    info = norm[0].info
    assert info["learning_rate"] * info["limit"] == 3  # "no step is longer than 3"
    assert_in_caption(
        "gradient-clipping",
        f"For each of {len(none)} seeds",
        f"clip_value = {value[0].info['limit']:g}",
        f"clip_norm = {info['limit']:g}",
        f"at the high rate {info['learning_rate']:g}",
        "at least five times its first step's",
        "at least half of the unclipped runs end above ln 2",
        "no step is longer than 3",
        "three or more runs more than without clipping",
    )


def test_a_run_that_stops_keeps_the_engines_message_and_is_drawn():
    from visualdl.viz.gradient_clipping import plot_gradient_clipping

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tr = gradient_clipping(seeds=(0,), T=10, n_a=4, m=8, steps=20, learning_rate=1e300, scale=3)
    stopped = [r for r in tr.records if r.info["stopped"] is not None]
    assert stopped, "the rate should overflow a parameter"
    for r in stopped:
        assert "Sequential.fit" in r.info["stopped"] and "step" in r.info["stopped"]
        assert r["cost"].size == 0 and r.info["final_cost"] is None
    assert not schema.validate(tr)
    assert len(plot_gradient_clipping(tr).axes) == 6


# -- recurrent-mistakes --------------------------------------------------------------------


def test_mistakes_caption_states_the_checks_and_the_counterexamples():
    tr = default_trace("recurrent-mistakes")
    checks = tr.find("recurrent_mistakes.dw_hy")
    assert [r.info["seed"] for r in checks] == [0, 1, 2, 3, 4]
    engine = [r.info["engine"] for r in checks]
    notes = [r.info["notes"] for r in checks]
    assert max(engine) < 1e-8 < 0.5 < min(notes)  # on every seed
    cases = {r.info["case"]: r.info for r in tr.find("recurrent_mistakes.cell_path")}
    assert sorted(cases) == ["a", "b"]
    for case in cases.values():
        assert case["direct_is_f"] and case["direct"] == case["f_t"]
        assert case["total"] < case["f_t"]
    assert_in_caption(
        "recurrent-mistakes",
        f"for {len(checks)} seeds",
        "relative error under 1e−8 (rounding), far below the 1e−7 line",
        f"has {min(notes):.2f} … {max(notes):.2f}",
        f"total is {cases['a']['total']:.3f} against f⟨t⟩ = {cases['a']['f_t']:.3f}",
        f"in the second {cases['b']['total']:.3f} against {cases['b']['f_t']:.3f}",
    )
