"""The linear-collapse figure: four weight matrices multiply into one, and the boundaries.

Reads the trace of :func:`visualdl.demos.linear_collapse.linear_collapse` (records
``linear_collapse.data``, ``.net``, ``.layer``, ``.product``); draws, computes nothing
about the networks.

Example
-------
>>> from visualdl.demos.linear_collapse import linear_collapse
>>> from visualdl.viz.linear_collapse import plot_linear_collapse
>>> fig = plot_linear_collapse(linear_collapse(num_iterations=5, grid=9))
>>> len(fig.subfigs)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from visualdl.trace import Record, Trace
from visualdl.viz.figures import class_points, new_figure, styled
from visualdl.viz.style import COLORS, diverging_cmap
from visualdl.viz.xor import PROBABILITY_CMAP

__all__ = ["plot_linear_collapse"]

NAMES = {"identity": "no activation: g(z) = z", "tanh": "g = tanh", "relu": "g = ReLU"}


def _num(v: float) -> str:
    return f"{v:.2f}".replace("-", "−")


def _matrix(ax: Axes, M: np.ndarray, scale: float, title: str, numbers: bool = False):
    image = ax.imshow(M, cmap=diverging_cmap(), vmin=-scale, vmax=scale, aspect="equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(True)
        side.set_color(COLORS["muted"])
    ax.set_title(title, fontsize=11, fontweight="normal")
    if numbers:
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, _num(v), ha="center", va="center", fontsize=11, color=COLORS["text"])
    return image


def _product_row(sub: SubFigure, layers: list[Record], product: Record) -> None:
    """``W[L] · ... · W[1] = W`` as heat maps, cells of one size, one scale for the layers."""
    layers = sorted(layers, key=lambda r: -r.info["l"])  # W[L] first, as written
    mats = [r["W"] for r in layers] + [product["W"]]
    widths = [m.shape[1] for m in mats[:-1]] + [3 * mats[-1].shape[1]]  # W: larger cells
    axes = sub.subplots(1, len(mats), width_ratios=widths)
    scale = max(float(np.abs(m).max()) for m in mats[:-1])
    image = None
    for k, (ax, r) in enumerate(zip(axes[:-1], layers, strict=True)):
        n, n_prev = r["W"].shape
        l = r.info["l"]
        image = _matrix(ax, r["W"], scale, f"W[{l}]  ({n}×{n_prev})")
        op = "×" if k < len(layers) - 1 else "="
        ax.text(
            1.0 + 1.0 / widths[k],
            0.5,
            op,
            transform=ax.transAxes,
            fontsize=24,
            ha="center",
            va="center",
            color=COLORS["text"],
        )
    W, b = product["W"], float(product["b"][0, 0])
    _matrix(axes[-1], W, scale, f"W  ({W.shape[0]}×{W.shape[1]})", numbers=True)
    axes[-1].text(
        0.5,
        -0.6,
        f"b = {_num(b)}",
        transform=axes[-1].transAxes,
        ha="center",
        va="top",
        fontsize=11,
        color=COLORS["text"],
    )
    bar = sub.colorbar(
        image, ax=list(axes[:-1]), shrink=0.7, pad=0.01, location="left", extend="both"
    )
    bar.set_label("weight", fontsize=10)
    sub.suptitle(
        "The trained linear network's four weight matrices multiply into one: "
        "a = σ(W[4] W[3] W[2] W[1] x + b) = σ(W x + b)",
        fontsize=12,
    )


def _boundary(ax: Axes, X, Y, net: Record, product: Record | None) -> None:
    xs, ys, P = net["xs"], net["ys"], net["P"]
    ax.pcolormesh(
        xs, ys, P, cmap=PROBABILITY_CMAP, vmin=0, vmax=1, shading="auto", rasterized=True, alpha=0.4
    )
    ax.contour(xs, ys, P, levels=[0.5], colors=COLORS["text"], linewidths=2.2)
    if product is not None:
        ax.contour(
            xs, ys, product["P"], levels=[0.5], colors="white", linewidths=1.4, linestyles="--"
        )
    class_points(ax, X, Y, 18, 0.4, labelled=False)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("$x_1$")
    info = net.info
    dims = "-".join(map(str, info["layer_dims"]))
    ax.set_title(
        f"{dims}, {NAMES.get(info['hidden'], info['hidden'])}\n"
        f"accuracy {100 * info['accuracy']:.1f} %, J = {info['final_cost']:.3f}",
        loc="left",
        fontsize=11,
    )


def plot_linear_collapse(trace: Trace) -> Figure:
    """Top: the product of the linear net's matrices. Bottom: the decision boundary (a = 0.5)
    of each network on the two moons; on the linear one, the collapsed layer's boundary."""
    d = trace.last("linear_collapse.data")
    X, Y = d["X"], d["Y"]
    nets = trace.find("linear_collapse.net")
    product = trace.last("linear_collapse.product")
    fig = new_figure(13.5, 8.4)
    with styled():
        top, bottom = fig.subfigures(2, 1, height_ratios=[0.8, 1.3])
        _product_row(top, trace.find("linear_collapse.layer"), product)
        axes = bottom.subplots(1, len(nets), sharey=True)
        for ax, net in zip(axes, nets, strict=True):
            _boundary(ax, X, Y, net, product if net.info["hidden"] == "identity" else None)
        axes[0].set_ylabel("$x_2$")
        handles = [
            Line2D([], [], color=COLORS["text"], lw=2.2),
            Line2D([], [], color="white", lw=1.4, ls="--", path_effects=None),
            Line2D([], [], marker="o", ls="none", color=COLORS["class0"], mec=COLORS["text"]),
            Line2D([], [], marker="s", ls="none", color=COLORS["class1"], mec=COLORS["text"]),
        ]
        labels = [
            "decision boundary a = 0.5 of the network",
            f"one layer σ(W x + b): the same line (largest gap {product.info['max_gap']:.0e})",
            "y = 0",
            "y = 1",
        ]
        leg = bottom.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=10)
        leg.get_frame().set_facecolor("#DDDDDD")
        info = nets[0].info
        bottom.suptitle(
            f"The same network and start, trained the same way ({info['num_iterations']} steps "
            f"of gradient descent, lr {info['learning_rate']:g}): only g differs",
            fontsize=12,
        )
    return fig
