"""Drawing optimizer paths on a 2-D loss surface: contours, paths, start/end marks.

Reads ``optimizers.surface`` records (arrays ``X, Y, F``: a grid and the loss there, computed by the
engine) and path arrays ``x, y`` (the points visited). Paths are clipped to the plotting
window: a path that leaves it for good is drawn up to its exit and marked there; a diverged run
(``diverged_at`` not None) is drawn up to its last finite point and marked with a cross.
A path that leaves the window and comes back is drawn whole (matplotlib clips it at the frame).
Nothing here computes a loss.

Example
-------
>>> import numpy as np
>>> from visualdl.viz.paths import exit_index
>>> exit_index(np.array([0.0, 1.0, 5.0]), np.zeros(3), ((-2, 2), (-2, 2)))
2
>>> exit_index(np.array([0.0, 5.0, 1.0]), np.zeros(3), ((-2, 2), (-2, 2))) is None  # came back
True
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap

from visualdl.trace import Record
from visualdl.viz.style import COLORS, OPTIMIZER_COLORS

__all__ = [
    "SURFACE_CMAP",
    "draw_path",
    "draw_surface",
    "exit_index",
    "levels",
    "optimizer_color",
    "path_label",
]

#: Light background for contour maps: low loss pale, high loss a soft blue-grey.
SURFACE_CMAP = LinearSegmentedColormap.from_list("visualdl_surface", ["#FFFFFF", "#C9D3E3"])
NAMES = {
    "gd": "GD",
    "momentum": "momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
    "adam_notes": "Adam as in the notes",
}


def optimizer_color(name: str) -> str:
    """The shared colour of optimizer ``name`` (muted grey for an unknown one)."""
    return OPTIMIZER_COLORS.get(name, COLORS["muted"])


def _fmt_lr(lr: float) -> str:
    return f"{lr:g}"


def path_label(info: dict, left_at: int | None = None) -> str:
    """``"Adam, lr 0.3"`` plus ``", diverged at step 12"`` or ``", out of view from step 7"``.

    >>> path_label({"optimizer": "gd", "lr": 0.1, "diverged_at": 4})
    'GD, lr 0.1, diverged at step 4'
    """
    text = f"{NAMES.get(info['optimizer'], info['optimizer'])}, lr {_fmt_lr(info['lr'])}"
    if info.get("diverged_at") is not None:
        return f"{text}, diverged at step {info['diverged_at']}"
    if left_at is not None:
        return f"{text}, out of view from step {left_at}"
    return text


def levels(F: np.ndarray, n: int = 18) -> np.ndarray:
    """Contour levels for ``F``: geometric from just above its minimum when ``F > 0`` (so the
    valley floor shows), else evenly spaced."""
    lo, hi = float(np.nanmin(F)), float(np.nanmax(F))
    if lo >= 0 and hi > 0:
        floor = max(lo, hi * 1e-6)
        return np.geomspace(floor + (hi - floor) * 1e-4, hi, n)
    return np.linspace(lo, hi, n)


def draw_surface(ax: Axes, surface: Record, minimum: bool = True) -> None:
    """Filled contours and contour lines of ``surface`` (arrays ``X, Y, F``), the window fixed
    to the grid, and the minimum as a star when the record's info has one."""
    X, Y, F = surface["X"], surface["Y"], surface["F"]
    lv = levels(F)
    ax.contourf(X, Y, F, levels=lv, cmap=SURFACE_CMAP, extend="both")
    ax.contour(X, Y, F, levels=lv, colors=COLORS["muted"], linewidths=0.6, alpha=0.8)
    ax.set_xlim(float(X.min()), float(X.max()))
    ax.set_ylim(float(Y.min()), float(Y.max()))
    ax.set_autoscale_on(False)
    ax.grid(False)
    start = surface.info.get("start")
    if start is not None:
        ax.plot(*start, "o", ms=9, mfc="white", mec=COLORS["text"], mew=1.8, zorder=6)
    best = surface.info.get("minimum")
    if minimum and best is not None:
        ax.plot(*best, "*", ms=15, color=COLORS["text"], mec="white", zorder=8)


def exit_index(
    x: np.ndarray, y: np.ndarray, bounds: tuple[tuple[float, float], tuple[float, float]]
) -> int | None:
    """The step after which the path stays outside ``bounds = ((x0, x1), (y0, y1))`` to its
    end, or None when its end lies inside (a path that leaves and comes back ends inside)."""
    (x0, x1), (y0, y1) = bounds
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    if len(inside) == 0 or inside[-1]:
        return None
    back = np.flatnonzero(inside)
    return int(back[-1]) + 1 if back.size else 0


def draw_path(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    color: str,
    label: str | None = None,
    diverged: bool = False,
    lw: float = 1.8,
    alpha: float = 0.95,
    markers: bool = True,
) -> int | None:
    """Draw the path ``(x, y)``, clipped to the axes' window; return the step at which it
    leaves the window for good (or None). The end gets a dot, a final exit a triangle at the
    last point in view (pointing the way out), a divergence a cross at its last finite point
    (or at its last point in view, when that point lies outside).
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    left = exit_index(x, y, ((x0, x1), (y0, y1)))
    stop = len(x) if left is None else left + 1  # one point past: the line meets the frame
    ax.plot(x[:stop], y[:stop], color=color, lw=lw, alpha=alpha, label=label, zorder=4)
    if not markers:
        return left
    if left == 0:  # never in view: nothing to mark
        return left
    i = len(x) - 1 if left is None else left - 1  # the end, or the last point in view
    if diverged:
        ax.plot(x[i], y[i], "X", ms=12, color=color, mec=COLORS["text"], mew=1, zorder=7)
    elif left is not None:  # pointing the way out
        dx, dy = x[left] - x[i], y[left] - y[i]
        angle = float(np.degrees(np.arctan2(dy / (y1 - y0), dx / (x1 - x0))))
        ax.plot(
            x[i],
            y[i],
            marker=(3, 0, angle - 90),
            ms=10,
            color=color,
            mec=COLORS["text"],
            mew=0.8,
            zorder=7,
            linestyle="none",
        )
    else:
        ax.plot(x[i], y[i], "o", ms=7, color=color, mec=COLORS["text"], mew=1, zorder=7)
    return left
