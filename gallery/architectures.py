"""LeNet-5, AlexNet and VGG-16: shape chains with parameter counts (figure ``architectures``).

Run alone: ``python -m visualdl.gallery architectures --out DIR``.
"""

from visualdl.demos.architectures import architectures
from visualdl.gallery import figure
from visualdl.viz.architectures import plot_architectures

CAPTION = (
    "The classic CNNs of the notes (A36) as the engine's shape calculator sees them: each box "
    "is a layer's output volume n_H×n_W×n_C (height grows with n_H, width with the channels "
    "n_C; dense layers are thin bars), consecutive identical convolutions drawn as one box "
    "(VGG's 2× and 3× blocks); a long chain continues on a second row. Under each box: its "
    "output shape, its parameters and its multiplications per image (M: million, G: billion). "
    "Every size follows ⌊(n + 2p − f)/s⌋ + 1 and every count "
    "includes the biases (the notes' f·f·n_C·n forgets them): LeNet-5 61,706, AlexNet "
    "(single tower) 62,378,344 and VGG-16 138,357,544 parameters, VGG with the 3-channel "
    "input (the notes write ×1). Bold: the layer with the most parameters, always the first "
    "fully connected one (VGG's fc1 alone holds 102,764,544), while nearly all the "
    "multiplications happen in the convolutions (two of VGG's conv blocks take 4.62 G each, "
    "its fc1 102.8 M). In red under each pooling layer: the notes' "
    "pooling formula (n + f − 1)/s, which contradicts their own chains (14.5 instead of 14)."
)


@figure("architectures", "png")
def make():
    return plot_architectures(architectures())
