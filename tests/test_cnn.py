"""CNN layers in a Sequential (gradient-checked), the classic architectures' shape chains and
parameter counts (notes A36), the Inception cost (A38), the notes' pooling-size mistake (A34),
the digits CNN, and clear errors for bad shapes."""

from __future__ import annotations

import numpy as np
import pytest

from visualdl.demos.digits import digits_data, digits_trace, train_digits
from visualdl.engine import mlp
from visualdl.engine.architectures import (
    ALEXNET,
    ALEXNET_INPUT,
    LENET5,
    LENET5_INPUT,
    VGG16,
    VGG16_INPUT,
    conv_layer_summary,
    conv_multiplications,
    count_params,
    inception_cost,
    pool_output_size,
    pool_output_size_notes,
    same_padding,
    shape_chain,
)
from visualdl.engine.cnn_layers import (
    Activation,
    AvgPool2D,
    Conv2D,
    Flatten,
    GlobalAvgPool,
    MaxPool2D,
    Residual,
)
from visualdl.engine.gradcheck import check_model
from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential
from visualdl.trace import record


def _labels(rng, k, m):
    return np.eye(k)[:, rng.integers(0, k, m)]


# -- gradient checks ---------------------------------------------------------------------------


def test_conv_pool_flatten_gradcheck(rng):
    model = Sequential(
        [
            Conv2D(2, 3, 3, padding="same", activation="tanh", rng=0),
            MaxPool2D(2, 2),
            Conv2D(3, 4, 1, activation="sigmoid", rng=1),  # a 1x1 convolution
            AvgPool2D(3, 1),
            Flatten(),
            Dense(4, 3, "softmax", rng=2),
        ],
        loss="cross_entropy",
    )
    assert [layer.l for layer in (model.layers[0], model.layers[2], model.layers[5])] == [1, 2, 3]
    X = rng.normal(size=(3, 6, 6, 2))
    errors = check_model(model, X, _labels(rng, 3, 3))
    assert set(errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert max(errors.values()) < 1e-7, errors


def test_stride_dilation_gap_residual_gradcheck(rng):
    model = Sequential(
        [
            Conv2D(1, 3, 3, stride=2, padding=1, activation="tanh", rng=0),
            Residual(
                [
                    Conv2D(3, 3, 3, padding="same", activation="tanh", rng=1),
                    Conv2D(3, 3, 3, padding="same", activation="identity", rng=2),
                ],
                activation="tanh",
            ),
            Residual(
                [Conv2D(3, 2, 3, padding=2, dilation=2, activation="identity", rng=3)],
                activation="tanh",
                shortcut=Conv2D(3, 2, 1, activation="identity", rng=4),
            ),
            GlobalAvgPool(),
            Dense(2, 1, "sigmoid", rng=5),
        ],
        loss="bce",
    )
    keys = [k for k in model.params if k.startswith("W")]
    assert keys == ["W1", "W2", "W3", "W4", "W5", "W6"]
    X = rng.normal(size=(4, 7, 7, 1))
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    assert model.forward(X).shape == (1, 4)
    errors = check_model(model, X, Y)
    assert max(errors.values()) < 1e-7, errors


def test_activation_layer_any_shape_and_residual_identity_skip(rng):
    A = rng.normal(size=(2, 3, 3, 2))
    act = Activation("tanh")
    assert np.allclose(act.forward(A), np.tanh(A))
    assert np.allclose(act.backward(np.ones_like(A)), 1 - np.tanh(A) ** 2)
    # the notes' a[l+2] = g(z[l+2] + a[l]): with main weights zero, the block is g(a[l])
    conv = Conv2D(2, 2, 3, padding="same", activation="identity", rng=0)
    conv.W = np.zeros_like(conv.W)
    block = Residual([conv], activation="relu")
    assert np.allclose(block.forward(A), np.maximum(A, 0))
    assert np.allclose(block.backward(np.ones_like(A)), (A > 0) * 1.0)


def test_flatten_and_gap_layouts(rng):
    X = rng.normal(size=(4, 3, 2, 5))
    F = Flatten().forward(X)
    assert F.shape == (30, 4) and np.array_equal(F[:, 1], X[1].ravel())
    G = GlobalAvgPool()
    assert np.allclose(G.forward(X), X.mean(axis=(1, 2)).T)
    dX = G.backward(np.ones((5, 4)))
    assert dX.shape == X.shape and np.allclose(dX, 1 / 6)


def test_conv_layer_init_and_trace(rng):
    layer = Conv2D(16, 32, 3, rng=0, l=2)
    assert layer.W.shape == (3, 3, 16, 32) and layer.b.shape == (32,)
    assert abs(layer.W.std() - np.sqrt(2 / (3 * 3 * 16))) < 0.01
    with record() as tr:
        A = layer.forward(rng.normal(size=(2, 5, 5, 16)))
        layer.backward(np.ones_like(A))
    assert {"conv2.forward", "conv2.backward"} <= set(tr.names())
    assert tr.last("conv2.forward")["Z"].shape == (2, 3, 3, 32)
    assert set(layer.grads) == {"dW2", "db2"}


def test_dense_numbering_unchanged_for_mlps():
    model = mlp([2, 4, 3, 1], seed=0, keep_prob=0.8)
    assert [d.l for d in model.dense] == [1, 2, 3]
    assert sorted(model.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]


def test_fit_on_4d_inputs_is_reproducible(rng):
    X = rng.normal(size=(10, 4, 4, 1))
    Y = _labels(rng, 2, 10)

    def run():
        model = Sequential(
            [Conv2D(1, 2, 3, activation="tanh", rng=0), Flatten(), Dense(8, 2, "softmax", rng=1)],
            loss="cross_entropy",
        )
        return model.fit(X, Y, 0.01, 3, optimizer="adam", batch_size=4, seed=3)

    first, second = run(), run()
    assert len(first["step_cost"]) == 9 and first == second


# -- architectures -----------------------------------------------------------------------------

NOTES_CHAINS = {
    "lenet5": [(32, 32, 1), (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16)]
    + [(120,), (84,), (10,)],
    "alexnet": [(227, 227, 3), (55, 55, 96), (27, 27, 96), (27, 27, 256), (13, 13, 256)]
    + [(13, 13, 384), (13, 13, 384), (13, 13, 256), (6, 6, 256), (4096,), (4096,), (1000,)],
    "vgg16": [(224, 224, 3)]
    + [(224, 224, 64)] * 2
    + [(112, 112, 64)]
    + [(112, 112, 128)] * 2
    + [(56, 56, 128)]
    + [(56, 56, 256)] * 3
    + [(28, 28, 256)]
    + [(28, 28, 512)] * 3
    + [(14, 14, 512)]
    + [(14, 14, 512)] * 3
    + [(7, 7, 512), (4096,), (4096,), (1000,)],
}
SPECS = {
    "lenet5": (LENET5, LENET5_INPUT, 61_706, 400),
    "alexnet": (ALEXNET, ALEXNET_INPUT, 62_378_344, 9_216),
    "vgg16": (VGG16, VGG16_INPUT, 138_357_544, 25_088),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_shape_chains_and_parameter_counts(name):
    spec, input_shape, params, fc_in = SPECS[name]
    rows = shape_chain(spec, input_shape)
    assert [r.shape for r in rows] == NOTES_CHAINS[name]
    assert count_params(spec, input_shape) == params
    fc1 = next(r for r in rows if r.kind == "fc")
    assert fc1.params == fc1.shape[0] * fc_in + fc1.shape[0]


def test_chain_details():
    rows = shape_chain(LENET5, LENET5_INPUT)
    assert [r.name for r in rows] == ["input", "conv1", "pool1", "conv2", "pool2"] + [
        "fc1",
        "fc2",
        "fc3",
    ]
    assert rows[1].params == 5 * 5 * 1 * 6 + 6 and rows[1].multiplications == 28 * 28 * 6 * 25
    assert rows[2].params == 0 and rows[2].multiplications == 0
    assert count_params(VGG16, (224, 224, 1)) == 138_356_392  # the notes' 1-channel input


def test_inception_cost():
    c = inception_cost()
    assert c["direct"] == 120_422_400
    assert (c["reduce"], c["conv"], c["bottleneck"]) == (2_408_448, 10_035_200, 12_443_648)
    assert round(c["ratio"], 2) == 9.68


def test_layer_calculator():
    s = conv_layer_summary(32, 5, 0, 1, 3, 6)
    assert s["shape"] == (28, 28, 6) and s["weights"] == 450 and s["params"] == 456
    assert conv_layer_summary(7, 3, 0, 2, 1, 1)["n_out"] == 3  # floor((7 - 3)/2) + 1
    assert conv_layer_summary(6, 3, "same", 1, 1, 1)["shape"] == (6, 6, 1)
    assert same_padding(7, 3, 2) == 4.0 and same_padding(32, 5, 2) == 17.5


def test_notes_pooling_formula_is_wrong():
    assert pool_output_size_notes(28, 2, 2) == 14.5 and pool_output_size(28, 2, 2) == 14
    assert pool_output_size_notes(55, 3, 2) == 28.5 and pool_output_size(55, 3, 2) == 27
    assert pool_output_size_notes(224, 2, 2) == 112.5 and pool_output_size(224, 2, 2) == 112


# -- the digits CNN ----------------------------------------------------------------------------


def test_digits_cnn_small_budget():
    model, history, acc = train_digits(epochs=12, batch_size=32, lr=0.003, seed=0)
    assert acc["test"] >= 0.95, acc
    assert history["cost"][-1] < history["cost"][0]


def test_digits_data_split_is_fixed():
    (X_tr, Y_tr), (X_te, Y_te) = digits_data()
    (X_tr2, _), _ = digits_data()
    assert X_tr.shape == (1347, 8, 8, 1) and X_te.shape == (450, 8, 8, 1)
    assert np.array_equal(X_tr, X_tr2) and X_tr.min() == 0 and X_tr.max() == 1
    assert np.array_equal(Y_te.sum(axis=0), np.ones(450))


def test_digits_trace_records():
    tr = digits_trace(epochs=2, k=3)
    W = tr.last("digits.kernels")["W"]
    fm = tr.last("digits.feature_maps")
    assert W.shape == (3, 3, 1, 8)
    assert fm["X"].shape == (3, 8, 8, 1) and fm["conv1"].shape == (3, 8, 8, 8)
    assert fm["pool1"].shape == (3, 4, 4, 8) and fm["conv2"].shape == (3, 4, 4, 16)
    assert fm["labels"].shape == fm["predictions"].shape == (3,)
    assert np.allclose(fm["probabilities"].sum(axis=0), 1)
    assert np.array_equal(digits_trace(epochs=2, k=3).last("digits.kernels")["W"], W)


# -- bad input ---------------------------------------------------------------------------------


def test_channel_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"3 channels.*n_C_prev = 2.*\(1, 5, 5, 3\)"):
        Conv2D(2, 4, 3, rng=0).forward(np.ones((1, 5, 5, 3)))


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel spans 5 .*padded input has only 3"):
        Conv2D(1, 1, 5, rng=0).forward(np.ones((1, 3, 3, 1)))
    with pytest.raises(ValueError, match="kernel spans"):
        MaxPool2D(4).forward(np.ones((1, 3, 3, 1)))


def test_same_with_stride_two():
    with pytest.raises(ValueError, match="'same'.*stride 2"):
        Conv2D(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="'same'"):
        conv_layer_summary(8, 3, "same", 2)


def test_other_bad_inputs(rng):
    with pytest.raises(ValueError, match=r"^Residual layer 0: main path gives \(1, 4, 4, 3\)"):
        Residual([Conv2D(2, 3, 3, padding=1, rng=0)]).forward(np.ones((1, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"^Flatten layer 0: .*\(3, 4\)"):
        Flatten().forward(np.ones((3, 4)))
    with pytest.raises(ValueError, match="elementwise"):
        Conv2D(1, 1, 3, activation="softmax")
    with pytest.raises(ValueError, match="dense layout"):
        Activation("softmax").forward(np.ones((1, 2, 2, 1)))
    with pytest.raises(ValueError, match=r"^Sequential\.fit: .*m = 3"):
        model = Sequential([Flatten(), Dense(4, 1, "sigmoid", rng=0)])
        model.fit(np.ones((3, 2, 2, 1)), np.ones((1, 4)), batch_size=2)
    with pytest.raises(ValueError, match="shape_chain"):
        shape_chain(LENET5, (32, 32))


# -- the one door: every bad call is a ValueError that starts with the layer's (or op's) name ------

V = np.ones((2, 6, 6, 1))  # a volume: m = 2 examples of 6 x 6 x 1


def _forward(layer, A=V):
    return lambda: layer.forward(A)


def _backward(layer, dA, A=V):
    """Forward ``A`` first (when given), then backward ``dA``."""

    def run():
        if A is not None:
            layer.forward(A)
        layer.backward(dA)

    return run


def _residual():
    return Residual([Conv2D(1, 1, 3, padding="same", activation="identity", rng=0)])


BAD_LAYER_CALLS = [  # (message start, call)
    # backward before forward: was "'NoneType' object is not subscriptable", or dA.T (Flatten)
    ("Conv2D layer 1", _backward(Conv2D(1, 2, 3, rng=0), np.ones((2, 4, 4, 2)), None)),
    ("MaxPool2D layer 0", _backward(MaxPool2D(2), np.ones((2, 3, 3, 1)), None)),
    ("AvgPool2D layer 0", _backward(AvgPool2D(2), np.ones((2, 3, 3, 1)), None)),
    ("GlobalAvgPool layer 0", _backward(GlobalAvgPool(), np.ones((1, 2)), None)),
    ("Flatten layer 0", _backward(Flatten(), np.ones((36, 2)), None)),
    ("Activation layer 0", _backward(Activation("tanh"), V, None)),
    ("Residual layer 0", _backward(_residual(), V, None)),
    # upstream gradients of exactly the shape of what they differentiate
    ("Conv2D layer 1", _backward(Conv2D(1, 2, 3, rng=0), np.ones((2, 4, 4, 1)))),
    ("MaxPool2D layer 0", _backward(MaxPool2D(2), np.ones((2, 3, 3, 2)))),
    ("AvgPool2D layer 0", _backward(AvgPool2D(3, 1), np.ones((2, 3, 3, 1)))),
    ("GlobalAvgPool layer 0", _backward(GlobalAvgPool(), np.ones((2, 1)))),
    ("Flatten layer 0", _backward(Flatten(), np.ones((2, 36)))),  # transposed
    ("Flatten layer 0", _backward(Flatten(), np.ones((36, 1)))),
    ("Activation layer 0", _backward(Activation("tanh"), np.ones((2, 6, 6)))),
    ("Residual layer 0", _backward(_residual(), np.ones((1, 6, 6, 1)))),
    ("MaxPool2D layer 0", _backward(MaxPool2D(2), np.ones((2, 3, 3, 1)) * 1j)),
    # forward: a batch of at least one example, real numbers, the layout
    ("Conv2D layer 1", _forward(Conv2D(1, 2, 3, rng=0), np.ones((0, 6, 6, 1)))),
    ("Conv2D layer 1", _forward(Conv2D(1, 2, 3, rng=0), np.ones((6, 6, 1)))),
    ("Conv2D layer 1", _forward(Conv2D(1, 2, 3, rng=0), V * 1j)),
    ("Conv2D layer 1", _forward(Conv2D(2, 2, 3, rng=0))),  # channels
    ("Conv2D layer 1", _forward(Conv2D(1, 2, 7, rng=0))),  # kernel larger than the input
    ("MaxPool2D layer 0", _forward(MaxPool2D(2), np.ones((0, 6, 6, 1)))),
    ("MaxPool2D layer 0", _forward(MaxPool2D(7))),
    ("AvgPool2D layer 0", _forward(AvgPool2D(2), np.ones((2, 6, 6)))),
    ("Flatten layer 0", _forward(Flatten(), np.ones((0, 2, 2, 1)))),
    ("GlobalAvgPool layer 0", _forward(GlobalAvgPool(), np.ones((2, 0, 2, 1)))),
    ("Activation layer 0", _forward(Activation("relu"), np.ones((0, 2, 2, 1)))),
    ("Activation layer 0", _forward(Activation("relu"), np.ones((3, 0)))),
    ("Activation layer 0", _forward(Activation("relu"), np.array(["a"]))),
    ("Residual layer 0", _forward(_residual(), V * 1j)),
    # hyper-parameters: ints in their ranges
    ("Conv2D", lambda: Conv2D(0, 1, 3)),
    ("Conv2D", lambda: Conv2D(1, 1, 0)),  # a 0x0 kernel made a 5x5 input 6x6
    ("Conv2D", lambda: Conv2D(1, 1, 3.0)),
    ("Conv2D", lambda: Conv2D(1, 1, 3, stride=0)),
    ("Conv2D", lambda: Conv2D(1, 1, 3, dilation=True)),
    ("Conv2D", lambda: Conv2D(1, 1, 3, padding=-1)),
    ("Conv2D", lambda: Conv2D(1, 1, 3, init="zeros")),
    ("Conv2D", lambda: Conv2D(1, 1, 3, dtype=np.int32)),
    ("Conv2D", lambda: Conv2D(1, 1, 3, dtype="complex64")),
    ("MaxPool2D", lambda: MaxPool2D(0)),
    ("MaxPool2D", lambda: MaxPool2D(2, 0)),
    ("AvgPool2D", lambda: AvgPool2D(2.0)),
    ("Conv2D layer 1", lambda: Conv2D(1, 1, 3).output_shape(0, 5)),
    ("MaxPool2D layer 0", lambda: MaxPool2D(2).output_shape(5, 5, 0)),
]


@pytest.mark.parametrize("op, call", BAD_LAYER_CALLS, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_layer_call_is_one_value_error_naming_the_layer(op, call):
    with pytest.raises(ValueError, match=rf"^{op}: "):
        call()


def test_layers_name_their_number_in_a_sequential():
    model = Sequential([Conv2D(1, 2, 3, rng=0), MaxPool2D(2), Flatten(), Dense(8, 1, rng=1)])
    model.forward(V)
    with pytest.raises(ValueError, match=r"^MaxPool2D layer 1: dA must have the shape of A"):
        model.layers[1].backward(np.ones((2, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"^Conv2D layer 1: A_prev has no examples"):
        model.layers[0].forward(np.ones((0, 6, 6, 1)))


def test_conv2d_dtype_float32_end_to_end(rng):
    layer = Conv2D(1, 2, 3, padding=1, rng=0, dtype=np.float32)
    assert layer.W.dtype == layer.b.dtype == np.float32
    A = layer.forward(rng.normal(size=(2, 6, 6, 1)).astype(np.float32))
    dA_prev = layer.backward(np.ones_like(A))
    assert {a.dtype for a in (A, dA_prev, layer.dW, layer.db)} == {np.dtype(np.float32)}
    W64 = Conv2D(1, 2, 3, padding=1, rng=0).W
    np.testing.assert_allclose(layer.W, W64, rtol=1e-6)  # the same draw, rounded
    for pool in (MaxPool2D(2), AvgPool2D(2), Flatten(), GlobalAvgPool(), Activation("tanh")):
        out = pool.forward(A)
        assert out.dtype == pool.backward(np.ones_like(out)).dtype == np.float32


def test_max_pool_layer_propagates_nan():
    X = np.ones((1, 4, 4, 1))
    X[0, 0, 0, 0] = np.nan
    A = MaxPool2D(2).forward(X)
    assert np.isnan(A[0, 0, 0, 0]) and np.isnan(A).sum() == 1


BAD_GEOMETRY = [  # the architecture helpers take ints in their ranges, like output_size
    ("pool_output_size", lambda: pool_output_size(28, 0, 2)),
    ("pool_output_size", lambda: pool_output_size(28, 2, 0)),
    ("pool_output_size", lambda: pool_output_size(28, 2, 2, -1)),
    ("pool_output_size", lambda: pool_output_size(28.0, 2, 2)),
    ("pool_output_size", lambda: pool_output_size(1, 2, 2)),
    ("pool_output_size_notes", lambda: pool_output_size_notes(28, 2, 0)),  # was ZeroDivision
    ("pool_output_size_notes", lambda: pool_output_size_notes(0, 2, 2)),
    ("same_padding", lambda: same_padding(7, 0)),
    ("same_padding", lambda: same_padding(7, 3, 0)),
    ("same_padding", lambda: same_padding(7, 3.5)),
    ("conv_multiplications", lambda: conv_multiplications(28, 28, 192, 0, 32)),
    ("conv_multiplications", lambda: conv_multiplications(28, -28, 192, 5, 32)),
    ("conv_layer_summary", lambda: conv_layer_summary(6, 0)),
    ("conv_layer_summary", lambda: conv_layer_summary(6, 3, -1)),
    ("conv_layer_summary", lambda: conv_layer_summary(6, 3, 0, 0)),
    ("conv_layer_summary", lambda: conv_layer_summary(6, 3, n_C=0)),
    ("conv_layer_summary", lambda: conv_layer_summary(2, 3)),
    ("inception_cost", lambda: inception_cost(f=0)),
    ("inception_cost", lambda: inception_cost(bottleneck=1.5)),
    ("shape_chain", lambda: shape_chain(LENET5, (32, 32, 0))),
    ("shape_chain", lambda: shape_chain(LENET5, (32, 32.0, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "conv", "f": 0, "n": 6}], (32, 32, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "conv", "n": 6}], (32, 32, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "conv", "f": 3, "n": 6, "s": 0}], (8, 8, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "conv", "f": 3, "n": 6, "p": -1}], (8, 8, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "conv", "f": 9, "n": 6}], (8, 8, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "pool", "f": 2, "s": 0}], (8, 8, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "pool", "f": 2, "pool": "min"}], (8, 8, 1))),
    ("shape_chain", lambda: shape_chain([{"kind": "fc", "n": 0}], (8, 8, 1))),
    (
        "shape_chain",
        lambda: shape_chain([{"kind": "fc", "n": 3}, {"kind": "pool", "f": 2}], (8, 8, 1)),
    ),
    ("shape_chain", lambda: shape_chain([{"kind": "norm"}], (8, 8, 1))),
]


@pytest.mark.parametrize("op, call", BAD_GEOMETRY, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_geometry_is_one_value_error_naming_the_helper(op, call):
    with pytest.raises(ValueError, match=rf"^{op}: "):
        call()


def test_shape_chain_names_the_layer():
    with pytest.raises(ValueError, match=r"^shape_chain: conv2: f must be an int >= 1, got 0"):
        shape_chain([{"kind": "conv", "f": 3, "n": 2}, {"kind": "conv", "f": 0, "n": 2}], (8, 8, 1))
