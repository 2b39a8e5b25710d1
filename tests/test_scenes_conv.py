"""The convolution scenes: their demos are deterministic and computed by the engine, window
order is ``engine.conv.windows()``, and what the scenes draw is read from the trace."""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")

from conftest import assert_same_trace

from visualdl.anim.numbers import format_array  # noqa: E402
from visualdl.demos.conv import (  # noqa: E402
    EDGE_IMAGE,
    VERTICAL,
    conv_sliding_trace,
    conv_transpose_trace,
    pooling_trace,
)
from visualdl.engine.conv import conv2d, windows  # noqa: E402

DEMOS = [conv_sliding_trace, pooling_trace, conv_transpose_trace]
CASES = ("valid", "strided", "channels")


def _num(s: str) -> float:
    return float(s.replace("−", "-"))


@pytest.mark.parametrize("make", DEMOS)
def test_demo_is_deterministic(make) -> None:
    assert_same_trace(make(), make())


def test_sliding_demo_is_the_notes_example() -> None:
    tr = conv_sliding_trace()
    valid, strided, channels = (tr.last("conv2d.forward", case=c) for c in CASES)
    np.testing.assert_array_equal(valid["X"][0, :, :, 0], EDGE_IMAGE)
    np.testing.assert_array_equal(valid["W"][:, :, 0, 0], VERTICAL)
    assert valid["Z"][0, :, :, 0].tolist() == [[0.0, 30.0, 30.0, 0.0]] * 4
    assert strided["Z"].shape == (1, 3, 3, 1) and strided.info["p"] == 1 == strided.info["s"] - 1
    assert channels["X"].shape == (1, 4, 4, 3) and channels["Z"].shape == (1, 2, 2, 2)
    sizes = {r.context["case"]: r.info for r in tr.find("conv_sliding.size")}
    assert (sizes["valid"]["n_out"], sizes["strided"]["n_out"]) == (4, 3)
    assert sizes["strided"]["ratio"] == 2.5 and sizes["strided"]["next_start"] == 6
    assert tr.last("conv_sliding.volume").info["n_params"] == 3 * 3 * 3 * 2 + 2


@pytest.mark.parametrize("case", ["valid", "strided"])
def test_window_order_and_sums_are_the_engines(case: str) -> None:
    tr = conv_sliding_trace()
    size = tr.last("conv_sliding.size", case=case).info
    recs = tr.find("conv2d.window", case=case)
    order = [(r.info["h"], r.info["w"], r.info["top"], r.info["left"]) for r in recs]
    assert order == windows(size["n"], size["n"], size["f"], size["p"], size["s"])
    Z = tr.last("conv2d.forward", case=case)["Z"][0, :, :, 0]
    for r in recs:
        np.testing.assert_array_equal(r["products"][:, :, 0], r["window"][:, :, 0] * VERTICAL)
        assert float(r["sum"]) == Z[r.info["h"], r.info["w"]]


def test_channel_shares_add_up_to_the_engines_output() -> None:
    tr = conv_sliding_trace()
    rec = tr.last("conv2d.forward", case="channels")
    np.testing.assert_allclose(rec["Z"], conv2d(rec["X"], rec["W"], rec["b"])[0])
    recs = tr.find("conv2d.window", case="channels")
    at = [(r.info["h"], r.info["w"], r.info["top"], r.info["left"]) for r in recs]
    assert at == [w for w in windows(4, 4, 3) for _ in range(2)]  # filter by filter
    for r in recs:
        assert r["channel_sums"].sum() == rec["Z"][0, r.info["h"], r.info["w"], r.info["c"]]


def test_pooling_demo_routes_gradients() -> None:
    tr = pooling_trace()
    assert tr.last("max_pool2d.forward")["A"][0, :, :, 0].tolist() == [[9, 2], [6, 3]]
    assert tr.last("avg_pool2d.forward")["A"][0, :, :, 0].tolist() == [[3.75, 1.25], [4, 2]]
    dX = tr.last("max_pool2d.backward")["dX"][0, :, :, 0]
    dA = tr.last("max_pool2d.backward")["dA"][0, :, :, 0]
    X = tr.last("max_pool2d.forward")["X"][0, :, :, 0]
    recs = tr.find("max_pool2d.window")
    assert [(r.info["h"], r.info["w"], r.info["top"], r.info["left"]) for r in recs] == windows(
        4, 4, 2, 0, 2
    )
    for r in recs:
        a, b = r.info["top"] + int(r["argmax"][0]), r.info["left"] + int(r["argmax"][1])
        assert X[a, b] == r["window"].max() and dX[a, b] == dA[r.info["h"], r.info["w"]]
    assert np.count_nonzero(dX) == 4
    np.testing.assert_allclose(
        tr.last("avg_pool2d.backward")["dX"][0, :, :, 0], np.kron(dA, np.ones((2, 2))) / 4
    )


