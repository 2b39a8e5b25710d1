"""Convolution output size over padding and stride (figure ``output-size``).

Data: :func:`visualdl.demos.output_size.output_size_grid` (the engine's ``output_size``);
drawing: :func:`visualdl.viz.conv.plot_output_size`.

Run on its own: ``python -m visualdl.gallery.output_size --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.output_size import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['output-size.png']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.output_size import output_size_grid
from visualdl.viz.conv import plot_output_size
from visualdl.viz.figures import save

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Output size n_out = ⌊(n + 2p − f)/s⌋ + 1 of a convolution or pooling window along one "
    "axis, computed by the engine for every padding p (per side) and stride s. Left: n = 7, "
    "f = 3, the notes' example. Right: a 7-wide kernel on a 5-pixel input, which does not fit "
    "without padding (grey cross: the engine raises an error naming the sizes). Where the last "
    "step would cross the border it is dropped; there the cell also shows the notes' formula "
    "without the floor, (n + 2p − f)/s + 1, which is not an integer, so the floor is needed. "
    "Outlined cells keep the input size ('same'). Above each column: the notes' 'same' padding "
    "p = ((n − 1)s − n + f)/2 for that stride, algebraically right but large and often not an "
    "integer (n = 7, f = 3, s = 2 needs p = 4, the outlined cell); frameworks' 'same' with "
    "a stride gives ⌈n/s⌉ instead."
)


def make(out: Path) -> list[Path]:
    """Write ``output-size.png`` into ``out``; returns the paths."""
    return save(plot_output_size(output_size_grid()), Path(out) / "output-size", ("png",))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
