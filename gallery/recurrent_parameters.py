"""Parameter counts of SimpleRNN, GRU and LSTM against the hidden size (figure
``recurrent-parameters``).

Run alone: ``python -m visualdl.gallery recurrent-parameters --out DIR``.
"""

from visualdl.demos.recurrent_parameters import recurrent_parameters
from visualdl.gallery import figure
from visualdl.viz.recurrent_parameters import plot_recurrent_parameters

CAPTION = (
    "How many parameters a recurrent layer holds, counted by summing the sizes of the arrays "
    "in the engine's own SimpleRNN, GRU and LSTM layers, for hidden sizes n_a = 32 to 512 and "
    "n_x = 64 inputs. The SimpleRNN holds W_ax (n_a × n_x), W_aa (n_a × n_a) and b_a (n_a × 1): "
    "one block of n_a(n_a + n_x) + n_a parameters, 3,104 at n_a = 32 and 295,424 at n_a = 512. "
    "Every gate of the GRU (update, reset, candidate) and of the LSTM (forget, input, "
    "candidate, output) is such a block, a matrix on the stacked [a⟨t−1⟩; x⟨t⟩] of shape "
    "n_a × (n_a + n_x) and one bias of n_a, so the GRU holds exactly 3 and the LSTM exactly 4 "
    "times the SimpleRNN's count at every size, biases included (886,272 and 1,181,696 at "
    "n_a = 512): right, the measured ratios are 3.000 and 4.000 at every size. The count "
    "grows with n_a²: from n_a = 256 to 512 every layer grows 3.6 times."
)


@figure("recurrent-parameters", "png", "svg")
def make():
    """Count the parameters of the three layers at five hidden sizes."""
    return plot_recurrent_parameters(recurrent_parameters())
