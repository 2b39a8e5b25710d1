"""Gradient check: relative error per parameter (figure ``gradient-check``).

Data: :func:`visualdl.demos.gradient_check.gradient_check` (the engine's backward against
two-sided differences); drawing: :func:`visualdl.viz.gradient_check.plot_gradient_check`.

Run on its own: ``python -m visualdl.gallery.gradient_check --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.gradient_check import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['gradient-check.png', 'gradient-check.svg']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.gradient_check import gradient_check
from visualdl.viz.figures import save
from visualdl.viz.gradient_check import plot_gradient_check

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Gradient check of six small networks (ReLU, tanh, leaky ReLU, softmax, identity + MSE, "
    "L2 penalty): for each parameter, the relative error between the engine's backward pass "
    "and two-sided differences (J(θ+ε) − J(θ−ε)) / 2ε, on a log scale. Below 1e-7 the "
    "backward is right; a bar near the line is annotated with its gradient's size (relative "
    "errors grow when the gradient is nearly 0). Right: what failing checks look like — a "
    "real bug (dW1 without the 1/m) and a false alarm at ReLU's kink z = 0, where finite "
    "differences are not valid."
)


def make(out: Path) -> list[Path]:
    """Write ``gradient-check.png`` and ``.svg`` into ``out``; returns the paths."""
    fig = plot_gradient_check(gradient_check())
    return save(fig, Path(out) / "gradient-check", ("png", "svg"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
