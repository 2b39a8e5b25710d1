"""Every engine op against central finite differences, and bad inputs against clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_op_gradients, central_diff, rel_err

from visualdl.engine import activations, losses, regularization
from visualdl.engine.dense import dense_backward, dense_forward
from visualdl.engine.layers import Dense

TOL = 1e-6


def away_from_kink(Z: np.ndarray) -> np.ndarray:
    """Push entries with |z| < 1e-2 away from 0 (ReLU's kink)."""
    return np.where(np.abs(Z) < 1e-2, 0.5, Z)


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name, rng):
    g = activations.get(name)
    Z = away_from_kink(rng.standard_normal((3, 5)))
    dA = rng.standard_normal((3, 5))
    dZ = g.backward(dA, Z, g.forward(Z))
    assert rel_err(dZ, central_diff(lambda z: float(np.sum(dA * g.forward(z))), Z)) < TOL


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_derivative_is_backward_of_ones(name, rng):
    g = activations.get(name)
    Z = away_from_kink(rng.standard_normal((2, 4)))
    np.testing.assert_allclose(g.derivative(Z), g.backward(np.ones_like(Z), Z, g.forward(Z)))


def test_sigmoid_and_softmax_do_not_overflow():
    Z = np.array([[-1000.0, 0.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(activations.sigmoid(Z), [[0.0, 0.5, 1.0]])
        A = activations.softmax(np.array([[1000.0], [1000.0], [-1000.0]]))
    np.testing.assert_allclose(A.ravel(), [0.5, 0.5, 0.0])


def test_softmax_columns_sum_to_one(rng):
    A = activations.softmax(rng.standard_normal((4, 6)) * 10)
    np.testing.assert_allclose(A.sum(axis=0), np.ones(6))


def test_softmax_backward_matches_finite_differences(rng):
    Z = rng.standard_normal((4, 6)) * 2

    def forward(Z):
        A = activations.softmax(Z)
        return A, (Z, A)

    assert_op_gradients(
        forward, lambda dA, cache: activations.softmax_backward(dA, *cache), {"Z": Z}, rng=rng
    )


def test_unknown_activation_is_a_value_error():
    with pytest.raises(ValueError, match="activation: name must be one of"):
        activations.get("swish")


def _probs(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


LOSS_CASES = {
    "bce": lambda rng: (_probs(rng, (1, 6)), rng.integers(0, 2, (1, 6)).astype(float)),
    "cross_entropy": lambda rng: (
        activations.softmax(rng.standard_normal((3, 5))),
        np.eye(3)[:, rng.integers(0, 3, 5)],
    ),
    "mse": lambda rng: (rng.standard_normal((2, 5)), rng.standard_normal((2, 5))),
    "l1_loss": lambda rng: (rng.standard_normal((2, 5)), rng.standard_normal((2, 5))),
}


@pytest.mark.parametrize(
    "name, backward",
    [
        ("bce", losses.bce_backward),
        ("cross_entropy", losses.cross_entropy_backward),
        ("l1_loss", losses.l1_loss_backward),
        ("mse", losses.mse_backward),
    ],
)
def test_loss_backward_is_m_times_gradient_of_cost(name, backward, rng):
    loss = losses.get(name)
    assert loss.backward is backward
    A, Y = LOSS_CASES[name](rng)
    m = A.shape[1]
    assert_op_gradients(  # dA is per example: m dJ/dA, no 1/m
        lambda A: (loss.cost(A, Y), A),
        lambda dJ, A: dJ * backward(A, Y),
        {"A": A},
        scale={"A": m},
        tol=TOL,
        d_out=1.0,
    )


def test_bce_with_logits_equals_bce_of_sigmoid_and_its_gradient(rng):
    Z = rng.standard_normal((1, 7)) * 3
    Y = rng.integers(0, 2, (1, 7)).astype(float)
    assert rel_err(losses.bce_with_logits(Z, Y), losses.bce(activations.sigmoid(Z), Y)) < 1e-12
    assert_op_gradients(
        lambda Z: (losses.bce_with_logits(Z, Y), Z),
        lambda dJ, Z: dJ * losses.bce_with_logits_backward(Z, Y),
        {"Z": Z},
        scale={"Z": 7},
        tol=TOL,
        d_out=1.0,
    )


def test_bce_with_logits_is_finite_for_huge_logits():
    Z, Y = np.array([[800.0, -800.0]]), np.array([[0.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isclose(losses.bce_with_logits(Z, Y), 800.0)


def test_cross_entropy_with_logits_gradient(rng):
    Z = rng.standard_normal((3, 4))
    Y = np.eye(3)[:, [0, 2, 1, 1]]
    expected = losses.cross_entropy(activations.softmax(Z), Y)
    assert rel_err(losses.cross_entropy_with_logits(Z, Y), expected) < 1e-12
    assert_op_gradients(
        lambda Z: (losses.cross_entropy_with_logits(Z, Y), Z),
        lambda dJ, Z: dJ * losses.cross_entropy_with_logits_backward(Z, Y),
        {"Z": Z},
        scale={"Z": 4},
        tol=TOL,
        d_out=1.0,
    )


def test_bce_of_one_half_is_ln2():
    assert np.isclose(losses.bce(np.full((1, 4), 0.5), np.array([[0, 1, 1, 0.0]])), np.log(2))


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_penalty_gradients(penalty, rng):
    value = getattr(regularization, f"{penalty}_penalty")
    grads = getattr(regularization, f"{penalty}_penalty_grads")
    params = {
        "W1": rng.standard_normal((3, 2)),
        "b1": rng.standard_normal((3, 1)),
        "W2": rng.standard_normal((1, 3)),
    }
    lambd, m = 0.7, 5
    g = grads(params, lambd, m)
    assert set(g) == {"dW1", "dW2"}  # biases are not penalized
    for k in ("W1", "W2"):
        numeric = central_diff(lambda w, k=k: float(value({**params, k: w}, lambd, m)), params[k])
        assert rel_err(g["d" + k], numeric) < TOL


def test_l2_penalty_value_follows_the_notes_lambda_over_2m():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[5.0]])}
    assert np.isclose(regularization.l2_penalty(params, 0.4, 2), 0.4 / 4 * 5)


def test_dense_backward_matches_finite_differences(rng):
    A_prev, W, b = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 1)),
    )
    m = 4
    assert_op_gradients(  # dA_prev per example; dW, db of the mean cost (1/m)
        dense_forward,
        dense_backward,
        {"A_prev": A_prev, "W": W, "b": b},
        scale={"W": 1 / m, "b": 1 / m},
        tol=TOL,
        rng=rng,
    )


def test_dense_layer_backward_matches_finite_differences(rng):
    layer = Dense(3, 2, "tanh", rng=rng, l=1)
    layer.b = rng.standard_normal((2, 1))
    A_prev, dA = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    m = 4

    def forward(A_prev, W, b):  # the layer's own forward, tanh included
        layer.W, layer.b = W, b
        return layer.forward(A_prev)

    def backward(dA, _):
        dA_prev = layer.backward(dA)
        return dA_prev, layer.dW, layer.db

    assert_op_gradients(  # S = sum dA . A; dW, db are gradients of the mean S/m
        forward,
        backward,
        {"A_prev": A_prev, "W": layer.W, "b": layer.b},
        scale={"W": 1 / m, "b": 1 / m},
        tol=TOL,
        d_out=dA,
    )


def test_dropout_keeps_expectation_and_scales_by_keep_prob():
    A = np.ones((200, 500))
    out, D = regularization.dropout_forward(A, 0.8, np.random.default_rng(0))
    assert set(np.unique(out)) == {0.0, 1.25}
    assert abs(out.mean() - 1.0) < 0.01
    dA = regularization.dropout_backward(np.ones_like(A), D, 0.8)
    np.testing.assert_array_equal(dA, out)  # the same units, the same scale


def test_dropout_mask_follows_the_generator():
    a, _ = regularization.dropout_forward(np.ones((3, 4)), 0.5, np.random.default_rng(7))
    b, _ = regularization.dropout_forward(np.ones((3, 4)), 0.5, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_dropout_backward_matches_finite_differences(rng):
    A, keep_prob = rng.standard_normal((4, 6)), 0.8

    def forward(A):  # the same mask on every call: a fresh generator with the same seed
        return regularization.dropout_forward(A, keep_prob, np.random.default_rng(7))

    assert_op_gradients(
        forward,
        lambda dA, D: regularization.dropout_backward(dA, D, keep_prob),
        {"A": A},
        tol=TOL,
        rng=rng,
    )


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.0, -0.1, 1.5, float("nan")])
def test_keep_prob_outside_0_1_is_rejected(keep_prob):
    with pytest.raises(ValueError, match=r"keep_prob must be (a finite number )?in \(0, 1\]"):
        regularization.dropout_forward(np.ones((2, 2)), keep_prob, np.random.default_rng(0))


def test_bce_rejects_labels_outside_0_1():
    with pytest.raises(ValueError, match="bce: labels Y must hold only 0 and 1"):
        losses.bce(np.full((1, 3), 0.5), np.array([[0.0, 2.0, 1.0]]))


def test_losses_reject_mismatched_shapes():
    with pytest.raises(
        ValueError, match=r"mse: labels Y must have the shape of A \(1, 3\), got \(1, 4\)"
    ):
        losses.mse(np.zeros((1, 3)), np.zeros((1, 4)))


def test_losses_reject_nan():
    with pytest.raises(ValueError, match="contains NaN"):
        losses.bce(np.array([[0.5, np.nan]]), np.array([[0.0, 1.0]]))


def test_dense_rejects_wrong_input_shape():
    layer = Dense(3, 2, rng=0, l=4)
    with pytest.raises(ValueError, match=r"Dense layer 4: expected A_prev of shape \(3, m\)"):
        layer.forward(np.zeros((2, 5)))
