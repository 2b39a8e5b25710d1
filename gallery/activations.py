"""Activation functions and their derivatives (figure ``activations``).

Curves: :func:`visualdl.demos.activations.activation_curves` (the engine's ``forward`` and
``derivative``); formulas: :func:`visualdl.symbolic.activations.latex` (SymPy).

Run on its own: ``python -m visualdl.gallery.activations --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.activations import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['activations.png', 'activations.svg']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.activations import ELEMENTWISE, activation_curves
from visualdl.symbolic.activations import latex
from visualdl.viz.activations import plot_activations
from visualdl.viz.figures import save

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Activation functions g(z) (solid) and their derivatives g'(z) (dashed), evaluated by "
    "the engine on a grid of z; the formulas above each panel are derived by SymPy. ReLU and "
    "leaky ReLU have a kink at z = 0: the filled dot is the value the engine uses there. "
    "Softmax mixes its inputs, so its panel shows the three probabilities of the logits "
    "(z, 0, −1), which always sum to 1."
)


def formulas() -> dict[str, tuple[str, str]]:
    """``{name: (g, g')}`` LaTeX from SymPy for every activation it knows."""
    out = {}
    for name in (*ELEMENTWISE, "softmax"):
        try:
            out[name] = latex(name)
        except (ValueError, KeyError):
            pass  # no SymPy form (yet): the panel shows only the name
    return out


def make(out: Path) -> list[Path]:
    """Write ``activations.png`` and ``activations.svg`` into ``out``; returns the paths."""
    fig = plot_activations(activation_curves(), formulas())
    return save(fig, Path(out) / "activations", ("png", "svg"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
