"""Input normalization: the cost of a linear model over features of very different scales,
and over the same features standardized.

Data: two features of the 569 breast-cancer cell nuclei shipped with scikit-learn, the mean
*texture* (std about 4.3) and the mean *perimeter* (std about 24), and the label
``y = 1`` for malignant; the model ``y_hat = w1 x1 + w2 x2 + b`` (the engine's
``mlp([2, 1], output="identity")``, cost ``J = mean((y_hat - y)^2)``), trained by full-batch
gradient descent for ``steps`` steps from the same start. Two cases:

- ``unscaled``: the features centred (their means subtracted) but kept in their own units;
- ``standardized``: ``(x - mu) / sigma`` by the engine's
  :class:`~visualdl.engine.preprocessing.Standardizer`.

In both the label is centred too, so the bias starts at its optimum ``b = 0`` and stays there
(with centred features ``dJ/db = 2 b``): the cost is a function of ``(w1, w2)`` alone and its
contours are exact. Both cases fit the same family of lines, so they share the minimum cost
``J*`` (measured: the standardized case after ``200`` steps). The start is ``w = 0``, or with
``seed`` a random line ``w_std ~ N(0, 1)`` (the unscaled case starts from the same line,
``w = w_std / sigma``). Each case gets its own learning rate: the one of ``LR_GRID`` with the
lowest cost after ``steps`` steps (ties to the smaller rate; a run that diverges is never
picked).

Records: ``input_normalization.features`` (:data:`FEATURES`), then per case (unscaled first)
``input_normalization.scan`` (:data:`SCAN`), ``input_normalization.path`` (:data:`PATH`) and
``input_normalization.surface`` (:data:`SURFACE`, a square window around the path and the
minimum ``w*``).

Example
-------
>>> from visualdl.demos.input_normalization import input_normalization
>>> tr = input_normalization(grid=5)
>>> [(p.info["case"], float(p["J"][-1] - p.info["J_star"]) < 1e-3)
...  for p in tr.find("input_normalization.path")]
[('unscaled', True), ('standardized', True)]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import Dense, Standardizer, losses, mlp
from visualdl.engine.model import Sequential
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["CASES", "FEATURES", "LR_GRID", "PATH", "SCAN", "SURFACE", "input_normalization"]

CASES = ("unscaled", "standardized")
FEATURE_NAMES = ("mean texture", "mean perimeter")
#: the learning rates tried: 10^(k/8), 1e-4 ... 1 (each 1.33 times the one before)
LR_GRID = tuple(float(10 ** (k / 8)) for k in range(-32, 1))

FEATURES = declare(
    "input_normalization.features",
    info={
        "names": "the two features",
        "mu": "their means",
        "sigma": "their standard deviations",
        "m": "examples",
    },
)
SURFACE = declare(
    "input_normalization.surface",
    arrays={"w1": "(n,) grid", "w2": "(n,) grid", "J": "(n, n) the cost at (w1[j], w2[i])"},
    info={"case": "unscaled or standardized"},
)
SCAN = declare(
    "input_normalization.scan",
    arrays={"lr": "(K,) the rates tried", "J": "(K,) the cost after the steps (inf: diverged)"},
    info={"case": "unscaled or standardized", "steps": "steps per run"},
)
PATH = declare(
    "input_normalization.path",
    arrays={"w1": "(T + 1,)", "w2": "(T + 1,)", "J": "(T + 1,) the cost there"},
    info={
        "case": "unscaled or standardized",
        "lr": "the rate used: the best of the scan",
        "diverging_lr": "the smallest rate of the scan that diverged, or None",
        "steps": "steps",
        "J_star": "the minimum cost (shared by both cases)",
        "w_star": "[w1*, w2*] the minimum in this case's units",
        "seed": "None: start at w = 0; else the seed of a random start",
    },
)


def _data() -> tuple[np.ndarray, np.ndarray]:
    """``X: (2, m)`` the two features in their own units, ``Y: (1, m)`` 1 for malignant."""
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    cols = [list(d.feature_names).index(name) for name in FEATURE_NAMES]
    return d.data[:, cols].T.copy(), (d.target == 0).astype(np.float64)[None, :]


def _model(w: np.ndarray) -> Sequential:
    model = mlp([2, 1], output="identity", seed=0)
    model.set_params({"W1": np.asarray(w, dtype=np.float64)[None, :], "b1": np.zeros((1, 1))})
    return model


def _run(X: np.ndarray, Y: np.ndarray, w0: np.ndarray, lr: float, steps: int, path: bool):
    """``(final J, w per step or None)``; ``(inf, None)`` when the run diverged: its cost
    ends above where it started, or stops being finite."""
    model = _model(w0)
    J0 = model.cost(model.forward(X), Y)
    ws = [model.params["W1"][0].copy()]
    keep = (lambda i, m: ws.append(m.params["W1"][0].copy())) if path else None
    every = 1 if path else steps
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            model.fit(X, Y, learning_rate=lr, num_iterations=steps, every=every, callback=keep)
            J = model.cost(model.forward(X), Y)
        except (FloatingPointError, ValueError):
            return np.inf, None
    if not (np.isfinite(J) and J <= J0):
        return np.inf, None
    return J, (np.array(ws) if path else None)


def _surface(X: np.ndarray, Y: np.ndarray, points: np.ndarray, n: int):
    """The cost on an ``n x n`` square grid around ``points: (k, 2)`` (the path and the
    minimum), 1.3 times their larger extent: one engine ``Dense(2, n * n)`` layer whose rows
    are the grid's weights gives every grid point's predictions at once, and the engine's
    ``mse`` scores each row."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, half = (lo + hi) / 2, 0.65 * float((hi - lo).max())
    w1 = np.linspace(centre[0] - half, centre[0] + half, n)
    w2 = np.linspace(centre[1] - half, centre[1] + half, n)
    layer = Dense(2, n * n, "identity", rng=0)
    layer.set_params({"W1": np.array(np.meshgrid(w1, w2)).reshape(2, -1).T})
    Z = layer.forward(X)  # (n * n, m): row k predicts with the grid's k-th (w1, w2), b = 0
    J = np.array([losses.mse(Z[k : k + 1], Y) for k in range(n * n)])
    return w1, w2, J.reshape(n, n)


