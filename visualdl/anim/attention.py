"""Grids whose rows and columns are tokens: the picture of ``Q``, ``K``, ``V`` (one row per
position) and of an attention matrix (queries down, keys across), for the attention scenes.

:class:`TokenGrid` is a :class:`~visualdl.anim.grid.CellGrid` (``.grid``) with a token name
left of each row and, optionally, above each column. Its cells may start empty and be filled a
row at a time (:meth:`TokenGrid.fill_row`: each cell gets its number and its colour under the
grid's ``scale``, the diverging rule of :func:`visualdl.viz.style.value_color`), which is how a
scores or weights matrix fills in query by query. The new numbers fade in as mobjects of their
own (an animation that introduces a part of a group already on screen would break the group
up); after the play, :meth:`TokenGrid.settle` moves them into the grid, so that the grid and its
numbers then move and vanish as one; :meth:`TokenGrid.row_frame` and
:meth:`TokenGrid.column_frame` frame the row of one query or the column of one key. Like every
picture here it only draws numbers it is given (from a trace); it does no model math.

Example
-------
>>> import numpy as np
>>> from visualdl.anim.attention import TokenGrid
>>> A = TokenGrid(shape=(2, 2), rows=["I", "run"], cols=["I", "run"], scale=1.0)
>>> [t.text for t in A.row_labels], A.grid.n_rows
(['I', 'run'], 2)
>>> shown = A.fill_row(1, np.array([0.25, 0.75]))
>>> len(shown), [t.text for t in A.pending]
(4, ['0.25', '0.75'])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import LEFT, UP, Animation, Rectangle, Scene, VGroup

from visualdl.anim.grid import CellGrid, fill_in
from visualdl.anim.numbers import fmt, text
from visualdl.viz.style import COLORS

__all__ = ["TokenGrid"]


class TokenGrid(VGroup):
    """A grid of cells with token names on its rows (left) and optionally its columns (above).

    Parameters
    ----------
    values : a 2-D array to write in the cells now, or None for empty cells (``shape``).
    shape : ``(n_rows, n_cols)`` when ``values`` is None.
    rows : a name per row (drawn right-aligned left of the row), or empty.
    cols : a name per column (drawn above it), or empty; shrunk to the cell's width, or with
        ``stagger`` set, alternately higher and lower so that a name may take two cells'.
    cell, scale, digits, font_size, color : as :class:`~visualdl.anim.grid.CellGrid`
        (``scale`` shades each cell by its value; None leaves the cells unfilled).
    label_size, label_color : the names' font size and colour.

    Attributes: ``grid`` (the ``CellGrid``), ``row_labels``, ``col_labels``, ``pending`` (the
    numbers :meth:`fill_row` made, not yet part of the group), ``filled`` (those that
    :meth:`settle` moved in).
    """

    def __init__(
        self,
        values: np.ndarray | None = None,
        shape: tuple[int, int] | None = None,
        rows: Sequence[str] = (),
        cols: Sequence[str] = (),
        cell: float = 0.5,
        scale: float | None = None,
        digits: int | None = None,
        font_size: float | None = None,
        color: str = COLORS["on_dark"],
        label_size: float = 15,
        label_color: str = COLORS["muted"],
        stagger: bool = False,
    ) -> None:
        super().__init__()
        self.grid = CellGrid(
            values, shape, cell=cell, scale=scale, digits=digits, font_size=font_size, color=color
        )
        self.cell = cell
        n_rows, n_cols = self.grid.n_rows, self.grid.n_cols
        if (rows and len(rows) != n_rows) or (cols and len(cols) != n_cols):
            raise ValueError(
                f"TokenGrid: expected {n_rows} row names and {n_cols} column names, got "
                f"{len(rows)} and {len(cols)}"
            )
        self.row_labels = VGroup(
            *[
                text(name, label_color, label_size).next_to(self.grid.squares[i][0], LEFT, 0.12)
                for i, name in enumerate(rows)
            ]
        )
        self.col_labels = VGroup()
        room = (1.9 if stagger else 0.9) * cell
        for j, name in enumerate(cols):
            t = text(name, label_color, label_size)
            if t.width > room:
                t.scale_to_fit_width(room)
            t.next_to(self.grid.squares[0][j], UP, buff=0.08)
            if stagger and j % 2:
                t.shift((t.height + 0.06) * UP)
            self.col_labels.add(t)
        self.filled = VGroup()
        self.pending: list = []
        self.add(self.grid, self.row_labels, self.col_labels, self.filled)

    def fill_row(
        self, i: int, values: np.ndarray, digits: int = 2, color: str | None = None
    ) -> list[Animation]:
        """Write ``values`` (one per column, formatted by ``fmt`` at ``digits``) into row ``i``
        and colour its cells: the animations that show it (the labels wait in
        :attr:`pending` for :meth:`settle`)."""
        shown: list[Animation] = []
        for j, v in enumerate(np.asarray(values, dtype=float).ravel()):
            label, anims = fill_in(self.grid, i, j, fmt(v, digits), float(v), color)
            self.pending.append(label)
            shown += anims
        return shown

    def settle(self, scene: Scene) -> None:
        """After the play that showed :meth:`fill_row`'s numbers: take them off the scene's
        top level and into :attr:`filled` (they stay on screen, now with the grid)."""
        if self.pending:
            scene.remove(*self.pending)
            self.filled.add(*self.pending)
            self.pending = []

    def row_frame(self, i: int, color: str = COLORS["loss"], width: float = 4) -> Rectangle:
        """A frame around row ``i``'s cells (not shown yet)."""
        g = self.grid
        rect = Rectangle(width=g.n_cols * g.cell, height=g.cell).set_stroke(color, width)
        return rect.move_to((g.center_of(i, 0) + g.center_of(i, g.n_cols - 1)) / 2)

    def column_frame(self, j: int, color: str = COLORS["loss"], width: float = 4) -> Rectangle:
        """A frame around column ``j``'s cells (not shown yet)."""
        g = self.grid
        rect = Rectangle(width=g.cell, height=g.n_rows * g.cell).set_stroke(color, width)
        return rect.move_to((g.center_of(0, j) + g.center_of(g.n_rows - 1, j)) / 2)

    def row_y(self, i: int) -> float:
        """The height of row ``i``'s centre."""
        return float(self.grid.center_of(i, 0)[1])
