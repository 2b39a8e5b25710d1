"""Convolution, transposed convolution and pooling (tier 2): the fast engine against its slow
loop oracle (hypothesis over shapes, strides, paddings and dilations), against central finite
differences in float64, and against the notes' worked examples; bad input; and the promise
that the fast path never calls the loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_op_gradients, rel_err
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from visualdl.engine import conv, conv_loops
from visualdl.engine.conv import (
    avg_pool2d,
    avg_pool2d_backward,
    conv2d,
    conv2d_backward,
    conv_transpose2d,
    conv_transpose2d_backward,
    max_pool2d,
    max_pool2d_backward,
    output_size,
    resolve_padding,
    window_starts,
    windows,
)
from visualdl.engine.conv_loops import (
    avg_pool2d_backward_loop,
    avg_pool2d_loop,
    conv2d_backward_loop,
    conv2d_loop,
    conv_transpose2d_loop,
    max_pool2d_backward_loop,
    max_pool2d_loop,
)

PROPERTY = settings(
    derandomize=True,
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
CLOSE = {"rtol": 1e-10, "atol": 1e-10}
FD = 1e-7  # central differences in float64 agree to ~1e-9 on these sizes; a wrong formula ~1


def close(a, b) -> bool:
    return a.shape == b.shape and np.allclose(a, b, **CLOSE)


def span(f: int, d: int) -> int:
    return d * (f - 1) + 1


# -- strategies ----------------------------------------------------------------------------------

paddings = st.one_of(st.integers(0, 2), st.sampled_from(["valid", "same"]))


@st.composite
def conv_cases(draw):
    """A conv2d problem: shapes, stride, padding, dilation and a seed for the values."""
    return {
        "m": draw(st.integers(1, 2)),
        "n_H": draw(st.integers(1, 9)),
        "n_W": draw(st.integers(1, 9)),
        "n_C_prev": draw(st.integers(1, 3)),
        "n_C": draw(st.integers(1, 3)),
        "f": draw(st.integers(1, 4)),
        "s": draw(st.integers(1, 3)),
        "p": draw(paddings),
        "d": draw(st.integers(1, 2)),
        "seed": draw(st.integers(0, 2**16)),
    }


def conv_inputs(c: dict):
    gen = np.random.default_rng(c["seed"])
    X = gen.standard_normal((c["m"], c["n_H"], c["n_W"], c["n_C_prev"]))
    W = gen.standard_normal((c["f"], c["f"], c["n_C_prev"], c["n_C"]))
    b = gen.standard_normal(c["n_C"])
    return gen, X, W, b


def valid_geometry(c: dict) -> bool:
    """Whether conv2d should accept the case (the rules, written out independently)."""
    f, s, d, p = c["f"], c["s"], c["d"], c["p"]
    if p == "same":
        if s != 1 or span(f, d) % 2 == 0:
            return False
        p = (span(f, d) - 1) // 2
    elif p == "valid":
        p = 0
    return span(f, d) <= min(c["n_H"], c["n_W"]) + 2 * p


# -- fast vs slow loop ---------------------------------------------------------------------------


@settings(PROPERTY, max_examples=80)
@given(conv_cases())
def test_conv2d_fast_matches_loop(c):
    gen, X, W, b = conv_inputs(c)
    args = (c["s"], c["p"], c["d"])
    event(f"padding {c['p']!r}: {'ok' if valid_geometry(c) else 'rejected'}")
    if not valid_geometry(c):
        with pytest.raises(ValueError, match="conv"):
            conv2d(X, W, b, *args)
        with pytest.raises(ValueError, match="conv"):
            conv2d_loop(X, W, b, *args)
        return
    Z, cache = conv2d(X, W, b, *args)
    p = resolve_padding(c["p"], c["f"], c["s"], c["d"])
    n_H = output_size(c["n_H"], c["f"], p, c["s"], c["d"])
    n_W = output_size(c["n_W"], c["f"], p, c["s"], c["d"])
    assert Z.shape == (c["m"], n_H, n_W, c["n_C"])
    assert close(Z, conv2d_loop(X, W, b, *args))
    dZ = gen.standard_normal(Z.shape)
    fast_slow = zip(conv2d_backward(dZ, cache), conv2d_backward_loop(dZ, X, W, *args), strict=True)
    for fast, slow in fast_slow:
        assert close(fast, slow)


@st.composite
def pool_cases(draw):
    return {
        "kind": draw(st.sampled_from(["max", "avg"])),
        "m": draw(st.integers(1, 2)),
        "n_H": draw(st.integers(1, 7)),
        "n_W": draw(st.integers(1, 7)),
        "n_C": draw(st.integers(1, 3)),
        "f": draw(st.integers(1, 3)),
        "s": draw(st.integers(1, 3)),
        "seed": draw(st.integers(0, 2**16)),
    }


POOL = {
    "max": (max_pool2d, max_pool2d_backward, max_pool2d_loop),
    "avg": (avg_pool2d, avg_pool2d_backward, avg_pool2d_loop),
}


@PROPERTY
@given(pool_cases())
def test_pooling_fast_matches_loop(c):
    assume(c["f"] <= min(c["n_H"], c["n_W"]))
    gen = np.random.default_rng(c["seed"])
    X = gen.standard_normal((c["m"], c["n_H"], c["n_W"], c["n_C"]))
    forward, backward, loop = POOL[c["kind"]]
    A, cache = forward(X, c["f"], c["s"])
    n_H, n_W = (output_size(n, c["f"], 0, c["s"]) for n in (c["n_H"], c["n_W"]))
    assert A.shape == (c["m"], n_H, n_W, c["n_C"])  # channels kept
    assert close(A, loop(X, c["f"], c["s"]))
    dA = gen.standard_normal(A.shape)
    if c["kind"] == "max":
        expected = max_pool2d_backward_loop(dA, X, c["f"], c["s"])
    else:
        expected = avg_pool2d_backward_loop(dA, X.shape, c["f"], c["s"])
    assert close(backward(dA, cache), expected)


@PROPERTY
@given(
    st.integers(1, 2),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(0, 2**16),
)
def test_conv_transpose2d_fast_matches_loop(m, n_H, n_W, n_C_prev, n_C, f, s, p, seed):
    assume(min(s * (n_H - 1), s * (n_W - 1)) + f - 2 * p >= 1)
    gen = np.random.default_rng(seed)
    X = gen.standard_normal((m, n_H, n_W, n_C_prev))
    W = gen.standard_normal((f, f, n_C_prev, n_C))
    b = gen.standard_normal(n_C)
    Y, _ = conv_transpose2d(X, W, b, s, p)
    assert Y.shape == (m, s * (n_H - 1) + f - 2 * p, s * (n_W - 1) + f - 2 * p, n_C)
    assert close(Y, conv_transpose2d_loop(X, W, b, s, p))


def test_max_pool_ties_go_to_the_first_maximum():
    X = np.ones((1, 4, 4, 1))
    X[0, 2:, 2:, 0] = [[5.0, 5.0], [1.0, 5.0]]
    A, cache = max_pool2d(X, 2, 2)
    dX = max_pool2d_backward(np.arange(1.0, 5.0).reshape(1, 2, 2, 1), cache)
    assert close(dX, max_pool2d_backward_loop(np.arange(1.0, 5.0).reshape(1, 2, 2, 1), X))
    assert dX[0, :, :, 0].tolist() == [
        [1.0, 0.0, 2.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [3.0, 0.0, 4.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ]


# -- transposed convolution ------------------------------------------------------------------------


def test_conv_transpose2d_notes_example():
    """The notes' (and d2l's) 2x2 example: input [[0,1],[2,3]], kernel [[0,1],[2,3]]."""
    X = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(1, 2, 2, 1)
    K = X.reshape(2, 2, 1, 1)
    Y, _ = conv_transpose2d(X, K, np.zeros(1))
    assert Y[0, :, :, 0].tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert conv_transpose2d_loop(X, K, np.zeros(1))[0, :, :, 0].tolist() == Y[0, :, :, 0].tolist()


@PROPERTY
@given(conv_cases())
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(c):
    """``dX`` of conv2d is the transposed convolution of dZ with the channel-swapped kernel,
    exactly when the windows tile the padded input (``(n + 2p - f) % s == 0``); otherwise the
    transposed output is shorter (no ``output_padding``) and matches dX's leading rows and
    columns. The adjoint identity ``<conv2d(X), Y> = <X, dX(Y)>`` holds throughout."""
    assume(c["d"] == 1 and c["p"] != "same" and valid_geometry(c))
    gen, X, W, _ = conv_inputs(c)
    f, s, p = c["f"], c["s"], resolve_padding(c["p"], c["f"])
    Z, cache = conv2d(X, W, np.zeros(c["n_C"]), s, p)
    Y = gen.standard_normal(Z.shape)
    dX, _, _ = conv2d_backward(Y, cache)
    assert math.isclose(np.sum(Z * Y), np.sum(X * dX), rel_tol=1e-10, abs_tol=1e-10)
    assume(min(Z.shape[1:3]) * s - s + f - 2 * p >= 1)
    T, _ = conv_transpose2d(Y, W.transpose(0, 1, 3, 2), np.zeros(c["n_C_prev"]), s, p)
    h, w = T.shape[1:3]
    assert close(dX[:, :h, :w], T)
    tiles = (c["n_H"] + 2 * p - f) % s == 0 and (c["n_W"] + 2 * p - f) % s == 0
    assert tiles == (T.shape == X.shape)
    if p == 0:  # the rows and columns past T are read by no window
        assert not dX[:, h:].any() and not dX[:, :, w:].any()


# -- central finite differences (float64) ----------------------------------------------------------

CONV_FD = [  # n_H, n_W, n_C_prev, n_C, f, s, p, d
    (5, 4, 2, 3, 3, 1, 0, 1),
    (6, 5, 2, 2, 3, 2, 1, 1),
    (5, 5, 1, 2, 3, 1, "same", 1),
    (7, 6, 2, 1, 2, 1, 1, 2),
    (6, 7, 3, 2, 2, 3, 2, 1),
]


@pytest.mark.parametrize("n_H, n_W, n_C_prev, n_C, f, s, p, d", CONV_FD)
def test_conv2d_backward_matches_finite_differences(rng, n_H, n_W, n_C_prev, n_C, f, s, p, d):
    m = 2
    X = rng.standard_normal((m, n_H, n_W, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal(n_C)
    got = assert_op_gradients(  # dX per example (no 1/m), dW and db of the mean cost (1/m)
        lambda X, W, b: conv2d(X, W, b, s, p, d),
        conv2d_backward,
        {"X": X, "W": W, "b": b},
        scale={"W": 1 / m, "b": 1 / m},
        tol=FD,
        rng=rng,
    )
    dW, num_W = got["W"]
    assert rel_err(dW * m, num_W) < FD  # the 1/m is there
    assert rel_err(dW, num_W) > 0.1


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("f, s", [(2, 2), (3, 1), (2, 3)])
def test_pooling_backward_matches_finite_differences(rng, kind, f, s):
    forward = max_pool2d if kind == "max" else avg_pool2d
    backward = max_pool2d_backward if kind == "max" else avg_pool2d_backward
    shape = (2, 6, 5, 2)
    # distinct values at least 0.01 apart: no window's argmax changes within the FD step
    X = (rng.permutation(int(np.prod(shape))) * 0.01 + 0.001).reshape(shape)
    assert_op_gradients(lambda X: forward(X, f, s), backward, {"X": X}, tol=FD, rng=rng)


@pytest.mark.parametrize("s, p, n_C_prev, n_C", [(1, 0, 1, 1), (2, 1, 2, 3), (3, 0, 2, 1)])
def test_conv_transpose2d_backward_matches_finite_differences(rng, s, p, n_C_prev, n_C):
    m, f = 2, 3
    X = rng.standard_normal((m, 3, 2, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal(n_C)
    assert_op_gradients(
        lambda X, W, b: conv_transpose2d(X, W, b, s, p),
        conv_transpose2d_backward,
        {"X": X, "W": W, "b": b},
        scale={"W": 1 / m, "b": 1 / m},
        tol=FD,
        rng=rng,
    )


# -- special cases and the notes' examples ---------------------------------------------------------


def test_one_by_one_convolution_is_a_per_pixel_matrix_product(rng):
    m, n_C_prev, n_C = 3, 4, 5
    X = rng.standard_normal((m, 6, 7, n_C_prev))
    W = rng.standard_normal((1, 1, n_C_prev, n_C))
    b = rng.standard_normal(n_C)
    Z, cache = conv2d(X, W, b)
    assert close(Z, X @ W[0, 0] + b)
    dZ = rng.standard_normal(Z.shape)
    dX, dW, db = conv2d_backward(dZ, cache)
    pixels, grads = X.reshape(-1, n_C_prev), dZ.reshape(-1, n_C)
    assert close(dX, dZ @ W[0, 0].T)
    assert close(dW[0, 0], pixels.T @ grads / m)
    assert close(db, grads.sum(axis=0) / m)


def test_notes_six_by_six_vertical_edge():
    X = np.zeros((1, 6, 6, 1))
    X[0, :, :3, 0] = 10  # rows [10, 10, 10, 0, 0, 0]
    W = np.array([[1.0, 0.0, -1.0]] * 3).reshape(3, 3, 1, 1)
    Z, _ = conv2d(X, W, np.zeros(1))
    assert Z.shape == (1, 4, 4, 1)
    assert Z[0, :, :, 0].tolist() == [[0, 30, 30, 0]] * 4
    assert close(Z, conv2d_loop(X, W, np.zeros(1)))


def test_convolution_is_cross_correlation():
    """No kernel flip: a kernel with one 1 in its top-left corner copies the top-left pixel of
    each window."""
    X = np.arange(16.0).reshape(1, 4, 4, 1)
    W = np.zeros((2, 2, 1, 1))
    W[0, 0] = 1
    Z, _ = conv2d(X, W, np.zeros(1))
    assert close(Z, X[:, :3, :3])


def brute_force_count(n: int, f: int, p: int, s: int, d: int) -> int:
    """Window positions counted one pixel at a time: start t with t % s == 0 inside the padded
    input and the dilated kernel ending inside it too."""
    return sum(1 for t in range(n + 2 * p) if t % s == 0 and t + d * (f - 1) + 1 <= n + 2 * p)


def test_output_size_equals_the_enumerated_windows():
    for n, f, p, s, d in np.ndindex(10, 6, 4, 5, 3):
        if min(n, f, s, d) < 1:
            continue
        if span(f, d) > n + 2 * p:
            with pytest.raises(ValueError, match="kernel spans"):
                output_size(n, f, p, s, d)
            continue
        count = brute_force_count(n, f, p, s, d)
        assert output_size(n, f, p, s, d) == count == len(window_starts(n, f, p, s, d))
        assert len(windows(n, n, f, p, s, d)) == count**2
        if d == 1:
            assert count == math.floor((n + 2 * p - f) / s) + 1  # the notes' formula, floored


def test_windows_visit_row_by_row_and_cover_the_padded_input():
    ws = windows(5, 4, 3, 1, 2)
    assert [(h, w) for h, w, _, _ in ws] == [(h, w) for h in range(3) for w in range(2)]
    assert [(t, lf) for _, _, t, lf in ws] == [(t, lf) for t in (0, 2, 4) for lf in (0, 2)]


def test_notes_pooling_formula_is_wrong():
    """The notes' (n + f - 1) / s gives 14.5 for LeNet's first pool; the engine gives 14."""
    assert (28 + 2 - 1) / 2 == 14.5
    A, _ = max_pool2d(np.zeros((1, 28, 28, 6)), 2, 2)
    assert A.shape == (1, 14, 14, 6)
    assert avg_pool2d(np.zeros((1, 55, 55, 1)), 3, 2)[0].shape[1] == 27  # AlexNet pool1


# -- padding "same" and bad input ------------------------------------------------------------------


@pytest.mark.parametrize("f, d", [(1, 1), (3, 1), (5, 1), (3, 2), (2, 2)])
@pytest.mark.parametrize("n_H, n_W", [(5, 5), (4, 7), (1, 3)])
def test_same_keeps_the_size_at_stride_one(rng, n_H, n_W, f, d):
    X = rng.standard_normal((2, n_H, n_W, 2))
    W = rng.standard_normal((f, f, 2, 3))
    Z, _ = conv2d(X, W, np.zeros(3), 1, "same", d)
    assert Z.shape == (2, n_H, n_W, 3)


@pytest.mark.parametrize("f, s, d", [(2, 1, 1), (4, 1, 1), (3, 2, 1), (3, 3, 2), (2, 1, 3)])
def test_same_is_a_clear_error_where_it_cannot_hold(f, s, d):
    X, W = np.zeros((1, 8, 8, 1)), np.zeros((f, f, 1, 1))
    with pytest.raises(ValueError, match=r"'same'.*stride 1.*odd") as err:
        conv2d(X, W, np.zeros(1), s, "same", d)
    assert f"stride {s}" in str(err.value) and f"f={f}" in str(err.value)


def test_kernel_larger_than_padded_input_names_the_sizes():
    X, W = np.zeros((1, 4, 6, 1)), np.zeros((5, 5, 1, 1))
    with pytest.raises(ValueError, match=r"kernel spans 5 .*f=5.*only 4 \(n=4, p=0\)"):
        conv2d(X, W, np.zeros(1))
    conv2d(X, W, np.zeros(1), padding=1)  # 4 + 2 = 6 >= 5: fine
    with pytest.raises(ValueError, match=r"kernel spans 3 .*only 2 \(n=2, p=0\)"):
        max_pool2d(np.zeros((1, 2, 2, 1)), 3, 1)


def test_channel_mismatch_names_the_shapes():
    with pytest.raises(
        ValueError, match=r"3 channels.*n_C_prev = 2.*\(2, 5, 5, 3\).*\(3, 3, 2, 4\)"
    ):
        conv2d(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"conv_transpose2d.*\(1, 2, 2, 1\)"):
        conv_transpose2d(np.zeros((1, 2, 2, 1)), np.zeros((2, 2, 3, 1)), np.zeros(1))
    with pytest.raises(ValueError, match=r"b must have 4 entries"):
        conv2d(np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 2, 4)), np.zeros(3))


@pytest.mark.parametrize(
    "X, W",
    [
        (np.zeros((5, 5, 1)), np.zeros((3, 3, 1, 1))),  # no example axis
        (np.zeros((1, 5, 5, 1)), np.zeros((3, 2, 1, 1))),  # not square
        (np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1))),  # no output channels
    ],
)
def test_bad_shapes_name_the_shape(X, W):
    with pytest.raises(ValueError, match=r"conv2d: .*got shape"):
        conv2d(X, W, np.zeros(1))


@pytest.mark.parametrize("padding", [-1, 1.0, "full", True])
def test_bad_padding(padding):
    with pytest.raises(ValueError, match="padding must be"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), np.zeros(1), padding=padding)


def test_bad_pool_arguments():
    with pytest.raises(ValueError, match=r"^max_pool2d: stride must be an int >= 1, got 0"):
        max_pool2d(np.zeros((1, 4, 4, 1)), 2, 0)
    with pytest.raises(ValueError, match=r"^avg_pool2d: X must be"):
        avg_pool2d(np.zeros((4, 4, 1)), 2, 2)
    with pytest.raises(ValueError, match=r"^conv_transpose2d: padding 2 leaves no output"):
        conv_transpose2d(np.zeros((1, 1, 1, 1)), np.zeros((3, 3, 1, 1)), np.zeros(1), 1, 2)


@pytest.mark.parametrize("stride, dilation", [(0, 1), (-1, 1), (1, 0)])
def test_conv2d_rejects_stride_or_dilation_below_one(stride, dilation):
    """Each is a ValueError naming conv2d (not a ZeroDivisionError, an empty output or one
    pixel read f*f times)."""
    with pytest.raises(ValueError, match="conv2d"):
        conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), np.zeros(1), stride, 0, dilation)


def test_conv_transpose2d_rejects_stride_zero():
    """A ValueError naming the op, not NumPy's 'slice step cannot be zero'."""
    with pytest.raises(ValueError, match="conv_transpose2d"):
        conv_transpose2d(np.ones((1, 2, 2, 1)), np.ones((2, 2, 1, 1)), np.zeros(1), 0)


