"""What the generic exercise tests do not see in the chapter TRAIN: the bug hunt's stated factor
and its one-line fix, the dropout reference against the engine's own forward, and the gradient
check's cases (one right backprop, two wrong ones)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import starter_function

from visualdl.engine.regularization import dropout_forward
from visualdl.exercises import EXERCISES, check_function
from visualdl.exercises.checker import SEED


@pytest.mark.parametrize(("t", "factor"), [(1, 10.0), (10, 8.09), (100, 3.24)])
def test_the_notes_adam_steps_as_many_times_too_far_as_the_task_says(t, factor):
    ex = EXERCISES["adam_bug_hunt"]
    case = ex.cases(np.random.default_rng(SEED))[0]
    assert (case["t"], case["beta1"], case["beta2"]) == (1, 0.9, 0.999)
    assert not case["VdW"].any() and not case["SdW"].any()
    if t > 1:
        case = {**case, "t": t, "VdW": 0.3 * case["dW"], "SdW": 0.2 * case["dW"] ** 2}
    right = ex.reference(**case)[0] - case["W"]
    notes = starter_function("adam_bug_hunt")(**case)[0] - case["W"]
    np.testing.assert_allclose(notes / right, factor, rtol=2e-3)
    if t == 1:  # Adam's first step is alpha in every entry
        np.testing.assert_allclose(np.abs(right), case["alpha"], rtol=1e-6)
    assert str(round(factor)) in ex.task


def test_the_bug_hunt_is_one_line_away_from_passing():
    fixed = starter_function(
        "adam_bug_hunt",
        ("SdW_corrected = SdW / (1 - beta1**t)", "SdW_corrected = SdW / (1 - beta2**t)"),
    )
    assert check_function(EXERCISES["adam_bug_hunt"], fixed).passed


def test_the_dropout_reference_is_the_engines_forward_with_its_mask():
    ex = EXERCISES["inverted_dropout"]
    A = np.random.default_rng(1).standard_normal((4, 9))
    out, D = dropout_forward(A, 0.8, np.random.default_rng(2))
    np.testing.assert_array_equal(ex.reference(A=A, D=D, keep_prob=0.8), out)


def test_the_gradient_check_cases_hold_one_right_backprop_and_two_wrong_ones():
    ex = EXERCISES["gradient_check"]
    differences = [ex.reference(**case)[1] for case in ex.cases(np.random.default_rng(SEED))]
    assert differences[0] < 1e-7 and min(differences[1:]) > 1e-3
