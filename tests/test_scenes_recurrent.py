"""The recurrent chapter's scenes ``rnn-unroll`` and ``gru-gates``: their demos are
deterministic and declared, the narrating loops equal the fast ops on the demos' data, and what
the scenes say holds on the numbers they draw (the gradient of one loss fading over many steps
over several seeds, the shared weight's gradient as a sum over the copies, the update gate's
two readings, the memory unit that writes and keeps the first bit)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import assert_same_trace, rel_err, seeds

from visualdl import schema
from visualdl.demos.gru_gates import gru_gates_trace
from visualdl.demos.rnn_unroll import rnn_unroll_trace
from visualdl.engine.gru import gru_backward, gru_forward
from visualdl.engine.recurrent_loops import gru_backward_loop, gru_forward_loop
from visualdl.engine.rnn import rnn_backward, rnn_forward


@pytest.fixture(scope="module")
def rnn_tr():
    return rnn_unroll_trace()


@pytest.fixture(scope="module")
def gru_tr():
    return gru_gates_trace()


def _params(tr) -> dict:
    p = tr.last("rnn_unroll_demo.params")
    return {k: p[k] for k in ("Wax", "Waa", "ba")}


def _stack(records, key: str) -> np.ndarray:
    """``(n, m, T)`` from per-step records in time order."""
    return np.stack([r[key] for r in sorted(records, key=lambda r: r.info["t"])], axis=2)


def _numbers(s: str) -> list[float]:
    return [float(v.replace("−", "-")) for v in re.findall(r"[−-]?\d+\.?\d*", s)]


# -- both demos ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [rnn_unroll_trace, gru_gates_trace])
def test_recurrent_demo_traces_are_deterministic_and_declared(make) -> None:
    a, b = make(), make()
    assert_same_trace(a, b)
    assert schema.validate(a) == []


# -- rnn-unroll --------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["unroll", "reach"])
def test_rnn_loops_equal_the_fast_ops_on_the_demo_data(rnn_tr, case: str) -> None:
    steps = rnn_tr.find("rnn.step", case=case)
    back = rnn_tr.find("rnn.step_backward", case=case)
    x = _stack(steps, "x_t")
    a, cache = rnn_forward(x, None, _params(rnn_tr))
    np.testing.assert_allclose(a, _stack(steps, "a"), rtol=1e-12, atol=1e-14)
    da = _stack(back, "da")  # each step's own output share, as rnn_backward takes it
    grads = rnn_backward(da, cache)
    np.testing.assert_allclose(grads["dx"], _stack(back, "dxt"), rtol=1e-10, atol=1e-14)
    first = next(r for r in back if r.info["t"] == 0)
    np.testing.assert_allclose(grads["da0"], first["da_prev"], rtol=1e-10, atol=1e-14)
    if case == "unroll":
        recorded = rnn_tr.last("rnn_unroll_demo.grads")
        for k in ("dWax", "dWaa", "dba"):
            assert rel_err(grads[k], recorded[k]) < 1e-12, k


def test_rnn_output_share_and_losses_are_the_engine_s_and_add_up(rnn_tr) -> None:
    out = rnn_tr.last("rnn_unroll_demo.output")
    p = rnn_tr.last("rnn_unroll_demo.params")
    y_hat, Y, a = out["y_hat"], out["Y"], _stack(rnn_tr.find("rnn.step", case="unroll"), "a")
    np.testing.assert_allclose(y_hat.sum(axis=0), 1.0, rtol=1e-12)
    Z = np.einsum("ka,amt->kmt", p["Wy"], a) + p["by"][:, :, None]
    np.testing.assert_allclose(out["Z"], Z, rtol=1e-12)
    L = -np.log((y_hat * Y).sum(axis=0))[0]  # the label's probability, per step
    np.testing.assert_allclose(out["L"], L, rtol=1e-12)
    assert out.info["J"] == pytest.approx(L.sum(), rel=1e-12)  # L = sum_t L<t>
    np.testing.assert_allclose(out["da"], np.einsum("ka,kmt->amt", p["Wy"], y_hat - Y), atol=1e-14)
    chars, targets = p.info["chars"], p.info["targets"]
    assert chars[1:] == targets[:-1]  # the labels are the input one step ahead
    assert [p.info["alphabet"][i] for i in Y[:, 0, :].argmax(axis=0)] == list(targets)


def test_bptt_shares_are_what_the_scene_adds(rnn_tr) -> None:
    """At each step the scene shows ``(da + da_next) * (1 - a^2) = dz`` and ``W_aa^T dz`` going
    back, which is the next step's ``da_next``; the last step has no later share."""
    Waa = _params(rnn_tr)["Waa"]
    back = {r.info["t"]: r for r in rnn_tr.find("rnn.step_backward", case="unroll")}
    fwd = {r.info["t"]: r for r in rnn_tr.find("rnn.step", case="unroll")}
    out = rnn_tr.last("rnn_unroll_demo.output")
    T = len(back)
    assert not back[T - 1]["da_next"].any()
    flow = rnn_tr.last("rnn_unroll_demo.flow")
    for t in range(T):
        b = back[t]
        np.testing.assert_allclose(b["da"], out["da"][:, :, t], rtol=1e-12)
        dz = (b["da"] + b["da_next"]) * (1 - fwd[t]["a"] ** 2)
        np.testing.assert_allclose(b["dz"], dz, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b["da_prev"], Waa.T @ b["dz"], rtol=1e-12, atol=1e-15)
        if t:
            np.testing.assert_array_equal(back[t - 1]["da_next"], b["da_prev"])
        assert flow["da_prev_norm"][t] == pytest.approx(np.linalg.norm(b["da_prev"]), rel=1e-12)


