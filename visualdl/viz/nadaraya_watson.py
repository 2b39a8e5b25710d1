"""The Nadaraya–Watson figure: kernel regression's fit and its attention weights as the
bandwidth changes, and the learned ``w``'s training.

Reads the trace of :func:`visualdl.demos.nadaraya_watson.nadaraya_watson_demo` (records
``nadaraya_watson.data``, ``.fit``, ``.training``, ``.sweep``); draws, computes nothing about
the model.

Example
-------
>>> from visualdl.demos.nadaraya_watson import nadaraya_watson_demo
>>> from visualdl.viz.nadaraya_watson import plot_nadaraya_watson
>>> tr = nadaraya_watson_demo(n_train=10, n_test=8, steps=5, sweep=4)
>>> len(plot_nadaraya_watson(tr).axes)  # 4 fits, 4 heatmaps, 2 panels + w's axis, 1 bar
12
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, PowerNorm
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import BACKGROUND, COLORS, SIGNED

__all__ = ["WEIGHT_CMAP", "WEIGHT_GAMMA", "describe", "plot_nadaraya_watson"]

#: the positive half of the diverging value rule: weight 0 white, the largest full red
WEIGHT_CMAP = LinearSegmentedColormap.from_list(
    "visualdl_weight", [BACKGROUND["figure"], SIGNED["positive"]]
)
#: colour ~ weight^0.5, so that the pale weights of a wide kernel still show
WEIGHT_GAMMA = 0.5
FIT_COLOR = COLORS["activation"]
LEARNED_COLOR = COLORS["update"]


def describe(fit: Record) -> str:
    """``w = 1 (non-parametric)``, ``w = 4.95 (learned)``, ``w = 25``: a fit's name."""
    w, kind = fit.info["w"], fit.info["kind"]
    name = f"w = {w:.3g}"
    return name if kind == "fixed" else f"{name} ({kind})"


