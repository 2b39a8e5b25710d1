"""Optimizers racing on a 2-D test surface: the data of the race figures and scenes.

Every optimizer gets the same budget: the same number of steps from the same start, and its
learning rate picked from the same grid ``LR_GRID`` as the one with the lowest final loss
(a run that diverges is never picked). The contour values are the surface evaluated by the
engine on a grid.

Records (in this order):

- ``surface``: info ``name, title, start, minimum``; arrays ``X, Y, F`` (``(n, n)`` grids);
- ``path`` (one per optimizer, in the order asked): info ``optimizer, lr, diverged_at``;
  arrays ``x, y, loss`` (``(T + 1,)``, fewer if it diverged) and ``lr`` (``(T,)``).

Example
-------
>>> from visualdl.demos.optimizers import race
>>> tr = race("bowl", ("gd", "momentum"), steps=50, lrs={"gd": 0.4, "momentum": 0.4})
>>> [r.info["optimizer"] for r in tr.find("path")]
['gd', 'momentum']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from visualdl.engine.descent import Path, minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.surfaces import get
from visualdl.trace import Trace

__all__ = ["LR_GRID", "OPTIMIZERS", "add_surface", "best_lr", "race"]

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)


def best_lr(surface: str, optimizer: str, steps: int, grid: Sequence[float] = LR_GRID) -> float:
    """The rate from ``grid`` with the lowest final loss after ``steps`` (never a diverged run;
    ties go to the smaller rate)."""
    return _best_run(surface, optimizer, steps, grid)[0]


def _best_run(
    surface: str, optimizer: str, steps: int, grid: Sequence[float] = LR_GRID
) -> tuple[float, Path]:
    """:func:`best_lr` and the run it picked."""
    s = get(surface)
    best, best_path = None, None
    for lr in grid:
        path = minimize(s, Optimizer(optimizer, lr=lr), steps)
        if path.diverged_at is None and (best_path is None or path.loss[-1] < best_path.loss[-1]):
            best, best_path = lr, path
    if best is None:
        raise ValueError(f"best_lr: {optimizer} diverged on {surface} for every rate in {grid}")
    return best, best_path


def add_surface(
    tr: Trace,
    surface: str,
    n: int = 120,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    start: Sequence[float] | None = None,
    **info: object,
) -> None:
    """Add the ``surface`` record: the engine's ``f`` on an ``n x n`` grid ``X, Y, F`` over
    ``bounds`` (the surface's plotting window by default); info ``name, title, start, minimum``
    (``start`` defaults to the surface's) and any extra ``info``."""
    s = get(surface)
    (x0, x1), (y0, y1) = bounds or s.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    tr.add(
        "surface",
        {
            "name": s.name,
            "title": s.title,
            "start": list(start or s.start),
            "minimum": None if s.minimum is None else list(s.minimum),
            **info,
        },
        X=X,
        Y=Y,
        F=s.f(X, Y),
    )


def race(
    surface: str = "rosenbrock",
    optimizers: Sequence[str] = OPTIMIZERS,
    steps: int = 300,
    lrs: Mapping[str, float] | None = None,
    grid: int = 120,
) -> Trace:
    """Run each optimizer ``steps`` steps on ``surface`` (see the module docstring).

    ``lrs`` fixes the rates; by default each is picked with :func:`best_lr`.
    """
    s = get(surface)
    tr = Trace({"demo": "optimizer-race", "surface": surface, "steps": steps})
    add_surface(tr, surface, grid)
    for name in optimizers:
        if lrs is not None and name in lrs:
            lr, path = lrs[name], minimize(s, Optimizer(name, lr=lrs[name]), steps)
        else:
            lr, path = _best_run(surface, name, steps)  # the picked run, not run again
        tr.add(
            "path",
            {"optimizer": name, "lr": lr, "diverged_at": path.diverged_at},
            x=path.params["x"],
            y=path.params["y"],
            loss=path.loss,
            lr=path.lr,
        )
    return tr
