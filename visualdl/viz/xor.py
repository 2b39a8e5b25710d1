"""XOR training figures: decision boundaries at several moments, and the loss curves.

Reads the trace of :func:`visualdl.demos.xor.xor_training` (records ``xor.data``,
``xor.chance``, ``xor.run``, ``xor.snapshot``); draws, computes nothing about the model.

Example
-------
>>> from visualdl.demos.xor import xor_training
>>> from visualdl.viz.xor import plot_loss
>>> tr = xor_training(he_seeds=(0,), num_iterations=200, grid_n=11)
>>> fig = plot_loss(tr)
>>> len(fig.axes)
1
"""

from __future__ import annotations

from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import class_points, new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["PROBABILITY_CMAP", "plot_boundaries", "plot_loss", "run_label"]

#: Output probability a = P(y = 1): class-0 colour -> white at 0.5 -> class-1 colour.
PROBABILITY_CMAP = LinearSegmentedColormap.from_list(
    "visualdl_probability", [COLORS["class0"], "#FFFFFF", COLORS["class1"]]
)
INIT_NAMES = {"scaled_normal": "0.01 init", "he": "He init", "xavier": "Xavier init"}
FLAT = 1e-2  # an output spread below this has no meaningful 0.5 contour
RUN_COLORS = {"scaled_normal": COLORS["class1"], "he": COLORS["class0"]}


def run_label(info: dict, seed: bool = True) -> str:
    """``"2-4-6-1, 0.01 init, RandomState(1)"`` from an ``xor.run`` / snapshot info."""
    dims = "-".join(map(str, info["layer_dims"]))
    init = INIT_NAMES.get(info["init"], info["init"])
    if not seed:
        return f"{dims}, {init}"
    rng = "RandomState" if info["rng"] == "RandomState" else "default_rng"
    return f"{dims}, {init}, {rng}({info['seed']})"


def _runs(trace: Trace) -> dict[str, Record]:
    return {r.info["key"]: r for r in trace.find("xor.run")}


def _pct(acc: float) -> str:
    return f"{100 * acc:.0f} %"


def _cost(J: float) -> str:
    return f"{J:.3f}" if J >= 0.01 else f"{J:.1e}"


def plot_boundaries(trace: Trace) -> Figure:
    """One row per run with snapshots: the output ``a`` over the plane, its 0.5 contour (the
    decision boundary) and the four XOR points, at the recorded moments of training."""
    X, Y = trace.last("xor.data")["X"], trace.last("xor.data")["Y"]
    runs = _runs(trace)
    rows: dict[str, list[Record]] = {}
    for snap in trace.find("xor.snapshot"):
        rows.setdefault(snap.info["key"], []).append(snap)
    cols = max(len(v) for v in rows.values())
    fig = new_figure(2.05 * cols + 1.0, 2.4 * len(rows) + 0.4)
    with styled():
        grid = fig.subplots(len(rows), cols, squeeze=False, sharex=True, sharey=True)
        image = None
        for r, (key, snaps) in enumerate(rows.items()):
            run = runs[key].info
            for c in range(cols):
                ax = grid[r, c]
                ax.grid(False)
                ax.set_aspect("equal")
                if c >= len(snaps):
                    ax.set_visible(False)
                    continue
                s = snaps[c]
                xs, ys, P = s["xs"], s["ys"], s["P"]
                image = ax.pcolormesh(
                    xs,
                    ys,
                    P,
                    cmap=PROBABILITY_CMAP,
                    vmin=0,
                    vmax=1,
                    shading="auto",
                    rasterized=True,
                )
                spread = float(P.max() - P.min())
                if spread > FLAT and P.min() < 0.5 < P.max():
                    ax.contour(xs, ys, P, levels=[0.5], colors=COLORS["text"], linewidths=1.6)
                elif spread <= FLAT:
                    ax.text(
                        0.5,
                        0.5,
                        f"a = 0.5 ± {spread / 2:.0e}\neverywhere:\nno boundary yet",
                        transform=ax.transAxes,
                        ha="center",
                        va="center",
                        fontsize=9,
                        color=COLORS["text"],
                        bbox={"fc": "white", "ec": COLORS["muted"], "alpha": 0.85},
                    )
                class_points(ax, X, Y, 70, 1.2, edgecolor="black")
                ax.set_title(
                    f"iteration {s.info['iteration']:,}\n"
                    f"J = {_cost(s.info['cost'])}, acc {_pct(s.info['accuracy'])}",
                    fontsize=9.5,
                    fontweight="normal",
                )
                ax.set_xticks([0, 1])
                ax.set_yticks([0, 1])
                if r == len(rows) - 1:
                    ax.set_xlabel("$x_1$")
            first, rng = run_label(run).rsplit(", ", 1)
            notes = ", the notes" if run["init"] == "scaled_normal" else ""
            grid[r, 0].set_ylabel(f"{first}\n{rng}{notes}\n\n$x_2$", fontsize=9.5)
        fig.colorbar(image, ax=grid, shrink=0.6, label="network output a = P(y = 1)")
        handles, labels = grid[0, 0].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="lower right",
            fontsize=9.5,
            title="XOR points",
            title_fontsize=9.5,
            frameon=False,
        )
        fig.suptitle(
            "XOR: decision boundary (black line, a = 0.5) while training "
            "(lr 0.1, full-batch gradient descent)",
            fontsize=12.5,
        )
    return fig


