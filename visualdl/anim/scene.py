"""``TraceScene``: the base of every visualdl scene, with the style's dark background, a title
card at the top left and the shared caption helpers. It keeps the beats it played
(``self.beats``, :mod:`visualdl.anim.beats`), each with what it showed.

Example
-------
>>> from visualdl.anim.scene import TraceScene
>>> TraceScene.title_size, TraceScene.title_buff
(28, 0.35)
"""

from __future__ import annotations

from typing import Any

from manim import DOWN, LEFT, UL, UP, Animation, Mobject, Scene, Text, VGroup

from visualdl.anim import beats
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.numbers import shape_label, text
from visualdl.viz.style import BACKGROUND, COLORS

__all__ = ["TraceScene"]


class TraceScene(Scene):
    """A scene on ``BACKGROUND["scene"]``; ``self.title`` is the current title card."""

    title_size: float = 28
    title_buff: float = 0.35
    title: Text

    def setup(self) -> None:
        super().setup()
        self.camera.background_color = BACKGROUND["scene"]
        self.beats: list[beats.Beat] = []
        self.beat_now: beats.Beat | None = None

    def play(self, *args: Any, **kwargs: Any) -> None:
        """Play, then let the current beat note what is on screen."""
        super().play(*args, **kwargs)
        beats.notice(self)

    def title_card(self, s: str, color: str = COLORS["on_dark"], bold: bool = True) -> Text:
        """A title at the top left (not shown yet)."""
        weight = {"weight": "BOLD"} if bold else {}
        return text(s, color, self.title_size, **weight).to_corner(UL, buff=self.title_buff)

    def show_title(self) -> None:
        """Show ``self.title`` at once, not faded in: frame 0 of the video, which players use as
        its thumbnail, is then the title card rather than a black frame."""
        self.add(self.title)

    def subtitle(self, s: str, buff: float = 0.15) -> Text:
        """A muted line under the title, left-aligned with it (not shown yet)."""
        return text(s, COLORS["muted"], 18).next_to(self.title, DOWN, aligned_edge=LEFT, buff=buff)

    def swap_title(self, s: str, *also: Animation, color: str = COLORS["on_dark"]) -> None:
        """Fade the title out and ``s`` (in ``color``) in at its place; ``also`` play
        alongside."""
        new = self.title_card(s, color)
        self.play(Vanish(self.title, run_time=0.2), Appear(new, run_time=0.3), *also)
        self.title = new

    def caption(self, mob: Mobject, name: str, shape: tuple, color: str) -> VGroup:
        """``name`` above ``mob`` in ``color``, its shape muted below (not shown yet)."""
        return VGroup(
            text(name, color, 20).next_to(mob, UP, buff=0.15),
            text(shape_label(shape), COLORS["muted"], 16).next_to(mob, DOWN, buff=0.12),
        )
