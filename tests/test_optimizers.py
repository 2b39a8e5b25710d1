"""Optimizers, schedules, EWA, minimize and mini-batch training (tier 2, engine).

First steps are checked against numbers worked out by hand from each formula, written below as
arithmetic: parameter ``x = 1`` with gradients ``g1 = 2`` then ``g2 = -1``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualdl import trace
from visualdl.engine import data, mlp, optimizers
from visualdl.engine.averaging import ewa
from visualdl.engine.data import mini_batches
from visualdl.engine.descent import minimize
from visualdl.engine.optimizers import DEFAULTS, OPTIMIZERS, Optimizer, check_hyper, step
from visualdl.engine.schedules import (
    cosine_warmup,
    exponential,
    inverse_sqrt,
    inverse_time,
    staircase,
)
from visualdl.engine.surfaces import SURFACES, get

EPS = 1e-8
G1, G2 = 2.0, -1.0


def two_steps(name: str, **hyper) -> tuple[float, float, dict]:
    """x after one and two steps from x = 1 with gradients 2 then -1, and the final state."""
    params, state = {"x": np.array(1.0)}, None
    xs = []
    for g in (G1, G2):
        params, state = step(name, params, {"dx": np.array(g)}, state, hyper)
        xs.append(float(params["x"]))
    return xs[0], xs[1], state


# -- first two steps, by hand -----------------------------------------------------------------
def test_gd_by_hand():
    x1, x2, state = two_steps("gd", lr=0.1)
    assert x1 == pytest.approx(1 - 0.1 * 2)  # 0.8
    assert x2 == pytest.approx(0.8 - 0.1 * -1)  # 0.9
    assert state == {"t": 2}


def test_momentum_ema_by_hand():
    x1, x2, state = two_steps("momentum", lr=0.1, beta=0.9)
    V1 = 0.9 * 0 + (1 - 0.9) * 2  # 0.2
    assert x1 == pytest.approx(1 - 0.1 * V1)  # 0.98
    V2 = 0.9 * V1 + (1 - 0.9) * -1  # 0.08
    assert x2 == pytest.approx(0.98 - 0.1 * V2)  # 0.972
    assert float(state["Vdx"]) == pytest.approx(0.08) and state["t"] == 2


def test_momentum_classic_by_hand():
    x1, x2, state = two_steps("momentum", lr=0.1, beta=0.9, form="classic")
    V1 = 0.9 * 0 + 2  # 2
    assert x1 == pytest.approx(1 - 0.1 * V1)  # 0.8
    V2 = 0.9 * V1 + -1  # 0.8
    assert x2 == pytest.approx(0.8 - 0.1 * V2)  # 0.72
    assert float(state["Vdx"]) == pytest.approx(0.8)


def test_nesterov_by_hand():
    x1, x2, state = two_steps("nesterov", lr=0.1, beta=0.9)
    V1 = 0.1 * 2  # 0.2, as momentum
    assert x1 == pytest.approx(1 - 0.1 * (0.9 * V1 + 0.1 * 2))  # 1 - 0.038 = 0.962
    V2 = 0.9 * V1 + 0.1 * -1  # 0.08
    assert x2 == pytest.approx(0.962 - 0.1 * (0.9 * V2 + 0.1 * -1))  # 0.962 + 0.0028
    assert float(state["Vdx"]) == pytest.approx(0.08)


def test_adagrad_by_hand():
    x1, x2, state = two_steps("adagrad", lr=0.1)
    S1 = 0 + 2**2  # 4
    assert x1 == pytest.approx(1 - 0.1 * 2 / (math.sqrt(S1) + EPS))  # 0.9
    S2 = S1 + (-1) ** 2  # 5
    assert x2 == pytest.approx(x1 - 0.1 * -1 / (math.sqrt(S2) + EPS))  # 0.9 + 0.0447
    assert float(state["Sdx"]) == 5.0


def test_rmsprop_by_hand():
    x1, x2, state = two_steps("rmsprop", lr=0.1, beta=0.9)
    S1 = 0.9 * 0 + 0.1 * 2**2  # 0.4
    assert x1 == pytest.approx(1 - 0.1 * 2 / (math.sqrt(S1) + EPS))  # 0.6838
    S2 = 0.9 * S1 + 0.1 * (-1) ** 2  # 0.46
    assert x2 == pytest.approx(x1 - 0.1 * -1 / (math.sqrt(S2) + EPS))
    assert float(state["Sdx"]) == pytest.approx(0.46)


def adam_by_hand(weight_decay: float = 0.0) -> tuple[float, float]:
    V1, S1 = 0.1 * 2, 0.001 * 2**2  # 0.2, 0.004
    Vc1, Sc1 = V1 / (1 - 0.9), S1 / (1 - 0.999)  # 2, 4
    x1 = 1 - 0.1 * Vc1 / (math.sqrt(Sc1) + EPS) - 0.1 * weight_decay * 1  # ~0.9
    V2, S2 = 0.9 * V1 + 0.1 * -1, 0.999 * S1 + 0.001 * (-1) ** 2  # 0.08, 0.004996
    Vc2, Sc2 = V2 / (1 - 0.9**2), S2 / (1 - 0.999**2)  # 0.08/0.19, 0.004996/0.001999
    x2 = x1 - 0.1 * Vc2 / (math.sqrt(Sc2) + EPS) - 0.1 * weight_decay * x1
    return x1, x2


def test_adam_by_hand():
    x1, x2, state = two_steps("adam", lr=0.1)
    assert (x1, x2) == pytest.approx(adam_by_hand())
    assert x1 == pytest.approx(0.9)  # first step = lr
    assert float(state["Vdx"]) == pytest.approx(0.08) and float(state["Sdx"]) == pytest.approx(
        0.004996
    )


def test_adamw_by_hand():
    x1, x2, _ = two_steps("adamw", lr=0.1, weight_decay=0.01)
    assert (x1, x2) == pytest.approx(adam_by_hand(weight_decay=0.01))
    assert x1 == pytest.approx(1 - 0.1 - 0.1 * 0.01 * 1)  # 0.899


def test_defaults_are_the_notes():
    assert DEFAULTS["momentum"]["beta"] == 0.9 and DEFAULTS["rmsprop"]["beta"] == 0.9
    assert DEFAULTS["adam"] == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert DEFAULTS["momentum"]["form"] == "ema"
    assert set(OPTIMIZERS) == set(DEFAULTS)


# -- the pure step ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_step_is_pure_and_counts(name):
    params = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.full((2, 3), 0.5), "db1": np.full((2, 1), -0.5)}
    before = {k: v.copy() for k, v in params.items()}
    new, state = step(name, params, grads, None, {})
    new2, state2 = step(name, new, grads, state, {})
    assert all(np.array_equal(params[k], before[k]) for k in params)  # inputs untouched
    assert state["t"] == 1 and state2["t"] == 2
    assert all(new[k].shape == params[k].shape for k in params)
    again, _ = OPTIMIZERS[name](params, grads, None, {})  # the table's functions are the same
    assert all(np.array_equal(again[k], new[k]) for k in params)


def test_step_wants_a_gradient_per_parameter():
    with pytest.raises(ValueError, match=r"no gradient for \['b1'\]"):
        step("gd", {"W1": np.ones(2), "b1": np.ones(1)}, {"dW1": np.ones(2)}, None, {})


# -- momentum's two forms, nesterov -----------------------------------------------------------
@pytest.mark.parametrize("surface", ["bowl", "rosenbrock", "beale"])
def test_momentum_forms_are_equivalent(surface):
    s, lr, beta = get(surface), 0.001, 0.9
    ema = minimize(s, Optimizer("momentum", lr=lr, beta=beta), steps=500)
    classic = minimize(
        s, Optimizer("momentum", lr=lr * (1 - beta), beta=beta, form="classic"), steps=500
    )
    for k in ("x", "y"):
        np.testing.assert_allclose(classic.params[k], ema.params[k], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(classic.state["Vdx"] * (1 - beta), ema.state["Vdx"], rtol=1e-9)


def test_momentum_forms_differ_at_the_same_rate():
    s = get("bowl")
    ema = minimize(s, Optimizer("momentum", lr=0.01), steps=20)
    classic = minimize(s, Optimizer("momentum", lr=0.01, form="classic"), steps=20)
    assert not np.allclose(ema.params["x"], classic.params["x"])


def test_nesterov_differs_from_momentum():
    s = get("bowl")
    mom = minimize(s, Optimizer("momentum", lr=0.5), steps=30)
    nag = minimize(s, Optimizer("nesterov", lr=0.5), steps=30)
    assert mom.params["x"][1] != nag.params["x"][1]
    assert np.abs(mom.params["y"] - nag.params["y"]).max() > 1e-2


def test_momentum_with_beta_zero_is_gd():
    s = get("beale")
    gd = minimize(s, Optimizer("gd", lr=0.01), steps=50)
    mom = minimize(s, Optimizer("momentum", lr=0.01, beta=0.0), steps=50)
    np.testing.assert_allclose(mom.params["x"], gd.params["x"], rtol=1e-14)


# -- the adaptive methods on vectors ----------------------------------------------------------
G_VEC = np.array([4.0, -0.01, 100.0, -3.0])


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adam", "adamw", "adam_notes"])
def test_adaptive_methods_act_per_coordinate(name):
    """A vector step equals the four scalar steps, coordinate by coordinate."""
    theta = np.array([0.5, -1.0, 2.0, 0.0])
    vec, state = {"W1": theta}, None
    scalars = [({"W1": np.array(v)}, None) for v in theta]
    for k in range(3):
        g = G_VEC * (k + 1) * (-1) ** k
        vec, state = step(name, vec, {"dW1": g}, state, {"lr": 0.1})
        scalars = [
            step(name, p, {"dW1": np.array(gi)}, s, {"lr": 0.1})
            for (p, s), gi in zip(scalars, g, strict=True)
        ]
    np.testing.assert_allclose(vec["W1"], [float(p["W1"]) for p, _ in scalars], rtol=1e-15)
    assert state["t"] == 3


def test_adam_first_step_is_lr_per_coordinate_whatever_the_gradient():
    new, _ = step("adam", {"W1": np.zeros(4)}, {"dW1": G_VEC}, None, {"lr": 0.1})
    np.testing.assert_allclose(-new["W1"], 0.1 * np.sign(G_VEC), rtol=1e-5)


def test_adagrad_and_rmsprop_normalise_the_step():
    """First step: adagrad moves lr, rmsprop lr / sqrt(1 - beta) per coordinate."""
    ada, _ = step("adagrad", {"W1": np.zeros(4)}, {"dW1": G_VEC}, None, {"lr": 0.1})
    rms, _ = step("rmsprop", {"W1": np.zeros(4)}, {"dW1": G_VEC}, None, {"lr": 0.1})
    np.testing.assert_allclose(-ada["W1"], 0.1 * np.sign(G_VEC), rtol=1e-5)
    np.testing.assert_allclose(-rms["W1"], 0.1 / np.sqrt(0.1) * np.sign(G_VEC), rtol=1e-5)


def test_adam_notes_first_step_is_about_ten_times_adams():
    g = {"dx": np.array(0.3)}
    right, _ = step("adam", {"x": np.array(0.0)}, g, None, {})
    notes, _ = step("adam_notes", {"x": np.array(0.0)}, g, None, {})
    ratio = float(notes["x"] / right["x"])
    assert ratio == pytest.approx(10.0, rel=1e-6)  # sqrt((1 - 0.9) / (1 - 0.999))
    assert float(-right["x"]) == pytest.approx(DEFAULTS["adam"]["lr"], rel=1e-6)


def test_adam_notes_gap_closes_over_time():
    s = get("bowl")
    right = minimize(s, Optimizer("adam", lr=0.01), steps=300)
    notes = minimize(s, Optimizer("adam_notes", lr=0.01), steps=300)
    step_right = np.hypot(*(np.diff(right.params[k]) for k in "xy"))
    step_notes = np.hypot(*(np.diff(notes.params[k]) for k in "xy"))
    assert step_notes[0] / step_right[0] == pytest.approx(10, rel=1e-4)
    assert step_notes[0] / step_right[0] > step_notes[50] / step_right[50]


# -- AdamW ------------------------------------------------------------------------------------
def test_adamw_without_decay_is_adam():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
    a, w, sa, sw = params, params, None, None
    for k in range(5):
        grads = {"dW1": np.array([[0.3, -0.1]]) * (k + 1), "db1": np.array([[0.2]])}
        a, sa = step("adam", a, grads, sa, {"lr": 0.05})
        w, sw = step("adamw", w, grads, sw, {"lr": 0.05, "weight_decay": 0.0})
    assert all(np.array_equal(a[k], w[k]) for k in params)


def test_adamw_decays_every_key_but_those_named_no_decay():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
    zero = {"dW1": np.zeros((1, 2)), "db1": np.zeros((1, 1))}  # Adam's own step is then 0
    hyper = {"lr": 0.1, "weight_decay": 0.5}
    new, _ = step("adamw", params, zero, None, hyper, no_decay={"b1"})
    np.testing.assert_allclose(new["W1"], params["W1"] * (1 - 0.1 * 0.5))
    np.testing.assert_array_equal(new["b1"], params["b1"])
    every, _ = step("adamw", params, zero, None, hyper)  # like PyTorch without param groups
    np.testing.assert_allclose(every["b1"], params["b1"] * (1 - 0.1 * 0.5))


def test_layers_declare_what_weight_decay_leaves_alone():
    from visualdl.engine import BatchNorm, Conv2D, Dense, Flatten, Sequential

    model = Sequential(
        [Conv2D(1, 2, 3, rng=0), BatchNorm(2, layout="conv"), Flatten(), Dense(8, 1, "sigmoid")]
    )
    assert model.no_decay() == {"b1", "gamma2", "beta2", "b3"}  # not the first letter of a key
    assert set(model.params) - model.no_decay() == {"W1", "W3"}


def test_the_logistic_surfaces_bias_is_not_decayed():
    from visualdl.engine.descent import minimize
    from visualdl.engine.surfaces import get

    flat = get("bowl").__class__(
        **{**get("logistic").__dict__, "grad": lambda x, y: (0 * x, 0 * y)}
    )
    path = minimize(flat, Optimizer("adamw", lr=0.1, weight_decay=0.5), steps=1)
    x0, y0 = flat.start
    assert path.params["x"][1] == pytest.approx(x0 * (1 - 0.05))
    assert path.params["y"][1] == y0


def test_adamw_decay_is_decoupled_from_the_gradient_scale():
    """L2 in the loss would be divided by sqrt(S); AdamW's decay is not."""
    params = {"W1": np.array([2.0])}
    small, _ = step("adamw", params, {"dW1": np.array([1e-3])}, None, {"lr": 0.1})
    big, _ = step("adamw", params, {"dW1": np.array([1e3])}, None, {"lr": 0.1})
    np.testing.assert_allclose(small["W1"], big["W1"], rtol=1e-6)  # both 2 - 0.1 - 0.1*0.01*2


