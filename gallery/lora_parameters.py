"""LoRA's trainable parameters against the rank, and a fine-tune recovering a planted low-rank
change (figure ``lora-parameters``).

Run alone: ``python -m visualdl.gallery lora-parameters --out DIR``.
"""

from visualdl.demos.lora import lora_figure
from visualdl.gallery import figure
from visualdl.viz.lora import plot_lora

CAPTION = (
    "LoRA (Hu et al. 2021) keeps a pretrained W frozen and trains only a rank-r update: in the "
    "row layout Y = X W + (α/r) X A B with A (d_in × r) and B (r × d_out), the transpose of the "
    "notes' h = W x + B A x. The notes leave out the scale α/r, the start A random and B = 0 "
    "(so the update starts at 0) and that W is frozen; the engine has all three. Left: the "
    "trainable r (d_in + d_out) against the full d_in d_out, counted by the engine for three "
    "square layers: at r = 8, 12,288 vs 589,824 (48× fewer) for 768 × 768, the notes' "
    "65,536 vs 16,777,216 (256×) for 4096 × 4096, and 196,608 vs 150,994,944 (768×) for "
    "12288 × 12288; the two meet at r = d/2 (2048 for d = 4096), so LoRA only saves while "
    "r ≪ d. Middle and right: a fine-tune that must find a planted change. A 32 × 24 "
    "'pretrained' W0, a planted rank-2 ΔW* (half of ‖W0‖), 256 examples Y = X (W0 + ΔW*) + "
    "noise of σ = 0.001; only A and B of rank 4 are trained (224 numbers beside the frozen 768), "
    "by the engine's Adam, 400 full-batch steps with a cosine-decayed rate from 0.02. For all 5 "
    "seeds the relative error ‖(α/r) A B − ΔW*‖ / ‖ΔW*‖ falls below 0.01 at step 84 … 88 and "
    "ends at 3.4e−4 … 3.6e−4, below the 7.3e−4 … 7.9e−4 of the full-rank least-squares "
    "estimate from the same data: the rank limit throws most of the noise away. The cost ends "
    "at 2.3e−5 … 2.4e−5, the noise's own level (24 outputs × σ² = 2.4e−5). The learned update's "
    "two spare singular values stay at most 4e−4, against 0.91 … 2.2 for the planted ones."
)


@figure("lora-parameters", "png", "svg")
def make():
    """Count LoRA's parameters and fine-tune 5 seeds (about two seconds)."""
    return plot_lora(lora_figure())
