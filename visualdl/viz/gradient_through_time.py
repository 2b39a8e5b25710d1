"""The gradient-through-time figure: ``||dL/da_t||`` against the distance from the loss for a
vanilla RNN, an LSTM and a GRU.

Reads the trace of :func:`visualdl.demos.gradient_through_time.gradient_through_time`
(records ``gradient_through_time.run``); draws, computes nothing about the cells.

Example
-------
>>> from visualdl.demos.gradient_through_time import gradient_through_time
>>> from visualdl.viz.gradient_through_time import plot_gradient_through_time
>>> tr = gradient_through_time(seeds=(0, 1), T=55, n_a=4, m=2)
>>> len(plot_gradient_through_time(tr).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.recurrent_parameters import CELL_COLORS
from visualdl.viz.style import COLORS

__all__ = ["CELL_LABELS", "plot_gradient_through_time", "sci"]

CELL_LABELS = {
    "rnn": "vanilla RNN: a⟨t⟩ = tanh(W_aa a⟨t−1⟩ + W_ax x⟨t⟩ + b_a)",
    "lstm": "LSTM: c⟨t⟩ = f⟨t⟩ ∗ c⟨t−1⟩ + i⟨t⟩ ∗ c̃⟨t⟩ (forget bias 1)",
    "gru": "GRU: a⟨t⟩ = u⟨t⟩ ∗ c̃⟨t⟩ + (1 − u⟨t⟩) ∗ a⟨t−1⟩",
}
SHORT = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def sci(v: float) -> str:
    """``3e−10``: one significant digit, with a real minus sign."""
    return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e+").replace("-", "−")


def _cells(runs: list[Record]) -> list[str]:
    return list(dict.fromkeys(r.info["cell"] for r in runs))


def _norms_panel(ax: Axes, runs: list[Record]) -> None:
    for cell in _cells(runs):
        mine = [r for r in runs if r.info["cell"] == cell]
        for r in mine:
            ax.plot(r["distance"], r["norm"], color=CELL_COLORS[cell], lw=0.8, alpha=0.5)
        median = np.median(np.array([r["norm"] for r in mine]), axis=0)
        ax.plot(
            mine[0]["distance"],
            median,
            color=CELL_COLORS[cell],
            lw=2.8,
            label=f"{CELL_LABELS[cell]}  (median)",
        )
    ax.set_yscale("log")
    T = int(runs[0].info["T"])
    ax.set_xlim(0, T - 1)
    lows = min(float(r["norm"].min()) for r in runs)
    ax.set_ylim(lows / 30, 30)
    ax.set_xlabel("distance from the loss, T − t (steps back in time)")
    ax.set_ylabel("‖dL/da⟨t⟩‖ (log scale; 1 at the last step)")
    info = runs[0].info
    seeds = len({r.info["seed"] for r in runs})
    ax.axvline(50, color=COLORS["muted"], lw=1, ls="--", zorder=0)
    ax.set_title(
        f"Gradient reaching each earlier state at initialization\n{info['n_a']} units, "
        f"T = {T}, loss on a⟨T⟩ only, {seeds} weight seeds (thin lines)",
        loc="left",
        fontsize=11.5,
    )
    ax.legend(loc="lower left", fontsize=9.5, framealpha=0.95)


def _ratio_panel(ax: Axes, runs: list[Record]) -> None:
    cells = _cells(runs)
    for k, cell in enumerate(cells):
        values = [r.info["at_50"] for r in runs if r.info["cell"] == cell]
        x = k + np.linspace(-0.15, 0.15, len(values))
        ax.plot(x, values, "o", color=CELL_COLORS[cell], ms=7, mec=COLORS["text"], mew=0.6)
        median = float(np.median(values))
        ax.plot([k - 0.28, k + 0.28], [median, median], color=COLORS["text"], lw=1.6)
        ax.text(
            k,
            max(values) * 12,
            f"median {sci(median)}\n{sci(min(values))} … {sci(max(values))}",
            ha="center",
            va="bottom",
            fontsize=9.5,
            color=COLORS["text"],
        )
    ax.set_yscale("log")
    ax.set_xlim(-0.6, len(cells) - 0.4)
    ax.set_xticks(range(len(cells)))
    ax.set_xticklabels([SHORT[c] for c in cells])
    every = [r.info["at_50"] for r in runs]
    ax.set_ylim(min(every) / 20, max(every) * 1e4)
    ax.set_ylabel("‖dL/da⟨t⟩‖ at distance 50")
    ax.set_title(
        "50 steps back (dashed line),\none dot per seed, bar: median", loc="left", fontsize=11.5
    )


def plot_gradient_through_time(trace: Trace) -> Figure:
    """Left: ``||dL/da_t||`` against ``T - t`` for every cell and seed, medians thick.
    Right: the value 50 steps back, one dot per seed."""
    runs = trace.find("gradient_through_time.run")
    fig = new_figure(13.5, 5.8)
    with styled():
        ax, rax = fig.subplots(1, 2, width_ratios=[2.6, 1])
        _norms_panel(ax, runs)
        _ratio_panel(rax, runs)
        fig.suptitle(
            "Vanishing through time: the same sequences, the loss at the last step only",
            fontsize=13,
        )
    return fig
