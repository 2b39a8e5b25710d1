"""Nadaraya–Watson kernel regression on d2l's toy data, for several bandwidths, and ``w``
learned by gradient descent on the leave-one-out error.

Data: ``n_train`` points ``x_i`` uniform on ``[0, 5)``, sorted, ``y_i = 2 sin(x_i) + x_i^0.8
+ N(0, noise^2)`` (:func:`~visualdl.engine.kernel_regression.toy_data`); queries at
``x = 0, 5/n_test, ..., 5 - 5/n_test`` (d2l's ``arange(0, 5, 0.1)`` for ``n_test = 50``),
sorted, where the truth ``2 sin(x) + x^0.8`` is known.

Fits (:func:`~visualdl.engine.kernel_regression.nadaraya_watson`,
``f(x) = sum_i softmax_i(-((x - x_i) w)^2 / 2) y_i``):

- each fixed ``w`` of ``widths``; ``w = 1`` is the non-parametric estimator (the Gaussian
  kernel, nothing trained);
- the learned ``w``: :func:`~visualdl.engine.kernel_regression.fit_bandwidth` from ``w0`` by
  gradient descent on the leave-one-out mean squared error over the training set.

For each fit the demo keeps the predictions, the attention weights (test x by train x, both
sorted), the leave-one-out error on the training set, the error against the truth at the
queries, and the effective number of keys per query ``1 / sum_i alpha_i^2`` (``n`` for a
uniform row, 1 when one key takes all the weight), averaged over the queries. A sweep gives
the leave-one-out and truth errors over a grid of ``w``.

Records: ``nadaraya_watson.data``, ``nadaraya_watson.fit`` (one per ``w``, in increasing
``w``), ``nadaraya_watson.training``, ``nadaraya_watson.sweep``.

Example
-------
>>> from visualdl.demos.nadaraya_watson import nadaraya_watson_demo
>>> tr = nadaraya_watson_demo(n_train=10, n_test=8, steps=5, sweep=4)
>>> [(r.info["kind"], r["weights"].shape) for r in tr.find("nadaraya_watson.fit")][:2]
[('fixed', (8, 10)), ('non-parametric', (8, 10))]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.kernel_regression import (
    fit_bandwidth,
    loo_mse,
    nadaraya_watson,
    toy_data,
    toy_function,
)
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["DATA", "FIT", "SWEEP", "TRAINING", "effective_keys", "nadaraya_watson_demo"]

HIGH = 5.0  # x lies in [0, HIGH)

DATA = declare(
    "nadaraya_watson.data",
    arrays={
        "x_train": "(n,) training inputs, sorted (the keys)",
        "y_train": "(n,) noisy targets (the values)",
        "x_test": "(n_q,) query points, sorted",
        "truth": "(n_q,) 2 sin(x) + x^0.8 at the queries",
    },
    info={
        "seed": "seed of the training set",
        "n_train": "training points n",
        "n_test": "queries n_q",
        "noise": "standard deviation of the noise on y",
        "high": "x drawn uniform on [0, high)",
    },
)
FIT = declare(
    "nadaraya_watson.fit",
    arrays={
        "f": "(n_q,) predictions at x_test",
        "weights": "(n_q, n) attention weights alpha(x_test_q, x_train_i), rows sum to 1",
    },
    info={
        "w": "the distance scale (bandwidth 1/|w|)",
        "kind": "non-parametric (w = 1), fixed, or learned",
        "loo_mse": "leave-one-out mean squared error on the training set",
        "test_mse": "mean squared error against the truth at the queries",
        "effective_keys": "mean over queries of 1 / sum_i alpha_i^2",
        "max_weight": "the largest weight of the matrix",
    },
)
TRAINING = declare(
    "nadaraya_watson.training",
    arrays={
        "step": "(steps + 1,) 0..steps",
        "w": "(steps + 1,) w before each update and after the last",
        "loss": "(steps + 1,) leave-one-out MSE at each w",
        "dw": "(steps,) the gradient of each update",
    },
    info={
        "w0": "the start",
        "lr": "gradient descent's rate",
        "steps": "updates",
        "w_learned": "w after the last update",
        "loss_start": "leave-one-out MSE at w0",
        "loss_end": "leave-one-out MSE at the learned w",
    },
)
SWEEP = declare(
    "nadaraya_watson.sweep",
    arrays={
        "w": "(k,) a log-spaced grid of w",
        "loo_mse": "(k,) leave-one-out MSE on the training set",
        "test_mse": "(k,) MSE against the truth at the queries",
    },
    info={"best_w": "the grid's w of least leave-one-out MSE"},
)


def effective_keys(weights: np.ndarray) -> float:
    """Mean over rows of ``1 / sum_i alpha_i^2``: how many keys a query listens to (``n`` for
    a uniform row, 1 for a one-hot one).

    Example
    -------
    >>> effective_keys(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]))
    1.5
    """
    return float(np.mean(1.0 / np.sum(weights**2, axis=-1)))


def nadaraya_watson_demo(
    seed: int = 0,
    n_train: int = 50,
    noise: float = 0.5,
    widths: Sequence[float] = (0.3, 1.0, 25.0),
    w0: float = 1.0,
    lr: float = 5.0,
    steps: int = 100,
    n_test: int = 50,
    sweep: int = 61,
) -> Trace:
    """Fit the toy data with each ``w`` of ``widths`` and with the learned ``w`` (see the
    module); ``sweep`` grid points of ``w`` from 0.1 to 100."""
    x_train, y_train = toy_data(n_train, seed=seed, noise=noise, high=HIGH)
    x_test = np.arange(n_test) * (HIGH / n_test)
    truth = toy_function(x_test)
    tr = Trace({"demo": "nadaraya_watson", "seed": seed, "n_train": n_train})
    DATA.add(
        tr,
        seed=seed,
        n_train=n_train,
        n_test=n_test,
        noise=noise,
        high=HIGH,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        truth=truth,
    )
    history = fit_bandwidth(x_train, y_train, w0=w0, lr=lr, steps=steps)
    learned = float(history["w"][-1])
    fits = [(float(w), "non-parametric" if w == 1.0 else "fixed") for w in widths]
    for w, kind in sorted([*fits, (learned, "learned")]):
        f, cache = nadaraya_watson(x_test, x_train, y_train, w)
        FIT.add(
            tr,
            w=w,
            kind=kind,
            loo_mse=loo_mse(x_train, y_train, w),
            test_mse=float(np.mean((f - truth) ** 2)),
            effective_keys=effective_keys(cache["weights"]),
            max_weight=float(cache["weights"].max()),
            f=f,
            weights=cache["weights"],
        )
    TRAINING.add(
        tr,
        w0=float(w0),
        lr=float(lr),
        steps=int(steps),
        w_learned=learned,
        loss_start=float(history["loss"][0]),
        loss_end=float(history["loss"][-1]),
        step=np.arange(steps + 1),
        w=history["w"],
        loss=history["loss"],
        dw=history["dw"],
    )
    grid = np.geomspace(0.1, 100.0, sweep)
    loo = np.array([loo_mse(x_train, y_train, w) for w in grid])
    test = np.array(
        [np.mean((nadaraya_watson(x_test, x_train, y_train, w)[0] - truth) ** 2) for w in grid]
    )
    SWEEP.add(tr, best_w=float(grid[np.argmin(loo)]), w=grid, loo_mse=loo, test_mse=test)
    return tr
