"""Optimizer figures: the race on every surface, batch vs mini-batch, and the Adam mistake.

Reads traces of :mod:`visualdl.demos.optimizer_race` (records ``optimizers.surface``,
``optimizers.path``), :mod:`visualdl.demos.minibatch` (``optimizers.surface``,
``minibatch.run``) and :mod:`visualdl.demos.adam_mistake` (``adam_mistake.steps``,
``adam_mistake.ratio``, ``optimizers.surface``, ``optimizers.path``);
draws, computes nothing about the models.

Example
-------
>>> from visualdl.demos.optimizers import race
>>> from visualdl.viz.optimizers import plot_race
>>> tr = race("bowl", ("gd", "adam"), steps=20, lrs={"gd": 0.1, "adam": 0.1}, grid=20)
>>> len(plot_race({"bowl": tr}).axes)
2
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.paths import draw_path, draw_surface, optimizer_color, path_label
from visualdl.viz.style import COLORS

__all__ = ["BATCH_COLORS", "plot_adam_mistake", "plot_minibatch", "plot_race"]

BATCH_COLORS = (COLORS["weight"], COLORS["activation"], COLORS["gradient"])


def _marks_legend(ax: Axes | Figure, minimum: bool, **kwargs: object) -> None:
    """A legend of the marks (start, end, exit, divergence, minimum) on ``ax`` or a figure."""
    handles = [
        Line2D([], [], marker="o", ls="none", ms=8, mfc="white", mec=COLORS["text"], mew=1.6),
        Line2D([], [], marker="o", ls="none", ms=6, color=COLORS["muted"], mec=COLORS["text"]),
        Line2D([], [], marker=(3, 0, 0), ls="none", ms=8, color=COLORS["muted"]),
        Line2D([], [], marker="X", ls="none", ms=8, color=COLORS["muted"], mec=COLORS["text"]),
    ]
    labels = ["start", "end", "last point in view", "diverged"]
    if minimum:
        handles.append(Line2D([], [], marker="*", ls="none", ms=11, color=COLORS["text"]))
        labels.append("minimum")
    ax.legend(handles, labels, **kwargs)


def _paths_panel(ax: Axes, surface: Record, paths: list[Record]) -> list[str]:
    """Contours and every path; returns the legend labels (with exits and divergence)."""
    draw_surface(ax, surface)
    labels = []
    for p in paths:
        diverged = p.info.get("diverged_at") is not None
        left = draw_path(ax, p["x"], p["y"], optimizer_color(p.info["optimizer"]), None, diverged)
        labels.append(path_label(p.info, left))
    return labels


def _loss_panel(ax: Axes, paths: list[Record], labels: list[str], log: bool) -> None:
    """Loss per step. The y-range is set by the runs that did not diverge; a diverged run's
    curve leaves through the top and gets a cross where it does (or at its last value). A log
    axis that spans under three decades gets ticks at 1, 2 and 5 times the powers of ten,
    written plainly (0.3, 1, 2), so the values between powers of ten can be read."""
    kept = [p["loss"] for p in paths if p.info.get("diverged_at") is None] or [
        p["loss"] for p in paths
    ]
    lo, hi = min(float(k.min()) for k in kept), max(float(k.max()) for k in kept)
    if log:
        ax.set_yscale("log")
        top = hi * 3
        ax.set_ylim(lo / 2, top)
        if top / (lo / 2) < 1e3:
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        top = hi + 0.1 * (hi - lo)
        ax.set_ylim(lo - 0.05 * (hi - lo), top)
    for p, label in zip(paths, labels, strict=True):
        color = optimizer_color(p.info["optimizer"])
        steps = np.arange(len(p["loss"]))
        ax.plot(steps, p["loss"], color=color, lw=1.6, label=label)
        if p.info.get("diverged_at") is not None:
            above = np.flatnonzero(p["loss"] > top)
            i = int(above[0]) if above.size else len(steps) - 1
            y = min(float(p["loss"][i]), top)
            ax.plot(steps[i], y, "X", ms=10, color=color, mec=COLORS["text"], clip_on=False)
    ax.set_xlabel("step t")


def _how(tr: Trace, steps: int) -> str:
    """The loss panel's title: the steps and how the rates were chosen (the trace's meta)."""
    choice, grid = tr.meta.get("lr_choice", ""), tr.meta.get("lr_grid", [])
    if choice == "shared" and grid:
        return f"{steps} steps, the same lr {grid[0]:g} for every optimizer"
    if choice == "settled" and grid:
        return (
            f"{steps} steps; each one's rate: of {len(grid)} rates {min(grid):g} … "
            f"{max(grid):g},\nthe lowest median loss over the last {tr.meta['tail']} steps"
        )
    if choice == "best of grid" and grid:
        return f"{steps} steps; each one's best final loss of {len(grid)} rates"
    return f"{steps} steps, the same fixed lr for every optimizer"


def plot_race(traces: dict[str, Trace]) -> Figure:
    """One row per surface: contours with every optimizer's path (left), loss per step
    (middle, log scale where the loss is positive), and a legend with each optimizer's
    learning rate (right); the titles say how the rates were chosen (``lr_choice``)."""
    rows = len(traces)
    fig = new_figure(12.5, 3.9 * rows + 0.4)
    with styled():
        grid = fig.subplots(rows, 2, squeeze=False, width_ratios=[1, 1.05])
        for r, (name, tr) in enumerate(traces.items()):
            surface, paths = tr.last("optimizers.surface"), tr.find("optimizers.path")
            ax, lax = grid[r]
            labels = _paths_panel(ax, surface, paths)
            ax.set_xlabel("w" if name == "logistic" else "x")
            ax.set_ylabel("b" if name == "logistic" else "y")
            ax.set_title(f"{surface.info['title']}", loc="left", fontsize=11)
            positive = all(float(np.min(p["loss"])) > 0 for p in paths)
            _loss_panel(lax, paths, labels, log=positive)
            what = "cost J(w, b)" if name == "logistic" else "loss f(x, y)"
            lax.set_ylabel(what + (" (log scale)" if positive else ""))
            steps = tr.meta.get("steps", len(paths[0]["step_lr"]))
            lax.set_title(_how(tr, steps), loc="left", fontsize=9.5)
            if not positive:
                lax.axhline(0, color=COLORS["muted"], lw=1, ls="--")
                lax.text(
                    0.02,
                    0.04,
                    "no minimum: the loss falls\nwithout bound once a run\nescapes the saddle",
                    transform=lax.transAxes,
                    fontsize=9,
                    color=COLORS["text"],
                )
            lax.legend(
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize=9,
                title="optimizer, lr",
                title_fontsize=9,
            )
        _marks_legend(fig, True, loc="outside upper center", ncols=5, fontsize=9.5)
    return fig


def plot_minibatch(trace: Trace) -> Figure:
    """Left: the paths of ``(w, b)`` on the logistic-regression cost for each batch size.
    Middle: the full-data cost per epoch (the same work per epoch). Right: per step (log),
    with the cost of each step's own mini-batch behind it."""
    surface, runs = trace.last("optimizers.surface"), trace.find("minibatch.run")
    fig = new_figure(13.2, 5.4)
    with styled():
        ax, eax, sax = fig.subplots(1, 3, width_ratios=[1.05, 1, 1])
        draw_surface(ax, surface, minimum=False)
        order = sorted(range(len(runs)), key=lambda i: -runs[i].info["steps"])  # busiest first
        for i in order:
            run, color = runs[i], BATCH_COLORS[i % len(BATCH_COLORS)]
            dense = run.info["steps"] > 1000
            draw_path(
                ax,
                run["w"],
                run["b"],
                color,
                diverged=run.info["diverged_at"] is not None,
                lw=0.6 if dense else 2.0,
                alpha=0.55 if dense else 0.95,
            )
            if run.info["steps"] <= 60:  # few steps: show each one
                ax.plot(run["w"], run["b"], ".", ms=6, color=color, zorder=5)
        ax.set_xlabel("weight w (of the standardized mean radius)")
        ax.set_ylabel("bias b")
        ax.set_title("the path of (w, b) on the cost J(w, b)", loc="left", fontsize=11.5)
        for i, run in enumerate(runs):
            color = BATCH_COLORS[i % len(BATCH_COLORS)]
            info = run.info
            per = info["steps_per_epoch"]
            label = (
                f"{info['label']}: {per} step{'s' if per > 1 else ''}/epoch,\n"
                f"{info['steps']:,} steps, final J = {run['J'][-1]:.3f}"
            )
            if info["diverged_at"] is not None:
                label += f", diverged at step {info['diverged_at']}"
            eax.plot(run["epoch"], run["J"], color=color, lw=1.1 if per > 100 else 1.9, label=label)
            steps = np.arange(1, len(run["J"]) + 1)
            if (
                len(run["batch_cost"])
                and info["batch_size"] < trace.last("optimizers.surface").info["m"]
            ):
                sax.plot(
                    steps[: len(run["batch_cost"])],
                    run["batch_cost"],
                    color=color,
                    lw=0.4 if per > 100 else 0.8,
                    alpha=0.08 if per > 100 else 0.45,
                    rasterized=True,
                    zorder=1,
                )
            sax.plot(
                steps,
                run["J"],
                color=color,
                lw=1.1 if per > 100 else 1.9,
                marker="." if len(steps) <= 60 else None,
                zorder=4 if len(steps) <= 60 else 3,  # batch's few steps on top
            )
        eax.set_xlabel("epoch (passes over the 569 examples)")
        eax.set_ylabel("cost J on all 569 examples")
        info0 = runs[0].info
        eax.set_title(
            f"the same lr ({info0['lr']:g}) and {info0['epochs']} epochs for each",
            loc="left",
            fontsize=11.5,
        )
        eax.legend(loc="upper right", fontsize=9)
        sax.set_xscale("log")
        sax.set_xlabel("step (parameter update), log scale")
        sax.set_ylabel("cost J")
        sax.set_title(
            "per step: J on all examples (solid),\non the step's batch (faint)",
            loc="left",
            fontsize=11,
        )
        top = max(float(run["J"][0]) for run in runs)
        for a in (eax, sax):
            a.set_ylim(0, top * 1.08)
        _marks_legend(ax, False, loc="upper right", fontsize=9, framealpha=0.9)
    return fig


