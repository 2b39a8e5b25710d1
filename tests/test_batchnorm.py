"""Batch normalization: backward vs central differences (dense and conv layouts, training and
inference), the gradient convention, running statistics, eps inside the root, bad shapes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_op_gradients

from visualdl.engine.batchnorm import (
    batch_norm,
    batch_norm_backward,
    batch_norm_inference,
    batch_norm_notes,
)
from visualdl.engine.cnn_layers import Activation, Conv2D, Flatten
from visualdl.engine.gradcheck import check_model
from visualdl.engine.layers import BatchNorm, Dense
from visualdl.engine.model import Sequential
from visualdl.trace import record

LAYOUTS = {
    # Z shape, gamma shape, number of examples m
    "dense": ((4, 6), (4, 1), 6),
    "conv": ((3, 4, 5, 2), (2,), 3),
}


def _inputs(rng, layout):
    z_shape, g_shape, m = LAYOUTS[layout]
    Z = rng.normal(1.0, 2.0, z_shape)
    gamma = rng.normal(1.0, 0.3, g_shape)
    beta = rng.normal(0.0, 0.5, g_shape)
    dout = rng.normal(size=z_shape)  # L = sum(dout * out): dout is dL/dout, per example
    return Z, gamma, beta, dout, m


@pytest.mark.parametrize("layout", ["dense", "conv"])
def test_backward_matches_central_differences(rng, layout):
    Z, gamma, beta, dout, m = _inputs(rng, layout)
    # dZ is the per-example gradient of the summed loss L; dgamma, dbeta of the mean J = L/m
    # (the helper also checks that each gradient has its input's shape)
    assert_op_gradients(
        batch_norm,
        batch_norm_backward,
        {"Z": Z, "gamma": gamma, "beta": beta},
        scale={"gamma": 1 / m, "beta": 1 / m},
        tol=1e-7,
        d_out=dout,
    )


@pytest.mark.parametrize("layout", ["dense", "conv"])
def test_inference_backward_matches_central_differences(rng, layout):
    Z, gamma, beta, dout, m = _inputs(rng, layout)
    mean, var = rng.normal(size=gamma.shape), rng.uniform(0.5, 2.0, gamma.shape)
    out, _ = batch_norm_inference(Z, gamma, beta, mean, var, 1e-3, return_cache=True)
    assert np.allclose(out, batch_norm_inference(Z, gamma, beta, mean, var, 1e-3))
    assert_op_gradients(
        lambda Z, gamma, beta: batch_norm_inference(
            Z, gamma, beta, mean, var, 1e-3, return_cache=True
        ),
        batch_norm_backward,
        {"Z": Z, "gamma": gamma, "beta": beta},
        scale={"gamma": 1 / m, "beta": 1 / m},
        tol=1e-7,
        d_out=dout,
    )


def test_statistics_per_feature_and_per_channel(rng):
    Z = rng.normal(5.0, 3.0, (3, 50))
    out, cache = batch_norm(Z, np.ones((3, 1)), np.zeros((3, 1)))
    assert np.allclose(out.mean(axis=1), 0) and np.allclose(out.var(axis=1), 1, atol=1e-5)
    assert np.allclose(cache["var"].ravel(), Z.var(axis=1))  # biased variance
    Z4 = rng.normal(5.0, 3.0, (4, 3, 3, 2))
    out4, _ = batch_norm(Z4, np.full(2, 2.0), np.full(2, 0.5))
    assert np.allclose(out4.mean(axis=(0, 1, 2)), 0.5)
    assert np.allclose(out4.std(axis=(0, 1, 2)), 2.0, atol=1e-5)


def test_eps_inside_the_square_root():
    Z = np.array([[0.0, 2.0]])  # mu 1, var 1
    one, zero = np.ones((1, 1)), np.zeros((1, 1))
    out, _ = batch_norm(Z, one, zero, eps=3.0)
    assert np.allclose(out, [[-0.5, 0.5]])  # (Z - 1) / sqrt(1 + 3)
    assert np.allclose(batch_norm_notes(Z, one, zero, eps=3.0), [[-0.25, 0.25]])  # / (1 + 3)
    same, _ = batch_norm(Z, one, zero, eps=1e-12)  # eps must be > 0; a tiny one is var alone
    assert np.allclose(same, batch_norm_notes(Z, one, zero, eps=1e-12))


def test_layer_running_statistics_used_at_inference(rng):
    bn = BatchNorm(2, layout="conv", momentum=0.9, l=1)
    batches = [rng.normal(3.0, 2.0, (8, 3, 3, 2)) for _ in range(3)]
    mean, var = np.zeros(2), np.ones(2)
    for Z in batches:
        bn.forward(Z, training=True)
        mean = 0.9 * mean + 0.1 * Z.mean(axis=(0, 1, 2))
        var = 0.9 * var + 0.1 * Z.var(axis=(0, 1, 2))
    assert np.allclose(bn.running_mean, mean) and np.allclose(bn.running_var, var)
    Z = rng.normal(size=(2, 3, 3, 2))
    before = (bn.running_mean.copy(), bn.running_var.copy())
    out = bn.forward(Z, training=False)
    expected = (Z - mean) / np.sqrt(var + bn.eps) * bn.gamma + bn.beta
    assert np.allclose(out, expected)
    assert np.array_equal(before[0], bn.running_mean)  # inference leaves the statistics
    # one example at inference does not depend on its batch
    assert np.allclose(bn.forward(Z[:1], training=False), out[:1])


def test_layer_params_grads_and_trace(rng):
    bn = BatchNorm(3, layout="dense", l=4)
    with record() as tr:
        bn.forward(rng.normal(size=(3, 5)), training=True)
        bn.backward(rng.normal(size=(3, 5)))
    assert set(bn.params()) == {"gamma4", "beta4"}
    assert set(bn.grads) == {"dgamma4", "dbeta4"} and bn.grads["dgamma4"].shape == (3, 1)
    assert tr.names() == ["bn4.forward", "bn4.backward"]  # the op inside records no copy
    assert tr.last("bn4.forward").info["training"] is True


def _check_training_mode(model, X, Y):
    """check_model on the training forward (batch statistics), with the first bias apart: a bias
    right before batch norm is cancelled by the mean, so db1 = 0 and its relative error is
    meaningless."""
    grads = model.backward(model.forward(X, training=True), Y)
    assert np.abs(grads["db1"]).max() < 1e-12
    errors = check_model(model, X, Y, training=True)
    return {k: v for k, v in errors.items() if k != "b1"}


def test_batchnorm_in_sequential_dense_and_conv(rng):
    dense = Sequential(
        [
            Dense(3, 4, "identity", rng=0),
            BatchNorm(4),
            Activation("tanh"),
            Dense(4, 2, "softmax", rng=1),
        ],
        loss="cross_entropy",
    )
    assert sorted(dense.params) == ["W1", "W3", "b1", "b3", "beta2", "gamma2"]
    X, Y = rng.normal(size=(3, 7)), np.eye(2)[:, rng.integers(0, 2, 7)]
    assert max(_check_training_mode(dense, X, Y).values()) < 1e-6

    conv = Sequential(
        [
            Conv2D(2, 3, 3, padding=1, activation="identity", rng=0),
            BatchNorm(3, layout="conv"),
            Activation("tanh"),
            Flatten(),
            Dense(3 * 4 * 4, 2, "softmax", rng=1),
        ],
        loss="cross_entropy",
    )
    X4 = rng.normal(size=(3, 4, 4, 2))
    Y4 = np.eye(2)[:, [0, 1, 1]]
    assert max(_check_training_mode(conv, X4, Y4).values()) < 1e-6


@pytest.mark.parametrize(
    ("Z", "gamma", "match"),
    [
        (np.ones((2, 3, 4)), np.ones((2, 1)), r"\(n, m\).*\(2, 3, 4\)"),
        (np.ones((2, 3)), np.ones((2,)), r"gamma must have shape \(2, 1\)"),
        (np.ones((1, 2, 2, 3)), np.ones((3, 1)), r"gamma must have shape \(3,\)"),
    ],
)
def test_bad_shapes(Z, gamma, match):
    with pytest.raises(ValueError, match=match):
        batch_norm(Z, gamma, np.zeros_like(gamma))


def test_bad_inputs_elsewhere():
    _, cache = batch_norm(np.ones((2, 3)) * np.arange(3), np.ones((2, 1)), np.zeros((2, 1)))
    with pytest.raises(
        ValueError, match=r"^batch_norm_backward: dout must have the shape of Z \(2, 3\)"
    ):
        batch_norm_backward(np.ones((3, 2)), cache)
    with pytest.raises(ValueError, match="running_var"):
        batch_norm_inference(
            np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), np.zeros((2, 1)), np.ones(2)
        )
    with pytest.raises(ValueError, match="eps"):
        batch_norm(np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), eps=-1.0)
    with pytest.raises(ValueError, match=r"4-D input, got shape \(2, 3\)"):
        BatchNorm(2, layout="conv").forward(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match="layout"):
        BatchNorm(2, layout="channels")


@pytest.mark.parametrize("layout", ["dense", "conv"])
def test_runs_under_array_api_strict(rng, layout):
    xps = pytest.importorskip("array_api_strict")
    Z, gamma, beta, dout, _ = _inputs(rng, layout)
    out, cache = batch_norm(Z, gamma, beta)
    grads = batch_norm_backward(dout, cache)
    s = [xps.asarray(a) for a in (Z, gamma, beta, dout)]
    out_s, cache_s = batch_norm(*s[:3])
    np.testing.assert_allclose(np.asarray(out_s), out, rtol=1e-12)
    for a, b in zip(batch_norm_backward(s[3], cache_s), grads, strict=True):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-10, atol=1e-14)
    inf = batch_norm_inference(*s[:3], s[1] * 0, s[1] * 0 + 1)
    np.testing.assert_allclose(
        np.asarray(inf), batch_norm_inference(Z, gamma, beta, gamma * 0, gamma * 0 + 1)
    )


# -- the one door: every bad call is a ValueError that starts with the op's name ---------------

Z2, G2, B2 = np.arange(6.0).reshape(2, 3), np.ones((2, 1)), np.zeros((2, 1))
Z4, G4, B4 = np.arange(24.0).reshape(2, 2, 3, 2), np.ones(2), np.zeros(2)


def _inference(Z=Z2, mean=B2, var=G2, eps=1e-5):
    return lambda: batch_norm_inference(Z, G2, B2, mean, var, eps)


BAD_CALLS = [  # (op, call)
    ("batch_norm", lambda: batch_norm(Z2, G2, B2, eps=0.0)),  # was NaN on a constant feature
    ("batch_norm", lambda: batch_norm(Z2, G2, B2, eps=-1e-5)),
    ("batch_norm", lambda: batch_norm(Z2, G2, B2, eps=float("nan"))),
    ("batch_norm", lambda: batch_norm(Z2, G2, B2, eps=float("inf"))),
    ("batch_norm", lambda: batch_norm(Z2, G2, B2, eps="1e-5")),
    ("batch_norm", lambda: batch_norm(Z2[:, :1], G2, B2)),  # N = 1: was beta, dZ = 0
    ("batch_norm", lambda: batch_norm(Z4[:1, :1, :1], G4, B4)),  # conv, N = 1 * 1 * 1
    ("batch_norm", lambda: batch_norm(np.ones((2, 0)), G2, B2)),  # m = 0
    ("batch_norm", lambda: batch_norm(np.ones((0, 2, 2, 2)), G4, B4)),
    ("batch_norm", lambda: batch_norm(np.ones((2, 0, 2, 2)), G4, B4)),
    ("batch_norm", lambda: batch_norm(Z2 * 1j, G2, B2)),
    ("batch_norm", lambda: batch_norm(Z2, G2.astype(object), B2)),
    ("batch_norm", lambda: batch_norm(Z2, G2, B2[:1])),
    ("batch_norm", lambda: batch_norm(Z2[0], G2, B2)),
    ("batch_norm_inference", _inference(eps=0)),
    ("batch_norm_inference", _inference(var=-G2)),  # a negative variance
    ("batch_norm_inference", _inference(var=G2 * np.nan)),
    ("batch_norm_inference", _inference(var=G2 * np.inf)),
    ("batch_norm_inference", _inference(var=np.ones(2))),
    ("batch_norm_inference", _inference(mean=np.zeros((3, 1)))),
    ("batch_norm_inference", _inference(Z=np.ones((2, 0)))),
    ("batch_norm_inference", _inference(Z=Z2 * 1j)),
    ("batch_norm_backward", lambda: batch_norm_backward(Z2.T, batch_norm(Z2, G2, B2)[1])),
    ("batch_norm_backward", lambda: batch_norm_backward(Z2 * 1j, batch_norm(Z2, G2, B2)[1])),
    ("batch_norm_notes", lambda: batch_norm_notes(Z2, G2, B2, eps=0.0)),
    ("batch_norm_notes", lambda: batch_norm_notes(Z2[:, :1], G2, B2)),
    ("batch_norm_notes", lambda: batch_norm_notes(Z2, G4, B4)),
]


@pytest.mark.parametrize("op, call", BAD_CALLS, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_call_is_one_value_error_naming_the_op(op, call):
    with pytest.raises(ValueError, match=rf"^{op}: "):
        call()


def test_one_value_per_feature_says_what_to_do():
    with pytest.raises(ValueError, match=r"N = 1 .*training=False.*larger batch"):
        batch_norm(Z2[:, :1], G2, B2)
    out, _ = batch_norm(Z4[:1], G4, B4)  # one example, but N = 2 * 3 values per channel
    assert out.shape == (1, 2, 3, 2)
    inference = batch_norm_inference(Z2[:, :1], G2, B2, B2, G2, 1e-5)  # one example is fine
    assert np.allclose(inference, Z2[:, :1] / np.sqrt(1 + 1e-5))


def test_tiny_eps_on_a_constant_feature_is_finite():
    out, cache = batch_norm(np.ones((1, 4)), np.ones((1, 1)), np.zeros((1, 1)), eps=1e-12)
    assert np.array_equal(out, np.zeros((1, 4)))
    dZ, _, _ = batch_norm_backward(np.ones((1, 4)), cache)
    assert np.isfinite(dZ).all()


@pytest.mark.parametrize("layout", ["dense", "conv"])
def test_keeps_the_dtype_of_Z(rng, layout):
    Z, gamma, beta, dout, _ = _inputs(rng, layout)
    Z32, dout32 = Z.astype(np.float32), dout.astype(np.float32)
    out, cache = batch_norm(Z32, gamma, beta)  # float64 gamma, beta: cast to Z's dtype
    grads = batch_norm_backward(dout32, cache)
    inference = batch_norm_inference(Z32, gamma, beta, gamma * 0, gamma * 0 + 1)
    assert {a.dtype for a in (out, *grads, inference)} == {np.dtype(np.float32)}
    np.testing.assert_allclose(out, batch_norm(Z, gamma, beta)[0], rtol=1e-4, atol=1e-5)


def test_lists_and_integers_come_in_as_float64():
    out, _ = batch_norm([[1, 2, 3, 4]], [[1]], [[0]], eps=1e-12)
    assert out.dtype == np.float64
    assert np.round(out, 4).tolist() == [[-1.3416, -0.4472, 0.4472, 1.3416]]


def test_nan_propagates():
    Z = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])
    out, cache = batch_norm(Z, G2, B2)
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()
