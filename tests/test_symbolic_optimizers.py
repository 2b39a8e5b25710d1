"""SymPy derivations for optimizers, the EWA and the 2-D surfaces, met with the engine (tier 2).

Update rules are written from their definitions and run exactly; surface gradients come from
``sympy.diff`` of ``f(x, y)``. Negative tests feed deliberately wrong steps, averages and
gradients and show that the same checks catch them.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import seeds

from visualdl.engine.averaging import ewa as engine_ewa
from visualdl.engine.optimizers import check_hyper
from visualdl.engine.optimizers import step as engine_step
from visualdl.engine.surfaces import get
from visualdl.symbolic import optimizers as so
from visualdl.symbolic import surfaces as ss
from visualdl.symbolic.check import SEED, TOL

SEEDS = seeds(SEED, 0, 1, 7)  # the sweep beyond SEED runs in the slow tier
WRONG = 1e-3  # a wrong rule or gradient must be at least this far off


# -- bias correction --------------------------------------------------------------------------
def test_rsolve_gives_the_bias_correction_identity():
    v_t = so.ewa_closed_form()
    assert sp.simplify(v_t - (1 - so.beta**so.t) * so.g) == 0
    assert v_t.subs(so.t, 0) == 0  # the initial condition
    assert sp.simplify(v_t / (1 - so.beta**so.t)) == so.g  # correction undoes the bias


@pytest.mark.parametrize("T", [1, 2, 5, 10])
def test_unrolled_average_of_a_constant(T):
    v = so.ewa_unrolled(T, (so.g,) * T)
    for k, vk in enumerate(v, start=1):
        assert sp.factor(vk - (1 - so.beta**k) * so.g) == 0


def test_unrolled_average_is_the_weighted_sum():
    theta = sp.symbols("theta_1:5", real=True)
    v4 = so.ewa_unrolled(4, theta)[-1]
    weights = [sp.factor(v4.coeff(th)) for th in theta]
    assert [sp.simplify(w / (1 - so.beta)) for w in weights] == [so.beta**k for k in (3, 2, 1, 0)]


def test_expected_average_of_random_gradients():
    mu = sp.Symbol("mu", real=True)
    assert sp.simplify(so.ewa_expectation(3) - (1 - so.beta**3) * mu) == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_ewa_matches_engine(seed):
    assert so.check_ewa(seed=seed).max_rel_error < TOL


@pytest.mark.parametrize(
    "broken",
    [
        lambda s, b, bias_correction=False: engine_ewa(s, b),  # never corrects
        lambda s, b, bias_correction=False: (  # corrects with 1 - beta^(t+1)
            engine_ewa(s, b) / (1 - b ** np.arange(2, len(s) + 2))
            if bias_correction
            else engine_ewa(s, b)
        ),
        lambda s, b, bias_correction=False: (  # starts from v_0 = theta_1
            engine_ewa(s, b, bias_correction) + b ** np.arange(1, len(s) + 1) * s[0]
        ),
    ],
)
def test_broken_ewa_is_caught(broken):
    result = so.check_ewa(ewa=broken)
    assert result.max_rel_error > WRONG and not result.passed


# -- Adam's first step ------------------------------------------------------------------------
def test_adam_first_step_is_lr_as_eps_goes_to_zero():
    assert so.first_step("adam", 1) == so.alpha
    assert so.first_step("adam", -1) == -so.alpha


def test_notes_adam_first_step_is_sqrt_ratio_times_lr():
    ratio = so.notes_ratio()
    b1, b2 = so.beta1, so.beta2
    at_1 = ratio.subs(so.t, 1)
    assert sp.simplify(at_1**2 - (1 - b1) / (1 - b2)) == 0
    assert at_1.subs({b1: sp.Rational(9, 10), b2: sp.Rational(999, 1000)}) == 10  # exactly
    assert sp.simplify((so.first_step("adam_notes") / so.alpha) ** 2 - at_1**2) == 0
    assert sp.simplify(ratio**2 - (1 - b1**so.t) / (1 - b2**so.t)) == 0


def test_notes_ratio_reproduces_the_notes_numbers():
    """seed-002-004: 10.0 at t=1, 9.75, 9.06, 8.09, 4.52, 3.24, 1.59, 1.26, 1.003 at t=5000."""
    steps = [1, 2, 5, 10, 50, 100, 500, 1000, 5000]
    want = [10.0, 9.75, 9.06, 8.09, 4.52, 3.24, 1.59, 1.26, 1.003]
    got = so.notes_ratio_value(np.array(steps))
    np.testing.assert_allclose(got, want, atol=0.006)


def test_notes_ratio_matches_the_engine_run():
    """Same gradients (a constant one) in both: step t of the notes' Adam over the right one."""
    g, T = {"dW": np.array([0.7, -2.0])}, 200
    runs = {}
    for name in ("adam", "adam_notes"):
        params, state, moves = {"W": np.zeros(2)}, None, []
        for _ in range(T):
            new, state = engine_step(name, params, g, state, {})
            moves.append(new["W"] - params["W"])
            params = new
        runs[name] = np.array(moves)  # (T, 2)
    ratio = runs["adam_notes"] / runs["adam"]
    want = so.notes_ratio_value(np.arange(1, T + 1))
    np.testing.assert_allclose(ratio, np.stack([want, want], axis=1), rtol=1e-6)


