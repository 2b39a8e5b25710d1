"""Convolution figures: edge detectors and the output-size grid.

Reads traces of :func:`visualdl.demos.edges.edges` (records ``edges.kernel``,
``edges.notes_image``, ``edges.notes_edges``, ``edges.photo_image``, ``edges.photo_edges``) and
:func:`visualdl.demos.output_size.output_size_grid` (records ``output_size.grid``); draws,
computes no model math (numpy only to arrange arrays and pick colour limits).

Example
-------
>>> from visualdl.demos.edges import edges
>>> from visualdl.viz.conv import plot_edges
>>> len(plot_edges(edges(photo=False)).axes)
10
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS, diverging_cmap

__all__ = ["SIGNED_CMAP", "matrix", "plot_edges", "plot_output_size"]

SIGNED_CMAP = diverging_cmap()  #: the one value rule: negative blue, 0 white, positive red
CLIP_PERCENTILE = 98.0  #: photo edge maps: colour limits at this percentile of |Z|


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2g}"


def matrix(
    ax: Axes,
    M: np.ndarray,
    cmap: str | Colormap = SIGNED_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    numbers: bool = True,
    fontsize: float = 11,
    fmt: Callable[[float], str] | None = None,
) -> AxesImage:
    """Draw ``M`` as coloured cells with thin grid lines and (with ``numbers``) its values,
    written by ``fmt`` (default: whole numbers plain, others to 2 significant digits); returns
    the image (for a colour bar).

    Signed colour maps get symmetric limits ``±max|M|`` unless ``vmin``/``vmax`` are given.
    """
    M = np.asarray(M, dtype=float)
    if vmin is None or vmax is None:
        top = float(np.abs(M).max()) or 1.0
        vmin, vmax = (-top, top) if cmap == SIGNED_CMAP else (float(M.min()), float(M.max()))
    im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax)
    rows, cols = M.shape
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="#FFFFFF" if cmap == "gray" else "#BBBBBB", lw=0.8)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if numbers:
        span = (vmax - vmin) or 1.0
        for (i, j), v in np.ndenumerate(M):
            level = (v - vmin) / span
            dark = level < 0.35 if cmap == "gray" else abs(level - 0.5) > 0.33
            ax.text(
                j,
                i,
                (fmt or _fmt)(v),
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if dark else COLORS["text"],
            )
    return im


def _inward_end_labels(bar) -> None:
    """A horizontal colour bar's first and last tick labels aligned inward, so that the labels
    of two bars side by side do not run together."""
    labels = bar.ax.get_xticklabels()
    labels[0].set_horizontalalignment("left")
    labels[-1].set_horizontalalignment("right")


def plot_edges(trace: Trace) -> Figure:
    """Row 1: the four kernels with their numbers. Row 2: the notes' 6x6 image and each
    kernel's 4x4 output. Row 3 (when the trace has a photo): the photo and its four edge maps
    (signed, colour limits at the 98th percentile of ``|Z|`` so that a few strong edges do not
    wash out the rest)."""
    kernels = trace.find("edges.kernel")
    notes = trace.find("edges.notes_edges")
    photo = trace.find("edges.photo_edges")
    k = len(kernels)
    rows = 3 if photo else 2
    fig = new_figure(2.6 * (k + 1), 2.6 * rows + (0.2 if photo else 0.4))
    with styled():
        gs = fig.add_gridspec(rows, k + 1, height_ratios=[0.85, 1, 0.78][:rows])
        note = fig.add_subplot(gs[0, 0])
        note.axis("off")
        note.text(
            0.0,
            0.5,
            "Kernels (the notes' A29).\nconv2d = cross-correlation:\nthe kernel is not flipped.\n"
            "Stride 1, no padding,\nso n − f + 1 = 6 − 3 + 1 = 4.",
            va="center",
            fontsize=10.5,
        )
        for c, rec in enumerate(kernels, start=1):
            ax = fig.add_subplot(gs[0, c])
            matrix(ax, rec["K"], fontsize=12)
            ax.set_title(rec.info["label"], fontsize=12)
        ax = fig.add_subplot(gs[1, 0])
        matrix(ax, trace.last("edges.notes_image")["X"], cmap="gray", vmin=0, vmax=10)
        ax.set_title("6×6 input: 10 | 0", fontsize=12)
        for c, (rec, kern) in enumerate(zip(notes, kernels, strict=True), start=1):
            ax = fig.add_subplot(gs[1, c])
            Z = rec["Z"]
            matrix(ax, Z, fontsize=12)
            ax.set_title(f"{kern.info['label']}:\n4×4 output", fontsize=11)
            if not np.any(Z):
                ax.set_xlabel("all 0: no top/bottom change", fontsize=10)
            else:
                band = _fmt(float(np.abs(Z).max()))
                ax.set_xlabel(f"band of {band}s at the edge", fontsize=10)
        if photo:
            P = trace.last("edges.photo_image")["X"]
            ax = fig.add_subplot(gs[2, 0])
            im = ax.imshow(P, cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"photo, gray {P.shape[0]}×{P.shape[1]}", fontsize=12)
            ax.axis("off")
            bar = fig.colorbar(im, ax=ax, orientation="horizontal", fraction=0.06, pad=0.03)
            bar.set_ticks([0, 0.5, 1])
            bar.ax.tick_params(labelsize=9.5)
            _inward_end_labels(bar)
            for c, (rec, kern) in enumerate(zip(photo, kernels, strict=True), start=1):
                ax = fig.add_subplot(gs[2, c])
                Z = rec["Z"]
                top = float(np.percentile(np.abs(Z), CLIP_PERCENTILE)) or 1.0
                im = ax.imshow(Z, cmap=SIGNED_CMAP, vmin=-top, vmax=top)
                ax.set_title(f"{kern.info['label']}", fontsize=12)
                ax.axis("off")
                bar = fig.colorbar(im, ax=ax, orientation="horizontal", fraction=0.06, pad=0.03)
                bar.set_ticks([-top, 0, top], labels=[f"−{top:.2g}", "0", f"+{top:.2g}"])
                bar.ax.tick_params(labelsize=9.5)
                _inward_end_labels(bar)
    return fig


def plot_output_size(trace: Trace) -> Figure:
    """One heatmap per ``output_size.grid`` record: ``floor((n + 2p - f) / s) + 1`` over padding
    (rows) and stride (columns), the number in each cell. Grey cells with a cross: the kernel
    does not fit (the engine raises). Cells whose windows do not end at the border (the floor
    drops the last partial step) also show the notes' formula without floor,
    ``(n + 2p - f)/s + 1``, which is not an integer there. Outlined cells keep the input size
    ("same")."""
    grids = trace.find("output_size.grid")
    fig = new_figure(5.4 * len(grids), 6.6)
    with styled():
        axes = fig.subplots(1, len(grids), squeeze=False)[0]
        for ax, rec in zip(axes, grids, strict=True):
            n, f = rec.info["n"], rec.info["f"]
            p, s = rec["p"], rec["s"]
            size, valid, raw = rec["size"], rec["valid"], rec["no_floor"]
            shown = np.where(valid, size, np.nan).astype(float)
            cmap = matplotlib.colormaps["YlGnBu"].with_extremes(bad="#DDDDDD")
            ax.imshow(shown, cmap=cmap, vmin=0, vmax=float(np.nanmax(shown)) * 1.15)
            ax.set_xticks(range(len(s)), [str(v) for v in s])
            ax.set_yticks(range(len(p)), [str(v) for v in p])
            ax.set_xlabel("stride s")
            ax.set_ylabel("padding p (per side)")
            ax.grid(False)
            ax.set_xticks(np.arange(-0.5, len(s), 1), minor=True)
            ax.set_yticks(np.arange(-0.5, len(p), 1), minor=True)
            ax.grid(which="minor", color="white", lw=2)
            ax.tick_params(which="minor", length=0)
            top = float(np.nanmax(shown))
            for (i, j), ok in np.ndenumerate(valid):
                if not ok:
                    ax.text(j, i, "✗\ndoesn't fit", ha="center", va="center", fontsize=10)
                    continue
                color = "white" if size[i, j] > 0.6 * top * 1.15 else COLORS["text"]
                exact = float(raw[i, j]).is_integer()
                ax.text(
                    j,
                    i - (0 if exact else 0.12),
                    f"{int(size[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=15,
                    fontweight="bold",
                    color=color,
                )
                if not exact:
                    ax.text(
                        j,
                        i + 0.27,
                        f"no floor: {raw[i, j]:.3g}",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color=color,
                    )
                if size[i, j] == n:
                    ax.add_patch(
                        Rectangle(
                            (j - 0.46, i - 0.46),
                            0.92,
                            0.92,
                            fill=False,
                            ec=COLORS["gradient"],
                            lw=2.2,
                        )
                    )
            ax.set_title(f"n = {n}, f = {f}:  n_out = ⌊(n + 2p − f)/s⌋ + 1", fontsize=12.5)
            same = ax.secondary_xaxis("top")
            same.set_xticks(range(len(s)), [f"{v:g}" for v in rec["same_p"]], fontsize=9.5)
            same.tick_params(length=0, colors=COLORS["gradient"])
            same.set_xlabel(
                "notes' 'same' padding p = ((n − 1)s − n + f)/2",
                fontsize=9.5,
                color=COLORS["gradient"],
            )
        fig.text(
            0.5,
            -0.02,
            "outlined: n_out = n ('same')     ✗: the kernel is wider than the padded input     "
            "'no floor': the notes' (n + 2p − f)/s + 1, not an integer where the last step "
            "is dropped",
            ha="center",
            fontsize=9.5,
            color=COLORS["text"],
        )
    return fig