# -- state named as in the notes, on a model --------------------------------------------------
def test_model_fit_with_adam_keeps_notes_state_names():
    X, Y = data.xor()
    model = mlp([2, 4, 1], seed=0)
    opt = Optimizer("adam", lr=0.01)
    model.fit(X, Y, optimizer=opt, num_iterations=3)
    keys = {f"{m}d{k}" for k in ("W1", "b1", "W2", "b2") for m in "VS"}
    assert set(opt.state) == keys | {"t"} and opt.state["t"] == 3
    assert opt.state["VdW1"].shape == model.params["W1"].shape == (4, 2)
    assert opt.state["Sdb2"].shape == (1, 1)


def test_model_fit_accepts_optimizer_names():
    X, Y = data.two_moons(100, seed=0)
    costs = {}
    for name in ("momentum", "rmsprop", "adam"):
        model = mlp([2, 8, 1], seed=0)
        costs[name] = model.fit(X, Y, learning_rate=0.01, num_iterations=50, optimizer=name)
    assert all(h["cost"][-1] < h["cost"][0] for h in costs.values())


# -- bad hyper-parameters ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, hyper, match",
    [
        ("gd", {"lr": 0.0}, r"gd: lr must be > 0, got 0.0"),
        ("adam", {"lr": -0.1}, r"adam: lr must be > 0, got -0.1"),
        ("gd", {"lr": float("nan")}, r"gd: lr must be a finite number > 0, got nan"),
        ("momentum", {"beta": 1.0}, r"momentum: beta must be in \[0, 1\), got 1.0"),
        ("rmsprop", {"beta": -0.1}, r"rmsprop: beta must be in \[0, 1\)"),
        ("adam", {"beta1": 1.0}, r"adam: beta1 must be in \[0, 1\)"),
        ("adamw", {"beta2": 1.5}, r"adamw: beta2 must be in \[0, 1\)"),
        ("adagrad", {"eps": 0.0}, r"adagrad: eps must be > 0, got 0.0"),
        ("adam", {"eps": -1e-8}, r"adam: eps must be > 0"),
        ("adamw", {"weight_decay": -0.1}, r"weight_decay must be >= 0"),
        ("momentum", {"form": "heavy-ball"}, r"form must be 'ema' or 'classic'"),
        ("adamax", {}, r"Optimizer: name must be one of \[.*'adam'.*\], got 'adamax'"),
        ("gd", {"beta": 0.9}, r"gd: unknown hyper-parameter\(s\) \['beta'\]"),
        ("adam", {"momentum": 0.9}, r"adam: unknown hyper-parameter"),
    ],
)
def test_bad_hyper_parameters_raise(name, hyper, match):
    with pytest.raises(ValueError, match=match):
        check_hyper(name, hyper)
    with pytest.raises(ValueError, match=match):
        Optimizer(name, **hyper)


