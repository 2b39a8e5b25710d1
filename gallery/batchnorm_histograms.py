"""Activation histograms of a deep tanh net with and without batch norm (figure
``batchnorm-histograms``).

Run alone: ``python -m visualdl.gallery batchnorm-histograms --out DIR``.
"""

from visualdl.demos.batchnorm import batchnorm_histograms
from visualdl.gallery import figure
from visualdl.viz.batchnorm import plot_batchnorm_histograms

CAPTION = (
    "What each layer's tanh activations look like at initialization in a 6-layer network "
    "(100 units per layer, 1,000 standard-normal examples with 20 features), all computed by "
    "the engine. Every row uses the same random weights W0, only scaled. Top: the notes' "
    "init W = 0.01·randn without batch norm: each layer shrinks the spread about tenfold "
    "(0.01·√100), so by layer 6 the activations are all ≈ 0 (std ≈ 4e-7), a signal too weak "
    "to learn from. Middle: W = 1.0·randn: Z spreads to about ±10 and tanh saturates; from "
    "layer 2 on about 78% of the activations sit at ±1, where tanh' ≈ 0. Bottom: the same "
    "0.01 weights with the engine's BatchNorm layer (batch statistics, γ = 1, β = 0, "
    "ε = 1e-5 inside the square root) before tanh: every layer gets Z with mean 0 and "
    "variance 1, and the activations keep a healthy spread (std ≈ 0.63) in every layer. "
    "Batch norm ignores the weights' scale: with W = 1.0·randn the bottom row is the same "
    "(largest difference ≈ 0.01, from ε). Right: the standard deviation per layer (log scale)."
)


@figure("batchnorm-histograms", "png")
def make():
    return plot_batchnorm_histograms(batchnorm_histograms())
