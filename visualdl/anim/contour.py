"""A contour map of a 2-D loss surface, drawn from a trace's grid, with a data -> scene map.

The grid ``X, Y, F: (n, m)`` comes from the trace (the engine evaluated the surface); this
module only finds the level lines (matplotlib's ``contourpy``, pure layout) and places them.

Example
-------
>>> import numpy as np
>>> from visualdl.anim.contour import PlaneMap, contour_lines, log_levels
>>> plane = PlaneMap(((0.0, 2.0), (0.0, 1.0)), width=4.0, height=2.0)
>>> plane.to_point(2.0, 1.0).round(6).tolist()
[2.0, 1.0, 0.0]
>>> [a.tolist() for a in plane.clip_path(np.array([1.0, 3.0]), np.array([0.5, 0.5]))]
[[1.0, 2.0], [0.5, 0.5]]
>>> X, Y = np.meshgrid(np.linspace(-1, 1, 41), np.linspace(-1, 1, 41))
>>> [len(segs) for _, segs in contour_lines(X, Y, X**2 + Y**2, [0.25, 0.5])]
[1, 1]
>>> log_levels(np.array([0.0, 1.0, 100.0]), 3).round(3).tolist()
[0.01, 1.0, 100.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import Dot, ManimColor, Rectangle, VGroup, VMobject, interpolate_color

from visualdl.viz.style import COLORS

__all__ = ["ContourMap", "PlaneMap", "contour_lines", "log_levels"]

LOW, HIGH = "#7FC6E4", "#34405E"  # level-line colours: near the minimum -> far from it
PANEL = "#171B24"  # the map's background, a shade lighter than the scene's
FILL_LOW = "#3F8398"  # the filled band at the minimum; bands darken to PANEL far from it


class PlaneMap:
    """A linear map from data ``(x, y)`` in ``bounds`` to a ``width x height`` scene box
    centred at ``center``."""

    def __init__(
        self,
        bounds: Sequence[Sequence[float]],
        width: float = 7.0,
        height: float = 5.0,
        center: Sequence[float] = (0.0, 0.0, 0.0),
    ) -> None:
        (self.x0, self.x1), (self.y0, self.y1) = bounds
        self.width, self.height = float(width), float(height)
        self.center = np.asarray(center, dtype=float)

    def to_point(self, x: float | np.ndarray, y: float | np.ndarray) -> np.ndarray:
        """Scene point(s): ``(3,)`` for scalars, ``(n, 3)`` for arrays of ``n`` points."""
        u = (np.asarray(x, dtype=float) - self.x0) / (self.x1 - self.x0) - 0.5
        v = (np.asarray(y, dtype=float) - self.y0) / (self.y1 - self.y0) - 0.5
        pts = np.stack([u * self.width, v * self.height, np.zeros_like(u)], axis=-1)
        return pts + self.center

    def vector(self, dx: float, dy: float) -> np.ndarray:
        """A data displacement ``(dx, dy)`` as a scene vector ``(3,)``."""
        return np.array(
            [dx * self.width / (self.x1 - self.x0), dy * self.height / (self.y1 - self.y0), 0.0]
        )

    def inside(self, x: float, y: float) -> bool:
        """Whether ``(x, y)`` lies in the bounds (finite and not off the map)."""
        return bool(self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1)

    def clip_path(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The path ``x, y: (n,)`` up to where it first leaves the bounds: the points inside,
        then the point where the segment out crosses the border (for runs that fly off)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        for k in range(len(x)):
            if self.inside(x[k], y[k]):
                continue
            if k == 0:
                return x[:1], y[:1]
            (xa, ya), (xb, yb) = (x[k - 1], y[k - 1]), (x[k], y[k])
            t = 1.0  # the largest fraction of the segment that stays inside
            for a, b, lo, hi in ((xa, xb, self.x0, self.x1), (ya, yb, self.y0, self.y1)):
                if b > hi:
                    t = min(t, (hi - a) / (b - a))
                elif b < lo:
                    t = min(t, (lo - a) / (b - a))
            return (np.append(x[:k], xa + t * (xb - xa)), np.append(y[:k], ya + t * (yb - ya)))
        return x, y


def log_levels(F: np.ndarray, n: int = 14, floor: float = 1e-2) -> np.ndarray:
    """``n`` levels spaced evenly in log scale from ``max(min F, floor)`` to ``max F``: level
    lines of a narrow valley are dense near the floor."""
    lo = max(float(np.nanmin(F)), floor)
    hi = float(np.nanmax(F))
    return np.geomspace(lo, hi, n)


def contour_lines(
    X: np.ndarray, Y: np.ndarray, F: np.ndarray, levels: Sequence[float]
) -> list[tuple[float, list[np.ndarray]]]:
    """For each level, the level lines of ``F`` on the grid ``X, Y: (n, m)`` as ``(k, 2)``
    arrays of data points (matplotlib's contour generator)."""
    import contourpy

    gen = contourpy.contour_generator(X, Y, F)
    return [(float(lv), [np.asarray(s) for s in gen.lines(lv) if len(s) > 1]) for lv in levels]


class ContourMap(VGroup):
    """Level lines of ``F`` placed in a framed box; ``plane`` maps data to scene points.

    ``lines`` holds one ``VMobject`` per level line (coloured from ``LOW`` near the minimum
    to ``HIGH``), ``frame`` the filled box, and ``minimum`` a small mark when ``minimum`` is
    given. :class:`~visualdl.anim.fade.Appear` and ``FadeIn`` both keep the level lines
    unfilled.
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        F: np.ndarray,
        width: float = 7.0,
        height: float = 5.0,
        levels: Sequence[float] | None = None,
        minimum: Sequence[float] | None = None,
        stroke_width: float = 1.6,
    ) -> None:
        super().__init__()
        self.bounds = ((float(X.min()), float(X.max())), (float(Y.min()), float(Y.max())))
        self.frame = Rectangle(width=width, height=height).set_stroke(COLORS["muted"], 1, 0.5)
        self.frame.set_fill(PANEL, 1.0)
        levels = log_levels(F) if levels is None else np.asarray(levels, dtype=float)
        self.F, self.levels = np.asarray(F, dtype=float), levels
        self.lines = VGroup()
        for i, (_, segments) in enumerate(contour_lines(X, Y, F, levels)):
            color = interpolate_color(
                ManimColor(LOW), ManimColor(HIGH), i / max(len(levels) - 1, 1)
            )
            for seg in segments:
                line = VMobject().set_points_as_corners(self.plane.to_point(seg[:, 0], seg[:, 1]))
                self.lines.add(line.set_stroke(color, stroke_width, opacity=0.9))
        self.add(self.frame, self.lines)
        self.minimum = VGroup()
        if minimum is not None:
            self.minimum = Dot(self.plane.to_point(*minimum), radius=0.05, color=COLORS["on_dark"])
            self.add(self.minimum)

    def shading(self) -> VGroup:
        """The bands between the level lines filled, over the box where it is now: from
        ``FILL_LOW`` in the lowest band to ``PANEL`` in the highest, one rectangle per run of
        equal band along each row of the grid (Manim 0.22's ``ImageMobject`` fails under
        Pillow 13). It is made to sit under the map (``z_index`` -1): add it once the map is
        in place."""
        band = np.searchsorted(self.levels, self.F)  # 0 below the lowest level
        n_rows, n_cols = band.shape
        plane = self.plane
        (x0, x1), (y0, y1) = self.bounds
        dx, dy = (x1 - x0) / (n_cols - 1), (y1 - y0) / (n_rows - 1)
        colors = [
            interpolate_color(ManimColor(FILL_LOW), ManimColor(PANEL), k / len(self.levels))
            for k in range(len(self.levels) + 1)
        ]
        cells = VGroup()
        for i in range(n_rows):
            j = 0
            while j < n_cols:
                k = j
                while k + 1 < n_cols and band[i, k + 1] == band[i, j]:
                    k += 1
                lo = plane.to_point(max(x0, x0 + (j - 0.5) * dx), max(y0, y0 + (i - 0.5) * dy))
                hi = plane.to_point(min(x1, x0 + (k + 0.5) * dx), min(y1, y0 + (i + 0.5) * dy))
                rect = Rectangle(width=hi[0] - lo[0], height=hi[1] - lo[1] + 0.01)
                cells.add(rect.set_stroke(width=0).set_fill(colors[band[i, j]], 1.0))
                rect.move_to((lo + hi) / 2)
                j = k + 1
        self.frame.set_fill(opacity=0.0)  # the bands are the box's fill now
        return cells.set_z_index(-1)

    @property
    def plane(self) -> PlaneMap:
        """The data -> scene map of the box where it is now (after any move or scale)."""
        return PlaneMap(self.bounds, self.frame.width, self.frame.height, self.frame.get_center())
