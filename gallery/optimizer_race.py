"""Every optimizer on every test surface: paths and loss per step (figure ``optimizer-race``):
the same rate for all on the bowl, then each one's settled best rate on the other surfaces.

Run alone: ``python -m visualdl.gallery optimizer-race --out DIR``.
"""

from visualdl.demos.optimizer_race import races
from visualdl.gallery import figure
from visualdl.viz.optimizers import plot_race

CAPTION = (
    "Gradient descent, momentum (β 0.9, the notes' averaged form), Nesterov, AdaGrad, RMSprop "
    "(β 0.9), Adam (β1 0.9, β2 0.999) and AdamW (weight decay 0.01), run by the engine. Left: "
    "contours and the paths (white circle: the common start, dot: the end, star: the minimum; "
    "a path that leaves the window for good is drawn to the frame and marked with a triangle, "
    "a diverged run with a cross). Middle: the loss per step (log scale where it stays "
    "positive); right: each optimizer's rate. Top row, the "
    "notes' comparison: every optimizer at the same α = 0.45 on the bowl 0.1x² + 2y², just "
    "under gradient descent's limit 2/4 = 0.5 across the valley. Gradient descent multiplies y "
    "by 1 − 4·0.45 = −0.8 each step, so it zig-zags across the valley; momentum steps along "
    "the average of the gradients, in which the flips cancel, and moves in a smooth wave. At "
    "this α momentum is not faster (its averaged step is no longer than gradient descent's "
    "once the average has built up): what it buys is the smooth path and rates past 0.5, where "
    "gradient descent diverges (the momentum video). RMSprop's steps are about lr in size "
    "whatever the gradient, so at this rate it rattles around the minimum at a loss near 0.1. "
    "Rosenbrock, Beale and the logistic-regression cost J(w, b) on the breast-cancer data: a "
    "fair race of 300 steps from the same start, each optimizer with its own rate from the "
    "same grid 0.0001, 0.0003, …, 0.3, 1, the one whose loss settled lowest: the lowest median "
    "loss over the last 50 steps, among the runs that never diverged and never climbed above "
    "twice their starting loss (a median within 1 % of the best counts as a tie, won by the "
    "smaller rate). The lowest final loss would instead reward the lucky last step of an "
    "unstable run (on Rosenbrock and Beale it picks RMSprop rates whose loss keeps spiking far "
    "above where it started). Rates are tuned per "
    'surface, so read these rows as "how good can each get", not as a ranking for every '
    "problem. The saddle x² − y² has no minimum (its loss falls without bound), so there all "
    "get the same fixed lr 0.1 and 40 steps from just off the saddle point (y = 0.01), and the "
    "legend says at which step each leaves the window: RMSprop and Adam divide the tiny "
    "gradient along y by its own size and leave first; GD's distance from the ridge grows by "
    "1.2 a step, slow at first, then fast; momentum in the notes' averaged form is still near "
    "the saddle after 40 steps."
)


@figure("optimizer-race", "png")
def make():
    """Race on every surface."""
    return plot_race(races())