def test_shared_weight_gradient_is_the_sum_over_the_copies(rnn_tr) -> None:
    back = {r.info["t"]: r for r in rnn_tr.find("rnn.step_backward", case="unroll")}
    fwd = {r.info["t"]: r for r in rnn_tr.find("rnn.step", case="unroll")}
    m = rnn_tr.meta["m"]
    total = sum(back[t]["dz"] @ fwd[t]["a_prev"].T for t in back) / m
    np.testing.assert_allclose(rnn_tr.last("rnn_unroll_demo.grads")["dWaa"], total, rtol=1e-12)


@pytest.mark.parametrize("seed", seeds(1, 0, 2, 3, 4))
def test_one_loss_fades_going_back_over_many_steps(seed: int) -> None:
    """Only the last step's label counts (the others are padding), each step back multiplies
    the gradient by ``W_aa^T diag(1 - a^2)``, and 19 steps back it is below a thousandth of
    its size at the last step, for every seed of the demo."""
    tr = rnn_unroll_trace(seed=seed)
    back = {r.info["t"]: r for r in tr.find("rnn.step_backward", case="reach")}
    fwd = {r.info["t"]: r for r in tr.find("rnn.step", case="reach")}
    Waa = _params(tr)["Waa"]
    reach = tr.last("rnn_unroll_demo.reach")
    T = reach.info["T"]
    assert len(back) == T == 20
    assert all(not back[t]["da"].any() for t in range(T - 1))  # L<T> alone
    for t in range(T - 1):  # the recursion the scene's formula writes
        later = (back[t + 1]["da"] + back[t + 1]["da_next"]) * (1 - fwd[t + 1]["a"] ** 2)
        np.testing.assert_allclose(back[t]["da_next"], Waa.T @ later, rtol=1e-10, atol=1e-300)
    norm = np.array([np.linalg.norm(back[t]["da"] + back[t]["da_next"]) for t in range(T)])
    np.testing.assert_allclose(reach["norm"], norm, rtol=1e-12)
    np.testing.assert_allclose(reach["ratio"], norm / norm[-1], rtol=1e-12)
    assert reach["ratio"][0] < 1e-3, reach["ratio"]


