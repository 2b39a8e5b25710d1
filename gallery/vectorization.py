"""Loop vs vectorized dot product over sizes (figure ``vectorization``), timed when made.

Data: :func:`visualdl.demos.vectorization.vectorization`; drawing:
:func:`visualdl.viz.vectorization.plot_vectorization`. Timings are machine-dependent.

Run on its own: ``python -m visualdl.gallery.vectorization --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.vectorization import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['vectorization.png', 'vectorization.svg']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.vectorization import vectorization
from visualdl.viz.figures import save
from visualdl.viz.vectorization import plot_vectorization

__all__ = ["CAPTION", "make"]

CAPTION = (
    "The notes' Python loop (c += a[i] * b[i]) against np.dot(a, b) for vector lengths from "
    "10^2 to 10^6, timed on this machine when the figure was made (best of a few runs). Left: "
    "time per dot product, log-log; right: how many times faster np.dot is. The notes report "
    "about 700x at n = 10^6; the exact ratio depends on the machine, but it is in the "
    "hundreds. It typically falls again for the largest n, where np.dot waits on memory "
    "rather than arithmetic."
)


def make(out: Path) -> list[Path]:
    """Time, then write ``vectorization.png`` and ``.svg`` into ``out``; returns the paths."""
    fig = plot_vectorization(vectorization())
    return save(fig, Path(out) / "vectorization", ("png", "svg"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
