"""The char-model figure: character models against their source's entropy floor, and what
they write at several temperatures.

Reads the trace of :func:`visualdl.demos.sequences.char_model` (records
``sequences.char_source``, ``sequences.char_curve``, ``sequences.char_sample``); draws,
computes nothing about the models.

Example
-------
>>> from visualdl.demos.sequences import char_model
>>> from visualdl.viz.char_model import plot_char_model
>>> tr = char_model(cells=("rnn",), m=40, epochs=1, m_test=20, samples=1, length=12)
>>> len(plot_char_model(tr).axes)
2
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS, MONO_FONT

__all__ = ["CELL_COLORS", "CELL_NAMES", "plot_char_model"]

CELL_COLORS = {"lstm": "#E1812C", "gru": "#4C72B0", "rnn": "#7F7F7F"}
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "vanilla RNN"}


def _curves_panel(ax: Axes, source: Record, curves: list[Record]) -> None:
    info = source.info
    V = len(info["alphabet"])
    for r in curves:
        cell = r.info["cell"]
        ax.plot(
            r["epoch"],
            r["perplexity"],
            "o-",
            color=CELL_COLORS[cell],
            lw=2,
            ms=5,
            label=(
                f"{CELL_NAMES[cell]}, {r.info['params']:,} parameters: {r.info['final']:.2f}"
                f" ({r.info['ratio']:.2f} × floor)"
            ),
        )
    floor = info["floor"]
    ax.axhline(floor, color=COLORS["text"], lw=1.2, ls="--")
    ax.axhline(V, color=COLORS["muted"], lw=1, ls=":")
    last = max(int(r["epoch"][-1]) for r in curves)
    ax.text(
        last,
        floor * 0.975,
        f"the source's floor exp(H) = {floor:.2f}",
        ha="right",
        va="top",
        fontsize=10.5,
        color=COLORS["text"],
    )
    ax.text(
        last,
        V * 0.97,
        f"a uniform guess over the {V} characters: {V}",
        ha="right",
        va="top",
        fontsize=10,
        color=COLORS["muted"],
    )
    ax.set_yscale("log")
    top = max(V, *(float(r["perplexity"].max()) for r in curves))
    ticks = [t for t in (2, 2.5, 3, 4, 5, 6, 8, 10, 12) if floor * 0.86 <= t <= top * 1.1]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_ylim(floor * 0.86, top * 1.1)
    ax.set_xticks(range(last + 1))
    ax.set_xlabel("epoch (passes over the training sequences; 0 = before training)")
    ax.set_ylabel("held-out perplexity (log scale)")
    ax.legend(
        loc="center right",
        bbox_to_anchor=(1.0, 0.58),
        fontsize=10,
        title="after the last epoch",
        title_fontsize=10,
    )
    r = curves[0].info
    ax.set_title(
        f"Held-out perplexity ({info['m_test']:,} new sequences) per epoch\n"
        f"n_a = {r['n_a']}, Adam lr {r['learning_rate']:g}, {info['m']:,} training sequences "
        f"of {info['T']}",
        loc="left",
        fontsize=11.5,
    )


def _visible(text: str) -> str:
    """Spaces shown as ``␣`` (in headings; the samples keep theirs, so words stand apart)."""
    return text.replace(" ", "\u2423")


def _block(ax: Axes, y: float, head: str, texts: list[str], color: str) -> float:
    """A heading and its sample lines from height ``y`` down (axes fraction); the next ``y``."""
    ax.text(0.0, y, head, transform=ax.transAxes, fontsize=10.5, color=color, weight="bold")
    y -= 0.052
    for line in texts:
        ax.text(0.02, y, line, transform=ax.transAxes, fontsize=10.5, family=MONO_FONT)
        y -= 0.048
    return y - 0.026


def _samples_panel(ax: Axes, source: Record, samples: list[Record]) -> None:
    ax.axis("off")
    cell = samples[0].info["cell"] if samples else "lstm"
    y = 0.94
    for r in samples:
        tau = r.info["temperature"]
        note = {1.0: "the model's own probabilities"}.get(tau, "sharper" if tau < 1 else "flatter")
        head = f"{CELL_NAMES[r.info['cell']]} at temperature τ = {tau:g} ({note})"
        y = _block(ax, y, head, r.info["texts"], CELL_COLORS[r.info["cell"]])
    _block(ax, y, "the source itself", source.info["texts"], COLORS["text"])
    start = _visible(samples[0].info["start"]) if samples else ""
    ax.set_title(
        f"Samples of the {CELL_NAMES[cell]}, each begun with «{start}» (␣ is a space)\n"
        "next character ~ softmax(z / τ), z the model's logits",
        loc="left",
        fontsize=11.5,
    )


def plot_char_model(trace: Trace) -> Figure:
    """Left: held-out perplexity per epoch of each cell, the floor ``exp(H)`` and the uniform
    guess as lines. Right: samples at each temperature beside the source's own."""
    source = trace.last("sequences.char_source")
    curves = trace.find("sequences.char_curve")
    samples = trace.find("sequences.char_sample")
    fig = new_figure(12.5, 5.8)
    with styled():
        ax, tax = fig.subplots(1, 2, width_ratios=[1.2, 1])
        _curves_panel(ax, source, curves)
        _samples_panel(tax, source, samples)
        info = source.info
        fig.suptitle(
            f"A character model learns a Markov source of order {info['order']} over "
            f"«{_visible(info['alphabet'])}» and gets close to its entropy floor",
            fontsize=13,
        )
    return fig
