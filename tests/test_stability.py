"""Numbers that stay right at the edges: costs at logits of +-1000 and +-1e4, float32 kept end
to end, and NaN that propagates instead of turning into a number."""

from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.engine import BatchNorm, Conv2D, Dense, Flatten, MaxPool2D, Sequential, losses, mlp
from visualdl.engine.activations import ACTIVATIONS

LOGITS = [1000.0, -1000.0, 1e4, -1e4]


def _exact_bce(z: float, y: float) -> float:
    """-log sigma(z) for y = 1, -log(1 - sigma(z)) for y = 0, from the identity
    -log sigma(z) = log(1 + e^-z), written for large |z| without rounding."""
    t = -z if y == 1 else z
    return t + math.log1p(math.exp(-t)) if t > 0 else math.log1p(math.exp(t))


@pytest.mark.parametrize("z", LOGITS)
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_from_logits_is_exact_and_its_gradient_finite(z, y):
    Z, Y = np.array([[z]]), np.array([[y]])
    assert float(losses.bce_with_logits(Z, Y)) == pytest.approx(_exact_bce(z, y), rel=1e-12)
    dZ = losses.bce_with_logits_backward(Z, Y)
    assert np.isfinite(dZ).all() and abs(float(dZ[0, 0])) <= 1


@pytest.mark.parametrize("z", LOGITS)
def test_cross_entropy_from_logits_is_exact(z):
    Z = np.array([[z], [0.0], [1.0]])
    Y = np.array([[0.0], [1.0], [0.0]])  # the label is not the big logit's class
    lse = max(z, 1.0) + math.log(sum(math.exp(v - max(z, 1.0)) for v in (z, 0.0, 1.0)))
    assert float(losses.cross_entropy_with_logits(Z, Y)) == pytest.approx(lse, rel=1e-12)
    assert np.isfinite(losses.cross_entropy_with_logits_backward(Z, Y)).all()