def test_rnn_worked_entries_check_by_hand(rnn_tr) -> None:
    """The factors the scene writes, multiplied and added, give its ``z`` up to their
    rounding, and ``tanh(z)`` its ``a``: what a learner checks on paper."""
    pytest.importorskip("manim")
    from visualdl.scenes.rnn_unroll import worked_lines

    for t in (1, 2):
        lines = worked_lines(rnn_tr, t)
        pairs = [_numbers(f) for f in re.findall(r"\([^()]*\)\([^()]*\)", " ".join(lines[1:3]))]
        bias = _numbers(lines[3])
        z_shown, a_shown = bias[1], bias[-1]
        z_paper = sum(w * v for w, v in pairs) + bias[0]
        n = len(pairs) + 1
        assert abs(z_paper - z_shown) <= 0.006 * n, (lines, z_paper)
        s = rnn_tr.last("rnn.step", case="unroll", t=t - 1)
        assert z_shown == pytest.approx(s["z"][0, 0], abs=0.005)
        assert a_shown == pytest.approx(np.tanh(s["z"][0, 0]), abs=0.005)


# -- gru-gates ---------------------------------------------------------------------------------
def _gru(tr) -> dict:
    p = tr.last("gru_gates_demo.params")
    return {k: p[k] for k in ("Wu", "bu", "Wr", "br", "Wc", "bc")}


def test_gru_loops_equal_the_fast_ops_on_the_demo_data(gru_tr, rng) -> None:
    x = gru_tr.last("gru_gates_demo.params")["x"]
    params = _gru(gru_tr)
    steps = gru_tr.find("gru.step", update="candidate")
    a, cache = gru_forward(x, None, params)
    for k in ("u", "r", "cc", "a"):
        np.testing.assert_allclose(cache[k], _stack(steps, k), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gru_tr.last("gru1.forward", case="model")["x"], x)
    np.testing.assert_allclose(gru_tr.last("gru1.forward", case="model")["a"], a, rtol=1e-12)
    da = rng.standard_normal(a.shape)
    fast = gru_backward(da, cache)
    slow = gru_backward_loop(da, gru_forward_loop(x, None, params)[1])
    for k, v in fast.items():
        assert rel_err(v, slow[k]) < 1e-12, k


def test_gru_steps_are_the_course_equations(gru_tr) -> None:
    """What the worksheet shows: ``Gamma_r * a<t-1>`` is the demo's masked history, and
    ``a<t> = Gamma_u c~<t> + (1 - Gamma_u) a<t-1>``; the reset gate closes somewhere, so the
    masking is seen."""
    masked = {r.info["t"]: r["masked"] for r in gru_tr.find("gru_gates_demo.masked")}
    steps = gru_tr.find("gru.step", update="candidate")
    for s in steps:
        t = s.info["t"]
        np.testing.assert_array_equal(masked[t], s["r"] * s["a_prev"])
        mix = s["u"] * s["cc"] + (1 - s["u"]) * s["a_prev"]
        np.testing.assert_allclose(s["a"], mix, rtol=1e-12)
    r2 = steps[1]["r"]  # the step the scene points at the masking
    j = int(r2.argmin())
    assert r2[j, 0] < 0.3 and abs(masked[1][j, 0]) < 0.3 * abs(steps[1]["a_prev"][j, 0])


