"""A moving dot with a fading trail, driven by a fractional step index.

A path is the ``(T + 1, 3)`` array of scene points an optimizer visited. ``Trail.set_step(s)``
puts the dot at step ``s`` (fractional: between two points it lies on the segment) and redraws
the trail as a few polylines of decreasing opacity (the last steps bright, older ones faint):
three ``VMobject`` per run instead of one mobject per step, so a race of several runs over
hundreds of steps stays cheap to render. :func:`race` animates several trails at once.

Example
-------
>>> import numpy as np
>>> from visualdl.anim.trails import path_upto
>>> pts = np.array([[0.0, 0, 0], [1, 0, 0], [1, 1, 0]])
>>> path_upto(pts, 1.5).tolist()
[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.5, 0.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from manim import Animation, Dot, Group, Mobject, VGroup, VMobject, linear

from visualdl.viz.style import COLORS

__all__ = ["Trail", "TrailRace", "path_upto"]

# (steps back from the head, stroke opacity, stroke width factor), newest band last
BANDS = ((None, 0.4, 0.7), (25, 0.6, 0.85), (8, 1.0, 1.0))


def path_upto(points: np.ndarray, s: float) -> np.ndarray:
    """The polyline through ``points[0..floor(s)]`` and the point at fractional step ``s``
    (``s`` is clipped to ``[0, T]``)."""
    T = len(points) - 1
    s = min(max(float(s), 0.0), float(T))
    k = int(np.floor(s))
    head = points[k] if k == T else points[k] + (s - k) * (points[k + 1] - points[k])
    return np.vstack([points[: k + 1], head[None]])


class Trail(VGroup):
    """A dot on ``points: (T + 1, 3)`` with a fading trail; ``set_step(s)`` moves both.

    ``bands`` lists ``(steps back, opacity, width factor)``, ``None`` meaning the whole path.
    """

    def __init__(
        self,
        points: np.ndarray,
        color: str,
        width: float = 3.0,
        dot_radius: float = 0.08,
        bands: Sequence[tuple[int | None, float, float]] = BANDS,
    ) -> None:
        super().__init__()
        self.points_ = np.asarray(points, dtype=float)
        self.bands = list(bands)
        self.lines = VGroup(
            *[VMobject().set_stroke(color, width * w, opacity=o) for _, o, w in self.bands]
        )
        self.dot = Dot(self.points_[0], radius=dot_radius, color=color)
        self.dot.set_stroke(COLORS["on_dark"], 1.2, opacity=0.9)
        self.add(self.lines, self.dot)
        self.step = 0.0
        self.set_step(0.0)

    @property
    def T(self) -> int:
        """The number of steps on the path."""
        return len(self.points_) - 1

    def set_step(self, s: float) -> Trail:
        """Put the dot at step ``s`` and redraw the trail behind it."""
        self.step = s
        pts = path_upto(self.points_, s)
        if len(pts) < 2:
            pts = np.vstack([pts, pts])
        for line, (back, _, _) in zip(self.lines, self.bands, strict=True):
            part = pts if back is None else pts[-(back + 1) :]
            line.set_points_as_corners(part if len(part) > 1 else np.vstack([part, part]))
        self.dot.move_to(pts[-1])
        return self


class TrailRace(Animation):
    """Move every trail from step ``start`` to ``end`` (a trail stops at its own last step).

    ``on_step(s)`` is called each frame with the current step, e.g. to rewrite a counter; the
    mobjects it changes must be in ``extras`` (Manim redraws only what an animation moves).
    """

    def __init__(
        self,
        trails: Sequence[Trail],
        start: float,
        end: float,
        on_step: Callable[[float], None] | None = None,
        extras: Sequence[Mobject] = (),
        **kwargs,
    ) -> None:
        self.trails, self.start, self.end, self.on_step = list(trails), start, end, on_step
        kwargs.setdefault("rate_func", linear)
        super().__init__(Group(*trails, *extras), **kwargs)

    def create_starting_mobject(self) -> Group:
        return self.mobject  # no copy: the step is all that changes

    def interpolate_mobject(self, alpha: float) -> None:
        s = self.start + self.rate_func(alpha) * (self.end - self.start)
        for tr in self.trails:
            tr.set_step(min(s, tr.T))
        if self.on_step is not None:
            self.on_step(s)
