"""Every optimizer on every test surface: the data of the ``optimizer-race`` figure.

A fair race: on each surface every optimizer takes the same number of steps from the same
start, with its learning rate picked from the same grid
:data:`visualdl.demos.optimizers.LR_GRID` (:func:`visualdl.demos.optimizers.best_lr`: lowest
final loss, never a diverged run). The saddle ``x^2 - y^2`` has no minimum (its loss falls
without bound once a run escapes), so "lowest final loss" would just pick the largest rate:
there every optimizer gets the same fixed rate and only a few steps, enough to show who
leaves the saddle point and how fast.

Each trace is :func:`visualdl.demos.optimizers.race`'s (records ``optimizers.surface`` and
``optimizers.path``), with ``lr_choice`` (``"best of grid"`` or ``"fixed"``) and the grid in its
``meta``.

Example
-------
>>> from visualdl.demos.optimizer_race import races
>>> trs = races(surfaces=("saddle",), grid=5)
>>> trs["saddle"].meta["lr_choice"], len(trs["saddle"].find("optimizers.path"))
('fixed', 7)
"""

from __future__ import annotations

from collections.abc import Sequence

from visualdl.demos.optimizers import LR_GRID, OPTIMIZERS, race
from visualdl.trace import Trace

__all__ = ["SADDLE_LR", "SADDLE_STEPS", "STEPS", "SURFACES", "races"]

SURFACES = ("bowl", "rosenbrock", "beale", "saddle", "logistic")
STEPS = 300
SADDLE_LR = 0.1
SADDLE_STEPS = 40


def races(
    surfaces: Sequence[str] = SURFACES,
    optimizers: Sequence[str] = OPTIMIZERS,
    steps: int = STEPS,
    grid: int = 120,
) -> dict[str, Trace]:
    """``{surface: race trace}``; the saddle with :data:`SADDLE_LR` for :data:`SADDLE_STEPS`."""
    out = {}
    for name in surfaces:
        if name == "saddle":
            lrs = {o: SADDLE_LR for o in optimizers}
            tr = race(name, optimizers, min(steps, SADDLE_STEPS), lrs=lrs, grid=grid)
            tr.meta.update({"lr_choice": "fixed", "lr_grid": [SADDLE_LR]})
        else:
            tr = race(name, optimizers, steps, grid=grid)
            tr.meta.update({"lr_choice": "best of grid", "lr_grid": list(LR_GRID)})
        out[name] = tr
    return out
