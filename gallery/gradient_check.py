"""Gradient check: relative error per parameter (figure ``gradient-check``).

Run alone: ``python -m visualdl.gallery gradient-check --out DIR``.
"""

from visualdl.demos.gradient_check import gradient_check
from visualdl.gallery import figure
from visualdl.viz.gradient_check import plot_gradient_check

CAPTION = (
    "Gradient check of six small networks (ReLU, tanh, leaky ReLU, softmax, identity + MSE, "
    "L2 penalty): for each parameter, the relative error between the engine's backward pass "
    "and two-sided differences (J(θ+ε) − J(θ−ε)) / 2ε, on a log scale. Below 1e-7 the "
    "backward is right; a bar near the line is annotated with its gradient's size (relative "
    "errors grow when the gradient is nearly 0). Right: what failing checks look like — a "
    "real bug (dW1 without the 1/m) and a false alarm at ReLU's kink z = 0, where finite "
    "differences are not valid."
)


@figure("gradient-check", "png", "svg")
def make():
    return plot_gradient_check(gradient_check())
