"""Pacing as a rule: how long a scene holds what it has just shown, so a learner can check a
number before it goes.

Every new equation, matrix or grid is held fully visible for at least
``max(MIN_HOLD, PER_ENTRY * entries)`` seconds, times one pace setting (``$VISUALDL_PACE``,
default 1; 1.5 is half as fast again). Scenes call :func:`hold` for every still moment and
:func:`reading_time` where a hold is spread over animations.

Example
-------
>>> from visualdl.anim.pace import reading_time
>>> reading_time(0), reading_time(12), reading_time(40)
(2.5, 3.0, 10.0)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # reading the setting imports no Manim (the command line checks it first)
    from manim import Mobject, Scene

__all__ = ["ENV_VAR", "MIN_HOLD", "PER_ENTRY", "entries", "hold", "pace", "reading_time"]

MIN_HOLD = 2.5  #: seconds a new equation or matrix stays still, at least
PER_ENTRY = 0.25  #: seconds per number shown, when that is longer
ENV_VAR = "VISUALDL_PACE"


def pace() -> float:
    """The pace setting: ``$VISUALDL_PACE`` (a number > 0), 1 when unset; ``ValueError``
    otherwise."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{ENV_VAR} must be a number > 0 (1 is the default pace), got {raw!r}")
    return value


def reading_time(n_entries: int) -> float:
    """Seconds to hold ``n_entries`` new numbers (or one equation when 0): the rule
    ``max(MIN_HOLD, PER_ENTRY * n_entries) * pace()``."""
    return max(MIN_HOLD, PER_ENTRY * n_entries) * pace()


def entries(*mobjects: Mobject) -> int:
    """How many numbers the mobjects show: the cells of every number grid in their families
    (objects with a ``texts`` attribute, rows of strings, as ``NumberGrid`` and ``CellGrid``
    have)."""
    seen: set[int] = set()
    n = 0
    for mob in mobjects:
        for part in mob.get_family():
            texts = getattr(part, "texts", None)
            if texts is None or id(part) in seen:
                continue
            seen.add(id(part))
            n += sum(len(r) for r in texts)
    return n


def hold(scene: Scene, *shown: Mobject, n_entries: int | None = None, at_least: float = 0) -> float:
    """Hold still long enough to read ``shown`` (or ``n_entries`` numbers); returns the
    seconds waited: ``max(reading_time(...), at_least * pace())``."""
    n = entries(*shown) if n_entries is None else n_entries
    seconds = max(reading_time(n), at_least * pace())
    scene.wait(seconds)
    return seconds