def test_pytorch_reading_is_one_minus_gamma_u_with_the_same_states(gru_tr) -> None:
    course = gru_tr.find("gru.step", update="candidate")
    torch = gru_tr.find("gru.step", update="state")
    assert [r.context for r in torch] == [{"case": "pytorch"}] * len(course)
    for c, z in zip(course, torch, strict=True):
        np.testing.assert_allclose(z["u"], 1 - c["u"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(z["a"], c["a"], rtol=1e-12, atol=1e-15)
    readings = gru_tr.last("gru_gates_demo.readings")
    np.testing.assert_allclose(readings["z"], 1 - readings["u"], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(readings["a"], _stack(course, "a")[:, 0, :])


@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3))
def test_gru_learns_to_carry_the_first_bit(seed: int) -> None:
    tr = gru_gates_trace(seed=seed)
    info = tr.last("gru_gates_demo.params").info
    assert info["accuracy"] >= 0.95, info
    y_hat = tr.last("dense2.forward", case="model")["A"][0, 0]
    assert (y_hat > 0.5) == bool(tr.last("gru_gates_demo.params")["y"][0, 0])


def test_gru_scene_story_holds_on_its_numbers(gru_tr) -> None:
    """The memory unit the scene names takes its candidate at step 1, changes little where
    its update gate is shut, and where the gate opens its candidate is near its state."""
    pytest.importorskip("manim")
    from visualdl.scenes.gru_gates import memory_story, memory_unit, worked_mix, worked_reset

    j = memory_unit(gru_tr)
    steps = gru_tr.find("gru.step", update="candidate")
    u = [s["u"][j, 0] for s in steps]
    assert u[0] > 0.9
    for s, uk in zip(steps[1:], u[1:], strict=True):
        if uk < 0.5:
            assert abs(s["a"][j, 0] - s["a_prev"][j, 0]) < 0.05
        else:
            assert abs(s["cc"][j, 0] - s["a_prev"][j, 0]) < 0.15
    story = memory_story(gru_tr, j)
    assert f"unit {j + 1} takes its candidate at step 1" in story
    first = steps[0]
    reset = worked_reset(gru_tr, 0)
    p = gru_tr.last("gru_gates_demo.params")
    pairs = [_numbers(f) for f in re.findall(r"\([^()]*\)\([^()]*\)", reset[1])]
    bias = _numbers(reset[1].rsplit("+", 1)[1])[0]
    assert sum(w * v for w, v in pairs) + bias == pytest.approx(_numbers(reset[2])[0], abs=0.03)
    assert _numbers(reset[2])[0] == pytest.approx(first["z_r"][0, 0], abs=0.005)
    assert p["br"][0, 0] == pytest.approx(bias, abs=0.005)
    mix = _numbers(worked_mix(gru_tr, 1, j).split("=", 1)[1])
    (uu, cc, zz, ap, a) = mix
    assert uu * cc + zz * ap == pytest.approx(a, abs=0.02)
    assert zz == pytest.approx(1 - u[0], abs=0.005)


# -- what the scenes draw ----------------------------------------------------------------------
def _shown(name: str) -> tuple[set, object]:
    """Every grid state the scene holds still (rows of strings), and its trace."""
    pytest.importorskip("manim")
    from scene_probe import probe

    p = probe(name)
    shown = {tuple(tuple(r) for r in g.rows()) for m in p.key_frames for g in m.grids}
    return shown, p.traces[0]


def _grid(values) -> tuple:
    from visualdl.anim.numbers import format_array

    return tuple(tuple(r) for r in format_array(values))


@pytest.mark.slow
def test_rnn_scene_shows_every_step_forward_and_back(no_latex) -> None:
    shown, tr = _shown("rnn-unroll")
    for s in tr.find("rnn.step", case="unroll"):
        assert _grid(s["a"]) in shown and _grid(s["x_t"]) in shown, s.info
    for b in tr.find("rnn.step_backward", case="unroll"):
        for k in ("da", "da_next", "dz", "da_prev"):
            assert _grid(b[k]) in shown, (b.info, k)
    out = tr.last("rnn_unroll_demo.output")
    for t in range(out["y_hat"].shape[2]):
        assert _grid(out["y_hat"][:, :, t]) in shown
    assert _grid(tr.last("rnn_unroll_demo.grads")["dWaa"]) in shown


@pytest.mark.slow
def test_gru_scene_shows_every_gate_and_both_readings(no_latex) -> None:
    shown, tr = _shown("gru-gates")
    masked = {r.info["t"]: r["masked"] for r in tr.find("gru_gates_demo.masked")}
    for s in tr.find("gru.step", update="candidate"):
        for k in ("z_r", "r", "z_c", "cc", "z_u", "u", "a_prev", "a"):
            assert _grid(s[k]) in shown, (s.info, k)
        assert _grid(masked[s.info["t"]]) in shown
    readings = tr.last("gru_gates_demo.readings")
    for k in ("u", "z", "a"):
        assert _grid(readings[k]) in shown, k
