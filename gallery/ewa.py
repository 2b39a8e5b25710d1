"""Exponentially weighted averages, raw and bias-corrected (figure ``ewa``).

Run alone: ``python -m visualdl.gallery ewa --out DIR``.
"""

from visualdl.demos.ewa import ewa_demo
from visualdl.gallery import figure
from visualdl.viz.schedules import plot_ewa

CAPTION = (
    "Exponentially weighted averages v_t = β v_(t−1) + (1 − β) θ_t of 200 noisy daily values "
    "(grey dots; level 10, a slow wave and Gaussian noise, seed 0), computed by the engine for "
    "β = 0.9 (about 10 days) and β = 0.98 (about 50 days). Starting from v_0 = 0, the raw "
    "average (dashed) begins at (1 − β) θ_1 and needs roughly 1/(1 − β) steps to catch up; "
    "dividing by 1 − β^t (solid) removes that start-up bias, as Adam does for its V and S. "
    "The right panels zoom into the first 20 steps. Larger β is smoother but lags more."
)


@figure("ewa", "png", "svg")
def make():
    return plot_ewa(ewa_demo())
