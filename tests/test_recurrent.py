"""The recurrent engine: fast ops against their loop oracles and finite differences, the GRU's
two conventions, layers in ``Sequential`` (stacked, bidirectional, per-step output with
padding), clipping, and PyTorch parity where torch is installed.

The symbolic checks (SymPy against the hand-written backwards) are in
``tests/test_symbolic_recurrent.py``; bad input in ``tests/test_bad_input.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_op_gradients

from visualdl.engine import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Sequential,
    SimpleRNN,
    TimeDense,
    clipping,
    gradcheck,
    gru,
    losses,
    lstm,
    recurrent_loops,
    rnn,
    sequence,
    sequence_data,
)
from visualdl.trace import record

SEEDS = (0, 1, 2, 3)
CELLS = {"rnn": rnn, "lstm": lstm, "gru": gru}
FLAGS = [(u, r) for u in ("candidate", "state") for r in ("before", "after")]


def _shapes(seed: int) -> tuple[int, int, int, int]:
    """``(n_x, n_a, m, T)``, different for every seed."""
    g = np.random.default_rng(100 + seed)
    return tuple(int(v) for v in g.integers(1, 5, size=4) + (1, 1, 0, 1))


def _params(cell: str, n_x: int, n_a: int, g: np.random.Generator) -> dict:
    if cell == "rnn":
        return {
            "Wax": g.normal(size=(n_a, n_x)),
            "Waa": g.normal(size=(n_a, n_a)) * 0.7,
            "ba": g.normal(size=(n_a, 1)),
        }
    gates = lstm.GATES if cell == "lstm" else gru.GATES
    p = {f"W{k}": g.normal(size=(n_a, n_a + n_x)) * 0.7 for k in gates}
    return p | {f"b{k}": g.normal(size=(n_a, 1)) for k in gates}


def _case(cell: str, seed: int):
    n_x, n_a, m, T = _shapes(seed)
    g = np.random.default_rng(seed)
    x, a0 = g.normal(size=(n_x, m, T)), g.normal(size=(n_a, m))
    return x, a0, _params(cell, n_x, n_a, g), g.normal(size=(n_a, m, T))


def _fast_and_loop(cell: str, x, a0, p, da, flags=()):
    fast_fwd = getattr(CELLS[cell], f"{cell}_forward")
    fast_bwd = getattr(CELLS[cell], f"{cell}_backward")
    loop_fwd = getattr(recurrent_loops, f"{cell}_forward_loop")
    loop_bwd = getattr(recurrent_loops, f"{cell}_backward_loop")
    a, cache = fast_fwd(x, a0, p, *flags)
    a_loop, caches = loop_fwd(x, a0, p, *flags)
    return (a, fast_bwd(da, cache)), (a_loop, loop_bwd(da, caches))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_fast_op_equals_its_loop_oracle(cell: str, seed: int) -> None:
    x, a0, p, da = _case(cell, seed)
    for flags in FLAGS if cell == "gru" else [()]:
        (a, grads), (a_loop, grads_loop) = _fast_and_loop(cell, x, a0, p, da, flags)
        np.testing.assert_allclose(a, a_loop, rtol=1e-12, atol=1e-14)
        assert set(grads) == set(grads_loop)
        for k in grads:
            np.testing.assert_allclose(grads[k], grads_loop[k], rtol=1e-10, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_backward_takes_a_gradient_on_the_cells_too(seed: int) -> None:
    x, a0, p, da = _case("lstm", seed)
    dc = np.random.default_rng(seed + 7).normal(size=da.shape)
    a, cache = lstm.lstm_forward(x, a0, p)
    _, caches = recurrent_loops.lstm_forward_loop(x, a0, p)
    fast, loop = (
        lstm.lstm_backward(da, cache, dc),
        recurrent_loops.lstm_backward_loop(da, caches, dc),
    )
    for k in fast:
        np.testing.assert_allclose(fast[k], loop[k], rtol=1e-10, atol=1e-13, err_msg=k)
    assert np.abs(fast["dWf"] - lstm.lstm_backward(da, cache)["dWf"]).max() > 1e-6


def _ordered(grads: dict, names) -> tuple:
    return tuple(grads[f"d{k}"] for k in names)


def _scale(p: dict, m: int) -> dict:
    """Parameter gradients are of the mean cost (1/m); dx, da0 per example."""
    return {k: 1.0 / m for k in p}


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_rnn_backwards_meet_finite_differences(seed: int) -> None:
    x, a0, p, _ = _case("rnn", seed)
    m, names = x.shape[1], ["x", "a0", *p]
    assert_op_gradients(
        lambda x, a0, **q: rnn.rnn_forward(x, a0, q),
        lambda d, cache: _ordered(rnn.rnn_backward(d, cache), names),
        {"x": x, "a0": a0, **p},
        scale=_scale(p, m),
    )
    cell = {"xt": "xt", "a_prev": "a_prev"}
    assert_op_gradients(
        lambda xt, a_prev, **q: rnn.rnn_cell_forward(xt, a_prev, q),
        lambda d, cache: _ordered(rnn.rnn_cell_backward(d, cache), [*cell, *p]),
        {"xt": x[:, :, 0], "a_prev": a0, **p},
        scale=_scale(p, m),
    )


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_lstm_backwards_meet_finite_differences(seed: int) -> None:
    x, a0, p, _ = _case("lstm", seed)
    m, names = x.shape[1], ["x", "a0", *p]
    assert_op_gradients(
        lambda x, a0, **q: lstm.lstm_forward(x, a0, q),
        lambda d, cache: _ordered(lstm.lstm_backward(d, cache), names),
        {"x": x, "a0": a0, **p},
        scale=_scale(p, m),
    )
    c_prev = np.random.default_rng(seed + 3).normal(size=a0.shape)

    def cell(xt, a_prev, c_prev, **q):  # out: a_t and c_t stacked, so both are differentiated
        a, c, cache = lstm.lstm_cell_forward(xt, a_prev, c_prev, q)
        return np.concatenate([a, c]), cache

    n_a, cell_names = a0.shape[0], ["xt", "a_prev", "c_prev", *p]
    assert_op_gradients(
        cell,
        lambda d, cache: _ordered(lstm.lstm_cell_backward(d[:n_a], d[n_a:], cache), cell_names),
        {"xt": x[:, :, 0], "a_prev": a0, "c_prev": c_prev, **p},
        scale=_scale(p, m),
    )


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("update, reset", FLAGS)
def test_gru_backwards_meet_finite_differences(seed: int, update: str, reset: str) -> None:
    x, a0, p, _ = _case("gru", seed)
    m, names = x.shape[1], ["x", "a0", *p]
    assert_op_gradients(
        lambda x, a0, **q: gru.gru_forward(x, a0, q, update, reset),
        lambda d, cache: _ordered(gru.gru_backward(d, cache), names),
        {"x": x, "a0": a0, **p},
        scale=_scale(p, m),
    )
    assert_op_gradients(
        lambda xt, a_prev, **q: gru.gru_cell_forward(xt, a_prev, q, update, reset),
        lambda d, cache: _ordered(gru.gru_cell_backward(d, cache), ["xt", "a_prev", *p]),
        {"xt": x[:, :, 0], "a_prev": a0, **p},
        scale=_scale(p, m),
    )


def test_time_dense_backward_meets_finite_differences() -> None:
    g = np.random.default_rng(5)
    a, Wy, by = g.normal(size=(3, 2, 4)), g.normal(size=(5, 3)), g.normal(size=(5, 1))
    assert_op_gradients(
        lambda a, Wy, by: sequence.time_dense_forward(a, Wy, by),
        sequence.time_dense_backward,
        {"a": a, "Wy": Wy, "by": by},
        scale={"Wy": 1 / 2, "by": 1 / 2},
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reset", ["before", "after"])
def test_gru_update_conventions_map_by_z_equals_one_minus_gamma_u(seed: int, reset: str) -> None:
    """The course's Gamma_u multiplies the candidate, PyTorch's z the old state: with the update
    gate's weights negated, z = sigma(-s) = 1 - Gamma_u and the states are identical."""
    x, a0, p, _ = _case("gru", seed)
    a_course, c1 = gru.gru_forward(x, a0, p, "candidate", reset)
    flipped = {**p, "Wu": -p["Wu"], "bu": -p["bu"]}
    a_torch, c2 = gru.gru_forward(x, a0, flipped, "state", reset)
    np.testing.assert_allclose(a_course, a_torch, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c2["u"], 1.0 - c1["u"], rtol=1e-12, atol=1e-14)
    other = "after" if reset == "before" else "before"
    assert np.abs(gru.gru_forward(x, a0, flipped, "state", other)[0] - a_course).max() > 1e-6


