"""Batch vs mini-batch vs stochastic gradient descent on real data (figure ``minibatch``).

Data: :func:`visualdl.demos.minibatch.minibatch` (the engine's ``Sequential.fit`` with
``batch_size`` m, 64 and 1); drawing: :func:`visualdl.viz.optimizers.plot_minibatch`.

Run on its own: ``python -m visualdl.gallery.minibatch --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.minibatch import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['minibatch.png']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.minibatch import minibatch
from visualdl.viz.figures import save
from visualdl.viz.optimizers import plot_minibatch

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Logistic regression a = σ(w r + b) on real data (r: the standardized mean radius of 569 "
    "breast-cancer cell nuclei, label: malignant), trained by the engine with plain gradient "
    "descent, the same learning rate 0.5 and the same 20 epochs, from (w, b) = (−4, 4), for "
    "three batch sizes: the whole set (batch, 1 step per epoch), mini-batches of 64 (9 steps "
    "per epoch, the last one smaller) and single examples (stochastic, 569 steps per epoch), "
    "shuffled with seed 0 every epoch. Left: the path of (w, b) on the contours of the cost "
    "J(w, b); every batch step is a dot. Middle: the cost on all examples per epoch, the same "
    "work for all three: batch has taken only 20 small steps, mini-batch has converged, "
    "stochastic gets there within the first epoch and then jitters around the minimum (its "
    "path is the cloud). Right: per step (log scale): batch makes the most progress per step, "
    "and the faint lines show how noisy the cost of the step's own mini-batch is."
)


def make(out: Path) -> list[Path]:
    """Train three ways, then write ``minibatch.png`` into ``out``."""
    return save(plot_minibatch(minibatch()), Path(out) / "minibatch", ("png",))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
