"""What the generic exercise tests do not see in the chapter CNN: a learner's plain loops (the
course's way) pass, the course's tie-blind mask is named, the size answers are compared as
numbers, and the bug hunt is one line away from passing."""

from __future__ import annotations

import numpy as np
from conftest import starter_function

from visualdl.exercises import EXERCISES, check_function
from visualdl.exercises.checker import SEED


def _pad(X, p):
    return np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))


def conv_forward(X, W, b, stride, padding):
    m, n_H_prev, n_W_prev, _ = X.shape
    f, _, _, n_C = W.shape
    n_H = (n_H_prev + 2 * padding - f) // stride + 1
    n_W = (n_W_prev + 2 * padding - f) // stride + 1
    X_pad, Z = _pad(X, padding), np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = X_pad[i, h * stride : h * stride + f, w * stride : w * stride + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(window * W[:, :, :, c]) + b[c]
    return Z


def conv_backward(dZ, X, W, stride, padding, mean=True):
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    X_pad = _pad(X, padding)
    dX_pad, dW, db = np.zeros_like(X_pad), np.zeros_like(W), np.zeros(n_C)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
                for c in range(n_C):
                    dX_pad[i, rows, cols, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += X_pad[i, rows, cols, :] * dZ[i, h, w, c]
                    db[c] += dZ[i, h, w, c]
    n_H_prev, n_W_prev = X.shape[1:3]
    dX = dX_pad[:, padding : padding + n_H_prev, padding : padding + n_W_prev, :]
    return (dX, dW / m, db / m) if mean else (dX, dW, db)


def maxpool_backward(dA, X, f, stride, first_only=True):
    m, n_H, n_W, n_C = dA.shape
    dX = np.zeros_like(X)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    rows, cols = (
                        slice(h * stride, h * stride + f),
                        slice(w * stride, w * stride + f),
                    )
                    window = X[i, rows, cols, c]
                    if first_only:
                        mask = np.zeros(window.shape)
                        mask[np.unravel_index(np.argmax(window), window.shape)] = 1
                    else:  # the course's create_mask_from_window: x == max(x)
                        mask = window == np.max(window)
                    dX[i, rows, cols, c] += mask * dA[i, h, w, c]
    return dX


def test_a_learners_loops_pass():
    assert check_function(EXERCISES["conv_forward"], conv_forward).passed
    assert check_function(EXERCISES["conv_backward"], conv_backward).passed
    assert check_function(EXERCISES["maxpool_backward"], maxpool_backward).passed


def test_the_loops_without_1_over_m_are_named():
    r = check_function(EXERCISES["conv_backward"], lambda **k: conv_backward(**k, mean=False))
    assert r.mistake == "missing_1_over_m" and r.output == "dW"


def test_the_courses_mask_of_every_tied_maximum_is_named_on_the_tie_case():
    ex = EXERCISES["maxpool_backward"]
    r = check_function(ex, lambda **k: maxpool_backward(**k, first_only=False))
    case = ex.cases(np.random.default_rng(SEED))[r.case - 1]
    assert r.mistake == "every_tied_maximum" and r.case > 2  # the cases before it have no ties
    assert len(np.unique(case["X"])) < case["X"].size


def test_an_overlapping_case_has_a_cell_that_is_the_maximum_of_two_windows():
    ex = EXERCISES["maxpool_backward"]
    case = ex.cases(np.random.default_rng(SEED))[1]
    assert case["stride"] < case["f"]
    routed = ex.reference(**case) != 0
    assert routed.sum() < case["dA"].size  # fewer cells than windows: some take two or more


def test_a_size_is_compared_as_a_number_and_a_float_of_the_right_value_passes():
    ex = EXERCISES["conv_output_size"]
    assert check_function(ex, lambda n, f, p, s: float((n + 2 * p - f) // s + 1)).passed
    r = check_function(ex, lambda n, f, p, s: (n + 2 * p - f) // s + 2)
    assert not r.passed and r.expected == 4 and r.got == 5


def test_the_bug_hunt_is_one_line_away_from_passing():
    fixed = starter_function("pool_output_size_bug_hunt", ("(n + f - 1) / s", "(n - f) // s + 1"))
    assert check_function(EXERCISES["pool_output_size_bug_hunt"], fixed).passed
