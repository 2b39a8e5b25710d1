"""The activation-functions figure: ``g(z)`` and ``g'(z)`` per activation, formulas as titles.

Reads the trace of :func:`visualdl.demos.activations.activation_curves`; formulas come from
:func:`visualdl.symbolic.activations.latex` (SymPy), passed in by the caller.

Example
-------
>>> from visualdl.demos.activations import activation_curves
>>> from visualdl.viz.activations import plot_activations
>>> fig = plot_activations(activation_curves(n=101), {"relu": ("z", "1")})
>>> len(fig.axes)
6
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["DISPLAY_NAMES", "plot_activations"]

DISPLAY_NAMES = {
    "sigmoid": "sigmoid σ",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "identity": "identity",
    "softmax": "softmax",
}


def _title(name: str, formulas: dict[str, tuple[str, str]]) -> str:
    head = DISPLAY_NAMES.get(name, name)
    if name not in formulas:
        return head
    g, dg = formulas[name]
    return f"{head}\n$g(z) = {g}$\n$g'(z) = {dg}$"


def _elementwise(ax: Axes, rec: Record, title: str) -> None:
    z, g, dg = rec["z"], rec["g"], rec["dg"]
    ax.plot(z, g, color=COLORS["activation"], lw=2.2, label="$g(z)$")
    if rec.info.get("kink"):
        # g' jumps at 0: draw each side separately and mark the value the engine uses at 0.
        for side in (z < 0, z > 0):
            ax.plot(z[side], dg[side], color=COLORS["gradient"], lw=2, ls="--")
        ax.plot([], [], color=COLORS["gradient"], lw=2, ls="--", label="$g'(z)$")
        at0, left, right = rec.info["dg_at_0"], rec.info["dg_left"], rec.info["dg_right"]
        other = right if np.isclose(at0, left) else left
        ax.plot([0], [other], "o", mfc="white", mec=COLORS["gradient"], ms=6, zorder=3)
        ax.plot([0], [at0], "o", color=COLORS["gradient"], ms=6, zorder=3)
        ax.annotate(
            f"engine: $g'(0) = {at0:g}$",
            (0, at0),
            xytext=(0.04, 0.55),
            textcoords="axes fraction",
            fontsize=9,
            color=COLORS["gradient"],
            arrowprops={"arrowstyle": "->", "color": COLORS["gradient"], "lw": 0.8},
        )
    else:
        ax.plot(z, dg, color=COLORS["gradient"], lw=2, ls="--", label="$g'(z)$")
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(loc="upper left", fontsize=9, frameon=False)


def _softmax(ax: Axes, rec: Record, title: str) -> None:
    z, Z, A = rec["z"], rec["Z"], rec["A"]
    colors = [COLORS["activation"], COLORS["class0"], COLORS["class1"]]
    for k in range(A.shape[0]):
        logit = "z" if k == 0 else f"{Z[k, 0]:g}".replace("-", "−")
        ax.plot(z, A[k], color=colors[k], lw=2.2, label=f"$a_{k + 1}$ (logit {logit})")
    total = " + ".join(f"a_{k + 1}" for k in range(A.shape[0]))
    ax.plot(z, A.sum(axis=0), color=COLORS["muted"], lw=1.5, ls=":", label=f"${total}$")
    others = ", ".join(f"{v:g}" for v in Z[1:, 0]).replace("-", "−")
    ax.set_title(f"{title}\nprobabilities of the logits (z, {others})", fontsize=11, loc="left")
    ax.legend(loc="center left", fontsize=9, frameon=False)


def plot_activations(trace: Trace, formulas: dict[str, tuple[str, str]]) -> Figure:
    """One panel per ``activations.curve`` record (``g`` solid, ``g'`` dashed, over ``z``),
    then one for ``activations.softmax``.

    ``formulas[name] = (g, g')`` as mathtext-ready LaTeX (from ``visualdl.symbolic``); panels
    without one show only the name. Softmax, which mixes its inputs, shows the probabilities
    of three logits instead of a derivative.
    """
    recs = trace.find("activations.curve") + trace.find("activations.softmax")
    cols = 3
    rows = -(-len(recs) // cols)
    fig = new_figure(4.3 * cols, 3.8 * rows)
    with styled():
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, rec in zip(axes, recs, strict=False):
            name = rec.info["name"]
            if name == "softmax":
                _softmax(ax, rec, _title(name, formulas))
            else:
                _elementwise(ax, rec, _title(name, formulas))
            ax.axhline(0, color=COLORS["muted"], lw=0.8)
            ax.axvline(0, color=COLORS["muted"], lw=0.8)
            ax.set_xlabel("z")
        for ax in axes[len(recs) :]:
            ax.set_visible(False)
        fig.suptitle(
            "Activation functions g(z) and their derivatives g'(z), computed by visualdl.engine",
            fontsize=13,
        )
    return fig
