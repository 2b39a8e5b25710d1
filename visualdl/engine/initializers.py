"""Weight initializers for ``W[l]: (n[l], n[l-1])``; biases start at zero, ``b[l]: (n[l], 1)``.

- ``scaled_normal``: ``randn(n[l], n[l-1]) * 0.01``, the notes' default (too small for deep
  ReLU nets: the signal vanishes and the cost sits at ln 2);
- ``he``: ``randn * sqrt(2 / n[l-1])``, for ReLU;
- ``xavier``: ``randn * sqrt(1 / n[l-1])``, for tanh (the course's form).

Randomness comes only from an explicit generator. ``numpy.random.RandomState(1)`` draws the
same numbers as the notes' ``np.random.seed(1); np.random.randn(...)``.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.initializers import initialize
>>> initialize("he", 3, 2, np.random.default_rng(0)).shape
(3, 2)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from visualdl.engine.checks import choice, integer

__all__ = ["INITIALIZERS", "Rng", "check_rng", "initialize", "make_rng"]

Rng = np.random.Generator | np.random.RandomState

INITIALIZERS = {
    "scaled_normal": lambda n_prev: 0.01,
    "he": lambda n_prev: math.sqrt(2.0 / n_prev),
    "xavier": lambda n_prev: math.sqrt(1.0 / n_prev),
}


def check_rng(op: str, rng: Any) -> Rng:
    """``rng`` when it is a NumPy generator; ``ValueError`` otherwise (a seed goes through
    :func:`make_rng`)."""
    if not isinstance(rng, np.random.Generator | np.random.RandomState):
        raise ValueError(f"{op}: rng must be a numpy Generator or RandomState, got {rng!r:.80}")
    return rng


def make_rng(seed: int | Rng | None) -> Rng:
    """A generator from a seed (``default_rng(seed)``: None or an int >= 0), or the generator
    itself."""
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    return np.random.default_rng(None if seed is None else integer("make_rng", "seed", seed, 0))


def initialize(name: str, n: int, n_prev: int, rng: Rng) -> np.ndarray:
    """Draw ``W: (n, n_prev)`` on the host: standard normal times the scheme's scale."""
    choice("initialize", "init", name, INITIALIZERS)
    n, n_prev = integer("initialize", "n", n), integer("initialize", "n_prev", n_prev)
    return rng.standard_normal((n, n_prev)) * INITIALIZERS[name](n_prev)
