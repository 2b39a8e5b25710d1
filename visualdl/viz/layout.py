"""Layout checks for a gallery figure: text too small at page width, overlapping, cut off.

The figure is saved the way :func:`visualdl.viz.figures.save` saves it (150 dpi, tight
bounding box) into memory, and every text that this final draw paints is measured in the
saved image's own pixels: tick labels, titles, axis labels, legend entries and titles,
table cells, annotations, ``fig.text``. The gallery page shows a PNG at most
:data:`visualdl.viz.style.PAGE_WIDTH` CSS px wide (a wider one is scaled down to it), so a
text of ``s`` points is shown

    s * dpi / 72 * min(1, PAGE_WIDTH / image_width_px)   px tall,

which must be at least ``min_px`` (about 9 px). Two drawn texts whose boxes intersect (by
more than ``tol`` px each way, in the saved image) overlap; a text that reaches past the
saved image or is cut by its clip box is cut off.

Example
-------
>>> from visualdl.viz.figures import new_figure
>>> fig = new_figure(4, 3)
>>> ax = fig.add_subplot()
>>> _ = ax.text(0.5, 0.5, "one", fontsize=12)
>>> _ = ax.text(0.5, 0.5, "two", fontsize=12)  # drawn on top of "one"
>>> _ = ax.set_title("tiny", fontsize=2)
>>> sorted({p.kind for p in layout_problems(fig)})
['overlap', 'small']
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

from visualdl.viz.figures import styled
from visualdl.viz.style import PAGE_WIDTH, mpl_rc

__all__ = ["MIN_PX", "DrawnText", "Problem", "drawn_texts", "layout_problems"]

#: The smallest text height, in CSS px at the page's display width, a learner can read.
MIN_PX = 9.0


@dataclass(frozen=True)
class DrawnText:
    """One text as the saved image shows it: its string, font size in points and box
    ``(x0, y0, x1, y1)`` in the saved image's pixels (origin bottom left); ``visible`` is the
    part left by its clip box (the whole box when it is not clipped)."""

    text: str
    fontsize: float
    box: tuple[float, float, float, float]
    visible: tuple[float, float, float, float]


@dataclass(frozen=True)
class Problem:
    """One layout problem: ``kind`` is ``"small"``, ``"overlap"``, ``"outside"`` or
    ``"clipped"``; ``message`` says which text(s), where and by how much."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@contextmanager
def _recording(fig: Figure) -> Iterator[list[list[DrawnText]]]:
    """Record the texts each draw of ``fig`` paints: one list per finished draw."""
    draws: list[list[DrawnText]] = []
    current: list[DrawnText] = []
    original = Text.draw

    def draw(self: Text, renderer) -> None:
        original(self, renderer)
        if self.get_figure(root=True) is not fig or not _painted(self):
            return
        box = Text.get_window_extent(self, renderer)  # the text only, no annotation arrow
        if not (np.all(np.isfinite(box.extents)) and box.width > 0 and box.height > 0):
            return
        visible = box
        clip = self.get_clip_box() if self.get_clip_on() else None
        if clip is not None:
            visible = box.intersection(box, clip.frozen())
            if visible is None or visible.width <= 0 or visible.height <= 0:
                return  # wholly clipped: not drawn
        current.append(
            DrawnText(
                self.get_text(),
                float(self.get_fontsize()),
                tuple(box.extents),
                tuple(visible.extents),
            )
        )

    def finished(_event) -> None:
        draws.append(current.copy())
        current.clear()

    cid = fig.canvas.mpl_connect("draw_event", finished)
    Text.draw = draw
    try:
        yield draws
    finally:
        Text.draw = original
        fig.canvas.mpl_disconnect(cid)


def _painted(t: Text) -> bool:
    alpha = t.get_alpha()
    return t.get_visible() and bool(t.get_text().strip()) and (alpha is None or alpha > 0)


def drawn_texts(fig: Figure) -> tuple[list[DrawnText], tuple[int, int]]:
    """Save ``fig`` as the gallery does (PNG, :func:`visualdl.viz.style.mpl_rc`'s dpi and
    tight box) into memory; returns the texts its final draw painted and the saved image's
    ``(width, height)`` in pixels."""
    rc = mpl_rc()
    buf = io.BytesIO()
    with styled(), _recording(fig) as draws:
        fig.savefig(buf, format="png", dpi=rc["savefig.dpi"], bbox_inches=rc["savefig.bbox"])
    return (draws[-1] if draws else []), _png_size(buf.getvalue())


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _label(t: DrawnText) -> str:
    s = " ".join(t.text.split())
    return repr(s if len(s) <= 40 else s[:37] + "...")


def layout_problems(
    fig: Figure, page_width: float = PAGE_WIDTH, min_px: float = MIN_PX, tol: float = 1.0
) -> list[Problem]:
    """The layout problems of ``fig`` as saved (see the module docstring); empty when none.

    Parameters
    ----------
    fig : Figure
        The figure, as the gallery script returns it.
    page_width : float
        The CSS width the page shows the image at (a narrower image is shown at its own size).
    min_px : float
        The smallest legible text height at that width, in px.
    tol : float
        Overlaps and overflows up to this many pixels of the saved image are ignored.
    """
    texts, (width, height) = drawn_texts(fig)
    dpi = mpl_rc()["savefig.dpi"]
    scale = min(1.0, page_width / width)
    problems = [*_small(texts, dpi, scale, width, min_px), *_overlaps(texts, tol)]
    for t in texts:
        x0, y0, x1, y1 = t.visible
        if x0 < -tol or y0 < -tol or x1 > width + tol or y1 > height + tol:
            problems.append(
                Problem("outside", f"{_label(t)} reaches past the {width}x{height} px image")
            )
        elif _area(t.visible) < 0.98 * _area(t.box):
            problems.append(Problem("clipped", f"{_label(t)} is cut by its clip box"))
    return problems


def _area(box: tuple[float, float, float, float]) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def _small(texts: list[DrawnText], dpi: float, scale: float, width: int, min_px: float):
    for t in texts:
        px = t.fontsize * dpi / 72 * scale
        if px < min_px - 1e-9:
            yield Problem(
                "small",
                f"{_label(t)} is {px:.1f} px at page width ({t.fontsize:g} pt in a {width} px "
                f"wide image), under {min_px:g} px",
            )


def _overlaps(texts: list[DrawnText], tol: float):
    if len(texts) < 2:
        return
    b = np.array([t.visible for t in texts])
    w = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    h = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    for i, j in zip(*np.nonzero(np.triu((w > tol) & (h > tol), k=1)), strict=True):
        yield Problem(
            "overlap",
            f"{_label(texts[i])} and {_label(texts[j])} overlap by "
            f"{w[i, j]:.0f}x{h[i, j]:.0f} px near ({b[i, 0]:.0f}, {b[i, 1]:.0f})",
        )
