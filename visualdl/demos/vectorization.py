"""Vectorization: the notes' Python ``for`` loop against ``numpy.dot``, timed now.

The notes time ``c += a[i] * b[i]`` over ``n = 10**6`` entries against ``np.dot(a, b)`` and
report about 700x. This demo measures both on this machine for sizes ``n`` from 10^2 to 10^6
(log-spaced), with ``a, b`` drawn from ``default_rng(seed)``. Each timing is the best of a few
repeats (``time.perf_counter``); the loop is only run up to ``loop_max`` entries so that the
whole demo takes a few seconds. BLAS runs on one thread while timing, like the loop: the
speed-up is vectorization alone, and a busy machine cannot stall BLAS's worker threads.
Timings differ from run to run; the sizes, data and the two
results (loop and dot agree to rounding) are deterministic.

Record ``vectorization.timing`` (:data:`TIMING`): both timings per size, the speed-up and
``|loop - dot|`` (NaN where the loop was skipped).

Example
-------
>>> from visualdl.demos.vectorization import vectorization
>>> tr = vectorization(sizes=(100, 1000), repeats=1)
>>> rec = tr.last("vectorization.timing")
>>> bool((rec["speedup"] > 1).all())
True
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["SIZES", "TIMING", "dot_loop", "vectorization"]

#: 10^2, 10^2.5, ..., 10^6, rounded to integers.
SIZES: tuple[int, ...] = tuple(int(round(10 ** (k / 2))) for k in range(4, 13))

TIMING = declare(
    "vectorization.timing",
    arrays={
        "n": "(k,)",  # sizes
        "loop_s": "(k,)",  # seconds of the loop, NaN where skipped
        "dot_s": "(k,)",  # seconds of np.dot
        "speedup": "(k,)",  # loop_s / dot_s
        "max_abs_diff": "(k,)",  # |loop - dot|, NaN where skipped
    },
    info={
        "seed": "seed of a, b",
        "repeats": "best of how many",
        "numpy": "numpy version",
        "machine": "platform.machine()",
        "python": "Python version",
        "blas_threads": "BLAS threads while timing",
    },
)


def dot_loop(a: np.ndarray, b: np.ndarray) -> float:
    """The notes' loop: ``c = 0; for i in range(n): c += a[i] * b[i]``.

    >>> dot_loop(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    c = 0.0
    for i in range(len(a)):
        c += a[i] * b[i]
    return float(c)


def _best(f: Callable[[], float], repeats: int, budget_s: float) -> tuple[float, float]:
    """Best wall time of ``f`` over at most ``repeats`` runs (stops after ``budget_s``)."""
    best, value, start = float("inf"), 0.0, time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = f()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() - start > budget_s:
            break
    return best, value


def _time_size(
    a: np.ndarray, b: np.ndarray, loop_max: int, repeats: int
) -> tuple[float, float, float]:
    """``(dot_s, loop_s, |loop - dot|)`` for one size; the loop part is NaN above ``loop_max``."""
    single = _best(lambda: float(np.dot(a, b)), 3, 0.2)[0]
    inner = max(1, int(5e-3 / max(single, 1e-7)))

    def many() -> float:
        for _ in range(inner):
            v = np.dot(a, b)
        return float(v)

    t, v_dot = _best(many, max(repeats, 5), 0.3)
    if len(a) > loop_max:
        return t / inner, float("nan"), float("nan")
    loop_s, v_loop = _best(lambda: dot_loop(a, b), repeats, 0.3)
    return t / inner, loop_s, abs(v_loop - v_dot)


def vectorization(
    sizes: tuple[int, ...] = SIZES, loop_max: int = 10**6, repeats: int = 3, seed: int = 0
) -> Trace:
    """Time the loop and ``np.dot`` for every ``n`` in ``sizes`` (see the module docstring).

    Shapes: ``a, b: (n,)``. The dot product is repeated in batches of about 5 ms (so
    microsecond timings are not timer noise) and the best of at least 5 batches is divided by
    the batch size; the best, not the mean, because other processes only ever add time.
    """
    if not sizes or min(sizes) < 1:
        raise ValueError(f"vectorization: sizes must be positive, got {sizes}")
    rng = np.random.default_rng(seed)
    n = np.array(sizes)
    loop_s = np.full(len(n), np.nan)
    dot_s = np.zeros(len(n))
    diff = np.full(len(n), np.nan)
    with threadpool_limits(limits=1, user_api="blas"):
        for j, size in enumerate(sizes):
            a, b = rng.standard_normal(size), rng.standard_normal(size)
            dot_s[j], loop_s[j], diff[j] = _time_size(a, b, loop_max, repeats)
    info = {
        "seed": seed,
        "repeats": repeats,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "blas_threads": 1,
    }
    tr = Trace({"demo": "vectorization"})
    TIMING.add(
        tr,
        **info,
        n=n,
        loop_s=loop_s,
        dot_s=dot_s,
        speedup=loop_s / dot_s,
        max_abs_diff=diff,
    )
    return tr
