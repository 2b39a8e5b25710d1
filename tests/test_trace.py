"""The trace: off by default, recorded in a scope, saved without pickle, deterministic."""

from __future__ import annotations

import io

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


@pytest.mark.parametrize(
    "value, dtype",
    [
        (np.array([object(), 1], dtype=object), "object"),
        (np.array([1 + 2j]), "complex128"),
        (np.array(["a", "b"]), "<U1"),
    ],
)
def test_save_refuses_arrays_it_would_have_to_pickle_or_cannot_show(tmp_path, value, dtype):
    tr = trace.Trace()
    tr.add("dense1.forward", Z=np.ones(2))
    tr.add("labels.names", names=value)
    with pytest.raises(ValueError, match=rf"'labels.names': array 'names' has dtype {dtype}"):
        tr.save(tmp_path / "t.npz")
    assert list(tmp_path.iterdir()) == []


def test_numpy_scalars_in_info_become_python_and_are_saved(tmp_path):
    tr = trace.Trace()
    rec = tr.add(
        "optimizer.step",
        {"lr": np.float32(0.5), "stride": np.int64(2), "sizes": [np.int64(2), 3], "ok": np.True_},
        W=np.ones(2),
    )
    assert rec.info == {"lr": 0.5, "stride": 2, "sizes": [2, 3], "ok": True}
    assert type(rec.info["lr"]) is float and type(rec.info["stride"]) is int
    back = trace.Trace.load(tr.save(tmp_path / "t.npz"))
    assert back.records[0].info == rec.info


@pytest.mark.parametrize("value", [np.ones(3), object(), {1, 2}])
def test_an_info_value_that_is_not_json_is_refused_when_added(value):
    with pytest.raises(ValueError, match=r"Trace.add: record 'conv2d.window': info 'where' is a"):
        trace.Trace().add("conv2d.window", {"i": 0, "where": value}, window=np.ones(2))


def test_numpy_scalars_in_meta_are_saved(tmp_path):
    with trace.record(seed=np.int64(3)) as tr:
        trace.log("dense1.forward", Z=np.ones(1))
    assert trace.Trace.load(tr.save(tmp_path / "t.npz")).meta == {"seed": 3}


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


@pytest.mark.parametrize(
    "write",
    [
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(np.random.default_rng(0).bytes(4096)),
        lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 200),  # a broken zip
        lambda p: p.write_bytes(npy_bytes(np.ones(3))),  # one .npy array
        lambda p: np.savez(p, x=np.ones(3)),  # an .npz, not a trace
    ],
    ids=["empty", "random", "broken-zip", "npy", "other-npz"],
)
def test_load_of_a_file_that_is_no_trace_says_so(tmp_path, write):
    path = tmp_path / "t.npz"
    write(path)
    with pytest.raises(ValueError, match=r"t\.npz is not a visualdl trace \("):
        trace.Trace.load(path)


def test_load_of_a_truncated_trace_says_so(tmp_path):
    path = one_step_trace(0).save(tmp_path / "t.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="is not a visualdl trace"):
        trace.Trace.load(path)


def test_load_of_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        trace.Trace.load(tmp_path / "missing.npz")


# -- what a learner can pass by mistake ---------------------------------------------------------
def test_save_or_load_of_a_folder_names_the_folder(tmp_path):
    tr = trace.Trace()
    tr.add("dense1.forward", Z=np.ones(2))
    for call in (tr.save, trace.Trace.load):
        with pytest.raises(ValueError, match=rf"{tmp_path} is a folder; give a file name"):
            call(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no temp file left


@pytest.mark.parametrize("path", [None, 5, "", ["t.npz"]])
@pytest.mark.parametrize("op", ["save", "load"])
def test_save_or_load_of_no_file_name_is_a_value_error(op, path):
    call = trace.Trace().save if op == "save" else trace.Trace.load
    with pytest.raises(ValueError, match=rf"Trace.{op}: path must be a file name .*, got "):
        call(path)


@pytest.mark.parametrize("info", [[1, 2], "abc", 3.0])
def test_an_info_that_is_not_a_dict_is_refused(info):
    with pytest.raises(ValueError, match=r"Trace.add: info must be a dict .* for record 'a'"):
        trace.Trace().add("a", info)
    with trace.record(), pytest.raises(ValueError, match="info must be a dict"):
        trace.log("a", info)


@pytest.mark.parametrize("name", [None, 5, ("a",)])
def test_a_record_name_that_is_not_a_string_is_refused(name):
    with pytest.raises(ValueError, match="Trace.add: record name must be a str, got "):
        trace.Trace().add(name, Z=np.ones(2))
