"""An exercise: a task in the notes' notation, a signature, the engine's answer, and the
engine's own wrong variants that name a learner's mistake.

An :class:`Exercise` is data. :func:`visualdl.exercises.check` runs a learner's function on the
exercise's generated cases (shapes picked so that a broadcasting accident or a transpose shows,
``m != n``) and compares it with :attr:`Exercise.reference`, an engine function the suite has
verified against its SymPy derivation. Where the answer is wrong, each :class:`Mistake` of the
exercise, a deliberately wrong variant with the reference's signature, is run on the same case:
the one that gives what the learner gave names the mistake. The list grows by adding variants.

Example
-------
>>> import numpy as np
>>> ex = Exercise(
...     name="double", chapter="demo", title="Double it",
...     task="Return 2 Z.", signature="def double(Z)",
...     reference=lambda Z: 2 * Z,
...     cases=lambda rng: [{"Z": rng.standard_normal((2, 3))}],
...     mistakes=(Mistake("squared", "Z * Z, not 2 Z", lambda Z: Z * Z),),
... )
>>> ex.function, ex.starter.splitlines()[0]
('double', 'def double(Z):')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Case", "Exercise", "Mistake"]

Case = dict[str, Any]
"""One call's keyword arguments (arrays, numbers)."""


@dataclass(frozen=True)
class Mistake:
    """A named mistake: the wrong formula as a function with the reference's signature.

    Attributes
    ----------
    name : str
        Short identifier, ``missing_1_over_m``.
    what : str
        The mistake and its fix in one sentence, in the notes' notation.
    wrong : callable
        The deliberately wrong variant (often the engine's own, as in
        :data:`visualdl.symbolic.mistakes.MISTAKES`).
    """

    name: str
    what: str
    wrong: Callable[..., Any]


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    Attributes
    ----------
    name : str
        The identifier used by ``visualdl exercise check NAME``.
    chapter : str
        The registry chapter (:data:`visualdl.registry.CHAPTERS`) it belongs to.
    title : str
        One line.
    task : str
        The statement: what is given (with shapes), the formula to implement, what to return.
    signature : str
        ``def name(arg, ...)``; the learner's function is called with keyword arguments.
    reference : callable
        The engine's answer, called like the learner's function.
    cases : callable
        ``cases(rng) -> list[Case]``: the generated inputs, several shapes.
    mistakes : tuple of Mistake
        Named mistakes, tried in order.
    outputs : tuple of str
        Names of the returned values (one per element of a returned tuple), for messages.
    starter : str or None
        The code a learner starts from; ``None`` gives a stub that raises
        ``NotImplementedError``. A bug hunt gives the buggy code (the notes' own).
    row : str or None
        The ``visualdl verify`` row whose SymPy derivation checks :attr:`reference`.
    rtol, atol : float
        The comparison's tolerances.
    """

    name: str
    chapter: str
    title: str
    task: str
    signature: str
    reference: Callable[..., Any]
    cases: Callable[[Any], Sequence[Case]]
    mistakes: tuple[Mistake, ...] = ()
    outputs: tuple[str, ...] = ()
    starter: str | None = None
    row: str | None = None
    rtol: float = 1e-6
    atol: float = 1e-9

    @property
    def function(self) -> str:
        """The name of the function the learner writes (from :attr:`signature`)."""
        match = re.match(r"\s*def\s+(\w+)\s*\(", self.signature)
        if not match:
            raise ValueError(
                f"exercise {self.name!r}: signature must start 'def NAME(', got {self.signature!r}"
            )
        return match.group(1)

    def __post_init__(self) -> None:
        if self.starter is None:
            stub = (
                f"{self.signature.rstrip(':')}:\n"
                f'    """{self.title}. See: visualdl exercise show {self.name}"""\n'
                "    raise NotImplementedError\n"
            )
            object.__setattr__(self, "starter", stub)
