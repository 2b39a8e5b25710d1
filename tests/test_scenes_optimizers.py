"""The optimizer scenes: their demos are deterministic, and what they draw (positions, arrows,
rates, losses) is read from the trace. Their last frames render in tests/test_scenes.py, which
renders every registered scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")

from conftest import assert_same_trace

from visualdl.demos.momentum import momentum_trace  # noqa: E402


def test_momentum_demo_is_deterministic_and_complete() -> None:
    a, b = momentum_trace(), momentum_trace()
    assert_same_trace(a, b)
    steps = a.find("optimizer.step")
    n = a.meta["steps"]
    assert [r.info["optimizer"] for r in steps] == ["gd"] * n + ["momentum"] * n
    mom = [r for r in steps if r.info["optimizer"] == "momentum"]
    beta = a.meta["beta"]
    v = np.zeros(2)
    for r in mom:  # the velocity is the EMA of the gradients (the notes' form)
        v = beta * v + (1 - beta) * np.array([r["dx"], r["dy"]], dtype=float)
        np.testing.assert_allclose([r["Vdx"], r["Vdy"]], v, rtol=1e-12)
    gd = a.last("momentum.average")
    assert np.all(np.sign(gd["gy"][1:]) == -np.sign(gd["gy"][:-1]))  # GD's zig-zag
    assert abs(gd["vy"][-1]) < 0.1 * abs(gd["gy"][-1])  # the flips average out
    paths = a.find("optimizers.path")
    final = {r.info["optimizer"]: r["loss"][-1] for r in paths}
    assert final["momentum"] < final["gd"] / 10  # what the scene's summary says
    assert abs(paths[-1]["y"]).max() < 2.5 > abs(paths[0]["y"]).max()  # on the map


def test_race_traces_are_deterministic() -> None:
    from visualdl.scenes.optimizer_trajectories import race_traces

    for a, b in zip(race_traces(), race_traces(), strict=True):
        assert_same_trace(a, b)


def test_momentum_scene_shows_the_trace(tmp_path: Path) -> None:
    from visualdl.scenes.momentum import step_views, vec

    tr = momentum_trace()
    for name in ("gd", "momentum"):
        views = step_views(tr, name)
        recs = [r for r in tr.find("optimizer.step") if r.info["optimizer"] == name]
        path = next(r for r in tr.find("optimizers.path") if r.info["optimizer"] == name)
        assert len(views) == len(recs) == tr.meta["steps"]
        for k, (st, r) in enumerate(zip(views, recs, strict=True)):
            assert st.at == (float(r["x"]), float(r["y"]))
            assert st.to == (float(path["x"][k + 1]), float(path["y"][k + 1]))
            assert st.g_text == f"g = {vec((float(r['dx']), float(r['dy'])))}"
            step = st.v if name == "momentum" else st.g  # the arrow the dot moves along
            np.testing.assert_allclose(
                np.subtract(st.to, st.at), -st.lr * np.array(step), rtol=1e-9, atol=1e-12
            )
        if name == "momentum":
            assert views[0].v_text == f"v = {vec((float(recs[0]['Vdx']), float(recs[0]['Vdy'])))}"
    assert vec((-0.954, 1.116)) == "(−0.95, 1.12)"


def test_trajectories_scene_shows_the_trace() -> None:
    from visualdl.scenes.optimizer_trajectories import (
        STEPS,
        loss_text,
        lr_text,
        race_traces,
        runs,
    )

    traces = race_traces()
    rs = runs(traces)
    paths = [r for tr in traces for r in tr.find("optimizers.path")]
    assert [r.optimizer for r in rs] == ["gd", "momentum", "rmsprop", "adam", "gd"]
    for run, rec in zip(rs, paths, strict=True):
        assert run.x is rec["x"] and run.y is rec["y"] and run.loss is rec["loss"]
        assert lr_text(run, 0) == f"α = {float(rec['step_lr'][0]):g}"
        assert run.lr == rec.info["lr"]
    done = [r for r in rs if r.diverged_at is None]
    assert len(done) == 4 and all(r.T == STEPS for r in done)
    assert loss_text(done[0], STEPS) == f"loss {float(done[0].loss[-1]):.1e}".replace("-", "−")
    bad = rs[-1]
    assert bad.diverged_at is not None and loss_text(bad, bad.diverged_at).startswith("diverged")
    assert len({r.color for r in rs}) == len(rs)  # "GD" and "GD (too large)" apart
    blowing_up = max(float(v) for v in bad.loss)
    assert blowing_up > 1e6 and loss_text(bad, int(np.argmax(bad.loss))) == (
        f"loss {blowing_up:.1e}".replace("e+", "e")
    )  # short enough for its line in the legend


def test_clip_path_stops_at_the_border() -> None:
    from visualdl.anim.contour import PlaneMap

    plane = PlaneMap(((0.0, 4.0), (0.0, 2.0)))
    x, y = plane.clip_path(np.array([1.0, 2.0, 9.0, -5.0]), np.array([1.0, 1.0, 1.0, 1.0]))
    assert x.tolist() == [1.0, 2.0, 4.0] and y.tolist() == [1.0, 1.0, 1.0]
    x, y = plane.clip_path(np.array([1.0, 2.0]), np.array([1.0, 1.5]))
    assert x.tolist() == [1.0, 2.0]  # inside: unchanged


def test_the_race_lingers_where_the_dots_move() -> None:
    from visualdl.scenes.optimizer_trajectories import (
        CHUNK,
        MAX_PLAY,
        MIN_PLAY,
        STEPS,
        _travel,
        chunk_times,
        race_traces,
        runs,
    )

    rs, span = runs(race_traces()), (4.5, 3.5)
    times = chunk_times(rs, span)
    assert len(times) == STEPS // CHUNK and all(MIN_PLAY <= t <= MAX_PLAY for t in times)
    half = len(times) // 2
    assert sum(times[half:]) < 0.6 * sum(times[:half])  # settled dots: no seconds of stillness
    moved = [max(_travel(r, k, k + CHUNK, span) for r in rs) for k in range(0, STEPS, CHUNK)]
    order = np.argsort(moved)
    assert np.all(np.diff(np.asarray(times)[order]) >= -1e-12)  # more travel, never less time