@pytest.mark.parametrize("name", ["bce", "cross_entropy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_probabilities_give_large_finite_costs_and_gradients(name, dtype):
    A = np.array([[1.0, 0.0], [0.0, 1.0]], dtype) if name == "cross_entropy" else None
    A = np.array([[1.0, 0.0]], dtype) if A is None else A
    Y = 1.0 - A  # every prediction certain and wrong
    loss = losses.get(name)
    J, dA = loss.cost(A, Y), loss.backward(A, Y)
    assert np.isfinite(J) and J > 10
    assert np.isfinite(dA).all() and dA.dtype == dtype


@pytest.mark.parametrize("name", ["mse", "l1_loss"])
@pytest.mark.parametrize("z", LOGITS)
def test_regression_losses_at_large_values(name, z):
    loss = losses.get(name)
    A, Y = np.array([[z]]), np.array([[0.0]])
    want = z * z if name == "mse" else abs(z)
    assert float(loss.cost(A, Y)) == pytest.approx(want, rel=1e-12)
    assert np.isfinite(loss.backward(A, Y)).all()


def _one_unit(output: str, k: int, z: float) -> Sequential:
    """A model whose output logits are ``z`` for the first class and 0 for the others."""
    model = mlp([1, k], output=output, seed=0)
    model.set_params({"W1": np.zeros((k, 1)), "b1": np.array([[z]] + [[0.0]] * (k - 1))})
    return model


@pytest.mark.parametrize("z", LOGITS)
def test_model_cost_of_a_sigmoid_output_comes_from_the_logits(z):
    model, X = _one_unit("sigmoid", 1, z), np.zeros((1, 1))
    Y = np.array([[0.0 if z > 0 else 1.0]])  # the wrong label: the cost is |z|
    assert model.cost(model.forward(X), Y) == pytest.approx(abs(z), rel=1e-12)


@pytest.mark.parametrize("z", LOGITS)
def test_model_cost_of_a_softmax_output_comes_from_the_logits(z):
    model, X = _one_unit("softmax", 3, z), np.zeros((1, 1))
    Y = np.array([[0.0], [1.0], [0.0]])
    want = max(z, 0.0) + math.log(sum(math.exp(v - max(z, 0.0)) for v in (z, 0.0, 0.0)))
    assert model.cost(model.forward(X), Y) == pytest.approx(want, rel=1e-12)


def test_a_cost_of_other_probabilities_is_still_the_probability_formula():
    model, X = _one_unit("sigmoid", 1, 0.0), np.zeros((1, 2))
    model.forward(X)
    A = np.array([[0.25, 0.5]])  # not the model's output: no logits to use
    assert model.cost(A, np.array([[1.0, 0.0]])) == pytest.approx(losses.bce(A, [[1.0, 0.0]]))


# -- float32 --------------------------------------------------------------------------------


def _all_float32(arrays) -> bool:
    return all(a.dtype == np.float32 for a in arrays)


def test_a_float32_mlp_trains_in_float32():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(2, 16)), (rng.random((1, 16)) > 0.5).astype(float)  # float64 data
    model = mlp([2, 5, 1], seed=0, dtype=np.float32)
    history = model.fit(X, Y, learning_rate=0.1, num_iterations=5, optimizer="adam")
    assert _all_float32(model.params.values())
    assert model.forward(X).dtype == np.float32
    assert _all_float32(model.backward(model.forward(X), Y).values())
    assert all(math.isfinite(J) for J in history["cost"])


def test_a_float32_conv_net_stays_float32():
    X = np.random.default_rng(0).normal(size=(3, 6, 6, 1)).astype(np.float32)
    Y = np.array([[0.0, 1.0, 1.0]])
    model = Sequential(
        [
            Conv2D(1, 2, 3, padding="same", rng=0, dtype=np.float32),
            BatchNorm(2, layout="conv", dtype=np.float32),
            MaxPool2D(2),
            Flatten(),
            Dense(18, 1, "sigmoid", rng=0, dtype=np.float32),
        ]
    )
    model.fit(X, Y, learning_rate=0.1, num_iterations=2)
    assert _all_float32(model.params.values())
    assert model.forward(X, training=True).dtype == np.float32
    assert _all_float32(model.grads.values())


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_keep_float32(name):
    Z = np.array([[-1.0, 0.5], [2.0, -3.0]], np.float32)
    g = ACTIVATIONS[name]
    A = g.forward(Z)
    assert A.dtype == np.float32
    assert g.backward(np.ones_like(Z), Z, A).dtype == np.float32


# -- NaN propagates ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_nan_stays_nan_through_every_activation(name):
    g = ACTIVATIONS[name]
    Z = np.array([[np.nan], [1.0]])
    A = g.forward(Z)
    assert np.isnan(A[0, 0])
    if g.derivative is not None and name != "identity":  # identity' is 1 everywhere
        assert np.isnan(g.derivative(Z)[0, 0])


def test_fit_refuses_a_model_whose_weights_are_nan():
    model = mlp([2, 3, 1], seed=0)
    model.set_params({"W1": np.full((3, 2), np.nan)})
    X, Y = np.ones((2, 4)), np.array([[0.0, 1.0, 0.0, 1.0]])
    assert np.isnan(model.forward(X)).all()  # not 0.5 everywhere
    with pytest.raises(ValueError, match="Sequential.fit: parameter W1 holds NaN"):
        model.fit(X, Y, num_iterations=1)


def test_fit_stops_at_the_first_step_that_diverges():
    X, Y = np.array([[1.0, -1.0]]), np.array([[2e3, -2e3]])
    model = mlp([1, 1], output="identity", seed=0)
    with pytest.raises(FloatingPointError, match=r"Sequential.fit: .* at iteration \d+, step"):
        with np.errstate(over="ignore", invalid="ignore"):
            model.fit(X, Y, learning_rate=10.0, num_iterations=200)
