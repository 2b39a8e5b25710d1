"""Activation histograms per layer, with and without batch norm.

Reads the trace of :func:`visualdl.demos.batchnorm.batchnorm_histograms` (records
``batchnorm.layer``); draws, computes nothing.

Example
-------
>>> from visualdl.demos.batchnorm import batchnorm_histograms
>>> from visualdl.viz.batchnorm import plot_batchnorm_histograms
>>> len(plot_batchnorm_histograms(batchnorm_histograms(m=50, depth=2)).axes)
7
"""

from __future__ import annotations

from matplotlib.figure import Figure

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["CASE_COLORS", "plot_batchnorm_histograms"]

CASE_COLORS = {
    "plain_small": COLORS["muted"],
    "plain_large": COLORS["gradient"],
    "batchnorm": COLORS["activation"],
}


def plot_batchnorm_histograms(trace: Trace) -> Figure:
    """One row per case, one column per layer: the histogram of ``A[l]`` on ``[-1, 1]`` with
    its standard deviation; right: the standard deviation per layer for every case (log)."""
    recs = trace.find("batchnorm.layer")
    cases = list(dict.fromkeys(r.info["case"] for r in recs))
    depth = max(r.info["l"] for r in recs)
    fig = new_figure(1.6 * depth + 3.6, 2.4 * len(cases) + 0.5)
    with styled():
        left, right = fig.subfigures(1, 2, width_ratios=[1.6 * depth, 3.4], wspace=0.02)
        rows = left.subfigures(len(cases), 1, hspace=0.04)
        for sub, case in zip(rows, cases, strict=True):
            mine = [r for r in recs if r.info["case"] == case]
            color = CASE_COLORS.get(case, COLORS["activation"])
            top = max(max(float(r["counts"].max()) for r in mine) * 1.18, 0.12)
            axes = sub.subplots(1, len(mine), sharey=True)
            sub.suptitle(
                mine[0].info["label"],
                x=0.01,
                ha="left",
                fontsize=11,
                fontweight="bold",
                color=color if case != "plain_small" else COLORS["text"],
            )
            for ax, rec in zip(axes, mine, strict=True):
                edges, counts = rec["edges"], rec["counts"]
                ax.stairs(counts, edges, fill=True, color=color, alpha=0.85)
                ax.set_xlim(-1.05, 1.05)
                ax.set_ylim(0, top)
                ax.set_xticks([-1, 0, 1])
                ax.tick_params(labelsize=9)
                if ax is axes[0]:
                    ax.set_ylabel("fraction", fontsize=9)
                ax.set_xlabel(f"A[{rec.info['l']}] (layer {rec.info['l']})", fontsize=9)
                text = f"std {rec.info['std']:.2g}"
                if rec.info["saturated"] >= 0.05:
                    text += f"\n{rec.info['saturated']:.0%} at ±1"
                ax.text(
                    0.97,
                    0.96,
                    text,
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=9,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
                )
        ax = right.add_subplot()
        for case in cases:
            mine = [r for r in recs if r.info["case"] == case]
            ax.plot(
                [r.info["l"] for r in mine],
                [r.info["std"] for r in mine],
                "o-",
                color=CASE_COLORS.get(case, COLORS["activation"]),
                lw=2,
                label=mine[0].info["short"],
            )
        ax.set_yscale("log")
        ax.set_xlabel("layer l")
        ax.set_ylabel("standard deviation of A[l]")
        ax.set_xticks(range(1, depth + 1))
        ax.set_title("spread per layer", fontsize=12)
        ax.legend(fontsize=9, loc="lower left")
    return fig
