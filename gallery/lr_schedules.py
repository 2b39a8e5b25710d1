"""Learning-rate schedules side by side (figure ``lr-schedules``).

Data: :func:`visualdl.demos.schedules.schedules` (the engine's schedule functions over 100
epochs); drawing: :func:`visualdl.viz.schedules.plot_schedules`.

Run on its own: ``python -m visualdl.gallery.lr_schedules --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.lr_schedules import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['lr-schedules.png', 'lr-schedules.svg']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.schedules import schedules
from visualdl.viz.figures import save
from visualdl.viz.schedules import plot_schedules

__all__ = ["CAPTION", "make"]

CAPTION = (
    "The learning-rate schedules of the notes over 100 epochs, all with a0 = 1: inverse time "
    "a0/(1 + 0.05·epoch) (the notes' code 1/(1 + 0.05·i): 1.0 at 0, 0.5 at 20, 0.17 at 100), "
    "exponential 0.95^epoch·a0, k/√epoch·a0 (k = 1; undefined at epoch 0, so it starts at "
    "epoch 1), a staircase that halves the rate every 20 epochs, and, as an extension, a "
    "cosine decay after a 10-epoch linear warm-up. Left: linear scale; right: log scale, where "
    "exponential decay is a straight line and each stair an equal drop (the cosine reaches 0 "
    "at both ends and leaves the log scale there). Every value is the engine's schedule "
    "function evaluated at that epoch."
)


def make(out: Path) -> list[Path]:
    """Write ``lr-schedules.png`` and ``lr-schedules.svg`` into ``out``; returns the paths."""
    return save(plot_schedules(schedules()), Path(out) / "lr-schedules", ("png", "svg"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
