"""The trace: off by default, recorded in a scope, saved without pickle, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from visualdl import trace
from visualdl.engine import data, mlp


def one_step_trace(seed: int) -> trace.Trace:
    X, Y = data.xor()
    model = mlp([2, 3, 1], hidden="tanh", seed=seed)
    with trace.record(seed=seed) as tr:
        model.train_step(X, Y, learning_rate=0.5)
    return tr


def test_recording_is_off_outside_a_block():
    assert trace.current() is None
    trace.log("ignored", x=np.ones(2))  # no error, nothing kept
    with trace.record() as tr:
        assert trace.current() is tr
    assert trace.current() is None


def test_every_layer_records_forward_and_backward_with_names():
    tr = one_step_trace(0)
    assert tr.names() == [
        "dense1.forward",
        "dense2.forward",
        "model.cost",
        "dense2.backward",
        "dense1.backward",
        "optimizer.step",
    ]
    fwd, bwd = tr.last("dense1.forward"), tr.last("dense1.backward")
    assert set(fwd.arrays) == {"A_prev", "W", "b", "Z", "A"}
    assert {"dZ", "dW", "db", "dA", "dA_prev"} <= set(bwd.arrays)
    assert fwd["Z"].shape == (3, 4) and bwd["dW"].shape == (3, 2)
    assert isinstance(fwd["Z"], np.ndarray) and fwd.info["activation"] == "tanh"
    np.testing.assert_allclose(fwd["Z"], fwd["W"] @ fwd["A_prev"] + fwd["b"])


def test_trace_arrays_are_copies_not_views_of_the_model():
    tr = one_step_trace(0)
    update = tr.last("optimizer.step")
    assert not np.array_equal(update["W1"], update["W1_new"])
    np.testing.assert_allclose(
        update["W1_new"], update["W1"] - 0.5 * tr.last("dense1.backward")["dW"]
    )


def test_save_load_round_trip_without_pickle(tmp_path):
    tr = one_step_trace(1)
    path = tr.save(tmp_path / "xor.npz")
    back = trace.Trace.load(path)
    assert back.meta == {"seed": 1}
    assert [r.name for r in back.records] == [r.name for r in tr.records]
    for a, b in zip(tr.records, back.records, strict=True):
        assert a.info == b.info and a.arrays.keys() == b.arrays.keys()
        for k in a.arrays:
            np.testing.assert_array_equal(a[k], b[k])
    with np.load(path, allow_pickle=False) as f:  # readable with pickle disabled
        assert "__trace__" in f.files
    assert [p.name for p in tmp_path.iterdir()] == ["xor.npz"]  # no temp file left


def test_same_seed_gives_the_same_trace_and_another_seed_does_not():
    a, b, c = one_step_trace(3), one_step_trace(3), one_step_trace(4)
    for ra, rb in zip(a.records, b.records, strict=True):
        for k in ra.arrays:
            np.testing.assert_array_equal(ra[k], rb[k])
    assert not np.array_equal(a.last("optimizer.step")["W1"], c.last("optimizer.step")["W1"])


def test_missing_record_names_what_there_is():
    with pytest.raises(KeyError, match="trace has no record 'nope'"):
        one_step_trace(0).last("nope")
