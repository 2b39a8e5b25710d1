"""The row layout's own ops (linear, row softmax, cross-entropy over a vocabulary with padding,
the embedding lookup) against central differences, and the layout helper between the column
chapters and the row chapter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_op_gradients

from visualdl.engine import embedding, rows


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
def test_linear_backward_matches_differences(shape, bias):
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    inputs = {"X": rng.standard_normal(shape), "W": W}
    if bias:
        inputs["b"] = b

    assert_op_gradients(
        lambda **v: rows.linear_forward(**v),
        lambda dY, cache: rows.linear_backward(dY, cache)[: len(inputs)],
        inputs,
    )
    if not bias:
        assert (
            rows.linear_backward(np.ones((*shape[:-1], 2)), rows.linear_forward(inputs["X"], W)[1])[
                2
            ]
            is None
        )


def test_softmax_rows_backward_matches_differences():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((2, 3, 5))
    A = rows.softmax_rows(Z)
    np.testing.assert_allclose(A.sum(axis=-1), 1.0)
    assert_op_gradients(
        lambda Z: (rows.softmax_rows(Z), rows.softmax_rows(Z)),
        lambda dA, A: rows.softmax_rows_backward(dA, A),
        {"Z": Z},
    )


def test_softmax_rows_is_stable_and_gives_masked_entries_zero():
    A = rows.softmax_rows(np.array([[1000.0, 1001.0, -np.inf]]))
    np.testing.assert_allclose(A, [[1 / (1 + np.e), np.e / (1 + np.e), 0.0]])


@pytest.mark.parametrize("pad", [None, 0])
def test_cross_entropy_rows_backward_matches_differences(pad):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 4, 5))
    targets = np.array([[1, 2, 0, 0], [4, 3, 2, 0]])

    assert_op_gradients(
        lambda logits: rows.cross_entropy_rows(logits, targets, pad),
        lambda d, cache: d * rows.cross_entropy_rows_backward(cache),
        {"logits": logits},
    )
    J, cache = rows.cross_entropy_rows(logits, targets, pad)
    P = rows.softmax_rows(logits)
    keep = np.ones(targets.shape) if pad is None else (targets != pad)
    picked = np.take_along_axis(P, targets[..., None], axis=-1)[..., 0]
    assert J == pytest.approx(-np.log(picked)[keep.astype(bool)].mean())
    if pad is not None:  # padded positions send nothing back
        assert not rows.cross_entropy_rows_backward(cache)[targets == pad].any()


def test_cross_entropy_rows_refuses_bad_targets():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 4\)"):
        rows.cross_entropy_rows(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="must be integer token ids"):
        rows.cross_entropy_rows(logits, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"targets must have shape \(3,\)"):
        rows.cross_entropy_rows(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match="every target is the padding id 0"):
        rows.cross_entropy_rows(logits, np.array([0, 0, 0]), pad=0)


def test_linear_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"expected X of shape \(\.\.\., 3\)"):
        rows.linear_forward(np.ones((2, 4)), np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"expected b of shape \(2,\)"):
        rows.linear_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones((1, 2)))


def test_embedding_backward_matches_differences_and_adds_repeats():
    rng = np.random.default_rng(4)
    ids = np.array([[0, 2, 2], [3, 0, 2]])
    got = assert_op_gradients(
        lambda E: embedding.embedding_forward(ids, E),
        lambda dX, cache: embedding.embedding_backward(dX, cache),
        {"E": rng.standard_normal((5, 3))},
    )
    dE = got["E"][0]
    assert not dE[[1, 4]].any()  # tokens that never occur


def test_embedding_is_the_one_hot_product():
    rng = np.random.default_rng(5)
    E, ids = rng.standard_normal((6, 4)), np.array([5, 0, 5, 2])
    X, _ = embedding.embedding_forward(ids, E)
    np.testing.assert_array_equal(X, np.eye(6)[ids] @ E)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 6\)"):
        embedding.embedding_forward(np.array([6]), E)
    with pytest.raises(ValueError, match=r"E must be \(V, d\)"):
        embedding.embedding_forward(ids, np.ones(6))


def test_layout_helpers_move_examples_between_columns_and_rows():
    rng = np.random.default_rng(6)
    A = rng.standard_normal((4, 3))  # (n_x, m)
    x = rng.standard_normal((4, 3, 5))  # (n_x, m, T)
    np.testing.assert_array_equal(rows.rows_from_columns(A)[2], A[:, 2])
    np.testing.assert_array_equal(rows.rows_from_columns(x)[1, 4], x[:, 1, 4])
    for a in (A, x):
        np.testing.assert_array_equal(rows.columns_from_rows(rows.rows_from_columns(a)), a)
    # the column chapter's W A + b and the row chapter's X W^T + b^T are the same numbers
    W, b = rng.standard_normal((2, 4)), rng.standard_normal((2, 1))
    Y, _ = rows.linear_forward(rows.rows_from_columns(A), W.T, b[:, 0])
    np.testing.assert_allclose(rows.columns_from_rows(Y), W @ A + b)
    with pytest.raises(ValueError, match=r"expected \(n_x, m\) or \(n_x, m, T\)"):
        rows.rows_from_columns(np.ones(3))
