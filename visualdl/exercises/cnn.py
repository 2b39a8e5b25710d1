"""Exercises of the chapter "Convolutional networks".

The engine's layout, the course's: channels last. A batch of images is
``X: (m, n_H_prev, n_W_prev, n_C_prev)``, a layer's kernels ``W: (f, f, n_C_prev, n_C)``, its
bias ``b: (n_C,)`` and its output ``Z: (m, n_H, n_W, n_C)``. In every case the batch size ``m``
differs from every side and channel count, so a swapped axis cannot pass by accident.

Example
-------
>>> [ex.name for ex in EXERCISES]  # doctest: +NORMALIZE_WHITESPACE
['conv_output_size', 'conv_forward', 'conv_backward', 'maxpool_backward',
 'pool_output_size_bug_hunt']
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import conv
from visualdl.engine.architectures import pool_output_size, pool_output_size_notes
from visualdl.exercises.exercise import Exercise, Mistake
from visualdl.registry import CNN

__all__ = ["EXERCISES"]

SIZES = (
    (6, 3, 0, 1),
    (5, 3, 2, 1),
    (7, 3, 1, 2),
    (32, 5, 2, 3),
    (8, 3, 0, 2),
    (227, 11, 0, 4),
    (13, 4, 1, 3),
    (10, 4, 1, 4),
    (28, 5, 2, 1),
)
"""(n, f, p, s) of the size cases; in (32, 5, 2, 3), (8, 3, 0, 2), (13, 4, 1, 3) the floor
matters."""

POOL_SIZES = ((28, 2, 2), (9, 2, 2), (55, 3, 2), (224, 2, 2), (8, 3, 2), (13, 3, 2))
"""(n, f, s) of the pooling size cases: the notes' LeNet, AlexNet and VGG pools, and two where
the floor matters."""

CONV = (
    (2, 6, 7, 3, 4, 3, 1, 0),
    (3, 7, 8, 2, 6, 2, 2, 1),
    (7, 5, 6, 1, 3, 3, 2, 2),
    (5, 4, 9, 6, 2, 4, 1, 1),
)
"""(m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, padding) of the convolution cases; the
first has no padding, the second and third a stride that leaves the last rows unread."""

POOL = (
    (2, 6, 7, 4, 2, 2, False),
    (3, 7, 8, 2, 3, 1, False),
    (1, 4, 6, 5, 2, 2, True),
    (4, 7, 5, 3, 3, 2, True),
)
"""(m, n_H_prev, n_W_prev, n_C, f, stride, ties) of the max pooling cases: windows that tile,
then overlap (stride < f), then inputs of small integers where maxima tie."""


def _sizes(rng: np.random.Generator) -> list[dict]:
    return [{"n": n, "f": f, "p": p, "s": s} for n, f, p, s in SIZES]


def _pool_sizes(rng: np.random.Generator) -> list[dict]:
    return [{"n": n, "f": f, "s": s} for n, f, s in POOL_SIZES]


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
    cases = []
    for case in _convs(rng):
        Z, _ = conv.conv2d(**case)
        case.pop("b")
        cases.append({"dZ": rng.standard_normal(Z.shape)} | case)
    return cases


def _pools(rng: np.random.Generator) -> list[dict]:
    cases = []
    for m, h, w, c, f, s, ties in POOL:
        if ties:
            X = rng.integers(0, 3, (m, h, w, c)).astype(float)
        else:  # distinct values: every window has one maximum
            X = rng.permutation(m * h * w * c).reshape(m, h, w, c).astype(float)
        A, _ = conv.max_pool2d(X, f, s)
        cases.append({"dA": rng.standard_normal(A.shape), "X": X, "f": f, "stride": s})
    return cases


# -- sizes ------------------------------------------------------------------------------------


def _size_no_floor(n, f, p, s):
    return (n + 2 * p - f) / s + 1


def _size_ceil(n, f, p, s):
    return -(-(n + 2 * p - f) // s) + 1


def _size_no_plus_one(n, f, p, s):
    return (n + 2 * p - f) // s


def _size_p_once(n, f, p, s):
    return (n + p - f) // s + 1


# -- convolution forward ----------------------------------------------------------------------


def _conv_forward(X, W, b, stride, padding):
    return conv.conv2d(X, W, b, stride, padding)[0]


def _conv_flipped(X, W, b, stride, padding):
    return _conv_forward(X, W[::-1, ::-1], b, stride, padding)


def _conv_no_bias(X, W, b, stride, padding):
    return _conv_forward(X, W, np.zeros_like(b), stride, padding)


def _conv_unpadded(X, W, b, stride, padding):
    return _conv_forward(X, W, b, stride, 0)


def _conv_stride_1(X, W, b, stride, padding):
    return _conv_forward(X, W, b, 1, padding)


# -- convolution backward ---------------------------------------------------------------------


def _conv_backward(dZ, X, W, stride, padding):
    _, cache = conv.conv2d(X, W, np.zeros(W.shape[3]), stride, padding)
    return conv.conv2d_backward(dZ, cache)


def _conv_unflipped(dZ, X, W, stride, padding):
    from visualdl.symbolic.mistakes import MISTAKES  # SymPy loads only when this runs

    return MISTAKES["conv_unflipped"].wrong(X, W, np.zeros(W.shape[3]), dZ, stride, padding)


def _conv_no_mean(dZ, X, W, stride, padding):
    dX, dW, db = _conv_backward(dZ, X, W, stride, padding)
    return dX, dW * X.shape[0], db * X.shape[0]


def _conv_dX_with_mean(dZ, X, W, stride, padding):
    dX, dW, db = _conv_backward(dZ, X, W, stride, padding)
    return dX / X.shape[0], dW, db


def _conv_padding_kept(dZ, X, W, stride, padding):
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dXp, dW, db = _conv_backward(dZ, Xp, W, stride, 0)
    return dXp, dW, db


def _conv_dW_per_example(dZ, X, W, stride, padding):
    dX, _, db = _conv_backward(dZ, X, W, stride, padding)
    one = [
        _conv_backward(dZ[i : i + 1], X[i : i + 1], W, stride, padding)[1] for i in range(len(X))
    ]
    return dX, np.stack(one) / X.shape[0], db


def _conv_db_per_example(dZ, X, W, stride, padding):
    dX, dW, _ = _conv_backward(dZ, X, W, stride, padding)
    return dX, dW, dZ.sum(axis=(1, 2)) / X.shape[0]


# -- max pooling backward ---------------------------------------------------------------------


def _maxpool_backward(dA, X, f, stride):
    _, cache = conv.max_pool2d(X, f, stride)
    return conv.max_pool2d_backward(dA, cache)


def _pool_average(dA, X, f, stride):
    _, cache = conv.avg_pool2d(X, f, stride)
    return conv.avg_pool2d_backward(dA, cache)


def _pool_every_tie(dA, X, f, stride):
    dX = np.zeros_like(X)
    for h, w, top, left in conv.windows(X.shape[1], X.shape[2], f, 0, stride):
        window = X[:, top : top + f, left : left + f, :]
        top_cells = window == window.max(axis=(1, 2), keepdims=True)
        dX[:, top : top + f, left : left + f, :] += top_cells * dA[:, h : h + 1, w : w + 1, :]
    return dX


def _pool_overwritten(dA, X, f, stride):
    dX = np.zeros_like(X)
    m, _, _, n_C = X.shape
    i, c = np.indices((m, n_C))
    for h, w, top, left in conv.windows(X.shape[1], X.shape[2], f, 0, stride):
        window = X[:, top : top + f, left : left + f, :].reshape(m, f * f, n_C)
        a, b = np.divmod(window.argmax(axis=1), f)  # the first maximum, as the engine
        dX[i, top + a, left + b, c] = dA[:, h, w, :]  # = where it must be +=
    return dX


CONV_GIVEN = (
    "X: (m, n_H_prev, n_W_prev, n_C_prev) (channels last), W: (f, f, n_C_prev, n_C), "
    "the ints stride and padding"
)

EXERCISES = (
    Exercise(
        "conv_output_size",
        CNN,
        "The output size of a convolution",
        "Given the input side n, the kernel side f, the padding p (zeros on each side) and the "
        "stride s, all ints, return the output side\n"
        "    n_out = floor((n + 2p - f) / s) + 1\n"
        "as an int (the same along n_H and n_W).",
        "def conv_output_size(n, f, p, s)",
        conv.output_size,
        _sizes,
        (
            Mistake("no_floor", "a window must fit whole: floor the division", _size_no_floor),
            Mistake(
                "ceil",
                "a window that runs past the padded input does not count: floor, not ceil",
                _size_ceil,
            ),
            Mistake("no_plus_one", "the first window counts too: add 1", _size_no_plus_one),
            Mistake("padding_once", "the padding is on both sides: 2p, not p", _size_p_once),
        ),
        ("n_out",),
        row="output_size",
    ),
    Exercise(
        "conv_forward",
        CNN,
        "A convolution layer forward (cross-correlation, as the notes)",
        f"Given {CONV_GIVEN} and b: (n_C,), pad X with `padding` zeros on each side of both "
        "spatial axes, then for every example i, output position (h, w) and kernel c\n"
        "    Z[i, h, w, c] = sum_{a, b, k} X_pad[i, h*stride + a, w*stride + b, k] W[a, b, k, c]"
        " + b[c]\n"
        "(a, b over the f x f window, k over the n_C_prev channels; the kernel is not flipped). "
        "Return Z: (m, n_H, n_W, n_C) with n_H = floor((n_H_prev + 2 padding - f) / stride) + 1, "
        "n_W likewise. Loops are fine.",
        "def conv_forward(X, W, b, stride, padding)",
        _conv_forward,
        _convs,
        (
            Mistake(
                "kernel_flipped",
                "the notes' (and deep learning's) convolution is a cross-correlation: use "
                "W[a, b] as it is, not rotated by 180 degrees",
                _conv_flipped,
            ),
            Mistake("no_bias", "add b[c] to every output of kernel c", _conv_no_bias),
            Mistake(
                "padding_ignored",
                "pad X with `padding` zeros on each side of n_H and n_W before sliding the window",
                _conv_unpadded,
            ),
            Mistake(
                "stride_ignored",
                "the window moves by `stride`: it starts at row h*stride and column w*stride",
                _conv_stride_1,
            ),
        ),
        ("Z",),
        row="conv2d",
    ),
    Exercise(
        "conv_backward",
        CNN,
        "A convolution layer backward",
        f"Given dZ: (m, n_H, n_W, n_C), the gradient of each example's loss, and the forward's "
        f"{CONV_GIVEN}, return the gradients of the cost J = (1/m) sum of the m losses. With "
        "X_pad the padded X, for every window (i, h, w) and kernel c:\n"
        "    dX_pad[i, h*stride + a, w*stride + b, k] += W[a, b, k, c] dZ[i, h, w, c]   "
        "(per example: no 1/m; this is the full convolution of dZ with the kernel rotated by "
        "180 degrees), then dX = dX_pad without its padding\n"
        "    dW[a, b, k, c] = (1/m) sum_{i, h, w} X_pad[i, h*stride + a, w*stride + b, k] "
        "dZ[i, h, w, c]\n"
        "    db[c] = (1/m) sum_{i, h, w} dZ[i, h, w, c]\n"
        "Return (dX, dW, db) with the shapes of X, W and b: (n_C,).",
        "def conv_backward(dZ, X, W, stride, padding)",
        _conv_backward,
        _conv_grads,
        (
            Mistake(
                "conv_unflipped",
                "dX as a full convolution of dZ needs the kernel rotated by 180 degrees (or: add "
                "each window's W dZ back where the window read X)",
                _conv_unflipped,
            ),
            Mistake(
                "missing_1_over_m",
                "dW and db are of the cost, the mean over the m examples: divide them by m",
                _conv_no_mean,
            ),
            Mistake(
                "1_over_m_in_dX",
                "dX is per example: the 1/m belongs to dW and db only",
                _conv_dX_with_mean,
            ),
            Mistake(
                "padding_kept",
                "dX has the shape of X: cut the `padding` rows and columns off dX_pad",
                _conv_padding_kept,
            ),
            Mistake(
                "dW_not_summed_over_batch",
                "dW is one kernel's gradient: sum over the examples i too, not one per example",
                _conv_dW_per_example,
            ),
            Mistake(
                "db_not_summed_over_batch",
                "db has one value per kernel: sum dZ over the examples i too, axis (0, 1, 2)",
                _conv_db_per_example,
            ),
        ),
        ("dX", "dW", "db"),
        row="conv2d",
    ),
    Exercise(
        "maxpool_backward",
        CNN,
        "Max pooling backward: route the gradient to the maximum",
        "Given the upstream gradient dA: (m, n_H, n_W, n_C), the forward's input "
        "X: (m, n_H_prev, n_W_prev, n_C) (channels last), the window side f and the stride (no "
        "padding), return dX with the shape of X. Window (h, w) of example i, channel c, reads "
        "X[i, h*stride : h*stride + f, w*stride : w*stride + f, c]; all of dA[i, h, w, c] goes "
        "to the one cell of that window that holds its maximum (where several cells tie, the "
        "first, row by row, as np.argmax of the flattened window picks), the other cells get 0. "
        "Where windows overlap (stride < f) a cell can receive from several: add them up. "
        "Cells that no window reads get 0.",
        "def maxpool_backward(dA, X, f, stride)",
        _maxpool_backward,
        _pools,
        (
            Mistake(
                "average_pool_backward",
                "sharing dA equally among the f x f cells is average pooling's backward; max "
                "pooling sends all of dA to the maximum only",
                _pool_average,
            ),
            Mistake(
                "overwritten",
                "where windows overlap, a cell can be the maximum of two: add the gradients "
                "(+=), do not overwrite",
                _pool_overwritten,
            ),
            Mistake(
                "every_tied_maximum",
                "a window's dA goes to one cell: where several cells tie for the maximum, "
                "only the first (row by row) gets it",
                _pool_every_tie,
            ),
        ),
        ("dX",),
        row="max_pool2d",
    ),
    Exercise(
        "pool_output_size_bug_hunt",
        CNN,
        "Bug hunt: the notes' pooling output size",
        "The starter is the notes' pooling output size (n + f - 1) / s (A34). Given n, f and s "
        "(ints, no padding), it should return, as an int, how many f x f windows fit at stride "
        "s along a side of n. The notes' own shape chains disagree with it (LeNet pools 28 -> "
        "14 with f = s = 2; AlexNet 55 -> 27 with f = 3, s = 2): find the bug and fix it.",
        "def pool_output_size(n, f, s)",
        pool_output_size,
        _pool_sizes,
        (
            Mistake(
                "pool_output_size_notes",
                "the notes' (n + f - 1) / s is not a count of windows: count the f x f windows "
                "that fit at stride s, as for a convolution with p = 0",
                pool_output_size_notes,
            ),
            Mistake(
                "no_floor",
                "a window must fit whole: floor the division",
                lambda n, f, s: (n - f) / s + 1,
            ),
            Mistake(
                "no_plus_one", "the first window counts too: add 1", lambda n, f, s: (n - f) // s
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
)