# -- the one door: every bad call is a ValueError that starts with the op's name -----------------

X5, W3, B1 = np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), np.zeros(1)
EMPTY = np.ones((0, 5, 5, 1))


def _cache(forward, *args):
    return forward(*args)[1]


BAD_GEOMETRY = [  # (op, call): ints of the right range only, the rule named in the message
    ("output_size", lambda: output_size(5, 3, 0, -1)),  # was -1 windows
    ("output_size", lambda: output_size(5, 0)),  # was 6
    ("output_size", lambda: output_size(5, 3, s=0)),  # was ZeroDivisionError
    ("output_size", lambda: output_size(5, 3, p=-1)),
    ("output_size", lambda: output_size(5, 3, d=0)),
    ("output_size", lambda: output_size(0, 1)),
    ("output_size", lambda: output_size(5, 3.0)),
    ("output_size", lambda: output_size(5, True)),
    ("output_size", lambda: output_size(5.0, 3)),
    ("output_size", lambda: output_size(2, 3)),  # kernel larger than the input
    ("resolve_padding", lambda: resolve_padding(-1, 3)),
    ("resolve_padding", lambda: resolve_padding("full", 3)),
    ("resolve_padding", lambda: resolve_padding("same", 0)),
    ("resolve_padding", lambda: resolve_padding("same", 3, 0)),
    ("resolve_padding", lambda: resolve_padding("same", 3, 2)),
    ("resolve_padding", lambda: resolve_padding(1, 3, d=1.5)),
    ("window_starts", lambda: window_starts(5, 0)),
    ("window_starts", lambda: window_starts(5, 3, s=0)),
    ("window_starts", lambda: window_starts(5, 3, p=-1)),
    ("windows", lambda: windows(5, 5, 0)),
    ("windows", lambda: windows(5, 0, 3)),
    ("windows", lambda: windows(5, 5, 3, s=0)),
    ("windows", lambda: windows(5, 5, 3, d=False)),
]