# -- momentum forms ---------------------------------------------------------------------------
@pytest.mark.parametrize("T", [1, 4, 8])
def test_momentum_forms_equivalent(T):
    assert so.momentum_forms_equivalent(T)


def test_momentum_forms_are_not_equivalent_at_the_same_rate():
    gs = sp.symbols("g_1:4", real=True)
    paths = []
    for form in ("ema", "classic"):
        mom, theta = {"V": 0}, sp.Integer(0)
        for k, gk in enumerate(gs, start=1):
            theta = so.rule(
                "momentum", "x", theta, gk, mom, k, {"lr": so.alpha, "beta": so.beta, "form": form}
            )
        paths.append(theta)
    assert sp.expand(paths[0] - paths[1]) != 0


# -- the rules, exact, vs the engine's step ---------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", so.NAMES)
def test_optimizer_matches_engine(name, seed):
    result = so.check(name, seed=seed)
    assert result.max_rel_error < TOL, result


def test_rule_by_hand():
    h = {k: so.CHECK_HYPER[k] for k in ("lr", "beta1", "beta2", "eps")}
    mom = {"V": 0, "S": 0}
    new = so.rule("adam", "W1", sp.Integer(1), sp.Integer(2), mom, 1, h)
    assert mom == {"V": sp.Rational(1, 5), "S": sp.Rational(1, 250)}
    assert new == 1 - sp.Rational(1, 10) * 2 / (2 + h["eps"])


def test_trajectory_keys_and_exactness():
    params, grads = so._problem(SEED, 2)
    out = so.trajectory("rmsprop", params, grads, so._hyper("rmsprop"))
    assert len(out) == 2
    p, s = out[-1]
    assert set(p) == {"W1", "b1"} and {"SdW1", "Sdb1"} <= set(s)
    assert all(isinstance(e, sp.Rational) for e in s["SdW1"])  # S is exact


def _rmsprop_eps_inside(name, params, grads, state, hyper, no_decay=()):
    hyper = check_hyper(name, hyper)
    state = dict(state or {"t": 0, **{"Sd" + k: np.zeros_like(v) for k, v in params.items()}})
    state["t"] += 1
    new = {}
    for k, v in params.items():
        g = grads["d" + k]
        S = state["Sd" + k] = hyper["beta"] * state["Sd" + k] + (1 - hyper["beta"]) * g * g
        new[k] = v - hyper["lr"] * g / np.sqrt(S + hyper["eps"])  # the notes' Adam formula
    return new, state


def _adamw_decaying_biases(name, params, grads, state, hyper, no_decay=()):
    return engine_step("adamw", params, grads, state, hyper)  # ignores what is exempt


def _renamed_state(name, params, grads, state, hyper, no_decay=()):
    if state is not None:
        state = {k.replace("v_", "Vd"): v for k, v in state.items()}
    new, state = engine_step(name, params, grads, state, hyper, no_decay)
    return new, {k.replace("Vd", "v_"): v for k, v in state.items()}


def _without_decay(name, params, grads, state, hyper, no_decay=()):
    hyper = {k: v for k, v in hyper.items() if k != "weight_decay"}
    return engine_step("adam", params, grads, state, hyper)


