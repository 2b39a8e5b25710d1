"""Every optimizer on every test surface: paths and loss per step (figure ``optimizer-race``).

Run alone: ``python -m visualdl.gallery optimizer-race --out DIR``.
"""

from visualdl.demos.optimizer_race import races
from visualdl.gallery import figure
from visualdl.viz.optimizers import plot_race

CAPTION = (
    "Gradient descent, momentum (β 0.9), Nesterov, AdaGrad, RMSprop (β 0.9), Adam "
    "(β1 0.9, β2 0.999) and AdamW (weight decay 0.01), run by the engine on five test "
    "surfaces: an ill-conditioned bowl, Rosenbrock's valley, Beale, the saddle x² − y² and the "
    "logistic-regression cost J(w, b) on the breast-cancer data. Left: contours, the paths "
    "(white circle: the common start, dot: the end, star: the minimum); a path that leaves "
    "the window for good is drawn to the frame and marked with a triangle, a diverged run "
    "with a cross. Right: the loss per step (log scale). The race is fair: on each surface "
    "every optimizer takes the same 300 steps from the same start, and its learning rate "
    "is the one of the same grid 0.0001, 0.0003, …, 0.3, 1 with the lowest final loss "
    "(never a diverged run); the legend gives each optimizer's rate. Rates are tuned per "
    'surface, so read the figure as "how good can each get", not as a ranking for every '
    "problem. The saddle has no minimum (its loss falls without bound), so there all get "
    "the same fixed lr 0.1 and 40 steps from just off the saddle point (y = 0.01), and the "
    "legend says at which step each leaves the window: RMSprop and Adam divide the tiny "
    "gradient along y by its own size and leave first; GD's distance from the ridge grows "
    "by 1.2 a step, slow at first, then fast; momentum in the notes' averaged form is still "
    "near the saddle after 40 steps."
)


@figure("optimizer-race", "png")
def make():
    """Race on every surface."""
    return plot_race(races())
