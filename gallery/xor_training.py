"""XOR decision boundary during training, and the ln 2 plateau of 0.01 init vs He
(figure ``xor-training``).

Data: :func:`visualdl.demos.xor.xor_training` (the notes' runs and ten He seeds, trained by
the engine now); drawing: :mod:`visualdl.viz.xor`.

Run on its own: ``python -m visualdl.gallery.xor_training --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.xor_training import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['xor-training-boundaries.png', 'xor-training-loss.png', 'xor-training-loss.svg']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.xor import xor_training
from visualdl.viz.figures import save
from visualdl.viz.xor import plot_boundaries, plot_loss

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Top: the network's output over the plane (blue: class 0, orange: class 1) and its "
    "decision boundary a = 0.5 at the start, when the cost has made 10 %, 50 % and 90 % of "
    "its total drop (and half-way to the first), and at the end, for the notes' own runs "
    "(0.01 init, np.random.seed(1), lr 0.1) and a He-initialized 2-4-6-1. The notes' code "
    "(2-4-1) ends at 75 %, not the 100 % it claims. Bottom: the cost of every run. With 0.01 "
    "weights the 2-4-6-1 network outputs 0.5 everywhere and its cost sits on ln 2 for "
    "thousands of iterations; He init starts learning at once (ten seeds shown, not one "
    "picked)."
)


def make(out: Path) -> list[Path]:
    """Train, then write the boundary and loss figures into ``out``; returns the paths."""
    trace = xor_training()
    out = Path(out)
    return [
        *save(plot_boundaries(trace), out / "xor-training-boundaries", ("png",)),
        *save(plot_loss(trace), out / "xor-training-loss", ("png", "svg")),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