def test_a_bad_scheduled_rate_raises_at_the_step():
    opt = Optimizer("gd", lr=0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        opt.step({"x": np.array(1.0)}, {"dx": np.array(1.0)}, lr=0.0)


# -- schedules --------------------------------------------------------------------------------
def test_inverse_time_known_points():
    assert [float(inverse_time(i, a0=1.0, decay=0.05)) for i in (0, 20, 100)] == pytest.approx(
        [1.0, 0.5, 1 / 6]
    )
    assert float(inverse_time(10, a0=0.2, decay=0.1)) == pytest.approx(0.1)


def test_exponential_known_points():
    assert float(exponential(10, a0=0.3)) == pytest.approx(0.95**10 * 0.3)
    assert float(exponential(10, a0=1.0)) == pytest.approx(0.5987, abs=1e-4)
    assert float(exponential(0, a0=0.3)) == 0.3


def test_inverse_sqrt_known_points_and_epoch_zero():
    assert float(inverse_sqrt(4, a0=0.5, k=1.0)) == pytest.approx(0.25)
    assert float(inverse_sqrt(1, a0=0.5, k=2.0)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="inverse_sqrt: epoch must be a finite number >= 1"):
        inverse_sqrt(0)


def test_staircase_is_constant_on_each_stair():
    lr = staircase(np.arange(30), a0=1.0, drop=0.5, every=10)
    np.testing.assert_array_equal(lr, [1.0] * 10 + [0.5] * 10 + [0.25] * 10)


def test_cosine_warmup_endpoints():
    s = np.arange(0, 121)
    lr = cosine_warmup(s, a0=0.1, total=100, warmup=10, a_min=0.001)
    assert lr[0] == 0.0 and lr[5] == pytest.approx(0.05) and lr[10] == pytest.approx(0.1)
    assert lr[55] == pytest.approx((0.1 + 0.001) / 2)  # half way down the cosine
    assert lr[100] == pytest.approx(0.001) and np.all(lr[100:] == pytest.approx(0.001))
    assert np.all(np.diff(lr[:11]) > 0) and np.all(np.diff(lr[10:101]) < 0)


def test_schedules_take_arrays_and_reject_bad_input():
    np.testing.assert_allclose(inverse_time(np.array([0, 20])), [1.0, 0.5])
    with pytest.raises(ValueError, match="inverse_time: epoch"):
        inverse_time(-1)
    with pytest.raises(ValueError, match="exponential: base"):
        exponential(1, base=1.5)
    with pytest.raises(ValueError, match="cosine_warmup: need 0 <= warmup < total"):
        cosine_warmup(1, total=10, warmup=10)


def test_schedule_drives_minimize_and_fit():
    path = minimize(get("bowl"), Optimizer("gd"), steps=5, schedule=lambda t: inverse_time(t))
    np.testing.assert_allclose(path.lr, [1 / (1 + 0.05 * t) for t in range(5)])
    X, Y = data.xor()
    model = mlp([2, 4, 1], seed=0)
    opt = Optimizer("gd", lr=0.5)
    with trace.record() as tr:
        model.fit(X, Y, optimizer=opt, num_iterations=3, schedule=lambda e: 0.5 * 0.5**e)
    assert [r.info["lr"] for r in tr.find("optimizer.step")] == [0.5, 0.25, 0.125]


# -- exponentially weighted averages ----------------------------------------------------------
def test_ewa_raw_and_corrected_on_a_constant_series():
    g, beta, T = 3.0, 0.9, 40
    raw = ewa(np.full(T, g), beta)
    corrected = ewa(np.full(T, g), beta, bias_correction=True)
    np.testing.assert_allclose(raw, (1 - beta ** np.arange(1, T + 1)) * g, rtol=1e-12)
    np.testing.assert_allclose(corrected, g, rtol=1e-12)
    assert raw[0] == pytest.approx(0.3)  # (1 - beta) g: 10x too small at t = 1


def test_ewa_by_hand_and_bad_input():
    v = ewa(np.array([1.0, 3.0]), 0.5)
    assert v.tolist() == [0.5 * 1.0, 0.5 * 0.5 + 0.5 * 3.0]  # [0.5, 1.75]
    with pytest.raises(ValueError, match=r"ewa: beta must be in \[0, 1\)"):
        ewa(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="1-D series"):
        ewa(np.ones((2, 2)), 0.5)


@settings(derandomize=True, max_examples=60)
@given(
    beta=st.floats(0.0, 0.99),
    g=st.floats(-1e3, 1e3, allow_nan=False).filter(lambda v: abs(v) > 1e-6),
    T=st.integers(1, 200),
)
def test_ewa_bias_corrected_constant_is_the_constant(beta, g, T):
    corrected = ewa(np.full(T, g), beta, bias_correction=True)
    np.testing.assert_allclose(corrected, g, rtol=1e-9)


@settings(derandomize=True, max_examples=40)
@given(beta=st.floats(0.0, 0.99), seed=st.integers(0, 2**16))
def test_ewa_stays_within_the_range_of_the_series(beta, seed):
    series = np.random.default_rng(seed).uniform(-2, 5, 30)
    v = ewa(series, beta, bias_correction=True)
    assert np.all(v >= series.min() - 1e-9) and np.all(v <= series.max() + 1e-9)


# -- minimize and divergence ------------------------------------------------------------------
def test_minimize_stops_on_divergence_and_keeps_only_finite_values():
    with np.errstate(over="ignore", invalid="ignore"):
        path = minimize(get("rosenbrock"), Optimizer("gd", lr=0.01), steps=200)
    assert path.diverged_at is not None and 1 <= path.diverged_at < 200
    n = path.diverged_at  # points 0..n-1 were finite; step n produced inf/NaN
    assert len(path.loss) == n and len(path.params["x"]) == n and len(path.lr) == n - 1
    assert np.all(np.isfinite(path.loss))
    assert all(np.all(np.isfinite(v)) for v in path.params.values())


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_minimize_converging_runs_report_no_divergence(name):
    path = minimize(get(name), Optimizer("adam", lr=0.01), steps=100)
    assert path.diverged_at is None and len(path.loss) == 101 and len(path.lr) == 100
    assert path.state["t"] == 100


def test_minimize_reaches_the_bowl_minimum_and_rejects_zero_steps():
    path = minimize(get("bowl"), Optimizer("momentum", lr=0.5), steps=300)
    assert path.loss[-1] < 1e-8 and path.loss[-1] < path.loss[0]
    with pytest.raises(ValueError, match="minimize: steps must be an int >= 1"):
        minimize(get("bowl"), Optimizer("gd"), steps=0)


def test_minimize_starts_where_asked():
    path = minimize(get("saddle"), Optimizer("gd", lr=0.1), steps=3, start={"x": 1.0, "y": 0.0})
    np.testing.assert_allclose(path.params["x"], [1.0, 0.8, 0.64, 0.512])
    np.testing.assert_array_equal(path.params["y"], 0.0)  # the saddle point's ridge


# -- mini-batches -----------------------------------------------------------------------------
def columns(m: int = 10) -> tuple[np.ndarray, np.ndarray]:
    X = np.vstack([np.arange(m), -np.arange(m)]).astype(float)  # column j holds (j, -j)
    return X, np.arange(m)[None, :].astype(float)


def test_mini_batch_sizes_and_cover():
    X, Y = columns(10)
    batches = mini_batches(X, Y, 4, np.random.default_rng(0))
    assert [b[0].shape[1] for b in batches] == [4, 4, 2]
    seen = np.concatenate([Yb[0] for _, Yb in batches])
    assert sorted(seen.tolist()) == list(range(10))  # every column exactly once
    for Xb, Yb in batches:
        np.testing.assert_array_equal(Xb[0], Yb[0])  # X and Y shuffled together
        np.testing.assert_array_equal(Xb[1], -Yb[0])


def test_mini_batches_same_seed_same_order():
    X, Y = columns(10)
    a = mini_batches(X, Y, 3, np.random.default_rng(7))
    b = mini_batches(X, Y, 3, np.random.default_rng(7))
    c = mini_batches(X, Y, 3, np.random.default_rng(8))
    order = [np.concatenate([y[0] for _, y in batches]).tolist() for batches in (a, b, c)]
    assert order[0] == order[1] and order[0] != order[2]
    assert order[0] != list(range(10))  # shuffled


def test_mini_batches_none_is_one_unshuffled_batch_and_bad_sizes_raise():
    X, Y = columns(10)
    ((Xb, Yb),) = mini_batches(X, Y, None, np.random.default_rng(0))
    np.testing.assert_array_equal(Xb, X)
    np.testing.assert_array_equal(Yb, Y)
    assert len(mini_batches(X, Y, 1, np.random.default_rng(0))) == 10
    assert len(mini_batches(X, Y, 64, np.random.default_rng(0))) == 1
    for bad in (0, -3):
        with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
            mini_batches(X, Y, bad, np.random.default_rng(0))
    with pytest.raises(ValueError, match="same m"):
        mini_batches(X, Y[:, :5], 2, np.random.default_rng(0))


@pytest.mark.parametrize("batch_size, per_epoch", [(None, 1), (150, 1), (64, 3), (1, 150)])
def test_fit_batch_minibatch_stochastic(batch_size, per_epoch):
    X, Y = data.two_moons(150, seed=1)
    model = mlp([2, 8, 1], seed=0)
    history = model.fit(
        X, Y, learning_rate=0.05, num_iterations=4, every=1, batch_size=batch_size, seed=3
    )
    assert len(history["step_cost"]) == 4 * per_epoch
    assert len(history["cost"]) == 4 and np.all(np.isfinite(history["step_cost"]))


def test_fit_minibatch_is_reproducible_with_a_seed():
    X, Y = data.two_moons(100, seed=1)
    runs = []
    for seed in (5, 5, 6):
        model = mlp([2, 8, 1], seed=0)
        runs.append(model.fit(X, Y, num_iterations=3, batch_size=16, seed=seed)["step_cost"])
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_fit_reproduces_full_batch_gradient_descent():
    """The default fit (gd, no batches) takes exactly the steps W := W - alpha dW."""
    X, Y = data.xor()
    model = mlp([2, 4, 1], init="scaled_normal", seed=np.random.RandomState(1))
    manual = mlp([2, 4, 1], init="scaled_normal", seed=np.random.RandomState(1))
    history = model.fit(X, Y, learning_rate=0.1, num_iterations=200, every=1)
    costs = [manual.train_step(X, Y, 0.1) for _ in range(200)]
    np.testing.assert_allclose(history["cost"], costs, rtol=0, atol=0)
    np.testing.assert_array_equal(model.params["W1"], manual.params["W1"])


# -- trace recording --------------------------------------------------------------------------
def test_optimizer_steps_are_recorded():
    opt = Optimizer("adam", lr=0.1)
    params = {"x": np.array(1.0), "y": np.array(-1.0)}
    s = get("bowl")
    with trace.record() as tr:
        for _ in range(3):
            params = opt.step(params, s.gradients(params), loss=s.loss(params))
    recs = tr.find("optimizer.step")
    assert [r.info["t"] for r in recs] == [1, 2, 3]
    first = recs[0]
    assert first.info["optimizer"] == "adam" and first.info["lr"] == 0.1
    assert first.info["loss"] == pytest.approx(0.1 * 1 + 2 * 1)
    assert {"x", "y", "dx", "dy", "Vdx", "Sdx", "Vdy", "Sdy"} <= set(first.arrays)
    assert float(first["dx"]) == pytest.approx(0.2) and float(first["Vdx"]) == pytest.approx(0.02)


def test_recording_is_off_outside_a_block_and_reset_forgets():
    opt = Optimizer("momentum", lr=0.1)
    opt.step({"x": np.array(1.0)}, {"dx": np.array(1.0)})
    assert trace.current() is None and opt.state["t"] == 1
    opt.reset()
    assert opt.state is None


def test_fit_records_every_optimizer_step():
    X, Y = data.two_moons(40, seed=0)
    model = mlp([2, 4, 1], seed=0)
    with trace.record() as tr:
        model.fit(X, Y, optimizer="rmsprop", learning_rate=0.01, num_iterations=2, batch_size=16)
    recs = tr.find("optimizer.step")
    assert len(recs) == 2 * 3 and [r.info["t"] for r in recs] == list(range(1, 7))
    assert "SdW1" in recs[-1].arrays and "dW1" in recs[-1].arrays
    assert all(math.isfinite(r.info["loss"]) for r in recs)


@pytest.mark.parametrize("name", sorted(optimizers.DEFAULTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_parameters_step_slice_by_slice_to_the_same_bits(name, dtype, monkeypatch):
    rng = np.random.default_rng(3)
    params = {"W": rng.standard_normal((300, 250)).astype(dtype), "b": np.ones((3, 1), dtype)}
    grads = {"dW": rng.standard_normal((300, 250)).astype(dtype), "db": np.ones((3, 1), dtype)}
    monkeypatch.setattr(optimizers, "SLICE", 4096)  # 75000 elements: 19 slices, the last short
    sliced, s1 = params, None
    for _ in range(3):
        sliced, s1 = optimizers.step(name, sliced, grads, s1, {})
    monkeypatch.setattr(optimizers, "SLICE", 10**9)  # one whole-array pass per operation
    whole, s2 = params, None
    for _ in range(3):
        whole, s2 = optimizers.step(name, whole, grads, s2, {})
    for k in ("W", "b"):
        assert np.array_equal(sliced[k], whole[k]) and sliced[k].dtype == np.dtype(dtype)
    assert s1.keys() == s2.keys() and all(np.array_equal(s1[k], s2[k]) for k in s1)
