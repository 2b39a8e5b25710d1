"""Scaling laws of language-model loss, with the published constants.

**Kaplan et al. 2020**, "Scaling Laws for Neural Language Models" (arXiv:2001.08361), eqs. 1.1
to 1.3: test loss in nats per token on WebText2 falls as separate power laws, with no
irreducible term, when the other factors are not the bottleneck::

    L(N)     = (N_c / N)^alpha_N,          N_c = 8.8e13 non-embedding parameters, alpha_N = 0.076
    L(D)     = (D_c / D)^alpha_D,          D_c = 5.4e13 tokens,                   alpha_D = 0.095
    L(C_min) = (C_c / C_min)^alpha_C,      C_c = 3.1e8 PF-days,                   alpha_C = 0.050

Their models had 768 to 1.5e9 non-embedding parameters (the notes say "millions to tens of
billions").

**Hoffmann et al. 2022**, "Training Compute-Optimal Large Language Models" (Chinchilla,
arXiv:2203.15556), approach 3, the parametric fit (eq. 10, loss on MassiveText)::

    L(N, D) = E + A / N^alpha + B / D^beta,   E = 1.69, A = 406.4, B = 410.7,
                                              alpha = 0.34, beta = 0.28

with the training compute ``C ~ 6 N D`` FLOPs. At a fixed ``C``, put ``D = C / (6 N)``:
``L = E + A N^-alpha + B (6 N / C)^beta``, and ``dL/dN = 0`` gives
``alpha A N^-alpha = beta B (6 N / C)^beta``, so (the paper's eq. 4)::

    N*(C) = G (C/6)^a,   D*(C) = G^-1 (C/6)^b,   G = (alpha A / (beta B))^(1 / (alpha + beta)),
    a = beta / (alpha + beta) = 0.452,   b = alpha / (alpha + beta) = 0.548

(:func:`compute_optimal`; :func:`compute_optimal_search` finds the same point by brute force
on the iso-FLOP curve). The tokens per parameter at the optimum, ``D*/N* = G^-2 (C/6)^(b - a)``,
grow slowly with ``C``. The rule of thumb of the notes, **about 20 tokens per parameter**
(Chinchilla: 70e9 parameters on 1.4e12 tokens), comes from the paper's approaches 1 and 2; this
approach-3 fit with its published, rounded constants puts the optimum elsewhere: about 93
tokens per parameter at Chinchilla's budget (N* about 32e9, not 70e9), and the ratio runs from
about 26 at 1e18 FLOPs to about 150 at 1e26. Besiroglu et al. 2024,
"Chinchilla Scaling: A replication attempt" (arXiv:2404.10102), trace this to the fit's
optimiser stopping early and to the rounding of the constants; their refit agrees with
approaches 1 and 2. The engine keeps the published constants and says what they give.

The notes' own formulas are not published forms: ``L ~ k / (N^alpha D^beta C^gamma) + L_0``
(multiplicative), and ``L ~ 0.06 / N^0.034 + 0.18 / D^0.28``, whose 0.034 is most likely a
slip for Chinchilla's 0.34 and whose 0.06 and 0.18 match neither paper.

Losses from the two papers are on different data and tokenizers: compare shapes, not values.

Example
-------
>>> round(float(kaplan_loss_n(1.5e9)), 3)  # Kaplan's largest model
2.304
>>> opt = compute_optimal(training_flops(70e9, 1.4e12))
>>> round(opt["ratio"], 1), f"{opt['N']:.3g}"
(92.8, '3.25e+10')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.engine.checks import number, real_array

__all__ = [
    "CHINCHILLA",
    "CHINCHILLA_MODEL",
    "KAPLAN",
    "TOKENS_PER_PARAMETER",
    "budget_for_ratio",
    "chinchilla_loss",
    "compute_optimal",
    "compute_optimal_search",
    "exponents",
    "iso_flop_loss",
    "kaplan_loss_c",
    "kaplan_loss_d",
    "kaplan_loss_n",
    "training_flops",
]

Array = Any

#: Kaplan et al. 2020, eqs. 1.1-1.3 (N non-embedding parameters, D tokens, C_min PF-days)
KAPLAN: dict[str, float] = {
    "N_c": 8.8e13,
    "alpha_N": 0.076,
    "D_c": 5.4e13,
    "alpha_D": 0.095,
    "C_c": 3.1e8,
    "alpha_C": 0.050,
}
#: Hoffmann et al. 2022, approach 3 (eq. 10): L(N, D) = E + A / N^alpha + B / D^beta
CHINCHILLA: dict[str, float] = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
#: the rule of thumb of approaches 1 and 2 (and of the notes)
TOKENS_PER_PARAMETER = 20.0
#: the Chinchilla model itself: 70e9 parameters trained on 1.4e12 tokens
CHINCHILLA_MODEL: dict[str, float] = {"N": 70e9, "D": 1.4e12}


def _positive(op: str, name: str, x: Any) -> np.ndarray:
    """``x`` as a float64 array of finite numbers > 0 (a count or a budget), or ValueError."""
    x = np.asarray(real_array(op, name, x), dtype=np.float64)
    bad = x[~(np.isfinite(x) & (x > 0))]
    if bad.size:
        raise ValueError(f"{op}: {name} must hold finite numbers > 0, got {bad.flat[0]!r}")
    return x


def _out(x: np.ndarray) -> Array:
    return float(x) if x.ndim == 0 else x


def kaplan_loss_n(N: Array) -> Array:
    """Kaplan's ``L(N) = (N_c / N)^alpha_N`` (data and compute not limiting); ``N`` non-embedding
    parameters, a number or an array of them.

    Example
    -------
    >>> round(kaplan_loss_n(8.8e13), 6)  # L = 1 at N = N_c
    1.0
    """
    N = _positive("kaplan_loss_n", "N", N)
    return _out((KAPLAN["N_c"] / N) ** KAPLAN["alpha_N"])


def kaplan_loss_d(D: Array) -> Array:
    """Kaplan's ``L(D) = (D_c / D)^alpha_D`` (a large model, early stopped); ``D`` tokens."""
    D = _positive("kaplan_loss_d", "D", D)
    return _out((KAPLAN["D_c"] / D) ** KAPLAN["alpha_D"])