def plot_adam_mistake(trace: Trace) -> Figure:
    """Top: step sizes of the right Adam and the notes' Adam on the same gradients, and their
    ratio. Bottom: the paths of both on a surface, and their loss per step."""
    steps = {r.info["optimizer"]: r for r in trace.find("adam_mistake.steps")}
    ratio = trace.last("adam_mistake.ratio")
    surface, paths = trace.last("optimizers.surface"), trace.find("optimizers.path")
    names = {"adam": "Adam, S corrected with β2 (right)", "adam_notes": "the notes: S with β1"}
    fig = new_figure(14, 10.5)
    with styled():
        (sax, rax), (pax, lax) = fig.subplots(2, 2)
        for name, rec in steps.items():
            sax.plot(rec["t"], rec["step"], color=optimizer_color(name), lw=1.2, label=names[name])
        info = next(iter(steps.values())).info
        sax.axhline(info["lr"], color=COLORS["muted"], ls="--", lw=1)
        sax.text(1.1, info["lr"] * 0.8, f"lr = {info['lr']:g}", va="top", fontsize=9.5)
        sax.set_xscale("log")
        sax.set_yscale("log")
        sax.set_xlabel("step t (log scale)")
        sax.set_ylabel("step size |Δθ| (log scale)")
        sax.set_title(
            f"one parameter, the same noisy gradients; β1 = {info['beta1']:g}, "
            f"β2 = {info['beta2']:g}",
            loc="left",
            fontsize=11,
        )
        sax.legend(loc="upper right", fontsize=9.5)
        t, q = ratio["t"], ratio["ratio"]
        rax.plot(t, q, color=optimizer_color("adam_notes"), lw=1.8)
        rax.axhline(1, color=COLORS["muted"], ls="--", lw=1)
        rax.set_xscale("log")
        rax.set_xlabel("step t (log scale)")
        rax.set_ylabel("notes' step / right step")
        rax.set_title("how much too long the notes' steps are", loc="left", fontsize=11)
        marks = [i for i in (0, 9, 99, 999) if i < len(t)]
        for i in marks:
            rax.plot(t[i], q[i], "o", color=optimizer_color("adam_notes"), ms=6)
            rax.annotate(
                f"t = {t[i]}: ×{q[i]:.1f}",
                (t[i], q[i]),
                xytext=(8, 6),
                textcoords="offset points",
                fontsize=9.5,
            )
        rax.set_ylim(0, float(q.max()) * 1.15)
        draw_surface(pax, surface)
        labels = []
        for p in paths:
            name = p.info["optimizer"]
            left = draw_path(
                pax, p["x"], p["y"], optimizer_color(name), None, p.info["diverged_at"] is not None
            )
            label = f"{names[name]}: lr {p.info['lr']:g}"
            if p.info.get("first_step") is not None:
                label += f", first step {p.info['first_step']:.2f} long"
            if left is not None:
                label += f", out of view from step {left}"
            if p.info["diverged_at"] is not None:
                label += f", diverged at step {p.info['diverged_at']}"
            labels.append(label)
            if len(p["x"]) > 1:  # the first step, drawn as an arrow
                pax.annotate(
                    "",
                    (p["x"][1], p["y"][1]),
                    (p["x"][0], p["y"][0]),
                    arrowprops={"arrowstyle": "->", "color": optimizer_color(name), "lw": 2},
                    zorder=8,
                )
        pax.set_xlabel("x")
        pax.set_ylabel("y")
        pax.set_title(
            f"{surface.info['title']}: the first step (arrow) and the path",
            loc="left",
            fontsize=11,
        )
        _marks_legend(pax, True, loc="lower right", fontsize=9.5, framealpha=0.9)
        _loss_panel(lax, paths, labels, log=all(float(np.min(p["loss"])) > 0 for p in paths))
        lax.set_ylabel("loss (log scale)")
        lax.set_title(f"{len(paths[0]['step_lr'])} steps on the surface", loc="left", fontsize=11)
        lax.legend(loc="upper right", fontsize=9.5)
    return fig
