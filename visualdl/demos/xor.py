"""XOR training runs: loss curves, decision boundaries, the ln 2 plateau of the 0.01 init.

The notes train an MLP on the four XOR points with ``np.random.seed(1)``, weights
``randn * 0.01``, learning rate 0.1 and 10,000 iterations. As coded (``layer_dims = [2, 4, 1]``)
that run reaches 75 %, not the 100 % the notes print; the 2-4-6-1 network of their comment
reaches 100 % but sits on the cost ``ln 2`` (every output 0.5) for about 7,000 iterations,
because the signal through two layers of 0.01 weights is tiny. He initialization
(``randn * sqrt(2 / n[l-1])``) starts learning at once. These demos run exactly those
configurations with :mod:`visualdl.engine` and return traces.

Records of a run ``key`` (``xor_run`` and ``xor_training``): ``xor.run`` (:data:`RUN`: the
cost before every update and the final outputs) and, when ``snapshots``, ``xor.snapshot``
(:data:`SNAPSHOT`): the network's output ``A[L]`` at every grid point (``P[i, j]`` at
``x1 = xs[j], x2 = ys[i]``) after ``iteration`` updates. ``xor_training`` adds ``xor.data``
(:data:`DATA`) and ``xor.chance`` (:data:`CHANCE`), then every run's records.

Example
-------
>>> from visualdl.demos.xor import notes_xor
>>> tr = notes_xor(num_iterations=10_000, snapshots=False)
>>> tr.last("xor.run").info["accuracy"]
0.75
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import data, losses, mlp
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = [
    "CHANCE",
    "DATA",
    "MOMENTS",
    "RUN",
    "SNAPSHOT",
    "notes_xor",
    "plateau_end",
    "xor_run",
    "xor_training",
]

#: Snapshot moments: fraction of the run's total cost drop achieved (0 = start, 1 = end).
MOMENTS = (0.1, 0.5, 0.9)
PLATEAU_TOL = 1e-3  # |J - ln 2| below this counts as "on the plateau"

RUN = declare(
    "xor.run",
    arrays={
        "iteration": "(N,)",  # 0..N-1
        "cost": "(N,)",  # the cost before update i
        "A": "(1, 4)",  # final outputs
    },
    info={
        "key": "the run's name",
        "layer_dims": "layer sizes",
        "init": "weight initialization",
        "rng": "RandomState or Generator",
        "seed": "seed",
        "learning_rate": "rate",
        "num_iterations": "updates",
        "accuracy": "final accuracy",
        "final_cost": "cost after the last update",
        "plateau_end": "first iteration off the ln 2 plateau",
    },
)
SNAPSHOT = declare(
    "xor.snapshot",
    arrays={
        "xs": "(n,)",  # x1 grid
        "ys": "(n,)",  # x2 grid
        "P": "(n, n)",  # A[L] at (xs[j], ys[i])
    },
    info={
        "key": "the run's name",
        "iteration": "updates made",
        "cost": "cost there",
        "accuracy": "accuracy there",
        "moment": "why this iteration is shown",
    },
)
DATA = declare(
    "xor.data",
    arrays={
        "X": "(2, 4)",  # the four points
        "Y": "(1, 4)",  # labels
    },
)
CHANCE = declare(
    "xor.chance",
    info={"J": "the engine's BCE when every output is 0.5", "ln2": "numpy.log(2)"},
)


def plateau_end(cost: np.ndarray, level: float, tol: float = PLATEAU_TOL) -> int:
    """The first iteration whose cost is farther than ``tol`` from ``level`` (``len`` if none).

    >>> plateau_end(np.array([0.6931, 0.6932, 0.5]), float(np.log(2)))
    2
    """
    off = np.flatnonzero(np.abs(np.asarray(cost) - level) > tol)
    return int(off[0]) if off.size else len(cost)


def _make_rng(rng: str, seed: int) -> np.random.Generator | np.random.RandomState:
    if rng == "RandomState":
        return np.random.RandomState(seed)  # the notes' np.random.seed(seed) stream
    if rng == "Generator":
        return np.random.default_rng(seed)
    raise ValueError(f"xor_run: rng must be 'RandomState' or 'Generator', got {rng!r}")


def _moments(cost: np.ndarray) -> dict[int, str]:
    """Iterations worth drawing: start, mid-way to the first milestone, milestones, end."""
    end = len(cost) - 1
    drop = cost[0] - cost[-1]
    shown = {0: "start"}
    if drop > 0:
        first = None
        for f in MOMENTS:
            k = int(np.argmax(cost <= cost[0] - f * drop))
            shown.setdefault(k, f"{round(100 * f)} % of the drop")
            first = k if first is None else first
        if first and first // 2 not in shown:
            shown[first // 2] = "halfway to 10 %"
    shown.setdefault(end, "end")
    return dict(sorted(shown.items()))


def xor_run(
    layer_dims: tuple[int, ...] = (2, 4, 6, 1),
    init: str = "scaled_normal",
    seed: int = 1,
    rng: str = "RandomState",
    learning_rate: float = 0.1,
    num_iterations: int = 10_000,
    snapshots: bool = True,
    grid_n: int = 61,
    key: str | None = None,
) -> Trace:
    """Train ``mlp(layer_dims)`` (ReLU hidden, sigmoid output, BCE) on XOR by full-batch GD.

    ``rng="RandomState"`` draws the weights like the notes' ``np.random.seed(seed)``;
    ``"Generator"`` uses ``numpy.random.default_rng(seed)``. With ``snapshots`` the decision
    surface ``P = A[L](x1, x2)`` on a ``grid_n x grid_n`` grid over ``[-0.5, 1.5]^2`` is recorded
    at the start, at the moments the cost has made 10 %, 50 % and 90 % of its total drop (and
    half-way to the first), and at the end. Returns a trace (module docstring).
    """
    X, Y = data.xor()
    key = key or f"{'-'.join(map(str, layer_dims))} {init} {rng}({seed})"
    model = mlp(list(layer_dims), init=init, seed=_make_rng(rng, seed))
    states = [model.params]  # params after k updates; the model replaces arrays, never mutates

    def keep(i: int, m: object) -> None:
        states.append(model.params)

    hist = model.fit(
        X,
        Y,
        learning_rate=learning_rate,
        num_iterations=num_iterations,
        every=1,
        callback=keep if snapshots else None,
    )
    cost = np.asarray(hist["cost"])
    A = model.forward(X)
    level = float(losses.bce(np.full_like(Y, 0.5), Y))  # ln 2: every output 0.5
    info = {
        "key": key,
        "layer_dims": list(layer_dims),
        "init": init,
        "rng": rng,
        "seed": seed,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
        "accuracy": model.accuracy(X, Y),
        "final_cost": model.cost(A, Y),
        "plateau_end": plateau_end(cost, level),
    }
    tr = Trace({"demo": "xor_run", "key": key})  # the runs' own steps are not recorded
    RUN.add(tr, **info, iteration=np.arange(num_iterations), cost=cost, A=A)
    if snapshots:
        xs = np.linspace(-0.5, 1.5, grid_n)
        G = np.array(np.meshgrid(xs, xs)).reshape(2, -1)  # (2, n*n), x1 varies fastest
        full = np.append(cost, info["final_cost"])
        for k, moment in _moments(full).items():
            model.set_params(states[k])
            P = model.forward(G).reshape(grid_n, grid_n)
            SNAPSHOT.add(
                tr,
                key=key,
                iteration=k,
                cost=float(full[k]),
                accuracy=model.accuracy(X, Y),
                moment=moment,
                xs=xs,
                ys=xs,
                P=P,
            )
        model.set_params(states[-1])
    return tr


def notes_xor(
    layer_dims: tuple[int, ...] = (2, 4, 1),
    num_iterations: int = 10_000,
    snapshots: bool = True,
    grid_n: int = 61,
) -> Trace:
    """The notes' own run: 0.01 init, ``np.random.seed(1)``, lr 0.1; 2-4-1 gets 75 %."""
    return xor_run(
        layer_dims,
        "scaled_normal",
        1,
        "RandomState",
        0.1,
        num_iterations,
        snapshots,
        grid_n,
        key=f"notes {'-'.join(map(str, layer_dims))}",
    )


