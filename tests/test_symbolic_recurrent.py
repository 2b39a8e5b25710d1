"""SymPy derivations of the RNN, LSTM and GRU cells and of their backward through time, met with
the engine (tier 2). Negative tests feed deliberately wrong backwards (BPTT without the recurrent
path, ``df`` from ``c_t`` instead of ``c_prev``, the LSTM without its cell path, the GRU with the
other convention's formula, the notes' ``dw_hy``) and show the same checks catch them; the cell
path's ``dc_t/dc_{t-1}`` and the ``dW_y`` gradient check give the numbers the notes discuss."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import seeds

from visualdl.engine import gru as engine_gru
from visualdl.engine import lstm as engine_lstm
from visualdl.engine import rnn as engine_rnn
from visualdl.engine.activations import softmax
from visualdl.engine.losses import output_dZ
from visualdl.engine.sequence import time_dense_backward, time_dense_forward
from visualdl.symbolic import recurrent
from visualdl.symbolic.check import SEED, TOL, rel_error
from visualdl.symbolic.mistakes import MISTAKES

SEEDS = seeds(SEED, 0, 3)  # the sweep beyond SEED runs in the slow tier
WRONG = 1e-3  # a broken backward must be at least this far off
SLOW = {"gru_cell"}  # rows whose SymPy derivation takes more than 2 s here (four cells)


def rows(names):
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", rows(recurrent.CHECKS))
def test_every_recurrent_row_passes(name, seed):
    op = recurrent.CHECKS[name]
    result = op.check(*op.args, seed=seed)
    assert result.passed and result.max_rel_error < TOL, (name, result)


def test_every_recurrent_backward_is_covered():
    covered = {c for op in recurrent.CHECKS.values() for c in op.covers}
    assert covered == {
        "rnn.rnn_cell_backward",
        "rnn.rnn_backward",
        "lstm.lstm_cell_backward",
        "lstm.lstm_backward",
        "gru.gru_cell_backward",
        "gru.gru_backward",
        "sequence.time_dense_backward",
    }


# -- the derivations are sympy.diff ---------------------------------------------------------------


def test_cell_gradients_come_from_sympy_diff():
    d = recurrent.cell_derivation("lstm")
    m, S = recurrent.SHAPE["m"], d["S"]
    assert d["dWf"][0, 1] == sp.diff(S, d["Wf"][0, 1]) / m
    assert d["dbo"][1, 0] == sp.diff(S, d["bo"][1, 0]) / m
    assert d["dc_prev"][1, 0] == sp.diff(S, d["c_prev"][1, 0])
    assert d["dxt"][0, 1] == sp.diff(S, d["xt"][0, 1])
    # S is the first-order loss of both outputs: its derivative w.r.t. dc is c_t itself
    assert sp.diff(S, d["dc"][0, 0]) == d["c"][0, 0]


def test_step_jacobians_come_from_sympy_diff():
    d = recurrent.step_derivation("rnn")
    assert d["ds_ds"][0, 1] == sp.diff(d["s_t"][0], d["a_prev"][1, 0])
    assert d["ds_dtheta"].shape == (2, 2 * 2 + 2 * 2 + 2)  # Wax, Waa, ba
    a_t, z = d["a_t"], d["Wy"].dot(d["a_t"]) + d["by"]
    assert d["dL_da"][0] == sp.diff(d["L"], a_t[0, 0])
    # the step's loss is -y . log softmax(W_y a_t + b_y), exactly
    lse = sp.log(sum(sp.exp(zk) for zk in z.ravel()))
    log_softmax = sum(yk * (zk - lse) for yk, zk in zip(d["y"].ravel(), z.ravel(), strict=True))
    assert sp.expand(d["L"] + log_softmax) == 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [SEED, 7])
def test_forward_mode_equals_diff_of_the_whole_unrolled_cost(seed):
    """sympy.diff of the whole unrolled J (seconds) gives what forward mode over one step's
    Jacobians gives, for the RNN model."""
    full = recurrent.rnn_full_derivation()
    values = recurrent.sequence_values("rnn", seed)
    want = full["numeric"](values)
    got = recurrent.unrolled_gradients("rnn", values)
    assert rel_error(*[x for k in want for x in (want[k], got[k])]) < TOL


def test_unknown_kind_is_a_value_error():
    with pytest.raises(ValueError, match="step_derivation: kind"):
        recurrent.step_derivation("transformer")
    with pytest.raises(ValueError, match="cell_derivation: kind"):
        recurrent.cell_derivation("lstmm")


# -- wrong cells ----------------------------------------------------------------------------------


def rnn_cell_dWaa_from_a_t(xt, a_prev, params, da):
    _, cache = engine_rnn.rnn_cell_forward(xt, a_prev, params)
    g = engine_rnn.rnn_cell_backward(da, cache)
    return {**g, "dWaa": g["dz"] @ cache["a"].T / xt.shape[1]}  # a_t where a_prev belongs


def rnn_cell_without_tanh_derivative(xt, a_prev, params, da):
    _, cache = engine_rnn.rnn_cell_forward(xt, a_prev, params)
    return engine_rnn.rnn_cell_backward(da, {**cache, "a": np.zeros_like(cache["a"])})  # dz = da


@pytest.mark.parametrize("broken", [rnn_cell_dWaa_from_a_t, rnn_cell_without_tanh_derivative])
def test_broken_rnn_cell_backward_is_caught(broken):
    result = recurrent.check_rnn_cell(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


def lstm_cell_df_from_c_t(xt, a_prev, c_prev, params, da, dc):
    """``df = dc * c_t`` instead of ``dc * c_prev``."""
    _, _, cache = engine_lstm.lstm_cell_forward(xt, a_prev, c_prev, params)
    return engine_lstm.lstm_cell_backward(da, dc, {**cache, "c_prev": cache["c"]})


def lstm_cell_path_without_f(xt, a_prev, c_prev, params, da, dc):
    """``dc_prev = dc`` (the conveyor belt without its forget gate)."""
    _, _, cache = engine_lstm.lstm_cell_forward(xt, a_prev, c_prev, params)
    g = engine_lstm.lstm_cell_backward(da, dc, cache)
    return {**g, "dc_prev": g["dc"]}


@pytest.mark.parametrize("broken", [lstm_cell_df_from_c_t, lstm_cell_path_without_f])
def test_broken_lstm_cell_backward_is_caught(broken):
    result = recurrent.check_lstm_cell(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


def other(flag):
    return {"candidate": "state", "state": "candidate", "before": "after", "after": "before"}[flag]


def gru_cell_other_update(xt, a_prev, params, da, update, reset):
    _, cache = engine_gru.gru_cell_forward(xt, a_prev, params, update, reset)
    return engine_gru.gru_cell_backward(da, {**cache, "update": other(update)})


def gru_cell_other_reset(xt, a_prev, params, da, update, reset):
    _, cache = engine_gru.gru_cell_forward(xt, a_prev, params, update, reset)
    return engine_gru.gru_cell_backward(da, {**cache, "reset": other(reset)})


def gru_cell_right_for_the_course_only(xt, a_prev, params, da, update, reset):
    """Always the course's formulas (candidate, before): right for one of the four flags."""
    _, cache = engine_gru.gru_cell_forward(xt, a_prev, params, update, reset)
    return engine_gru.gru_cell_backward(da, {**cache, "update": "candidate", "reset": "before"})


