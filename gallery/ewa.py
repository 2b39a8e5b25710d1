"""Exponentially weighted averages, raw and bias-corrected (figure ``ewa``).

Data: :func:`visualdl.demos.ewa.ewa_demo` (the engine's ``ewa`` on a seeded noisy series);
drawing: :func:`visualdl.viz.schedules.plot_ewa`.

Run on its own: ``python -m visualdl.gallery.ewa --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.ewa import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['ewa.png', 'ewa.svg']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.ewa import ewa_demo
from visualdl.viz.figures import save
from visualdl.viz.schedules import plot_ewa

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Exponentially weighted averages v_t = β v_(t−1) + (1 − β) θ_t of 200 noisy daily values "
    "(grey dots; level 10, a slow wave and Gaussian noise, seed 0), computed by the engine for "
    "β = 0.9 (about 10 days) and β = 0.98 (about 50 days). Starting from v_0 = 0, the raw "
    "average (dashed) begins at (1 − β) θ_1 and needs roughly 1/(1 − β) steps to catch up; "
    "dividing by 1 − β^t (solid) removes that start-up bias, as Adam does for its V and S. "
    "The right panels zoom into the first 20 steps. Larger β is smoother but lags more."
)


def make(out: Path) -> list[Path]:
    """Write ``ewa.png`` and ``ewa.svg`` into ``out``; returns the paths."""
    return save(plot_ewa(ewa_demo()), Path(out) / "ewa", ("png", "svg"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