def _edges(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Cell edges around sorted centres ``x``: midpoints, and ``low``/``high`` at the ends."""
    mid = (x[1:] + x[:-1]) / 2
    return np.concatenate([[min(low, x[0])], mid, [max(high, x[-1])]])


def _fit_panel(ax: Axes, data: Record, fit: Record) -> None:
    learned = fit.info["kind"] == "learned"
    color = LEARNED_COLOR if learned else FIT_COLOR
    ax.scatter(
        data["x_train"],
        data["y_train"],
        s=14,
        color=COLORS["input"],
        edgecolor="none",
        alpha=0.9,
        label="training (x_i, y_i)",
        zorder=2,
    )
    ax.plot(data["x_test"], data["truth"], color=COLORS["text"], lw=1.2, ls="--", label="truth")
    ax.plot(data["x_test"], fit["f"], color=color, lw=2.2, label="f(x)", zorder=3)
    ax.set_title(describe(fit), loc="left", fontsize=11.5, color=color)
    ax.set_ylim(-0.6, 6.4)
    ax.set_yticks(range(6))
    ax.text(
        0.03,
        0.04,
        f"leave-one-out MSE {fit.info['loo_mse']:.3f}\nMSE vs truth {fit.info['test_mse']:.3f}",
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=10,
        bbox={"fc": "white", "ec": "none", "alpha": 0.85},
    )
    ax.set_xlabel("x")


def _heatmap(ax: Axes, data: Record, fit: Record, norm: PowerNorm):
    high = data.info["high"]
    mesh = ax.pcolormesh(
        _edges(data["x_train"], 0.0, high),
        _edges(data["x_test"], 0.0, high),
        fit["weights"],
        cmap=WEIGHT_CMAP,
        norm=norm,
        shading="flat",
        rasterized=True,
    )
    ax.set_xlim(0, high)
    ax.set_ylim(high, 0)  # queries top to bottom, as the rows of the weight matrix
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("training x_i (key)")
    n = data["x_train"].size
    ax.set_title(
        f"1/Σα² = {fit.info['effective_keys']:.1f} of {n} keys",
        loc="left",
        fontsize=10.5,
    )
    return mesh


def _training_panel(ax: Axes, training: Record) -> None:
    """The leave-one-out MSE (left axis) and ``w`` (right axis) at every step; the step axis
    is linear up to 1 and logarithmic after, so the first jump and the slow tail both show."""
    info = training.info
    ax.plot(training["step"], training["loss"], color=COLORS["loss"], lw=2.2)
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.5)
    ax.set_xlim(0, training["step"][-1])
    ax.set_xlabel("gradient descent step (log scale after 1)")
    ax.set_ylabel("leave-one-out MSE", color=COLORS["loss"])
    right = ax.twinx()
    right.plot(training["step"], training["w"], color=LEARNED_COLOR, lw=1.6, ls="-.")
    right.spines["right"].set_visible(True)
    right.grid(False)
    right.set_ylabel("w", color=LEARNED_COLOR)
    ax.set_title("learning w from w = 1", loc="left", fontsize=11.5, color=LEARNED_COLOR)
    ax.text(
        0.97,
        0.5,
        f"w: {info['w0']:.3g} → {info['w_learned']:.3g}\n"
        f"MSE: {info['loss_start']:.3f} → {info['loss_end']:.3f}\n"
        f"{info['steps']} steps at lr {info['lr']:g}",
        transform=ax.transAxes,
        ha="right",
        va="center",
        fontsize=10,
        bbox={"fc": "white", "ec": "none", "alpha": 0.85},
    )


def _sweep_panel(ax: Axes, sweep: Record, fits: list[Record], training: Record) -> None:
    ax.plot(sweep["w"], sweep["loo_mse"], color=COLORS["loss"], lw=2.2, label="leave-one-out")
    ax.plot(sweep["w"], sweep["test_mse"], color=COLORS["muted"], lw=1.5, ls="--", label="vs truth")
    ax.plot(
        training["w"],
        training["loss"],
        color=LEARNED_COLOR,
        lw=0.9,
        marker=".",
        ms=4,
        label="descent's steps",
        zorder=3,
    )
    top = float(np.max(sweep["loo_mse"]))
    for fit in fits:
        learned = fit.info["kind"] == "learned"
        ax.plot(
            fit.info["w"],
            fit.info["loo_mse"],
            marker="*" if learned else "o",
            ms=14 if learned else 7,
            color=LEARNED_COLOR if learned else FIT_COLOR,
            mec=COLORS["text"],
            mew=0.7,
            ls="none",
            zorder=4,
        )
        if not learned:  # on the plateau below and to the left, elsewhere above and right
            high = fit.info["loo_mse"] > 0.9 * top
            ax.annotate(
                f"w = {fit.info['w']:.3g}",
                (fit.info["w"], fit.info["loo_mse"]),
                xytext=(4, -16) if high else (6, 6),
                textcoords="offset points",
                ha="right" if high else "left",
                fontsize=9.5,
                color=FIT_COLOR,
            )
    ax.set_xscale("log")
    ax.set_xlabel("w (log scale)")
    ax.set_ylabel("MSE")
    ax.set_title("error against w", loc="left", fontsize=11.5)
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.7), fontsize=9.5, frameon=False)


def plot_nadaraya_watson(trace: Trace) -> Figure:
    """Top: the fit for each ``w`` (increasing left to right) over the data and the truth.
    Below each: its attention-weight matrix, queries (test x) down, training x_i across,
    with one colour bar. Right: the learned ``w``'s leave-one-out MSE per step, and that
    error (and the error against the truth) over a sweep of ``w`` with the fits marked."""
    data = trace.last("nadaraya_watson.data")
    fits = trace.find("nadaraya_watson.fit")
    training = trace.last("nadaraya_watson.training")
    sweep = trace.last("nadaraya_watson.sweep")
    k = len(fits)
    fig = new_figure(2.45 * k + 3.2, 7.4)
    with styled():
        grid = fig.add_gridspec(2, k + 1, width_ratios=[1.0] * k + [1.3], height_ratios=[1, 1.1])
        top = [fig.add_subplot(grid[0, j]) for j in range(k)]
        for ax in top[1:]:
            ax.sharey(top[0])
        bottom = [fig.add_subplot(grid[1, j]) for j in range(k)]
        vmax = max(f.info["max_weight"] for f in fits)
        norm = PowerNorm(WEIGHT_GAMMA, vmin=0.0, vmax=vmax)
        for j, fit in enumerate(fits):
            _fit_panel(top[j], data, fit)
            mesh = _heatmap(bottom[j], data, fit, norm)
        top[0].set_ylabel("y")
        bottom[0].set_ylabel("test x (query)")
        n = data["x_train"].size
        ticks = [t for t in (0.0, 1.0 / n, 0.1, 0.25, 0.5) if t < 0.8 * vmax]
        labels = [f"1/{n} (uniform)" if t == 1.0 / n else f"{t:g}" for t in ticks]
        bar = fig.colorbar(
            mesh, ax=bottom, location="bottom", shrink=0.7, aspect=45, pad=0.02, ticks=ticks
        )
        bar.set_ticks([*ticks, vmax], labels=[*labels, f"{vmax:.2f} (largest)"])
        bar.set_label(
            "attention weight α(x, x_i); each row sums to 1 (colour ∝ √α, so small weights show)",
            fontsize=10,
        )
        bar.ax.tick_params(labelsize=10)
        training_ax = fig.add_subplot(grid[0, k])
        _training_panel(training_ax, training)
        _sweep_panel(fig.add_subplot(grid[1, k]), sweep, fits, training)
        top[0].legend(loc="upper right", fontsize=9.5, frameon=False)
        fig.suptitle(
            f"Nadaraya–Watson regression f(x) = Σ_i softmax(−((x − x_i) w)² / 2) y_i on "
            f"{n} noisy points of y = 2 sin x + x^0.8 (noise σ = {data.info['noise']:g})\n"
            "a larger w is a narrower kernel (bandwidth 1/w): each query's weights sharpen "
            "onto fewer, nearer keys",
            fontsize=12.5,
        )
    return fig
