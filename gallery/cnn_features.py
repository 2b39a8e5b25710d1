"""Learned kernels and feature maps of a small CNN trained on 8×8 digits (figure
``cnn-features``), with the baseline it must beat.

Run alone: ``python -m visualdl.gallery cnn-features --out DIR``.
"""

from visualdl.demos.digits import digits_trace
from visualdl.gallery import figure
from visualdl.viz.cnn_features import plot_cnn_features

CAPTION = (
    "A LeNet-style CNN (conv 3×3, 8 filters, ReLU, 2×2 max pool; conv 3×3, 16 filters, ReLU, "
    "2×2 max pool; dense 64; softmax 10) trained by the engine with Adam (lr 0.003, batches of "
    "32, the rate ramped up over the first 5 epochs, 30 epochs) on scikit-learn's 8×8 "
    "handwritten digits (1,347 training images). The headline gives its accuracy on the 450 "
    "held-out images next to the baseline a CNN must beat: softmax regression on the 64 raw "
    "pixels (no hidden layer, same split), and the number of dead filters, whose ReLU output is "
    "0 for every test digit. Top: the eight learned 3×3 kernels of the first layer with their "
    "weights and biases (blue < 0 < red, scale on the right); nobody designed them, yet several "
    "look like the hand-made edge detectors (a column or row of positive weights beside "
    "negative ones). Below, for four test digits: the input (bright = ink), the eight feature "
    "maps after the first convolution and ReLU (each map lights up where its kernel's pattern "
    "appears; black is 0, where ReLU cut a negative response), and the sixteen 4×4 maps after "
    "the second convolution, which already summarise larger parts of the digit. Each layer's "
    "maps share one colour scale across digits, drawn at the bottom; a map that looks black on "
    "it for these four digits is weak there, not dead (the headline counts the dead ones over "
    "the whole test split)."
)


@figure("cnn-features", "png")
def make():
    """Train the CNN and the baseline (a few seconds)."""
    return plot_cnn_features(digits_trace(k=4))
