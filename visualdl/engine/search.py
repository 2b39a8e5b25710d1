"""Hyper-parameter search: score the points of a grid, or random points, over named ranges.

``ranges`` maps each hyper-parameter to ``(low, high)`` (a linear range) or
``(low, high, "log")`` (a log range, for learning rates and ``1 - beta``: each decade gets
the same share of the points).

- **grid**: ``per_axis`` values of each range, ends included (``linspace``, or ``geomspace``
  for a log range), and every combination of them: ``per_axis ** d`` points for ``d``
  hyper-parameters, of which only ``per_axis`` distinct values of each.
- **random**: ``n`` points, every coordinate drawn independently: uniform on
  ``[low, high]``, or ``10 ** uniform(log10 low, log10 high)`` (log-uniform), from a
  ``numpy.random.Generator`` (``default_rng(seed)``). Every point brings a new value of every
  hyper-parameter, so ``n`` points see ``n`` distinct values of each.

Bergstra & Bengio (2012): when only a few hyper-parameters matter, a grid spends most of its
points repeating the same values of the important ones; random points do not.

``score(point) -> float`` is called once per point with a dict ``{name: value}``; ``goal``
says whether the best is the highest score (``"max"``, accuracy) or the lowest (``"min"``, a
cost). A score that is NaN or infinite (a run that diverged) is kept and never the best.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.search import grid_search, random_search
>>> ranges = {"lr": (1e-3, 1.0, "log"), "beta": (0.0, 0.9)}
>>> g = grid_search(lambda p: -abs(p["lr"] - 0.1), ranges, per_axis=3)
>>> len(g.scores), g.distinct("lr"), np.unique(g.points["lr"]).round(4).tolist()
(9, 3, [0.001, 0.0316, 1.0])
>>> r = random_search(lambda p: -abs(p["lr"] - 0.1), ranges, n=9, seed=0)
>>> len(r.scores), r.distinct("lr")
(9, 9)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from visualdl.engine.checks import choice, integer, named, number, scalar
from visualdl.engine.initializers import Rng, make_rng

__all__ = ["Search", "grid_points", "grid_search", "random_points", "random_search"]

Ranges = Mapping[str, tuple]
Score = Callable[[dict[str, float]], float]


@dataclass
class Search:
    """The points tried and their scores.

    ``points[name]: (n,)`` the values of each hyper-parameter, point ``i`` being
    ``{name: points[name][i]}``; ``scores: (n,)``; ``goal`` ``"max"`` or ``"min"``.
    """

    points: dict[str, np.ndarray]
    scores: np.ndarray
    goal: str = "max"

    @property
    def best_index(self) -> int:
        """The index of the best finite score (the first of equals); ``ValueError`` when no
        score is finite."""
        finite = np.isfinite(self.scores)
        if not finite.any():
            raise ValueError("Search.best_index: no point has a finite score")
        worst = -np.inf if self.goal == "max" else np.inf
        s = np.where(finite, self.scores, worst)
        return int(np.argmax(s) if self.goal == "max" else np.argmin(s))

    @property
    def best(self) -> dict[str, float]:
        """The best point, ``{name: value}``."""
        i = self.best_index
        return {k: float(v[i]) for k, v in self.points.items()}

    @property
    def best_score(self) -> float:
        """The best finite score."""
        return float(self.scores[self.best_index])

    def distinct(self, name: str) -> int:
        """How many distinct values of ``name`` the search tried."""
        choice("Search.distinct", "name", name, self.points)
        return int(np.unique(self.points[name]).size)


def _ranges(op: str, ranges: Any) -> dict[str, tuple[float, float, bool]]:
    """``{name: (low, high, log)}`` from ``{name: (low, high[, "log"])}``: at least one, with
    finite ``low < high`` (and ``low > 0`` for a log range)."""
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValueError(
            f"{op}: ranges must be a dict like {{'lr': (1e-4, 1.0, 'log')}}, got {ranges!r:.80}"
        )
    out = {}
    for name, r in ranges.items():
        if not isinstance(name, str):
            raise ValueError(f"{op}: range names must be strings, got {name!r:.40}")
        if not isinstance(r, tuple | list) or len(r) not in (2, 3):
            raise ValueError(
                f"{op}: range {name!r} must be (low, high) or (low, high, 'log'), got {r!r:.60}"
            )
        log = len(r) == 3
        if log:
            choice(op, f"the scale of range {name!r}", r[2], ("log",))
        low = number(op, f"{name} low", r[0], "(0, inf)" if log else "(-inf, inf)")
        high = number(op, f"{name} high", r[1], "(0, inf)" if log else "(-inf, inf)")
        if not low < high:
            raise ValueError(f"{op}: range {name!r} needs low < high, got ({low}, {high})")
        out[name] = (low, high, log)
    return out


def _axis(low: float, high: float, log: bool, k: int) -> np.ndarray:
    return np.geomspace(low, high, k) if log else np.linspace(low, high, k)


@named("grid_points")
def grid_points(ranges: Ranges, per_axis: int | Mapping[str, int] = 3) -> dict[str, np.ndarray]:
    """Every combination of ``per_axis`` values per range (ends included; geometric for a log
    range), the first range varying slowest: ``{name: (K,)}`` with ``K = prod(per_axis)``.

    >>> grid_points({"a": (0, 1), "b": (1, 100, "log")}, {"a": 2, "b": 3})["b"].tolist()
    [1.0, 10.0, 100.0, 1.0, 10.0, 100.0]
    """
    op = "grid_points"
    rs = _ranges(op, ranges)
    if isinstance(per_axis, Mapping):
        missing = sorted(set(rs) - set(per_axis))
        if missing:
            raise ValueError(f"{op}: per_axis has no count for {missing}")
        counts = {k: integer(op, f"per_axis[{k!r}]", per_axis[k]) for k in rs}
    else:
        k = integer(op, "per_axis", per_axis)
        counts = dict.fromkeys(rs, k)
    axes = [_axis(*rs[name], counts[name]) for name in rs]
    combos = np.array(list(itertools.product(*axes)), dtype=np.float64)
    return {name: combos[:, j].copy() for j, name in enumerate(rs)}


@named("random_points")
def random_points(ranges: Ranges, n: int = 9, seed: int | Rng | None = 0) -> dict[str, np.ndarray]:
    """``n`` random points, ``{name: (n,)}``: each coordinate uniform on its range, or
    log-uniform on a log range, drawn from ``default_rng(seed)`` (or the Generator given),
    point by point in the order of ``ranges``.

    >>> p = random_points({"lr": (1e-4, 1.0, "log")}, n=1000, seed=0)["lr"]
    >>> bool(p.min() >= 1e-4 and p.max() <= 1.0), round(float(np.mean(p < 1e-2)), 1)
    (True, 0.5)
    """
    op = "random_points"
    rs = _ranges(op, ranges)
    n = integer(op, "n", n)
    rng = make_rng(seed)
    u = rng.random((n, len(rs)))
    out = {}
    for j, (name, (low, high, log)) in enumerate(rs.items()):
        if log:
            a, b = math.log10(low), math.log10(high)
            out[name] = np.clip(10.0 ** (a + (b - a) * u[:, j]), low, high)
        else:
            out[name] = low + (high - low) * u[:, j]
    return out


def _scored(op: str, score: Any, points: dict[str, np.ndarray], goal: str) -> Search:
    choice(op, "goal", goal, ("max", "min"))
    if not callable(score):
        raise ValueError(f"{op}: score must be a function of a point (a dict), got {score!r:.80}")
    n = len(next(iter(points.values())))
    scores = np.array(
        [
            scalar(op, "score(point)", score({k: float(v[i]) for k, v in points.items()}))
            for i in range(n)
        ],
        dtype=np.float64,
    )
    return Search(points, scores, goal)


@named("grid_search")
def grid_search(
    score: Score,
    ranges: Ranges,
    per_axis: int | Mapping[str, int] = 3,
    goal: str = "max",
) -> Search:
    """Score every point of :func:`grid_points` (``per_axis`` values per range)."""
    choice("grid_search", "goal", goal, ("max", "min"))
    return _scored("grid_search", score, grid_points(ranges, per_axis), goal)


@named("random_search")
def random_search(
    score: Score,
    ranges: Ranges,
    n: int = 9,
    seed: int | Rng | None = 0,
    goal: str = "max",
) -> Search:
    """Score ``n`` points of :func:`random_points` drawn with ``seed``."""
    choice("random_search", "goal", goal, ("max", "min"))
    return _scored("random_search", score, random_points(ranges, n, seed), goal)
