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
    "records it; bottom: the cost. Near the weights where the state starts to hold the bit "
    "the loss has cliffs, and the gradient through 50 steps of W_aa spikes: without clipping "
    "the largest ‖g‖ of a run is 43.8 … 2e5, 119 … 6e5 times its first step's, and the steps "
    "taken with such gradients throw the weights far: ‖W_aa‖, 5.56 … 6.16 at the start, ends "
    "at 132 … 5e5 (8.4 … 25.4 in the clipped runs). The cost then jumps as high as 5.2 … "
    "10.3, and 5 of the 6 runs end above ln 2 (guessing), 1 below 0.05. Clipping does not stop the "
    "spikes (the clipped runs' gradients also reach 1.6 … 910 and 2.77 … 1e4 before "
    "clipping), it stops their damage: clipped by norm, no step is longer than 3 (the rate "
    "times 1), and all 6 runs end below 0.05 (at most 5e−4). Clipping by value, which also "
    "turns the gradient's direction, brings 3 of 6 below 0.05 and leaves 2 above ln 2."
)


@figure("gradient-clipping", "png", "svg")
def make():
    """Train the same RNN three ways (about three seconds)."""
    return plot_gradient_clipping(gradient_clipping())
