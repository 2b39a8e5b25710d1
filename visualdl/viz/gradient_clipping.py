"""The gradient-clipping figure: an exploding recurrent model trained without clipping, clipped
by value and clipped by norm, for several seeds; the gradient norm and the cost at every step.

Reads the trace of :func:`visualdl.demos.gradient_clipping.gradient_clipping` (records
``gradient_clipping.run``); draws, computes nothing about the model.

Example
-------
>>> from visualdl.demos.gradient_clipping import gradient_clipping
>>> from visualdl.viz.gradient_clipping import plot_gradient_clipping
>>> tr = gradient_clipping(seeds=(0, 1), T=5, n_a=3, m=8, steps=3)
>>> len(plot_gradient_clipping(tr).axes)
6
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["GOOD", "MODE_COLORS", "plot_gradient_clipping", "short"]

MODE_COLORS = {
    "none": COLORS["diverged"],
    "clip_value": COLORS["weight"],
    "clip_norm": COLORS["activation"],
}
#: a final cost below this counts as trained (ln 2 = 0.693 is guessing)
GOOD = 0.05
GUESS = math.log(2.0)


def short(v: float) -> str:
    """``5e7``, ``366``, ``0.21``, ``3e−4``: a number as the figure prints it."""
    if not math.isfinite(v):
        return str(v)
    if v >= 1e3 or v < 1e-2:
        mantissa, exponent = f"{v:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}".replace("-", "−")
    return f"{v:.3g}"


def _name(r: Record) -> str:
    mode, limit = r.info["mode"], r.info["limit"]
    if mode == "none":
        return "no clipping"
    if mode == "clip_value":
        return f"clip_value = {limit:g} (each entry)"
    return f"clip_norm = {limit:g} (the whole gradient)"


def _finite(arrays: list[np.ndarray]) -> np.ndarray:
    """The positive finite values of ``arrays``, in one array (for the axes' limits)."""
    every = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)
    return every[np.isfinite(every) & (every > 0) & (every < 1e290)]


def _by_mode(runs: list[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in runs:
        out.setdefault(r.info["mode"], []).append(r)
    return out


def _finished(runs: list[Record]) -> list[Record]:
    return [r for r in runs if r.info["stopped"] is None]


def _norm_panel(ax: Axes, mine: list[Record]) -> None:
    color = MODE_COLORS[mine[0].info["mode"]]
    done = _finished(mine)
    for r in done:
        ax.plot(r["step"], r["grad_norm"], color=color, lw=0.9, alpha=0.75)
    lines = []
    if done:
        spikes = [r.info["max_grad_norm"] / r.info["first_grad_norm"] for r in done]
        largest = [r.info["max_grad_norm"] for r in done]
        start = [r.info["Waa_start"] for r in done]
        end = [r.info["Waa_end"] for r in done]
        lines += [
            f"largest ‖g‖: {short(min(largest))} … {short(max(largest))}",
            f"= {short(min(spikes))} … {short(max(spikes))} × step 0's",
            f"‖W_aa‖ start → end: {short(min(start))} … {short(max(start))} → "
            f"{short(min(end))} … {short(max(end))}",
        ]
    if mine[0].info["mode"] == "clip_norm":
        limit = mine[0].info["limit"]
        ax.axhline(limit, color=COLORS["text"], lw=1, ls="--")
        lines.append(f"dashed: ‖g‖ = {limit:g}, longer\ngradients are scaled to it")
    if lines:
        ax.text(
            0.03,
            0.96,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=10.5,
            color=COLORS["text"],
            bbox={"fc": "white", "ec": "none", "alpha": 0.85},
        )
    stopped = [r for r in mine if r.info["stopped"] is not None]
    if stopped:
        ax.text(0.03, 0.05, f"{len(stopped)} stopped: {stopped[0].info['stopped']}", fontsize=9)
    ax.set_yscale("log")
    ax.set_title(_name(mine[0]), loc="left", fontsize=11.5, color=color)


def _cost_panel(ax: Axes, mine: list[Record]) -> None:
    color = MODE_COLORS[mine[0].info["mode"]]
    done = _finished(mine)
    for r in done:
        ax.plot(r["step"], r["cost"], color=color, lw=0.9, alpha=0.75)
    ax.axhline(GUESS, color=COLORS["muted"], lw=1.2, ls=":")
    ax.axhline(GOOD, color=COLORS["muted"], lw=1, ls="--")
    ax.set_yscale("log")
    if done:
        finals = [r.info["final_cost"] for r in done]
        good = sum(v < GOOD for v in finals)
        bad = sum(v > GUESS for v in finals)
        ax.set_title(
            f"final J < {GOOD:g}: {good} of {len(mine)} seeds; > ln 2: {bad} of {len(mine)}",
            loc="left",
            fontsize=10.5,
        )
    ax.set_xlabel("gradient descent step")


def plot_gradient_clipping(trace: Trace) -> Figure:
    """Top: every seed's gradient norm per step (log scale), one panel per way of clipping.
    Bottom: its cost per step, with ln 2 (guessing) and the 'trained' line."""
    runs = trace.find("gradient_clipping.run")
    groups = _by_mode(runs)
    fig = new_figure(12.5, 8.6)
    with styled():
        axes = fig.subplots(2, len(groups), sharex=True, sharey="row", squeeze=False)
        for k, mine in enumerate(groups.values()):
            _norm_panel(axes[0, k], mine)
            _cost_panel(axes[1, k], mine)
        norms = _finite([r["grad_norm"] for r in runs])
        if norms.size:
            axes[0, 0].set_ylim(norms.min() / 3, min(norms.max() * 1e5, 1e300))
        costs = _finite([r["cost"] for r in runs])
        if costs.size:
            axes[1, 0].set_ylim(min(costs.min(), GOOD) / 3, min(costs.max() * 3, 1e300))
        axes[0, 0].set_ylabel("global gradient norm ‖g‖\nbefore clipping (log scale)")
        axes[1, 0].set_ylabel("cost J (log scale)")
        for y, text, va in (
            (GUESS * 1.15, "ln 2: guessing", "bottom"),
            (GOOD / 1.15, f"J = {GOOD:g}", "top"),
        ):
            axes[1, -1].text(
                0.97,
                y,
                text,
                transform=axes[1, -1].get_yaxis_transform(),
                ha="right",
                va=va,
                fontsize=10.5,
                color=COLORS["muted"],
            )
        info = runs[0].info
        seeds = len({r.info["seed"] for r in runs})
        fig.suptitle(
            f"Gradient clipping on an exploding RNN ({info['n_a']} units, W_aa = "
            f"{info['scale']:g} × Xavier, first-bit task with T = {info['T']})\ngradient "
            f"descent at rate {info['learning_rate']:g}, {seeds} seeds (one line each), every "
            "seed from the same start in the three panels",
            fontsize=12,
        )
    return fig
