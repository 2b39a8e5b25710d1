"""Random vs grid hyper-parameter search where one hyper-parameter matters much more.

The score of a point ``(lr, beta2)`` is a real training run: the cost ``J`` after ``steps``
Adam steps (the engine's :func:`~visualdl.engine.descent.minimize`, ``beta1 = 0.9``) of the
logistic regression of the breast-cancer data (the engine's ``logistic`` surface) from its
start ``(w, b) = (-4, 4)``; lower is better. The learning rate decides almost everything (too
small: the run has hardly moved; too large: it jumps about), Adam's ``beta2`` (the average of
the squared gradients) hardly anything. Ranges: ``lr`` log-uniform on ``[1e-4, 10]``,
``beta2`` uniform on ``[0.9, 0.999]``.

The engine's :func:`~visualdl.engine.search.grid_search` tries 3 x 3 points, so it sees only 3
values of the learning rate; :func:`~visualdl.engine.search.random_search` tries 9 random
points (one Generator seed per search), so it sees 9. The function itself is drawn from the
engine's grid search over a fine grid (``fine`` values per axis); its marginals are the mean
of ``J`` over the other hyper-parameter.

Records: ``hyperparameter_search.surface`` (:data:`SURFACE`), then
``hyperparameter_search.search`` (:data:`SEARCH`): the grid, then one random search per seed.

Example
-------
>>> from visualdl.demos.hyperparameter_search import hyperparameter_search
>>> tr = hyperparameter_search(seeds=(0,), fine=(4, 3), steps=5)
>>> [(r.info["method"], r.info["distinct_lr"]) for r in tr.find("hyperparameter_search.search")]
[('grid', 3), ('random', 9)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.descent import minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.search import Search, grid_search, random_search
from visualdl.engine.surfaces import get
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["RANGES", "SEARCH", "SURFACE", "hyperparameter_search", "score"]

RANGES = {"lr": (1e-4, 10.0, "log"), "beta2": (0.9, 0.999)}

SURFACE = declare(
    "hyperparameter_search.surface",
    arrays={
        "lr": "(n_lr,) the fine grid's learning rates",
        "beta2": "(n_b,) its beta2 values",
        "J": "(n_b, n_lr) the score at (lr[j], beta2[i])",
        "J_by_lr": "(n_lr,) the mean of J over beta2",
        "J_by_beta2": "(n_b,) the mean of J over lr",
    },
    info={"ranges": "name -> [low, high, scale]", "steps": "Adam steps per run", "goal": "min"},
)
SEARCH = declare(
    "hyperparameter_search.search",
    arrays={"lr": "(n,) points tried", "beta2": "(n,)", "J": "(n,) their scores"},
    info={
        "method": "grid or random",
        "seed": "the random search's seed (None for the grid)",
        "best_J": "the best score found",
        "best_lr": "its lr",
        "best_beta2": "its beta2",
        "distinct_lr": "distinct learning rates tried",
        "distinct_beta2": "distinct beta2 tried",
    },
)


def score(point: dict[str, float], steps: int = 20) -> float:
    """The cost after ``steps`` Adam steps with ``point["lr"]``, ``point["beta2"]`` on the
    engine's logistic surface (``inf`` when the run diverged)."""
    path = minimize(get("logistic"), Optimizer("adam", **point), steps=steps)
    return float(path.loss[-1]) if path.diverged_at is None else float("inf")


def _add(tr: Trace, search: Search, method: str, seed: int | None) -> None:
    SEARCH.add(
        tr,
        method=method,
        seed=seed,
        best_J=search.best_score,
        best_lr=search.best["lr"],
        best_beta2=search.best["beta2"],
        distinct_lr=search.distinct("lr"),
        distinct_beta2=search.distinct("beta2"),
        lr=search.points["lr"],
        beta2=search.points["beta2"],
        J=search.scores,
    )


def hyperparameter_search(
    seeds: Sequence[int] = tuple(range(12)),
    n: int = 9,
    per_axis: int = 3,
    fine: tuple[int, int] = (25, 5),
    steps: int = 20,
) -> Trace:
    """The fine map of the score, the grid search and one random search per seed."""
    tr = Trace({"demo": "hyperparameter_search", "seeds": list(seeds), "steps": steps})

    def f(point: dict[str, float]) -> float:
        return score(point, steps)

    dense = grid_search(f, RANGES, per_axis={"lr": fine[0], "beta2": fine[1]}, goal="min")
    lr = np.unique(dense.points["lr"])
    beta2 = np.unique(dense.points["beta2"])
    J = dense.scores.reshape(len(lr), len(beta2)).T  # the grid's first range (lr) is slowest
    SURFACE.add(
        tr,
        ranges={k: list(v) for k, v in RANGES.items()},
        steps=steps,
        goal="min",
        lr=lr,
        beta2=beta2,
        J=J,
        J_by_lr=J.mean(axis=0),
        J_by_beta2=J.mean(axis=1),
    )
    _add(tr, grid_search(f, RANGES, per_axis=per_axis, goal="min"), "grid", None)
    for seed in seeds:
        _add(tr, random_search(f, RANGES, n=n, seed=seed, goal="min"), "random", seed)
    return tr