def test_transpose_demo_builds_the_notes_grid() -> None:
    tr = conv_transpose_trace()
    expected = [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert tr.last("conv_transpose2d.stamp")["partial"][:, :, 0].tolist() == expected
    assert tr.last("conv_transpose2d.forward")["Z"][0, :, :, 0].tolist() == expected
    assert tr.last("conv_transpose.size").info["n_out"] == 3
    steps = tr.find("conv_transpose2d.stamp")
    assert [(r.info["h"], r.info["w"]) for r in steps] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    prev = np.zeros((3, 3))
    for r in steps:  # each step adds exactly x W at its offset
        diff = r["partial"][:, :, 0] - prev
        h, w = r.info["h"], r.info["w"]
        np.testing.assert_array_equal(diff[h : h + 2, w : w + 2], r["scaled"][:, :, 0])
        assert np.count_nonzero(diff) == np.count_nonzero(r["scaled"])
        prev = r["partial"][:, :, 0]


# -- what is on screen ------------------------------------------------------------------------
def test_sliding_scene_shows_the_trace(tmp_path: Path) -> None:
    from manim import tempconfig

    from visualdl.scenes.conv_sliding import channel_stops, conv_record, size_tex, stops

    tr = conv_sliding_trace()
    for case in ("valid", "strided"):
        recs = tr.find("conv2d.window", case=case)
        shown = stops(tr, case)
        assert len(shown) == len(recs)
        Z = conv_record(tr, case)["Z"][0, :, :, 0]
        for st, r in zip(shown, recs, strict=True):
            assert st.products == format_array(r["products"][:, :, 0])
            assert _num(st.total) == Z[st.h, st.w] == float(r["sum"]) == st.value
            np.testing.assert_array_equal(st.product_values, r["products"][:, :, 0])
    assert size_tex(tr, "strided").endswith(r"\lfloor 2.5 \rfloor + 1 = 3")
    assert r"\frac{6 + 2 \cdot 0 - 3}{1}" in size_tex(tr, "valid")
    Zc = conv_record(tr, "channels")["Z"][0]
    for st in channel_stops(tr):
        assert [_num(s) for s in st.outputs] == Zc[st.h, st.w].tolist() == st.values
        for c, shares in enumerate(st.shares):
            assert sum(_num(s) for s in shares) == Zc[st.h, st.w, c]
            assert st.products[c].sum() == Zc[st.h, st.w, c]  # the products drawn add up
    with tempconfig({"media_dir": str(tmp_path)}):
        from visualdl.anim.grid import CellGrid

        X_pad = tr.last("conv2d.forward", case="strided")["X_pad"][0, :, :, 0]
        assert CellGrid(X_pad).texts[1] == ["0"] + ["10"] * 3 + ["0"] * 4


def test_pooling_scene_shows_the_trace() -> None:
    from visualdl.scenes.pooling import pool_stops, pool_views

    tr = pooling_trace()
    v = pool_views(tr)
    assert v["A_max"] == [["9", "2"], ["6", "3"]]
    assert v["A_avg"] == format_array(tr.last("avg_pool2d.forward")["A"][0, :, :, 0])
    assert v["dX_max"] == format_array(tr.last("max_pool2d.backward")["dX"][0, :, :, 0])
    assert v["dX_avg"] == format_array(tr.last("avg_pool2d.backward")["dX"][0, :, :, 0])
    for st in pool_stops(tr):
        assert v["A_max"][st.h][st.w] == v["X"][st.argmax[0]][st.argmax[1]]
        assert v["dX_max"][st.argmax[0]][st.argmax[1]] == v["dA"][st.h][st.w]


def test_transpose_scene_shows_the_trace() -> None:
    from visualdl.scenes.conv_transpose import size_tex, stamps

    tr = conv_transpose_trace()
    shown = stamps(tr)
    assert shown[-1].partial == [["0", "0", "1"], ["0", "4", "6"], ["4", "12", "9"]]
    assert shown[0].partial[2] == [None, None, None]  # nothing has landed there yet
    for st, r in zip(shown, tr.find("conv_transpose2d.stamp"), strict=True):
        assert st.scaled == format_array(r["scaled"][:, :, 0]) and _num(st.x) == float(r["x"])
        np.testing.assert_array_equal(st.partial_values, r["partial"][:, :, 0])
    assert size_tex(tr).endswith("= 3")


def test_transpose_centre_keeps_its_running_sum() -> None:
    """The centre cell's line adds each stamp's entry that lands there and ends at the
    output's value: the notes' 0 + 2 + 2 + 0 = 4, half of which a zero pixel or weight adds."""
    from visualdl.scenes.conv_transpose import centre_sums, stamps

    tr = conv_transpose_trace()
    recs = tr.find("conv_transpose2d.stamp")
    Y = tr.last("conv_transpose2d.forward")["Z"][0, :, :, 0]
    c = Y.shape[0] // 2
    lines = centre_sums(stamps(tr), c, c)
    landed = [r["scaled"][c - r.info["top"], c - r.info["left"], 0] for r in recs]
    for k, (line, r) in enumerate(zip(lines, recs, strict=True)):
        terms, _, total = line.rpartition(" = ")
        shown = [_num(t) for t in (terms or total).split(" + ")]
        assert shown == landed[: k + 1] and _num(total) == r["partial"][c, c, 0]
    assert _num(lines[-1].rpartition(" = ")[2]) == Y[c, c]
    assert 0 in landed  # the example has stamps that add nothing there


def test_shading_scales_are_the_largest_values_shown() -> None:
    """Each scale is the largest |value| of the grids it shades, so the strongest cell takes
    the full hue (the band of 30s, the 9 that wins, the 12 where stamps pile up)."""
    from visualdl.scenes.conv_sliding import scales
    from visualdl.scenes.conv_transpose import transpose_scales
    from visualdl.scenes.pooling import pool_scales

    tr = conv_sliding_trace()
    valid, strided, ch = (tr.last("conv2d.forward", case=c) for c in CASES)
    s = scales(tr)
    assert s["Z"] == max(np.abs(valid["Z"]).max(), np.abs(strided["Z"]).max())
    assert s["image"] == np.abs(valid["X"]).max() and s["kernel"] == np.abs(valid["W"]).max()
    assert s["maps"] == np.abs(ch["Z"]).max() and s["kernels"] == np.abs(ch["W"]).max()
    assert s["volume"] == max(
        np.abs(ch["X"]).max(),
        max(np.abs(r["products"]).max() for r in tr.find("conv2d.window", case="channels")),
    )
    tr = pooling_trace()
    s = pool_scales(tr)
    assert s["values"] == np.abs(tr.last("max_pool2d.forward")["X"]).max()
    assert s["gradients"] == np.abs(tr.last("max_pool2d.backward")["dA"]).max()
    tr = conv_transpose_trace()
    s = transpose_scales(tr)
    rec = tr.last("conv_transpose2d.forward")
    assert s["output"] == np.abs(rec["Z"]).max()
    assert s["inputs"] == max(np.abs(rec["X"]).max(), np.abs(rec["W"]).max())


# -- values as colour, on screen ---------------------------------------------------------------
@functools.cache
def _ran(name: str):
    """Scene ``name`` run to its end without drawing (each animation jumps to its last state)."""
    import tempfile

    from manim import tempconfig

    from visualdl import registry

    entry = registry.get(name, "scene")
    cls = getattr(importlib.import_module(entry.module), entry.scene_class)
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempconfig(
            {
                "dry_run": True,
                "quality": "low_quality",
                "media_dir": tmp,
                "disable_caching": True,
                "verbosity": "WARNING",
                "progress_bar": "none",
            }
        ),
    ):
        scene = cls(skip_animations=True)
        scene.renderer.update_frame = lambda *args, **kwargs: None
        scene.render()
    return scene


