"""The scaling-laws figure: Kaplan's power laws, Chinchilla's iso-FLOP curves with the
compute-optimal frontier, the parameters-tokens plane with the 20 tokens-per-parameter line,
and the fit's own tokens per parameter against the compute budget.

Reads the trace of :func:`visualdl.demos.scaling_laws.scaling_laws` (records
``scaling_laws.kaplan``, ``scaling_laws.iso_flop``, ``scaling_laws.frontier``,
``scaling_laws.chinchilla``); draws, computes nothing about the fits.

Example
-------
>>> from visualdl.demos.scaling_laws import scaling_laws
>>> from visualdl.viz.scaling_laws import plot_scaling_laws
>>> len(plot_scaling_laws(scaling_laws(points=31)).axes)
4
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["BUDGET_COLORS", "budget_text", "plot_scaling_laws", "sci"]

#: one colour per iso-FLOP budget, small to large
BUDGET_COLORS = ("#4C72B0", "#8172B3", "#E4572E", "#29A36A", "#F2B134")


def sci(v: float, digits: int = 2) -> str:
    """``8.8e13``: a number as the figure prints it."""
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}".replace("-", "−")


def budget_text(C: float) -> str:
    """``C = 1e21 FLOPs``."""
    return f"C = {sci(C, 3)} FLOPs"


def _billions(n: float) -> str:
    return f"{n / 1e9:.3g}B" if n < 1e12 else f"{n / 1e12:.3g}T"


def _kaplan_panel(ax: Axes, rec: Record) -> None:
    i = rec.info
    low, high = i["studied"]
    N, L_N = rec["N"], rec["L_N"]
    inside = (N >= low) & (N <= high)
    color_n, color_d = COLORS["weight"], COLORS["activation"]
    ax.plot(
        N[inside],
        L_N[inside],
        color=color_n,
        lw=2.2,
        label=f"L(N) = ({sci(i['N_c'])} / N)^{i['alpha_N']:g}",
    )
    ax.plot(N[N < low], L_N[N < low], color=color_n, lw=1.4, ls="--")
    ax.plot(N[N > high], L_N[N > high], color=color_n, lw=1.4, ls="--")
    ax.plot(
        rec["D"],
        rec["L_D"],
        color=color_d,
        lw=2.2,
        label=f"L(D) = ({sci(i['D_c'])} / D)^{i['alpha_D']:g}",
    )
    ax.plot([], [], color=COLORS["muted"], lw=1.4, ls="--", label="N outside their 768 … 1.5e9")
    top = i["L_N_studied"][1]
    ax.plot([high], [top], "o", color=color_n, ms=6)
    ax.annotate(
        f"their largest model,\nN = {sci(high)}: L = {top:.2f}",
        xy=(high, top),
        xytext=(1e4, 1.45),
        fontsize=10,
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_yticks([1.5, 2, 3, 4, 5, 7, 10], ["1.5", "2", "3", "4", "5", "7", "10"])
    ax.minorticks_off()
    ax.set_xlabel("N (non-embedding parameters) or D (tokens)")
    ax.set_ylabel("test loss L (nats per token, log scale)")
    ax.set_title(
        "Kaplan et al. 2020: separate power laws,\nno irreducible term", loc="left", fontsize=11
    )
    ax.legend(loc="upper right", fontsize=10, framealpha=0.9)


def _iso_panel(ax: Axes, curves: list[Record], front: Record, point: Record) -> None:
    for k, rec in enumerate(curves):
        i = rec.info
        color = BUDGET_COLORS[k % len(BUDGET_COLORS)]
        name = budget_text(i["C"]) + (" (Chinchilla's)" if i["chinchilla"] else "")
        ax.plot(rec["N"], rec["loss"], color=color, lw=2.4 if i["chinchilla"] else 1.6, label=name)
        ax.plot([i["N_opt"]], [i["loss_opt"]], "o", color=color, ms=7, zorder=4)
        ax.plot([i["N_search"]], [i["loss_search"]], "x", color=COLORS["text"], ms=7, zorder=5)
    lo = min(float(r["N"][0]) for r in curves)
    hi = max(float(r["N"][-1]) for r in curves)
    keep = (front["N_opt"] >= lo) & (front["N_opt"] <= hi)
    ax.plot(front["N_opt"][keep], front["loss"][keep], color=COLORS["text"], lw=1.2, ls=":")
    p = point.info
    ax.plot([p["N"]], [p["loss"]], "*", color=COLORS["loss"], mec=COLORS["text"], ms=15, zorder=6)
    ax.annotate(
        f"★ 70B on 1.4T (20 per param):\nL = {p['loss']:.4f}\nthe fit's optimum, "
        f"{_billions(p['fit_N'])}\non {_billions(p['fit_D'])}: L = {p['fit_loss']:.4f}",
        xy=(p["N"], p["loss"]),
        xytext=(hi / 1.5, 2.3),
        fontsize=10,
        ha="right",
        va="bottom",
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
        bbox={"fc": "white", "ec": "none", "alpha": 0.9},
    )
    ax.plot([], [], "ko", ms=6, label="minimum, closed form N*(C)")
    ax.plot([], [], "kx", ms=7, label="minimum, brute-force search")
    ax.plot([], [], "k:", lw=1.2, label="compute-optimal frontier")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(1.7, 3.9)
    ax.set_xlabel("N (parameters); D = C / (6 N) on each curve")
    ax.set_ylabel("L(N, D) = E + A/N^α + B/D^β (nats)")
    c = front.info["constants"]
    ax.set_title(
        f"Chinchilla fit (approach 3), E = {c['E']:g}, A = {c['A']:g}, B = {c['B']:g},\n"
        f"α = {c['alpha']:g}, β = {c['beta']:g}: the loss along iso-FLOP curves",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="upper right", fontsize=9.5, framealpha=0.9)


def _plane_panel(ax: Axes, curves: list[Record], front: Record, point: Record) -> None:
    for k, rec in enumerate(curves):
        color = BUDGET_COLORS[k % len(BUDGET_COLORS)]
        ax.plot(rec["N"], rec["D"], color=color, lw=1.0, alpha=0.7)
    ax.plot(
        front["N_opt"],
        front["D_opt"],
        color=COLORS["text"],
        lw=1.6,
        ls=":",
        label="the fit's optimum (N*(C), D*(C))",
    )
    p = point.info
    ax.plot(
        point["N_line"],
        point["D_line"],
        color=COLORS["gradient"],
        lw=1.6,
        ls="--",
        label=f"D = {p['ratio']:g} N (the rule of thumb)",
    )
    ax.plot([], [], color=COLORS["muted"], lw=1.0, label="iso-FLOP lines D = C / (6 N)")
    ax.plot([p["N"]], [p["D"]], "*", color=COLORS["loss"], mec=COLORS["text"], ms=15, zorder=6)
    ax.annotate(
        f"Chinchilla: 70B params, 1.4T tokens,\nC = 6 N D = {sci(p['C'], 3)} FLOPs",
        xy=(p["N"], p["D"]),
        xytext=(p["N"] * 1.5, p["D"] / 300),
        fontsize=10,
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
        bbox={"fc": "white", "ec": "none", "alpha": 0.9},
    )
    ax.plot([p["fit_N"]], [p["fit_D"]], "o", color=COLORS["text"], ms=7, zorder=6)
    ax.annotate(
        f"the fit's optimum at that C:\n{_billions(p['fit_N'])} params, {_billions(p['fit_D'])} "
        f"tokens",
        xy=(p["fit_N"], p["fit_D"]),
        xytext=(p["fit_N"] / 3e3, p["fit_D"] / 8),
        fontsize=10,
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
        bbox={"fc": "white", "ec": "none", "alpha": 0.9},
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(10**6.5, 1e13)
    ax.set_ylim(1e7, 1e15)
    ax.set_xlabel("N (parameters)")
    ax.set_ylabel("D (training tokens)")
    ax.set_title(
        "Compute-optimal parameters and tokens:\nthe fit's frontier and the 20-per-parameter line",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="upper left", fontsize=10, framealpha=0.9)


def _ratio_panel(ax: Axes, front: Record, point: Record) -> None:
    p, f = point.info, front.info
    ax.plot(
        front["C"],
        front["ratio"],
        color=COLORS["text"],
        lw=1.8,
        ls=":",
        label="the fit's D*/N* = G⁻² (C/6)^(b − a)",
    )
    ax.axhline(
        p["ratio"],
        color=COLORS["gradient"],
        lw=1.6,
        ls="--",
        label=f"{p['ratio']:g} tokens per parameter (approaches 1 and 2)",
    )
    ax.plot([p["C"]], [p["ratio"]], "*", color=COLORS["loss"], mec=COLORS["text"], ms=15, zorder=6)
    ax.plot([p["C"]], [p["fit_ratio"]], "o", color=COLORS["text"], ms=7, zorder=6)
    ax.annotate(
        f"at Chinchilla's C = {sci(p['C'], 3)}:\nthe fit says {p['fit_ratio']:.1f}, "
        f"Chinchilla used {p['ratio']:g}",
        xy=(p["C"], p["fit_ratio"]),
        xytext=(p["C"] / 3e5, p["fit_ratio"] * 1.25),
        fontsize=10,
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
        bbox={"fc": "white", "ec": "none", "alpha": 0.9},
    )
    ax.plot([f["C_ratio_20"]], [p["ratio"]], "s", color=COLORS["gradient"], ms=7, zorder=6)
    ax.annotate(
        f"the fit gives {p['ratio']:g} only at C = {sci(f['C_ratio_20'])}\n"
        f"(N* = {f['N_ratio_20'] / 1e6:.0f}M)",
        xy=(f["C_ratio_20"], p["ratio"]),
        xytext=(f["C_ratio_20"] * 3, p["ratio"] / 1.9),
        fontsize=10,
        arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
        bbox={"fc": "white", "ec": "none", "alpha": 0.9},
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [10, 20, 50, 100, 200]
    ax.set_yticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_ylim(8, 300)
    ax.set_xlabel("compute budget C (FLOPs)")
    ax.set_ylabel("tokens per parameter at the optimum")
    ax.set_title(
        f"The fit's optimum is not 20 tokens per parameter:\nN* ∝ C^{f['a']:.3f}, "
        f"D* ∝ C^{f['b']:.3f}, so D*/N* grows with C",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="upper left", fontsize=10, framealpha=0.9)


def plot_scaling_laws(trace: Trace) -> Figure:
    """Top left: Kaplan's L(N) and L(D) (log-log). Top right: the Chinchilla fit along
    iso-FLOP curves, their minima (closed form and search) and the frontier. Bottom left: N and
    D at the optimum against the 20 tokens-per-parameter line, Chinchilla marked. Bottom right:
    the fit's tokens per parameter against the budget."""
    kaplan = trace.last("scaling_laws.kaplan")
    curves = trace.find("scaling_laws.iso_flop")
    front = trace.last("scaling_laws.frontier")
    point = trace.last("scaling_laws.chinchilla")
    fig = new_figure(13, 10.5)
    with styled():
        axes = fig.subplots(2, 2)
        _kaplan_panel(axes[0, 0], kaplan)
        _iso_panel(axes[0, 1], curves, front, point)
        _plane_panel(axes[1, 0], curves, front, point)
        _ratio_panel(axes[1, 1], front, point)
        fig.suptitle(
            "Scaling laws with their published constants (training compute C ≈ 6 N D). "
            "The two papers' losses are on different data: compare shapes, not values",
            fontsize=12,
        )
    return fig
