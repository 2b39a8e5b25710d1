"""The optimizer figures (ewa, lr-schedules, optimizer-race, minibatch, adam-mistake): each
script runs headless, its demo is deterministic and holds the facts the caption states."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_same_trace
from matplotlib.legend import Legend

from visualdl.demos.adam_mistake import adam_mistake
from visualdl.demos.ewa import ewa_demo
from visualdl.demos.minibatch import minibatch
from visualdl.demos.optimizer_race import races
from visualdl.demos.optimizers import race
from visualdl.demos.schedules import schedules
from visualdl.viz.optimizers import plot_race
from visualdl.viz.paths import exit_index, path_label


def test_demos_are_deterministic() -> None:
    assert_same_trace(ewa_demo(T=50), ewa_demo(T=50))
    assert_same_trace(schedules(), schedules())
    small = {"batch_sizes": (None, 64, 1), "epochs": 2, "grid": 9}
    assert_same_trace(minibatch(**small), minibatch(**small))
    assert_same_trace(adam_mistake(N=50, steps=30, grid=9), adam_mistake(N=50, steps=30, grid=9))
    a = races(("bowl", "saddle"), ("gd", "adam"), steps=40, grid=9)
    b = races(("bowl", "saddle"), ("gd", "adam"), steps=40, grid=9)
    for key in a:
        assert_same_trace(a[key], b[key])


def test_adam_mistake_first_step_is_ten_times_too_long() -> None:
    tr = adam_mistake(N=3000, steps=5, grid=5)
    steps = {r.info["optimizer"]: r["step"] for r in tr.find("adam_mistake.steps")}
    ratio = steps["adam_notes"] / steps["adam"]
    assert ratio[0] == pytest.approx(10.0, rel=1e-3)  # sqrt(0.1 / 0.001), measured
    assert np.all(np.diff(ratio) < 0) and ratio[-1] == pytest.approx(1.0, abs=0.05)
    np.testing.assert_array_equal(tr.last("adam_mistake.ratio")["ratio"], ratio)
    assert steps["adam"][0] == pytest.approx(0.01, rel=1e-6)  # Adam's first step: lr
    first = {p.info["optimizer"]: p.info["first_step"] for p in tr.find("optimizers.path")}
    assert first["adam_notes"] == pytest.approx(10 * first["adam"], rel=1e-3)


def test_adam_mistake_window_holds_both_paths() -> None:
    tr = adam_mistake(N=5, steps=300, grid=5)
    X, Y = tr.last("optimizers.surface")["X"], tr.last("optimizers.surface")["Y"]
    for p in tr.find("optimizers.path"):
        assert X.min() <= p["x"].min() and p["x"].max() <= X.max()
        assert Y.min() <= p["y"].min() and p["y"].max() <= Y.max()


def test_schedules_demo_matches_the_notes() -> None:
    recs = {r.info["name"]: r for r in schedules().find("schedules.schedule")}
    inv = recs["inverse_time"]
    assert inv["lr"][list(inv["epoch"]).index(0)] == 1.0
    assert inv["lr"][list(inv["epoch"]).index(20)] == 0.5
    assert inv["lr"][-1] == pytest.approx(1 / 6)
    assert recs["inverse_sqrt"]["epoch"][0] == 1  # undefined at epoch 0
    assert recs["exponential"]["lr"][1] == pytest.approx(0.95)
    stairs = recs["staircase"]["lr"]
    assert stairs[19] == 1.0 and stairs[20] == 0.5
    cos = recs["cosine_warmup"]["lr"]
    assert cos[0] == 0.0 and cos[10] == pytest.approx(1.0) and cos[-1] == pytest.approx(0.0)


def test_ewa_demo_bias_correction() -> None:
    tr = ewa_demo(T=100)
    theta = tr.last("ewa.series")["theta"]
    for rec in tr.find("ewa.average"):
        beta = rec.info["beta"]
        assert rec["raw"][0] == pytest.approx((1 - beta) * theta[0])
        assert rec["corrected"][0] == pytest.approx(theta[0])
        np.testing.assert_allclose(rec["factor"], 1 - beta ** np.arange(1, 101))
        np.testing.assert_allclose(rec["corrected"] * rec["factor"], rec["raw"])


def test_minibatch_demo_counts_steps_and_starts_together() -> None:
    tr = minibatch(epochs=2, grid=9)
    runs = tr.find("minibatch.run")
    assert [r.info["steps"] for r in runs] == [2, 2 * math.ceil(569 / 64), 2 * 569]
    for r in runs:
        assert (r["w"][0], r["b"][0]) == (-4.0, 4.0)
        assert r["J"].shape == r["w"].shape == r["epoch"].shape
        assert r["epoch"][-1] == 2.0 and r.info["diverged_at"] is None
        assert len(r["batch_cost"]) == r.info["steps"]
    # the full-batch step's cost is the full-data cost J(w, b) at the same point
    assert runs[0]["batch_cost"][0] == pytest.approx(runs[0]["J"][0])


def test_fair_race_and_fixed_saddle() -> None:
    trs = races(("bowl", "saddle"), ("gd", "momentum"), steps=60, grid=9)
    assert trs["bowl"].meta["lr_choice"] == "best of grid"
    assert trs["saddle"].meta["lr_choice"] == "fixed"
    saddle = trs["saddle"].find("optimizers.path")
    assert {p.info["lr"] for p in saddle} == {0.1}
    assert all(len(p["step_lr"]) == 40 for p in saddle)
    for p in trs["bowl"].find("optimizers.path"):
        assert len(p["loss"]) == 61 and p.info["diverged_at"] is None


def test_diverged_runs_are_flagged_not_drawn_as_garbage() -> None:
    tr = race("rosenbrock", ("gd", "adam"), steps=50, lrs={"gd": 1.0, "adam": 0.01}, grid=9)
    gd, adam = tr.find("optimizers.path")
    assert gd.info["diverged_at"] is not None and adam.info["diverged_at"] is None
    assert np.all(np.isfinite(gd["x"])) and np.all(np.isfinite(gd["loss"]))
    assert len(gd["loss"]) == gd.info["diverged_at"]  # stops before the non-finite step
    assert "diverged at step" in path_label(gd.info)
    fig = plot_race({"rosenbrock": tr})
    legends = fig.axes[1].findobj(Legend)
    legend = [t.get_text() for leg in legends for t in leg.get_texts()]
    assert any(f"diverged at step {gd.info['diverged_at']}" in t for t in legend)
    path_ax = fig.axes[0]
    assert any(line.get_marker() == "X" for line in path_ax.get_lines())


def test_exit_index_only_for_paths_that_end_outside() -> None:
    box = ((-1.0, 1.0), (-1.0, 1.0))
    assert exit_index(np.array([0.0, 2.0, 0.5]), np.zeros(3), box) is None
    assert exit_index(np.array([0.0, 0.5, 2.0, 3.0]), np.zeros(4), box) == 2
    label = path_label({"optimizer": "gd", "lr": 0.1, "diverged_at": None}, 2)
    assert label == "GD, lr 0.1, out of view from step 2"
