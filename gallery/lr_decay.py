"""Learning-rate decay in action (figure ``lr-decay``).

Run alone: ``python -m visualdl.gallery lr-decay --out DIR``.
"""

from visualdl.demos.lr_decay import lr_decay
from visualdl.gallery import figure
from visualdl.viz.lr_decay import plot_lr_decay

CAPTION = (
    "Logistic regression a = σ(w r + b) on the standardized mean radius of 569 breast-cancer "
    "nuclei (the minibatch figure's model), trained by the engine with mini-batches of 16 "
    "(36 steps per epoch, reshuffled every epoch) for 10 epochs from (w, b) = (−4, 4), twice "
    "with the same shuffling: with a fixed α = 2, and with α = 2 / (1 + epoch), the notes' "
    "inverse-time decay with decay rate 1 (the engine's schedules.inverse_time), 0.2 in the "
    "last epoch. Left: the paths near the minimum (★, from a long full-batch run) on the "
    "contours of the cost on all examples, the last epoch's 36 points as dots. Each "
    "mini-batch's gradient is a noisy estimate of the full one: with the fixed rate the point "
    "keeps jumping around the minimum (0.199 from it on average over the last epoch), with "
    "the decayed rate the jumps shrink and it settles (0.033). Right: J − J* on all examples "
    "at every step (faint, seed 0) and averaged over each epoch (dots, seeds 0–2): the fixed "
    "rate stays around 1e−3, the decayed one keeps falling, to 2e−5 … 6e−5; below, the "
    "rate each step used."
)


@figure("lr-decay", "png")
def make():
    """Mini-batch descent with a fixed and with a decayed learning rate."""
    return plot_lr_decay(lr_decay())
