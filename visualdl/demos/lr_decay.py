"""Learning-rate decay in action: mini-batch gradient descent with a fixed rate rattles around
the minimum, the same run with a decaying rate settles into it.

The model of the ``minibatch`` demo: logistic regression ``a = sigmoid(w r + b)`` on the
standardized mean radius ``r`` of 569 breast-cancer nuclei (label 1: malignant), trained by
the engine's ``Sequential.fit`` with mini-batches of ``batch_size`` examples (shuffled with
``seed`` every epoch) from ``(w, b) = (-4, 4)``, twice with the same shuffling:

- ``fixed``: ``alpha = lr0`` at every step;
- ``decayed``: ``alpha = lr0 / (1 + decay * epoch)``, the engine's
  :func:`~visualdl.engine.schedules.inverse_time` (the notes' formula), set per epoch.

Each mini-batch's gradient is a noisy estimate of the full one, so a step of a fixed size
keeps jumping around the minimum; shrinking steps average the noise out. The full-data cost
``J(w, b)`` of every point is the engine's ``logistic`` surface, and its minimum ``(w*, b*)``
and ``J*`` come from a long full-batch run of the engine's
:func:`~visualdl.engine.descent.minimize` (momentum, ``400`` steps).

Records: ``lr_decay.minimum`` (:data:`MINIMUM`), ``optimizers.surface`` (the contours, in a
window around the minimum), then ``lr_decay.run`` (:data:`RUN`) for every seed, fixed then
decayed.

Example
-------
>>> from visualdl.demos.lr_decay import lr_decay
>>> tr = lr_decay(seeds=(0,), epochs=3, grid=5)
>>> [(r.info["schedule"], r.info["steps"]) for r in tr.find("lr_decay.run")]
[('fixed', 108), ('decayed', 108)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from visualdl.demos.optimizers import add_surface
from visualdl.engine import mlp
from visualdl.engine.descent import minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.schedules import inverse_time
from visualdl.engine.surfaces import breast_cancer_radius, get
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["MINIMUM", "RUN", "SCHEDULES", "WINDOW", "lr_decay"]

SCHEDULES = ("fixed", "decayed")
#: the contour window: (w*, b*) plus and minus these
WINDOW = (0.65, 0.75)

MINIMUM = declare(
    "lr_decay.minimum",
    info={"w": "w*", "b": "b*", "J": "J* = J(w*, b*)", "steps": "steps of the full-batch run"},
)
RUN = declare(
    "lr_decay.run",
    arrays={
        "w": "(steps + 1,) W1 before every step and after the last",
        "b": "(steps + 1,) b1 there",
        "J": "(steps + 1,) the full-data cost there",
        "epoch": "(steps + 1,) examples seen / m",
        "lr": "(steps,) each step's rate",
        "epoch_gap": "(epochs,) mean J - J* over each epoch's points (after its steps)",
    },
    info={
        "schedule": "fixed or decayed",
        "label": "legend label",
        "seed": "shuffling seed",
        "batch_size": "examples per step",
        "lr0": "the first rate",
        "decay": "the decay rate (0 for fixed)",
        "epochs": "passes over the data",
        "steps_per_epoch": "ceil(m / batch_size)",
        "steps": "steps taken",
        "last_epoch_distance": "mean distance to (w*, b*) over the last epoch's points",
        "last_epoch_gap": "mean J - J* over the last epoch's points",
    },
)


def _train(X, Y, start, lr0: float, decay: float, batch_size: int, epochs: int, seed: int):
    """``(w, b, lr)`` of every step of one run (the point after the last step included)."""
    model = mlp([1, 1], output="sigmoid", seed=0)
    model.set_params({"W1": np.array([[start[0]]]), "b1": np.array([[start[1]]])})
    schedule = None if decay == 0 else (lambda e: float(inverse_time(e, a0=lr0, decay=decay)))
    with record() as steps_tr:  # the run's engine records: read here, not kept
        model.fit(
            X,
            Y,
            learning_rate=lr0,
            num_iterations=epochs,
            every=epochs,
            batch_size=batch_size,
            seed=seed,
            schedule=schedule,
        )
    steps = steps_tr.find("optimizer.step")
    w = [float(s["W1"].item()) for s in steps] + [float(model.params["W1"].item())]
    b = [float(s["b1"].item()) for s in steps] + [float(model.params["b1"].item())]
    return np.array(w), np.array(b), np.array([s.info["lr"] for s in steps])


def lr_decay(
    seeds: Sequence[int] = (0, 1, 2),
    batch_size: int = 16,
    lr0: float = 2.0,
    decay: float = 1.0,
    epochs: int = 10,
    grid: int = 120,
) -> Trace:
    """Train fixed and decayed for every seed (see the module)."""
    s = get("logistic")
    r, t = breast_cancer_radius()
    X, Y = r[None, :], t[None, :]
    m = X.shape[1]
    best = minimize(s, Optimizer("momentum", lr=2.0), steps=400)
    w_star, b_star, J_star = (
        float(best.params["x"][-1]),
        float(best.params["y"][-1]),
        float(best.loss[-1]),
    )
    tr = Trace({"demo": "lr_decay", "seeds": list(seeds), "epochs": epochs})
    MINIMUM.add(tr, w=w_star, b=b_star, J=J_star, steps=400)
    bounds = ((w_star - WINDOW[0], w_star + WINDOW[0]), (b_star - WINDOW[1], b_star + WINDOW[1]))
    add_surface(tr, "logistic", grid, bounds=bounds, m=m)
    per_epoch = math.ceil(m / batch_size)
    for seed in seeds:
        for schedule in SCHEDULES:
            d = 0.0 if schedule == "fixed" else decay
            w, b, lr = _train(X, Y, s.start, lr0, d, batch_size, epochs, seed)
            J = s.f(w, b)
            last = slice(-per_epoch, None)
            gap = J[1:] - J_star  # after each step
            epoch_gap = np.array(
                [gap[k : k + per_epoch].mean() for k in range(0, len(gap), per_epoch)]
            )
            label = f"fixed α = {lr0:g}" if d == 0 else f"decayed α = {lr0:g} / (1 + {d:g}·epoch)"
            RUN.add(
                tr,
                schedule=schedule,
                label=label,
                seed=seed,
                batch_size=batch_size,
                lr0=lr0,
                decay=d,
                epochs=epochs,
                steps_per_epoch=per_epoch,
                steps=len(lr),
                last_epoch_distance=float(np.mean(np.hypot(w[last] - w_star, b[last] - b_star))),
                last_epoch_gap=float(np.mean(J[last] - J_star)),
                w=w,
                b=b,
                J=J,
                epoch=np.arange(len(w)) / per_epoch,
                lr=lr,
                epoch_gap=epoch_gap,
            )
    return tr
