"""Scaling laws with their published constants: Kaplan's power laws and Chinchilla's fit, its
iso-FLOP curves, its compute-optimal frontier, and the ~20 tokens-per-parameter rule.

Everything is evaluated by :mod:`visualdl.engine.scaling` (constants and sources there):

- Kaplan et al. 2020: ``L(N) = (N_c / N)^alpha_N`` over ``N`` parameters and
  ``L(D) = (D_c / D)^alpha_D`` over ``D`` tokens (their models had 768 to 1.5e9
  non-embedding parameters; beyond that the line is an extrapolation);
- Chinchilla (Hoffmann et al. 2022, approach 3): ``L(N, D) = E + A / N^alpha + B / D^beta``
  along iso-FLOP curves ``D = C / (6 N)`` at a few budgets ``C``, each curve's minimum by the
  closed form and, independently, by a brute-force search;
- the frontier ``N*(C), D*(C)`` over a range of budgets, its tokens per parameter, and the
  Chinchilla model (70e9 parameters, 1.4e12 tokens, 20 tokens per parameter) beside the fit's
  own optimum at the same budget ``C = 6 N D``.

Records: ``scaling_laws.kaplan`` (:data:`KAPLAN_CURVES`), ``scaling_laws.iso_flop``
(:data:`ISO_FLOP`, one per budget), ``scaling_laws.frontier`` (:data:`FRONTIER`) and
``scaling_laws.chinchilla`` (:data:`CHINCHILLA_POINT`).

Example
-------
>>> from visualdl.demos.scaling_laws import scaling_laws
>>> tr = scaling_laws()
>>> p = tr.last("scaling_laws.chinchilla").info
>>> p["ratio"], round(p["fit_ratio"])
(20.0, 93)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import scaling
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = [
    "BUDGETS",
    "CHINCHILLA_POINT",
    "FRONTIER",
    "ISO_FLOP",
    "KAPLAN_CURVES",
    "KAPLAN_STUDIED",
    "scaling_laws",
]

#: iso-FLOP budgets drawn (FLOPs); the Chinchilla model's own budget 6 N D is added
BUDGETS: tuple[float, ...] = (1e19, 1e21, 1e26)
#: the non-embedding parameter range of Kaplan et al.'s models
KAPLAN_STUDIED = (768.0, 1.5e9)

KAPLAN_CURVES = declare(
    "scaling_laws.kaplan",
    arrays={
        "N": "(k,) non-embedding parameters",
        "L_N": "(k,) L(N) = (N_c / N)^alpha_N, nats per token",
        "D": "(k,) tokens",
        "L_D": "(k,) L(D) = (D_c / D)^alpha_D, nats per token",
    },
    info={
        "N_c": "Kaplan's N_c",
        "alpha_N": "Kaplan's alpha_N",
        "D_c": "Kaplan's D_c",
        "alpha_D": "Kaplan's alpha_D",
        "studied": "[low, high] non-embedding parameters of their models",
        "L_N_studied": "L(N) at the two ends of the studied range",
    },
)

ISO_FLOP = declare(
    "scaling_laws.iso_flop",
    arrays={
        "N": "(k,) parameters along the curve",
        "D": "(k,) tokens, C / (6 N)",
        "loss": "(k,) L(N, D) of the approach-3 fit",
    },
    info={
        "C": "the budget in FLOPs",
        "chinchilla": "whether this is the Chinchilla model's budget",
        "N_opt": "closed-form N*(C)",
        "D_opt": "closed-form D*(C)",
        "ratio_opt": "D*/N*",
        "loss_opt": "L(N*, D*)",
        "N_search": "N at the minimum found by brute-force search",
        "loss_search": "L at that N",
    },
)

FRONTIER = declare(
    "scaling_laws.frontier",
    arrays={
        "C": "(k,) budgets in FLOPs",
        "N_opt": "(k,) N*(C)",
        "D_opt": "(k,) D*(C)",
        "ratio": "(k,) D*/N*, tokens per parameter",
        "loss": "(k,) L(N*, D*)",
    },
    info={
        "a": "N* ~ C^a",
        "b": "D* ~ C^b",
        "G": "the constant of N* = G (C/6)^a",
        "C_ratio_20": "the budget at which the fit's D*/N* is 20",
        "N_ratio_20": "N* at that budget",
        "constants": "the approach-3 constants E, A, B, alpha, beta",
    },
)

CHINCHILLA_POINT = declare(
    "scaling_laws.chinchilla",
    arrays={
        "N_line": "(k,) parameters",
        "D_line": "(k,) ratio N: the tokens of the rule of thumb",
    },
    info={
        "N": "Chinchilla's parameters",
        "D": "its training tokens",
        "C": "6 N D",
        "ratio": "D / N (the ~20 rule)",
        "loss": "the fit's L(N, D) there",
        "fit_N": "the fit's N*(C) at the same budget",
        "fit_D": "the fit's D*(C)",
        "fit_ratio": "the fit's D*/N*",
        "fit_loss": "L(N*, D*)",
        "loss_gap": "loss - fit_loss: what the fit says the 20 rule costs at this budget",
    },
)


def scaling_laws(budgets: Sequence[float] = BUDGETS, points: int = 121) -> Trace:
    """Evaluate the published fits (see the module) into one trace."""
    tr = Trace({"demo": "scaling_laws"})
    N = np.logspace(2, 12, points)
    D = np.logspace(6, 14, points)
    KAPLAN_CURVES.add(
        tr,
        **{k: scaling.KAPLAN[k] for k in ("N_c", "alpha_N", "D_c", "alpha_D")},
        studied=list(KAPLAN_STUDIED),
        L_N_studied=[scaling.kaplan_loss_n(n) for n in KAPLAN_STUDIED],
        N=N,
        L_N=scaling.kaplan_loss_n(N),
        D=D,
        L_D=scaling.kaplan_loss_d(D),
    )
    model = scaling.CHINCHILLA_MODEL
    C_model = scaling.training_flops(model["N"], model["D"])
    for C in sorted({*map(float, budgets), C_model}):
        opt, found = scaling.compute_optimal(C), scaling.compute_optimal_search(C)
        n = opt["N"] * np.logspace(-2, 2, points)
        ISO_FLOP.add(
            tr,
            C=C,
            chinchilla=C == C_model,
            N_opt=opt["N"],
            D_opt=opt["D"],
            ratio_opt=opt["ratio"],
            loss_opt=opt["loss"],
            N_search=found["N"],
            loss_search=found["loss"],
            N=n,
            D=C / (6.0 * n),
            loss=scaling.iso_flop_loss(C, n),
        )
    C = np.logspace(16, 27, points)
    frontier = [scaling.compute_optimal(c) for c in C]
    C20 = scaling.budget_for_ratio(scaling.TOKENS_PER_PARAMETER)
    FRONTIER.add(
        tr,
        **scaling.exponents(),
        C_ratio_20=C20,
        N_ratio_20=scaling.compute_optimal(C20)["N"],
        constants=dict(scaling.CHINCHILLA),
        C=C,
        **{f"{k}_opt": np.array([f[k] for f in frontier]) for k in ("N", "D")},
        ratio=np.array([f["ratio"] for f in frontier]),
        loss=np.array([f["loss"] for f in frontier]),
    )
    fit = scaling.compute_optimal(C_model)
    loss = scaling.chinchilla_loss(model["N"], model["D"])
    CHINCHILLA_POINT.add(
        tr,
        N=model["N"],
        D=model["D"],
        C=C_model,
        ratio=model["D"] / model["N"],
        loss=loss,
        fit_N=fit["N"],
        fit_D=fit["D"],
        fit_ratio=fit["ratio"],
        fit_loss=fit["loss"],
        loss_gap=loss - fit["loss"],
        N_line=np.logspace(6, 13, points),
        D_line=model["D"] / model["N"] * np.logspace(6, 13, points),
    )
    return tr
