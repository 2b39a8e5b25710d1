"""Pictures of a cell along time: the folded cell with its loop, its copies unrolled along a
time axis, the gradient that flows back between them, a slider that mixes two values, and
bars of sizes over many steps on a log scale.

The blocks only place what they are given (values read from a trace, e.g. the engine's
``rnn.step`` and ``gru.step`` records); colours follow the one diverging rule of
:func:`visualdl.viz.style.value_color`. Numbers too small for :func:`~visualdl.anim.numbers.fmt`
are written by :func:`sci` (``1.7e−9``), a form the scene tests read as a number.

Example
-------
>>> from visualdl.anim.timeline import Unrolled, sci
>>> chain = Unrolled(3, spacing=2.0, start_x=-2.0)
>>> [round(float(chain.center(t)[0]), 2) for t in (1, 2, 3)], len(chain.links)
([-2.0, 0.0, 2.0], 3)
>>> sci(0.000123), sci(2.5)
('1.2e−4', '2.5e0')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    CurvedArrow,
    Line,
    Polygon,
    Rectangle,
    RoundedRectangle,
    VGroup,
    VMobject,
)

from visualdl.anim.formula import formula
from visualdl.anim.numbers import MINUS, text
from visualdl.viz.style import BACKGROUND, COLORS, mix, value_color

__all__ = [
    "CellBox",
    "GradientFlow",
    "LogBars",
    "MixBar",
    "Unrolled",
    "flow_color",
    "loop_arrow",
    "sci",
]


def sci(value: float, digits: int = 1) -> str:
    """``value`` in scientific notation with a true minus sign and no padded exponent:
    ``sci(0.000123) == "1.2e−4"``."""
    mantissa, _, exponent = f"{float(value):.{digits}e}".partition("e")
    out = f"{mantissa}e{int(exponent)}"
    return out.replace("-", MINUS)


class CellBox(VGroup):
    """A cell: a rounded box of ``width x height`` with ``label`` in it (``""``: none).

    Attributes: ``frame`` (the box), ``label`` (the ``Text``, or None)."""

    def __init__(
        self,
        label: str = "",
        width: float = 0.9,
        height: float = 0.7,
        color: str = COLORS["activation"],
        font_size: float = 18,
        fill_opacity: float = 0.18,
    ) -> None:
        super().__init__()
        self.frame = RoundedRectangle(corner_radius=0.12, width=width, height=height)
        self.frame.set_stroke(color, 2.5).set_fill(color, fill_opacity)
        self.add(self.frame)
        self.label = None
        if label:
            self.label = text(label, COLORS["on_dark"], font_size).move_to(self.frame)
            if self.label.width > 0.86 * width:
                self.label.scale_to_fit_width(0.86 * width)
            self.add(self.label)


def loop_arrow(
    box: VMobject, color: str = COLORS["activation"], gap: float = 0.22, width: float = 3
) -> CurvedArrow:
    """The folded cell's recurrence: a loop out of ``box``'s right side and back into it
    (the state fed back to the next step), ``2 gap`` between its ends."""
    start = box.get_right() + gap * UP + 0.03 * RIGHT
    end = box.get_right() + gap * DOWN + 0.03 * RIGHT
    return CurvedArrow(start, end, angle=-1.6 * np.pi, color=color, stroke_width=width)


class Unrolled(VGroup):
    """``T`` copies of a cell along time, copy ``t = 1..T`` at ``start_x + (t - 1) spacing``
    (height ``y``), each fed by an arrow from the state slot before it.

    The state ``a<t>`` of copy ``t`` sits at :meth:`state_at` ``(t)``, ``state_dx`` right of the
    copy's centre (``a<0>`` ``spacing - state_dx`` left of copy 1): the slot a column of
    width ``slot_width`` fills, so the arrows ``links[t - 1]`` (into copy ``t``) start at its
    right edge and end at the copy's box.

    Attributes: ``boxes`` (:class:`CellBox` per copy), ``links``.
    """

    def __init__(
        self,
        T: int,
        label: str = "",
        spacing: float = 2.3,
        start_x: float = -5.0,
        y: float = 0.0,
        box_width: float = 0.9,
        box_height: float = 0.7,
        state_dx: float = 0.95,
        slot_width: float = 0.36,
        color: str = COLORS["activation"],
        font_size: float = 16,
    ) -> None:
        super().__init__()
        self.T, self.spacing, self.start_x, self.y = int(T), spacing, start_x, y
        self.state_dx, self.slot_width = state_dx, slot_width
        self.boxes = VGroup(
            *[
                CellBox(label, box_width, box_height, color, font_size).move_to(self.center(t))
                for t in range(1, self.T + 1)
            ]
        )
        self.links = VGroup(
            *[
                Arrow(
                    self.state_at(t - 1) + RIGHT * (slot_width / 2 + 0.02),
                    box.get_left(),
                    buff=0.04,
                    stroke_width=3,
                    max_tip_length_to_length_ratio=0.3,
                ).set_color(COLORS["muted"])
                for t, box in enumerate(self.boxes, start=1)
            ]
        )
        self.add(self.links, self.boxes)

    def center(self, t: int) -> np.ndarray:
        """The centre of copy ``t`` (1-based, as the course counts steps)."""
        return np.array([self.start_x + (t - 1) * self.spacing, self.y, 0.0])

    def state_at(self, t: int) -> np.ndarray:
        """Where the state ``a<t>`` sits (``t = 0``: the initial state, left of copy 1)."""
        return (
            self.center(t) + RIGHT * self.state_dx
            if t
            else self.center(1) + LEFT * (self.spacing - self.state_dx)
        )

    def above(self, t: int, dy: float) -> np.ndarray:
        """The point ``dy`` above copy ``t``'s centre."""
        return self.center(t) + UP * dy

    def below(self, t: int, dy: float) -> np.ndarray:
        """The point ``dy`` below copy ``t``'s centre."""
        return self.center(t) + DOWN * dy

    def link_middle(self, t: int) -> np.ndarray:
        """The middle of the arrow into copy ``t``."""
        return self.links[t - 1].get_center()


