"""A scene's handout: one A4 page per beat with its last frame, formulas, words and numbers.

Example
-------
>>> from visualdl.slides.handout import array_lines
>>> array_lines("W^{[1]}", [["0.5", "-1.2"], ["2.0", "0.1"]])
['$W^{[1]}$', '[  0.5 -1.2 ]', '[  2.0  0.1 ]']
"""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

from visualdl.anim.beats import Beat
from visualdl.files import atomic_write

__all__ = ["array_lines", "write_handout"]

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = 0.6  # inches on every side
MAX_ROWS, MAX_COLS = 6, 8  # of an array written out; the rest is counted
BODY_PT, SMALL_PT, ARRAY_PT = 11, 9.5, 8.5


def array_lines(tex: str, rows: list[list[str]]) -> list[str]:
    """An array as text lines: its name in mathtext, then its rows, at most
    :data:`MAX_ROWS` by :data:`MAX_COLS`, what is left out counted."""
    width = max(len(s) for r in rows for s in r[:MAX_COLS])
    more = " …" if len(rows[0]) > MAX_COLS else ""
    lines = [f"${tex}$"]
    lines += [
        "[ " + " ".join(s.rjust(width) for s in r[:MAX_COLS]) + more + " ]" for r in rows[:MAX_ROWS]
    ]
    if len(rows) > MAX_ROWS:
        lines.append(f"… and {len(rows) - MAX_ROWS} more rows")
    return lines


def write_handout(beats: list[Beat], title: str, path: str | os.PathLike) -> Path:
    """Write the handout of a scene's ``beats`` to the PDF ``path`` (atomically); returns it."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # its font subsetting talks at INFO
    rc = {"font.family": "DejaVu Sans", "mathtext.fontset": "dejavusans", "pdf.fonttype": 42}
    with atomic_write(path) as tmp, matplotlib.rc_context(rc), PdfPages(tmp) as pdf:
        for k, b in enumerate(beats, 1):
            fig = plt.figure(figsize=A4)
            _page(fig, b, f"{title} · beat {k} of {len(beats)}")
            pdf.savefig(fig)
            plt.close(fig)
        info = pdf.infodict()
        info.update(Title=f"{title}: handout", Creator="visualdl")
    return path


class _Page:
    """One A4 page filled top to bottom; positions in inches from the top left corner."""

    def __init__(self, fig) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()
        self.y = MARGIN

    def text(self, s: str, size: float, x: float = 0.0, y: float | None = None, **kw):
        """Draw ``s`` with its top left at ``(MARGIN + x, y)`` (``y``: the page's next line);
        returns the text and its bottom."""
        W, H = A4
        top = self.y if y is None else y
        t = self.fig.text((MARGIN + x) / W, 1 - top / H, s, fontsize=size, va="top", **kw)
        box = t.get_window_extent(self.renderer)
        return t, top + box.height / self.fig.dpi, box.width / self.fig.dpi

    def line(self, s: str, size: float, gap: float = 0.06, **kw) -> None:
        """``s`` on the next line, full width."""
        _, bottom, _ = self.text(s, size, **kw)
        self.y = bottom + gap

    def flow(
        self, blocks: list[list[tuple[str, float, dict]]], max_cols: int, gap: float = 0.12
    ) -> int:
        """Lay ``blocks`` (each lines of ``(text, size, options)``) out in rows of as many
        columns as the widest allows (at most ``max_cols``); stops before the first that would
        pass the bottom margin, keeping a line for what is left. Returns how many it placed."""
        width = A4[0] - 2 * MARGIN
        bottom_limit = A4[1] - MARGIN - 0.3
        drawn = [[self.text(s, size, **kw) for s, size, kw in block] for block in blocks]
        widest = max((w for block in drawn for _, _, w in block), default=0.0)
        for block in drawn:
            for t, _, _ in block:
                t.remove()
        cols = max(1, min(max_cols, int(width // (widest + 0.25))))
        top = bottom = self.y
        row: list = []  # the texts of the row being laid out
        for i, block in enumerate(blocks):
            if i and i % cols == 0:
                top, row = bottom + gap, []
            y = top
            for s, size, kw in block:
                t, y, _ = self.text(s, size, x=(i % cols) * width / cols, y=y, **kw)
                row.append(t)
                y += 0.03
            if y > bottom_limit:  # the whole row goes: what is left is counted
                for t in row:
                    t.remove()
                self.y = top
                return i - i % cols
            bottom = max(bottom, y)
        self.y = bottom + 0.15
        return len(blocks)


def _page(fig, b: Beat, header: str) -> None:
    """Lay out one beat on ``fig``: header, last frame, sentences, formulas, numbers."""
    page = _Page(fig)
    width = A4[0] - 2 * MARGIN
    muted, mono = {"color": "#555555"}, {"family": "DejaVu Sans Mono"}
    page.line(header, SMALL_PT, color="#555555")
    page.line(b.heading or b.label, 15, 0.15, weight="bold")
    if b.frame is not None:
        h_px, w_px = b.frame.shape[:2]
        h = width * h_px / w_px
        ax = fig.add_axes([MARGIN / A4[0], 1 - (page.y + h) / A4[1], width / A4[0], h / A4[1]])
        ax.imshow(b.frame, interpolation="none")  # embedded at its own resolution
        ax.set_axis_off()
        page.y += h + 0.2
    chars = int(width * 72 / (BODY_PT * 0.55))
    page.line(textwrap.fill(b.say, chars), BODY_PT, 0.2)
    if b.formulas:
        page.line("Formulas", BODY_PT, weight="bold")
        page.flow([[(f"${tex}$", BODY_PT + 2, {})] for tex in b.formulas], 2)
    lines = [textwrap.fill(s.replace("$", r"\$"), int(chars * 1.1)) for s in b.lines]
    arrays = [array_lines(tex, rows) for tex, rows in b.arrays if rows]
    if lines or arrays:
        page.line("Numbers on screen", BODY_PT, weight="bold")
        blocks = [[(s, SMALL_PT, mono)] for s in lines]
        blocks_arrays = [[(s, ARRAY_PT, mono) for s in a] for a in arrays]
        placed = page.flow(blocks, 1, gap=0.02) if blocks else 0
        if placed == len(blocks):
            placed += page.flow(blocks_arrays, 4)
        left = len(blocks) + len(blocks_arrays) - placed
        if left:
            page.line(f"… and {left} more (see the slides)", SMALL_PT, **muted)
