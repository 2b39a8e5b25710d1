"""Copy-free fades that keep each part's own opacity: for grids with translucent cell fills and
frames without fill, where :class:`visualdl.anim.fade.Appear` (which sets one opacity for the
whole family) would fill every square solid.

Each part's fill and stroke alpha is read when the animation is made and scaled by the fade's
progress; nothing is copied.

Example
-------
>>> from manim import Square
>>> from visualdl.anim.reveal import Reveal
>>> sq = Square().set_fill("#4C72B0", 0.2)
>>> anim = Reveal(sq)
>>> anim.interpolate_mobject(0.5); round(float(sq.get_fill_opacity()), 2)
0.1
"""

from __future__ import annotations

import numpy as np
from manim import Animation, Mobject, Scene, VMobject

__all__ = ["Conceal", "Reveal"]


class _Scaled(Animation):
    def __init__(self, mobject: Mobject, run_time: float = 0.5, **kwargs) -> None:
        self._alphas = [
            (m, m.fill_rgbas[:, 3].copy(), m.stroke_rgbas[:, 3].copy())
            for m in mobject.get_family()
            if isinstance(m, VMobject)
        ]
        super().__init__(mobject, run_time=run_time, **kwargs)

    def create_starting_mobject(self) -> Mobject:
        return self.mobject  # no copy

    def _scale(self, a: float) -> None:
        for m, fill, stroke in self._alphas:
            if len(m.fill_rgbas) == len(fill):
                m.fill_rgbas[:, 3] = fill * a
            if len(m.stroke_rgbas) == len(stroke):
                m.stroke_rgbas[:, 3] = stroke * a


class Reveal(_Scaled):
    """Fade in to the opacities the mobject had when the animation was made."""

    def __init__(self, mobject: Mobject, **kwargs) -> None:
        super().__init__(mobject, introducer=True, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        self._scale(float(np.clip(self.rate_func(alpha), 0, 1)))


class Conceal(_Scaled):
    """Fade out and remove; the opacities are restored afterwards, ready for reuse."""

    def __init__(self, mobject: Mobject, **kwargs) -> None:
        super().__init__(mobject, remover=True, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        self._scale(1 - float(np.clip(self.rate_func(alpha), 0, 1)))

    def clean_up_from_scene(self, scene: Scene) -> None:
        super().clean_up_from_scene(scene)
        self._scale(1.0)
