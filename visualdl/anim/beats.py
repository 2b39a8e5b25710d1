"""A scene's named beats: what each shows, recorded as the scene plays.

A beat is a method of a scene marked with :func:`beat`, which keeps one or two sentences
beside it (``say``: what a teacher says over it). While the scene renders, each beat records
the animations it played (``first`` up to ``end``, indices into the renderer's plays), its
title, the formulas, arrays and numbered lines it put on screen, and its last frame. The
slides (:mod:`visualdl.slides`) cut the video at these boundaries and write the notes and the
handout from what was recorded: the scene is written once.

Animations played outside any beat join the next beat, so the beats partition the video.
A beat called inside another joins the outer one; a beat called with arguments is named with
them (``"step (3)"``), one beat per call.

Example
-------
>>> from visualdl.anim.beats import Beat
>>> b = Beat("forward", "Each layer multiplies, adds and squashes.", first=2, end=9)
>>> b.label, b.end - b.first
('forward', 7)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

__all__ = ["Beat", "beat", "finish", "notice", "start"]

F = TypeVar("F", bound=Callable[..., Any])
#: words that state a number: a digit and an "=", "→" or ":" (a worked entry, "J: 0.4 → 0.3")
_STATES = re.compile(r"\d.*[=→:]|[=→:].*\d")


@dataclass
class Beat:
    """One beat of a scene as rendered.

    Attributes
    ----------
    name : the method's name, with its arguments when it has any (``"step (2)"``).
    say : the sentences kept beside the beat (:func:`beat`).
    first, end : the beat's animations are plays ``first .. end - 1`` of the scene.
    heading : the scene's title when the beat ended.
    formulas : LaTeX of the formulas shown (``formula(...)``), each once, in order.
    arrays : ``(name in LaTeX, rows of the strings drawn)`` of each named array shown
        (a ``Term``), each in the first beat that shows it.
    lines : the words shown that state a number (a worked entry, ``J: 0.375 → 0.368``), each
        in the first beat that shows it.
    frame : the beat's last frame, ``(height, width, 3)`` RGB ``uint8``.
    """

    name: str
    say: str
    first: int = 0
    end: int = 0
    heading: str = ""
    formulas: list[str] = field(default_factory=list)
    arrays: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    frame: np.ndarray | None = None

    @property
    def label(self) -> str:
        """The beat's name in words: ``"first_step"`` -> ``"first step"``."""
        return self.name.replace("_", " ")


def beat(say: str) -> Callable[[F], F]:
    """Mark a scene method as a beat, with ``say`` (one or two sentences, no numbers: those
    come from the trace) for the presenter's notes."""
    say = " ".join(say.split())
    if not say:
        raise ValueError("beat: say must hold a sentence")

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(scene: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(scene, "beat_now", None) is not None:  # nested: part of the outer one
                return method(scene, *args, **kwargs)
            shown = ", ".join(map(str, (*args, *kwargs.values())))
            start(scene, Beat(method.__name__ + (f" ({shown})" if shown else ""), say))
            try:
                return method(scene, *args, **kwargs)
            finally:
                finish(scene)

        run.say = say
        return run  # type: ignore[return-value]

    return wrap


def start(scene: Any, b: Beat) -> None:
    """Begin beat ``b`` where the last one ended (the first at play 0)."""
    beats = scene.beats
    b.first = beats[-1].end if beats else 0
    scene.beat_now = b


def finish(scene: Any) -> None:
    """End the current beat: its last play, its heading and its last frame."""
    b = scene.beat_now
    notice(scene)
    b.end = scene.renderer.num_plays
    title = getattr(scene, "title", None)
    b.heading = getattr(title, "original_text", "") if title is not None else ""
    # what stays up (a legend, the data) is recorded by the first beat that shows it
    b.lines = [s for s in b.lines if s != b.heading and all(s not in a.lines for a in scene.beats)]
    b.arrays = [x for x in b.arrays if all(x not in a.arrays for a in scene.beats)]
    scene.renderer.update_frame(scene)
    b.frame = np.array(scene.renderer.get_frame()[..., :3], dtype=np.uint8)
    scene.beats.append(b)
    scene.beat_now = None


def notice(scene: Any) -> None:
    """Record on the current beat the formulas, arrays and numbered lines now on screen."""
    b = scene.beat_now
    if b is None:
        return
    todo = list(reversed(scene.mobjects))  # a stack: visited in drawing order
    while todo:
        mob = todo.pop()
        if hasattr(mob, "tex"):
            if "=" in mob.tex and mob.tex not in b.formulas:
                b.formulas.append(mob.tex)
        elif hasattr(mob, "term"):
            if mob.term not in b.arrays:
                b.arrays.append(mob.term)
        elif getattr(mob, "texts", None) is not None:
            pass  # a grid with no name: on paper its numbers say nothing; the frame shows them
        elif hasattr(mob, "original_text"):
            s = " ".join(mob.original_text.split())
            if hasattr(mob, "named"):  # a number an equation gives (EquationStep's result)
                s = f"{mob.named} = {s}"
            if _STATES.search(s) and mob is not getattr(scene, "title", None) and s not in b.lines:
                b.lines.append(s)
        else:
            todo.extend(reversed(mob.submobjects))
