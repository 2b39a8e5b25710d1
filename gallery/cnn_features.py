"""Learned kernels and feature maps of a small CNN trained on 8×8 digits (figure
``cnn-features``).

Run alone: ``python -m visualdl.gallery cnn-features --out DIR``.
"""

from visualdl.demos.digits import digits_trace
from visualdl.gallery import figure
from visualdl.viz.cnn_features import plot_cnn_features

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


@figure("cnn-features", "png")
def make():
    """Train the CNN (about 10 s)."""
    return plot_cnn_features(digits_trace(epochs=EPOCHS, k=4))
