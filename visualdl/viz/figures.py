"""Shared helpers for gallery figures: a styled ``Figure`` without pyplot, and atomic saving.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot, no global state,
headless by construction) inside the shared style :func:`visualdl.viz.style.mpl_rc`.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.viz.figures import new_figure, save
>>> fig = new_figure(3, 2)
>>> _ = fig.add_subplot().plot([0, 1], [1, 0])
>>> [p.suffix for p in save(fig, pathlib.Path(tempfile.mkdtemp()) / "line", ("png",))]
['.png']
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.files import atomic_write
from visualdl.viz.style import BACKGROUND, COLORS, mpl_rc

__all__ = ["class_points", "new_figure", "save", "styled"]


@contextmanager
def styled() -> Iterator[None]:
    """The gallery's rcParams (palette, fonts, dpi) for the duration of the block."""
    rc = {
        **mpl_rc(),
        "text.color": COLORS["text"],
        "axes.labelcolor": COLORS["text"],
        "figure.facecolor": BACKGROUND["figure"],
    }
    with matplotlib.rc_context(rc):
        yield


def new_figure(width: float, height: float, **kwargs: object) -> Figure:
    """A ``Figure`` of ``width x height`` inches in the shared style (constrained layout)."""
    with styled():
        return Figure(figsize=(width, height), layout="constrained", **kwargs)


def class_points(
    ax: Axes,
    X,
    Y,
    size: float,
    linewidth: float,
    zorder: float = 3,
    edgecolor: str = COLORS["text"],
    labelled: bool = True,
) -> None:
    """Examples ``X: (2, m)`` as points coloured and shaped by their label ``Y: (1, m)``:
    class 0 blue circles, class 1 orange squares, legend entries ``y = 0`` and ``y = 1``
    unless ``labelled`` is False."""
    for label, marker in ((0, "o"), (1, "s")):
        mask = Y[0] == label
        ax.scatter(
            X[0, mask],
            X[1, mask],
            marker=marker,
            s=size,
            color=COLORS[f"class{label}"],
            edgecolor=edgecolor,
            linewidth=linewidth,
            zorder=zorder,
            **({"label": f"y = {label}"} if labelled else {}),
        )


def save(fig: Figure, stem: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[Path]:
    """Write ``stem.<fmt>`` for each format, each through a temporary file and ``os.replace``.

    Returns the written paths; a failure leaves no partial file behind.
    """
    stem = Path(stem)
    paths = []
    with styled():
        for fmt in formats:
            path = stem.with_name(f"{stem.name}.{fmt}")
            with atomic_write(path) as tmp:
                fig.savefig(tmp, format=fmt, metadata=_metadata(fmt))
            paths.append(path)
    return paths


def _metadata(fmt: str) -> dict[str, object] | None:
    """Drop time stamps so the same figure gives the same file."""
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None
