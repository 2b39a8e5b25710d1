"""Gradient descent and momentum side by side in a narrow valley: the data of the momentum scene.

Both runs start at ``START`` and take ``steps`` steps with the same learning rate ``lr``, on
the engine's ill-conditioned bowl ``f = 0.1 x^2 + 2 y^2`` (20 times steeper across the valley,
``y``, than along it, ``x``). At ``lr = 0.52`` gradient descent multiplies the across-valley
coordinate by ``1 - 4 lr = -1.08`` each step: a zig-zag that grows (the rate is just past what
the steep direction allows). Momentum (the notes' EMA form, ``V = beta V + (1 - beta) g``,
``theta -= lr V``, beta 0.9) steps along the average of the gradients instead, where the flips
across the valley cancel: at the same rate it converges.

Records (in this order):

- ``optimizers.surface`` (:data:`~visualdl.demos.optimizers.SURFACE`): the contour grid;
- ``optimizer.step`` (``T`` per run, gd first, in the sections ``optimizer="gd"`` and
  ``optimizer="momentum"``): recorded by the engine's ``Optimizer.step``
  (:data:`~visualdl.engine.optimizers.STEP`): info ``optimizer, t, lr, loss``; arrays ``x, y``
  (the point before the step), ``dx, dy`` (the gradient ``g_t`` there), ``x_new, y_new`` and,
  for momentum, ``Vdx, Vdy`` (the velocity ``v_t`` after the update, the step taken being
  ``-lr v_t``);
- ``optimizers.path`` (:data:`~visualdl.demos.optimizers.PATH`; gd, then momentum, with info
  ``beta``);
- ``momentum.average`` (:data:`AVERAGE`): the exponentially weighted averages (beta) of
  gradient descent's own gradients, ``vx, vy: (T,)``, beside them ``gx, gy: (T,)``: what
  averaging does to a zig-zag (the across-valley part cancels, the along-valley part stays).

Example
-------
>>> from visualdl.demos.momentum import momentum_trace
>>> tr = momentum_trace(steps=5)
>>> [r.info["optimizer"] for r in tr.find("optimizers.path")], len(tr.find("optimizer.step"))
(['gd', 'momentum'], 10)
>>> sorted(tr.find("optimizer.step", optimizer="momentum")[-1].arrays)
['Vdx', 'Vdy', 'dx', 'dy', 'x', 'x_new', 'y', 'y_new']
"""

from __future__ import annotations

import numpy as np

from visualdl.demos.optimizers import add_path, add_surface
from visualdl.engine.averaging import ewa
from visualdl.engine.descent import minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.surfaces import get
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["AVERAGE", "BETA", "LR", "START", "STEPS", "SURFACE", "momentum_trace"]

SURFACE = "bowl"
START = (-5.0, -0.5)
LR = 0.52
BETA = 0.9
STEPS = 20

AVERAGE = declare(
    "momentum.average",
    arrays={
        "gx": "(T,)",  # gradient descent's dx at each step
        "gy": "(T,)",  # its dy
        "vx": "(T,)",  # ewa(gx, beta)
        "vy": "(T,)",  # ewa(gy, beta)
    },
    info={"beta": "the averaging beta"},
)


def momentum_trace(
    lr: float = LR, beta: float = BETA, steps: int = STEPS, grid: int = 100
) -> Trace:
    """Gradient descent and momentum (EMA form) for ``steps`` steps at the same ``lr`` on the
    bowl from ``START`` (see the module docstring for the records)."""
    s = get(SURFACE)
    meta = {"demo": "momentum", "surface": SURFACE, "lr": lr, "beta": beta, "steps": steps}
    with record(**meta) as tr:
        add_surface(tr, SURFACE, grid, start=START)
        paths = []
        for name, hyper in (("gd", {}), ("momentum", {"beta": beta, "form": "ema"})):
            with record(optimizer=name):  # the engine's optimizer.step records
                start = {"x": np.float64(START[0]), "y": np.float64(START[1])}
                path = minimize(s, Optimizer(name, lr=lr, **hyper), steps, start=start)
            paths.append((name, path))
        for name, path in paths:
            add_path(tr, name, lr, path, beta=beta)
        gd_steps = tr.find("optimizer.step", optimizer="gd")
        gx = np.array([float(r["dx"]) for r in gd_steps])
        gy = np.array([float(r["dy"]) for r in gd_steps])
        AVERAGE.log(beta=beta, gx=gx, gy=gy, vx=ewa(gx, beta), vy=ewa(gy, beta))
    return tr