def input_normalization(steps: int = 30, seed: int | None = None, grid: int = 101) -> Trace:
    """Both cases of the module: the cost surface, the rate scan and the descent path."""
    X_raw, y = _data()
    scaler = Standardizer().fit(X_raw)
    sigma = scaler.sigma[:, 0]
    Y = y - y.mean()
    inputs = {"unscaled": X_raw - scaler.mu, "standardized": scaler.transform(X_raw)}
    w_std = np.zeros(2) if seed is None else np.random.default_rng(seed).standard_normal(2)
    starts = {"unscaled": w_std / sigma, "standardized": w_std}
    tr = Trace({"demo": "input_normalization", "steps": steps, "seed": seed})
    FEATURES.add(
        tr,
        names=list(FEATURE_NAMES),
        mu=scaler.mu[:, 0].tolist(),
        sigma=sigma.tolist(),
        m=int(X_raw.shape[1]),
    )
    long = _model(np.zeros(2))
    long.fit(inputs["standardized"], Y, learning_rate=0.5, num_iterations=200, every=200)
    J_star = long.cost(long.forward(inputs["standardized"]), Y)
    w_star_std = long.params["W1"][0]
    for case in CASES:
        X, w0 = inputs[case], starts[case]
        w_star = w_star_std if case == "standardized" else w_star_std / sigma
        finals = np.array([_run(X, Y, w0, lr, steps, False)[0] for lr in LR_GRID])
        SCAN.add(tr, case=case, steps=steps, lr=np.array(LR_GRID), J=finals)
        best = int(np.argmin(finals))
        diverged = [lr for lr, J_lr in zip(LR_GRID, finals, strict=True) if not np.isfinite(J_lr)]
        J_path, ws = _run(X, Y, w0, LR_GRID[best], steps, True)
        model = _model(np.zeros(2))
        costs = []
        for w in ws:
            model.set_params({"W1": w[None, :]})
            costs.append(model.cost(model.forward(X), Y))
        PATH.add(
            tr,
            case=case,
            lr=LR_GRID[best],
            diverging_lr=min(diverged) if diverged else None,
            steps=steps,
            J_star=J_star,
            w_star=w_star.tolist(),
            seed=seed,
            w1=ws[:, 0],
            w2=ws[:, 1],
            J=np.array(costs),
        )
        w1, w2, J = _surface(X, Y, np.vstack([ws, w_star]), grid)
        SURFACE.add(tr, case=case, w1=w1, w2=w2, J=J)
    return tr
