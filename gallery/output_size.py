"""Convolution output size over padding and stride (figure ``output-size``).

Run alone: ``python -m visualdl.gallery output-size --out DIR``.
"""

from visualdl.demos.output_size import output_size_grid
from visualdl.gallery import figure
from visualdl.viz.conv import plot_output_size

CAPTION = (
    "Output size n_out = ⌊(n + 2p − f)/s⌋ + 1 of a convolution or pooling window along one "
    "axis, computed by the engine for every padding p (per side) and stride s. Left: n = 7, "
    "f = 3, the notes' example. Right: a 7-wide kernel on a 5-pixel input, which does not fit "
    "without padding (grey cross: the engine raises an error naming the sizes). Where the last "
    "step would cross the border it is dropped; there the cell also shows the notes' formula "
    "without the floor, (n + 2p − f)/s + 1, which is not an integer, so the floor is needed. "
    "Outlined cells keep the input size ('same'). Above each column: the notes' 'same' padding "
    "p = ((n − 1)s − n + f)/2 for that stride, algebraically right but it grows with s "
    "(n = 7, f = 3, s = 2 needs p = 4, the outlined cell). Both examples here give whole "
    "numbers; other sizes do not (n = 6, f = 3, s = 2 gives 3.5). Frameworks' 'same' with "
    "a stride gives ⌈n/s⌉ instead."
)


@figure("output-size", "png")
def make():
    return plot_output_size(output_size_grid())