def flow_color(size: float, scale: float) -> str:
    """The colour of a gradient of ``size`` under ``scale``: the gradient hue, fading towards
    the background as the size falls (a quarter of the hue at least, so a faint flow stays
    visible)."""
    strength = min(abs(float(size)) / scale, 1.0) if scale > 0 else 0.0
    return mix(BACKGROUND["scene"], COLORS["gradient"], 0.25 + 0.75 * strength)


class GradientFlow(VGroup):
    """An arrow from ``start`` to ``end`` carrying a gradient of ``size`` (a norm, >= 0): its
    width grows with ``size / scale`` (from ``min_width`` to ``max_width``) and its colour
    fades with it (:func:`flow_color`); ``label`` (a string, e.g. ``fmt(size)``) sits above it.

    Attributes: ``arrow``, ``label`` (the ``Text``, or None)."""

    def __init__(
        self,
        start: np.ndarray,
        end: np.ndarray,
        size: float,
        scale: float,
        label: str | None = None,
        min_width: float = 1.5,
        max_width: float = 12.0,
        font_size: float = 14,
    ) -> None:
        super().__init__()
        strength = min(abs(float(size)) / scale, 1.0) if scale > 0 else 0.0
        color = flow_color(size, scale)
        self.arrow = Arrow(
            start,
            end,
            buff=0.0,
            stroke_width=min_width + (max_width - min_width) * strength,
            max_stroke_width_to_length_ratio=40,
            max_tip_length_to_length_ratio=0.35,
        ).set_color(color)
        self.add(self.arrow)
        self.label = None
        if label is not None:
            self.label = text(label, color=COLORS["gradient"], font_size=font_size)
            self.label.next_to(self.arrow, UP, buff=0.08)
            self.add(self.label)


