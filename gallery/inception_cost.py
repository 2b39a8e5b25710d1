"""The Inception 1×1 bottleneck: multiplications direct vs through 16 channels (figure
``inception-cost``).

Run alone: ``python -m visualdl.gallery inception-cost --out DIR``.
"""

from visualdl.demos.architectures import inception
from visualdl.gallery import figure
from visualdl.viz.architectures import plot_inception

CAPTION = (
    "The notes' Inception example (A38), counted by the engine: a 5×5 'same' convolution "
    "from 28×28×192 to 28×28×32 costs 28·28·32·5·5·192 = 120,422,400 multiplications per "
    "image. A 1×1 convolution first shrinks the 192 channels to 16 (2,408,448 "
    "multiplications), then the 5×5 convolution works on 16 channels (10,035,200): "
    "12,443,648 in all, about 9.68 times fewer, for the same output shape. The notes' "
    "1.2 × 10⁸ and 0.12 × 10⁸ (they count in units of 10⁸) are right."
)


@figure("inception-cost", "png")
def make():
    return plot_inception(inception())
