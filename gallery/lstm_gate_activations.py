"""LSTM gate activations over time on a model trained on the first-bit memory task (figure
``lstm-gate-activations``).

Run alone: ``python -m visualdl.gallery lstm-gate-activations --out DIR``.
"""

from visualdl.demos.lstm_gate_activations import lstm_gate_activations
from visualdl.gallery import figure
from visualdl.viz.lstm_gate_activations import plot_lstm_gate_activations

CAPTION = (
    "A small LSTM (6 units, then one sigmoid unit) trained by the engine with Adam (rate "
    "0.01, batches of 64, 150 passes over 256 sequences, a second or two) on the first-bit "
    "task: 20 random bits ±1, the label the first one, so the cell must carry one bit through "
    "19 steps of noise. It labels 100 % of 500 held-out sequences. Shown are the trained "
    "layer's own records for one held-out sequence and its copy with only the first bit "
    "flipped: the forget, input and output gates f⟨t⟩, i⟨t⟩, o⟨t⟩ (white 0 to red 1), the "
    "candidate c̃⟨t⟩ and the cell c⟨t⟩ (blue < 0 < red), each units × time steps with its "
    "colour bar. The two sequences differ only at step 1, yet in 5 of the 6 units the cell "
    "ends with opposite signs: the bit is spread over the layer, and the output "
    "a⟨t−1⟩ = o ∗ tanh(c⟨t−1⟩) feeds it back into the gates at every step, whatever the later "
    "bits are. Unit 5 (outlined) differs most, c⟨T⟩ = +4.44 after a first bit 0 and −5.66 "
    "after a 1, and the sign of its c⟨T⟩ alone labels 100 % of the held-out sequences; from "
    "step 5 on its cell and its candidate have opposite signs in the two sequences, the "
    "candidate at |c̃| ≥ 0.37. Along the sequence where it holds −5.66 its forget gate stays "
    "between 0.82 and 0.96 (mean 0.92), so the cell keeps what it has, and from step 3 on it "
    "falls at every step: the LSTM remembers by adding to c⟨t⟩ through an open forget gate, "
    "not by freezing it."
)


@figure("lstm-gate-activations", "png", "svg")
def make():
    """Train the LSTM (a second or two) and record its gates on two sequences."""
    return plot_lstm_gate_activations(lstm_gate_activations())
