"""Batch vs mini-batch vs stochastic gradient descent on real data (figure ``minibatch``).

Run alone: ``python -m visualdl.gallery minibatch --out DIR``.
"""

from visualdl.demos.minibatch import minibatch
from visualdl.gallery import figure
from visualdl.viz.optimizers import plot_minibatch

CAPTION = (
    "Logistic regression a = σ(w r + b) on real data (r: the standardized mean radius of 569 "
    "breast-cancer cell nuclei, label: malignant), trained by the engine with plain gradient "
    "descent, the same learning rate 0.5 and the same 20 epochs, from (w, b) = (−4, 4), for "
    "three batch sizes: the whole set (batch, 1 step per epoch), mini-batches of 64 (9 steps "
    "per epoch, the last one smaller) and single examples (stochastic, 569 steps per epoch), "
    "shuffled with seed 0 every epoch. Left: the path of (w, b) on the contours of the cost "
    "J(w, b); every batch step is a dot. Middle: the cost on all examples per epoch, the same "
    "work for all three: batch has taken only 20 small steps, mini-batch has converged, "
    "stochastic gets there within the first epoch and then jitters around the minimum (its "
    "path is the cloud). Right: per step (log scale): batch makes the most progress per step, "
    "and the faint lines show how noisy the cost of the step's own mini-batch is."
)


@figure("minibatch", "png")
def make():
    """Train three ways."""
    return plot_minibatch(minibatch())
