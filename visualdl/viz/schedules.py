"""Exponentially weighted averages and learning-rate schedules.

Reads traces of :func:`visualdl.demos.ewa.ewa_demo` (records ``ewa.series``, ``ewa.average``)
and :func:`visualdl.demos.schedules.schedules` (records ``schedules.schedule``); draws, computes
nothing.

Example
-------
>>> from visualdl.demos.schedules import schedules
>>> from visualdl.viz.schedules import plot_schedules
>>> len(plot_schedules(schedules()).axes)
2
"""

from __future__ import annotations

from matplotlib.figure import Figure

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["SCHEDULE_COLORS", "plot_ewa", "plot_schedules"]

SCHEDULE_COLORS = {
    "inverse_time": COLORS["weight"],
    "exponential": COLORS["gradient"],
    "inverse_sqrt": COLORS["activation"],
    "staircase": COLORS["preactivation"],
    "cosine_warmup": COLORS["loss"],
}
RAW, CORRECTED = COLORS["class1"], COLORS["weight"]


def plot_ewa(trace: Trace, zoom: int = 20) -> Figure:
    """One row per beta: the whole series with its raw and bias-corrected averages (left) and
    the first ``zoom`` steps (right), where the raw average still climbs from 0."""
    series, averages = trace.last("ewa.series"), trace.find("ewa.average")
    t, theta = series["t"], series["theta"]
    fig = new_figure(14, 4.3 * len(averages) + 0.3)
    with styled():
        grid = fig.subplots(len(averages), 2, squeeze=False, width_ratios=[2.1, 1])
        for row, avg in zip(grid, averages, strict=True):
            beta, window = avg.info["beta"], avg.info["window"]
            for ax, n in ((row[0], len(t)), (row[1], zoom)):
                ax.plot(
                    t[:n],
                    theta[:n],
                    "o",
                    ms=3 if n > zoom else 5,
                    color=COLORS["muted"],
                    alpha=0.7,
                    label="data θ_t (noisy)",
                )
                ax.plot(
                    t[:n],
                    avg["raw"][:n],
                    color=RAW,
                    lw=2,
                    ls="--",
                    label="raw v_t = β v_(t−1) + (1 − β) θ_t, v_0 = 0",
                )
                ax.plot(
                    t[:n],
                    avg["corrected"][:n],
                    color=CORRECTED,
                    lw=2.2,
                    label="bias-corrected v_t / (1 − β^t)",
                )
                ax.set_xlabel("t (day)")
                ax.set_ylim(0, float(theta.max()) * (1.08 if n > zoom else 1.3))
            full, zoomed = row
            full.set_ylabel("value")
            full.axvline(window, color=COLORS["muted"], lw=1, ls=":")
            full.text(
                window + 1,
                0.6,
                f"1/(1 − β) = {window:.0f} steps",
                fontsize=9.5,
                color=COLORS["text"],
            )
            full.set_title(
                f"β = {beta:g}: averages over about {window:.0f} steps", loc="left", fontsize=12
            )
            full.set_xlim(0, len(t) + 1)
            zoomed.set_xlim(0.5, zoom + 0.5)
            zoomed.set_xticks(range(1, zoom + 1, 2 if zoom <= 20 else 5))
            zoomed.set_title(f"zoom: the first {zoom} steps", loc="left", fontsize=12)
            i = 0  # the first step: v_1 = (1 - beta) theta_1
            zoomed.annotate(
                f"raw v_1 = (1 − β) θ_1 = {1 - beta:g} × {theta[i]:.2f} = {avg['raw'][i]:.2f}\n"
                f"corrected: v_1 / (1 − β) = {avg['corrected'][i]:.2f}",
                (t[i], avg["raw"][i]),
                xytext=(0.06, 0.97),
                textcoords="axes fraction",
                va="top",
                fontsize=9.5,
                bbox={"boxstyle": "round", "fc": "white", "ec": COLORS["muted"], "alpha": 0.9},
                arrowprops={"arrowstyle": "->", "lw": 0.8, "color": RAW},
            )
        grid[0][0].legend(loc="lower right", fontsize=9.5, framealpha=0.92)
    return fig


def plot_schedules(trace: Trace) -> Figure:
    """All schedules on one plot (left) and on a log scale (right), where exponential decay
    is a straight line and the staircase's equal cuts are equal steps."""
    recs = trace.find("schedules.schedule")
    fig = new_figure(14, 5.6)
    with styled():
        lin, log = fig.subplots(1, 2)
        for ax in (lin, log):
            for rec in recs:
                name = rec.info["name"]
                step = name == "staircase"
                ax.plot(
                    rec["epoch"],
                    rec["lr"],
                    color=SCHEDULE_COLORS.get(name, COLORS["text"]),
                    lw=2.2,
                    drawstyle="steps-post" if step else "default",
                    label=rec.info["label"],
                )
            ax.set_xlabel("epoch")
            ax.set_ylabel("learning rate α (a0 = 1)")
        log.set_yscale("log")
        log.set_ylim(3e-3, 1.6)  # cosine reaches 0 at both ends: it leaves a log scale there
        inv = next((r for r in recs if r.info["name"] == "inverse_time"), None)
        if inv is not None:
            i = list(inv["epoch"]).index(20) if 20 in inv["epoch"] else None
            if i is not None:
                lin.plot(20, inv["lr"][i], "o", color=SCHEDULE_COLORS["inverse_time"], ms=7)
                lin.annotate(
                    f"the notes' 1/(1 + 0.05·i): {inv['lr'][i]:.2f} at epoch 20",
                    (20, inv["lr"][i]),
                    xytext=(28, 0.72),
                    fontsize=9.5,
                    arrowprops={"arrowstyle": "->", "lw": 0.8},
                )
        lin.set_ylim(0, 1.05)
        lin.set_title("learning-rate schedules, a0 = 1", loc="left", fontsize=12)
        log.set_title("the same on a log scale", loc="left", fontsize=12)
        lin.legend(loc="upper right", fontsize=9.5, framealpha=0.92)
    return fig
