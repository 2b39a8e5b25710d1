"""The perceptron learning rule on AND, OR and XOR (figure ``perceptron``).

Run alone: ``python -m visualdl.gallery perceptron --out DIR``.
"""

from visualdl.demos.perceptron import perceptron_demo
from visualdl.gallery import figure
from visualdl.viz.perceptron import plot_perceptron

CAPTION = (
    "The perceptron learning rule (Rosenblatt), the engine's perceptron module: a step unit "
    "ŷ = step(w·x + b) (1 if w·x + b ≥ 0, else 0) and, for each example in turn, "
    "w := w + α (y − ŷ) x, b := b + α (y − ŷ), with α = 1 from w = 0 and b = −0.5 (a "
    "half-integer bias keeps every point off the line); an epoch is one pass over the four "
    "points, and training stops after an epoch without a mistake. Top: the final line "
    "w·x + b = 0 and the unit's two regions, the examples visited in order. AND and OR are "
    "linearly separable, and the rule finds a separating line: w = (2, 1), b = −2.5 in 6 "
    "epochs, and w = (1, 1), b = −0.5 in 4. XOR is not: after 30 epochs two of the four points "
    "are still wrong (×). Bottom: the mistakes in each epoch, one row per run (in order, and "
    "shuffled every epoch with seeds 0–7): every AND and OR run stops within 8 epochs (the "
    "perceptron convergence theorem), no XOR run ever has an epoch without a mistake. No line "
    "separates XOR: that takes a hidden layer."
)


@figure("perceptron", "png")
def make():
    """Train a perceptron on AND, OR and XOR."""
    return plot_perceptron(perceptron_demo())