BAD_CONV = [
    ("conv2d", lambda: conv2d(EMPTY, W3, B1)),  # m = 0: was a NaN dW in the backward
    ("conv2d", lambda: conv2d(np.ones((1, 0, 5, 1)), W3, B1)),
    ("conv2d", lambda: conv2d(X5, np.ones((0, 0, 1, 1)), B1)),  # was a 6x6 output
    ("conv2d", lambda: conv2d(X5, np.ones((3, 2, 1, 1)), B1)),
    ("conv2d", lambda: conv2d(X5, np.ones((3, 3, 1, 0)), np.zeros(0))),
    ("conv2d", lambda: conv2d(X5 * 1j, W3, B1)),
    ("conv2d", lambda: conv2d(X5, W3.astype(object), B1)),
    ("conv2d", lambda: conv2d(X5, W3, np.zeros(2))),
    ("conv2d", lambda: conv2d(X5, W3, B1, 1.0)),
    ("conv2d", lambda: conv2d(X5, W3, B1, True)),
    ("conv2d", lambda: conv2d(X5, W3, B1, 1, 0, 0)),
    ("conv2d", lambda: conv2d(X5, W3, B1, 1, 1.5)),
    ("conv2d", lambda: conv2d(X5, np.ones((7, 7, 1, 1)), B1)),
    ("conv2d_backward", lambda: conv2d_backward(np.ones((1, 3, 3, 2)), _cache(conv2d, X5, W3, B1))),
    ("conv2d_backward", lambda: conv2d_backward(np.ones((3, 3, 1)), _cache(conv2d, X5, W3, B1))),
    (
        "conv2d_backward",
        lambda: conv2d_backward(np.ones((1, 3, 3, 1)) * 1j, _cache(conv2d, X5, W3, B1)),
    ),
    ("conv_transpose2d", lambda: conv_transpose2d(EMPTY, W3, B1)),
    ("conv_transpose2d", lambda: conv_transpose2d(X5, np.ones((0, 0, 1, 1)), B1)),
    ("conv_transpose2d", lambda: conv_transpose2d(X5, W3, B1, 0)),
    ("conv_transpose2d", lambda: conv_transpose2d(X5, W3, B1, 1, -1)),
    ("conv_transpose2d", lambda: conv_transpose2d(X5, W3, B1, 1, 1.0)),
    ("conv_transpose2d", lambda: conv_transpose2d(X5, W3, np.zeros(3))),
    (
        "conv_transpose2d_backward",
        lambda: conv_transpose2d_backward(X5, _cache(conv_transpose2d, X5, W3, B1)),
    ),
    ("max_pool2d", lambda: max_pool2d(EMPTY)),
    ("max_pool2d", lambda: max_pool2d(X5, 0)),
    ("max_pool2d", lambda: max_pool2d(X5, 2, 0)),
    ("max_pool2d", lambda: max_pool2d(X5, 2.0)),
    ("max_pool2d", lambda: max_pool2d(X5, 6)),
    ("max_pool2d", lambda: max_pool2d(X5[0])),
    (
        "max_pool2d_backward",
        lambda: max_pool2d_backward(np.ones((1, 3, 3, 1)), _cache(max_pool2d, X5)),
    ),
    ("max_pool2d_backward", lambda: max_pool2d_backward(np.ones(1), _cache(max_pool2d, X5))),
    ("avg_pool2d", lambda: avg_pool2d(EMPTY)),
    ("avg_pool2d", lambda: avg_pool2d(X5, 2, -1)),
    ("avg_pool2d", lambda: avg_pool2d(X5, True)),
    (
        "avg_pool2d_backward",
        lambda: avg_pool2d_backward(np.ones((1, 2, 2, 2)), _cache(avg_pool2d, X5)),
    ),
]

