"""Copy-free fades: Manim's ``FadeIn``/``FadeOut`` deep-copy their mobject two or three times,
which dominates the render time of scenes full of ``Text`` numbers. These change opacity (and
position) in place instead. Use them on fully opaque mobjects (text, matrices, formulas).

Example
-------
>>> from visualdl.anim.fade import Appear, Vanish
>>> from visualdl.anim.numbers import text
>>> Appear(text("0.73")).run_time
0.6
"""

from __future__ import annotations

import numpy as np
from manim import Animation, Mobject, Scene

__all__ = ["Appear", "Vanish"]


class _Fade(Animation):
    def __init__(
        self, mobject: Mobject, shift: np.ndarray | None = None, run_time: float = 0.6, **kwargs
    ) -> None:
        self.shift_vector = np.zeros(3) if shift is None else np.asarray(shift, dtype=float)
        self._moved = np.zeros(3)
        super().__init__(mobject, run_time=run_time, **kwargs)

    def create_starting_mobject(self) -> Mobject:
        return self.mobject  # no copy: interpolation only needs alpha

    def _place(self, offset: np.ndarray) -> None:
        self.mobject.shift(offset - self._moved)
        self._moved = offset


class Appear(_Fade):
    """Fade in from transparent, sliding in by ``shift`` (ends where the mobject is now)."""

    def __init__(self, mobject: Mobject, shift: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(mobject, shift, introducer=True, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        self._place(-self.shift_vector * (1 - a))
        self.mobject.set_opacity(a)


class Vanish(_Fade):
    """Fade out, sliding by ``shift``; the mobject is removed, then put back to opacity 1 and
    its place, ready for reuse."""

    def __init__(self, mobject: Mobject, shift: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(mobject, shift, remover=True, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        self._place(self.shift_vector * a)
        self.mobject.set_opacity(1 - a)

    def clean_up_from_scene(self, scene: Scene) -> None:
        super().clean_up_from_scene(scene)
        self._place(np.zeros(3))
        self.mobject.set_opacity(1.0)
