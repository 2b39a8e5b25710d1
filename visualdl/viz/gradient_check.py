"""The gradient-check figure: relative error per parameter on a log scale.

Reads the trace of :func:`visualdl.demos.gradient_check.gradient_check` (records
``gradient_check.model``, ``gradient_check.kink``, ``gradient_check.bug``).

Example
-------
>>> from visualdl.demos.gradient_check import gradient_check
>>> from visualdl.viz.gradient_check import plot_gradient_check
>>> len(plot_gradient_check(gradient_check()).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["GOOD", "WRONG", "plot_gradient_check"]

GOOD = 1e-7  #: below this the backward is right
WRONG = 1e-3  #: above this it is almost certainly wrong


def _color(err: float) -> str:
    if err < GOOD:
        return COLORS["activation"]
    return COLORS["loss"] if err < WRONG else COLORS["gradient"]


def _key(key: str) -> str:
    """A model's name on two lines: ``"moons,\\nidentity + MSE"``."""
    return key.replace(", ", ",\n", 1)


def _architecture(info: dict) -> str:
    dims = "-".join(map(str, info["layer_dims"]))
    return f"{dims}, {info['loss']}\nm = {info['m']}"


def plot_gradient_check(trace: Trace) -> Figure:
    """Left: every parameter of every checked network (bars, log scale, lines at 1e-7 and
    1e-3). Right: what failing checks look like: a real bug and a kink."""
    models = trace.find("gradient_check.model")
    eps = trace.meta.get("eps")
    fig = new_figure(13, 6.2)
    with styled():
        gs = fig.add_gridspec(1, 2, width_ratios=[4.3, 1.45])
        ax = fig.add_subplot(gs[0])
        side = fig.add_subplot(gs[1], sharey=ax)
        x, ticks, labels = 0.0, [], []
        low = min(float(r["error"][r["error"] > 0].min()) for r in models)
        for rec in models:
            start = x
            for name, err, norm in zip(
                rec.info["params"], rec["error"], rec["grad_norm"], strict=True
            ):
                ax.bar(x, err, width=0.8, color=_color(err), edgecolor="white")
                if err >= GOOD:
                    why = (
                        "the gradient is tiny"
                        if norm < 1e-2 * np.median(rec["grad_norm"])
                        else "look closer"
                    )
                    ax.annotate(
                        f"‖d{name}‖ = {norm:.1e}:\n{why}",
                        (x, err),
                        xytext=(0, 24),
                        textcoords="offset points",
                        ha="center",
                        fontsize=9,
                        arrowprops={"arrowstyle": "->", "lw": 0.8},
                    )
                ticks.append(x)
                labels.append(name)
                x += 1
            trans = blended_transform_factory(ax.transData, ax.transAxes)
            ax.text(
                (start + x - 1) / 2,
                -0.11,
                _key(rec.info["key"]) + "\n" + _architecture(rec.info),
                transform=trans,
                ha="center",
                va="top",
                fontsize=9,
            )
            x += 0.8
        ax.set_xticks(ticks, labels, fontsize=9)
        ax.set_yscale("log")
        ax.set_ylim(low / 10, 10)
        ax.set_xlim(-0.8, x - 0.6)
        ax.grid(axis="x", visible=False)
        ax.set_ylabel("relative error  ‖g_num − g‖ / (‖g_num‖ + ‖g‖)")
        ax.set_title(
            f"Backward pass vs two-sided differences (ε = {eps:g}), per parameter", loc="left"
        )
        for a in (ax, side):
            a.axhline(GOOD, color=COLORS["activation"], ls="--", lw=1.3)
            a.axhline(WRONG, color=COLORS["gradient"], ls="--", lw=1.3)
        ax.text(
            0.005,
            GOOD * 1.25,
            "1e-7: the backward is right",
            color=COLORS["activation"],
            transform=ax.get_yaxis_transform(),
            fontsize=9,
            va="bottom",
        )
        ax.text(
            0.005,
            WRONG * 1.25,
            "1e-3: almost certainly a bug",
            color=COLORS["gradient"],
            transform=ax.get_yaxis_transform(),
            fontsize=9,
            va="bottom",
        )

        bug = trace.last("gradient_check.bug")
        kink = trace.last("gradient_check.kink")
        k = int(np.argmax(kink["error"]))
        dims = "-".join(map(str, kink.info["layer_dims"]))
        cases = [
            (
                float(bug["error"][0]),
                f"a bug:\n{bug.info['description']}\n({bug.info['key']},\nm = {bug.info['m']})",
            ),
            (
                float(kink["error"][k]),
                f"no bug: {kink.info['params'][k]} of\n{kink.info['key']}"
                f" {dims}\nat initialization:\nz = {kink.info['min_abs_z']:g}"
                " is ReLU's kink",
            ),
        ]
        for i, (err, _) in enumerate(cases):
            side.bar(
                i, err, width=0.6, color=_color(err), hatch="//" if i else None, edgecolor="white"
            )
            side.text(i, err * 1.6, f"{err:.2f}", ha="center", va="bottom", fontsize=9)
        side.set_xticks(range(len(cases)), [t for _, t in cases], fontsize=9, rotation=0)
        side.set_xlim(-0.6, len(cases) - 0.4)
        side.grid(axis="x", visible=False)
        side.tick_params(labelleft=False)
        side.set_title("When the check fails", loc="left")
    return fig
