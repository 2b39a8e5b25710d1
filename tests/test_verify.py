"""``visualdl.verify``: one row per op, all passing, as a table and as JSON."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from visualdl import verify
from visualdl.engine import averaging as engine_averaging
from visualdl.engine import batchnorm as engine_batchnorm
from visualdl.engine import conv as engine_conv
from visualdl.engine import losses as engine_losses
from visualdl.engine import optimizers as engine_optimizers
from visualdl.engine import surfaces as engine_surfaces

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
OPTIMIZER_ROWS = [
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "ewa_bias_correction",
]
SURFACE_ROWS = ["bowl", "rosenbrock", "beale", "saddle", "logistic"]
CONV_ROWS = ["conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d", "batch_norm"]


@pytest.fixture(scope="module")
def rows() -> list[verify.Row]:
    return verify.run_all()


def test_every_op_has_a_row(rows):
    names = [r.op for r in rows]
    assert names[: len(OPS)] == OPS
    assert set(OPS) <= set(names) and len(names) == len(set(names))
    assert list(verify.OPS) == OPS


def test_optimizer_and_surface_rows_follow_the_chain_rule(rows):
    names = [r.op for r in rows]
    assert names == OPS + ["chain_rule"] + OPTIMIZER_ROWS + SURFACE_ROWS + CONV_ROWS
    assert list(verify.OPTIMIZER_ROWS) == OPTIMIZER_ROWS
    assert list(verify.SURFACE_ROWS) == SURFACE_ROWS
    assert list(verify.CONV_ROWS) == CONV_ROWS
    assert list(verify.ALL) == names


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
        mask = np.zeros_like(cache["mask"])
        mask[:, :, :, 0, :] = True
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


def test_docstring_examples():
    import doctest

    result = doctest.testmod(verify)
    assert result.failed == 0 and result.attempted > 0
