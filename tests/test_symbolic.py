"""SymPy derivations of every op, met with the engine's hand-written backward (tier 2).

SymPy differentiates each *forward* expression; the result, evaluated in float64 on random
inputs (several seeds), must match the engine. Negative tests feed deliberately broken
backwards and show the same checks catch them.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import seeds

from visualdl.engine import activations as engine_activations
from visualdl.engine import losses as engine_losses
from visualdl.symbolic import activations, chain_rule, dense, losses, regularization
from visualdl.symbolic.check import SEED, TOL, rel_error
from visualdl.symbolic.formulas import DENSE

SEEDS = seeds(SEED, 0, 1, 7)  # the sweep beyond SEED runs in the slow tier
ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
WRONG = 1e-3  # a broken backward must be at least this far off


# -- the error measure ------------------------------------------------------------------------
def test_rel_error_basics():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 3.0]) == pytest.approx(0.2)
    assert rel_error(1.0, 1.0, [2.0], [4.0]) == pytest.approx(1 / 3)
    assert np.isnan(rel_error([np.nan], [1.0]))
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.zeros(2), np.zeros(3))


# -- activations ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_activation_matches_engine(name, seed):
    result = activations.check(name, seed=seed)
    assert result.max_rel_error < TOL, result


def test_activation_derivatives_come_from_sympy_diff():
    z = activations.z
    for name in ELEMENTWISE:
        assert activations.derivative(name) == sp.diff(activations.EXPRESSIONS[name], z)
    assert sp.simplify(activations.derivative("tanh") - (1 - sp.tanh(z) ** 2)) == 0


def test_softmax_jacobian_simplifies_to_documented_form():
    assert activations.softmax_jacobian().shape == (3, 3)
    assert activations.softmax_vjp_simplifies()


@pytest.mark.parametrize(
    "name, broken",
    [
        ("sigmoid", lambda dA, Z, A: dA * A),  # forgot the (1 - A)
        ("tanh", lambda dA, Z, A: dA * (1 - A)),  # 1 - A instead of 1 - A^2
        ("relu", lambda dA, Z, A: dA * (Z >= 0) * 0.5),  # wrong slope
        ("leaky_relu", lambda dA, Z, A: dA * (Z > 0)),  # dropped the leak
        ("softmax", lambda dA, Z, A: dA * A * (1 - A)),  # diagonal of the Jacobian only
    ],
)
def test_broken_activation_backward_is_caught(name, broken):
    result = activations.check(name, backward=broken)
    assert result.max_rel_error > WRONG and not result.passed


def test_latex_api_unchanged():
    g, gp = activations.latex("sigmoid")
    assert "frac" in g and r"\sigma" in gp
    assert set(activations.EXPRESSIONS) == set(ELEMENTWISE)


# -- dense layer ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_dense_matches_engine(seed):
    result = dense.check(seed=seed)
    assert result.max_rel_error < TOL, result


def test_dense_derivation_simplifies_to_matrix_forms():
    assert dense.matrix_forms_hold()
    assert dense.matrix_forms_hold(3, 2, 5)


def test_dense_derivation_entry_is_the_sum_over_examples():
    d = dense.derivation()
    m = dense.SHAPE[2]
    dZ, A = d["dZ"], d["A_prev"]
    # dW_12 collects dZ_1i A_2i over the m examples, with the 1/m of the mean cost
    assert sp.expand(d["dW"][0, 1] - sum(dZ[0, i] * A[1, i] for i in range(m)) / m) == 0
    # dA_prev carries no 1/m: it is per example
    assert sp.expand(d["dA_prev"][2, 3] - sum(d["W"][k, 2] * dZ[k, 3] for k in range(2))) == 0


@pytest.mark.parametrize(
    "broken",
    [
        lambda A, W, b, dZ: (dZ @ A.T, dZ.sum(1, keepdims=True) / A.shape[1], W.T @ dZ),  # no 1/m
        lambda A, W, b, dZ: (
            dZ @ A.T / A.shape[1],
            dZ.sum(1, keepdims=True) / A.shape[1],
            W.T @ dZ / A.shape[1],  # 1/m where it does not belong
        ),
        lambda A, W, b, dZ: (
            dZ @ A.T / A.shape[1],
            dZ.mean(0, keepdims=True).T[: W.shape[0]],  # summed over the wrong axis
            W.T @ dZ,
        ),
    ],
)
def test_broken_dense_backward_is_caught(broken):
    result = dense.check(backward=broken)
    assert result.max_rel_error > WRONG and not result.passed


# -- losses -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["bce", "cross_entropy", "mse", "l1_loss"])
def test_loss_matches_engine(name, seed):
    result = losses.check(name, seed=seed)
    assert result.max_rel_error < TOL, result


def test_sigmoid_bce_simplifies_to_a_minus_y():
    assert losses.bce_fused_simplifies()


def test_softmax_cross_entropy_simplifies_to_a_minus_y():
    assert losses.cross_entropy_fused_simplifies()


def test_softmax_cross_entropy_one_hot_corners():
    """For each one-hot label the derivative of CE(softmax(z)) is a - y, without the y3 trick."""
    A = activations.softmax_expression()
    for c in range(3):
        y = [1 if k == c else 0 for k in range(3)]
        L = -sp.log(A[c])
        for k in range(3):
            assert sp.simplify(sp.diff(L, activations.zs[k]) - (A[k] - y[k])) == 0


@pytest.mark.parametrize(
    "name, broken",
    [
        ("bce", lambda A, Y: A - Y),  # the fused dZ is not dA
        ("cross_entropy", lambda A, Y: Y / A),  # sign
        ("mse", lambda A, Y: A - Y),  # missing the 2
        ("l1_loss", lambda A, Y: (A - Y) / 2),
    ],
)
def test_broken_loss_backward_is_caught(name, broken):
    result = losses.check(name, backward=broken)
    assert result.max_rel_error > WRONG and not result.passed


# -- penalties and dropout --------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["l2_penalty", "l1_penalty"])
def test_penalty_matches_engine(name, seed):
    result = regularization.check_penalty(name, seed=seed)
    assert result.max_rel_error < TOL, result


def test_penalty_derivation_is_lambda_over_2m():
    d = regularization.penalty_derivation("l2_penalty")
    W = d["params"]["W1"]
    assert (
        sp.simplify(d["grads"]["dW1"][0, 0] - regularization.lambd / regularization.m_ * W[0, 0])
        == 0
    )
    assert d["db1"] == 0


@pytest.mark.parametrize("name", ["l2_penalty", "l1_penalty"])
def test_broken_penalty_grads_are_caught(name):
    def broken(params, lambd, m):  # lambda/m sign(W) for L1, lambda/(2m) W for L2: factor 2
        f = np.sign if name == "l1_penalty" else (lambda w: w / 2)
        return {"d" + k: lambd / m * f(v) for k, v in params.items() if k.startswith("W")}

    result = regularization.check_penalty(name, grads=broken)
    assert result.max_rel_error > WRONG and not result.passed


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_matches_engine(seed):
    result = regularization.check_dropout(seed=seed)
    assert result.max_rel_error < TOL, result


def test_dropout_expectation_is_a():
    assert sp.simplify(regularization.dropout_expectation() - regularization.a) == 0


def test_broken_dropout_backward_is_caught():
    result = regularization.check_dropout(backward=lambda dA, D, p: dA * D)  # forgot the 1/p
    assert result.max_rel_error > WRONG and not result.passed


# -- chain rule (the logistic-regression graph the scene shows) -------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_chain_rule_matches_engine(seed):
    result = chain_rule.check(seed=seed)
    assert result.max_rel_error < TOL, result


def test_chain_rule_simplifies_to_a_minus_y():
    d = chain_rule.derivation()
    assert sp.simplify(d["dL_dz"] - (chain_rule.a_ - chain_rule.y)) == 0


# -- the engine wiring: a broken engine function shows up --------------------------------------
def test_check_reads_the_engine(monkeypatch):
    act = engine_activations.ACTIVATIONS["tanh"]
    broken = engine_activations.Activation("tanh", act.forward, lambda dA, Z, A: dA * (1 - A))
    monkeypatch.setitem(engine_activations.ACTIVATIONS, "tanh", broken)
    assert not activations.check("tanh").passed
    monkeypatch.setattr(engine_losses, "mse_backward", lambda A, Y: A - Y)
    assert not losses.check("mse").passed


# -- LaTeX of the dense formulas --------------------------------------------------------------
KEYS = ["Z", "A", "cost", "dZ_out", "dZ", "dW", "db", "dA_prev", "update_W", "update_b"]


def test_dense_formulas_keys_and_mathtext_safe():
    assert list(DENSE) == KEYS
    for tex in DENSE.values():
        assert r"\begin" not in tex and r"\top" not in tex and "$" not in tex


def test_dense_formulas_render(tmp_path):
    from visualdl.viz.mathtext import formula_svg

    for key, tex in DENSE.items():
        path = formula_svg(tex, tmp_path / f"{key}.svg")
        assert path.stat().st_size > 1000 and path.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    "key, pieces",
    [
        ("dW", [r"\frac{1}{m}", "dZ^{[l]}", "A^{[l-1]T}"]),
        ("db", [r"\frac{1}{m}", r"\sum", "dZ^{[l](i)}"]),
        ("dA_prev", ["W^{[l]T}", "dZ^{[l]}"]),
        ("Z", ["W^{[l]} A^{[l-1]}", "b^{[l]}"]),
    ],
)
def test_dense_formula_says_what_sympy_derived(key, pieces):
    """The LaTeX names the factors of the matrix form the derivation simplifies to; dA_prev has
    no 1/m (per example), dW and db have it (mean cost)."""
    assert dense.matrix_forms_hold()
    for piece in pieces:
        assert piece in DENSE[key], (key, piece)
    if key == "dA_prev":
        assert r"\frac{1}{m}" not in DENSE[key]


def test_dense_output_formula_is_the_fused_gradient():
    assert losses.bce_fused_simplifies() and losses.cross_entropy_fused_simplifies()
    assert DENSE["dZ_out"].replace(" ", "") == "dZ^{[L]}=A^{[L]}-Y"


# -- the docstring examples run ---------------------------------------------------------------
@pytest.mark.parametrize(
    "module",
    ["check", "activations", "chain_rule", "dense", "formulas", "losses", "regularization"],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"visualdl.symbolic.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
