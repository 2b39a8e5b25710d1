"""XOR decision boundary during training, and the ln 2 plateau of 0.01 init vs He
(figure ``xor-training``).

Run alone: ``python -m visualdl.gallery xor-training --out DIR``.
"""

from __future__ import annotations

from pathlib import Path

from visualdl.demos.xor import xor_training
from visualdl.viz.figures import save
from visualdl.viz.xor import plot_boundaries, plot_loss

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