def xor_training(
    he_seeds: tuple[int, ...] = tuple(range(10)),
    num_iterations: int = 10_000,
    grid_n: int = 61,
) -> Trace:
    """Everything the xor-training figure shows, computed now.

    Runs (all lr 0.1, ReLU hidden, sigmoid output): the notes' 2-4-1 and 2-4-6-1 with 0.01
    init and ``RandomState(1)`` (keys ``notes 2-4-1``, ``notes 2-4-6-1``), and 2-4-6-1 with He
    init for every seed in ``he_seeds`` (``default_rng(seed)``, keys ``he 2-4-6-1 seed s``;
    snapshots for the first seed only). Also records ``xor.data`` (``X, Y``) and
    ``xor.chance``: info ``J`` = the engine's BCE when every output is 0.5 and ``ln2`` =
    ``numpy.log(2)``; they agree.
    """
    X, Y = data.xor()
    tr = Trace(
        {"demo": "xor_training", "he_seeds": list(he_seeds), "num_iterations": num_iterations}
    )
    DATA.add(tr, X=X, Y=Y)
    CHANCE.add(tr, J=float(losses.bce(np.full_like(Y, 0.5), Y)), ln2=float(np.log(2)))
    runs = [notes_xor(dims, num_iterations, grid_n=grid_n) for dims in ((2, 4, 1), (2, 4, 6, 1))]
    for i, s in enumerate(he_seeds):
        runs.append(
            xor_run(
                (2, 4, 6, 1),
                "he",
                s,
                "Generator",
                0.1,
                num_iterations,
                snapshots=i == 0,
                grid_n=grid_n,
                key=f"he 2-4-6-1 seed {s}",
            )
        )
    for run in runs:
        tr.extend(run)
    return tr
