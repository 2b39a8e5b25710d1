"""The lstm-gate-activations figure: a trained LSTM's gates and cell over time, as heatmaps.

Reads the trace of :func:`visualdl.demos.lstm_gate_activations.lstm_gate_activations`: the
layer's ``lstm1.forward`` record (``x`` and ``f, i, o, cc, c``, each ``(n_a, 2, T)``) and the
demo's ``lstm_gate_activations.model`` and ``.memory``; draws, computes nothing about the
model.

Colour follows the one value rule of :mod:`visualdl.viz.style`: the candidate, the cell and
the input are signed (blue < 0 < red, white at 0, a scale symmetric about 0); the gates lie in
``[0, 1]`` and use the rule's positive half (white at 0, full red at 1), :data:`GATE_CMAP`.

Example
-------
>>> from visualdl.demos.lstm_gate_activations import lstm_gate_activations
>>> from visualdl.viz.lstm_gate_activations import plot_lstm_gate_activations
>>> tr = lstm_gate_activations(T=6, n_a=2, m=32, epochs=2)
>>> len(plot_lstm_gate_activations(tr).axes)
18
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import BACKGROUND, COLORS, SIGNED, diverging_cmap

__all__ = ["GATE_CMAP", "QUANTITIES", "SIGNED_CMAP", "plot_lstm_gate_activations"]

SIGNED_CMAP = diverging_cmap()
#: the positive half of the diverging rule, for values in [0, 1]
GATE_CMAP = LinearSegmentedColormap.from_list(
    "visualdl_gate", [BACKGROUND["figure"], SIGNED["positive"]]
)

#: (trace key, row label, colour-bar label, signed?) in the order drawn
QUANTITIES = (
    ("f", "f⟨t⟩ forget", "forget gate f", False),
    ("i", "i⟨t⟩ input", "input gate i", False),
    ("o", "o⟨t⟩ output", "output gate o", False),
    ("cc", "c̃⟨t⟩ candidate", "candidate c̃ = tanh(·)", True),
    ("c", "c⟨t⟩ cell", "cell c", True),
)


def _steps(ax: Axes, T: int, labelled: bool) -> None:
    ticks = [t for t in range(1, T + 1) if t == 1 or t % 5 == 0]
    ax.set_xticks([t - 1 for t in ticks])
    ax.set_xticklabels([str(t) for t in ticks] if labelled else [])
    ax.tick_params(axis="x", length=2 if labelled else 0)
    ax.grid(False)


def _input_row(ax: Axes, x: np.ndarray, title: str) -> None:
    """The sequence's inputs as a strip of ±1 cells."""
    ax.imshow(x[None, :], cmap=SIGNED_CMAP, vmin=-1.6, vmax=1.6, aspect="auto")
    for t, v in enumerate(x):
        ax.text(t, 0, "+1" if v > 0 else "−1", ha="center", va="center", fontsize=9)
    ax.set_yticks([0])
    ax.set_yticklabels(["x⟨t⟩"])
    _steps(ax, len(x), labelled=False)
    ax.set_title(title, loc="left", fontsize=11)


def _heatmap(ax: Axes, M: np.ndarray, signed: bool, scale: float, unit: int):
    cmap, vmin = (SIGNED_CMAP, -scale) if signed else (GATE_CMAP, 0.0)
    image = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=scale, aspect="auto")
    n_a, T = M.shape
    ax.add_patch(
        Rectangle((-0.5, unit - 0.5), T, 1, fill=False, ec=COLORS["text"], lw=1.6, clip_on=False)
    )
    ax.set_yticks(range(n_a))
    ax.set_yticklabels([str(u + 1) for u in range(n_a)], fontsize=9)
    return image


def plot_lstm_gate_activations(trace: Trace) -> Figure:
    """For the two shown sequences (first bit 0 left, 1 right): the inputs, then ``f, i, o,
    c~`` and ``c`` as units x time heatmaps, one colour bar per quantity; the unit whose
    ``c_T`` differs most between the two outlined."""
    gates = trace.last("lstm1.forward")
    model = trace.last("lstm_gate_activations.model").info
    memory = trace.last("lstm_gate_activations.memory")
    unit, p = memory.info["unit"], memory["p"]
    x = gates["x"][0]  # (2, T)
    n_a, _, T = gates["f"].shape
    rows = len(QUANTITIES)
    fig = new_figure(13.0, 1.05 + rows * (0.32 * n_a + 0.55))
    with styled():
        grid = fig.add_gridspec(
            rows + 1,
            3,
            height_ratios=[0.55] + [0.32 * n_a] * rows,
            width_ratios=[1, 1, 0.045],
        )
        for s in range(2):
            ax = fig.add_subplot(grid[0, s])
            _input_row(
                ax,
                x[s],
                f"first bit {s} (x⟨1⟩ = {'+1' if s else '−1'}), later bits the same:  "
                f"P(y = 1) = {p[s]:.3f}",
            )
        fig.add_subplot(grid[0, 2]).axis("off")
        for k, (key, label, bar, signed) in enumerate(QUANTITIES, start=1):
            M = gates[key]
            scale = float(np.abs(M).max()) if signed else 1.0
            for s in range(2):
                ax = fig.add_subplot(grid[k, s])
                image = _heatmap(ax, M[:, s, :], signed, scale, unit)
                _steps(ax, T, labelled=k == rows)
                if s == 0:
                    ax.set_ylabel(f"{label}\nunit", fontsize=10)
                if k == rows:
                    ax.set_xlabel("time step t")
            cbar = fig.colorbar(image, cax=fig.add_subplot(grid[k, 2]))
            cbar.set_label(bar, fontsize=9.5)
            cbar.ax.tick_params(labelsize=9)
        fig.suptitle(
            f"An LSTM of {n_a} units trained on the first-bit task (T = {T}, held-out accuracy "
            f"{100 * model['accuracy']:.0f} %): its gates on two sequences; "
            f"outlined: unit {unit + 1}, whose c⟨T⟩ differs most",
            fontsize=12,
        )
    return fig
