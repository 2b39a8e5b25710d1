"""Learning-rate schedules side by side (figure ``lr-schedules``).

Run alone: ``python -m visualdl.gallery lr-schedules --out DIR``.
"""

from visualdl.demos.schedules import schedules
from visualdl.gallery import figure
from visualdl.viz.schedules import plot_schedules

CAPTION = (
    "The learning-rate schedules of the notes over 100 epochs, all with a0 = 1: inverse time "
    "a0/(1 + 0.05·epoch) (the notes' code 1/(1 + 0.05·i): 1.0 at 0, 0.5 at 20, 0.17 at 100), "
    "exponential 0.95^epoch·a0, k/√epoch·a0 (k = 1; undefined at epoch 0, so it starts at "
    "epoch 1), a staircase that halves the rate every 20 epochs, and, as an extension, a "
    "cosine decay after a 10-epoch linear warm-up. Left: linear scale; right: log scale, where "
    "exponential decay is a straight line and each stair an equal drop (the cosine reaches 0 "
    "at both ends and leaves the log scale there). Every value is the engine's schedule "
    "function evaluated at that epoch."
)


@figure("lr-schedules", "png", "svg")
def make():
    return plot_schedules(schedules())