@pytest.mark.parametrize(
    "name, broken",
    [
        ("adam", lambda n, *a: engine_step("adam_notes", *a)),  # S corrected with beta1
        ("adam", lambda n, p, g, s, h, nd=(): engine_step("adamw", p, g, s, h, nd)),  # decays
        ("adamw", _without_decay),
        ("adamw", _adamw_decaying_biases),
        ("rmsprop", _rmsprop_eps_inside),
        ("adagrad", lambda n, p, g, s, h, nd=(): engine_step("rmsprop", p, g, s, h)),  # forgets
        ("nesterov", lambda n, *a: engine_step("momentum", *a)),  # no look-ahead
        ("momentum", lambda n, p, g, s, h, nd=(): engine_step(n, p, g, s, {**h, "form": "ema"})),
        ("momentum", lambda n, *a: engine_step("nesterov", *a)),
        ("adam", _renamed_state),  # state not named VdW1 as in the notes
    ],
)
def test_broken_step_is_caught(name, broken):
    result = so.check(name, step=broken)
    assert result.max_rel_error > WRONG and not result.passed, result


def test_nesterov_look_ahead_path_is_the_engines_path():
    """phi = theta + mu v of the exact look-ahead recurrence is the point the engine holds."""
    from visualdl.engine.descent import minimize
    from visualdl.engine.optimizers import Optimizer

    h = {"lr": sp.Rational(1, 10), "beta": sp.Rational(9, 10), "form": "ema"}
    exact = so.nag_path("bowl", h, 6)
    path = minimize(get("bowl"), Optimizer("nesterov", lr=0.1, beta=0.9), steps=6)
    np.testing.assert_allclose(path.params["x"][1:], [float(p[0]) for p in exact], rtol=1e-13)
    np.testing.assert_allclose(path.params["y"][1:], [float(p[1]) for p in exact], rtol=1e-13)


def test_unknown_names():
    with pytest.raises(ValueError, match="optimizer check"):
        so.check("adamax")
    with pytest.raises(ValueError, match="no symbolic rule"):
        so.rule("adamax", "W", 1, 1, {}, 1, {"lr": 1})


# -- surfaces ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", [n for n in ss.NAMES if n != "logistic"])
def test_surface_matches_engine(name, seed):
    result = ss.check(name, seed=seed)
    assert result.max_rel_error < TOL, result


@pytest.mark.parametrize("seed", seeds(SEED, 1))
def test_logistic_surface_on_real_data_matches_engine(seed):
    result = ss.check("logistic", seed=seed, points=3)
    assert result.max_rel_error < TOL, result


@pytest.mark.parametrize("name", ss.NAMES)
def test_surface_gradients_come_from_sympy_diff(name):
    f = ss.expression(name)
    assert ss.gradient(name) == (sp.diff(f, ss.x), sp.diff(f, ss.y))


def test_logistic_expression_is_a_mean_over_the_data():
    f = ss.expression("logistic")
    assert f.has(sp.Sum) and f.has(ss.m_)
    dx = ss.gradient("logistic")[0]
    assert dx.has(sp.Sum)  # differentiated through the sum, example by example


def test_known_minima_have_zero_gradient():
    for name in ("bowl", "rosenbrock", "beale"):
        mx, my = get(name).minimum
        at = {ss.x: sp.nsimplify(mx), ss.y: sp.nsimplify(my)}
        assert [d.subs(at) for d in ss.gradient(name)] == [0, 0]
        assert ss.expression(name).subs(at) == 0


def test_saddle_has_indefinite_hessian():
    H = sp.hessian(ss.expression("saddle"), (ss.x, ss.y))
    assert sorted(H.eigenvals()) == [-2, 2]


@pytest.mark.parametrize(
    "name, broken",
    [
        ("bowl", lambda x, y: (0.1 * x, 4 * y)),  # forgot the 2 of x^2
        ("rosenbrock", lambda x, y: (-(1 - x) - 400 * x * (y - x**2), 200 * (y - x**2))),
        ("beale", lambda x, y: (get("beale").grad(x, y)[0], get("beale").grad(x, y)[1] * 1.01)),
        ("saddle", lambda x, y: (2 * x, 2 * y)),  # the sign of -y^2
        ("logistic", lambda x, y: tuple(-d for d in get("logistic").grad(x, y))),  # ascent
    ],
)
def test_broken_surface_gradient_is_caught(name, broken):
    result = ss.check(name, grad=broken, points=3)
    assert result.max_rel_error > WRONG and not result.passed


def test_surface_latex_and_unknown_name():
    assert ss.latex("bowl") == r"\frac{x^{2}}{10} + 2 y^{2}"
    assert "log" in ss.latex("logistic") and r"\sum" in ss.latex("logistic")
    with pytest.raises(ValueError, match="surface: name must be one of"):
        ss.expression("himmelblau")
