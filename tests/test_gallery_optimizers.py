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
from visualdl.demos.optimizer_race import SHARED_BOUNDS, SHARED_LR, SHARED_START, STEPS, races
from visualdl.demos.optimizers import LR_GRID, TIE, best_lr, race, settled_loss, spiked
from visualdl.demos.schedules import schedules
from visualdl.engine.descent import minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.surfaces import get
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


def test_shared_bowl_then_settled_race_and_fixed_saddle() -> None:
    trs = races(("bowl", "rosenbrock", "saddle"), ("gd", "momentum"), steps=60, grid=9)
    assert [trs[k].meta["lr_choice"] for k in trs] == ["shared", "settled", "fixed"]
    bowl = trs["bowl"].find("optimizers.path")
    assert {p.info["lr"] for p in bowl} == {SHARED_LR}
    assert all((p["x"][0], p["y"][0]) == SHARED_START for p in bowl)
    saddle = trs["saddle"].find("optimizers.path")
    assert {p.info["lr"] for p in saddle} == {0.1}
    assert all(len(p["step_lr"]) == 40 for p in saddle)
    for p in trs["rosenbrock"].find("optimizers.path"):
        assert len(p["loss"]) == 61 and p.info["diverged_at"] is None


@pytest.mark.parametrize("lr", [0.4, SHARED_LR, 0.48])
def test_same_rate_gd_zigzags_momentum_is_smooth(lr: float) -> None:
    """The notes' lesson at one shared rate under GD's limit 0.5 on the bowl: GD's y flips sign
    every step, momentum's (an average of the flipping gradients) a few times in 40 steps."""
    tr = race(
        "bowl", ("gd", "momentum"), 40, lrs={"gd": lr, "momentum": lr}, grid=5, start=SHARED_START
    )
    gd, mom = tr.find("optimizers.path")
    flips = {
        p.info["optimizer"]: int(np.sum(np.sign(p["y"][1:]) != np.sign(p["y"][:-1])))
        for p in (gd, mom)
    }
    assert flips["gd"] == 40
    assert flips["momentum"] <= 8
    assert gd["loss"][-1] < gd["loss"][0] and mom["loss"][-1] < mom["loss"][0]


def test_shared_row_stays_in_its_window() -> None:
    tr = races(("bowl",), grid=9)["bowl"]
    (x0, x1), (y0, y1) = SHARED_BOUNDS
    for p in tr.find("optimizers.path"):
        assert x0 <= p["x"].min() and p["x"].max() <= x1, p.info["optimizer"]
        assert y0 <= p["y"].min() and p["y"].max() <= y1, p.info["optimizer"]


def test_settled_rates_never_spike_and_the_final_loss_rule_would() -> None:
    """Every picked run of the figure's settled rows is stable and has, within the tie, the
    lowest settled loss of the stable runs; the final-loss rule picks RMSprop runs that spike."""
    trs = races(("rosenbrock", "beale"), ("gd", "rmsprop", "adam"), grid=9)
    for surface, tr in trs.items():
        s = get(surface)
        for p in tr.find("optimizers.path"):
            name = p.info["optimizer"]
            assert p.info["diverged_at"] is None and not spiked(p["loss"]), (surface, name)
            others = [minimize(s, Optimizer(name, lr=lr), STEPS) for lr in LR_GRID]
            stable = [o for o in others if o.diverged_at is None and not spiked(o.loss)]
            best = min(settled_loss(o.loss) for o in stable)
            assert settled_loss(p["loss"]) <= best * (1 + TIE), (surface, name)
        final = best_lr(surface, "rmsprop", STEPS, pick="final")
        assert spiked(minimize(s, Optimizer("rmsprop", lr=final), STEPS).loss), surface


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


def test_race_caption_states_the_rules_it_uses() -> None:
    from visualdl.demos.optimizer_race import SADDLE_LR, SADDLE_STEPS
    from visualdl.demos.optimizers import SPIKE, TAIL
    from visualdl.gallery.optimizer_race import CAPTION

    assert f"α = {SHARED_LR:g}" in CAPTION
    assert f"median loss over the last {TAIL} steps" in CAPTION
    assert {SPIKE: "twice"}[SPIKE] + " their starting loss" in CAPTION
    assert f"{TIE:.0%}".replace("%", " %") in CAPTION
    assert f"lr {SADDLE_LR:g} and {SADDLE_STEPS} steps" in CAPTION