def test_the_loop_narrates_every_gate_and_the_cell_path() -> None:
    x, a0, p, da = _case("lstm", 1)
    with record() as tr:
        _, caches = recurrent_loops.lstm_forward_loop(x, a0, p)
        recurrent_loops.lstm_backward_loop(da, caches)
    T = x.shape[2]
    steps = tr.find("lstm.step")
    assert [r.info["t"] for r in steps] == list(range(T))
    back = tr.find("lstm.step_backward")
    assert [r.info["t"] for r in back] == list(range(T - 1, -1, -1))
    for r, cache in zip(back, reversed(caches), strict=True):
        np.testing.assert_allclose(r["dc_prev"], r["dc"] * cache["f"], rtol=1e-14)
    for r in steps:
        np.testing.assert_allclose(r["c"], r["f"] * r["c_prev"] + r["i"] * r["cc"], rtol=1e-13)
        np.testing.assert_allclose(r["a"], r["o"] * np.tanh(r["c"]), rtol=1e-13)
    with record() as quiet:
        lstm.lstm_backward(da, lstm.lstm_forward(x, a0, p)[1])
    assert not quiet.records  # the fast path never narrates


def _labels(V: int, m: int, T: int, seed: int, pad: int = 0) -> np.ndarray:
    idx = np.random.default_rng(seed).integers(0, V, size=(m, T))
    Y = sequence_data.one_hot_sequences(idx, V)
    if pad:
        Y[:, 0, T - pad :] = 0.0  # the first sequence is shorter: its last steps are padding
    return Y