def kaplan_loss_c(C: Array) -> Array:
    """Kaplan's ``L(C_min) = (C_c / C_min)^alpha_C``; ``C_min`` in PF-days (1 PF-day =
    8.64e19 FLOPs), compute used optimally."""
    C = _positive("kaplan_loss_c", "C", C)
    return _out((KAPLAN["C_c"] / C) ** KAPLAN["alpha_C"])


def chinchilla_loss(N: Array, D: Array) -> Array:
    """The approach-3 fit ``L(N, D) = E + A / N^alpha + B / D^beta`` (broadcast over ``N, D``).

    Example
    -------
    >>> round(chinchilla_loss(70e9, 1.4e12), 4)  # Chinchilla itself
    1.9366
    """
    N = _positive("chinchilla_loss", "N", N)
    D = _positive("chinchilla_loss", "D", D)
    c = CHINCHILLA
    return _out(c["E"] + c["A"] / N ** c["alpha"] + c["B"] / D ** c["beta"])


def training_flops(N: Array, D: Array) -> Array:
    """``C = 6 N D``: about 6 FLOPs per parameter per training token (2 forward, 4 backward).

    Example
    -------
    >>> f"{training_flops(70e9, 1.4e12):.3g}"
    '5.88e+23'
    """
    N = _positive("training_flops", "N", N)
    D = _positive("training_flops", "D", D)
    return _out(6.0 * N * D)


def iso_flop_loss(C: float, N: Array) -> Array:
    """The fit along one iso-FLOP curve: ``L(N, D = C / (6 N))`` for a budget ``C`` FLOPs."""
    C = float(_positive("iso_flop_loss", "C", C))
    N = _positive("iso_flop_loss", "N", N)
    return chinchilla_loss(N, C / (6.0 * N))


