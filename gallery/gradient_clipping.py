"""Gradient clipping on an exploding recurrent run: no clipping, clip by value, clip by norm
(figure ``gradient-clipping``).

Run alone: ``python -m visualdl.gallery gradient-clipping --out DIR``.
"""

from visualdl.demos.gradient_clipping import gradient_clipping
from visualdl.gallery import figure
from visualdl.viz.gradient_clipping import plot_gradient_clipping

CAPTION = (
    "An RNN set up to explode: the engine's SimpleRNN of 16 units with its Xavier W_aa "
    "multiplied by 1.5, a sigmoid output, trained by full-batch gradient descent at the high "
    "rate 3 on the first-bit task (64 sequences of 50 random bits ±1, the label the first "
    "bit). For each of 6 seeds the same start is trained three ways, the only difference "
    "being Sequential.fit's clipping: none, clip_value = 0.1 (every gradient entry into "
    "[−0.1, 0.1]) and clip_norm = 1 (the whole gradient scaled down to a global norm of at "
    "most 1). Top: the global gradient norm ‖g‖ at every step, before clipping, as fit "
    "records it, with the ranges of the largest ‖g‖ and of ‖W_aa‖ at the start and the end; "
    "bottom: the cost, with how many runs end below 0.05 and above ln 2 (guessing). Near the "
    "weights where the state starts to hold the bit the loss has cliffs, and the gradient "
    "through 50 steps of W_aa spikes: without clipping the largest ‖g‖ of every run is at "
    "least five times its first step's, and the steps taken with such gradients throw the "
    "weights far, the median unclipped ‖W_aa‖ ending many times the clipped runs'. The cost "
    "jumps, and at least half of the unclipped runs end above ln 2. Clipping does not stop "
    "the spikes (the clipped runs' gradients spike too, before clipping), it stops their "
    "damage: clipped by norm, no step is longer than 3 (the rate times 1), and most runs end "
    "below 0.05, three or more runs more than without clipping. Clipping by value, which "
    "also turns the gradient's direction, rescues some runs and not others. On such cliffs "
    "which run falls off depends on the last bits of rounding, so the counts differ between "
    "processors (and BLAS kernels); these are the facts that hold on all of them."
)


@figure("gradient-clipping", "png", "svg")
def make():
    """Train the same RNN three ways (about three seconds)."""
    return plot_gradient_clipping(gradient_clipping())
