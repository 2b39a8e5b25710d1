"""The dense loop oracle: every entry a row of W times a column of A_prev plus b."""

from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine.dense import dense_backward, dense_forward
from visualdl.engine.dense_loops import dense_dW_loop, dense_forward_loop
from visualdl.trace import record


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_loop_equals_the_fast_op_and_narrates_every_entry(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_prev, m = rng.integers(1, 5, size=3)
    W, A, b = rng.normal(size=(n, n_prev)), rng.normal(size=(n_prev, m)), rng.normal(size=(n, 1))
    with record() as tr:
        Z = dense_forward_loop(W, A, b)
    np.testing.assert_allclose(Z, dense_forward(A, W, b)[0], rtol=1e-12)
    entries = tr.find("dense.entry")
    assert [(e.info["i"], e.info["j"]) for e in entries] == [
        (i, j) for i in range(n) for j in range(m)
    ]
    for e in entries:
        i, j = e.info["i"], e.info["j"]
        np.testing.assert_allclose(e["products"], W[i] * A[:, j])
        assert float(e["z"]) == pytest.approx(float(e["products"].sum() + b[i, 0]))


def test_loop_is_silent_outside_a_recording_and_refuses_bad_shapes() -> None:
    assert dense_forward_loop([[1.0, 2.0]], [[3.0], [4.0]], [[0.5]]).tolist() == [[11.5]]
    with pytest.raises(ValueError, match=r"dense_forward_loop: expected A_prev of shape \(2, m\)"):
        dense_forward_loop(np.ones((1, 2)), np.ones((3, 1)), np.ones((1, 1)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dW_loop_equals_the_fast_backward_and_narrates_every_entry(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_prev, m = rng.integers(1, 5, size=3)
    W, A, dZ = rng.normal(size=(n, n_prev)), rng.normal(size=(n_prev, m)), rng.normal(size=(n, m))
    with record() as tr:
        dW = dense_dW_loop(dZ, A)
    np.testing.assert_allclose(dW, dense_backward(dZ, dense_forward(A, W, W[:, :1])[1])[1])
    entries = tr.find("dense.dw_entry")
    assert [(e.info["i"], e.info["k"]) for e in entries] == [
        (i, k) for i in range(n) for k in range(n_prev)
    ]
    for e in entries:
        i, k = e.info["i"], e.info["k"]
        np.testing.assert_allclose(e["products"], dZ[i] * A[k])
        assert float(e["dW"]) == pytest.approx(float(e["products"].sum() / m))


def test_dW_loop_refuses_examples_that_do_not_match() -> None:
    with pytest.raises(ValueError, match=r"dense_dW_loop: expected dZ \(n, m\) and A_prev"):
        dense_dW_loop(np.ones((1, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"dense_dW_loop: dZ has no examples \(m = 0\)"):
        dense_dW_loop(np.ones((1, 0)), np.ones((2, 0)))
