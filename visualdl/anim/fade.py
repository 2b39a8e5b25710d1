"""Copy-free fades that keep each part's own opacity and may slide.

Manim's ``FadeIn``/``FadeOut`` deep-copy their mobject two or three times, which dominates the
render time of scenes full of ``Text`` numbers. These change opacity (and position) in place
instead. Each part's fill, stroke and background-stroke alpha is read when the animation is
made and scaled by the fade's progress, so grids with translucent cell fills and frames
without fill come back as they were.

Example
-------
>>> from manim import RIGHT, Square
>>> from visualdl.anim.fade import Appear
>>> sq = Square().set_fill("#4C72B0", 0.2)
>>> anim = Appear(sq, shift=RIGHT)
>>> anim.interpolate_mobject(0.5); round(float(sq.get_fill_opacity()), 2)
0.1
>>> anim.interpolate_mobject(1.0); sq.get_center().tolist()
[0.0, 0.0, 0.0]
"""

from __future__ import annotations

import numpy as np
from manim import Animation, Mobject, Scene, VMobject

__all__ = ["Appear", "Vanish"]

_ALPHAS = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")


class _Fade(Animation):
    def __init__(
        self, mobject: Mobject, shift: np.ndarray | None = None, run_time: float = 0.5, **kwargs
    ) -> None:
        self.shift_vector = np.zeros(3) if shift is None else np.asarray(shift, dtype=float)
        self._moved = np.zeros(3)
        self._alphas = [
            (m, [getattr(m, k)[:, 3].copy() for k in _ALPHAS])
            for m in mobject.get_family()
            if isinstance(m, VMobject)
        ]
        super().__init__(mobject, run_time=run_time, **kwargs)

    def create_starting_mobject(self) -> Mobject:
        return self.mobject  # no copy: interpolation only needs alpha

    def _place(self, offset: np.ndarray) -> None:
        self.mobject.shift(offset - self._moved)
        self._moved = offset

    def _scale(self, a: float) -> None:
        """Every part at ``a`` times the opacity it had when the fade was made."""
        for m, alphas in self._alphas:
            for key, alpha in zip(_ALPHAS, alphas, strict=True):
                rgbas = getattr(m, key)
                if len(rgbas) == len(alpha):
                    rgbas[:, 3] = alpha * a

    def _progress(self, alpha: float) -> float:
        return float(np.clip(self.rate_func(alpha), 0, 1))


class Appear(_Fade):
    """Fade in to the opacities the mobject had when the animation was made, sliding in by
    ``shift`` (it ends where the mobject is now)."""

    def __init__(self, mobject: Mobject, shift: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(mobject, shift, introducer=True, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        a = self._progress(alpha)
        self._place(-self.shift_vector * (1 - a))
        self._scale(a)


class Vanish(_Fade):
    """Fade out, sliding by ``shift``; the mobject is removed, then put back to its opacities
    and its place, ready for reuse."""

    def __init__(self, mobject: Mobject, shift: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(mobject, shift, remover=True, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        a = self._progress(alpha)
        self._place(self.shift_vector * a)
        self._scale(1 - a)

    def clean_up_from_scene(self, scene: Scene) -> None:
        super().clean_up_from_scene(scene)
        self._place(np.zeros(3))
        self._scale(1.0)
