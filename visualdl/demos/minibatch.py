"""Batch vs mini-batch vs stochastic gradient descent on real data.

Logistic regression with one feature: ``a = sigmoid(w r + b)`` for the standardized mean
radius ``r`` of 569 breast-cancer nuclei (label 1: malignant), trained by the engine's
``Sequential.fit`` (a 1-1 sigmoid network, binary cross-entropy) with the same learning rate
and the same number of epochs for ``batch_size = m`` (batch), ``64`` (mini-batch) and ``1``
(stochastic). Its cost ``J(w, b)`` is :mod:`visualdl.engine.surfaces`' ``logistic`` surface, so
the parameters ``(w, b) = (W1, b1)`` of every step can be drawn on that surface's contours.
Every run starts at the surface's start ``(w, b) = (-4, 4)`` and shuffles with ``seed``.

Records (in this order): ``optimizers.surface``
(:data:`~visualdl.demos.optimizers.SURFACE`, with info ``m``), then ``minibatch.run``
(:data:`RUN`, one per batch size). Each run's engine records (``dense1.forward``, ``cost``,
``optimizer.step``, ... of every step) go to a recording of their own that the demo reads the
parameters from; they are not kept.

Example
-------
>>> from visualdl.demos.minibatch import minibatch
>>> tr = minibatch(batch_sizes=(None, 64), epochs=2, grid=5)
>>> [(r.info["label"], r.info["steps"]) for r in tr.find("minibatch.run")]
[('batch (m = 569)', 2), ('mini-batch 64', 18)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from visualdl.demos.optimizers import add_surface
from visualdl.engine import mlp
from visualdl.engine.surfaces import breast_cancer_radius, get
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["BATCH_SIZES", "RUN", "minibatch"]

BATCH_SIZES: tuple[int | None, ...] = (None, 64, 1)

RUN = declare(
    "minibatch.run",
    arrays={
        "w": "(steps + 1,)",  # W1 before every step and after the last
        "b": "(steps + 1,)",  # b1 there
        "J": "(steps + 1,)",  # the full-data cost there
        "epoch": "(steps + 1,)",  # examples seen / m
        "batch_cost": "(steps,)",  # the cost of the mini-batch each step used
    },
    info={
        "label": "legend label",
        "batch_size": "examples per step (m for batch)",
        "lr": "rate",
        "epochs": "passes over the data",
        "steps_per_epoch": "ceil(m / batch_size)",
        "steps": "steps drawn",
        "diverged_at": "first point not finite, or None",
    },
)


def _label(batch_size: int | None, m: int) -> str:
    if batch_size is None or batch_size >= m:
        return f"batch (m = {m})"
    if batch_size == 1:
        return "stochastic (1)"
    return f"mini-batch {batch_size}"


def minibatch(
    batch_sizes: Sequence[int | None] = BATCH_SIZES,
    lr: float = 0.5,
    epochs: int = 20,
    seed: int = 0,
    grid: int = 120,
) -> Trace:
    """Train one logistic regression per batch size (``None``: the whole set); see the module."""
    s = get("logistic")
    r, t = breast_cancer_radius()
    X, Y = r[None, :], t[None, :]
    m = X.shape[1]
    tr = Trace({"demo": "minibatch", "seed": seed, "lr": lr, "epochs": epochs})
    add_surface(tr, "logistic", grid, m=m)
    for batch_size in batch_sizes:
        model = mlp([1, 1], output="sigmoid", seed=seed)
        model.set_params({"W1": np.array([[s.start[0]]]), "b1": np.array([[s.start[1]]])})
        diverged = None
        with record() as steps_tr:  # the run's engine records: read below, not kept
            try:
                history = model.fit(
                    X,
                    Y,
                    learning_rate=lr,
                    num_iterations=epochs,
                    every=epochs,
                    optimizer="gd",
                    batch_size=batch_size,
                    seed=seed,
                )
                batch_cost = np.asarray(history["step_cost"], dtype=np.float64)
            except FloatingPointError:
                batch_cost = np.array([])
        steps = steps_tr.find("optimizer.step")
        w = [float(st["W1"].item()) for st in steps]
        b = [float(st["b1"].item()) for st in steps]
        if batch_cost.size == len(steps):  # finished: add the point after the last step
            w.append(float(model.params["W1"].item()))
            b.append(float(model.params["b1"].item()))
        w_arr, b_arr = np.array(w), np.array(b)
        with np.errstate(over="ignore", invalid="ignore"):
            J = s.f(w_arr, b_arr)
        finite = np.isfinite(J) & np.isfinite(w_arr) & np.isfinite(b_arr)
        if not finite.all() or batch_cost.size != len(steps):
            diverged = int(np.argmin(finite)) if not finite.all() else len(steps)
            w_arr, b_arr, J = w_arr[:diverged], b_arr[:diverged], J[:diverged]
            batch_cost = np.array([float(c.info["J"]) for c in steps_tr.find("model.cost")])
            batch_cost = batch_cost[: max(len(w_arr) - 1, 0)]
        per_epoch = math.ceil(m / batch_size) if batch_size else 1
        RUN.add(
            tr,
            label=_label(batch_size, m),
            batch_size=m if batch_size is None else int(batch_size),
            lr=lr,
            epochs=epochs,
            steps_per_epoch=per_epoch,
            steps=len(w_arr) - 1,
            diverged_at=diverged,
            w=w_arr,
            b=b_arr,
            J=J,
            epoch=np.arange(len(w_arr)) / per_epoch,
            batch_cost=batch_cost,
        )
    return tr
