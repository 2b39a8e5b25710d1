"""Gradient descent and momentum side by side in a narrow valley: the data of the momentum scene.

Both runs start at ``START`` and take ``steps`` steps with the same learning rate ``lr``, on
the engine's ill-conditioned bowl ``f = 0.1 x^2 + 2 y^2`` (20 times steeper across the valley,
``y``, than along it, ``x``). At ``lr = 0.52`` gradient descent multiplies the across-valley
coordinate by ``1 - 4 lr = -1.08`` each step: a zig-zag that grows (the rate is just past what
the steep direction allows). Momentum (the notes' EMA form, ``V = beta V + (1 - beta) g``,
``theta -= lr V``, beta 0.9) steps along the average of the gradients instead, where the flips
across the valley cancel: at the same rate it converges.

Records (in this order):

- ``surface``: info ``name, title, start, minimum``; arrays ``X, Y, F`` (``(n, n)`` grids);
- ``optimizer.step`` (``T`` per run, gd first): recorded by the engine's ``Optimizer.step``:
  info ``optimizer, t, lr, loss``; arrays ``x, y`` (the point before the step), ``dx, dy``
  (the gradient ``g_t`` there) and, for momentum, ``Vdx, Vdy`` (the velocity ``v_t`` after
  the update, the step taken being ``-lr v_t``);
- ``path`` (gd, then momentum): info ``optimizer, lr, beta, diverged_at``; arrays ``x, y,
  loss`` (``(T + 1,)``) and ``lr`` (``(T,)``);
- ``gd.average``: the exponentially weighted averages (beta) of gradient descent's own
  gradients, ``vx, vy: (T,)``, beside them ``gx, gy: (T,)``: what averaging does to a
  zig-zag (the across-valley part cancels, the along-valley part stays).

Example
-------
>>> from visualdl.demos.momentum import momentum_trace
>>> tr = momentum_trace(steps=5)
>>> [r.info["optimizer"] for r in tr.find("path")], len(tr.find("optimizer.step"))
(['gd', 'momentum'], 10)
>>> sorted(tr.find("optimizer.step")[-1].arrays)
['Vdx', 'Vdy', 'dx', 'dy', 'x', 'y']
"""

from __future__ import annotations

import numpy as np

from visualdl.demos.optimizers import add_surface
from visualdl.engine.averaging import ewa
from visualdl.engine.descent import minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.surfaces import get
from visualdl.trace import Trace, record

__all__ = ["BETA", "LR", "START", "STEPS", "SURFACE", "momentum_trace"]

SURFACE = "bowl"
START = (-5.0, -0.5)
LR = 0.52
BETA = 0.9
STEPS = 20


def momentum_trace(
    lr: float = LR, beta: float = BETA, steps: int = STEPS, grid: int = 100
) -> Trace:
    """Gradient descent and momentum (EMA form) for ``steps`` steps at the same ``lr`` on the
    bowl from ``START`` (see the module docstring for the records)."""
    s = get(SURFACE)
    tr = Trace({"demo": "momentum", "surface": SURFACE, "lr": lr, "beta": beta, "steps": steps})
    add_surface(tr, SURFACE, grid, start=START)
    paths = []
    for name, hyper in (("gd", {}), ("momentum", {"beta": beta, "form": "ema"})):
        with record() as rec:
            start = {"x": np.float64(START[0]), "y": np.float64(START[1])}
            path = minimize(s, Optimizer(name, lr=lr, **hyper), steps, start=start)
        tr.records.extend(rec.find("optimizer.step"))
        paths.append((name, path))
    for name, path in paths:
        tr.add(
            "path",
            {"optimizer": name, "lr": lr, "beta": beta, "diverged_at": path.diverged_at},
            x=path.params["x"],
            y=path.params["y"],
            loss=path.loss,
            lr=path.lr,
        )
    gd_steps = [r for r in tr.find("optimizer.step") if r.info["optimizer"] == "gd"]
    gx = np.array([float(r["dx"]) for r in gd_steps])
    gy = np.array([float(r["dy"]) for r in gd_steps])
    tr.add("gd.average", {"beta": beta}, gx=gx, gy=gy, vx=ewa(gx, beta), vy=ewa(gy, beta))
    return tr