def _fills(grid) -> list[list[str]]:
    return [[sq.get_fill_color().to_hex().lower() for sq in row] for row in grid.squares]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["conv-sliding", "pooling", "conv-transpose"])
def test_scenes_shade_every_cell_by_its_value(name: str, no_latex) -> None:
    """Every cell of every shaded grid ends in the diverging rule's colour of the trace value
    it holds, at full opacity, on the grid's scale: values are seen, not only read."""
    from visualdl.viz.style import value_color

    scene = _ran(name)
    assert scene.trace is not None and len(scene.shaded) >= 3
    for key, (grid, values) in scene.shaded.items():
        assert grid.shade_scale >= np.abs(values).max() > 0, key
        want = [[value_color(v, grid.shade_scale).lower() for v in row] for row in values]
        assert _fills(grid) == want, key
        assert all(sq.get_fill_opacity() == pytest.approx(1.0) for r in grid.squares for sq in r)


@pytest.mark.slow
def test_sliding_scene_shows_the_edge_and_the_band(no_latex) -> None:
    """The 6x6 image's bright half and the output's band of 30s take the full red of the
    rule, the kernel's 1 / -1 full red / blue; the dark half and the zeros stay the
    background."""
    from visualdl.viz.style import BACKGROUND, SIGNED

    shaded = _ran("conv-sliding").shaded
    red, blue, dark = SIGNED["positive"], SIGNED["negative"], BACKGROUND["scene"]
    for key in ("X", "W", "Z valid"):
        grid, values = shaded[key]
        fills = np.array(_fills(grid))
        assert set(fills[values == values.max()]) == {red.lower()}, key
        assert set(fills[values == 0]) == {dark.lower()}, key
    W_grid, W = shaded["W"]
    assert set(np.array(_fills(W_grid))[W < 0]) == {blue.lower()}
    np.testing.assert_array_equal(EDGE_IMAGE, shaded["X"][1])  # the notes' image, as drawn
