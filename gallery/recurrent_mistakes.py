"""Two mistakes of the recurrent notes, computed: the LSTM's dw_hy and dc_t/dc_{t-1} >= f_t
(figure ``recurrent-mistakes``).

Run alone: ``python -m visualdl.gallery recurrent-mistakes --out DIR``.
"""

from visualdl.demos.recurrent_mistakes import recurrent_mistakes
from visualdl.gallery import figure
from visualdl.viz.recurrent_mistakes import plot_recurrent_mistakes

CAPTION = (
    "Two places where the recurrent notes are wrong, each computed. (a) The LSTM's output "
    "layer: the notes' backward writes dw_hy = dy⟨t⟩ dh_next^T and overwrites it at every step,"
    " where the gradient of the mean cost is dW_y = (1/m) Σ_t dy⟨t⟩ a⟨t⟩^T. Both are "
    "gradient-checked against central differences of the engine's cost (float64) on a random "
    "LSTM (6 steps, 3 inputs, 4 units, a softmax over 5 classes at every step, 3 examples) for "
    "5 seeds: the engine's dW_y has a relative error under 1e−8 (rounding), far below the 1e−7 "
    "line where a backward is right; the notes' has 0.68 … 0.84, the gradient of something "
    "else. (b) The cell path: the notes claim dc⟨t⟩/dc⟨t−1⟩ ≥ f⟨t⟩. For a scalar LSTM whose "
    "h⟨t−1⟩ = o⟨t−1⟩ tanh(c⟨t−1⟩) feeds the gates, SymPy's derivative of c⟨t⟩ with h⟨t−1⟩ held "
    "fixed simplifies to exactly f⟨t⟩, but h⟨t−1⟩ moves with c⟨t−1⟩, and through the gates that"
    " can lower the total: in the notes' first counterexample the total is 0.201 against f⟨t⟩ ="
    " 0.500, in the second 0.057 against 0.069. The forget gate is the direct term of the cell "
    "path, not a lower bound on it."
)


@figure("recurrent-mistakes", "png", "svg")
def make():
    """Five gradient checks and the two counterexamples (about a second)."""
    return plot_recurrent_mistakes(recurrent_mistakes())
