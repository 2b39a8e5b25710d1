"""Optimizers racing on a 2-D test surface: the data of the race figures and scenes.

Every optimizer gets the same budget: the same number of steps from the same start, and its
learning rate picked from the same grid ``LR_GRID`` as the one with the lowest final loss
(a run that diverges is never picked). The contour values are the surface evaluated by the
engine on a grid.

Records (in this order): :data:`SURFACE` (``optimizers.surface``, the contour grid), then
:data:`PATH` (``optimizers.path``, one per optimizer, in the order asked; fewer points if it
diverged). Every optimizer demo writes these two kinds through :func:`add_surface` and
:func:`add_path`.

Example
-------
>>> from visualdl.demos.optimizers import race
>>> tr = race("bowl", ("gd", "momentum"), steps=50, lrs={"gd": 0.4, "momentum": 0.4})
>>> [r.info["optimizer"] for r in tr.find("optimizers.path")]
['gd', 'momentum']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from visualdl.engine.descent import Path, minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.surfaces import get
from visualdl.schema import declare
from visualdl.trace import Record, Trace

__all__ = ["LR_GRID", "OPTIMIZERS", "PATH", "SURFACE", "add_path", "add_surface", "best_lr", "race"]

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)

SURFACE = declare(
    "optimizers.surface",
    arrays={
        "X": "(n, n)",  # x (or w) grid
        "Y": "(n, n)",  # y (or b) grid
        "F": "(n, n)",  # f(X, Y)
    },
    info={
        "name": "surface key",
        "title": "surface title",
        "start": "[x0, y0] where the runs start",
        "minimum": "[x*, y*], or None",
        "m": "examples behind the cost (the logistic surface of the minibatch demo)",
    },
    optional=("m",),
)
PATH = declare(
    "optimizers.path",
    arrays={
        "x": "(T + 1,)",  # x at every point visited
        "y": "(T + 1,)",  # y at every point visited
        "loss": "(T + 1,)",  # f there
        "step_lr": "(T,)",  # each step's rate
    },
    info={
        "optimizer": "name",
        "lr": "the rate asked for",
        "beta": "momentum's beta (momentum demo)",
        "diverged_at": "first step whose loss or point is not finite, or None",
        "first_step": "length of the first step in the plane (adam_mistake demo), or None",
    },
    optional=("beta", "first_step"),
)


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
    """Add ``optimizers.surface`` (:data:`SURFACE`): the engine's ``f`` on an ``n x n`` grid
    ``X, Y, F`` over ``bounds`` (the surface's plotting window by default); info ``name, title,
    start, minimum`` (``start`` defaults to the surface's) and any declared extra ``info``
    (``m``)."""
    s = get(surface)
    (x0, x1), (y0, y1) = bounds or s.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    SURFACE.add(
        tr,
        name=s.name,
        title=s.title,
        start=list(start or s.start),
        minimum=None if s.minimum is None else list(s.minimum),
        **info,
        X=X,
        Y=Y,
        F=s.f(X, Y),
    )


def add_path(tr: Trace, optimizer: str, lr: float, path: Path, **extra: object) -> Record:
    """Add ``optimizers.path`` (:data:`PATH`) for ``path``, a run of ``optimizer`` at ``lr``:
    arrays ``x, y, loss`` and each step's rate ``step_lr``; info ``optimizer, lr, diverged_at``
    and any declared ``extra`` info (``beta``, ``first_step``)."""
    return PATH.add(
        tr,
        optimizer=optimizer,
        lr=lr,
        diverged_at=path.diverged_at,
        **extra,
        x=path.params["x"],
        y=path.params["y"],
        loss=path.loss,
        step_lr=path.lr,
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
        add_path(tr, name, lr, path)
    return tr
