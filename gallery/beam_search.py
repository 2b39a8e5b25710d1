"""Beam search's tree on a real decode of the tiny Transformer at an early checkpoint, beside
greedy decoding, with BLEU as the notes define it (figure ``beam-search``).

Run alone: ``python -m visualdl.gallery beam-search --out DIR``.
"""

from visualdl.demos.transformer_demo import transformer_demo
from visualdl.gallery import figure
from visualdl.viz.beam_search import plot_beam_search

CAPTION = (
    "Beam search of width B = 3 on a real decode: the tiny Transformer of transformer-heads "
    "(trained to reverse digit strings, seed 0) at step 200 of its 800 training steps, when greedy"
    " decoding gets 97.0% of the 500 held-out strings right. The fully trained model would make a "
    "dull tree: on the same input its best output has log-probability −0.0003 and the runner-up "
    "−10.4: one path holds nearly all the probability. The input is the first held-out string that"
    " greedy decoding gets wrong and beam search right: “51187”, reversed “78115”. Each column is "
    "a step t: every alive hypothesis is extended by each of the 13 tokens (13 candidates at t = "
    "1, 39 after), and the 3 of highest cumulative log-probability log P(y<1>, …, y<t> | x) are "
    "kept (green), the rest pruned (the best 2 drawn grey and dashed, the others counted). At t = "
    "2 greedy takes 7 (−0.70) over 8 (−0.74); beam search keeps both, and at t = 3 “7 8 1” (−0.74)"
    " is ahead of the best “7 7 …” (7 7 8, −1.16) and stays ahead. A kept candidate can be "
    "hopeless: 9 and 8 at t = 1 (−8.05, −8.62) are kept because the beam always keeps B, and all "
    "their children are pruned at t = 2. All three hypotheses end with <eos> at t = 6 and are "
    "ranked by the length-normalised score log P / T_y^0.7: 7 8 1 1 5 <eos> (−0.75, score −0.214) "
    "beats greedy's 7 7 8 1 5 <eos> (−1.16, −0.331) and 7 7 1 1 5 <eos> (−1.83, −0.522). Beam "
    "search is no cure-all: of the 15 held-out strings greedy decoding gets wrong at this step, it"
    " gets 3 right. Right: BLEU as the notes define it (modified n-gram precisions p_1 … p_4, "
    "their geometric mean, the brevity penalty) from the engine's bleu: beam search's output "
    "scores 1, greedy's 0 — close as it is (p_1 = 4/5, p_2 = 3/4, p_3 = 1/3) it shares none of its"
    " 2 4-grams with the reference, and one zero precision zeroes the geometric mean; the notes' "
    "worked example “the the the the the the the” has p_1 = 2/7. (float32 training rounds "
    "differently on another processor: retrained there, the log-probabilities come out a "
    "little different.)"
)


@figure("beam-search", "png", "svg")
def make():
    """Train the tiny Transformer on reversal (about 10 seconds) and decode one string."""
    return plot_beam_search(transformer_demo())
