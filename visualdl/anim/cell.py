"""Building blocks of a gated recurrent cell's diagram: gates as valves, the pointwise
operation nodes (``⊙``, ``+``, ``tanh``), wires with arrow tips, and lanes whose colour and width
carry a value (the cell state's conveyor belt and the gradient flowing back along it).

A :class:`Valve` shows one gate for every unit as a bar filled to the gate's value: empty is
closed (0), full is open (1); a signed valve (the candidate ``tanh``, in ``[-1, 1]``) fills
from its middle, right for positive and left for negative. Fills are shaded by the one
diverging rule (:func:`visualdl.viz.style.value_color`). The numbers beside the bars are a
:class:`Readout`, a column of strings with ``texts`` and ``entries`` as
:class:`~visualdl.anim.numbers.NumberGrid` has them, so the pace rule and the scene tests read
it as a number grid. Rows are units everywhere: unit 1 on top.

Nothing here computes a model: values come in, already read from a trace.

Example
-------
>>> import numpy as np
>>> from visualdl.anim.cell import Readout, Valve, flow_width
>>> v = Valve("f_t", "forget", n=2)
>>> [round(float(b.width), 3) for b in v.fill_targets(np.array([[1.0], [0.25]]))]
[0.58, 0.145]
>>> Readout(np.array([[0.9], [0.25]])).texts
[['0.90'], ['0.25']]
>>> flow_width(0.5, 1.0, 8.0), flow_width(0.0, 1.0, 8.0)
(4.5, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Circle,
    Dot,
    Line,
    Rectangle,
    RoundedRectangle,
    VGroup,
    VMobject,
)

from visualdl.anim.formula import formula
from visualdl.anim.numbers import format_array, text
from visualdl.viz.style import BACKGROUND, COLORS, value_color

__all__ = ["OpNode", "Readout", "Valve", "flow_width", "junction", "lane", "wire"]

_EMPTY = 1e-3  # the width of an empty bar (Manim cannot stretch a shape to width 0)


class Readout(VGroup):
    """A column of numbers, right-aligned, rows ``pitch`` apart (top row first).

    ``texts`` are the strings shown (rows of one string, by
    :func:`~visualdl.anim.numbers.format_array`), ``entries`` the ``Text`` rows: the number
    grid interface the pace rule and the scene tests read.
    """

    def __init__(
        self,
        values: np.ndarray,
        color: str = COLORS["on_dark"],
        font_size: float = 16,
        digits: int | None = 2,
        pitch: float = 0.32,
    ) -> None:
        super().__init__()
        self.texts = format_array(np.reshape(np.asarray(values, dtype=float), (-1, 1)), digits)
        rows = [text(r[0], color, font_size) for r in self.texts]
        for i, t in enumerate(rows):
            t.move_to([-t.width / 2, -i * pitch, 0])
        self.entries = [[t] for t in rows]
        self.add(*rows)


class Valve(VGroup):
    """One gate for ``n`` units in a box: its name (``name_tex``, LaTeX) and ``role`` on top,
    under them one bar per unit, filled to the gate's value.

    ``signed`` bars (``tanh`` gates) fill from the middle over ``[-1, 1]``; the others from the
    left over ``[0, 1]``. Attributes: ``frames`` and ``fills`` (one per unit), ``header``,
    ``box``, ``pitch``. :meth:`fill_to` returns the animations that set the fills,
    :meth:`readout` the numbers to show beside them.
    """

    def __init__(
        self,
        name_tex: str,
        role: str,
        n: int,
        signed: bool = False,
        length: float = 0.58,
        bar_height: float = 0.2,
        pitch: float = 0.3,
        font_size: float = 16,
        color: str = COLORS["muted"],
    ) -> None:
        super().__init__()
        self.n, self.signed, self.length, self.pitch = n, signed, length, pitch
        self.font_size = font_size
        self.frames = VGroup()
        self.fills = VGroup()
        marks = VGroup()
        for j in range(n):
            frame = Rectangle(width=length, height=bar_height).set_stroke(color, 1.5)
            frame.move_to([0, -j * pitch, 0])
            fill = Rectangle(width=length, height=bar_height * 0.8).set_stroke(width=0)
            fill.set_fill(BACKGROUND["scene"], 1.0).stretch_to_fit_width(_EMPTY * length)
            fill.move_to(self._anchor(frame, 0.0))
            self.frames.add(frame)
            self.fills.add(fill)
            if signed:
                mid = frame.get_center()
                marks.add(
                    Line(mid + 0.7 * bar_height * UP, mid + 0.7 * bar_height * DOWN).set_stroke(
                        color, 1.5
                    )
                )
        bars = VGroup(self.frames, self.fills, marks)
        self.header = VGroup(
            formula(name_tex, COLORS["on_dark"], font_size + 4),
            text(role, COLORS["muted"], font_size - 4),
        ).arrange(RIGHT, buff=0.1, aligned_edge=DOWN)
        self.header.next_to(bars, UP, buff=0.14).align_to(bars, LEFT)
        self._numbers_x = self.frames.get_right()[0] + 0.12
        width = max(length + 0.7, self.header.width) + 0.24
        body = VGroup(bars, self.header)
        self.box = RoundedRectangle(corner_radius=0.08, width=width, height=body.height + 0.24)
        self.box.set_stroke(color, 1.5).set_fill(BACKGROUND["scene"], 1.0)
        self.box.move_to(body).align_to(bars, LEFT).shift(0.12 * LEFT)
        self.add(self.box, bars, self.header)

    def _anchor(self, frame: VMobject, w: float, negative: bool = False) -> np.ndarray:
        """Centre of a fill ``w`` wide in ``frame``: from its left edge, or from its middle
        (to the left for ``negative``) on a signed valve."""
        if not self.signed:
            return frame.get_left() + w / 2 * RIGHT
        return frame.get_center() + (w / 2) * (LEFT if negative else RIGHT)

    def fill_targets(self, values: np.ndarray) -> list[Rectangle]:
        """The fills as ``values`` (``(n, 1)``, one per unit) set them (new shapes, not shown)."""
        out = []
        for j, (frame, fill) in enumerate(zip(self.frames, self.fills, strict=True)):
            v = float(np.reshape(values, -1)[j])
            span = self.length / 2 if self.signed else self.length
            w = max(min(abs(v), 1.0), _EMPTY) * span
            target = fill.copy().stretch_to_fit_width(w)
            target.set_fill(value_color(v, 1.0), 1.0)
            out.append(target.move_to(self._anchor(frame, w, v < 0)))
        return out

    def fill_to(self, values: np.ndarray) -> list[Animation]:
        """Animations that fill every bar to its unit's value."""
        from manim import Transform

        return [
            Transform(fill, target)
            for fill, target in zip(self.fills, self.fill_targets(values), strict=True)
        ]

    def set_fills(self, values: np.ndarray) -> Valve:
        """Fill the bars to ``values`` at once."""
        for fill, target in zip(self.fills, self.fill_targets(values), strict=True):
            fill.become(target)
        return self

    def readout(self, values: np.ndarray, digits: int | None = 2) -> Readout:
        """The numbers of ``values`` beside the bars, right-aligned in the box (not shown)."""
        r = Readout(values, COLORS["on_dark"], self.font_size, digits, self.pitch)
        first = r.entries[0][0].get_center()[1]
        right = self.box.get_right()[0] - 0.1
        return r.shift((right - r.get_right()[0]) * RIGHT + (self.frames[0].get_y() - first) * UP)

    def bar(self, j: int) -> Rectangle:
        """The frame of unit ``j``'s bar (0-based)."""
        return self.frames[j]

    @property
    def top(self) -> np.ndarray:
        return self.box.get_top()

    @property
    def bottom(self) -> np.ndarray:
        return self.box.get_bottom()


