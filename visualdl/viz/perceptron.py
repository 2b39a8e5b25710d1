"""The perceptron figure: the lines the rule finds on AND and OR, and its failure on XOR.

Reads the trace of :func:`visualdl.demos.perceptron.perceptron_demo` (records
``perceptron.data``, ``perceptron.run``); draws, computes nothing about the unit.

Example
-------
>>> from visualdl.demos.perceptron import perceptron_demo
>>> from visualdl.viz.perceptron import plot_perceptron
>>> len(plot_perceptron(perceptron_demo(seeds=(0, 1), max_epochs=10, grid=5)).axes)
7
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from visualdl.trace import Record, Trace
from visualdl.viz.figures import class_points, new_figure, styled
from visualdl.viz.style import COLORS, mix

__all__ = ["plot_perceptron"]

REGIONS = ListedColormap(
    [mix("#FFFFFF", COLORS["class0"], 0.22), mix("#FFFFFF", COLORS["class1"], 0.3)]
)
#: mistakes in an epoch: 0 white ... 4 the gradient colour (errors drive the updates)
MISTAKES = ListedColormap(
    [mix("#FFFFFF", COLORS["gradient"], t) for t in (0.0, 0.3, 0.55, 0.78, 1.0)]
)


def _num(v: float) -> str:
    return f"{v:g}".replace("-", "−")


def _line(ax: Axes, w: np.ndarray, b: float, **kwargs: object) -> None:
    """The line ``w1 x1 + w2 x2 + b = 0`` across the window (nothing when ``w = 0``)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if abs(w[1]) > 1e-12:
        xs = np.array([x0, x1])
        ax.plot(xs, -(w[0] * xs + b) / w[1], **kwargs)
    elif abs(w[0]) > 1e-12:
        ax.plot([-b / w[0]] * 2, [y0, y1], **kwargs)


def _points(ax: Axes, X: np.ndarray, Y: np.ndarray, predicted: np.ndarray) -> None:
    class_points(ax, X, Y, 120, 1.2, zorder=5)
    wrong = predicted[0] != Y[0]
    ax.scatter(
        X[0, wrong],
        X[1, wrong],
        marker="x",
        s=260,
        color=COLORS["gradient"],
        linewidth=2.6,
        zorder=6,
        label="classified wrong",
    )


def _boundary_panel(ax: Axes, X: np.ndarray, run: Record) -> None:
    info, xs = run.info, run["xs"]
    ax.pcolormesh(xs, xs, run["P"], cmap=REGIONS, vmin=0, vmax=1, shading="auto", rasterized=True)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(xs[0], xs[-1])
    ax.set_aspect("equal")
    ax.grid(False)
    w, b = run["W_history"][-1], float(run["b_history"][-1])
    _line(ax, w, b, color=COLORS["text"], lw=2.4, zorder=4)
    _points(ax, X, run["Y"], run["predicted"])
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if info["converged"]:
        head = f"{info['problem']}: converged in {info['epochs']} epochs"
    else:
        head = f"{info['problem']}: not converged after {info['epochs']} epochs"
    rule = f"w = ({_num(w[0])}, {_num(w[1])}), b = {_num(b)}; {info['wrong']} of 4 wrong"
    ax.set_title(f"{head}\n{rule}", loc="left", fontsize=11)


def _mistakes_panel(ax: Axes, runs: list[Record], max_epochs: int):
    """Rows: runs (in order, then each seed), columns: epochs; colour: mistakes in the epoch,
    blank after the run stopped."""
    M = np.full((len(runs), max_epochs), np.nan)
    for i, r in enumerate(runs):
        M[i, : len(r["errors"])] = r["errors"]
    image = ax.imshow(
        np.ma.masked_invalid(M),
        cmap=MISTAKES,
        vmin=-0.5,
        vmax=4.5,
        aspect="auto",
        interpolation="nearest",
        extent=(0.5, max_epochs + 0.5, len(runs) - 0.5, -0.5),
    )
    ax.grid(False)
    for i, r in enumerate(runs):
        if r.info["converged"]:
            ax.text(
                r.info["epochs"] + 0.9,
                i,
                "stops",
                va="center",
                ha="left",
                fontsize=9,
                color=COLORS["text"],
            )
    ax.set_yticks(range(len(runs)))
    ax.set_yticklabels(
        ["in order" if r.info["seed"] is None else f"seed {r.info['seed']}" for r in runs],
        fontsize=9,
    )
    ax.set_xlabel("epoch")
    stopped = [r.info["epochs"] for r in runs if r.info["converged"]]
    if len(stopped) == len(runs):
        what = f"every run stops by epoch {max(stopped)}"
    elif not stopped:
        least = min(int(r["errors"].min()) for r in runs)
        what = f"no run stops; every epoch makes ≥ {least} mistake{'s' if least > 1 else ''}"
    else:
        what = f"{len(stopped)} of {len(runs)} runs stop"
    ax.set_title(f"mistakes per epoch, one row per run:\n{what}", loc="left", fontsize=10.5)
    return image


def plot_perceptron(trace: Trace) -> Figure:
    """Top: the final line and the unit's regions for AND, OR, XOR (XOR also with the line
    after every epoch of a shuffled run). Bottom: mistakes per epoch of every run."""
    X = trace.last("perceptron.data")["X"]
    runs = trace.find("perceptron.run")
    problems = list(dict.fromkeys(r.info["problem"] for r in runs))
    max_epochs = max(r.info["max_epochs"] for r in runs)
    fig = new_figure(13.5, 8.6)
    with styled():
        grid = fig.subplots(2, len(problems), height_ratios=[1.35, 1])
        image = None
        for c, problem in enumerate(problems):
            mine = [r for r in runs if r.info["problem"] == problem]
            main = next(r for r in mine if r.info["seed"] is None)
            _boundary_panel(grid[0, c], X, main)
            image = _mistakes_panel(grid[1, c], mine, max_epochs)
        handles, labels = grid[0, -1].get_legend_handles_labels()
        handles.append(Line2D([], [], color=COLORS["text"], lw=2.4))
        labels.append("the final line w·x + b = 0 (examples in order)")
        fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=10, frameon=False)
        bar = fig.colorbar(image, ax=grid[1, :], ticks=range(5), shrink=0.9, pad=0.02)
        bar.set_label("mistakes in the epoch", fontsize=10)
        fig.suptitle(
            "The perceptron rule w := w + α (y − ŷ) x, b := b + α (y − ŷ), "
            f"ŷ = step(w·x + b), α = {_num(runs[0].info['lr'])}, "
            f"from w = 0, b = {_num(runs[0].info['b0'])}",
            fontsize=12.5,
        )
    return fig
