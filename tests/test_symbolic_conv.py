"""SymPy derivations of convolution, pooling, transposed convolution and batch norm, met with
the engine (tier 2). Negative tests feed deliberately wrong backwards (unflipped kernel in dX,
missing 1/m, pooling routed to the wrong cell, batch norm without its mean/variance paths) and
show the same checks catch them."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import seeds

from visualdl.engine import batchnorm as engine_bn
from visualdl.engine import conv as engine_conv
from visualdl.symbolic import batchnorm, conv
from visualdl.symbolic.check import SEED, TOL

SEEDS = seeds(SEED, 0, 3)  # the sweep beyond SEED runs in the slow tier
WRONG = 1e-3  # a broken backward must be at least this far off


def engine_conv_backward(X, W, b, dZ, s, p):
    _, cache = engine_conv.conv2d(X, W, b, s, p)
    return engine_conv.conv2d_backward(dZ, cache)


# -- convolution ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_conv2d_matches_engine(seed):
    result = conv.check(seed=seed)
    assert result.passed and result.max_rel_error < TOL, result


@pytest.mark.parametrize("case", list(conv.CASES))
def test_conv_gradients_come_from_sympy_diff(case):
    d = conv.derivation(case)
    m, S = d["m"], d["S"]
    for name, scale in (("dX", 1), ("dW", sp.Rational(1, m)), ("db", sp.Rational(1, m))):
        sym = d[name[1:]]
        idx = (0,) * sym.ndim
        assert d[name][idx] == sp.diff(S, sym[idx]) * scale
    # Z is the sum of products of the definition: one term per kernel entry, plus the bias
    f, C = d["f"], d["n_C_prev"]
    inner = d["Z"][0, 1, 1, 0]
    assert len(inner.args) == f * f * C + 1 and d["b"][0] in inner.args


@pytest.mark.parametrize("case", list(conv.CASES))
def test_dW_is_correlation_and_dX_is_flipped_full_convolution(case):
    assert conv.forms_hold(case)
    assert not conv.forms_hold(case, flip=False)  # the unflipped kernel is the classic mistake


def test_forms_work_on_numbers():
    """The closed forms, evaluated at numbers, give the engine's dW and dX."""
    gen = np.random.default_rng(5)
    X, W, b = gen.standard_normal((2, 5, 4, 2)), gen.standard_normal((3, 3, 2, 2)), np.zeros(2)
    Z, cache = engine_conv.conv2d(X, W, b, 2, 1)
    dZ = gen.standard_normal(Z.shape)
    dX, dW, _ = engine_conv.conv2d_backward(dZ, cache)
    dW_form = conv.correlation_form(X, dZ, 3, 2, 1).astype(float)
    dX_form = conv.flipped_full_convolution(dZ, W, 2, 1, 5, 4).astype(float)
    assert np.allclose(dW_form, dW) and np.allclose(dX_form, dX)
    wrong = conv.flipped_full_convolution(dZ, W, 2, 1, 5, 4, flip=False).astype(float)
    assert not np.allclose(wrong, dX)


def unflipped_kernel(X, W, b, dZ, s, p):
    """dX from the full convolution with the *unflipped* kernel (flip W before the engine's
    flip), dW and db right."""
    _, cache = engine_conv.conv2d(X, W, b, s, p)
    _, dW, db = engine_conv.conv2d_backward(dZ, cache)
    cache["W"] = W[::-1, ::-1]
    dX, _, _ = engine_conv.conv2d_backward(dZ, cache)
    return dX, dW, db


def missing_one_over_m_in_dW(X, W, b, dZ, s, p):
    dX, dW, db = engine_conv_backward(X, W, b, dZ, s, p)
    return dX, dW * X.shape[0], db


def one_over_m_in_dX(X, W, b, dZ, s, p):
    dX, dW, db = engine_conv_backward(X, W, b, dZ, s, p)
    return dX / X.shape[0], dW, db


def channels_swapped_in_dW(X, W, b, dZ, s, p):
    dX, dW, db = engine_conv_backward(X, W, b, dZ, s, p)
    return dX, dW.transpose(0, 1, 3, 2), db


