"""Run an optimizer on a differentiable function and keep the whole path.

The run stops at the first step whose loss or parameters are not finite and says where
(``diverged_at``), so a picture never draws garbage silently.

Example
-------
>>> from visualdl.engine.descent import minimize
>>> from visualdl.engine.optimizers import Optimizer
>>> from visualdl.engine.surfaces import get
>>> bowl = get("bowl")
>>> path = minimize(bowl, Optimizer("momentum", lr=0.5), steps=200)
>>> bool(path.loss[-1] < 1e-6), path.diverged_at
(True, None)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from visualdl.backend import to_host
from visualdl.engine.checks import check_finite, integer, named, number, real_array, scalar
from visualdl.engine.optimizers import Optimizer

__all__ = ["Objective", "Path", "minimize"]


class Objective(Protocol):
    """What :func:`minimize` needs: ``loss(params)`` and ``gradients(params)`` (``d`` + key)."""

    def loss(self, params: dict[str, Any]) -> float: ...

    def gradients(self, params: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class Path:
    """Parameters ``params[key]: (T + 1, ...)`` and ``loss: (T + 1,)`` at every point visited,
    ``lr: (T,)`` of every step taken, and the step at which the run diverged (or None)."""

    params: dict[str, np.ndarray]
    loss: np.ndarray
    lr: np.ndarray
    diverged_at: int | None = None
    state: dict[str, Any] = field(default_factory=dict)


def _start(objective: Any, start: Any) -> dict[str, Any]:
    """The start point as finite float64 arrays (a surface's own start when ``start`` is None)."""
    if start is None:
        if not hasattr(objective, "start"):
            raise ValueError("minimize: give start={...}: this objective has no start of its own")
        x0, y0 = objective.start  # a Surface
        start = {"x": x0, "y": y0}
    if not isinstance(start, Mapping) or not start:
        raise ValueError(f"minimize: start must be a dict of parameters, got {start!r:.80}")
    params = {k: real_array("minimize", f"start {k}", v, np.float64) for k, v in start.items()}
    for k, v in params.items():
        check_finite("minimize", f"start {k}", v)
    return params


def _loss(objective: Any, params: dict[str, Any]) -> float:
    """``objective.loss(params)`` as a float (NaN and inf pass: they end the run)."""
    return scalar("minimize", "objective.loss(params)", objective.loss(params))


def _finite(loss: float, params: dict[str, Any]) -> bool:
    return math.isfinite(loss) and all(np.all(np.isfinite(to_host(v))) for v in params.values())


@named("minimize")
def minimize(
    objective: Objective,
    optimizer: Optimizer,
    steps: int,
    start: dict[str, Any] | None = None,
    schedule: Callable[[int], float] | None = None,
) -> Path:
    """Take ``steps`` optimizer steps from ``start`` (a surface's own start by default).

    ``schedule(t)`` gives the learning rate of step ``t = 0, 1, ...`` (else the optimizer's).
    The objective's ``no_decay`` keys (a surface's bias coordinate) are exempt from weight decay.
    """
    steps = integer("minimize", "steps", steps)
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"minimize: optimizer must be an Optimizer, got {optimizer!r:.80}")
    if not (
        callable(getattr(objective, "loss", None))
        and callable(getattr(objective, "gradients", None))
    ):
        raise ValueError(
            f"minimize: objective needs loss(params) and gradients(params), got {objective!r:.80}"
        )
    if schedule is not None and not callable(schedule):
        raise ValueError(f"minimize: schedule must be a function or None, got {schedule!r:.80}")
    no_decay = getattr(objective, "no_decay", ())
    params = _start(objective, start)
    points = [params]
    losses = [_loss(objective, params)]
    lrs: list[float] = []
    diverged = None
    for t in range(steps):
        lr = (
            optimizer.lr
            if schedule is None
            else number("minimize", f"schedule({t})", schedule(t), "(0, inf)")
        )
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught below
            grads = objective.gradients(params)
            params = optimizer.step(params, grads, lr=lr, loss=losses[-1], no_decay=no_decay)
            loss = _loss(objective, params)
        if not _finite(loss, params):
            diverged = t + 1
            break
        points.append(params)
        losses.append(loss)
        lrs.append(lr)
    stacked = {k: np.array([to_host(p[k]) for p in points]) for k in params}
    return Path(stacked, np.array(losses), np.array(lrs), diverged, dict(optimizer.state or {}))
