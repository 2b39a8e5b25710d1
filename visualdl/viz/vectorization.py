"""The vectorization figure: loop vs ``numpy.dot`` time over sizes, and the speed-up.

Reads the trace of :func:`visualdl.demos.vectorization.vectorization`.

Example
-------
>>> from visualdl.demos.vectorization import vectorization
>>> from visualdl.viz.vectorization import plot_vectorization
>>> len(plot_vectorization(vectorization(sizes=(100, 1000), repeats=1)).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["plot_vectorization"]

LOOP, DOT = COLORS["class1"], COLORS["class0"]


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def plot_vectorization(trace: Trace) -> Figure:
    """Left: wall time of the loop and of ``np.dot`` against ``n`` (log-log). Right: the
    speed-up ``loop / dot``, with its value at the largest size the loop ran."""
    rec = trace.last("vectorization.timing")
    n, loop_s, dot_s, speedup = rec["n"], rec["loop_s"], rec["dot_s"], rec["speedup"]
    ran = ~np.isnan(loop_s)
    info = rec.info
    fig = new_figure(12, 4.9)
    with styled():
        left, right = fig.subplots(1, 2)
        left.loglog(
            n[ran], loop_s[ran], "o-", color=LOOP, lw=2, label="Python loop:  c += a[i] * b[i]"
        )
        left.loglog(n, dot_s, "s-", color=DOT, lw=2, label="vectorized:  np.dot(a, b)")
        for s, color in ((loop_s[ran], LOOP), (dot_s, DOT)):
            k = len(s) - 1
            left.annotate(
                _duration(float(s[k])),
                (n[ran][k] if color == LOOP else n[k], s[k]),
                xytext=(-8, 8),
                textcoords="offset points",
                ha="right",
                fontsize=9.5,
                color=color,
            )
        left.set_xlabel("vector length n")
        left.set_ylabel("time per dot product (s)")
        left.set_title("Wall time, best of a few runs", loc="left")
        left.legend(loc="upper left", fontsize=9.5)

        right.semilogx(n[ran], speedup[ran], "o-", color=COLORS["update"], lw=2)
        right.set_ylim(0, float(np.nanmax(speedup)) * 1.18)
        k = int(np.flatnonzero(ran)[-1])
        best = int(np.nanargmax(speedup))
        right.annotate(
            f"×{speedup[k]:.0f} at n = {n[k]:,}",
            (n[k], speedup[k]),
            xytext=(-10, 14),
            textcoords="offset points",
            ha="right",
            fontsize=10,
        )
        if best != k:
            right.annotate(
                f"×{speedup[best]:.0f} at n = {n[best]:,}",
                (n[best], speedup[best]),
                xytext=(0, 10),
                textcoords="offset points",
                ha="center",
                fontsize=10,
            )
        right.set_xlabel("vector length n")
        right.set_ylabel("speed-up  (loop time / np.dot time)")
        right.set_title("How many times faster np.dot is", loc="left")
        fig.suptitle(
            f"Measured when this figure was made: Python {info['python']}, "
            f"NumPy {info['numpy']}, {info['machine']}, BLAS on {info['blas_threads']} thread",
            fontsize=11,
        )
    return fig
