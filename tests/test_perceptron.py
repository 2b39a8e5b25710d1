"""The perceptron learning rule: it converges on separable data (AND, OR, NAND) in finitely
many epochs and separates them, never on XOR, and refuses bad input."""

from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import data
from visualdl.engine.perceptron import perceptron_fit, perceptron_predict, step

X, _ = data.xor()
LABELS = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
SEEDS = [None, 0, 1, 2, 3, 4, 5]


def labels(name: str) -> np.ndarray:
    return np.array([LABELS[name]], dtype=np.float64)


@pytest.mark.parametrize("name", ["AND", "OR", "NAND"])
@pytest.mark.parametrize("seed", SEEDS)
def test_converges_on_separable_data_and_separates_it(name: str, seed) -> None:
    Y = labels(name)
    run = perceptron_fit(X, Y, max_epochs=100, seed=seed)
    assert run.converged and run.epochs < 100
    assert run.errors[-1] == 0 and np.all(run.errors[:-1] > 0)
    np.testing.assert_array_equal(perceptron_predict(run.W, run.b, X), Y)
    # the last row of the history is the returned unit
    np.testing.assert_array_equal(run.W_history[-1], run.W[0])
    assert run.b_history[-1] == run.b[0, 0]
    assert run.W_history.shape == (run.epochs + 1, 2) and run.b_history.shape == (run.epochs + 1,)


@pytest.mark.parametrize("seed", SEEDS)
def test_never_separates_xor(seed) -> None:
    Y = labels("XOR")
    run = perceptron_fit(X, Y, max_epochs=60, seed=seed)
    assert not run.converged and run.epochs == 60
    assert np.all(run.errors >= 1)  # every epoch makes a mistake
    assert np.any(perceptron_predict(run.W, run.b, X) != Y)


def test_the_update_rule_by_hand() -> None:
    """One wrong example moves w by alpha (y - y_hat) x and b by alpha (y - y_hat)."""
    x, y = np.array([[2.0], [-1.0]]), np.array([[1.0]])
    run = perceptron_fit(x, y, lr=0.5, max_epochs=1, W=[[-1.0, 0.0]], b=[[0.0]])
    # z = -2 < 0, so y_hat = 0 and y - y_hat = 1: W = [-1, 0] + 0.5 [2, -1], b = 0.5
    np.testing.assert_allclose(run.W, [[0.0, -0.5]])
    np.testing.assert_allclose(run.b, [[0.5]])
    assert run.errors.tolist() == [1] and not run.converged


def test_a_right_answer_changes_nothing() -> None:
    run = perceptron_fit(X, labels("AND"), W=[[2.0, 1.0]], b=[[-2.5]])
    assert run.converged and run.epochs == 1 and run.errors.tolist() == [0]
    np.testing.assert_array_equal(run.W, [[2.0, 1.0]])


def test_step_is_one_at_zero() -> None:
    assert step(np.array([[-1e-12, 0.0, 3.0]])).tolist() == [[0.0, 1.0, 1.0]]


def test_same_seed_same_run_and_the_input_is_not_changed() -> None:
    W0 = np.array([[0.5, -0.5]])
    a = perceptron_fit(X, labels("OR"), W=W0, seed=3)
    b = perceptron_fit(X, labels("OR"), W=W0, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a.W_history, b.W_history)
    np.testing.assert_array_equal(a.errors, b.errors)
    np.testing.assert_array_equal(W0, [[0.5, -0.5]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"Y": [[0, 1, 2, 0]]}, "perceptron_fit: labels Y must hold only 0 and 1"),
        ({"Y": [[0, 1, 1]]}, r"perceptron_fit: labels Y must have the shape of \(1, m\)"),
        ({"X": [0.0, 1.0, 0.0, 1.0]}, r"perceptron_fit: X must be \(n_x, m\)"),
        ({"X": np.zeros((2, 0)), "Y": np.zeros((1, 0))}, "perceptron_fit: X has no examples"),
        ({"X": [[0, np.nan, 1, 1], [0, 1, 0, 1]]}, "perceptron_fit: X contains NaN"),
        ({"X": [["a", "b", "c", "d"]]}, "perceptron_fit: X must hold real numbers"),
        ({"lr": 0.0}, "perceptron_fit: lr must be > 0"),
        ({"lr": float("inf")}, "perceptron_fit: lr must be a finite number"),
        ({"max_epochs": 0}, "perceptron_fit: max_epochs must be an int >= 1"),
        ({"max_epochs": 2.5}, "perceptron_fit: max_epochs must be an int >= 1"),
        ({"W": [[1.0, 2.0, 3.0]]}, r"perceptron_fit: W must have the shape of \(1, n_x\)"),
        ({"b": [1.0]}, r"perceptron_fit: b must have the shape of \(1, 1\)"),
        ({"seed": -1}, "perceptron_fit: make_rng: seed must be an int >= 0"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs: dict, match: str) -> None:
    args = {"X": X, "Y": labels("AND"), **kwargs}
    with pytest.raises(ValueError, match=match):
        perceptron_fit(**args)


def test_predict_checks_its_shapes() -> None:
    with pytest.raises(ValueError, match=r"perceptron_predict: W must have the shape"):
        perceptron_predict([[1.0, 2.0, 3.0]], [[0.0]], X)
