"""The recurrent-mistakes figure: the gradient check of the notes' LSTM ``dw_hy`` against the
engine's ``dWy``, and the cell path ``dc_t/dc_{t-1}`` below ``f_t`` in the notes' two
counterexamples.

Reads the trace of :func:`visualdl.demos.recurrent_mistakes.recurrent_mistakes` (records
``recurrent_mistakes.dw_hy`` and ``recurrent_mistakes.cell_path``); draws, computes nothing.

Example
-------
>>> from visualdl.demos.recurrent_mistakes import recurrent_mistakes
>>> from visualdl.viz.recurrent_mistakes import plot_recurrent_mistakes
>>> len(plot_recurrent_mistakes(recurrent_mistakes(seeds=(0, 1))).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.gradient_check import GOOD
from visualdl.viz.style import COLORS

__all__ = ["CASE_TEXT", "plot_recurrent_mistakes", "sci"]

RIGHT, WRONG = COLORS["activation"], COLORS["diverged"]
#: how a counterexample's inputs are written under its bars
NAMES = {
    "c_prev": "c⟨t−1⟩",
    "o_prev": "o⟨t−1⟩",
    "x_t": "x⟨t⟩",
    "U_f": "U_f",
    "U_i": "U_i",
    "U_c": "U_c",
}
CASE_TEXT = "({case}) " + "{inputs}"


def sci(v: float) -> str:
    """``2e−9``: one significant digit, with a real minus sign."""
    return f"{v:.0e}".replace("e-0", "e-").replace("-", "−")


def _inputs(r: Record) -> str:
    parts = [f"{NAMES.get(k, k)} = {v:g}".replace("-", "−") for k, v in r.info["inputs"].items()]
    lines = [", ".join(parts[k : k + 2]) for k in range(0, len(parts), 2)]
    return CASE_TEXT.format(case=r.info["case"], inputs="\n".join(x for x in lines if x))


def _dw_hy_panel(ax: Axes, runs: list[Record]) -> None:
    seeds = [r.info["seed"] for r in runs]
    x = np.arange(len(runs))
    engine = [r.info["engine"] for r in runs]
    notes = [r.info["notes"] for r in runs]
    ax.plot(
        x, notes, "o", color=WRONG, ms=9, mec=COLORS["text"], mew=0.6,
        label="the notes: dw_hy = dy⟨t⟩ dh_next^T, overwritten at every step",
    )  # fmt: skip
    ax.plot(
        x, engine, "s", color=RIGHT, ms=8, mec=COLORS["text"], mew=0.6,
        label="the engine: dW_y = (1/m) Σ_t dy⟨t⟩ a⟨t⟩^T",
    )  # fmt: skip
    for xi, v in zip(x, notes, strict=True):
        ax.text(xi, v * 2.2, f"{v:.2f}", ha="center", va="bottom", fontsize=10, color=WRONG)
    for xi, v in zip(x, engine, strict=True):
        ax.text(xi, v / 2.2, sci(v), ha="center", va="top", fontsize=10, color=RIGHT)
    ax.axhline(GOOD, color=COLORS["muted"], lw=1.2, ls="--")
    ax.text(
        len(runs) - 0.55,
        GOOD * 1.4,
        "1e−7: below this a backward is right",
        ha="right",
        va="bottom",
        fontsize=10,
        color=COLORS["muted"],
    )
    ax.set_yscale("log")
    ax.set_ylim(min(engine) / 30, 1e3)
    ax.set_xlim(-0.6, len(runs) - 0.4)
    ax.set_xticks(x)
    ax.set_xticklabels([f"seed {s}" for s in seeds])
    ax.set_ylabel("gradient-check relative error of dW_y\n‖num − analytic‖ / (‖num‖ + ‖analytic‖)")
    ax.set_title(
        "(a) The LSTM's output weights: gradient check, softmax at every step",
        loc="left",
        fontsize=11.5,
    )
    ax.legend(loc="upper left", fontsize=10, framealpha=0.95)


def _cell_path_panel(ax: Axes, cases: list[Record]) -> None:
    width = 0.36
    for k, r in enumerate(cases):
        bars = (
            (-width / 2, r.info["f_t"], COLORS["weight"], "f⟨t⟩ (the direct term)"),
            (width / 2, r.info["total"], COLORS["gradient"], "total dc⟨t⟩/dc⟨t−1⟩"),
        )
        for dx, v, color, label in bars:
            ax.bar(k + dx, v, width=width * 0.92, color=color, label=label if k == 0 else None)
            ax.text(k + dx, v + 0.012, f"{v:.3f}", ha="center", va="bottom", fontsize=10.5)
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([_inputs(r) for r in cases], fontsize=9.5)
    top = max(max(r.info["f_t"], r.info["total"]) for r in cases)
    ax.set_ylim(0, top * 1.7)
    ax.set_xlim(-0.6, len(cases) - 0.4)
    ax.set_ylabel("dc⟨t⟩/dc⟨t−1⟩")
    ax.grid(axis="x", visible=False)
    ax.set_title(
        "(b) dc⟨t⟩/dc⟨t−1⟩ ≥ f⟨t⟩ is false: the notes' two counterexamples",
        loc="left",
        fontsize=11.5,
    )
    ax.legend(loc="center right", fontsize=10, framealpha=0.95)
    ax.text(
        0.03,
        0.97,
        "scalar LSTM, h⟨t−1⟩ = o⟨t−1⟩ tanh(c⟨t−1⟩) feeds the gates\n"
        "direct: h⟨t−1⟩ held fixed, = f⟨t⟩ exactly (SymPy)\n"
        "total: h⟨t−1⟩ moves with c⟨t−1⟩ too",
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=10,
        color=COLORS["text"],
    )


def plot_recurrent_mistakes(trace: Trace) -> Figure:
    """Left: the gradient-check error of the engine's and the notes' ``dW_y`` per seed (log
    scale, the 1e-7 line). Right: ``f_t`` against the total ``dc_t/dc_{t-1}`` for the two
    counterexamples."""
    runs = trace.find("recurrent_mistakes.dw_hy")
    cases = trace.find("recurrent_mistakes.cell_path")
    fig = new_figure(13.5, 5.8)
    with styled():
        ax, bax = fig.subplots(1, 2, width_ratios=[1.35, 1])
        _dw_hy_panel(ax, runs)
        _cell_path_panel(bax, cases)
        fig.suptitle("Two mistakes of the recurrent notes, computed", fontsize=13)
    return fig
