"""What a small trained CNN computes: its learned first-layer kernels and the feature maps of a
few test digits.

Reads the trace of :func:`visualdl.demos.digits.digits_trace` (records ``digits.kernels``,
``digits.feature_maps`` and, when there, ``digits.baseline``); draws, computes nothing (numpy
only tiles maps side by side).

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
>>> len(plot_cnn_features(tr).axes)  # 2 kernels; input, 2 maps, conv2; 4 colour bars
10
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


def _bare(ax: Axes, frame: bool = False) -> None:
    """No ticks or grid; a thin frame only with ``frame``."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(frame)
        spine.set_color(COLORS["muted"])


def _colorbar(fig: Figure, im, axes: list[Axes], label: str, where: str = "bottom") -> None:
    """A colour scale for ``im`` beside ``axes`` (constrained layout makes room), labelled."""
    bar = fig.colorbar(im, ax=axes, location=where, fraction=0.1, shrink=0.9, aspect=30)
    bar.set_label(label, fontsize=9)
    bar.ax.tick_params(labelsize=8.5)


def _summary(fm, baseline, epochs: object) -> str:
    """The figure's headline: accuracies (CNN vs baseline) and the dead filters."""
    info = fm.info
    lines = [
        f"CNN: {info['test_accuracy']:.1%} of the held-out test digits right"
        + (
            f" (training set {info['train_accuracy']:.1%}, {epochs} epochs)"
            if "train_accuracy" in info
            else ""
        )
    ]
    if baseline is not None:
        lines.append(f"baseline, {baseline.info['model']}: {baseline.info['test_accuracy']:.1%}")
    dead = [
        f"{len(info[key])} of {n} in {name}"
        + (f" ({', '.join(str(c + 1) for c in info[key])})" if info[key] else "")
        for key, name, n in (
            ("dead_conv1", "conv1", fm["conv1"].shape[3]),
            ("dead_conv2", "conv2", fm["conv2"].shape[3]),
        )
        if key in info
    ]
    if dead:
        lines.append("dead filters (ReLU output 0 for every test digit): " + ", ".join(dead))
    return "\n".join(lines)


def plot_cnn_features(trace: Trace) -> Figure:
    """Top: the ``n1`` learned ``3x3`` kernels of the first conv layer with their numbers (one
    shared signed colour scale, its colour bar on the right). Below, one row per test digit:
    the input, its ``n1`` feature maps after conv1 + ReLU (8x8) and the ``n2`` maps after
    conv2 + ReLU (4x4, tiled row by row), each layer on one colour scale shared by all digits,
    with its colour bar at the bottom; the label and the prediction on the left. The headline
    gives the test accuracy, the baseline's (``digits.baseline``, when the trace has it) and
    the dead filters."""
    kern = trace.last("digits.kernels")
    fm = trace.last("digits.feature_maps")
    baseline = trace.last("digits.baseline") if trace.find("digits.baseline") else None
    W, b = kern["W"][:, :, 0, :], kern["b"]
    X, c1, c2 = fm["X"], fm["conv1"], fm["conv2"]
    k, n1, n2 = X.shape[0], c1.shape[3], c2.shape[3]
    cols2 = max(1, int(np.ceil(np.sqrt(n2))))
    top1, top2 = float(c1.max()) or 1.0, float(c2.max()) or 1.0
    wtop = float(np.abs(W).max()) or 1.0
    fig = new_figure(11.5, 1.2 * k + 3.4)
    with styled():
        outer = fig.add_gridspec(2, 1, height_ratios=[1.45, 1.05 * k])
        top = outer[0].subgridspec(1, n1)
        rows = outer[1].subgridspec(k, n1 + 2, width_ratios=[1] * (n1 + 1) + [2.0])
        kernel_axes, last = [], []  # the kernels; the bottom row's conv1 maps
        for c in range(n1):
            ax = fig.add_subplot(top[0, c])
            kernel_axes.append(ax)
            kernels = matrix(
                ax,
                W[:, :, c],
                vmin=-wtop,
                vmax=wtop,
                fontsize=8.5,
                fmt=lambda v: f"{round(v, 2) + 0.0:.2f}",
            )
            bias = round(float(b.reshape(-1)[c]), 2) + 0.0  # no "-0.00"
            ax.set_title(f"conv1 kernel {c + 1}\nb = {bias:+.2f}", fontsize=9)
        _colorbar(fig, kernels, kernel_axes, "kernel weight", "right")
        probs = fm["probabilities"]
        for i in range(k):
            ax = fig.add_subplot(rows[i, 0])
            bottom_input = ax
            pixels = ax.imshow(X[i, :, :, 0], cmap="gray", vmin=0, vmax=1)
            _bare(ax, frame=True)
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
                ax.set_title("input 8×8", fontsize=9.5)
            for c in range(n1):
                ax = fig.add_subplot(rows[i, c + 1])
                if i == k - 1:
                    last.append(ax)
                maps1 = ax.imshow(c1[i, :, :, c], cmap=MAP_CMAP, vmin=0, vmax=top1)
                _bare(ax)
                if i == 0:
                    ax.set_title(f"conv1 map {c + 1}", fontsize=9)
            ax = fig.add_subplot(rows[i, n1 + 1])
            mosaic = np.ma.masked_invalid(tile(c2[i], cols2))
            maps2 = ax.imshow(mosaic, cmap=MAP_CMAP, vmin=0, vmax=top2)
            ax.set_facecolor("white")
            _bare(ax)
            if i == 0:
                ax.set_title(f"conv2: {n2} maps, 4×4,\nrow by row", fontsize=9)
        _colorbar(fig, pixels, [bottom_input], "pixel")
        _colorbar(fig, maps1, last, "conv1 map value (after ReLU)")
        _colorbar(fig, maps2, [ax], "conv2 map value")
        fig.suptitle(
            _summary(fm, baseline, trace.meta.get("epochs", "?")),
            x=0.0,
            ha="left",
            fontsize=10,
            fontweight="normal",
        )
    return fig
