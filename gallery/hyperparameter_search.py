"""Random vs grid hyper-parameter search (figure ``hyperparameter-search``).

Run alone: ``python -m visualdl.gallery hyperparameter-search --out DIR``.
"""

from visualdl.demos.hyperparameter_search import hyperparameter_search
from visualdl.gallery import figure
from visualdl.viz.hyperparameter_search import plot_search

CAPTION = (
    "Each point is a training run of the engine: 20 Adam steps (β1 = 0.9) of the breast-cancer "
    "logistic regression from (w, b) = (−4, 4), scored by its cost J (lower is better), over "
    "the learning rate α (log-uniform range 1e−4 … 10) and Adam's β2 (0.9 … 0.999). Heat map: "
    "J on a 25 × 5 grid; above and beside it, the mean of J along each axis: α decides almost "
    "everything (too small and the run has hardly moved, too large and it jumps about), β2 "
    "almost nothing. Orange lines: the values each search tried. Left: the engine's "
    "grid_search with 3 values per axis spends its 9 runs on only 3 learning rates, and its "
    "best, J = 1.208 at α = 10, misses the valley. Middle: random_search with 9 points (seed "
    "0) tries 9 learning rates and finds J = 0.394 at α = 0.44. Right: the best J of random "
    "search for 12 seeds against the grid's: random wins for 12 of 12 seeds, mean 0.418 "
    "against 1.208. When only a few hyper-parameters matter, a grid keeps repeating the same "
    "values of the ones that do (Bergstra & Bengio, 2012); a grid whose middle value happened "
    "to land in the valley would do as well, by luck."
)


@figure("hyperparameter-search", "png")
def make():
    """A grid and random searches over Adam's learning rate and beta2."""
    return plot_search(hyperparameter_search())