class OpNode(VGroup):
    """A pointwise operation: ``symbol`` (``"⊙"``, ``"+"``) in a circle of ``radius``, or a word
    (``"tanh"``) in a rounded box as tall; ``shape`` is the circle or box."""

    def __init__(
        self,
        symbol: str,
        radius: float = 0.2,
        color: str = COLORS["on_dark"],
        font_size: float | None = None,
    ) -> None:
        super().__init__()
        size = font_size or (radius * 110 if len(symbol) == 1 else radius * 75)
        self.label = text(symbol, color, size)
        if len(symbol) == 1:
            self.shape = Circle(radius)
        else:
            self.shape = RoundedRectangle(
                corner_radius=radius * 0.6, width=self.label.width + 0.2, height=2 * radius
            )
        self.shape.set_stroke(color, 2).set_fill(BACKGROUND["scene"], 1.0)
        self.label.move_to(self.shape)
        self.add(self.shape, self.label)


def wire(
    *points: Sequence[float],
    color: str = COLORS["muted"],
    width: float = 2.5,
    tip: bool = True,
    tip_length: float = 0.14,
) -> VGroup:
    """A polyline through ``points`` (at least two), with an arrow tip at the last one."""
    pts = [np.array([*p[:2], 0.0]) for p in points]
    segments = VGroup(
        *[Line(a, b).set_stroke(color, width) for a, b in zip(pts[:-1], pts[1:], strict=True)]
    )
    if tip:
        segments[-1].add_tip(tip_length=tip_length, tip_width=tip_length * 0.9)
        segments[-1].tip.set_fill(color, 1.0).set_stroke(color, 1)
    return segments


def junction(point: Sequence[float], color: str = COLORS["muted"], radius: float = 0.05) -> Dot:
    """A dot where a wire branches."""
    return Dot([*point[:2], 0.0], radius=radius, color=color)


def flow_width(value: float, scale: float, max_width: float = 10.0, min_width: float = 1.0):
    """The stroke width of a lane carrying ``value``: ``min_width`` at 0, ``max_width`` at
    ``|value| >= scale``, linear between."""
    if not scale > 0:
        return min_width
    return min_width + (max_width - min_width) * min(abs(float(value)) / scale, 1.0)


def lane(
    start: Sequence[float],
    end: Sequence[float],
    value: float,
    scale: float,
    max_width: float = 10.0,
    tip: bool = False,
) -> Line:
    """A straight lane from ``start`` to ``end`` shaded by ``value`` under the diverging rule
    and as wide as :func:`flow_width` says (a tip at ``end`` when asked)."""
    line = Line([*start[:2], 0.0], [*end[:2], 0.0])
    color = value_color(value, scale)
    line.set_stroke(color, flow_width(value, scale, max_width), 1.0)
    if tip:
        line.add_tip(tip_length=0.14, tip_width=0.13)
        line.tip.set_fill(color, 1.0).set_stroke(color, 1)
    return line
