"""The recurrent-parameters figure: parameter counts of SimpleRNN, GRU and LSTM against ``n_a``.

Reads the trace of :func:`visualdl.demos.recurrent_parameters.recurrent_parameters` (records
``recurrent_parameters.cell``); draws, computes nothing about the layers.

Example
-------
>>> from visualdl.demos.recurrent_parameters import recurrent_parameters
>>> from visualdl.viz.recurrent_parameters import plot_recurrent_parameters
>>> len(plot_recurrent_parameters(recurrent_parameters(n_x=3, sizes=(2, 4))).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["CELL_COLORS", "CELL_NAMES", "plot_recurrent_parameters"]

#: one colour per cell, shared by the recurrent chapter's figures
CELL_COLORS = {"rnn": "#7F7F7F", "gru": COLORS["weight"], "lstm": COLORS["gradient"]}
CELL_NAMES = {"rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
BLOCKS = {
    "rnn": "W_ax, W_aa, b_a: one block",
    "gru": "W_u, W_r, W_c and b_u, b_r, b_c: three blocks",
    "lstm": "W_f, W_i, W_c, W_o and their b: four blocks",
}


def _counts_panel(ax: Axes, cells: list[Record]) -> None:
    n_a = cells[0]["n_a"]
    k, width = len(n_a), 0.27
    x = np.arange(k)
    for j, r in enumerate(cells):
        cell = r.info["cell"]
        pos = x + (j - (len(cells) - 1) / 2) * width
        ax.bar(
            pos,
            r["params"],
            width=width * 0.92,
            color=CELL_COLORS[cell],
            label=f"{CELL_NAMES[cell]} ({BLOCKS[cell]})",
            zorder=2,
        )
        for px, v in zip(pos, r["params"], strict=True):
            ax.text(
                px,
                v * 1.15,
                f"{int(v):,}",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=9,
                color=COLORS["text"],
            )
    ax.set_yscale("log")
    top = max(int(r["params"].max()) for r in cells)
    bottom = min(int(r["params"].min()) for r in cells)
    ax.set_ylim(bottom / 4, top * 60)
    ax.set_xticks(x)
    ax.set_xticklabels([f"n_a = {int(n)}" for n in n_a])
    ax.set_xlim(-0.55, k - 0.45)
    ax.set_ylabel("parameters (log scale)")
    ax.set_xlabel(f"hidden size n_a (input size n_x = {cells[0].info['n_x']})")
    ax.grid(axis="x", visible=False)
    ax.set_title(
        "Parameters of the engine's layers, counted from their arrays", loc="left", fontsize=11.5
    )
    ax.legend(loc="upper left", fontsize=9.5, framealpha=0.95)


def _ratio_panel(ax: Axes, cells: list[Record]) -> None:
    n_a = cells[0]["n_a"]
    x = np.arange(len(n_a))
    for r in cells:
        cell = r.info["cell"]
        ax.plot(x, r["ratio"], "o-", color=CELL_COLORS[cell], lw=2, ms=6, zorder=3)
        ax.text(
            len(n_a) - 0.75,
            r["ratio"][-1] + 0.18,
            f"{CELL_NAMES[cell]}: {' = '.join(sorted({f'{v:.3f}' for v in r['ratio']}))}",
            ha="right",
            va="bottom",
            fontsize=10,
            color=CELL_COLORS[cell],
        )
    ax.set_xticks(x)
    ax.set_xticklabels([str(int(n)) for n in n_a])
    ax.set_xlim(-0.3, len(n_a) - 0.7)
    ax.set_ylim(0, 5)
    ax.set_yticks([0, 1, 2, 3, 4, 5])
    ax.set_xlabel("hidden size n_a")
    ax.set_ylabel("parameters / SimpleRNN's")
    ax.set_title("ratio to the SimpleRNN,\nsame n_a and n_x", loc="left", fontsize=11.5)
    ax.text(
        0.03,
        0.04,
        "one block = n_a(n_a + n_x) + n_a",
        transform=ax.transAxes,
        fontsize=10,
        color=COLORS["text"],
    )


def plot_recurrent_parameters(trace: Trace) -> Figure:
    """Left: every cell's parameter count per hidden size, as labelled bars (log scale).
    Right: each count over the SimpleRNN's at the same ``n_a``."""
    cells = trace.find("recurrent_parameters.cell")
    fig = new_figure(13.0, 5.6)
    with styled():
        ax, rax = fig.subplots(1, 2, width_ratios=[2.5, 1])
        _counts_panel(ax, cells)
        _ratio_panel(rax, cells)
        fig.suptitle(
            "SimpleRNN : GRU : LSTM = 1 : 3 : 4 parameters: one, three or four gate blocks "
            "on [a⟨t−1⟩; x⟨t⟩]",
            fontsize=13,
        )
    return fig
