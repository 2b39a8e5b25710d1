"""Exercises a learner can check: which term is wrong, never the answer.

In a notebook::

    from visualdl import exercises
    print(exercises.show("dense_backward"))      # the task, in the notes' notation
    exercises.check("dense_backward", my_function)

From a shell: ``visualdl exercise list | show NAME [--starter] | check NAME FILE.py [--json] |
status``. A pass is recorded in the user's data directory (:mod:`visualdl.exercises.progress`).

Example
-------
>>> import numpy as np
>>> def dense_backward(dZ, A_prev, W):
...     m = A_prev.shape[1]
...     return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m
>>> check_function(EXERCISES["dense_backward"], dense_backward).passed
True
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from visualdl.exercises import attention, cnn, nn, progress, rnn, train
from visualdl.exercises.checker import Result, check_function
from visualdl.exercises.exercise import Exercise, Mistake

__all__ = [
    "EXERCISES",
    "Exercise",
    "Mistake",
    "Result",
    "check",
    "check_file",
    "check_function",
    "get",
    "show",
]

EXERCISES: dict[str, Exercise] = {
    ex.name: ex for chapter in (nn, train, cnn, rnn, attention) for ex in chapter.EXERCISES
}
"""Every exercise by name, in chapter order."""


def get(name: str) -> Exercise:
    """The exercise ``name``; a ``KeyError`` naming the known ones otherwise."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(
            f"unknown exercise {name!r}; known: {', '.join(EXERCISES)} (visualdl exercise list)"
        ) from None


def show(name: str) -> str:
    """The task of ``name`` and the code to start from, as text."""
    ex = get(name)
    return f"{ex.name}: {ex.title}\n({ex.chapter})\n\n{ex.task}\n\nStart from:\n\n{ex.starter}"


def check(name: str, fn: Callable[..., Any]) -> Result:
    """Check ``fn`` against the exercise ``name``; a pass is recorded in the learner's progress.

    The result prints as its diagnosis (a notebook cell shows it).
    """
    result = check_function(get(name), fn)
    if result.passed:
        progress.record(name)
    return result


def check_file(name: str, path: str | Path) -> Result:
    """Run the Python file ``path`` and :func:`check` its function of the exercise's name.

    A file that fails to run or has no such function is a failed :class:`Result` saying so;
    a missing file is a ``ValueError``.
    """
    ex, path = get(name), Path(path)
    if not path.is_file():
        raise ValueError(f"expected a Python file with def {ex.function}(...), got {str(path)!r}")
    spec = importlib.util.spec_from_file_location(f"_visualdl_exercise_{ex.function}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the learner's file: reported as a failed check
        where = f" (line {err.lineno})" if isinstance(err, SyntaxError) else ""
        return Result(
            name, False, 0, f"{name}: {path} did not run{where}: {type(err).__name__}: {err}"
        )
    fn = getattr(module, ex.function, None)
    if not callable(fn):
        return Result(name, False, 0, f"{name}: {path} defines no function {ex.function}(...)")
    return check(name, fn)
