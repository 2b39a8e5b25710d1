"""``visualdl bench --quick``: every fast op agrees with its loop oracle (and with PyTorch when
it is installed) on small cases. Times are printed, never asserted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from visualdl import bench, cli
from visualdl.bench import cnn

LOOP_ORACLES = {
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "lstm",
    "gru",
    "multi_head_attention",
    "mlp_step",
}


@pytest.fixture
def quick_report(capsys) -> dict:
    code = cli.main(["bench", "--quick", "--json"])
    return {"code": code, **json.loads(capsys.readouterr().out)}


def test_quick_bench_agrees_with_every_loop_oracle(quick_report):
    assert quick_report["code"] == 0 and quick_report["quick"] is True
    results = quick_report["results"]
    assert [r["name"] for r in results] == [b.name for b in bench.BENCHES]
    with_loop = {r["name"] for r in results if r["loop"] is not None}
    assert with_loop == LOOP_ORACLES
    for r in results:
        pairs = [r["loop"], *r["torch"].values()]
        for p in filter(None, pairs):
            assert p["agree"] and p["error"] <= bench.TOLERANCE[r["dtype"]], r["name"]
            assert p["engine_ms"] > 0 and p["other_ms"] > 0 and p["ratio"] > 0


def test_the_header_names_the_blas_kernel_and_threads(quick_report):
    info = quick_report["machine"]
    assert info["blas"] and all(b["kernel"] for b in info["blas"])
    text = bench.table(quick_report)
    lines = text.splitlines()
    assert "kernel" in lines[1] and "OPENBLAS_CORETYPE" in lines[1]
    assert sum(line.startswith("| ") for line in lines) == len(bench.BENCHES) + 1
    assert "--quick" in lines[-1] and "✓" not in text  # a quick run claims no target


def test_a_wrong_gradient_is_reported_and_exits_1(monkeypatch, capsys):
    real = cnn.conv2d_backward

    def no_one_over_m(dZ, cache):
        dX, dW, db = real(dZ, cache)
        return dX, dW * dZ.shape[0], db

    monkeypatch.setattr(cnn, "conv2d_backward", no_one_over_m)
    assert cli.main(["bench", "conv2d", "--quick"]) == 1
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| conv2d")]
    assert len(rows) == 2 and all("| NO (" in row for row in rows)


def test_an_unknown_benchmark_is_one_line_and_exit_2(capsys):
    assert cli.main(["bench", "conv3d"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("visualdl: error: bench: unknown benchmark 'conv3d'") and "conv2d" in err
    with pytest.raises(ValueError, match="unknown benchmark 'conv3d'"):
        bench.run(["conv3d"], quick=True, torch=None)


def test_error_is_relative_to_the_other_side():
    pair = bench.harness.Pair(
        lambda: None, lambda: None, lambda: ([np.array([1.0, 2.0])], [np.array([1.0, 4.0])])
    )
    assert bench.error(pair) == pytest.approx(0.5)
