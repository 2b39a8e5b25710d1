"""The input-normalization figure: elongated vs round cost contours, zig-zag vs direct descent.

Reads the trace of :func:`visualdl.demos.input_normalization.input_normalization` (records
``input_normalization.features``, ``.scan``, ``.path``, ``.surface``); draws, computes
nothing about the model.

Example
-------
>>> from visualdl.demos.input_normalization import input_normalization
>>> from visualdl.viz.input_normalization import plot_input_normalization
>>> len(plot_input_normalization(input_normalization(grid=9)).axes)
4
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.paths import SURFACE_CMAP
from visualdl.viz.style import COLORS

__all__ = ["CASE_COLORS", "plot_input_normalization"]

CASE_COLORS = {"unscaled": COLORS["class1"], "standardized": COLORS["activation"]}
FLOOR = 1e-16  # J - J* below this is drawn here: the float64 resolution of a cost near 0.1


def _lr(v: float) -> str:
    return f"{v:.2g}"


def _surface_panel(ax: Axes, surface: Record, path: Record, names: list[str]) -> None:
    info, case = path.info, path.info["case"]
    w1, w2 = surface["w1"], surface["w2"]
    gap = surface["J"] - info["J_star"]
    lv = np.geomspace(float(gap.max()) * 1e-3, float(gap.max()), 13)
    ax.contourf(w1, w2, gap, levels=lv, cmap=SURFACE_CMAP, extend="both")
    ax.contour(w1, w2, gap, levels=lv, colors=COLORS["muted"], linewidths=0.7)
    color = CASE_COLORS[case]
    ax.plot(path["w1"], path["w2"], "-", color=color, lw=1.8, zorder=4)
    ax.plot(path["w1"], path["w2"], "o", color=color, ms=4.5, mec=COLORS["text"], mew=0.5)
    ax.plot(path["w1"][0], path["w2"][0], "o", ms=10, mfc="white", mec=COLORS["text"], mew=1.8)
    ax.plot(*info["w_star"], "*", ms=16, color=COLORS["text"], mec="white", zorder=6)
    ax.set_xlim(w1[0], w1[-1])
    ax.set_ylim(w2[0], w2[-1])
    ax.set_aspect("equal")
    ax.grid(False)
    unit = " (per unit of the raw feature)" if case == "unscaled" else " (standardized feature)"
    ax.set_xlabel(f"w1, weight of the {names[0]}{unit}", fontsize=10)
    ax.set_ylabel(f"w2, weight of the {names[1]}", fontsize=10)
    div = info["diverging_lr"]
    rate = f"α = {_lr(info['lr'])}" + (f" ({_lr(div)} diverges)" if div is not None else "")
    head = "unscaled features (centred only)" if case == "unscaled" else "standardized features"
    ax.set_title(f"{head}\n{info['steps']} steps, {rate}", loc="left", fontsize=11)


def _loss_panel(ax: Axes, paths: list[Record]) -> None:
    for p in paths:
        gap = np.maximum(p["J"] - p.info["J_star"], FLOOR)
        ax.plot(
            np.arange(len(gap)),
            gap,
            "o-",
            ms=3.5,
            lw=1.8,
            color=CASE_COLORS[p.info["case"]],
            label=f"{p.info['case']}, α = {_lr(p.info['lr'])}",
        )
        end = max(p["J"][-1] - p.info["J_star"], 0)
        if end <= FLOOR:
            continue
        ax.annotate(
            f"{end:.1e}",
            (len(gap) - 1, gap[-1]),
            xytext=(0, 7),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=10,
            color=CASE_COLORS[p.info["case"]],
        )
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 5, None)
    ax.axhline(FLOOR, color=COLORS["muted"], lw=1, ls="--")
    ax.text(
        0.02,
        FLOOR * 1.6,
        "J − J* = 0 to float64 precision (drawn at 10⁻¹⁶)",
        transform=ax.get_yaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=9.5,
        color=COLORS["muted"],
    )
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("J − J* (log scale)")
    ax.set_title("cost above its minimum, per step", loc="left", fontsize=11)
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.6), fontsize=10)


def _scan_panel(ax: Axes, scans: list[Record], paths: list[Record]) -> None:
    J_star = paths[0].info["J_star"]
    for scan, p in zip(scans, paths, strict=True):
        color = CASE_COLORS[scan.info["case"]]
        ok = np.isfinite(scan["J"])
        gap = np.maximum(scan["J"][ok] - J_star, FLOOR)
        ax.plot(scan["lr"][ok], gap, "o-", ms=3.5, lw=1.6, color=color, label=scan.info["case"])
        i = int(np.flatnonzero(scan["lr"] == p.info["lr"])[0])
        ax.plot(
            scan["lr"][i],
            max(scan["J"][i] - J_star, FLOOR),
            "o",
            ms=11,
            mfc="none",
            mec=color,
            mew=2.2,
        )
        bad = scan["lr"][~ok]
        if bad.size:
            ax.plot(bad, np.full(bad.size, 0.6), "x", color=color, ms=7, mew=1.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 5, 2)
    ax.axhline(FLOOR, color=COLORS["muted"], lw=1, ls="--")
    ax.set_xlabel("learning rate α (log scale)")
    ax.set_ylabel(f"J − J* after {scans[0].info['steps']} steps")
    ax.set_title(
        "every rate of the grid: ring = the one used, × = diverged", loc="left", fontsize=11
    )
    ax.legend(loc="lower left", fontsize=9.5)


def plot_input_normalization(trace: Trace) -> Figure:
    """Top: the cost's contours and the descent path, unscaled (left) and standardized
    (right). Bottom: cost per step for both; the cost after the steps for every rate tried."""
    names = trace.last("input_normalization.features").info["names"]
    paths = trace.find("input_normalization.path")
    surfaces = trace.find("input_normalization.surface")
    scans = trace.find("input_normalization.scan")
    fig = new_figure(12.5, 11.5)
    with styled():
        grid = fig.subplots(2, 2, height_ratios=[1.25, 1])
        for ax, surface, path in zip(grid[0], surfaces, paths, strict=True):
            _surface_panel(ax, surface, path, names)
        _loss_panel(grid[1, 0], paths)
        _scan_panel(grid[1, 1], scans, paths)
        fig.suptitle(
            "Input normalization: a linear model ŷ = w1 x1 + w2 x2 + b fitted by least squares, "
            "the same steps from the same line",
            fontsize=12.5,
        )
    return fig
