"""The perceptron learning rule on AND, OR and XOR: two lines found, one never.

The four points ``X = [[0, 0, 1, 1], [0, 1, 0, 1]]`` with the labels of AND, OR and XOR; the
engine's :func:`~visualdl.engine.perceptron.perceptron_fit` (``W := W + alpha (y - y_hat) x^T``,
``b := b + alpha (y - y_hat)``, step activation, ``alpha = 1``) starts at ``W = 0`` and
``b = -0.5`` (the unit says 0 everywhere; with integer updates ``W x + b`` then never lands
exactly on 0 at a point, so no point lies on a line drawn) and runs
for at most ``max_epochs`` epochs, once with the examples in their order (seed ``None``, the
run whose line is drawn) and once per seed of ``seeds`` with the examples shuffled every epoch.

Records: ``perceptron.data`` (:data:`DATA`), then per problem and run ``perceptron.run``
(:data:`RUN`: mistakes per epoch, the weights after every epoch, and the unit's output
``P[i, j] = step(W x + b)`` at ``x1 = xs[j], x2 = xs[i]`` with the final weights).

Example
-------
>>> from visualdl.demos.perceptron import perceptron_demo
>>> tr = perceptron_demo(seeds=(0,), max_epochs=20, grid=5)
>>> [(r.info["problem"], r.info["converged"]) for r in tr.find("perceptron.run", seed=None)]
[('AND', True), ('OR', True), ('XOR', False)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import data
from visualdl.engine.perceptron import perceptron_fit, perceptron_predict
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["DATA", "PROBLEMS", "RUN", "perceptron_demo"]

#: problem -> labels of the points (0, 0), (0, 1), (1, 0), (1, 1)
PROBLEMS: dict[str, tuple[int, ...]] = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "XOR": (0, 1, 1, 0),
}

DATA = declare("perceptron.data", arrays={"X": "(2, 4) the four points"})
RUN = declare(
    "perceptron.run",
    arrays={
        "Y": "(1, 4) the labels",
        "errors": "(epochs,) mistakes (= updates) in each epoch",
        "W_history": "(epochs + 1, 2) W at the start and after every epoch",
        "b_history": "(epochs + 1,) b there",
        "xs": "(n,) the grid's x1 and x2 values",
        "P": "(n, n) step(W x + b) with the final W, b",
        "predicted": "(1, 4) the final labels of the four points",
    },
    info={
        "problem": "AND, OR or XOR",
        "seed": "None: examples in order; else the shuffling seed",
        "lr": "alpha",
        "b0": "the bias at the start (W starts at 0)",
        "max_epochs": "the most epochs",
        "epochs": "epochs run",
        "converged": "the last epoch made no mistake",
        "wrong": "points the final weights classify wrong",
    },
)


def perceptron_demo(
    seeds: Sequence[int] = tuple(range(8)),
    max_epochs: int = 30,
    lr: float = 1.0,
    b0: float = -0.5,
    grid: int = 121,
) -> Trace:
    """Run the rule on every problem of :data:`PROBLEMS`, in order and for every seed."""
    X, _ = data.xor()
    xs = np.linspace(-0.5, 1.5, grid)
    G = np.array(np.meshgrid(xs, xs)).reshape(2, -1)  # x1 varies fastest
    meta = {"seeds": list(seeds), "max_epochs": max_epochs, "lr": lr, "b0": b0}
    tr = Trace({"demo": "perceptron", **meta})
    DATA.add(tr, X=X)
    for problem, labels in PROBLEMS.items():
        Y = np.array([labels], dtype=np.float64)
        for seed in (None, *seeds):
            run = perceptron_fit(X, Y, lr, max_epochs, b=[[b0]], seed=seed)
            predicted = perceptron_predict(run.W, run.b, X)
            RUN.add(
                tr,
                problem=problem,
                seed=seed,
                lr=lr,
                b0=b0,
                max_epochs=max_epochs,
                epochs=run.epochs,
                converged=run.converged,
                wrong=int(np.sum(predicted != Y)),
                Y=Y,
                errors=run.errors,
                W_history=run.W_history,
                b_history=run.b_history,
                xs=xs,
                P=perceptron_predict(run.W, run.b, G).reshape(grid, grid),
                predicted=predicted,
            )
    return tr
