"""A common mistake: the notes' Adam corrects S with beta1 (figure ``adam-mistake``).

Run alone: ``python -m visualdl.gallery adam-mistake --out DIR``.
"""

from visualdl.demos.adam_mistake import adam_mistake
from visualdl.gallery import figure
from visualdl.viz.optimizers import plot_adam_mistake

CAPTION = (
    "A common mistake from the notes: Adam's second moment S must be bias-corrected with "
    "1 − β2^t, but the notes' formula uses 1 − β1^t. With β1 = 0.9 and β2 = 0.999 that divisor "
    "is 0.1 instead of 0.001 at t = 1, so √S is 10 times too small and the step 10 times too "
    "long. Both versions are run by the engine with the same hyper-parameters on the same "
    "3,000 noisy gradients g_t = 1 + 0.5 z_t (top left: the step sizes; top right: their "
    "ratio, ×10 at t = 1, measured, not assumed); the two only agree once β2^t has decayed "
    "too, after thousands of steps. Bottom: both from the same start on Rosenbrock's valley "
    "with lr 0.3 for 300 steps; the arrow is the first step. The notes' version is flung far "
    "up the valley wall, bounces for dozens of steps (loss up to 10⁴) and ends higher "
    "than the right one."
)


@figure("adam-mistake", "png")
def make():
    """Run both Adams."""
    return plot_adam_mistake(adam_mistake())
