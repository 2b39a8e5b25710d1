"""The hyper-parameter search figure: grid vs random points over the score's heat map, their
projections on each axis, and the best score each search found over several seeds.

Reads the trace of :func:`visualdl.demos.hyperparameter_search.hyperparameter_search`
(records ``hyperparameter_search.surface``, ``hyperparameter_search.search``); draws,
computes nothing about the training runs.

Example
-------
>>> from visualdl.demos.hyperparameter_search import hyperparameter_search
>>> from visualdl.viz.hyperparameter_search import plot_search
>>> tr = hyperparameter_search(seeds=(0, 1), fine=(4, 3), steps=5)
>>> len(plot_search(tr).axes)
9
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["SCORE_CMAP", "plot_search"]

#: the cost J: low (good) dark, high pale
SCORE_CMAP = LinearSegmentedColormap.from_list(
    "visualdl_score", ["#1F3A5F", COLORS["weight"], "#C9D3E3", "#FFFFFF"]
)
POINT = COLORS["loss"]
MARKERS = {"grid": "s", "random": "o"}


def _heat(ax: Axes, surface: Record, search: Record, norm: LogNorm):
    image = ax.pcolormesh(
        surface["lr"], surface["beta2"], surface["J"], cmap=SCORE_CMAP, norm=norm, shading="nearest"
    )
    ax.set_xscale("log")
    ax.grid(False)
    marker = MARKERS[search.info["method"]]
    ax.plot(
        search["lr"],
        search["beta2"],
        marker,
        ls="none",
        ms=10,
        color=POINT,
        mec=COLORS["text"],
        mew=1.2,
        zorder=5,
    )
    ax.plot(
        search.info["best_lr"],
        search.info["best_beta2"],
        "*",
        ms=20,
        color="white",
        mec=COLORS["text"],
        mew=1.2,
        zorder=6,
    )
    ax.set_xlabel("learning rate α (log-uniform range)")
    ax.set_ylabel("Adam's β2")
    return image


def _marginals(top: Axes, side: Axes, surface: Record, search: Record) -> None:
    """The score's mean along each axis (the same scale for both, linear from 0), with a line
    at every value the search tried."""
    hi = 1.1 * float(max(surface["J_by_lr"].max(), surface["J_by_beta2"].max()))
    top.plot(surface["lr"], surface["J_by_lr"], color=COLORS["text"], lw=1.8)
    for v in np.unique(search["lr"]):
        top.axvline(v, color=POINT, lw=2.2, alpha=0.9)
    top.set_ylim(0, hi)
    top.set_ylabel("mean J", fontsize=10)
    top.tick_params(labelbottom=False)
    side.plot(surface["J_by_beta2"], surface["beta2"], color=COLORS["text"], lw=1.8)
    for v in np.unique(search["beta2"]):
        side.axhline(v, color=POINT, lw=2.2, alpha=0.9)
    side.set_xlim(0, hi)
    side.set_xlabel("mean J", fontsize=10)
    side.tick_params(labelleft=False)


def _search_panel(sub: SubFigure, surface: Record, search: Record, norm: LogNorm):
    grid = sub.add_gridspec(2, 2, width_ratios=[4, 1.1], height_ratios=[1.1, 4])
    ax = sub.add_subplot(grid[1, 0])
    top = sub.add_subplot(grid[0, 0], sharex=ax)
    side = sub.add_subplot(grid[1, 1], sharey=ax)
    image = _heat(ax, surface, search, norm)
    _marginals(top, side, surface, search)
    info = search.info
    n = len(search["J"])
    how = "a 3 × 3 grid" if info["method"] == "grid" else f"random (seed {info['seed']})"
    sub.suptitle(
        f"{how}: {n} runs see {info['distinct_lr']} values of α "
        f"and {info['distinct_beta2']} of β2\nbest (★) J = {info['best_J']:.3f} "
        f"at α = {info['best_lr']:.2g}",
        fontsize=11.5,
        x=0.02,
        ha="left",
    )
    return image


def _best_panel(ax: Axes, searches: list[Record]) -> None:
    grid = next(s for s in searches if s.info["method"] == "grid")
    rand = [s for s in searches if s.info["method"] == "random"]
    seeds = [s.info["seed"] for s in rand]
    best = [s.info["best_J"] for s in rand]
    mean = float(np.mean(best))
    ax.axhline(
        grid.info["best_J"],
        color=COLORS["text"],
        lw=2,
        ls="--",
        label=f"grid (no seed): {grid.info['best_J']:.3f}",
    )
    ax.plot(seeds, best, "o", ms=8, color=POINT, mec=COLORS["text"], mew=1, label="random")
    ax.axhline(mean, color=POINT, lw=2, label=f"random, mean: {mean:.3f}")
    wins = sum(b < grid.info["best_J"] for b in best)
    ax.set_yscale("log")
    J_all = [grid.info["best_J"], *best]
    ax.set_ylim(min(J_all) / 1.3, max(J_all) * 2.5)
    ax.yaxis.set_major_locator(FixedLocator([0.3, 0.4, 0.6, 1.0, 1.5, 2.0, 3.0]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter("{x:g}")
    ax.legend(loc="upper right", fontsize=10)
    ax.set_xlabel("random search's seed")
    ax.set_ylabel("best J found by 9 runs (log)")
    ax.set_xticks(seeds)
    ax.set_title(
        f"the best J each search found:\nrandom beats the grid for {wins} of {len(best)} seeds",
        loc="left",
        fontsize=11.5,
        fontweight="normal",
    )


def plot_search(trace: Trace) -> Figure:
    """Grid search and the first random search over the score's heat map (with the score's
    mean along each axis and the values each search tried), then the best score per seed."""
    surface = trace.last("hyperparameter_search.surface")
    searches = trace.find("hyperparameter_search.search")
    grid = next(s for s in searches if s.info["method"] == "grid")
    first = next(s for s in searches if s.info["method"] == "random")
    J = surface["J"][np.isfinite(surface["J"])]
    norm = LogNorm(float(J.min()), float(J.max()))
    fig = new_figure(14.5, 6.6)
    with styled():
        subs = fig.subfigures(1, 3, width_ratios=[1, 1, 0.78])
        for sub, search in zip(subs[:2], (grid, first), strict=True):
            image = _search_panel(sub, surface, search, norm)
            bar = sub.colorbar(image, ax=sub.axes, location="bottom", shrink=0.7, pad=0.02)
            bar.set_label(f"J after {surface.info['steps']} Adam steps (log scale)", fontsize=10)
            bar.ax.xaxis.set_major_locator(FixedLocator([0.4, 0.6, 1.0, 2.0, 4.0]))
            bar.ax.xaxis.set_minor_formatter(NullFormatter())
            bar.ax.xaxis.set_major_formatter("{x:g}")
        _best_panel(subs[2].subplots(), searches)
    return fig
