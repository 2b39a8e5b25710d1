"""Every optimizer on every test surface: the data of the ``optimizer-race`` figure.

Three ways to give the optimizers a rate, one per kind of row:

- ``"shared"``, the notes' classic comparison: on the bowl every optimizer takes the same
  :data:`SHARED_LR` from :data:`SHARED_START` (the momentum scene's start, close to the valley
  floor), just under gradient descent's limit ``2 / 4 = 0.5`` across the valley (``f_yy = 4``):
  gradient descent multiplies ``y`` by ``1 - 4 lr = -0.8`` a step and zig-zags across the
  valley, momentum averages the flipping gradients and moves smoothly;
- ``"settled"``, a fair race on the other surfaces with a minimum: every optimizer takes the
  same number of steps from the same start, with the rate from the same grid
  :data:`visualdl.demos.optimizers.LR_GRID` whose loss has settled lowest (the median of its
  last 50 steps, among runs that never diverge and never climb above twice their starting
  loss: :func:`visualdl.demos.optimizers.best_lr` with ``pick="settled"``). The lowest final
  loss would instead reward the lucky last step of an unstable run;
- ``"fixed"``, on the saddle ``x^2 - y^2``, which has no minimum (its loss falls without bound
  once a run escapes, so "lowest loss" would just pick the largest rate): every optimizer
  gets the same fixed rate and only a few steps, enough to show who leaves the saddle point
  and how fast.

Each trace is :func:`visualdl.demos.optimizers.race`'s (records ``optimizers.surface`` and
``optimizers.path``), with ``lr_choice`` (one of the three) and the grid in its ``meta``;
:func:`races` keys them by row (``"bowl"``, ``"rosenbrock"``, ...), in the figure's order.

Example
-------
>>> from visualdl.demos.optimizer_race import races
>>> trs = races(surfaces=("bowl", "saddle"), grid=5)
>>> [(k, tr.meta["lr_choice"]) for k, tr in trs.items()]
[('bowl', 'shared'), ('saddle', 'fixed')]
>>> sorted({p.info["lr"] for p in trs["bowl"].find("optimizers.path")})
[0.45]
"""

from __future__ import annotations

from collections.abc import Sequence

from visualdl.demos.optimizers import LR_GRID, OPTIMIZERS, SPIKE, TAIL, race
from visualdl.trace import Trace

__all__ = [
    "SADDLE_LR",
    "SADDLE_STEPS",
    "SHARED_BOUNDS",
    "SHARED_LR",
    "SHARED_START",
    "SHARED_STEPS",
    "STEPS",
    "SURFACES",
    "races",
]

SURFACES = ("bowl", "rosenbrock", "beale", "saddle", "logistic")
STEPS = 300
SHARED_LR = 0.45
SHARED_START = (-5.0, -0.5)
SHARED_STEPS = 100
SHARED_BOUNDS = ((-5.5, 1.75), (-1.0, 1.0))
SADDLE_LR = 0.1
SADDLE_STEPS = 40


def races(
    surfaces: Sequence[str] = SURFACES,
    optimizers: Sequence[str] = OPTIMIZERS,
    steps: int = STEPS,
    grid: int = 120,
) -> dict[str, Trace]:
    """``{surface: race trace}``: the bowl with :data:`SHARED_LR` for all (at most
    :data:`SHARED_STEPS` steps), the saddle with :data:`SADDLE_LR` for :data:`SADDLE_STEPS`,
    every other surface with each optimizer's settled best rate of the grid."""
    out = {}
    for name in surfaces:
        if name == "bowl":
            lrs = {o: SHARED_LR for o in optimizers}
            tr = race(
                name,
                optimizers,
                min(steps, SHARED_STEPS),
                lrs=lrs,
                grid=grid,
                start=SHARED_START,
                bounds=SHARED_BOUNDS,
            )
            tr.meta.update({"lr_choice": "shared", "lr_grid": [SHARED_LR]})
        elif name == "saddle":
            lrs = {o: SADDLE_LR for o in optimizers}
            tr = race(name, optimizers, min(steps, SADDLE_STEPS), lrs=lrs, grid=grid)
            tr.meta.update({"lr_choice": "fixed", "lr_grid": [SADDLE_LR]})
        else:
            tr = race(name, optimizers, steps, grid=grid)
            tr.meta.update(
                {"lr_choice": "settled", "lr_grid": list(LR_GRID), "tail": TAIL, "spike": SPIKE}
            )
        out[name] = tr
    return out
