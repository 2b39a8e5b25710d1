"""Activation functions and their derivatives (figure ``activations``).

Run alone: ``python -m visualdl.gallery activations --out DIR``.
"""

from visualdl.demos.activations import ELEMENTWISE, activation_curves
from visualdl.gallery import figure
from visualdl.symbolic.activations import latex
from visualdl.viz.activations import plot_activations

CAPTION = (
    "Activation functions g(z) (solid) and their derivatives g'(z) (dashed), evaluated by "
    "the engine on a grid of z; the formulas above each panel are derived by SymPy. ReLU and "
    "leaky ReLU have a kink at z = 0: the filled dot is the value the engine uses there. "
    "Softmax mixes its inputs, so its panel shows the three probabilities of the logits "
    "(z, 0, −1), which always sum to 1."
)


def formulas() -> dict[str, tuple[str, str]]:
    """``{name: (g, g')}`` LaTeX from SymPy for every activation it knows."""
    out = {}
    for name in (*ELEMENTWISE, "softmax"):
        try:
            out[name] = latex(name)
        except (ValueError, KeyError):
            pass  # no SymPy form (yet): the panel shows only the name
    return out


@figure("activations", "png", "svg")
def make():
    return plot_activations(activation_curves(), formulas())
