"""A deep linear network collapses to one matrix (figure ``linear-collapse``).

Run alone: ``python -m visualdl.gallery linear-collapse --out DIR``.
"""

from visualdl.demos.linear_collapse import linear_collapse
from visualdl.gallery import figure
from visualdl.viz.linear_collapse import plot_linear_collapse

CAPTION = (
    "Three 2-8-8-8-1 networks (four dense layers, sigmoid output, binary cross-entropy) start "
    "from the same Xavier weights (seed 0) and are trained by the engine the same way, 600 steps "
    "of full-batch gradient descent with lr 0.5 on 200 two-moons points; only the hidden "
    "activation g differs. Top: the four trained weight matrices of the network without an "
    "activation (g(z) = z), coloured by value (blue negative, red positive), multiply into one "
    "1×2 matrix W = W[4] W[3] W[2] W[1] = (1.29, −5.16), and the biases fold into b = 0.57 "
    "(the engine's collapse: W := W[l] W, b := W[l] b + b[l], layer by layer). Bottom: the "
    "output a over the plane and the decision boundary a = 0.5 (black). Without an activation "
    "the four-layer network's boundary is a straight line, exactly that of the single layer "
    "σ(W x + b) (white dashes; the two outputs differ by less than 1e−15 on the grid, "
    "rounding), and it "
    "classifies 88 % of the points right. With tanh or ReLU the same network, from the same "
    "start, bends its boundary around the moons (99.5 % with tanh, 100 % with ReLU). Depth "
    "without a non-linearity adds parameters, not shapes."
)


@figure("linear-collapse", "png")
def make():
    """Train the same network with no activation, tanh and ReLU; collapse the linear one."""
    return plot_linear_collapse(linear_collapse())
