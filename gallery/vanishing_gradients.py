"""Vanishing gradients in a deep plain network vs a residual one (figure
``vanishing-gradients``).

Run alone: ``python -m visualdl.gallery vanishing-gradients --out DIR``.
"""

from visualdl.demos.vanishing import vanishing
from visualdl.gallery import figure
from visualdl.viz.vanishing import plot_vanishing

CAPTION = (
    "Two networks with the same 30 dense layers of 16 units and the same Xavier weights: a "
    "sigmoid layer on the input, then 14 pairs of a sigmoid layer and a linear layer, then a "
    "sigmoid output (binary cross-entropy). In the plain network the pairs follow one another; "
    "in the residual one each pair is the engine's Residual block with the identity skip, "
    "a[l+2] = z[l+2] + a[l]. Left: the size of each layer's weight gradient ‖dW[l]‖ after one "
    "forward and backward pass at initialization on 200 two-moons points, for 6 weight seeds "
    "(thin lines) and their median (thick), on a log scale. In the plain network it shrinks by "
    "a factor of 4 to 5 for every pair of layers on the way back, from about 0.1 next to the "
    "output to below 1e−9 next to the input: those layers would hardly learn. With the skips "
    "every layer gets a gradient between 0.05 and 3.2 (the zig-zag: the two kinds of layer in a "
    "block alternate). Right: the first hidden layer's gradient over the last one's, "
    "‖dW[1]‖ / ‖dW[29]‖, one dot per seed: 1e−10 to 3e−9 for the plain network, 0.13 to 0.43 "
    "for the residual one."
)


@figure("vanishing-gradients", "png")
def make():
    """One backward pass per network and seed at initialization."""
    return plot_vanishing(vanishing())