def db_summed_not_averaged(X, W, b, dZ, s, p):
    dX, dW, db = engine_conv_backward(X, W, b, dZ, s, p)
    return dX, dW, db * X.shape[0]


@pytest.mark.parametrize(
    "broken",
    [
        unflipped_kernel,
        missing_one_over_m_in_dW,
        one_over_m_in_dX,
        channels_swapped_in_dW,
        db_summed_not_averaged,
    ],
)
def test_broken_conv_backward_is_caught(broken):
    result = conv.check(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


# -- pooling -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_pooling_matches_engine(seed):
    assert conv.check_max_pool(seed=seed).passed
    assert conv.check_avg_pool(seed=seed).passed


def test_max_pool_derivative_is_heaviside_of_the_max():
    d = conv.pool_derivation("max", "f2s2")
    X, dA = d["X"], d["dA"]
    g = d["dX"][0, 0, 0, 0]
    assert g == sp.diff(d["S"], X[0, 0, 0, 0]) and g.has(sp.Heaviside)
    # at distinct values the derivative is dA for the window's largest cell, 0 elsewhere
    values = {X[0, 0, 0, 0]: 1.0, X[0, 0, 1, 0]: 4.0, X[0, 1, 0, 0]: 2.0, X[0, 1, 1, 0]: 3.0}
    routed = [d["dX"][0, y, x, 0].subs(values) for y in range(2) for x in range(2)]
    assert routed == [0, dA[0, 0, 0, 0], 0, 0]


def to_top_left(X, dA, f, s):
    """Max-pool backward that routes every window's gradient to its top-left cell."""
    dX = np.zeros_like(X)
    for h in range(dA.shape[1]):
        for w in range(dA.shape[2]):
            dX[:, s * h, s * w, :] += dA[:, h, w, :]
    return dX


def to_the_minimum(X, dA, f, s):
    """Max-pool backward that routes to the window's smallest cell."""
    _, cache = engine_conv.max_pool2d(-X, f, s)
    return engine_conv.max_pool2d_backward(dA, cache)


def avg_over_f(X, dA, f, s):
    _, cache = engine_conv.avg_pool2d(X, f, s)
    return engine_conv.avg_pool2d_backward(dA, cache) * f  # 1/f instead of 1/f^2


@pytest.mark.parametrize("broken", [to_top_left, to_the_minimum])
def test_max_pool_routed_to_the_wrong_cell_is_caught(broken):
    result = conv.check_max_pool(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


def test_avg_pool_wrong_share_is_caught():
    result = conv.check_avg_pool(backward=avg_over_f)
    assert not result.passed and result.max_rel_error > WRONG
    result = conv.check_avg_pool(backward=to_top_left)
    assert not result.passed


# -- transposed convolution ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_conv_transpose2d_matches_engine(seed):
    assert conv.check_transpose(seed=seed).passed


@pytest.mark.parametrize("case", list(conv.TRANSPOSE_CASES))
def test_transpose_is_the_input_gradient_of_conv2d(case):
    assert conv.transpose_is_conv_gradient(case)


def test_transpose_symbolic_forward_gives_the_notes_example():
    d = conv.transpose_derivation("s1")
    values = dict(zip(d["X"][0].ravel(), [0, 1, 2, 3], strict=True))
    values.update(dict(zip(d["W"].ravel(), [0, 1, 2, 3], strict=True)))
    values[d["b"][0]] = 0
    Y = [[d["Y"][0, y, x, 0].subs(values) for x in range(3)] for y in range(3)]
    assert Y == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]


def transpose_flipped_dX(X, W, b, dY, s, p):
    _, cache = engine_conv.conv_transpose2d(X, W, b, s, p)
    _, dW, db = engine_conv.conv_transpose2d_backward(dY, cache)
    cache["W"] = W[::-1, ::-1]
    dX, _, _ = engine_conv.conv_transpose2d_backward(dY, cache)
    return dX, dW, db


def transpose_missing_one_over_m(X, W, b, dY, s, p):
    _, cache = engine_conv.conv_transpose2d(X, W, b, s, p)
    dX, dW, db = engine_conv.conv_transpose2d_backward(dY, cache)
    return dX, dW * X.shape[0], db


@pytest.mark.parametrize("broken", [transpose_flipped_dX, transpose_missing_one_over_m])
def test_broken_transpose_backward_is_caught(broken):
    result = conv.check_transpose(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


# -- output size ---------------------------------------------------------------------------------


def test_output_size_formula_is_derived_and_matches_windows():
    n, f, p, s = conv.n_, conv.f_, conv.p_, conv.s_
    assert conv.output_size_formula() == sp.floor((n + 2 * p - f) / s) + 1
    assert conv.check_output_size().passed


def test_same_padding_formula():
    n, f, s = conv.n_, conv.f_, conv.s_
    assert sp.simplify(conv.same_padding_formula() - ((n - 1) * s - n + f) / 2) == 0
    assert conv.same_padding_formula(1) == (f - 1) / 2
    # the notes' stride-same padding is often huge or not an integer
    assert conv.same_padding_formula().subs({n: 7, f: 3, s: 2}) == 4
    assert conv.same_padding_formula().subs({n: 32, f: 5, s: 2}) == sp.Rational(35, 2)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, f, p, s: (n + 2 * p - f) / s + 1,  # no floor
        lambda n, f, p, s: (n + f - 1) / s,  # the notes' pooling formula
        lambda n, f, p, s: (n + 2 * p - f) // s,  # forgot the + 1
    ],
)
def test_wrong_output_size_is_caught(wrong):
    assert not conv.check_output_size(wrong).passed


