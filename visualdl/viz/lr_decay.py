"""The lr-decay figure: a fixed rate rattling around the minimum, a decayed one settling.

Reads the trace of :func:`visualdl.demos.lr_decay.lr_decay` (records ``lr_decay.minimum``,
``optimizers.surface``, ``lr_decay.run``); draws, computes nothing about the model.

Example
-------
>>> from visualdl.demos.lr_decay import lr_decay
>>> from visualdl.viz.lr_decay import plot_lr_decay
>>> len(plot_lr_decay(lr_decay(seeds=(0,), epochs=2, grid=5)).axes)
4
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.paths import draw_surface
from visualdl.viz.schedules import SCHEDULE_COLORS
from visualdl.viz.style import COLORS

__all__ = ["RUN_COLORS", "plot_lr_decay"]

#: the decayed rate is the lr-schedules figure's inverse-time curve, in its colour
RUN_COLORS = {"fixed": COLORS["class1"], "decayed": SCHEDULE_COLORS["inverse_time"]}


def _path_panel(ax: Axes, surface: Record, minimum: dict, run: Record) -> None:
    draw_surface(ax, surface, minimum=False)
    color = RUN_COLORS[run.info["schedule"]]
    per = run.info["steps_per_epoch"]
    ax.plot(run["w"], run["b"], "-", color=color, lw=0.8, alpha=0.55, zorder=4)
    ax.plot(
        run["w"][-per - 1 :],
        run["b"][-per - 1 :],
        "o-",
        color=color,
        ms=4,
        lw=1.2,
        mec=COLORS["text"],
        mew=0.4,
        zorder=5,
    )
    ax.plot(
        minimum["w"], minimum["b"], "*", ms=17, mfc="none", mec=COLORS["text"], mew=1.6, zorder=8
    )
    ax.set_aspect("equal")
    ax.set_xlabel("weight w")
    ax.set_ylabel("bias b")
    info = run.info
    ax.set_title(
        f"{info['label']}\nlast epoch (dots): on average\n"
        f"{info['last_epoch_distance']:.3f} from the minimum (★)",
        loc="left",
        fontsize=11,
    )


def _gap_panel(ax: Axes, runs: list[Record], J_star: float) -> None:
    for r in runs:
        color = RUN_COLORS[r.info["schedule"]]
        first = r.info["seed"] == runs[0].info["seed"]
        if first:  # every step of the first seed, faint
            ax.plot(r["epoch"], r["J"] - J_star, color=color, lw=0.6, alpha=0.35)
        ends = np.arange(1, len(r["epoch_gap"]) + 1)
        ax.plot(
            ends,
            r["epoch_gap"],
            "o-",
            color=color,
            lw=2.0 if first else 1.2,
            ms=5 if first else 3.5,
            alpha=1.0 if first else 0.7,
            label=r.info["label"] if first else None,
        )
    ax.set_yscale("log")
    ax.set_xlim(0, runs[0]["epoch"][-1])
    ax.set_ylabel("J − J* on all examples (log)")
    seeds = sorted({r.info["seed"] for r in runs})
    ax.set_title(
        f"cost above the minimum: every step of seed {seeds[0]} (faint),\n"
        f"the mean of each epoch for seeds {seeds[0]}–{seeds[-1]} (dots)",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="upper right", fontsize=10)


def _lr_panel(ax: Axes, runs: list[Record]) -> None:
    shown = set()
    for r in runs:
        if r.info["schedule"] in shown:
            continue
        shown.add(r.info["schedule"])
        ax.plot(r["epoch"][:-1], r["lr"], color=RUN_COLORS[r.info["schedule"]], lw=2)
    ax.set_xlim(0, runs[0]["epoch"][-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("epoch (passes over the 569 examples)")
    ax.set_ylabel("α of the step")


def plot_lr_decay(trace: Trace) -> Figure:
    """Left: the paths near the minimum of the first seed, fixed and decayed. Right: J − J*
    per step for every seed, and the rate each step used."""
    surface = trace.last("optimizers.surface")
    minimum = trace.last("lr_decay.minimum").info
    runs = trace.find("lr_decay.run")
    first = [r for r in runs if r.info["seed"] == runs[0].info["seed"]]
    fig = new_figure(14, 6.6)
    with styled():
        left, right = fig.subfigures(1, 2, width_ratios=[1.45, 1])
        paths = left.subplots(1, 2, sharey=True)
        for ax, run in zip(paths, first, strict=True):
            _path_panel(ax, surface, minimum, run)
        paths[1].set_ylabel("")
        info = first[0].info
        left.suptitle(
            f"Mini-batch gradient descent (batches of {info['batch_size']}, seed "
            f"{info['seed']}) near the minimum, after {info['epochs']} epochs",
            fontsize=12,
        )
        gap, rate = right.subplots(2, 1, sharex=True, height_ratios=[2.2, 1])
        _gap_panel(gap, runs, minimum["J"])
        _lr_panel(rate, runs)
    return fig
