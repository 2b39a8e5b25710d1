"""A common mistake: the notes' Adam bias-corrects S with beta1 instead of beta2.

Right: ``S^c = S / (1 - beta2^t)``. The notes' version divides by ``1 - beta1^t``, which is
about 100 times too large a divisor at ``t = 1`` (0.1 instead of 0.001), so ``sqrt(S^c)`` is 10
times too small and the step 10 times too long; the two agree only once ``beta2^t`` has also
decayed (thousands of steps). Both are the engine's optimizers (``adam`` and ``adam_notes``),
run with the same hyper-parameters on the same gradients; nothing here is a formula.

Records (in this order):

- ``adam_mistake.steps`` (:data:`STEPS`, one per optimizer): ``|theta_t - theta_{t-1}|`` of a
  single parameter fed the same gradients;
- ``adam_mistake.ratio`` (:data:`RATIO`): the notes' step over the right one;
- ``optimizers.surface`` (:data:`~visualdl.demos.optimizers.SURFACE`): the contour grid over
  the surface's window, grown to hold both paths (the notes' first step jumps far out of it);
- ``optimizers.path`` (:data:`~visualdl.demos.optimizers.PATH`, one per optimizer, from
  :func:`visualdl.engine.descent.minimize`), with info ``first_step``, the length of the first
  step in the plane.

Example
-------
>>> from visualdl.demos.adam_mistake import adam_mistake
>>> tr = adam_mistake(N=20, steps=20, grid=5)
>>> round(float(tr.last("adam_mistake.ratio")["ratio"][0]), 2)  # the first step, computed
10.0
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from visualdl.demos.optimizers import add_path, add_surface
from visualdl.engine.descent import Path, minimize
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.surfaces import get
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["RATIO", "STEPS", "VARIANTS", "adam_mistake", "step_sizes"]

VARIANTS = ("adam", "adam_notes")

STEPS = declare(
    "adam_mistake.steps",
    arrays={
        "t": "(N,)",  # 1..N
        "g": "(N,)",  # the gradient fed at step t, the same for both
        "step": "(N,)",  # |theta_t - theta_{t-1}|
    },
    info={
        "optimizer": "adam or adam_notes",
        "lr": "rate",
        "beta1": "first-moment beta",
        "beta2": "second-moment beta",
        "eps": "epsilon",
        "seed": "seed of the noisy gradients",
    },
)
RATIO = declare(
    "adam_mistake.ratio",
    arrays={
        "t": "(N,)",  # 1..N
        "ratio": "(N,)",  # the notes' step over the right one
    },
)


def step_sizes(
    optimizer: str, g: np.ndarray, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999
) -> np.ndarray:
    """``|Delta theta_t|: (N,)`` when ``optimizer`` is fed the gradients ``g: (N,)`` in turn.

    >>> step_sizes("adam", np.ones(3), lr=0.01).round(6).tolist()  # constant g: lr per step
    [0.01, 0.01, 0.01]
    """
    opt = Optimizer(optimizer, lr=lr, beta1=beta1, beta2=beta2)
    theta = {"x": np.float64(0.0)}
    out = np.empty(len(g))
    for i, gt in enumerate(np.asarray(g, dtype=np.float64)):
        new = opt.step(theta, {"dx": gt})
        out[i] = abs(float(new["x"] - theta["x"]))
        theta = new
    return out


def _window(
    bounds: tuple[tuple[float, float], tuple[float, float]], paths: Iterable[Path]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The surface's plotting window grown to hold every point of ``paths`` (5 % margin)."""
    out = []
    for axis, key in enumerate(("x", "y")):
        lo = min([bounds[axis][0], *(float(p.params[key].min()) for p in paths)])
        hi = max([bounds[axis][1], *(float(p.params[key].max()) for p in paths)])
        pad = 0.05 * (hi - lo) if (lo, hi) != bounds[axis] else 0.0
        out.append((lo - pad, hi + pad))
    return out[0], out[1]


def adam_mistake(
    N: int = 3000,
    lr: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    seed: int = 0,
    surface: str = "rosenbrock",
    surface_lr: float = 0.3,
    steps: int = 300,
    grid: int = 120,
) -> Trace:
    """Step sizes over ``t = 1..N`` on noisy gradients ``g_t = 1 + 0.5 z_t`` (``z`` from
    ``default_rng(seed)``), and both paths on ``surface`` with ``surface_lr`` (see the module).
    """
    g = 1.0 + 0.5 * np.random.default_rng(seed).standard_normal(N)
    t = np.arange(1, N + 1)
    tr = Trace({"demo": "adam-mistake", "seed": seed})
    sizes = {}
    for name in VARIANTS:
        sizes[name] = step_sizes(name, g, lr, beta1, beta2)
        info = {"optimizer": name, "lr": lr, "beta1": beta1, "beta2": beta2, "eps": 1e-8}
        STEPS.add(tr, **info, seed=seed, t=t, g=g, step=sizes[name])
    RATIO.add(tr, t=t, ratio=sizes["adam_notes"] / sizes["adam"])
    s = get(surface)
    paths = {
        name: minimize(s, Optimizer(name, lr=surface_lr, beta1=beta1, beta2=beta2), steps)
        for name in VARIANTS
    }
    add_surface(tr, surface, grid, bounds=_window(s.bounds, paths.values()))
    for name, path in paths.items():
        x, y = path.params["x"], path.params["y"]
        first = float(np.hypot(x[1] - x[0], y[1] - y[0])) if len(path.loss) > 1 else None
        add_path(tr, name, surface_lr, path, first_step=first)
    return tr