BAD_LOOPS = [  # the oracles take their input through the same door
    ("conv2d_loop", lambda: conv2d_loop(EMPTY, W3, B1)),
    ("conv2d_loop", lambda: conv2d_loop(X5, np.ones((0, 0, 1, 1)), B1)),
    ("conv2d_loop", lambda: conv2d_loop(X5, W3, B1, 0)),
    ("conv2d_loop", lambda: conv2d_loop(X5, W3, B1, 1, -1)),
    ("conv2d_backward_loop", lambda: conv2d_backward_loop(np.ones((1, 4, 4, 1)), X5, W3)),
    ("conv2d_backward_loop", lambda: conv2d_backward_loop(np.ones((1, 3, 3, 1)), EMPTY, W3)),
    ("conv2d_backward_loop", lambda: conv2d_backward_loop(np.ones((1, 3, 3, 1)), X5, W3, 1, 0, 0)),
    ("conv_transpose2d_loop", lambda: conv_transpose2d_loop(EMPTY, W3, B1)),
    ("conv_transpose2d_loop", lambda: conv_transpose2d_loop(X5, W3, B1, 0)),
    ("conv_transpose2d_loop", lambda: conv_transpose2d_loop(X5, np.ones((2, 3, 1, 1)), B1)),
    ("conv_transpose2d_loop", lambda: conv_transpose2d_loop(np.ones((1, 1, 1, 1)), W3, B1, 1, 2)),
    ("max_pool2d_loop", lambda: max_pool2d_loop(EMPTY)),
    ("max_pool2d_loop", lambda: max_pool2d_loop(X5, 0)),
    ("avg_pool2d_loop", lambda: avg_pool2d_loop(X5, 2, 0)),
    ("max_pool2d_backward_loop", lambda: max_pool2d_backward_loop(np.ones((1, 3, 3, 1)), X5)),
    ("max_pool2d_backward_loop", lambda: max_pool2d_backward_loop(np.ones((1, 2, 2, 1)), X5, 2, 0)),
    ("avg_pool2d_backward_loop", lambda: avg_pool2d_backward_loop(np.ones((1, 3, 3, 1)), X5.shape)),
    (
        "avg_pool2d_backward_loop",
        lambda: avg_pool2d_backward_loop(np.ones((0, 2, 2, 1)), (0, 5, 5, 1)),
    ),
    (
        "avg_pool2d_backward_loop",
        lambda: avg_pool2d_backward_loop(np.ones((1, 2, 2, 1)), (5, 5, 1)),
    ),
]


