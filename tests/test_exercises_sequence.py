"""The sequence chapters' exercises beyond the generic tests: each bug hunt's starter, fixed
where the bug is, passes; the cases hold what their tasks promise."""

from __future__ import annotations

import numpy as np
from conftest import starter_function

from visualdl.exercises import EXERCISES, check_function
from visualdl.exercises.checker import SEED


def test_the_lstm_starter_fixed_at_dw_hy_passes():
    fixed = starter_function(
        "lstm_backward_bug_hunt",
        ("    dh = np.zeros_like(a)\n", "    dh = np.zeros_like(a)\n    dWy, dby = 0, 0\n"),
        ("dWy = dy_t @ dh_next[:, :, t].T / m", "dWy += dy_t @ a[:, :, t].T / m"),
        ("dby = np.sum", "dby += np.sum"),
    )
    assert check_function(EXERCISES["lstm_backward_bug_hunt"], fixed).passed


def test_the_layer_norm_starter_fixed_passes():
    fixed = starter_function(
        "layer_norm_bug_hunt",
        (
            "std = X.std(axis=-1, ddof=1, keepdims=True)",
            "std = np.sqrt(X.var(axis=-1, keepdims=True) + eps)",
        ),
        ("/ (std + eps)", "/ std"),
    )
    assert check_function(EXERCISES["layer_norm_bug_hunt"], fixed).passed


def test_the_attention_cases_are_causal_padded_and_rectangular():
    cases = EXERCISES["masked_attention"].cases(np.random.default_rng(SEED))
    causal, padded = cases[0]["mask"], cases[1]["mask"]
    assert (causal == np.tril(np.ones_like(causal))).all()
    assert padded.shape[0] != padded.shape[1] and not padded[:, -1].any()
    assert all(c["mask"].any(axis=1).all() for c in cases)  # every query keeps a key


def test_the_positional_encoding_cases_include_an_odd_d():
    cases = EXERCISES["positional_encoding"].cases(np.random.default_rng(SEED))
    assert any(c["d"] % 2 for c in cases)
