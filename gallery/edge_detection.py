"""Edge detection with the notes' four kernels (figure ``edge-detection``).

Run alone: ``python -m visualdl.gallery edge-detection --out DIR``.
"""

from visualdl.demos.edges import edges
from visualdl.gallery import figure
from visualdl.viz.conv import plot_edges

CAPTION = (
    "The notes' four hand-made edge detectors (vertical, horizontal, Sobel, Scharr; A29), "
    "applied by the engine's conv2d, which like the notes and every framework computes "
    "cross-correlation (the kernel is not flipped), with stride 1 and no padding. Top: the "
    "kernels. Middle: the notes' 6×6 example (bright 10s left, dark 0s right) gives a 4×4 "
    "output with a band of 30s where the windows straddle the edge (Sobel 40s, Scharr 160s); "
    "the horizontal detector sees no top/bottom change and gives 0 everywhere. Bottom: "
    "scikit-learn's china.jpg in gray (luma 0.299 R + 0.587 G + 0.114 B, shrunk 4× by the "
    "engine's average pooling) and its four edge maps: red where brightness falls from left to "
    "right (from top to bottom for the horizontal kernel), blue where it rises; the colour "
    "limits are the 98th percentile of |Z| in each map. Sobel and Scharr weight the centre "
    "row more, so their maps are smoother vertical-edge maps at a larger scale."
)


@figure("edge-detection", "png")
def make():
    return plot_edges(edges())
