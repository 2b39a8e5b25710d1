"""Loop vs vectorized dot product over sizes (figure ``vectorization``), timed when made.

Run alone: ``python -m visualdl.gallery vectorization --out DIR``.
"""

from visualdl.demos.vectorization import vectorization
from visualdl.gallery import figure
from visualdl.viz.vectorization import plot_vectorization

CAPTION = (
    "The notes' Python loop (c += a[i] * b[i]) against np.dot(a, b) for vector lengths from "
    "10^2 to 10^6, timed on this machine when the figure was made (best of a few runs). Left: "
    "time per dot product, log-log; right: how many times faster np.dot is. The notes report "
    "about 700x at n = 10^6; the exact ratio depends on the machine, but it is in the "
    "hundreds. The labels give the largest ratio measured and the one at the largest n; "
    "whether the ratio still rises there or falls back depends on the machine (at large n "
    "np.dot waits on memory rather than arithmetic)."
)


@figure("vectorization", "png", "svg")
def make():
    """Time both dot products."""
    return plot_vectorization(vectorization())
