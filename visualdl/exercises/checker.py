"""Run a learner's function on an exercise's cases and say what is wrong, never the answer.

The diagnosis, in the order it is looked for on the first case that fails:

1. the function raised (``NotImplementedError``: not written yet), or changed an input in place;
2. a returned value has the wrong number of parts or the wrong shape (with the two shape
   mistakes a shape reveals: the transpose, and a sum without ``keepdims``);
3. the first wrong element, with the value it should have;
4. the exercise's named :class:`~visualdl.exercises.exercise.Mistake` whose wrong variant gives
   what the learner gave on that case.

Example
-------
>>> import numpy as np
>>> from visualdl.exercises import EXERCISES
>>> ex = EXERCISES["dense_backward"]
>>> def mine(dZ, A_prev, W):  # the classic: no 1/m
...     return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)
>>> r = check_function(ex, mine)
>>> r.passed, r.mistake
(False, 'missing_1_over_m')
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from visualdl.exercises.exercise import Case, Exercise

__all__ = ["Result", "check_function"]

SEED = 0
"""The cases are generated from this seed: every learner meets the same cases."""


@dataclass(frozen=True)
class Result:
    """What the checker found.

    Attributes
    ----------
    exercise : str
    passed : bool
    cases : int
        Cases run (all of them when it passed; up to the failing one when not).
    message : str
        The diagnosis, a few lines for a learner.
    case : int or None
        1-based number of the failing case.
    shapes : dict
        The failing case's inputs: shape for arrays, value for numbers.
    output : str or None
        The name of the wrong returned value.
    index : list of int or None
        The first wrong element.
    got, expected : float or None
        Its value, and what it should be.
    mistake : str or None
        The named mistake, where one fits.
    """

    exercise: str
    passed: bool
    cases: int
    message: str
    case: int | None = None
    shapes: dict | None = None
    output: str | None = None
    index: list[int] | None = None
    got: float | None = None
    expected: float | None = None
    mistake: str | None = None

    def to_json(self) -> dict:
        """The result as a JSON-ready dict (for ``visualdl exercise check --json``)."""
        return asdict(self)

    def __str__(self) -> str:
        return self.message


def _parts(value: Any) -> list[np.ndarray]:
    values = value if isinstance(value, tuple | list) else (value,)
    return [np.asarray(v, dtype=float) if _numeric(v) else np.asarray(v) for v in values]


def _numeric(v: Any) -> bool:
    try:
        return np.asarray(v).dtype.kind in "biuf"
    except (TypeError, ValueError):
        return False


def _describe(case: Case) -> dict:
    return {
        k: list(np.shape(v)) if np.ndim(v) else (v.item() if hasattr(v, "item") else v)
        for k, v in case.items()
    }


def _same(got: list[np.ndarray], want: list[np.ndarray], ex: Exercise) -> bool:
    return len(got) == len(want) and all(
        g.shape == w.shape and np.allclose(g, w, rtol=ex.rtol, atol=ex.atol, equal_nan=True)
        for g, w in zip(got, want, strict=True)
    )


def _call(fn: Callable, case: Case) -> Any:
    return fn(**copy.deepcopy(case))


def _named(ex: Exercise, case: Case, got: list[np.ndarray]) -> tuple[str, str] | None:
    for m in ex.mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = _parts(_call(m.wrong, case))
        except Exception:  # a variant that cannot run on this case does not fit
            continue
        if _same(got, wrong, ex):
            return m.name, m.what
    return None


def _shape_mistake(g: np.ndarray, w: np.ndarray, ex: Exercise) -> tuple[str, str] | None:
    if g.shape == w.shape[::-1] and np.allclose(g.T, w, rtol=ex.rtol, atol=ex.atol):
        return "transposed", "it is the transpose of what is asked: check the order of the product"
    if g.size == w.size and np.allclose(g.reshape(w.shape), w, rtol=ex.rtol, atol=ex.atol):
        return "keepdims", (
            "the right numbers in the wrong shape: a sum or mean without keepdims=True "
            "drops the axis that broadcasting needs"
        )
    return None


class _Failure(Exception):
    def __init__(self, **found: Any) -> None:
        super().__init__(found.get("message", ""))
        self.found = found


def _compare(ex: Exercise, case: Case, out: Any) -> None:
    """Raise :class:`_Failure` describing how ``out`` differs from the reference on ``case``."""
    got, want = _parts(out), _parts(_call(ex.reference, case))
    names = ex.outputs or tuple(f"output {k + 1}" for k in range(len(want)))
    if len(got) != len(want):
        what = f"{len(want)} values ({', '.join(names)})" if len(want) > 1 else "one value"
        raise _Failure(message=f"it returned {len(got)} value(s); expected {what}")
    for name, g, w in zip(names, got, want, strict=True):
        if g.dtype.kind not in "biuf":
            raise _Failure(output=name, message=f"{name} is not a number or an array of numbers")
        if g.shape != w.shape:
            known = _shape_mistake(g, w, ex) or _named(ex, case, got)
            raise _Failure(
                output=name,
                mistake=known[0] if known else None,
                message=f"{name} has shape {g.shape}; expected {w.shape}"
                + (f"\n  named mistake: {known[0]}: {known[1]}" if known else ""),
            )
        bad = ~np.isclose(g, w, rtol=ex.rtol, atol=ex.atol)
        if bad.any():
            index = [int(i) for i in np.argwhere(bad)[0]]
            at = f"[{', '.join(map(str, index))}]" if index else ""
            known = _named(ex, case, got)
            raise _Failure(
                output=name,
                index=index,
                got=float(g[tuple(index)]),
                expected=float(w[tuple(index)]),
                mistake=known[0] if known else None,
                message=f"{name}{at} = {float(g[tuple(index)]):.6g}, expected "
                f"{float(w[tuple(index)]):.6g} ({int(bad.sum())} of {bad.size} entries wrong)"
                + (f"\n  named mistake: {known[0]}: {known[1]}" if known else ""),
            )


def _mutated(case: Case, used: Case) -> list[str]:
    return [
        k for k, v in case.items() if isinstance(v, np.ndarray) and not np.array_equal(v, used[k])
    ]


def check_function(ex: Exercise, fn: Callable[..., Any]) -> Result:
    """Run ``fn`` on every case of ``ex`` and diagnose the first failure.

    Parameters
    ----------
    ex : Exercise
    fn : callable
        The learner's function, called with the case's keyword arguments.

    Returns
    -------
    Result
    """
    cases = list(ex.cases(np.random.default_rng(SEED)))
    for k, case in enumerate(cases, start=1):
        head = f"{ex.name}: case {k} of {len(cases)} ({_shapes_text(case)})"
        used = copy.deepcopy(case)
        try:
            with np.errstate(all="ignore"):  # a nan or inf is diagnosed below
                out = fn(**used)
        except NotImplementedError:
            return Result(ex.name, False, k, f"{ex.name}: not written yet (NotImplementedError)")
        except Exception as err:  # the learner's bug, reported as theirs
            return Result(
                ex.name,
                False,
                k,
                f"{head}: it raised {type(err).__name__}: {err}",
                k,
                _describe(case),
            )
        changed = _mutated(case, used)
        if changed:
            return Result(
                ex.name,
                False,
                k,
                f"{head}: it changed its input {', '.join(changed)} in place; compute new "
                "arrays (e.g. dZ = dA * g'(Z), not dA *= ...)",
                k,
                _describe(case),
                mistake="mutates_input",
            )
        try:
            _compare(ex, case, out)
        except _Failure as failure:
            found = failure.found
            return Result(
                ex.name,
                False,
                k,
                f"{head}: {found.pop('message')}",
                k,
                _describe(case),
                **found,
            )
    return Result(ex.name, True, len(cases), f"{ex.name}: passed all {len(cases)} cases")


def _shapes_text(case: Case) -> str:
    return ", ".join(
        f"{k} {tuple(v)}" if isinstance(v, list) else f"{k} = {v}"
        for k, v in _describe(case).items()
    )
