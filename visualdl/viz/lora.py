"""The LoRA figure: trainable parameters against the rank for a few layer sizes, and a
fine-tune recovering a planted low-rank change (its error per step and its singular values).

Reads the trace of :func:`visualdl.demos.lora.lora_figure` (records ``lora.parameters`` and
``lora.finetune``); draws, computes nothing about the model.

Example
-------
>>> from visualdl.demos.lora import lora_figure
>>> from visualdl.viz.lora import plot_lora
>>> tr = lora_figure(seeds=(0,), steps=20)
>>> len(plot_lora(tr).axes)
3
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["SIZE_COLORS", "count_text", "plot_lora"]

SIZE_COLORS = (COLORS["weight"], COLORS["activation"], COLORS["preactivation"])
NOTES = (4096, 4096, 8)  # the notes' example: d = k = 4096, r = 8


def count_text(n: float) -> str:
    """``65,536``: a parameter count as the figure prints it."""
    return f"{int(round(n)):,}"


def _counts_panel(ax: Axes, layers: list[Record]) -> None:
    for k, rec in enumerate(layers):
        color = SIZE_COLORS[k % len(SIZE_COLORS)]
        ax.plot(rec["r"], rec["lora"], "o-", color=color, ms=4, lw=1.6, label=rec.info["label"])
        ax.axhline(rec.info["full"], color=color, lw=1.2, ls="--")
    ax.plot([], [], "k--", lw=1.2, label="dashed: the full d_in × d_out matrix")
    for rec in layers:
        d_in, d_out, r = NOTES
        if (rec.info["d_in"], rec.info["d_out"]) == (d_in, d_out) and r in rec["r"]:
            i = int(np.flatnonzero(rec["r"] == r)[0])
            lora, ratio = rec["lora"][i], rec["ratio"][i]
            ax.plot([r], [lora], "o", ms=11, mfc="none", mec=COLORS["text"], mew=1.6)
            ax.annotate(
                f"the notes' d = k = {d_in}, r = {r}:\n{count_text(lora)} trainable\n"
                f"vs {count_text(rec.info['full'])} ({ratio:g}× fewer)",
                xy=(r, lora),
                xytext=(r * 8, lora / 45),
                fontsize=10,
                ha="left",
                va="bottom",
                arrowprops={"arrowstyle": "->", "color": COLORS["text"], "lw": 1},
                bbox={"fc": "white", "ec": "none", "alpha": 0.9},
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("rank r (log scale)")
    ax.set_ylabel("trainable parameters (log scale)")
    ax.set_title("LoRA trains r (d_in + d_out) numbers", loc="left", fontsize=11.5)
    ax.legend(loc="upper left", fontsize=10, framealpha=0.9)


def _recovery_panel(ax: Axes, runs: list[Record]) -> None:
    color = COLORS["update"]
    for rec in runs:
        ax.plot(rec["step"], rec["rel_error"], color=color, lw=1.1, alpha=0.8)
    info = runs[0].info
    target = info["target"]
    ax.axhline(target, color=COLORS["text"], lw=1.1, ls="--")
    floors = [r.info["lstsq_rel_error"] for r in runs]
    ax.axhline(max(floors), color=COLORS["muted"], lw=1.2, ls=":")
    end = info["steps"]
    ax.text(end, target * 1.2, f"asked for: {target:g}", ha="right", va="bottom", fontsize=10)
    ax.text(
        end,
        max(floors) * 1.2,
        "full-rank least squares on the\nsame data (the worst seed)",
        ha="right",
        va="bottom",
        fontsize=10,
        color="#666666",
    )
    finals = [r.info["final_rel_error"] for r in runs]
    below = [r.info["first_below"] for r in runs]
    reached = [b for b in below if b is not None]
    lines = [
        f"{len(runs)} seeds (one line each), final error {min(finals):.1e} … {max(finals):.1e}"
    ]
    if reached:
        lines.append(
            f"≤ {target:g} for {len(reached)} of {len(runs)} seeds, from step "
            f"{min(reached)} … {max(reached)}"
        )
    ax.set_title("\n".join(lines), loc="left", fontsize=10.5)
    ax.set_yscale("log")
    ax.set_xlabel("Adam step (full batch, cosine-decayed rate)")
    ax.set_ylabel("‖(α/r) A B − ΔW*‖ / ‖ΔW*‖ (log scale)")
    low = min(float(np.min(r["rel_error"])) for r in runs)
    ax.set_ylim(low / 3, 3.0)


def _singular_panel(ax: Axes, rec: Record) -> None:
    r, r_star = rec.info["r"], rec.info["r_star"]
    idx = np.arange(1, r + 1)
    learned, planted = rec["sv_learned"], rec["sv_planted"]
    ax.bar(idx - 0.19, np.where(idx <= r_star, planted, np.nan), 0.36, color=COLORS["muted"])
    ax.bar(idx + 0.19, learned, 0.36, color=COLORS["update"])
    handles = [
        Patch(color=COLORS["muted"], label=f"planted ΔW* (rank r* = {r_star})"),
        Patch(color=COLORS["update"], label=f"learned (α/r) A B (rank r = {r})"),
    ]
    for i in idx[idx > r_star]:
        ax.text(i - 0.19, learned.max() * 3e-5, "0", ha="center", va="bottom", fontsize=10)
    ax.set_yscale("log")
    ax.set_ylim(min(learned.min(), learned.max() * 1e-5) / 5, learned.max() * 8)
    ax.set_xticks(idx)
    ax.set_xlabel("singular value number")
    ax.set_ylabel("singular value (log scale)")
    ax.legend(handles=handles, loc="upper right", fontsize=10, framealpha=0.9)
    ax.set_title(
        f"seed {rec.info['seed']}: the {r - r_star} spare directions stay\n"
        f"near 0 (≤ {learned[r_star:].max():.0e}), the planted ones are found",
        loc="left",
        fontsize=10.5,
    )


def plot_lora(trace: Trace) -> Figure:
    """Left: trainable parameters against the rank (log-log) for the recorded layer sizes,
    the full matrix dashed, the notes' example marked. Middle: every seed's recovery error per
    step. Right: singular values of the planted and the learned change (first seed)."""
    layers = trace.find("lora.parameters")
    runs = trace.find("lora.finetune")
    fig = new_figure(13.5, 5.8)
    with styled():
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.25, 1.1, 0.8]})
        _counts_panel(axes[0], layers)
        _recovery_panel(axes[1], runs)
        _singular_panel(axes[2], runs[0])
        i = runs[0].info
        fig.suptitle(
            f"LoRA: Y = X W + (α/r) X A B with W frozen. Fine-tune of a {i['d_in']} × "
            f"{i['d_out']} layer: A ({i['d_in']}×{i['r']}) and B ({i['r']}×{i['d_out']}), "
            f"{i['trainable']} trainable numbers beside the frozen {i['full']},\nrecover a "
            f"planted rank-{i['r_star']} change ΔW* from {i['n']} noisy examples "
            f"(noise σ = {i['noise']:g})",
            fontsize=12,
        )
    return fig