def exponents() -> dict[str, float]:
    """``a = beta / (alpha + beta)``, ``b = alpha / (alpha + beta)`` and
    ``G = (alpha A / (beta B))^(1 / (alpha + beta))`` of the closed-form optimum."""
    c = CHINCHILLA
    s = c["alpha"] + c["beta"]
    G = (c["alpha"] * c["A"] / (c["beta"] * c["B"])) ** (1.0 / s)
    return {"a": c["beta"] / s, "b": c["alpha"] / s, "G": G}


def _optimum(C: float, N: float) -> dict[str, float]:
    D = C / (6.0 * N)
    return {"C": C, "N": N, "D": D, "ratio": D / N, "loss": float(chinchilla_loss(N, D))}


def compute_optimal(C: float) -> dict[str, float]:
    """The closed-form compute-optimal model for ``C`` FLOPs under the approach-3 fit.

    ``N* = G (C/6)^a``, ``D* = C / (6 N*) = G^-1 (C/6)^b`` (module docstring).

    Returns
    -------
    dict
        ``C``, ``N`` (= N*), ``D`` (= D*), ``ratio = D*/N*`` (tokens per parameter) and
        ``loss = L(N*, D*)``.

    Example
    -------
    >>> opt = compute_optimal(1e21)
    >>> round(opt["ratio"], 1), round(6 * opt["N"] * opt["D"] / 1e21, 12)
    (50.1, 1.0)
    """
    C = float(_positive("compute_optimal", "C", C))
    e = exponents()
    return _optimum(C, e["G"] * (C / 6.0) ** e["a"])


def budget_for_ratio(ratio: float) -> float:
    """The budget ``C`` (FLOPs) at which the fit's optimum has ``D*/N* = ratio`` tokens per
    parameter: ``C = 6 (ratio G^2)^(1 / (b - a))`` (from ``D*/N* = G^-2 (C/6)^(b - a)``).

    Example
    -------
    >>> f"{budget_for_ratio(TOKENS_PER_PARAMETER):.2g}"  # where the fit gives 20 tokens/param
    '7.6e+16'
    """
    ratio = number("budget_for_ratio", "ratio", ratio, "(0, inf)")
    e = exponents()
    return 6.0 * (ratio * e["G"] ** 2) ** (1.0 / (e["b"] - e["a"]))


def compute_optimal_search(
    C: float, low: float = 1.0, high: float = 1e16, points: int = 2001, rounds: int = 8
) -> dict[str, float]:
    """The compute-optimal model for ``C`` found by brute force, without the closed form.

    Evaluates :func:`iso_flop_loss` on ``points`` log-spaced ``N`` in ``[low, high]``, keeps the
    two neighbours of the smallest loss as the new interval and repeats ``rounds`` times (each
    round narrows the interval about ``points / 2`` times). Same keys as
    :func:`compute_optimal`.

    Example
    -------
    >>> a, b = compute_optimal(1e24), compute_optimal_search(1e24)
    >>> abs(a["N"] / b["N"] - 1) < 1e-6  # the loss is flat at the minimum: ~1e-7 is the limit
    True
    """
    op = "compute_optimal_search"
    C = float(_positive(op, "C", C))
    low, high = number(op, "low", low, "(0, inf)"), number(op, "high", high, "(0, inf)")
    if not low < high or points < 3 or rounds < 1:
        raise ValueError(
            f"{op}: expected 0 < low < high, points >= 3 and rounds >= 1, got low={low!r}, "
            f"high={high!r}, points={points!r}, rounds={rounds!r}"
        )
    lo, hi = np.log(low), np.log(high)
    for _ in range(rounds):
        grid = np.linspace(lo, hi, points)
        k = int(np.argmin(iso_flop_loss(C, np.exp(grid))))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, points - 1)]
    return _optimum(C, float(np.exp((lo + hi) / 2)))
