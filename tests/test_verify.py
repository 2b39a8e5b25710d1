"""``visualdl.verify``: one row per op, all passing, as a table and as JSON."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from visualdl import verify
from visualdl.engine import losses as engine_losses

OPS = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softmax",
    "identity",
    "dense",
    "bce",
    "cross_entropy",
    "mse",
    "l1_loss",
    "l2_penalty",
    "l1_penalty",
    "dropout",
]


@pytest.fixture(scope="module")
def rows() -> list[verify.Row]:
    return verify.run_all()


def test_every_op_has_a_row(rows):
    names = [r.op for r in rows]
    assert names[: len(OPS)] == OPS
    assert set(OPS) <= set(names) and len(names) == len(set(names))
    assert list(verify.OPS) == OPS


def test_all_pass(rows):
    failed = [r for r in rows if not r.passed]
    assert not failed, verify.format_table(failed)
    assert all(0.0 <= r.max_rel_error <= verify.TOL for r in rows)


def test_json(rows):
    items = json.loads(verify.to_json(rows))
    assert [i["op"] for i in items] == [r.op for r in rows]
    for item in items:
        assert set(item) == {"op", "checked", "max_rel_error", "passed"}
        assert item["passed"] is True and isinstance(item["max_rel_error"], float)


def test_table_has_one_line_per_op(rows):
    lines = verify.format_table(rows).splitlines()
    assert len(lines) == len(rows) + 1  # header
    assert lines[0].split()[0] == "op"
    for row, line in zip(rows, lines[1:], strict=True):
        assert line.split()[0] == row.op and line.endswith("PASS")
        assert f"{row.max_rel_error:.1e}" in line
    assert len({line.index("PASS") for line in lines[1:]}) == 1  # aligned


def test_a_broken_engine_fails_its_row(monkeypatch):
    monkeypatch.setattr(engine_losses, "mse_backward", lambda A, Y: A - Y)  # missing the 2
    (row,) = verify.run_all(("mse",))
    assert row.op == "mse" and not row.passed and row.max_rel_error > 1e-3
    assert "FAIL" in verify.format_table([row])


def test_a_crashing_check_is_a_failed_row(monkeypatch):
    def boom(A, Y):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine_losses, "l1_loss_backward", boom)
    (row,) = verify.run_all(("l1_loss",))
    assert not row.passed and math.isnan(row.max_rel_error) and "boom" in row.checked
    assert json.loads(verify.to_json([row]))[0]["max_rel_error"] is None


def test_unknown_op():
    with pytest.raises(ValueError, match="verify"):
        verify.run_all(("softplus",))


def test_import_is_light():
    code = "import sys, visualdl.verify; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_docstring_examples():
    import doctest

    result = doctest.testmod(verify)
    assert result.failed == 0 and result.attempted > 0
