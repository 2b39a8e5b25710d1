"""Kaplan's and Chinchilla's scaling laws with their published constants, the compute-optimal
frontier and the ~20 tokens-per-parameter rule (figure ``scaling-laws``).

Run alone: ``python -m visualdl.gallery scaling-laws --out DIR``.
"""

from visualdl.demos.scaling_laws import scaling_laws
from visualdl.gallery import figure
from visualdl.viz.scaling_laws import plot_scaling_laws

CAPTION = (
    "Scaling laws with their published constants, evaluated by the engine (losses in nats per "
    "token; the two papers used different data, so compare shapes, not values). Top left: "
    "Kaplan et al. 2020, L(N) = (8.8e13 / N)^0.076 over non-embedding parameters and "
    "L(D) = (5.4e13 / D)^0.095 over tokens, separate power laws with no irreducible term; "
    "their models had 768 … 1.5e9 parameters (L = 6.93 … 2.30), dashed beyond. Top right: "
    "Chinchilla's approach-3 fit (Hoffmann et al. 2022) L(N, D) = 1.69 + 406.4 / N^0.34 + "
    "410.7 / D^0.28 along iso-FLOP curves D = C / (6 N). Setting dL/dN = 0 at fixed C gives "
    "N* = G (C/6)^0.452 and D* = G⁻¹ (C/6)^0.548 with G = (αA / βB)^(1/(α+β)) = 1.345; a "
    "brute-force search on each curve finds the same N* to 1.4e−7 (relative). Bottom: the rule "
    "of thumb, about 20 tokens per parameter (Chinchilla itself: 70B parameters on 1.4T "
    "tokens, C = 6 N D = 5.88e23 FLOPs), comes from the paper's approaches 1 and 2. This fit, "
    "with its rounded published constants, does not give it: its optimum has D*/N* = 32.1 at "
    "1e19 FLOPs, 50.1 at 1e21, 92.8 at Chinchilla's budget (32.5B parameters on 3.02T tokens) "
    "and 153 at 1e26, and reaches 20 only at 7.6e16 FLOPs (N* = 25M). The iso-FLOP curve is "
    "flat there: 70B on 1.4T scores L = 1.9366, only 0.0067 above the fit's optimum 1.9300. "
    "Besiroglu et al. 2024 (a replication) trace the mismatch to the fit and its rounding; "
    "their refit agrees with approaches 1 and 2. The notes' L ≈ 0.06 / N^0.034 + 0.18 / D^0.28 "
    "is no published law (0.034 looks like a slip for Chinchilla's 0.34), nor is their "
    "multiplicative k / (N^α D^β C^γ) + L0."
)


@figure("scaling-laws", "png", "svg")
def make():
    """Evaluate the published fits (under a second)."""
    return plot_scaling_laws(scaling_laws())