def plot_loss(trace: Trace) -> Figure:
    """Cost ``J`` against iteration for every run, with the ``ln 2`` level of 'every output
    0.5' and the length of the 0.01-init plateau marked."""
    chance = trace.last("xor.chance").info
    runs = list(trace.find("xor.run"))
    fig = new_figure(10.5, 5.6)
    with styled():
        ax = fig.add_subplot()
        he = [r for r in runs if r.info["init"] == "he"]
        solved = sum(r.info["accuracy"] == 1.0 for r in he)
        for i, r in enumerate(he):
            label = None
            if i == 0:
                label = (
                    f"{run_label(r.info, seed=False)}, seeds "
                    f"{he[0].info['seed']}–{he[-1].info['seed']}: "
                    f"{solved} of {len(he)} reach 100 %"
                )
            ax.plot(
                r["iteration"], r["cost"], color=RUN_COLORS["he"], lw=1.1, alpha=0.75, label=label
            )
        ax.axhline(chance["J"], color=COLORS["muted"], lw=1.2, ls="--")
        ax.text(
            0.2,
            chance["J"] + 0.004,
            f"ln 2 = {chance['ln2']:.4f}: the cost when every output is 0.5",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="bottom",
            fontsize=9.5,
            color=COLORS["text"],
        )
        stuck = [r for r in he if r.info["accuracy"] < 1.0]
        if stuck:
            seeds = ", ".join(str(r.info["seed"]) for r in stuck)
            worst = max(r.info["final_cost"] for r in stuck)
            ax.text(
                0.12,
                worst + 0.006,
                f"He seeds {seeds}: stuck at J = {worst:.3f} "
                f"({_pct(min(r.info['accuracy'] for r in stuck))})",
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="bottom",
                fontsize=9.5,
                color=RUN_COLORS["he"],
            )
        notes = [r for r in runs if r.info["init"] == "scaled_normal"]
        styles = ["-", "-"]
        for r, ls in zip(notes, styles, strict=False):
            info = r.info
            deep = len(info["layer_dims"]) > 3
            color = RUN_COLORS["scaled_normal"] if deep else COLORS["preactivation"]
            ax.plot(
                r["iteration"],
                r["cost"],
                color=color,
                lw=2.4,
                ls=ls,
                label=f"{run_label(info)} (the notes): {_pct(info['accuracy'])}",
            )
            end = info["plateau_end"]
            if deep and 0 < end < len(r["cost"]):
                y = chance["J"] + 0.06
                ax.annotate(
                    "",
                    (0, y),
                    (end, y),
                    arrowprops={"arrowstyle": "<->", "color": color, "lw": 1.3},
                )
                ax.text(
                    end / 2,
                    y + 0.01,
                    f"{end:,} iterations within 10⁻³ of ln 2: the 0.01 weights pass "
                    "almost no signal",
                    ha="center",
                    va="bottom",
                    fontsize=9.5,
                    color=color,
                )
            elif not deep:
                near_half = int((abs(r["A"] - 0.5) < FLAT).sum())
                ax.text(
                    0.4,
                    info["final_cost"] + 0.006,
                    f"2-4-1 stuck at J = {info['final_cost']:.3f}: {near_half} of the "
                    f"{r['A'].size} outputs stay ≈ 0.5 ({_pct(info['accuracy'])})",
                    transform=ax.get_yaxis_transform(),
                    ha="left",
                    va="bottom",
                    fontsize=9.5,
                    color=color,
                )
        ax.set_ylim(0, chance["J"] + 0.16)
        ax.set_xlim(0, max(int(r["iteration"][-1]) for r in runs) + 1)
        ax.set_xlabel("iteration (gradient-descent step)")
        ax.set_ylabel("cost J (binary cross-entropy)")
        ax.set_title(
            "XOR cost while training, lr 0.1: 0.01 init sits on ln 2, He init does not", loc="left"
        )
        ax.legend(loc="lower left", fontsize=9.5, framealpha=0.9)
    return fig
