"""Computational-graph pieces: labelled nodes, arrows between them, value tags.

Example
-------
>>> from manim import RIGHT
>>> from visualdl.anim.graph import GraphNode, edge
>>> a, b = GraphNode("z"), GraphNode("a").shift(2 * RIGHT)
>>> edge(a, b).get_length() > 0
True
"""

from __future__ import annotations

from manim import DOWN, Arrow, RoundedRectangle, VGroup, VMobject

from visualdl.anim.numbers import text
from visualdl.viz.style import COLORS

__all__ = ["GraphNode", "edge", "value_tag"]


class GraphNode(VGroup):
    """A rounded box around a label (a string becomes ``Text``, or pass any mobject)."""

    def __init__(
        self,
        label: str | VMobject,
        color: str = COLORS["muted"],
        font_size: float = 26,
        pad: float = 0.18,
        min_width: float = 0.6,
    ) -> None:
        super().__init__()
        self.label = text(label, COLORS["on_dark"], font_size) if isinstance(label, str) else label
        w = max(self.label.width + 2 * pad, min_width)
        h = max(self.label.height + 2 * pad, 0.55)
        self.box = RoundedRectangle(corner_radius=0.12, width=w, height=h)
        self.box.set_stroke(color, 2).set_fill(color, 1.0)
        self.label.move_to(self.box)
        self.add(self.box, self.label)


def edge(a: VMobject, b: VMobject, color: str = COLORS["muted"], width: float = 2.5) -> Arrow:
    """An arrow from the right side of ``a`` to the left side of ``b``."""
    return Arrow(
        a.get_right(),
        b.get_left(),
        buff=0.05,
        stroke_width=width,
        max_tip_length_to_length_ratio=0.08,
        tip_length=0.18,
    ).set_color(color)


def value_tag(
    s: str, color: str, under: VMobject, font_size: float = 20, direction=DOWN, buff: float = 0.12
) -> VMobject:
    """A small ``Text`` value placed next to ``under`` (below by default)."""
    return text(s, color, font_size).next_to(under, direction, buff=buff)
