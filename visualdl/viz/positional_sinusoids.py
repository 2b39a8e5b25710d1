"""The positional-sinusoids figure: the sinusoidal encoding table as a heatmap, a few of its
columns against position with their wavelengths, the dot product ``PE_p . PE_{p+k}`` against
the offset ``k`` for several ``p`` (one curve: it depends on ``k`` only; it falls, but not
monotonically), and the table that the notes' comment E20 (multiplying) would give.

Reads the trace of :func:`visualdl.demos.positional_encoding.positional_sinusoids_trace`
(records ``positional_sinusoids.table``, ``.dims``, ``.offset``); draws, computes nothing
about the model. Values are coloured by the one diverging rule
(:func:`visualdl.viz.style.diverging_cmap`).

Example
-------
>>> from visualdl.demos.positional_encoding import positional_sinusoids_trace
>>> from visualdl.viz.positional_sinusoids import plot_positional_sinusoids
>>> len(plot_positional_sinusoids(positional_sinusoids_trace()).axes)
6
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.symbolic.attention_formulas import FORMULAS
from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS, OPTIMIZER_COLORS, diverging_cmap

__all__ = ["DIM_COLORS", "P_STYLES", "plot_positional_sinusoids", "wavelength_label"]

#: one colour per drawn column
DIM_COLORS = (COLORS["weight"], COLORS["activation"], COLORS["loss"], COLORS["preactivation"])
#: one line style per p of the dot-product panel (the curves lie on top of each other)
P_STYLES = (
    {"color": COLORS["weight"], "lw": 4.5, "alpha": 0.45, "ls": "-"},
    {"color": COLORS["gradient"], "lw": 2.0, "ls": "--"},
    {"color": OPTIMIZER_COLORS["adam_notes"], "lw": 1.6, "ls": ":"},
)
TITLE = 11.5
LABEL = 10.5


def wavelength_label(dim: int, wavelength: float) -> str:
    """``dim 8: λ = 19.9``: a drawn column's legend entry.

    >>> wavelength_label(0, 6.283185)
    'dim 0: λ = 6.28'
    """
    return f"dim {dim}: λ = {wavelength:.3g}"


def _heatmap(fig: Figure, ax: Axes, P: np.ndarray, title: str, bar: bool) -> None:
    n, d = P.shape
    image = ax.imshow(
        P, cmap=diverging_cmap(), vmin=-1, vmax=1, aspect="auto", interpolation="nearest"
    )
    ax.set_title(title, fontsize=TITLE, loc="left")
    ax.set_xlabel("dimension j (column)", fontsize=LABEL)
    ax.set_ylabel("position pos (row)", fontsize=LABEL)
    ax.set_xticks(range(0, d, 8))
    ax.set_yticks(range(0, n, 8))
    ax.tick_params(labelsize=10)
    ax.grid(False)
    if bar:
        cb = fig.colorbar(image, ax=ax, shrink=0.9, pad=0.02)
        cb.set_label("P[pos, j]", fontsize=LABEL)
        cb.ax.tick_params(labelsize=10)


def _columns(ax: Axes, dims_rec) -> None:
    """The drawn columns against position, one above the other (offset by 3 each)."""
    pos, values = dims_rec["pos"], dims_rec["values"]
    dims = dims_rec.info["dims"]
    gap = 3.0
    for k, (dim, lam) in enumerate(zip(dims, dims_rec["wavelength"], strict=True)):
        base = -gap * k
        ax.axhline(base, color=COLORS["muted"], lw=0.8, alpha=0.6)
        ax.plot(pos, base + values[k], color=DIM_COLORS[k], lw=1.6, marker="o", ms=2.6)
        ax.text(
            pos[-1] + 1.5,
            base,
            wavelength_label(dim, float(lam)),
            fontsize=10,
            color=DIM_COLORS[k],
            va="center",
        )
    ax.set_yticks([-gap * k + v for k in range(len(dims)) for v in (-1, 1)])
    ax.set_yticklabels(["−1", "1"] * len(dims), fontsize=9.5)
    ax.set_xlim(pos[0], pos[-1] + 16)
    ax.set_xticks(range(0, int(pos[-1]) + 1, 8))
    ax.tick_params(axis="x", labelsize=10)
    ax.set_xlabel("position pos", fontsize=LABEL)
    ax.set_title(
        "columns 2i against position, $\\sin(pos\\,/\\,10000^{2i/d})$:\n"
        "wavelength $\\lambda = 2\\pi \\cdot 10000^{2i/d}$",
        fontsize=TITLE,
        loc="left",
    )
    ax.grid(False)


def _offset(ax: Axes, off) -> None:
    """``PE_p . PE_{p+k}`` against ``k`` for each ``p``, the law, the comment's."""
    k, dots, d = off["k"], off["dots"], off.info["d"]
    for m, p in enumerate(off.info["ps"]):
        ax.plot(k, dots[m], label=f"p = {p}", **P_STYLES[m])
    ax.plot(
        k,
        off["comment"],
        color=COLORS["muted"],
        lw=1.2,
        label="the notes' comment (E20), p = 0",
    )
    first = off.info["first_rise"]
    lo, hi = off.info["at_first_rise"]
    ax.annotate(
        f"first rise: k = {first - 1} → {first},\n{lo:.2f} → {hi:.2f}",
        xy=(first, hi),
        xytext=(first + 8, d / 2 - 5),
        fontsize=10,
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
    )
    ax.axhline(0, color=COLORS["muted"], lw=0.8)
    ax.set_xlabel("offset k", fontsize=LABEL)
    ax.set_ylabel(r"$PE_p \cdot PE_{p+k}$", fontsize=LABEL)
    ax.set_ylim(-12, d / 2 + 15)
    ax.tick_params(labelsize=10)
    ax.legend(fontsize=9.5, loc="upper right", framealpha=0.9, ncol=2)
    ax.set_title(
        f"${FORMULAS['pe_offset']}$:\n"
        "the same curve for every p; it falls with k, but not monotonically",
        fontsize=TITLE,
        loc="left",
    )


def plot_positional_sinusoids(trace: Trace) -> Figure:
    """Top: the table ``P`` as a heatmap with its colour bar; its columns against position.
    Bottom: ``PE_p . PE_{p+k}`` against ``k`` for several ``p``; the E20 comment's table."""
    table = trace.last("positional_sinusoids.table")
    dims = trace.last("positional_sinusoids.dims")
    off = trace.last("positional_sinusoids.offset")
    n, d = table.info["n"], table.info["d"]
    with styled():
        fig = new_figure(12.5, 9.6)
        grid = fig.add_gridspec(2, 2, width_ratios=[1.0, 1.05])
        _heatmap(
            fig,
            fig.add_subplot(grid[0, 0]),
            table["P"],
            f"P = positional_encoding({n}, {d}): sin in even columns, cos in odd",
            bar=True,
        )
        _columns(fig.add_subplot(grid[0, 1]), dims)
        _offset(fig.add_subplot(grid[1, 0]), off)
        _heatmap(
            fig,
            fig.add_subplot(grid[1, 1]),
            table["P_comment"],
            "the notes' comment (E20), $\\sin(pos \\cdot 10000^{2i/d})$, multiplies:\n"
            "beyond the first columns the angle jumps by up to "
            f"{off.info['comment_top_frequency']:,.0f} rad a step",
            bar=True,
        )
    return fig
