"""The Inception 1×1 bottleneck: multiplications direct vs through 16 channels (figure
``inception-cost``).

Data: :func:`visualdl.demos.architectures.inception` (the engine's ``inception_cost`` and
``conv_layer_summary``); drawing: :func:`visualdl.viz.architectures.plot_inception`.

Run on its own: ``python -m visualdl.gallery.inception_cost --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.inception_cost import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['inception-cost.png']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.architectures import inception
from visualdl.viz.architectures import plot_inception
from visualdl.viz.figures import save

__all__ = ["CAPTION", "make"]

CAPTION = (
    "The notes' Inception example (A38), counted by the engine: a 5×5 'same' convolution "
    "from 28×28×192 to 28×28×32 costs 28·28·32·5·5·192 = 120,422,400 multiplications per "
    "image. A 1×1 convolution first shrinks the 192 channels to 16 (2,408,448 "
    "multiplications), then the 5×5 convolution works on 16 channels (10,035,200): "
    "12,443,648 in all, about 9.68 times fewer, for the same output shape. The notes' "
    "'1.2亿' and '0.12亿' are right."
)


def make(out: Path) -> list[Path]:
    """Write ``inception-cost.png`` into ``out``; returns the paths."""
    return save(plot_inception(inception()), Path(out) / "inception-cost", ("png",))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
