"""Input normalization: elongated vs round cost contours (figure ``input-normalization``).

Run alone: ``python -m visualdl.gallery input-normalization --out DIR``.
"""

from visualdl.demos.input_normalization import input_normalization
from visualdl.gallery import figure
from visualdl.viz.input_normalization import plot_input_normalization

CAPTION = (
    "A linear model ŷ = w1 x1 + w2 x2 + b fitted by least squares (J = mean (ŷ − y)², the "
    "engine's mlp([2, 1]) with an identity output) to the label of 569 breast-cancer nuclei "
    "(1 = malignant), from two features of very different scales: the mean texture (std 4.3) "
    "and the mean perimeter (std 24.3). Both cases start from the same line (w = 0) and take "
    "the same 30 full-batch gradient-descent steps, each with its own best rate of the same "
    "grid 10^(k/8) (the lowest cost after 30 steps). Features and label are centred in both "
    "cases, so the bias stays at its optimum and J depends on (w1, w2) alone: contours of "
    "J − J*, both axes to the same scale, ★ the minimum. Left: with their raw scales the "
    "contours are long thin ellipses, the best rate is only α = 0.0013 (the next one, 0.0018, "
    "diverges), and the path zig-zags across the narrow valley, then crawls along it: still "
    "4.8e−4 above the minimum after 30 steps. Right: standardized by the engine's "
    "Standardizer, (x − μ)/σ, the contours are much rounder, α = 0.42 is best (α = 1 diverges) "
    "and the path heads almost straight for the minimum, reaching J* to float64 precision "
    "within 20 steps. Bottom right: J − J* after 30 steps for every rate tried: the usable "
    "rates are about 300 times larger once the features share one scale."
)


@figure("input-normalization", "png")
def make():
    """Gradient descent on unscaled and on standardized features."""
    return plot_input_normalization(input_normalization())
