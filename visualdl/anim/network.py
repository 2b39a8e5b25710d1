"""A neuron-layer diagram: circles per layer, lines between consecutive layers.

Example
-------
>>> from visualdl.anim.network import NetworkDiagram
>>> net = NetworkDiagram([2, 3, 1])
>>> [len(layer) for layer in net.layers], [len(e) for e in net.edges]
([2, 3, 1], [0, 6, 3])
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import DOWN, Circle, Line, VGroup

from visualdl.anim.numbers import text
from visualdl.viz.style import COLORS, value_color

__all__ = ["NetworkDiagram"]


class NetworkDiagram(VGroup):
    """Layers ``0..L`` of ``layer_dims`` left to right.

    ``layers[l]`` is a ``VGroup`` of circles; ``edges[l]`` the lines into layer ``l``
    (``edges[0]`` is empty), ordered ``(j, k)`` for unit ``j`` of layer ``l`` and ``k`` of
    layer ``l - 1`` (the order of ``W[l]``'s entries, row by row); ``labels[l]`` the text under
    layer ``l`` (``A[l]``, ``X`` for layer 0).
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        radius: float = 0.17,
        layer_gap: float = 1.2,
        unit_gap: float = 0.5,
        font_size: float = 16,
    ) -> None:
        super().__init__()
        self.layer_dims = list(layer_dims)
        self.layers: list[VGroup] = []
        for l, n in enumerate(self.layer_dims):
            kind = "input" if l == 0 else "activation"
            units = VGroup(
                *[
                    Circle(radius).set_stroke(COLORS[kind], 2).set_fill(COLORS[kind], 1.0)
                    for _ in range(n)
                ]
            )
            for j, c in enumerate(units):
                c.move_to([l * layer_gap, ((n - 1) / 2 - j) * unit_gap, 0])
            self.layers.append(units)
        self.edges: list[VGroup] = [VGroup()]
        for l in range(1, len(self.layer_dims)):
            self.edges.append(
                VGroup(
                    *[
                        Line(a.get_center(), b.get_center(), buff=radius).set_stroke(
                            COLORS["muted"], 1.5
                        )
                        for b in self.layers[l]
                        for a in self.layers[l - 1]
                    ]
                )
            )
        bottom = min(layer.get_bottom()[1] for layer in self.layers)
        self.labels = VGroup(
            *[
                text("X" if l == 0 else f"A[{l}]", COLORS["muted"], font_size)
                .move_to([layer.get_center()[0], bottom, 0])
                .shift(DOWN * 0.25)
                for l, layer in enumerate(self.layers)
            ]
        )
        self.add(*self.edges, *self.layers, self.labels)

    def shade_layer(self, l: int, values: Sequence[float], scale: float = 1.0) -> VGroup:
        """Fill layer ``l``'s circles by ``values`` (one per unit, e.g. one example's column
        of ``A[l]``) under the diverging rule; returns them (use after ``.animate``)."""
        for c, v in zip(self.layers[l], values, strict=True):
            c.set_fill(value_color(v, scale), 1.0).set_stroke(COLORS["muted"], 2)
        return self.layers[l]

    def weigh_edges(self, l: int, W: Sequence[Sequence[float]], max_width: float = 7.0) -> VGroup:
        """Draw the lines into layer ``l`` by ``W`` (``(n[l], n[l-1])``, e.g. ``W[l]`` or
        ``dW[l]``): colour by the diverging rule, width by size, both relative to the layer's
        largest ``|w|``; returns them (use after ``.animate``)."""
        flat = [float(w) for row in W for w in row]
        top = max(abs(w) for w in flat) or 1.0
        for line, w in zip(self.edges[l], flat, strict=True):
            line.set_stroke(value_color(w, top), 0.8 + max_width * abs(w) / top, 1.0)
        return self.edges[l]
