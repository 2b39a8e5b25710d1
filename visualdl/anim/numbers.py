"""Numbers on screen: one formatting rule, and matrices built from ``Text`` (no MathTex).

Every number a scene shows goes through :func:`fmt` / :func:`format_array`, so a test can
compare what is drawn with the trace it came from.

Example
-------
>>> import numpy as np
>>> from visualdl.anim.numbers import fmt, format_array
>>> fmt(-0.7349)
'−0.73'
>>> format_array(np.array([[0.0, 1.0]]))
[['0', '1']]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, Text, VGroup, VMobject

from visualdl.viz.style import COLORS, FONT

__all__ = [
    "MINUS",
    "NumberGrid",
    "digits_for",
    "fmt",
    "format_array",
    "labeled",
    "row",
    "shape_label",
    "text",
]

MINUS = "\u2212"  # a real minus sign, as wide as the plus sign


def fmt(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals and a true minus sign; ``-0.00`` prints as ``0.00``."""
    s = f"{float(value):.{digits}f}"
    if s.startswith("-"):
        s = s[1:] if float(s) == 0 else MINUS + s[1:]
    return s


def digits_for(arr: np.ndarray, digits: int = 2) -> int:
    """Decimals for an array: ``digits``, one more when every entry is below 0.1 in size."""
    a = np.abs(np.asarray(arr, dtype=float))
    return digits + 1 if a.size and 0 < a.max() < 0.1 else digits


def format_array(arr: np.ndarray, digits: int | None = None) -> list[list[str]]:
    """A 2-D array as rows of strings: integers as integers, all by :func:`fmt` (a true minus sign).

    ``digits=None`` picks them with :func:`digits_for`. 0-D and 1-D arrays become one row.
    """
    a = np.atleast_2d(np.asarray(arr, dtype=float))
    if a.ndim != 2:
        raise ValueError(f"format_array: expected at most 2 dimensions, got {a.ndim}")
    if np.all(a == np.round(a)):
        return [[fmt(v, 0) for v in r] for r in a]
    d = digits_for(a) if digits is None else digits
    return [[fmt(v, d) for v in r] for r in a]


def text(s: str, color: str = COLORS["on_dark"], font_size: float = 24, **kw) -> Text:
    """``Text`` in the shared sans-serif face.

    A scene shows the same strings many times (a digit, a label, a sign), and building a
    ``Text`` parses its glyph outlines, about 20 ms even for one number; a copy of one already
    built takes a fifth of that. So each distinct call is built once and copied after.
    """
    try:
        return _built(s, color, font_size, tuple(sorted(kw.items()))).copy()
    except TypeError:  # an unhashable option (t2c={...}): build it afresh
        return Text(s, font=FONT, font_size=font_size, color=color, **kw)


@functools.lru_cache(maxsize=2048)
def _built(s: str, color: str, font_size: float, kw: tuple) -> Text:
    return Text(s, font=FONT, font_size=font_size, color=color, **dict(kw))


def _bracket(height: float, side: int, color: str, serif: float = 0.1) -> VGroup:
    """A square bracket of ``height``; ``side=-1`` opens to the right (left bracket)."""
    top, bottom = UP * height / 2, DOWN * height / 2
    hook = RIGHT * serif * (-side)
    lines = [Line(top, bottom), Line(top, top + hook), Line(bottom, bottom + hook)]
    return VGroup(*lines).set_stroke(color, width=2)


class NumberGrid(VGroup):
    """A matrix of ``Text`` entries between square brackets, columns right-aligned.

    ``grid.texts`` holds the displayed strings (rows of str); ``grid.entries`` the ``Text``
    rows; ``grid.brackets`` the two brackets.
    """

    def __init__(
        self,
        arr: np.ndarray,
        color: str = COLORS["on_dark"],
        font_size: float = 20,
        digits: int | None = None,
        h_buff: float = 0.22,
        v_buff: float = 0.12,
    ) -> None:
        super().__init__()
        self.texts = format_array(arr, digits)
        rows = [[text(s, color, font_size) for s in r] for r in self.texts]
        n_cols = len(rows[0])
        col_w = [max(rows[i][j].width for i in range(len(rows))) for j in range(n_cols)]
        row_h = text("0", color, font_size).height
        x = 0.0
        for j in range(n_cols):
            x += col_w[j]
            for i, r in enumerate(rows):
                r[j].move_to([x - r[j].width / 2, -i * (row_h + v_buff), 0])
            x += h_buff
        self.entries = VGroup(*[VGroup(*r) for r in rows])
        h = len(rows) * row_h + (len(rows) - 1) * v_buff + 0.14
        left = _bracket(h, -1, color).next_to(self.entries, LEFT, buff=0.1)
        right = _bracket(h, 1, color).next_to(self.entries, RIGHT, buff=0.1)
        left.match_y(self.entries)
        right.match_y(self.entries)
        self.brackets = VGroup(left, right)
        self.add(self.entries, self.brackets)


def shape_label(shape: Sequence[int]) -> str:
    """``(3, 4)`` for a shape tuple."""
    return "(" + ", ".join(str(int(n)) for n in shape) + ")"


def labeled(
    mob: VMobject,
    name: VMobject | None = None,
    shape: Sequence[int] | None = None,
    muted: str = "#9A9A9A",
    font_size: float = 16,
) -> VGroup:
    """``mob`` with ``name`` above it and its shape, e.g. ``(3, 4)``, below it."""
    group = VGroup(mob)
    if name is not None:
        group.add(name.next_to(mob, UP, buff=0.15))
    if shape is not None:
        group.add(text(shape_label(shape), muted, font_size).next_to(mob, DOWN, buff=0.12))
    return group


def row(
    *parts: VMobject | str,
    color: str = COLORS["on_dark"],
    font_size: float = 28,
    buff: float = 0.22,
) -> VGroup:
    """Parts side by side, centred vertically on the first part's main mobject.

    Strings become operators (``"="``, ``"+"``, ``"×"``). A :func:`labeled` group is aligned
    by its first member (the matrix), so names and shapes stay above and below.
    """
    mobs = [text(p, color, font_size) if isinstance(p, str) else p for p in parts]
    group = VGroup(*mobs).arrange(RIGHT, buff=buff)
    for m in mobs:
        core = m[0] if isinstance(m, VGroup) and len(m) > 1 else m
        m.shift(UP * (0 - core.get_center()[1]))
    return group
