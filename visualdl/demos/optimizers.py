"""Optimizers racing on a 2-D test surface: the data of the race figures and scenes.

Every optimizer gets the same budget: the same number of steps from the same start, and its
learning rate picked from the same grid ``LR_GRID`` (a run that diverges is never picked) by
one of two rules (:data:`PICKS`): ``"settled"`` (the default), the lowest median loss over
the last :data:`TAIL` steps among the runs whose loss never climbs above :data:`SPIKE` times
its starting value (a rate within :data:`TIE` of the best counts as as good, and the smallest
such rate is taken); or ``"final"``, the lowest final loss, which rewards the lucky endpoint
of an unstable run (kept to show that: its picks spike). The contour values are the surface
evaluated by the engine on a grid.

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

__all__ = [
    "LR_GRID",
    "OPTIMIZERS",
    "PATH",
    "PICKS",
    "SPIKE",
    "SURFACE",
    "TAIL",
    "TIE",
    "add_path",
    "add_surface",
    "best_lr",
    "race",
    "settled_loss",
    "spiked",
]

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
PICKS = ("final", "settled")
TAIL = 50  # the settled loss: the median over this many last steps
SPIKE = 2.0  # a run whose loss ever exceeds this times its start spiked
TIE = 0.01  # settled losses within this relative gap of the best count as ties

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


def settled_loss(loss: np.ndarray, tail: int = TAIL) -> float:
    """The median of the last ``tail`` losses of a run: where it has settled, not where its
    last step happened to land.

    >>> settled_loss(np.array([9.0, 1.0, 1.0, 50.0]), tail=3)
    1.0
    """
    return float(np.median(np.asarray(loss)[-tail:]))


def spiked(loss: np.ndarray, factor: float = SPIKE) -> bool:
    """Whether a run's loss ever climbed above ``factor`` times its starting value.

    >>> spiked(np.array([10.0, 25.0, 1.0])), spiked(np.array([10.0, 12.0, 1.0]))
    (True, False)
    """
    loss = np.asarray(loss)
    return bool(np.max(loss) > factor * loss[0])


def best_lr(
    surface: str,
    optimizer: str,
    steps: int,
    grid: Sequence[float] = LR_GRID,
    pick: str = "settled",
) -> float:
    """The rate from ``grid`` picked by the rule ``pick`` (:data:`PICKS`, see the module
    docstring) after ``steps``; never a diverged run; ties go to the smaller rate."""
    return _best_run(surface, optimizer, steps, grid, pick)[0]


def _best_run(
    surface: str,
    optimizer: str,
    steps: int,
    grid: Sequence[float] = LR_GRID,
    pick: str = "settled",
) -> tuple[float, Path]:
    """:func:`best_lr` and the run it picked."""
    if pick not in PICKS:
        raise ValueError(f"best_lr: pick must be one of {PICKS}, got {pick!r:.40}")
    s = get(surface)
    runs = [(lr, minimize(s, Optimizer(optimizer, lr=lr), steps)) for lr in sorted(grid)]
    runs = [(lr, p) for lr, p in runs if p.diverged_at is None]
    if pick == "settled":
        runs = [(lr, p) for lr, p in runs if not spiked(p.loss)]
    if not runs:
        raise ValueError(
            f"best_lr: {optimizer} diverged{' or spiked' * (pick == 'settled')} on {surface} "
            f"for every rate in {tuple(grid)}"
        )
    if pick == "final":
        return min(runs, key=lambda r: r[1].loss[-1])  # the first (smallest) of equals
    best = min(settled_loss(p.loss) for _, p in runs)
    return next((lr, p) for lr, p in runs if settled_loss(p.loss) <= best + TIE * abs(best))


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
    pick: str = "settled",
    start: Sequence[float] | None = None,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> Trace:
    """Run each optimizer ``steps`` steps on ``surface`` (see the module docstring).

    ``lrs`` fixes the rates; by default each is picked with :func:`best_lr` and the rule
    ``pick``. ``start`` (``[x0, y0]``) and ``bounds`` (the contour window) default to the
    surface's own; a picked rate is always picked from the surface's own start.
    """
    s = get(surface)
    tr = Trace({"demo": "optimizer-race", "surface": surface, "steps": steps})
    add_surface(tr, surface, grid, bounds=bounds, start=start)
    at = None if start is None else {"x": np.float64(start[0]), "y": np.float64(start[1])}
    for name in optimizers:
        if lrs is not None and name in lrs:
            lr, path = lrs[name], minimize(s, Optimizer(name, lr=lrs[name]), steps, start=at)
        elif start is not None:
            raise ValueError(f"race: {name} needs a fixed rate in lrs when start is given")
        else:
            lr, path = _best_run(surface, name, steps, pick=pick)  # the picked run, not rerun
        add_path(tr, name, lr, path)
    return tr