# -- batch norm ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("eps", [batchnorm.EPS, 1e-5])
def test_batch_norm_matches_engine(seed, eps):
    result = batchnorm.check(seed=seed, eps=eps)
    assert result.passed and result.max_rel_error < TOL, result


def test_batch_norm_gradients_come_from_sympy_diff():
    d = batchnorm.derivation()
    assert d["dZ"][0] == sp.diff(d["S"], d["z"][0])
    assert d["dgamma"] == sp.diff(d["S"], d["gamma"]) / d["m"]
    assert batchnorm.closed_form_holds()
    assert not batchnorm.closed_form_holds(eps_inside=False)  # the notes' eps outside the root


def statistics_held_constant(Z, gamma, beta, dout, eps):
    """Forgets that mu and var depend on Z: dZ = gamma dout / sqrt(var + eps)."""
    _, cache = engine_bn.batch_norm(Z, gamma, beta, eps)
    _, dgamma, dbeta = engine_bn.batch_norm_backward(dout, cache)
    return cache["gamma"] * cache["inv_std"] * dout, dgamma, dbeta


def dgamma_without_one_over_m(Z, gamma, beta, dout, eps):
    _, cache = engine_bn.batch_norm(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = engine_bn.batch_norm_backward(dout, cache)
    return dZ, dgamma * cache["m"], dbeta


def one_over_N_instead_of_m(Z, gamma, beta, dout, eps):
    """dgamma, dbeta averaged over all N values (per channel) instead of the m examples."""
    _, cache = engine_bn.batch_norm(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = engine_bn.batch_norm_backward(dout, cache)
    k = cache["m"] / cache["N"]
    return dZ, dgamma * k, dbeta * k


def eps_outside_the_root(Z, gamma, beta, dout, eps):
    """The engine's formula with the notes' 1 / (sqrt(var) + eps)."""
    _, cache = engine_bn.batch_norm(Z, gamma, beta, eps)
    cache["inv_std"] = 1.0 / (np.sqrt(cache["var"]) + eps)
    return engine_bn.batch_norm_backward(dout, cache)


@pytest.mark.parametrize(
    "broken",
    [
        statistics_held_constant,
        dgamma_without_one_over_m,
        one_over_N_instead_of_m,
        eps_outside_the_root,
    ],
)
def test_broken_batch_norm_backward_is_caught(broken):
    result = batchnorm.check(backward=broken)
    assert not result.passed and result.max_rel_error > WRONG


def test_batch_norm_evaluate_one_feature():
    r = batchnorm.evaluate(np.array([1.0, 2.0, 4.0, 9.0]), 2.0, 0.5, np.ones(4), 0.0, 4)
    assert abs(r["out"].mean() - 0.5) < 1e-12 and abs(r["out"].std() - 2.0) < 1e-12
    assert np.allclose(r["dZ"], 0) and r["dbeta"] == 1.0
