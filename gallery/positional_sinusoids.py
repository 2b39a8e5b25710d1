"""Sinusoidal positional encoding: the table as a heatmap, its columns as sinusoids of growing
wavelength, ``PE_p . PE_{p+k}`` against ``k`` for several ``p``, and the notes' comment that
multiplies (figure ``positional-sinusoids``).

Run alone: ``python -m visualdl.gallery positional-sinusoids --out DIR``.
"""

from visualdl.demos.positional_encoding import positional_sinusoids_trace
from visualdl.gallery import figure
from visualdl.viz.positional_sinusoids import plot_positional_sinusoids

CAPTION = (
    "The sinusoidal positional encoding of the notes, P[pos, 2i] = sin(pos / 10000^(2i/d)), "
    "P[pos, 2i + 1] = cos(pos / 10000^(2i/d)), as the engine's positional_encoding computes it "
    "for 64 positions and d = 64. Top left, the table: each row is the code added to the token "
    "at that position; the first columns turn fast down the rows, the later ones hardly move. "
    "Top right, four sine columns against position (dots at the whole positions, where the code "
    "lives): dims 0, 8, 16 and 24 have wavelengths 2π · 10000^(2i/d) = 6.28, 19.9, 62.8 and "
    "199; the last pair's is 47,100, towards the limit 10000 · 2π. Bottom left, the dot product "
    "PE_p · PE_(p+k) against the offset k for p = 0, 20 and 50: the three curves coincide "
    "(largest difference below 1e−13, rounding) and equal Σ_i cos(k ω_i) (the same), the "
    "law SymPy proves pair by pair for symbolic p, k and ω: the product depends on the offset "
    "only. It starts at "
    "d/2 = 32 and falls, 30.92 at k = 1, 21.05 at k = 10, 15.67 at k = 50, but not "
    "monotonically: it first rises at k = 6 (23.50 to 23.56) and is back up to 17.87 at "
    "k = 100, so the notes' desideratum of a monotone distance decay is only roughly met. "
    "Bottom right, the notes' comment E20, sin(pos · 10000^(2i/d)), which multiplies where the "
    "formula and the code divide: its angles grow by up to 7,499 rad a step, far past π, so "
    "past the first columns the table is noise (a few columns alias into slow stripes), and "
    "neighbours are no more alike than distant positions "
    "(grey, bottom left: PE_0 · PE_1 = 3.07, and |PE_0 · PE_k| averages 3.02 over k = 1 … 100). "
    "The notes' code itself equals the engine for d = 64 (largest difference below 1e−13) but "
    "fails for an odd d = 63 (E21): pe[:, 1::2] has 31 columns, div_term 32, “could not broadcast "
    "input array from shape (64,32) into shape (64,31)”; the engine drops the last cosine."
)


@figure("positional-sinusoids", "png", "svg")
def make():
    """Build the 64 x 64 table, the E20 comment's and the dot products (well under a second)."""
    return plot_positional_sinusoids(positional_sinusoids_trace())
