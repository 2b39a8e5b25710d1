"""What a small trained CNN computes: its learned first-layer kernels and the feature maps of a
few test digits.

Reads the trace of :func:`visualdl.demos.digits.digits_trace` (records ``digits.kernels`` and
``digits.feature_maps``); draws, computes nothing (numpy only tiles maps side by side).

Example
-------
>>> from visualdl.trace import Trace
>>> import numpy as np
>>> tr = Trace({"epochs": 0})
>>> _ = tr.add("digits.kernels", W=np.ones((3, 3, 1, 2)), b=np.zeros(2))
>>> _ = tr.add("digits.feature_maps", {"test_accuracy": 0.5}, X=np.ones((1, 8, 8, 1)),
...            conv1=np.ones((1, 8, 8, 2)), conv2=np.ones((1, 4, 4, 4)),
...            labels=np.array([3]), predictions=np.array([3]), probabilities=np.eye(10)[:, 3:4])
>>> from visualdl.viz.cnn_features import plot_cnn_features
>>> len(plot_cnn_features(tr).axes)  # note, 2 kernels, legend; input, 2 maps, conv2
8
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Trace
from visualdl.viz.conv import matrix
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["MAP_CMAP", "plot_cnn_features", "tile"]

MAP_CMAP = "magma"  #: feature maps after ReLU (>= 0)


def tile(maps: np.ndarray, cols: int, gap: float = np.nan) -> np.ndarray:
    """``(n_H, n_W, n_C)`` -> one 2-D mosaic, ``cols`` maps per row, one ``gap`` pixel between
    them (nan: drawn as the background)."""
    n_H, n_W, n_C = maps.shape
    rows = -(-n_C // cols)
    out = np.full((rows * (n_H + 1) - 1, cols * (n_W + 1) - 1), gap)
    for c in range(n_C):
        r, q = divmod(c, cols)
        out[r * (n_H + 1) : r * (n_H + 1) + n_H, q * (n_W + 1) : q * (n_W + 1) + n_W] = maps[
            :, :, c
        ]
    return out


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def plot_cnn_features(trace: Trace) -> Figure:
    """Top: the ``n1`` learned ``3x3`` kernels of the first conv layer with their numbers (one
    shared signed colour scale). Below, one row per test digit: the input, its ``n1`` feature
    maps after conv1 + ReLU (8x8) and the ``n2`` maps after conv2 + ReLU (4x4, tiled), each
    layer on one colour scale shared by all digits; the label and the prediction on the left."""
    kern = trace.last("digits.kernels")
    fm = trace.last("digits.feature_maps")
    W, b = kern["W"][:, :, 0, :], kern["b"]
    X, c1, c2 = fm["X"], fm["conv1"], fm["conv2"]
    k, n1, n2 = X.shape[0], c1.shape[3], c2.shape[3]
    cols2 = max(1, int(np.ceil(np.sqrt(n2))))
    top1, top2 = float(c1.max()) or 1.0, float(c2.max()) or 1.0
    wtop = float(np.abs(W).max()) or 1.0
    fig = new_figure(1.25 * (n1 + 2) + 1.2, 1.45 * (k + 1) + 0.9)
    with styled():
        gs = fig.add_gridspec(
            k + 1, n1 + 2, width_ratios=[1] * (n1 + 1) + [1.1], height_ratios=[1.3] + [1] * k
        )
        note = fig.add_subplot(gs[0, 0])
        note.axis("off")
        note.text(
            1.0,
            0.5,
            f"conv1 kernels\n(learned, 3×3×1)\nepochs {trace.meta.get('epochs', '?')}",
            ha="right",
            va="center",
            fontsize=10,
        )
        for c in range(n1):
            ax = fig.add_subplot(gs[0, c + 1])
            matrix(ax, W[:, :, c], vmin=-wtop, vmax=wtop, fontsize=7.5)
            bias = round(float(b.reshape(-1)[c]), 2) + 0.0  # no "-0.00"
            ax.set_title(f"kernel {c + 1}\nb = {bias:+.2f}", fontsize=9)
        legend = fig.add_subplot(gs[0, n1 + 1])
        legend.axis("off")
        legend.text(
            0.0,
            0.5,
            f"kernels: blue < 0 < red\n"
            f"maps: after ReLU,\nblack = 0, brighter = larger\n"
            f"test accuracy {fm.info['test_accuracy']:.1%}",
            va="center",
            fontsize=9.5,
        )
        probs = fm["probabilities"]
        for i in range(k):
            ax = fig.add_subplot(gs[i + 1, 0])
            ax.imshow(X[i, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
            _bare(ax)
            label, pred = int(fm["labels"][i]), int(fm["predictions"][i])
            ok = label == pred
            ax.set_ylabel(
                f"digit {label}\npredicted {pred}\n(p = {probs[pred, i]:.2f})",
                fontsize=9,
                rotation=0,
                ha="right",
                va="center",
                color=COLORS["text"] if ok else COLORS["gradient"],
            )
            if i == 0:
                ax.set_title("input 8×8", fontsize=10)
            for c in range(n1):
                ax = fig.add_subplot(gs[i + 1, c + 1])
                ax.imshow(c1[i, :, :, c], cmap=MAP_CMAP, vmin=0, vmax=top1)
                _bare(ax)
                if i == 0:
                    ax.set_title(f"conv1 map {c + 1}", fontsize=9)
            ax = fig.add_subplot(gs[i + 1, n1 + 1])
            mosaic = np.ma.masked_invalid(tile(c2[i], cols2))
            ax.imshow(mosaic, cmap=MAP_CMAP, vmin=0, vmax=top2)
            ax.set_facecolor("white")
            _bare(ax)
            if i == 0:
                ax.set_title(f"conv2: {n2} maps\n4×4 each", fontsize=9.5)
    return fig
