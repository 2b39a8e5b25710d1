"""Exercises of the chapter "Convolutional networks".

The course's layout: a batch of images is ``X: (m, n_H, n_W, n_C)``, a layer's kernels
``W: (f, f, n_C_prev, n_C)`` and its bias ``b: (n_C,)``. The cases keep every side, channel
count and batch size different, so a swapped axis cannot pass by accident.

Example
-------
>>> [ex.name for ex in EXERCISES]  # doctest: +NORMALIZE_WHITESPACE
['conv_output_size', 'pool_output_size_bug_hunt', 'conv_forward', 'conv_backward',
 'maxpool_backward']
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import conv
from visualdl.engine.architectures import pool_output_size_notes
from visualdl.exercises.exercise import Exercise, Mistake
from visualdl.registry import CNN

__all__ = ["EXERCISES"]

SIZES = (
    (6, 3, 0, 1),
    (5, 3, 2, 1),
    (7, 3, 1, 2),
    (32, 5, 2, 3),
    (10, 4, 0, 3),
    (28, 2, 0, 2),
    (55, 3, 0, 2),
)
"""(n, f, p, s) of the size cases: several where the floor matters."""

CONV = ((2, 5, 6, 3, 4, 3, 1, 0), (3, 7, 5, 2, 2, 3, 2, 1), (4, 6, 6, 1, 3, 2, 1, 1))
"""(m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding) of the convolution cases."""


def _sizes(rng: np.random.Generator) -> list[dict]:
    return [{"n": n, "f": f, "p": p, "s": s} for n, f, p, s in SIZES]


def _pool_sizes(rng: np.random.Generator) -> list[dict]:
    return [{"n": n, "f": f, "s": s} for n, f, s in ((28, 2, 2), (8, 3, 2), (55, 3, 2), (9, 2, 2))]


def _convs(rng: np.random.Generator) -> list[dict]:
    return [
        {
            "X": rng.standard_normal((m, h, w, c_prev)),
            "W": rng.standard_normal((f, f, c_prev, c)),
            "b": rng.standard_normal(c),
            "stride": s,
            "padding": p,
        }
        for m, h, w, c_prev, c, f, s, p in CONV
    ]


def _conv_grads(rng: np.random.Generator) -> list[dict]:
    cases = _convs(rng)
    for case in cases:
        Z, _ = conv.conv2d(**case)
        case["dZ"] = rng.standard_normal(Z.shape)
    return cases


def _pools(rng: np.random.Generator) -> list[dict]:
    cases = []
    for m, n, c, f, s in ((2, 4, 3, 2, 2), (3, 5, 2, 3, 1), (1, 7, 4, 3, 2)):
        X = rng.permutation(m * n * n * c).reshape(m, n, n, c).astype(float)  # no ties
        A, _ = conv.max_pool2d(X, f, s)
        cases.append({"X": X, "dA": rng.standard_normal(A.shape), "f": f, "stride": s})
    return cases


# -- sizes ------------------------------------------------------------------------------------


def _size_no_floor(n, f, p, s):
    return (n + 2 * p - f) / s + 1


def _size_no_plus_one(n, f, p, s):
    return (n + 2 * p - f) // s


def _size_p_once(n, f, p, s):
    return (n + p - f) // s + 1


def _pool_size(n, f, s):
    return conv.output_size(n, f, 0, s)


# -- convolution ------------------------------------------------------------------------------


def _conv_forward(X, W, b, stride, padding):
    return conv.conv2d(X, W, b, stride, padding)[0]


def _conv_flipped(X, W, b, stride, padding):
    return _conv_forward(X, W[::-1, ::-1], b, stride, padding)


def _conv_no_bias(X, W, b, stride, padding):
    return _conv_forward(X, W, np.zeros_like(b), stride, padding)


def _conv_backward(X, W, b, stride, padding, dZ):
    _, cache = conv.conv2d(X, W, b, stride, padding)
    return conv.conv2d_backward(dZ, cache)


def _conv_backward_unflipped(X, W, b, stride, padding, dZ):
    from visualdl.symbolic.mistakes import MISTAKES  # SymPy loads only when this runs

    return MISTAKES["conv_unflipped"].wrong(X, W, b, dZ, stride, padding)


def _conv_backward_no_mean(X, W, b, stride, padding, dZ):
    dX, dW, db = _conv_backward(X, W, b, stride, padding, dZ)
    m = X.shape[0]
    return dX, dW * m, db * m


# -- pooling ----------------------------------------------------------------------------------


def _maxpool_backward(X, dA, f, stride):
    _, cache = conv.max_pool2d(X, f, stride)
    return conv.max_pool2d_backward(dA, cache)


def _pool_spread(X, dA, f, stride):
    _, cache = conv.avg_pool2d(X, f, stride)
    return conv.avg_pool2d_backward(dA, cache) * f * f


def _pool_overwritten(X, dA, f, stride):
    dX = np.zeros_like(X)
    m, n_H, n_W, n_C = dA.shape
    for h in range(n_H):
        for w in range(n_W):
            window = X[:, h * stride : h * stride + f, w * stride : w * stride + f, :]
            top = window == window.max(axis=(1, 2), keepdims=True)
            sub = dX[:, h * stride : h * stride + f, w * stride : w * stride + f, :]
            sub[top] = np.broadcast_to(dA[:, h : h + 1, w : w + 1, :], window.shape)[top]
    return dX


CONV_SHAPES = (
    "X: (m, n_H_prev, n_W_prev, n_C_prev), W: (f, f, n_C_prev, n_C), b: (n_C,), the ints "
    "stride and padding"
)

EXERCISES = (
    Exercise(
        "conv_output_size",
        CNN,
        "The output size of a convolution",
        "Given the input side n, the kernel side f, the padding p and the stride s (ints), "
        "return the output side\n    n_out = floor((n + 2p - f) / s) + 1\n(an int).",
        "def conv_output_size(n, f, p, s)",
        conv.output_size,
        _sizes,
        (
            Mistake("no_floor", "a window must fit whole: floor the division", _size_no_floor),
            Mistake("no_plus_one", "the first window counts too: add 1", _size_no_plus_one),
            Mistake("padding_once", "the padding is on both sides: 2p, not p", _size_p_once),
        ),
        ("n_out",),
        row="output_size",
    ),
    Exercise(
        "pool_output_size_bug_hunt",
        CNN,
        "Bug hunt: the notes' pooling output size",
        "The starter is the notes' pooling output size (A34). Given n, f and s (ints, no "
        "padding), it should return the number of f x f windows at stride s along a side of n, "
        "the same formula as a convolution's. Yet the notes' own chains (28 -> 14 with f = s = 2) "
        "disagree with it: find the bug and fix it.",
        "def pool_output_size(n, f, s)",
        _pool_size,
        _pool_sizes,
        (
            Mistake(
                "pool_output_size_notes",
                "the notes' (n + f - 1) / s is not a count of windows: count the f x f windows "
                "that fit at stride s, as for a convolution",
                pool_output_size_notes,
            ),
            Mistake(
                "no_floor",
                "a window must fit whole: floor the division",
                lambda n, f, s: (n - f) / s + 1,
            ),
        ),
        ("n_out",),
        starter=(
            "def pool_output_size(n, f, s):\n"
            '    """The notes\' pooling output size (A34). See: visualdl exercise show '
            'pool_output_size_bug_hunt"""\n'
            "    return (n + f - 1) / s\n"
        ),
        row="output_size",
    ),
    Exercise(
        "conv_forward",
        CNN,
        "A convolution layer forward (cross-correlation, as the notes)",
        f"Given {CONV_SHAPES}, pad X with `padding` zeros on each side of both spatial axes, "
        "then for every example i, output position (h, w) and kernel c\n"
        "    Z[i, h, w, c] = sum_{a, b, k} X_pad[i, h*stride + a, w*stride + b, k] W[a, b, k, c]"
        " + b[c]\n"
        "(the kernel is not flipped). Return Z: (m, n_H, n_W, n_C), n_H = floor((n_H_prev + "
        "2 padding - f) / stride) + 1.",
        "def conv_forward(X, W, b, stride, padding)",
        _conv_forward,
        _convs,
        (
            Mistake(
                "kernel_flipped",
                "the notes' (and deep learning's) convolution is a cross-correlation: do not "
                "rotate the kernel",
                _conv_flipped,
            ),
            Mistake("no_bias", "add b[c] to every output of kernel c", _conv_no_bias),
        ),
        ("Z",),
        row="conv2d",
    ),
    Exercise(
        "conv_backward",
        CNN,
        "A convolution layer backward",
        f"Given {CONV_SHAPES} (the forward's inputs) and dZ: (m, n_H, n_W, n_C), the gradient "
        "of each example's loss, return the gradients of the cost J = (1/m) sum of the losses:\n"
        "    dX[i, h*stride + a - padding, w*stride + b - padding, k] += dZ[i, h, w, c] "
        "W[a, b, k, c]   (per example: no 1/m; the full convolution of dZ with the kernel "
        "rotated 180 degrees)\n"
        "    dW[a, b, k, c] = (1/m) sum_{i, h, w} X_pad[i, h*stride + a, w*stride + b, k] "
        "dZ[i, h, w, c]\n"
        "    db[c] = (1/m) sum_{i, h, w} dZ[i, h, w, c]\n"
        "Return (dX, dW, db) with the shapes of X, W and b.",
        "def conv_backward(X, W, b, stride, padding, dZ)",
        _conv_backward,
        _conv_grads,
        (
            Mistake(
                "conv_unflipped",
                "dX as a full convolution needs the kernel rotated by 180 degrees (or: add "
                "each window's dZ * W back where the window read X)",
                _conv_backward_unflipped,
            ),
            Mistake(
                "missing_1_over_m",
                "dW and db are of the cost, the mean over the m examples: divide them by m",
                _conv_backward_no_mean,
            ),
        ),
        ("dX", "dW", "db"),
        row="conv2d",
    ),
    Exercise(
        "maxpool_backward",
        CNN,
        "Max pooling backward: route the gradient to the maximum",
        "Given X: (m, n_H_prev, n_W_prev, n_C), the upstream dA: (m, n_H, n_W, n_C), the window "
        "side f and the stride (no padding), return dX with the shape of X: each window's "
        "dA[i, h, w, c] goes to the one cell of its window that held the maximum, every other "
        "cell of the window gets 0; where windows overlap (stride < f) the gradients add up.",
        "def maxpool_backward(X, dA, f, stride)",
        _maxpool_backward,
        _pools,
        (
            Mistake(
                "spread_evenly",
                "spreading dA over the window is average pooling's backward; max pooling "
                "routes it to the maximum only",
                _pool_spread,
            ),
            Mistake(
                "overwritten",
                "where windows overlap, a cell can be the maximum of two: add the gradients "
                "(+=), do not overwrite",
                _pool_overwritten,
            ),
        ),
        ("dX",),
        row="max_pool2d",
    ),
)