MODELS = {
    "lstm-generator": lambda: [LSTM(3, 4, rng=0), TimeDense(4, 5, "softmax", rng=1)],
    "stacked-gru-rnn": lambda: [
        GRU(3, 4, rng=0, update="state", reset="after"),
        SimpleRNN(4, 3, rng=2),
        TimeDense(3, 5, "softmax", rng=1),
    ],
    "bidirectional": lambda: [
        Bidirectional(LSTM(3, 4, rng=0), GRU(3, 4, rng=3)),
        TimeDense(8, 5, "softmax", rng=1),
    ],
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_recurrent_models_pass_a_gradient_check_with_padding(name: str) -> None:
    X = np.random.default_rng(4).normal(size=(3, 4, 6))
    model = Sequential(MODELS[name](), loss="cross_entropy")
    errors = gradcheck.check_model(model, X, _labels(5, 4, 6, 5, pad=2))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cell", [SimpleRNN, LSTM, GRU])
def test_a_sequence_classifier_passes_a_gradient_check(cell) -> None:
    X = np.random.default_rng(6).normal(size=(3, 5, 7))
    Y = (np.arange(5)[None] % 2).astype(float)
    model = Sequential([cell(3, 4, return_sequences=False, rng=0), Dense(4, 1, "sigmoid", rng=1)])
    errors = gradcheck.check_model(model, X, Y)
    assert max(errors.values()) < 1e-6, errors


def test_padded_steps_add_nothing_and_get_no_gradient() -> None:
    X = np.random.default_rng(7).normal(size=(3, 4, 6))
    Y = _labels(5, 4, 6, 8, pad=2)
    model = Sequential(MODELS["lstm-generator"](), loss="cross_entropy")
    AL = model.forward(X)
    J = model.cost(AL, Y)
    with record() as tr:
        model.backward(AL, Y)
    dZ = tr.last("time_dense2.backward")["dZ"]
    assert np.all(dZ[:, 0, 4:] == 0.0) and np.abs(dZ[:, 0, :4]).max() > 0
    terms = -np.sum(Y * np.log(AL)) / 4
    assert J == pytest.approx(terms, rel=1e-12)
    assert losses.perplexity(AL, Y) == pytest.approx(np.exp(-np.sum(Y * np.log(AL)) / 22))


def test_bidirectional_reads_the_sequence_both_ways() -> None:
    """Its second half is the backward layer run on the reversed sequence, put back in order."""
    X = np.random.default_rng(9).normal(size=(3, 2, 5))
    bi = Bidirectional(LSTM(3, 4, rng=0), LSTM(3, 4, rng=1))
    A = bi.forward(X)
    alone = LSTM(3, 4, rng=1)
    np.testing.assert_allclose(A[4:], alone.forward(X[:, :, ::-1])[:, :, ::-1], rtol=1e-14)
    np.testing.assert_allclose(A[:4], LSTM(3, 4, rng=0).forward(X), rtol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_keeps_direction_by_norm_and_bounds_by_value(seed: int) -> None:
    g = np.random.default_rng(seed)
    grads = {"dW1": g.normal(size=(3, 4)) * 10, "db1": g.normal(size=(3, 1)) * 10}
    norm = clipping.global_norm(grads)
    clipped, before = clipping.clip_by_norm(grads, 1.0)
    assert before == pytest.approx(norm) and clipping.global_norm(clipped) == pytest.approx(1.0)
    for k in grads:
        np.testing.assert_allclose(clipped[k] * norm, grads[k], rtol=1e-12)
    same, _ = clipping.clip_by_norm(grads, 2 * norm)
    assert all(np.array_equal(same[k], grads[k]) for k in grads)
    by_value = clipping.clip_by_value(grads, 0.5)
    assert all(np.abs(v).max() <= 0.5 for v in by_value.values())


def test_fit_clips_and_reports_the_norm_before_clipping() -> None:
    X, Y = sequence_data.memory_task(32, 10, seed=0)

    def run(**clip):
        model = Sequential(
            [SimpleRNN(1, 4, return_sequences=False, rng=0), Dense(4, 1, "sigmoid", rng=1)]
        )
        return model.fit(X, Y, learning_rate=0.5, num_iterations=3, **clip)

    free, clipped = run(), run(clip_norm=1e-3)
    assert free["grad_norm"][0] == pytest.approx(clipped["grad_norm"][0])
    assert free["grad_norm"][0] > 1e-3 and free["cost"][-1] != clipped["cost"][-1]
    assert len(free["grad_norm"]) == 3


# -- the data sets -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_markov_source_entropy_is_the_mean_surprise_of_its_samples(seed: int) -> None:
    src = sequence_data.MarkovSource("abcd", order=2, seed=seed)
    s = src.sample(400, 60, seed=seed + 1)
    V, n = src.V, len(src.contexts)
    c = s[:, 0] * V + s[:, 1]
    surprise = []
    for t in range(2, s.shape[1]):
        surprise.append(-np.log(src.P[c % n, s[:, t]]))
        c = c * V + s[:, t]
    assert np.mean(surprise) == pytest.approx(src.entropy_rate(), rel=0.03)
    assert 0 < src.entropy_rate() < np.log(V)


def test_memory_task_label_is_the_first_bit() -> None:
    X, Y = sequence_data.memory_task(50, 8, seed=3)
    assert X.shape == (1, 50, 8) and Y.shape == (1, 50)
    np.testing.assert_array_equal(Y[0], (X[0, :, 0] > 0).astype(float))
    assert set(np.unique(X)) == {-1.0, 1.0}


# -- PyTorch parity, only where torch is installed (never a dependency) ---------------------------
def test_lstm_and_gru_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(0)
    n_x, n_a, m, T = 3, 4, 2, 5
    x = g.normal(size=(n_x, m, T))
    xt = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)  # (T, m, n_x)
    p = _params("lstm", n_x, n_a, g)
    net = torch.nn.LSTM(n_x, n_a).double()
    order = "ifco"  # torch's rows: input, forget, cell (g), output
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(np.concatenate([p[f"W{k}"][:, n_a:] for k in order])))
        net.weight_hh_l0.copy_(torch.tensor(np.concatenate([p[f"W{k}"][:, :n_a] for k in order])))
        net.bias_ih_l0.copy_(torch.tensor(np.concatenate([p[f"b{k}"][:, 0] for k in order])))
        net.bias_hh_l0.zero_()
    a, _ = lstm.lstm_forward(x, None, p)
    out, _ = net(xt)
    np.testing.assert_allclose(out.detach().numpy().transpose(2, 1, 0), a, rtol=1e-10)
    pg = _params("gru", n_x, n_a, g)
    net = torch.nn.GRU(n_x, n_a).double()
    order = "ruc"  # torch's rows: reset, update (z), new
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(np.concatenate([pg[f"W{k}"][:, n_a:] for k in order])))
        net.weight_hh_l0.copy_(torch.tensor(np.concatenate([pg[f"W{k}"][:, :n_a] for k in order])))
        net.bias_ih_l0.copy_(torch.tensor(np.concatenate([pg[f"b{k}"][:, 0] for k in order])))
        net.bias_hh_l0.zero_()
    a, _ = gru.gru_forward(x, None, pg, update="state", reset="after")
    out, _ = net(xt)
    np.testing.assert_allclose(out.detach().numpy().transpose(2, 1, 0), a, rtol=1e-10)
