"""``visualdl.verify``: the table built from the symbolic modules' declarations, every row
passing, as a table, as JSON and through the CLI; a broken engine fails its row."""

from __future__ import annotations

import dataclasses
import json
import math
import pkgutil
import subprocess
import sys
from importlib import import_module

import numpy as np
import pytest

import visualdl.symbolic
from visualdl import verify
from visualdl.cli import main
from visualdl.engine import averaging as engine_averaging
from visualdl.engine import batchnorm as engine_batchnorm
from visualdl.engine import conv as engine_conv
from visualdl.engine import losses as engine_losses
from visualdl.engine import optimizers as engine_optimizers
from visualdl.engine import surfaces as engine_surfaces
from visualdl.symbolic.check import Check, Op


@pytest.fixture
def rows(verify_rows) -> list[verify.Row]:
    return verify_rows


def test_one_row_per_declaration_in_module_order(rows):
    names = [r.op for r in rows]
    assert names == list(verify.names()) and len(names) == len(set(names))
    declared = [n for m in verify.MODULES for n in import_module(f"visualdl.symbolic.{m}").CHECKS]
    assert names == declared


def test_every_symbolic_module_with_checks_is_in_the_table():
    with_checks = {
        info.name
        for info in pkgutil.iter_modules(visualdl.symbolic.__path__)
        if hasattr(import_module(f"visualdl.symbolic.{info.name}"), "CHECKS")
    }
    assert with_checks == set(verify.MODULES)


def test_every_declaration_is_an_op():
    for name, op in verify.table().items():
        assert isinstance(op, Op) and callable(op.check), name
        assert all(isinstance(c, str) and "." in c for c in op.covers), name


def test_a_row_declared_twice_is_an_error(monkeypatch):
    from visualdl.symbolic import conv

    monkeypatch.setitem(conv.CHECKS, "mse", conv.CHECKS["conv2d"])
    with pytest.raises(ValueError, match="'mse' is declared twice"):
        verify.table()


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


def test_cli_prints_the_rows_and_exits_0_when_all_pass(monkeypatch, capsys, rows):
    monkeypatch.setattr(verify, "run_all", lambda: rows)
    assert main(["verify"]) == 0
    assert capsys.readouterr().out == verify.format_table(rows) + "\n"
    assert main(["verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(verify.to_json(rows))


def test_cli_exits_1_when_a_row_fails(monkeypatch, capsys, rows):
    failed = dataclasses.replace(rows[0], max_rel_error=0.5, passed=False)
    monkeypatch.setattr(verify, "run_all", lambda: [failed, *rows[1:]])
    for args in (["verify"], ["verify", "--json"]):
        assert main(args) == 1
        assert rows[0].op in capsys.readouterr().out


def test_an_op_checks_a_replacement_through_its_override():
    ops = verify.table()
    assert ops["mse"]().passed
    wrong = ops["mse"](lambda A, Y: A - Y)  # missing the 2
    assert isinstance(wrong, Check) and not wrong.passed and wrong.max_rel_error > 1e-3
    with pytest.raises(TypeError, match="no replacement"):
        ops["chain_rule"](lambda *a: None)


def test_a_broken_engine_fails_its_row(monkeypatch):
    monkeypatch.setattr(engine_losses, "mse_backward", lambda A, Y: A - Y)  # missing the 2
    (row,) = verify.run_all(("mse",))
    assert row.op == "mse" and not row.passed and row.max_rel_error > 1e-3
    assert "FAIL" in verify.format_table([row])


def test_a_broken_optimizer_fails_its_row(monkeypatch):
    # the notes' mistake: S bias-corrected with beta1
    monkeypatch.setitem(engine_optimizers._RULES, "adam", engine_optimizers._adam_notes)
    rows = verify.run_all(("adam", "adamw", "rmsprop"))
    assert [r.passed for r in rows] == [False, True, True]  # adamw has its own rule
    assert rows[0].max_rel_error > 1e-3


def test_a_broken_surface_gradient_fails_its_row(monkeypatch):
    bowl = engine_surfaces.SURFACES["bowl"]
    broken = dataclasses.replace(bowl, grad=lambda x, y: (0.1 * x, 4 * y))  # lost the 2
    monkeypatch.setitem(engine_surfaces.SURFACES, "bowl", broken)
    rows = verify.run_all(("bowl", "saddle"))
    assert [r.passed for r in rows] == [False, True] and rows[0].max_rel_error > 1e-3


def test_a_broken_ewa_fails_its_row(monkeypatch):
    def ewa(series, beta, bias_correction=False):  # corrects with 1 - beta^(t + 1)
        v = [0.0] * len(series)
        acc = 0.0
        for t, x in enumerate(series):
            acc = beta * acc + (1 - beta) * x
            v[t] = acc / (1 - beta ** (t + 2)) if bias_correction else acc
        return v

    monkeypatch.setattr(engine_averaging, "ewa", ewa)
    (row,) = verify.run_all(("ewa_bias_correction",))
    assert not row.passed and row.max_rel_error > 1e-3


def test_a_conv_backward_with_an_unflipped_kernel_fails_its_row(monkeypatch):
    real = engine_conv.conv2d_backward

    def unflipped(dZ, cache):  # dX by the full convolution with the unflipped kernel
        return real(dZ, {**cache, "W": cache["W"][::-1, ::-1]})

    monkeypatch.setattr(engine_conv, "conv2d_backward", unflipped)
    rows = verify.run_all(("conv2d", "conv_transpose2d"))
    assert [r.passed for r in rows] == [False, True] and rows[0].max_rel_error > 1e-3


def test_max_pool_routed_to_the_wrong_cell_fails_its_row(monkeypatch):
    real = engine_conv.max_pool2d

    def first_cell(X, f=2, stride=2):  # every window's gradient to its top-left cell
        A, cache = real(X, f, stride)
        mask = np.zeros_like(cache["mask"])  # (f*f, m, n_H, n_W, n_C), window offset first
        mask[0] = True
        return A, {**cache, "mask": mask}

    monkeypatch.setattr(engine_conv, "max_pool2d", first_cell)
    rows = verify.run_all(("max_pool2d", "avg_pool2d"))
    assert [r.passed for r in rows] == [False, True] and rows[0].max_rel_error > 1e-3


def test_a_broken_batch_norm_fails_its_row(monkeypatch):
    real = engine_batchnorm.batch_norm_backward

    def no_one_over_m(dout, cache):
        dZ, dgamma, dbeta = real(dout, cache)
        return dZ, dgamma * cache["m"], dbeta * cache["m"]

    monkeypatch.setattr(engine_batchnorm, "batch_norm_backward", no_one_over_m)
    (row,) = verify.run_all(("batch_norm",))
    assert not row.passed and row.max_rel_error > 1e-3


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