class MixBar(VGroup):
    """A slider that mixes an old value and a new one by a weight ``u`` in [0, 1]: a bar of
    ``width`` whose left part, ``(1 - u) width`` long, is coloured as ``old`` and whose right
    part, ``u width`` long, as ``new`` (value colours under ``scale``), with a knob at the split.
    ``u = 0`` keeps the old value, ``u = 1`` takes the new one.

    Attributes: ``old_part``, ``new_part``, ``knob``, ``frame``; :meth:`split_point` is the
    knob's place.
    """

    def __init__(
        self,
        u: float,
        old: float,
        new: float,
        scale: float,
        width: float = 2.4,
        height: float = 0.3,
    ) -> None:
        super().__init__()
        u = min(max(float(u), 0.0), 1.0)
        self.u, self.width_, self.height_ = u, width, height
        left = -width / 2
        self.old_part = Rectangle(width=max((1 - u) * width, 1e-3), height=height)
        self.old_part.set_stroke(width=0).set_fill(value_color(old, scale), 1.0)
        self.old_part.move_to([left + (1 - u) * width / 2, 0, 0])
        self.new_part = Rectangle(width=max(u * width, 1e-3), height=height)
        self.new_part.set_stroke(width=0).set_fill(value_color(new, scale), 1.0)
        self.new_part.move_to([left + (1 - u) * width + u * width / 2, 0, 0])
        self.frame = Rectangle(width=width, height=height).set_stroke(COLORS["muted"], 1.5)
        x = left + (1 - u) * width
        self.knob = VGroup(
            Line([x, -height / 2 - 0.08, 0], [x, height / 2 + 0.08, 0]).set_stroke(
                COLORS["on_dark"], 3
            ),
            Polygon(
                [x - 0.08, height / 2 + 0.2, 0], [x + 0.08, height / 2 + 0.2, 0],
                [x, height / 2 + 0.08, 0],
            ).set_stroke(width=0).set_fill(COLORS["on_dark"], 1.0),
        )  # fmt: skip
        self.add(self.old_part, self.new_part, self.frame, self.knob)

    def split_point(self) -> np.ndarray:
        """The knob's place on the bar's centre line."""
        return self.knob[0].get_center()


class LogBars(VGroup):
    """Bars of positive ``values`` (one per step, left to right) on a log scale from
    ``10**low`` (the baseline) to ``10**high`` (the top of ``height``), each coloured by
    :func:`flow_color` under the largest value, with a muted outline so the faintest still
    shows; ``ticks`` label the powers of ten every ``tick_every`` decades (formulas), at the
    left of the axis.

    Attributes: ``bars``, ``axis``, ``ticks``; :meth:`top_of` is the top of bar ``k``.
    """

    def __init__(
        self,
        values: Sequence[float],
        low: int,
        high: int,
        width: float = 11.0,
        height: float = 3.2,
        bar_ratio: float = 0.62,
        tick_every: int = 2,
        font_size: float = 18,
    ) -> None:
        super().__init__()
        v = np.asarray(values, dtype=float)
        self.low, self.high, self.height_ = low, high, height
        step = width / len(v)
        top = float(v.max()) if v.size else 1.0
        self.base_y = -height / 2
        self.bars = VGroup()
        for k, value in enumerate(v):
            h = self.level(value) - self.base_y
            bar = Rectangle(width=step * bar_ratio, height=max(h, 0.02))
            bar.set_fill(flow_color(value, top), 1.0).set_stroke(COLORS["muted"], 1, 0.7)
            bar.move_to([-width / 2 + (k + 0.5) * step, self.base_y + max(h, 0.02) / 2, 0])
            self.bars.add(bar)
        self.axis = VGroup(
            Line([-width / 2, self.base_y, 0], [width / 2, self.base_y, 0]),
            Line([-width / 2, self.base_y, 0], [-width / 2, height / 2, 0]),
        ).set_stroke(COLORS["muted"], 1.5)
        self.ticks = VGroup()
        for e in range(low, high + 1, tick_every):
            y = self.level(10.0**e)
            mark = Line([-width / 2 - 0.08, y, 0], [-width / 2, y, 0]).set_stroke(
                COLORS["muted"], 1.5
            )
            grid = Line([-width / 2, y, 0], [width / 2, y, 0]).set_stroke(COLORS["muted"], 1, 0.25)
            label = formula(f"10^{{{e}}}", COLORS["muted"], font_size)
            label.next_to(mark, LEFT, buff=0.08)
            self.ticks.add(VGroup(mark, grid, label))
        self.add(self.ticks, self.axis, self.bars)

    def level(self, value: float) -> float:
        """The height (scene y, before the group is moved) of ``value`` on the log scale,
        clipped to the axis."""
        e = np.log10(max(float(value), 10.0**self.low))
        frac = (min(e, self.high) - self.low) / (self.high - self.low)
        return self.base_y + frac * self.height_

    def top_of(self, k: int) -> np.ndarray:
        """The top centre of bar ``k``."""
        return self.bars[k].get_top()
