"""A grid of square cells with numbers in them, and boxes that frame a window of cells: the
picture of an image, a kernel or a feature map for the convolution scenes.

With ``scale`` each cell is filled by its value under the one diverging rule of
:func:`visualdl.viz.style.value_color` (blue below 0, the background at 0, red above, full at
``|v| >= scale``), so an edge or a band is seen, not only read; :class:`ColorScale` is the
strip that says what the colours mean.

Numbers are formatted with :func:`visualdl.anim.numbers.format_array` (``grid.texts`` holds the
strings drawn), so a test can compare them with the trace. Cells may also start empty and get
their numbers one at a time (:meth:`CellGrid.label_at` makes a ``Text`` centred in a cell).

Example
-------
>>> import numpy as np
>>> from visualdl.anim.grid import CellGrid
>>> g = CellGrid(np.array([[10.0, 0.0], [10.0, 0.0]]), cell=0.5)
>>> g.texts, g.n_rows, g.n_cols
([['10', '0'], ['10', '0']], 2, 2)
>>> round(float(g.window(0, 0, 2).width), 2)
1.0
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from manim import DOWN, LEFT, RIGHT, Animation, Rectangle, Square, VGroup, VMobject

from visualdl.anim.fade import Appear
from visualdl.anim.numbers import format_array, text
from visualdl.viz.style import COLORS, value_color

__all__ = ["CellGrid", "ColorScale", "fill_in", "font_for", "named_scale", "value_scale"]


def font_for(cell: float) -> float:
    """A font size whose two-digit numbers fit a cell ``cell`` units wide."""
    return 34 * cell


def value_scale(*values) -> float:
    """The scale that shades ``values`` (arrays or numbers) by the diverging rule: their
    largest ``|v|`` (so the strongest cell takes the full hue), 1 when every value is 0.

    >>> value_scale(np.array([[10.0, 0.0]]), -30)
    30.0
    """
    top = max(float(np.max(np.abs(np.asarray(v, dtype=float)))) for v in values)
    return top if top > 0 else 1.0


def fill_in(
    grid: CellGrid, i: int, j: int, s: str, v: float, color: str | None = None
) -> tuple[VMobject, list[Animation]]:
    """Cell ``(i, j)`` of a shaded grid gets the number ``s`` and the colour of ``v``: the
    label (not added to the grid) and the animations that show both (the cell's fill turns
    to ``grid.fill_for(v)`` as the label fades in).

    >>> Z = CellGrid(shape=(1, 2), scale=30.0)
    >>> label, shown = fill_in(Z, 0, 1, "30", 30.0)
    >>> label.text, len(shown)
    ('30', 2)
    """
    label = grid.label_at(i, j, s, color)
    return label, [grid.squares[i][j].animate.set_fill(grid.fill_for(v), 1.0), Appear(label)]


class CellGrid(VGroup):
    """``n_rows x n_cols`` square cells, optionally numbered.

    Parameters
    ----------
    values : a 2-D array to write in the cells (formatted by ``format_array``), or None.
    shape : ``(n_rows, n_cols)`` when ``values`` is None (empty cells).
    cell : side of a cell, in scene units.
    color : colour of the numbers and of the cell borders' tint.
    fill : cell fill colour (None: no fill); ``fill_opacity`` its opacity.
    muted : cells drawn dimmed (e.g. the zero-padding ring), as ``(i, j)`` pairs.
    digits : decimals for non-integer values (None: ``format_array``'s choice).
    scale : shade each cell by its value (:meth:`fill_for`), overriding ``fill``; an empty
        grid's cells are shaded as they are filled, with ``grid.squares[i][j].animate
        .set_fill(grid.fill_for(v), 1)``.

    Attributes: ``squares[i][j]``, ``labels`` (``{(i, j): Text}``, part of the group),
    ``texts`` (rows of the strings drawn; None for an empty grid), ``shade_scale``.
    """

    def __init__(
        self,
        values: np.ndarray | None = None,
        shape: tuple[int, int] | None = None,
        cell: float = 0.6,
        color: str = COLORS["on_dark"],
        fill: str | None = None,
        fill_opacity: float = 0.3,
        muted: Iterable[tuple[int, int]] = (),
        digits: int | None = None,
        font_size: float | None = None,
        scale: float | None = None,
    ) -> None:
        super().__init__()
        if values is None and shape is None:
            raise ValueError("CellGrid: give values or shape")
        self.texts = None if values is None else format_array(values, digits)
        self.n_rows, self.n_cols = (
            (len(self.texts), len(self.texts[0])) if self.texts is not None else shape
        )
        self.cell = cell
        self.color = color
        self.shade_scale = scale  # not .scale: that is Mobject.scale()
        self.font_size = font_size or font_for(cell)
        muted = set(muted)
        self.squares: list[list[Square]] = []
        for i in range(self.n_rows):
            row = []
            for j in range(self.n_cols):
                sq = Square(cell).set_stroke(COLORS["muted"], 1.5, 0.8)
                if scale is not None and values is not None:
                    sq.set_fill(self.fill_for(values[i][j]), 1.0)
                elif fill is not None:
                    sq.set_fill(fill, fill_opacity)
                sq.move_to(
                    [(j - (self.n_cols - 1) / 2) * cell, ((self.n_rows - 1) / 2 - i) * cell, 0]
                )
                row.append(sq)
            self.squares.append(row)
        self.cells = VGroup(*[sq for r in self.squares for sq in r])
        self.add(self.cells)
        self.labels: dict[tuple[int, int], VMobject] = {}
        if self.texts is not None:
            for i, r in enumerate(self.texts):
                for j, s in enumerate(r):
                    c = COLORS["muted"] if (i, j) in muted else color
                    self.labels[i, j] = self.label_at(i, j, s, c)
            self.add(VGroup(*self.labels.values()))

    def fill_for(self, v: float) -> str:
        """The fill of a cell holding ``v`` under the grid's ``scale``."""
        return value_color(v, self.shade_scale or 0.0)

    def center_of(self, i: int, j: int) -> np.ndarray:
        """The centre of cell ``(i, j)`` (row ``i`` from the top)."""
        return self.squares[i][j].get_center()

    def label_at(
        self, i: int, j: int, s: str, color: str | None = None, font_size: float | None = None
    ) -> VMobject:
        """A ``Text`` ``s`` centred in cell ``(i, j)``, shrunk to fit; not added to the grid."""
        t = text(s, color or self.color, font_size or self.font_size)
        if t.width > 0.86 * self.cell:
            t.scale_to_fit_width(0.86 * self.cell)
        return t.move_to(self.center_of(i, j))

    def window(
        self, top: int, left: int, f: int, color: str = COLORS["weight"], width: float = 5
    ) -> Rectangle:
        """A frame around the ``f x f`` cells from ``(top, left)``; it may reach past the grid
        (a window that does not fit)."""
        rect = Rectangle(width=f * self.cell, height=f * self.cell).set_stroke(color, width)
        corner = self.squares[0][0].get_center() + np.array(
            [(left + (f - 1) / 2) * self.cell, -(top + (f - 1) / 2) * self.cell, 0]
        )
        return rect.move_to(corner)

    def cells_in(self, top: int, left: int, f: int) -> VGroup:
        """The squares of the ``f x f`` window at ``(top, left)`` (clipped to the grid)."""
        return VGroup(
            *[
                self.squares[i][j]
                for i in range(top, min(top + f, self.n_rows))
                for j in range(left, min(left + f, self.n_cols))
            ]
        )


class ColorScale(VGroup):
    """The strip that reads a shaded grid: ``steps`` cells from ``-scale`` to ``scale`` (or
    from 0 when ``signed`` is False) in the grid's colours, the ends and 0 labelled (in
    ``font_size``).

    Example
    -------
    >>> [t.text for t in ColorScale(30).ticks]
    ['−30', '0', '30']
    """

    def __init__(
        self,
        scale: float,
        signed: bool = True,
        width: float = 1.8,
        steps: int = 9,
        font_size: float = 14,
    ) -> None:
        super().__init__()
        low = -scale if signed else 0.0
        values = np.linspace(low, scale, steps)
        cells = VGroup(
            *[
                Rectangle(width=width / steps, height=0.16)
                .set_stroke(width=0)
                .set_fill(value_color(v, scale), 1.0)
                for v in values
            ]
        ).arrange(RIGHT, buff=0)
        frame = Rectangle(width=width, height=0.16).set_stroke(COLORS["muted"], 1).move_to(cells)
        marks = [low, 0.0, scale] if signed else [0.0, scale]
        self.ticks = VGroup(
            *[
                text(s, COLORS["muted"], font_size).next_to(
                    cells.get_left() + RIGHT * width * (v - low) / (scale - low), DOWN, buff=0.08
                )
                for v, s in zip(marks, format_array(np.array([marks]))[0], strict=True)
            ]
        )
        self.add(cells, frame, self.ticks)


def named_scale(
    scale: float,
    name: str,
    color: str,
    signed: bool = True,
    width: float = 1.8,
    font_size: float = 16,
) -> VGroup:
    """A :class:`ColorScale` with ``name`` (in ``color``) on its left: ``VGroup(label, strip)``.

    >>> named_scale(30, "Z", "#8172B3")[0].text
    'Z'
    """
    bar = ColorScale(scale, signed=signed, width=width, font_size=font_size)
    return VGroup(text(name, color, 16).next_to(bar[0], LEFT, buff=0.2), bar)