@pytest.mark.parametrize(
    "op, call", BAD_GEOMETRY + BAD_CONV + BAD_LOOPS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_bad_call_is_one_value_error_naming_the_op(op, call):
    with pytest.raises(ValueError, match=rf"^{op}: "):
        call()


def test_lists_and_integers_come_in_as_float64():
    Z, cache = conv2d([[[[1], [2]], [[3], [4]]]], [[[[1]]]], [0])
    assert Z.dtype == np.float64 and Z[0, :, :, 0].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    dX, _, _ = conv2d_backward(np.ones((1, 2, 2, 1), dtype=np.int64), cache)
    assert dX.dtype == np.float64
    assert max_pool2d(np.arange(16).reshape(1, 4, 4, 1))[0].dtype == np.float64


def test_float32_stays_float32(rng):
    """Every op and loop keeps float32 end to end (padding and accumulators included)."""
    f32 = np.float32
    X = rng.standard_normal((2, 5, 5, 2)).astype(f32)
    W, b = rng.standard_normal((3, 3, 2, 3)).astype(f32), np.zeros(3, f32)
    Z, cache = conv2d(X, W, b, 2, 1)
    outs = [Z, *conv2d_backward(np.ones_like(Z), cache), conv2d_loop(X, W, b, 2, 1)]
    outs += conv2d_backward_loop(np.ones_like(Z), X, W, 2, 1)
    Y, cache = conv_transpose2d(X, W[:, :, :, :2].transpose(0, 1, 3, 2), b[:2] * 0, 2, 1)
    outs += [Y, conv_transpose2d_loop(X, W[:, :, :, :2].transpose(0, 1, 3, 2), b[:2], 2, 1)]
    outs += conv_transpose2d_backward(np.ones_like(Y), cache)
    for forward, backward, _ in POOL.values():
        A, cache = forward(X, 2, 1)
        outs += [A, backward(np.ones_like(A), cache)]
    outs += [max_pool2d_loop(X, 2, 1), avg_pool2d_loop(X, 2, 1)]
    A = np.ones((2, 4, 4, 2), f32)
    outs += [max_pool2d_backward_loop(A, X, 2, 1), avg_pool2d_backward_loop(A, X.shape, 2, 1)]
    assert [o.dtype for o in outs] == [np.dtype(f32)] * len(outs)


def test_max_pool_propagates_nan_and_routes_it_like_the_loop():
    """A window holding NaN pools to NaN (never a number), fast and loop alike; its gradient
    goes to the window's first NaN in both."""
    X = np.arange(16.0).reshape(1, 4, 4, 1)
    X[0, 0, 1, 0] = X[0, 3, 2, 0] = X[0, 3, 3, 0] = np.nan
    X[0, 2, 2, 0] = np.inf
    A, cache = max_pool2d(X, 2, 2)
    loop = max_pool2d_loop(X, 2, 2)
    assert np.isnan(A[0, :, :, 0]).tolist() == [[True, False], [False, True]]
    np.testing.assert_array_equal(A, loop)
    dA = np.arange(1.0, 5.0).reshape(1, 2, 2, 1)
    dX = max_pool2d_backward(dA, cache)
    np.testing.assert_array_equal(dX, max_pool2d_backward_loop(dA, X, 2, 2))
    assert dX[0, 0, 1, 0] == 1.0 and dX[0, 3, 2, 0] == 4.0 and dX[0, 2, 2, 0] == 0.0


def test_nan_propagates_through_conv_and_average_pooling():
    X = np.ones((1, 4, 4, 1))
    X[0, 0, 0, 0] = np.nan
    Z, cache = conv2d(X, np.ones((2, 2, 1, 1)), np.zeros(1))
    assert np.isnan(Z[0, 0, 0, 0]) and not np.isnan(Z[0, 1:, 1:]).any()
    assert np.isnan(avg_pool2d(X)[0][0, 0, 0, 0])
    dX, dW, _ = conv2d_backward(np.ones_like(Z), cache)
    assert np.isnan(dW).tolist() == [[[[True]], [[False]]], [[[False]], [[False]]]]
    assert not np.isnan(dX).any()  # dX reads dZ and W only


# -- the fast path never calls the loop ------------------------------------------------------------


def test_fast_path_never_calls_the_loop(monkeypatch, rng):
    def boom(*args, **kwargs):
        raise AssertionError("the fast path called a loop")

    for name in conv_loops.__all__:
        monkeypatch.setattr(conv_loops, name, boom)
    monkeypatch.setattr(conv_loops, "windows", boom)
    monkeypatch.setattr(conv_loops, "_span", boom)
    monkeypatch.setattr(conv, "windows", boom)
    X = rng.standard_normal((2, 8, 8, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    for s, p, d in [(1, "same", 1), (2, 1, 1), (1, 0, 2)]:
        Z, cache = conv.conv2d(X, W, np.zeros(4), s, p, d)
        conv.conv2d_backward(np.ones_like(Z), cache)
    Y, cache = conv.conv_transpose2d(X, W, np.zeros(4), 2, 1)
    conv.conv_transpose2d_backward(np.ones_like(Y), cache)
    for forward, backward in [(conv.max_pool2d, conv.max_pool2d_backward)] + [
        (conv.avg_pool2d, conv.avg_pool2d_backward)
    ]:
        A, cache = forward(X, 2, 2)
        backward(np.ones_like(A), cache)
    with pytest.raises(AssertionError, match="called a loop"):  # the patch is live
        conv_loops.conv2d_loop(X, W, np.zeros(4))


def test_recorded_training_step_has_layer_records_only(rng):
    """Layers own their records; the fast ops inside them record nothing and never narrate."""
    from visualdl.engine import Sequential
    from visualdl.engine.cnn_layers import Conv2D, Flatten, MaxPool2D
    from visualdl.engine.layers import Dense
    from visualdl.trace import record

    net = Sequential(
        [Conv2D(1, 2, 3, rng=0), MaxPool2D(2), Flatten(), Dense(8, 1, "sigmoid", rng=1)]
    )
    X, Y = rng.standard_normal((3, 6, 6, 1)), np.array([[0.0, 1.0, 1.0]])
    with record() as tr:
        net.train_step(X, Y, learning_rate=0.1)
    assert tr.names() == [
        "conv1.forward",
        "pool1.forward",
        "dense2.forward",
        "model.cost",
        "dense2.backward",
        "pool1.backward",
        "conv1.backward",
        "optimizer.step",
    ]


def test_loops_narrate_every_step_in_visiting_order(rng):
    from visualdl.trace import record

    X, W = rng.standard_normal((2, 5, 5, 3)), rng.standard_normal((3, 3, 3, 2))
    with record() as tr:
        Z = conv2d_loop(X, W, np.zeros(2), 2, 1)
    recs = tr.find("conv2d.window")
    assert [(r.info["i"], r.info["h"], r.info["w"], r.info["c"]) for r in recs] == [
        (i, h, w, c) for i in range(2) for h, w, _, _ in windows(5, 5, 3, 1, 2) for c in range(2)
    ]
    for r in recs:
        i = r.info
        assert float(r["sum"]) == Z[i["i"], i["h"], i["w"], i["c"]]
        np.testing.assert_allclose(r["channel_sums"].sum(), r["sum"], rtol=1e-12)
    assert tr.names() == ["conv2d.window", "conv2d.forward"]
    with record() as tr:
        max_pool2d_backward_loop(np.ones((2, 2, 2, 3)), X[:, :4, :4, :])
        conv_transpose2d_loop(X[:, :2, :2, :], W, np.zeros(2))
    assert len(tr.find("max_pool2d.route")) == 2 * 4 * 3
    assert len(tr.find("conv_transpose2d.stamp")) == 2 * 4 * 3
