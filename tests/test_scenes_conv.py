"""The convolution scenes: their demos are deterministic and computed by the engine, window
order is ``engine.conv.windows()``, and what the scenes draw is read from the trace."""

from __future__ import annotations

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
            assert _num(st.total) == Z[st.h, st.w] == float(r["sum"])
    assert size_tex(tr, "strided").endswith(r"\lfloor 2.5 \rfloor + 1 = 3")
    assert r"\frac{6 + 2 \cdot 0 - 3}{1}" in size_tex(tr, "valid")
    Zc = conv_record(tr, "channels")["Z"][0]
    for st in channel_stops(tr):
        assert [_num(s) for s in st.outputs] == Zc[st.h, st.w].tolist()
        for c, shares in enumerate(st.shares):
            assert sum(_num(s) for s in shares) == Zc[st.h, st.w, c]
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
    assert size_tex(tr).endswith("= 3")


# -- last frames, before the lead registers the scenes ------------------------------------------
