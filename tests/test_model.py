"""The whole MLP: gradient check, learning XOR, the notes' own XOR run, preprocessing, data."""

from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import Dense, Sequential, Standardizer, data, mlp
from visualdl.engine.gradcheck import check_model, numerical_gradient, relative_error

GRADCHECK_CASES = [
    dict(layer_dims=[2, 3, 1], hidden="tanh"),
    dict(layer_dims=[2, 4, 3, 1], hidden="sigmoid", lambd=0.5),
    dict(layer_dims=[2, 5, 3], hidden="leaky_relu", output="softmax", lambd=0.3, penalty="l1"),
    dict(layer_dims=[2, 4, 2], hidden="tanh", output="identity"),
]


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=lambda c: str(c["layer_dims"]))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_whole_mlp_passes_gradient_check(case, seed):
    X, labels = data.spirals(12, classes=2, seed=seed)
    n_out = case["layer_dims"][-1]
    Y = np.eye(n_out)[:, labels.ravel().astype(int) % n_out] if n_out > 1 else labels
    model = mlp(init="xavier", seed=seed, **case)
    errors = check_model(model, X, Y)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_catches_a_wrong_backward():
    X, Y = data.xor()
    model = mlp([2, 3, 1], hidden="tanh", seed=0)
    layer = model.dense[0]
    original = layer.backward

    def broken(dA=None, dZ=None, **kw):
        dA_prev = original(dA, dZ, **kw)
        layer.dW = layer.dW * 1.1  # a 10% error in dW1
        return dA_prev

    layer.backward = broken
    errors = check_model(model, X, Y)
    assert errors["W1"] > 1e-2 and errors["W2"] < 1e-7


def test_numerical_gradient_of_a_quadratic():
    x = np.array([1.0, -2.0, 3.0])
    g = numerical_gradient(lambda v: float(v @ v), x)
    assert relative_error(g, 2 * x) < 1e-9


@pytest.mark.slow
def test_he_xor_succeeds_on_at_least_9_of_10_seeds():
    X, Y = data.xor()
    wins = 0
    for seed in range(10):
        model = mlp([2, 8, 1], init="he", seed=seed)
        model.fit(X, Y, learning_rate=0.5, num_iterations=3000)
        wins += model.accuracy(X, Y) == 1.0
    assert wins >= 9


def test_the_notes_xor_example_gets_75_percent_not_100():
    """Notes: 2-4-1, init randn * 0.01 after np.random.seed(1), lr 0.1, 10,000 iterations."""
    X, Y = data.xor()
    model = mlp([2, 4, 1], init="scaled_normal", seed=np.random.RandomState(1))
    history = model.fit(X, Y, learning_rate=0.1, num_iterations=10_000, every=500)
    assert model.accuracy(X, Y) == 0.75
    np.testing.assert_allclose(history["cost"][:3], [0.6931485, 0.5869747, 0.3680695], atol=1e-7)
    np.testing.assert_array_equal(model.predict(X), [[0, 0, 1, 0]])


def test_the_comment_architecture_2_4_6_1_sits_on_the_ln2_plateau_then_learns():
    X, Y = data.xor()
    model = mlp([2, 4, 6, 1], init="scaled_normal", seed=np.random.RandomState(1))
    history = model.fit(X, Y, learning_rate=0.1, num_iterations=10_000, every=100)
    cost = dict(zip(history["iteration"], history["cost"], strict=True))
    assert all(abs(cost[i] - np.log(2)) < 1e-3 for i in range(0, 7000, 100))
    assert cost[9900] < 0.01 and model.accuracy(X, Y) == 1.0


def test_fit_reports_divergence_with_the_iteration():
    X, Y = data.two_moons(40, seed=0)
    model = mlp([2, 16, 1], hidden="identity", output="identity", seed=0)
    with pytest.raises(FloatingPointError, match="at iteration"):
        with np.errstate(over="ignore", invalid="ignore"):
            model.fit(X * 1e3, Y, learning_rate=10.0, num_iterations=100)


def test_params_and_grads_are_keyed_as_in_the_notes():
    X, Y = data.xor()
    model = mlp([2, 4, 6, 1], seed=0)
    grads = model.backward(model.forward(X), Y)
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert list(grads) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    assert model.params["W2"].shape == (6, 4) and model.params["b2"].shape == (6, 1)
    assert model.layer_dims == [2, 4, 6, 1]


