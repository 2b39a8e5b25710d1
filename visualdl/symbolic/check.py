"""What every symbolic cross-check shares: the result record, the error measure, the inputs.

A check differentiates an op's *forward* expression with ``sympy.diff``, evaluates the result
in float64 and meets the engine's *hand-written* backward on random inputs. Its size is the
relative error, entry by entry, ``|a - b| / max(|a| + |b|, tiny)``, maximised over entries.

Example
-------
>>> import numpy as np
>>> from visualdl.symbolic.check import rel_error
>>> rel_error(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
0.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SEED", "TINY", "TOL", "Check", "Op", "rel_error", "rng", "signed_uniform"]

SEED = 20240601  # every check draws its inputs from default_rng(SEED): same numbers each run
TOL = 1e-9  # float64 gives ~1e-16 per operation; 1e-9 leaves room, a wrong formula is >1e-3
TINY = 1e-300  # where both entries are exactly 0 the error is 0, not 0/0


@dataclass(frozen=True)
class Check:
    """The outcome of one cross-check: what was compared and the largest relative error."""

    checked: str
    max_rel_error: float

    @property
    def passed(self) -> bool:
        """``max_rel_error <= TOL`` (NaN never passes)."""
        return bool(self.max_rel_error <= TOL)


@dataclass(frozen=True)
class Op:
    """One row of ``visualdl verify``, declared once in its symbolic module's ``CHECKS``.

    Attributes
    ----------
    check : callable
        The module's check function; ``check(*args)`` returns a :class:`Check`.
    args : tuple
        Its positional arguments (the activation's or the loss's name, say).
    covers : tuple of str
        The engine backwards the check meets, as ``"module.function"`` under
        ``visualdl.engine`` (``"losses.mse_backward"``); a coverage test requires every public
        ``*_backward`` of the engine to be named by some row.
    override : str or None
        The keyword of ``check`` that takes a function to check in place of the engine's
        (``"backward"``, ``"step"``, ``"grad"``...); None where there is none.

    Calling the op runs its check: ``op()`` as ``visualdl verify`` does, ``op(f)`` with ``f``
    in place of the engine's function (how a declared mistake is shown to fail its row).

    Example
    -------
    >>> op = Op(lambda name, backward=None: Check(name, 0.0), ("relu",))
    >>> op().checked, op(lambda *a: None).passed
    ('relu', True)
    """

    check: Callable[..., Check]
    args: tuple[Any, ...] = ()
    covers: tuple[str, ...] = ()
    override: str | None = "backward"

    def __call__(self, replacement: Callable[..., Any] | None = None) -> Check:
        if replacement is None:
            return self.check(*self.args)
        if self.override is None:
            raise TypeError(f"{self.check.__name__}: this check takes no replacement function")
        return self.check(*self.args, **{self.override: replacement})


def rel_error(*pairs: Any) -> float:
    """max over entries of ``|a - b| / max(|a| + |b|, TINY)``, over one or more pairs.

    Parameters
    ----------
    pairs : array-like
        ``a1, b1, a2, b2, ...``: each ``a`` is compared with the ``b`` of the same shape.

    Returns
    -------
    float
        The largest entrywise relative error (NaN if any entry is NaN).

    Example
    -------
    >>> rel_error([1.0, 2.0], [1.0, 3.0])  # |2 - 3| / (2 + 3)
    0.2
    """
    if len(pairs) % 2:
        raise ValueError(f"rel_error: expected pairs of arrays, got {len(pairs)} arguments")
    worst = 0.0
    for a, b in zip(pairs[::2], pairs[1::2], strict=True):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            raise ValueError(f"rel_error: shapes differ, {a.shape} and {b.shape}")
        err = np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), TINY)
        if np.isnan(err).any():
            return float("nan")
        worst = max(worst, float(np.max(err, initial=0.0)))
    return worst


def rng(seed: int = SEED) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``: a fresh generator, so each check is reproducible."""
    return np.random.default_rng(seed)


def signed_uniform(
    gen: np.random.Generator, shape: tuple[int, ...], low: float = 0.05, high: float = 3.0
) -> np.ndarray:
    """Random float64 numbers with ``low <= |x| <= high`` and random sign.

    Keeps inputs away from kinks (ReLU, |x| and sign at 0), as the checks need |z| > 1e-3.
    """
    return gen.uniform(low, high, shape) * gen.choice([-1.0, 1.0], shape)
