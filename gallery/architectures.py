"""LeNet-5, AlexNet and VGG-16: shape chains with parameter counts (figure ``architectures``).

Data: :func:`visualdl.demos.architectures.architectures` (the engine's ``shape_chain`` and
``count_params``); drawing: :func:`visualdl.viz.architectures.plot_architectures`.

Run on its own: ``python -m visualdl.gallery.architectures --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.architectures import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['architectures.png']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.architectures import architectures
from visualdl.viz.architectures import plot_architectures
from visualdl.viz.figures import save

__all__ = ["CAPTION", "make"]

CAPTION = (
    "The classic CNNs of the notes (A36) as the engine's shape calculator sees them: each box "
    "is a layer's output volume n_H×n_W×n_C (height grows with n_H, width with the channels "
    "n_C; dense layers are thin bars), consecutive identical convolutions drawn as one box "
    "(VGG's 2× and 3× blocks). Every size follows ⌊(n + 2p − f)/s⌋ + 1 and every count "
    "includes the biases (the notes' f·f·n_C·n forgets them): LeNet-5 61,706, AlexNet "
    "(single tower) 62,378,344 and VGG-16 138,357,544 parameters, VGG with the 3-channel "
    "input (the notes write ×1). Bold: the layer with the most parameters, always the first "
    "fully connected one (VGG's fc1 alone holds 102,764,544), while nearly all the "
    "multiplications happen in the convolutions. In red under each pooling layer: the notes' "
    "pooling formula (n + f − 1)/s, which contradicts their own chains (14.5 instead of 14)."
)


def make(out: Path) -> list[Path]:
    """Write ``architectures.png`` into ``out``; returns the paths."""
    return save(plot_architectures(architectures()), Path(out) / "architectures", ("png",))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
