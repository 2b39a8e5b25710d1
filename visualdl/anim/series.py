"""A small time-series panel: values per step as dots or a polyline around a zero line.

Used to put a gradient component ``g_t`` beside its running average ``v_t``. The panel only
places values it is given (no model math).

Example
-------
>>> from visualdl.anim.series import SeriesPanel
>>> p = SeriesPanel(steps=10, limit=2.0, width=4.0, height=1.0)
>>> p.point(0, 0.0).round(3).tolist(), p.point(10, 2.0).round(3).tolist()
([-2.0, 0.0, 0.0], [2.0, 0.5, 0.0])
>>> [t.text for t in p.ticks]
['2', '0', '−2']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import LEFT, RIGHT, UP, Dot, Line, Rectangle, VGroup, VMobject

from visualdl.anim.contour import PANEL
from visualdl.anim.numbers import format_array, text
from visualdl.viz.style import COLORS

__all__ = ["SeriesPanel", "nice_tick"]


def nice_tick(limit: float) -> float:
    """The largest of 1, 2, 5 times a power of ten that is at most ``limit`` (> 0).

    >>> nice_tick(4.4), nice_tick(1.1), nice_tick(0.37)
    (2.0, 1.0, 0.2)
    """
    k = 10.0 ** np.floor(np.log10(limit))
    return float(next(m * k for m in (5, 2, 1) if m * k <= limit))


class SeriesPanel(VGroup):
    """Steps ``0..steps`` left to right, values in ``[-limit, limit]`` bottom to top, in a
    ``width x height`` box with a zero line, a ``title`` above its left edge and its scale:
    ``ticks``, the labels of 0 and of plus and minus :func:`nice_tick` at the left edge."""

    def __init__(
        self,
        steps: int,
        limit: float,
        width: float = 5.0,
        height: float = 1.2,
        title: str = "",
        font_size: float = 16,
    ) -> None:
        super().__init__()
        self.steps, self.limit = int(steps), float(limit)
        self.box = Rectangle(width=width, height=height).set_stroke(COLORS["muted"], 1, 0.4)
        self.box.set_fill(PANEL, 1.0)  # opaque, so fading the panel in never fills it white
        self.zero = Line(self.box.get_left(), self.box.get_right())
        self.zero.set_stroke(COLORS["muted"], 1, 0.6)
        self.add(self.box, self.zero)
        self.title = text(title, COLORS["muted"], font_size)
        self.title.next_to(self.box, UP, aligned_edge=LEFT, buff=0.08)
        self.add(self.title)
        t = nice_tick(self.limit)
        marks = (t, 0.0, -t)
        self.ticks = VGroup(
            *[
                text(label, COLORS["muted"], font_size - 2).next_to(
                    self.point(0, v), LEFT, buff=0.08
                )
                for v, label in zip(marks, format_array(np.array([marks]))[0], strict=True)
            ]
        )
        notches = [
            Line(self.point(0, v), self.point(0, v) + 0.08 * RIGHT).set_stroke(COLORS["muted"], 1)
            for v in (t, -t)
        ]
        self.add(self.ticks, *notches)

    def point(self, i: float, value: float) -> np.ndarray:
        """The scene point of ``value`` at step ``i`` (values beyond ``limit`` are clipped)."""
        left, right = self.box.get_left()[0], self.box.get_right()[0]
        x = left + (right - left) * i / max(self.steps, 1)
        v = min(max(float(value), -self.limit), self.limit)
        return np.array([x, self.zero.get_center()[1] + v / self.limit * self.box.height / 2, 0])

    def dot(self, i: float, value: float, color: str, radius: float = 0.045) -> Dot:
        """One value as a dot."""
        return Dot(self.point(i, value), radius=radius, color=color)

    def polyline(self, values: Sequence[float], color: str, width: float = 3.0, start: int = 0):
        """``values`` at steps ``start, start + 1, ...`` joined by straight lines (stroke only:
        bring it in with ``Create`` or ``FadeIn``)."""
        pts = [self.point(start + i, v) for i, v in enumerate(values)]
        if len(pts) == 1:
            pts = pts * 2
        return VMobject().set_points_as_corners(pts).set_stroke(color, width)