@pytest.mark.slow
@pytest.mark.parametrize(
    "broken", [gru_cell_other_update, gru_cell_other_reset, gru_cell_right_for_the_course_only]
)
def test_broken_gru_cell_backward_is_caught(broken):
    result = recurrent.check_gru_cell(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


# -- wrong backwards through time -----------------------------------------------------------------


def output_layer(a, params, Y):
    """The engine's per-step softmax output and its backward: ``(da, dWy, dby)``."""
    Z, cache = time_dense_forward(a, params["Wy"], params["by"])
    return time_dense_backward(output_dZ(softmax(Z), Y), cache)


def bptt_without_recurrent_path(x, a0, params, Y):
    """Each step backpropagates only its own output's ``da`` (the notes' incomplete BPTT)."""
    a, _ = engine_rnn.rnn_forward(x, a0, params)
    da, dWy, dby = output_layer(a, params, Y)
    grads = {"dWy": dWy, "dby": dby, "dx": np.zeros_like(x)}
    a_prev = a0
    for t in range(x.shape[2]):
        _, cache = engine_rnn.rnn_cell_forward(x[:, :, t], a_prev, params)
        g = engine_rnn.rnn_cell_backward(da[:, :, t], cache)  # no da_next
        for k in ("dWax", "dWaa", "dba"):
            grads[k] = grads.get(k, 0) + g[k]
        grads["dx"][:, :, t] = g["dxt"]
        if t == 0:
            grads["da0"] = g["da_prev"]
        a_prev = a[:, :, t]
    return grads


def dWy_without_one_over_m(x, a0, params, Y):
    a, cache = engine_rnn.rnn_forward(x, a0, params)
    da, dWy, dby = output_layer(a, params, Y)
    return {**engine_rnn.rnn_backward(da, cache), "dWy": dWy * x.shape[1], "dby": dby}


@pytest.mark.parametrize("broken", [bptt_without_recurrent_path, dWy_without_one_over_m])
def test_broken_rnn_backward_is_caught(broken):
    result = recurrent.check_rnn(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


def lstm_without_cell_path(x, a0, params, Y):
    """BPTT over the engine's cells that carries ``da_next`` back but drops ``dc_prev``."""
    a, _ = engine_lstm.lstm_forward(x, a0, params)
    da, dWy, dby = output_layer(a, params, Y)
    caches, a_prev, c_prev = [], a0, np.zeros_like(a0)
    for t in range(x.shape[2]):
        a_prev, c_prev, cache = engine_lstm.lstm_cell_forward(x[:, :, t], a_prev, c_prev, params)
        caches.append(cache)
    grads = {"dWy": dWy, "dby": dby, "dx": np.zeros_like(x)}
    da_next = np.zeros_like(a0)
    for t in reversed(range(x.shape[2])):
        g = engine_lstm.lstm_cell_backward(da[:, :, t] + da_next, np.zeros_like(a0), caches[t])
        for k in (f"{w}{gate}" for gate in "fico" for w in ("dW", "db")):
            grads[k] = grads.get(k, 0) + g[k]
        grads["dx"][:, :, t], da_next = g["dxt"], g["da_prev"]
        grads["dc0"] = g["dc_prev"]
    return {**grads, "da0": da_next}


@pytest.mark.parametrize("broken", [lstm_without_cell_path, MISTAKES["lstm_dw_hy_notes"].wrong])
def test_broken_lstm_backward_is_caught(broken):
    result = recurrent.check_lstm(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


def test_the_notes_lstm_backward_is_wrong_only_in_the_output_layer():
    values = recurrent.sequence_values("lstm", 3)
    params = {k: v for k, v in values.items() if k not in ("x", "a0", "Y")}
    args = (values["x"], values["a0"], params, values["Y"])
    notes = MISTAKES["lstm_dw_hy_notes"].wrong(*args)
    right = recurrent.unrolled_gradients("lstm", values)
    wrong = {"dWy", "dby"}
    assert set(notes) == set(right) - {"a", "J"}
    assert rel_error(*[x for k in sorted(set(notes) - wrong) for x in (notes[k], right[k])]) < TOL
    assert all(rel_error(notes[k], right[k]) > 0.1 for k in wrong)


def gru_other_update(x, a0, params, da, update, reset):
    _, cache = engine_gru.gru_forward(x, a0, params, update, reset)
    return engine_gru.gru_backward(da, {**cache, "update": other(update)})


def gru_other_reset(x, a0, params, da, update, reset):
    _, cache = engine_gru.gru_forward(x, a0, params, update, reset)
    return engine_gru.gru_backward(da, {**cache, "reset": other(reset)})


def gru_without_recurrent_path(x, a0, params, da, update, reset):
    """The engine's GRU cells, each fed only its own step's ``da``."""
    a, _ = engine_gru.gru_forward(x, a0, params, update, reset)
    grads, a_prev = {"dx": np.zeros_like(x)}, a0
    for t in range(x.shape[2]):
        _, cache = engine_gru.gru_cell_forward(x[:, :, t], a_prev, params, update, reset)
        g = engine_gru.gru_cell_backward(da[:, :, t], cache)
        for k in (f"{w}{gate}" for gate in "urc" for w in ("dW", "db")):
            grads[k] = grads.get(k, 0) + g[k]
        grads["dx"][:, :, t] = g["dxt"]
        grads.setdefault("da0", g["da_prev"])
        a_prev = a[:, :, t]
    return grads


@pytest.mark.parametrize("broken", [gru_other_update, gru_other_reset, gru_without_recurrent_path])
def test_broken_gru_backward_is_caught(broken):
    result = recurrent.check_gru(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


# -- the cell path: dc_t / dc_{t-1} -------------------------------------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def c_t(c_prev, case):
    """The scalar LSTM's c_t as a function of c_{t-1}, h_{t-1} = o_{t-1} tanh(c_{t-1})."""
    h = case["o_prev"] * np.tanh(c_prev)

    def pre(g):
        return case.get(f"W_{g}", 0.0) * case["x_t"] + case.get(f"U_{g}", 0.0) * h

    return sigmoid(pre("f")) * c_prev + sigmoid(pre("i")) * np.tanh(pre("c"))


def test_the_direct_term_is_exactly_f_t():
    d = recurrent.cell_path_derivation()
    assert d["direct_is_f"]
    assert sp.simplify(sp.diff(d["c"], d["c_prev"]) - d["f"]) == 0
    assert d["total"].free_symbols - d["f"].free_symbols  # the total has more terms than f_t


@pytest.mark.parametrize("case", sorted(recurrent.COUNTEREXAMPLES))
def test_the_counterexamples_give_a_total_below_f_t(case):
    r = recurrent.cell_path_counterexamples()[case]
    assert r["direct"] == pytest.approx(r["f_t"], abs=1e-15)
    assert r["total"] < r["f_t"]
    # an independent central difference of c_t(c_prev), in plain NumPy
    c, eps = r["c_prev"], 1e-6
    fd = (c_t(c + eps, r) - c_t(c - eps, r)) / (2 * eps)
    assert r["total"] == pytest.approx(fd, rel=1e-8)
    assert r["f_t"] == pytest.approx(sigmoid(-3.0 * r["o_prev"] * np.tanh(c) if case == "b" else 0))


def test_the_counterexamples_are_the_notes_numbers():
    r = recurrent.cell_path_counterexamples()
    assert (round(r["a"]["f_t"], 3), round(r["a"]["total"], 3)) == (0.5, 0.201)
    assert (round(r["b"]["f_t"], 3), round(r["b"]["total"], 3)) == (0.069, 0.057)


# -- the notes' dw_hy, by a gradient check --------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_dw_hy_gradient_check(seed):
    r = recurrent.dw_hy_gradient_check(seed)
    assert r["engine"] <= 1e-6
    assert r["notes"] >= 0.3
