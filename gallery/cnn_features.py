"""Learned kernels and feature maps of a small CNN trained on 8×8 digits (figure
``cnn-features``).

Data: :func:`visualdl.demos.digits.digits_trace` (the engine's ``Conv2D``, ``MaxPool2D`` and
``Dense`` layers trained with Adam on scikit-learn's digits); drawing:
:func:`visualdl.viz.cnn_features.plot_cnn_features`.

Run on its own: ``python -m visualdl.gallery.cnn_features --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.cnn_features import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['cnn-features.png']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.digits import digits_trace
from visualdl.viz.cnn_features import plot_cnn_features
from visualdl.viz.figures import save

__all__ = ["CAPTION", "EPOCHS", "make"]

#: A small training budget, so the gallery stays quick (the benchmark trains longer).
EPOCHS = 15

CAPTION = (
    "A LeNet-style CNN (conv 3×3, 8 filters, ReLU, 2×2 max pool; conv 3×3, 16 filters, ReLU, "
    "2×2 max pool; dense 64; softmax 10) trained by the engine with Adam for 15 epochs on "
    "scikit-learn's 8×8 handwritten digits (1,347 training images; the test accuracy on the "
    "450 held-out images is printed in the figure). Top: the eight learned 3×3 kernels of the "
    "first layer with their weights and biases; nobody designed them, yet several look like "
    "the hand-made edge detectors (a column or row of positive weights beside negative ones). "
    "Below, for four test digits: the input, the eight feature maps after the first "
    "convolution and ReLU (each map lights up where its kernel's pattern appears; dark is "
    "0, where ReLU cut a negative response), and the sixteen 4×4 maps after the second "
    "convolution, which already summarise larger parts of the digit. Each layer's maps share "
    "one colour scale across digits."
)


def make(out: Path) -> list[Path]:
    """Train the CNN (about 10 s), then write ``cnn-features.png`` into ``out``."""
    fig = plot_cnn_features(digits_trace(epochs=EPOCHS, k=4))
    return save(fig, Path(out) / "cnn-features", ("png",))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
