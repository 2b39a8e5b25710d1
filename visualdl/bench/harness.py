"""How a benchmark measures: two ways to compute the same thing, checked equal, then timed.

A :class:`Pair` is the engine's fast op and another computation of the same outputs (the loop
oracle, or PyTorch CPU autograd). :func:`error` runs both once and gives the largest relative
difference; :func:`ratio` times them in interleaved rounds and gives the median of the per-round
ratios ``engine / other``. A round times each side as the fastest of ``k`` back-to-back calls,
alternating which goes first, so a busy moment on a shared machine hits both sides alike.

Example
-------
>>> import numpy as np
>>> x = np.arange(6.0)
>>> pair = Pair(lambda: x.sum(), lambda: sum(x.tolist()), lambda: ([x.sum()], [sum(x.tolist())]))
>>> error(pair)
0.0
>>> t_engine, t_other, r = ratio(pair, rounds=3)
>>> r > 0
True
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

__all__ = ["Bench", "Pair", "error", "machine", "ratio", "threads", "torch_or_none"]

ROUND_SECONDS = 0.04  # each side's share of one round: enough calls to take about this long


@dataclass(frozen=True)
class Pair:
    """``engine`` and ``other`` compute the same thing (their return values are not compared:
    they are what is timed); ``results()`` runs both once and returns their outputs as two
    lists of arrays in one convention, to be compared."""

    engine: Callable[[], object]
    other: Callable[[], object]
    results: Callable[[], tuple[Sequence[Any], Sequence[Any]]]


@dataclass(frozen=True)
class Bench:
    """One op timed two ways. ``loop(quick)`` pairs the engine with its loop oracle on a small
    case (None: the op has no loop version); ``torch(torch, quick)`` pairs it with PyTorch CPU
    on the case ``shape`` describes (smaller when ``quick``). ``target`` bounds engine / torch
    at 1 thread, ``target_default`` at the default threads, ``loop_target`` bounds loop /
    engine from below (None: reported, not a target). ``loop_what`` says what the loop pair
    computes."""

    name: str
    dtype: str
    shape: str
    loop: Callable[[bool], Pair] | None
    torch: Callable[[Any, bool], Pair] | None
    target: float | None = None
    target_default: float | None = None
    loop_target: float | None = None
    loop_what: str = "forward + backward"
    note: str = ""


def error(pair: Pair) -> float:
    """The largest ``max|a - b| / max|b|`` over the pair's outputs (0 when they agree
    exactly)."""
    mine, theirs = pair.results()
    if len(mine) != len(theirs):
        raise ValueError(f"expected as many outputs on both sides, got {len(mine)}, {len(theirs)}")
    worst = 0.0
    for a, b in zip(mine, theirs, strict=True):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            raise ValueError(f"expected equal shapes, got {a.shape} and {b.shape}")
        scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
        worst = max(worst, float(np.max(np.abs(a - b), initial=0.0)) / scale)
    return worst


def _best_of(f: Callable[[], object], k: int) -> float:
    """The fastest of ``k`` calls, in seconds."""
    best = float("inf")
    for _ in range(k):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def _calls(f: Callable[[], object]) -> int:
    """How many back-to-back calls of ``f`` take about :data:`ROUND_SECONDS` (1 to 50)."""
    once = _best_of(f, 2)
    return int(min(50, max(1, ROUND_SECONDS // max(once, 1e-9))))


def ratio(pair: Pair, rounds: int = 7) -> tuple[float, float, float]:
    """``(t_engine, t_other, median ratio)``: the median times in seconds over ``rounds``
    interleaved rounds, and the median of the per-round ratios ``t_engine / t_other``."""
    k_engine, k_other = _calls(pair.engine), _calls(pair.other)
    t_e, t_o = [], []
    for r in range(rounds):
        sides = [(pair.engine, k_engine, t_e), (pair.other, k_other, t_o)]
        for f, k, times in sides if r % 2 == 0 else sides[::-1]:
            times.append(_best_of(f, k))
    per_round = [e / o for e, o in zip(t_e, t_o, strict=True)]
    return statistics.median(t_e), statistics.median(t_o), statistics.median(per_round)


def torch_or_none() -> Any:
    """PyTorch when it imports (never a dependency of visualdl), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


@contextmanager
def threads(n: int | None, torch: Any) -> Iterator[None]:
    """NumPy's BLAS and PyTorch both held to ``n`` threads (``None``: their defaults)."""
    if n is None:
        yield
        return
    before = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=n):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(torch: Any) -> dict[str, Any]:
    """What the times depend on: CPU, core count, NumPy and its BLAS (the kernel OpenBLAS
    picked, its default threads, ``OPENBLAS_CORETYPE`` when set), PyTorch and its threads."""
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return {
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": [
            {
                "library": i.get("internal_api"),
                "version": i.get("version"),
                "kernel": i.get("architecture"),
                "threads": i.get("num_threads"),
            }
            for i in blas
        ],
        "blas_threads": max((i.get("num_threads", 1) for i in blas), default=1),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
    }
