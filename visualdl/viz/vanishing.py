"""The vanishing-gradients figure: ||dW[l]|| per layer of a plain and a residual network.

Reads the trace of :func:`visualdl.demos.vanishing.vanishing` (records ``vanishing.run``);
draws, computes nothing about the networks.

Example
-------
>>> from visualdl.demos.vanishing import vanishing
>>> from visualdl.viz.vanishing import plot_vanishing
>>> len(plot_vanishing(vanishing(seeds=(0, 1), blocks=3)).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["NET_COLORS", "plot_vanishing"]

NET_COLORS = {"plain": "#7F7F7F", "residual": COLORS["gradient"]}
LABELS = {
    "plain": "plain: a[l+2] = z[l+2]",
    "residual": "residual: a[l+2] = z[l+2] + a[l]",
}


def _short(v: float) -> str:
    """``0.13`` for a ratio >= 0.01, else ``3e−10``."""
    text = f"{v:.2f}" if v >= 0.01 else f"{v:.0e}".replace("e-0", "e-")
    return text.replace("-", "−")


def _norms_panel(ax: Axes, runs: list[Record]) -> None:
    for net, color in NET_COLORS.items():
        mine = [r for r in runs if r.info["net"] == net]
        if not mine:
            continue
        for r in mine:
            ax.plot(r["l"], r["norm"], color=color, lw=0.9, alpha=0.55)
        median = np.median(np.array([r["norm"] for r in mine]), axis=0)
        ax.plot(mine[0]["l"], median, color=color, lw=2.6, label=f"{LABELS[net]} (median)")
    ax.set_yscale("log")
    ax.set_xlabel("layer l (1 = next to the input, L = the output)")
    ax.set_ylabel("‖dW[l]‖ (Frobenius norm, log scale)")
    L = int(runs[0]["l"][-1])
    ax.set_xlim(0.5, L + 0.5)
    ax.set_xticks([1, *range(5, L, 5), L])
    info = runs[0].info
    ax.set_title(
        f"Gradient per layer at initialization, {L} dense layers of {info['width']} units, "
        f"{len({r.info['seed'] for r in runs})} seeds (thin lines)",
        loc="left",
        fontsize=11.5,
    )
    ax.legend(loc="lower right", fontsize=10.5)
    notes = (
        (
            0.03,
            0.50,
            "plain: on its way back, every sigmoid layer\nmultiplies the gradient "
            "by σ′(z) ≤ 1/4 (and by Wᵀ)",
            NET_COLORS["plain"],
        ),
        (
            0.03,
            0.68,
            "residual: the skip hands the gradient of a[l+2]\nto a[l] unchanged",
            NET_COLORS["residual"],
        ),
    )
    for x, y, text, color in notes:
        ax.text(
            x,
            y,
            text,
            transform=ax.transAxes,
            fontsize=10.5,
            color=color,
            va="center",
            bbox={"fc": "white", "ec": "none", "alpha": 0.85},
        )


def _ratio_panel(ax: Axes, runs: list[Record]) -> None:
    for k, (net, color) in enumerate(NET_COLORS.items()):
        ratios = [r.info["ratio"] for r in runs if r.info["net"] == net]
        if not ratios:
            continue
        x = k + np.linspace(-0.15, 0.15, len(ratios))
        ax.plot(x, ratios, "o", color=color, ms=7, mec=COLORS["text"], mew=0.6)
        lo, hi = min(ratios), max(ratios)
        ax.text(
            k,
            hi * 8,
            f"{_short(lo)} … {_short(hi)}",
            ha="center",
            va="bottom",
            fontsize=10,
            color=COLORS["text"],
        )
    ax.set_yscale("log")
    for v, label in ((1e-1, "10× smaller"), (1e-2, "100× smaller")):
        ax.axhline(v, color=COLORS["muted"], lw=1, ls="--")
        ax.text(-0.55, v * 1.25, label, ha="left", va="bottom", fontsize=9.5, color=COLORS["muted"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(list(NET_COLORS))
    top = max(r.info["ratio"] for r in runs)
    bottom = min(r.info["ratio"] for r in runs)
    ax.set_ylim(bottom / 10, max(top, 1.0) * 200)
    ax.set_ylabel("‖dW[1]‖ / ‖dW[L−1]‖")
    ax.set_title("first over last hidden layer,\none dot per seed", loc="left", fontsize=11.5)


def plot_vanishing(trace: Trace) -> Figure:
    """Left: ``||dW[l]||`` against ``l`` for both networks, every seed. Right: the ratio of
    the first hidden layer's to the last hidden layer's, per seed."""
    runs = trace.find("vanishing.run")
    fig = new_figure(13.5, 5.6)
    with styled():
        ax, rax = fig.subplots(1, 2, width_ratios=[2.6, 1])
        _norms_panel(ax, runs)
        _ratio_panel(rax, runs)
        info = runs[0].info
        fig.suptitle(
            f"Vanishing gradients: the same {info['activation']} layers, "
            "without and with skip connections",
            fontsize=13,
        )
    return fig