def test_dropout_is_active_only_in_training():
    X, Y = data.two_moons(50, seed=1)
    model = mlp([2, 20, 1], keep_prob=0.5, seed=3)
    np.testing.assert_array_equal(model.forward(X), model.forward(X))
    assert not np.array_equal(model.forward(X, training=True), model.forward(X, training=True))


def test_initializer_scales():
    rng = np.random.default_rng(0)
    big = 4000
    he = Dense(big, 50, init="he", rng=rng).W
    xavier = Dense(big, 50, init="xavier", rng=rng).W
    small = Dense(big, 50, init="scaled_normal", rng=rng).W
    assert abs(he.std() - np.sqrt(2 / big)) < 0.02 * np.sqrt(2 / big)
    assert abs(xavier.std() - np.sqrt(1 / big)) < 0.02 * np.sqrt(1 / big)
    assert abs(small.std() - 0.01) < 0.0002


def test_random_state_reproduces_the_notes_draws():
    np_global = np.random.RandomState(1).randn(4, 2) * 0.01
    W1 = mlp([2, 4, 1], init="scaled_normal", seed=np.random.RandomState(1)).params["W1"]
    np.testing.assert_array_equal(W1, np_global)


def test_standardizer_fits_on_train_and_reuses_on_test():
    rng = np.random.default_rng(0)
    train = rng.normal([[5.0], [-3.0]], [[2.0], [0.5]], (2, 500))
    test = rng.normal([[5.0], [-3.0]], [[2.0], [0.5]], (2, 100))
    s = Standardizer().fit(train)
    Xn = s.transform(train)
    np.testing.assert_allclose(Xn.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Xn.std(axis=1), 1, atol=1e-6)
    np.testing.assert_allclose(s.transform(test), (test - s.mu) / (s.sigma + s.eps))
    with pytest.raises(ValueError, match="expected 2 features"):
        s.transform(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="call fit"):
        Standardizer().transform(train)


def test_predict_and_accuracy_for_softmax_output():
    X, labels = data.spirals(90, classes=3, seed=0)
    model = mlp([2, 32, 3], output="softmax", seed=0)
    model.fit(X, data.one_hot(labels, 3), learning_rate=1.0, num_iterations=1500)
    assert model.predict(X).shape == (90,)
    assert model.accuracy(X, labels) > 0.8


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_data_sets_are_seeded_and_column_per_example(name):
    make = data.DATASETS[name]
    a, b = make(), make()
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape[0] == 2 and a[1].shape == (1, a[0].shape[1])
    if name != "xor":
        assert not np.array_equal(make(seed=1)[0], a[0])


# -- bad input ---------------------------------------------------------------------------


def test_model_rejects_mismatched_labels_and_nan():
    X, Y = data.xor()
    model = mlp([2, 3, 1], seed=0)
    with pytest.raises(
        ValueError,
        match=r"Sequential.backward: labels Y must have the shape of the output AL \(1, 4\)",
    ):
        model.backward(model.forward(X), Y[:, :3])
    with pytest.raises(ValueError, match="forward: X contains NaN"):
        model.forward(np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="lr must be > 0"):
        model.train_step(X, Y, 0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(layer_dims=[2]), "layer_dims needs"),
        (dict(layer_dims=[2, 3, 1], hidden="bogus"), "activation: name must be one of"),
        (dict(layer_dims=[2, 3, 1], init="zeros"), "initialize: init must be one of"),
        (dict(layer_dims=[2, 3, 1], keep_prob=1.2), "keep_prob"),
        (dict(layer_dims=[2, 3, 1], lambd=-1.0), "lambd must be >= 0"),
        (dict(layer_dims=[2, 3, 1], loss="hinge"), "loss: name must be one of"),
    ],
)
def test_mlp_rejects_bad_configuration(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mlp(**kwargs)


def test_sequential_numbers_dense_layers_from_one():
    model = Sequential([Dense(2, 3, rng=0, l=7), Dense(3, 1, "sigmoid", rng=0, l=9)])
    assert [d.l for d in model.dense] == [1, 2]
