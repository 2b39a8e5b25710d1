"""One teaching step: a formula, and under it the numbers it produces.

A step is ``formula`` over a row ``operand op operand ... = result``; each operand is a
:class:`Term` (a named array drawn as a :class:`~visualdl.anim.numbers.NumberGrid` with its
name above and its shape below, in the quantity's colour) or an operator string.

Example
-------
>>> import numpy as np
>>> from visualdl.anim.steps import EquationStep, Term
>>> step = EquationStep(r"A = g(Z)", ["g(", Term("Z", np.ones((1, 2)), "Z"), ")"],
...                     Term("A", np.ones((1, 2)), "A"))
>>> step.result.grid.texts
[['1', '1']]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from manim import DOWN, RIGHT, UP, Scene, VGroup, VMobject

from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula, tidy
from visualdl.anim.numbers import NumberGrid, labeled, row, text
from visualdl.anim.pace import hold
from visualdl.viz.style import COLORS, color_for

__all__ = ["EquationStep", "Term", "show_step"]


@dataclass
class Term:
    """A named array on screen: ``tex`` is its name in LaTeX (``W^{[1]}``), ``quantity`` picks
    the colour (``"W"``, ``"dZ"``, ... see :func:`visualdl.viz.style.color_for`)."""

    tex: str
    array: np.ndarray
    quantity: str
    digits: int | None = None
    color: str | None = None

    def mobject(self, font_size: float = 22) -> VGroup:
        """Grid with name above and shape below; ``.grid`` is the :class:`NumberGrid`."""
        color = self.color or color_for(self.quantity)
        grid = NumberGrid(self.array, color, font_size, self.digits)
        name = formula(self.tex, color, font_size + 3)
        group = labeled(grid, name, np.shape(self.array), COLORS["muted"])
        group.grid = grid
        group.term = (self.tex, grid.texts)  # what a beat records of it (visualdl.anim.beats)
        return group


class EquationStep(VGroup):
    """``formula_tex`` centred above ``parts = result``.

    ``parts`` are :class:`Term`, operator strings or ready mobjects. Attributes: ``formula``,
    ``operands`` (the parts' mobjects), ``equals``, ``result`` (its ``.grid`` when a Term),
    ``row``.
    """

    def __init__(
        self,
        formula_tex: str,
        parts: Sequence[Term | str | VMobject],
        result: Term | VMobject,
        font_size: float = 22,
        formula_size: float = 40,
        max_width: float = 12.8,
    ) -> None:
        super().__init__()
        self.formula = formula(formula_tex, COLORS["on_dark"], formula_size)
        self.result = result.mobject(font_size) if isinstance(result, Term) else result
        if hasattr(self.result, "original_text"):  # a number: a beat records it by name
            self.result.named = tidy(formula_tex).split("=")[0].strip()
        self.operands = [
            p.mobject(font_size)
            if isinstance(p, Term)
            else text(p, COLORS["on_dark"], font_size + 8)
            if isinstance(p, str)
            else p
            for p in parts
        ]
        self.row = row(*self.operands, "=", self.result, font_size=font_size + 8)
        self.equals = self.row[-2]
        if self.row.width > max_width:
            self.row.scale_to_fit_width(max_width)
        self.formula.next_to(self.row, UP, buff=0.45)
        self.add(self.formula, self.row)


def show_step(
    scene: Scene,
    step: EquationStep,
    previous: VMobject | None = None,
    extra: Sequence = (),
    worked: Callable[[], None] | None = None,
) -> None:
    """Fade ``previous`` out, bring in the formula with the operands and hold them for
    reading, run ``worked`` (e.g. one entry computed by hand), then bring in the result and
    hold it (:func:`visualdl.anim.pace.hold`); ``extra`` animations play alongside the
    operands (e.g. a diagram highlight)."""
    if previous is not None:
        scene.play(Vanish(previous), run_time=0.25)
    scene.play(
        Appear(step.formula, shift=0.2 * DOWN),
        *[Appear(m) for m in step.operands],
        *extra,
        run_time=0.6,
    )
    hold(scene, step.formula, *step.operands)
    if worked is not None:
        worked()
    scene.play(Appear(step.equals), Appear(step.result, shift=0.3 * RIGHT), run_time=0.6)
    hold(scene, step.result)
