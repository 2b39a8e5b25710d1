"""Masks in attention: padding and causal masks on a padded batch, the weights they leave, and
the notes' -1e9 against -inf (figure ``attention-masks``).

Run alone: ``python -m visualdl.gallery attention-masks --out DIR``.
"""

from visualdl.demos.masked_attention import attention_masks_trace
from visualdl.gallery import figure
from visualdl.viz.attention_masks import plot_attention_masks

CAPTION = (
    "Masks on a padded toy translation batch (pad id 0): the sources “le chat était assis” and "
    "“un chien <pad> <pad>”, the decoder's inputs (the targets shifted right) “<s> the cat sat "
    "down” and “<s> a dog <pad> <pad>”. Each position's row is its token's embedding plus the "
    "sinusoidal positional encoding, projected by one random head of width d_k = 4 (seed 1): the "
    "masks, not the meaning, are the point. Top, the masks as the notes' 0/1 tensors (1: may "
    "attend): src_mask = padding_mask(src), shape (2, 1, 4), and the target's padding mask "
    "(2, 1, 5), each broadcast over the queries; causal_mask(5), 1 where j ≤ i; and tgt_mask = "
    "padding mask and causal mask, (2, 5, 5), drawn for the second sentence. Middle, the second "
    "sentences' weights in the three attentions of the notes' mask table (right): every masked "
    "key gets exactly 0 and every row sums to 1. No query attends to padding, but the padding "
    "queries still attend: in the encoder the two <pad> rows put 0.76, 0.24 and 0.80, 0.20 on "
    "“un chien”, in the decoder 0.39, 0.25, 0.36 and 0.40, 0.24, 0.36 on “<s> a dog”; the loss "
    "ignores their outputs. Bottom, the notes' code, masked_fill(mask == 0, −1e9) then softmax: "
    "on the target batch it gives the engine's weights (−∞ where masked) exactly, the largest "
    "difference over all 50 weights is 0, since exp(−1e9 − max) underflows to 0. A sentence "
    "padded at the front, “<pad> <pad> <s> a dog”, leaves its first two queries no key under "
    "the causal mask: −1e9 silently makes each of those rows uniform, 0.20 on all 5 keys, "
    "padding and future included; with −∞ they would be 0 / 0 = NaN, and the engine raises "
    "“scaled_dot_product_attention: query row 0 is fully masked (no key may be attended)”."
)


@figure("attention-masks", "png", "svg")
def make():
    """Build the masks of a padded toy batch and run the three attentions (well under a
    second)."""
    return plot_attention_masks(attention_masks_trace())
