"""Architecture diagrams (LeNet-5, AlexNet, VGG-16) and the Inception bottleneck cost bars.

Reads traces of :func:`visualdl.demos.architectures.architectures` (records
``architectures.network``, ``architectures.block``) and
:func:`visualdl.demos.architectures.inception` (records ``architectures.inception``,
``architectures.stage``); draws, computes nothing (box sizes are layout: a square root of the
height and a logarithm of the channels, so that 227 and 5, 3 and 512 fit on one page).

Example
-------
>>> from visualdl.demos.architectures import architectures, inception
>>> from visualdl.viz.architectures import plot_architectures, plot_inception
>>> len(plot_architectures(architectures(("lenet5",))).axes), len(plot_inception(inception()).axes)
(1, 2)
"""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS

__all__ = ["KIND_COLORS", "mult_text", "plot_architectures", "plot_inception", "shape_text"]

KIND_COLORS = {
    "input": COLORS["input"],
    "conv": COLORS["weight"],
    "pool": COLORS["update"],
    "fc": COLORS["preactivation"],
}
_SLOT = 1.95  # horizontal room per box (data units), enough for its labels
_ROW = 6.6  # vertical room per row of boxes (data units)
_PER_ROW = 8  # at most this many boxes in a row: a longer chain wraps onto the next row
_H_MAX = 227.0  # the tallest input drawn (AlexNet)


def shape_text(shape: list[int] | tuple[int, ...]) -> str:
    """``28×28×6`` or ``120``."""
    return "×".join(str(v) for v in shape)


def mult_text(m: int) -> str:
    """Multiplications, short: ``117,600``, ``37.8 M``, ``1.85 G``.

    >>> mult_text(117_600), mult_text(37_748_736), mult_text(1_849_688_064)
    ('117,600', '37.7 M', '1.85 G')
    """
    if m >= 10**9:
        return f"{m / 1e9:.2f} G"
    if m >= 10**6:
        return f"{m / 1e6:.1f} M"
    return f"{m:,}"


def _box_size(info: dict) -> tuple[float, float]:
    shape = info["shape"]
    if len(shape) == 1:  # a dense layer: a thin bar, taller for more units
        return 0.22, 0.35 + 2.3 * math.sqrt(shape[0] / 4096)
    H, _, C = shape
    return 0.22 + 0.13 * math.log2(C), 0.3 + 2.6 * math.sqrt(H / _H_MAX)


def _what(info: dict) -> str:
    kind = info["kind"]
    if kind == "input":
        return "input"
    if kind == "conv":
        times = f"{info['repeat']}× " if info["repeat"] > 1 else ""
        pad = f" p{info['p']}" if info["p"] else ""
        return f"{times}conv {info['f']}×{info['f']}\ns{info['s']}{pad}, {info['n']} filters"
    if kind == "pool":
        return f"{info['pool']} pool\n{info['f']}×{info['f']} s{info['s']}"
    return f"fc {info['n']}"


def _rows(n: int) -> list[range]:
    """``n`` boxes split into as few rows of at most :data:`_PER_ROW` as possible, balanced."""
    count = -(-n // _PER_ROW)
    size = -(-n // count)
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def _arrow(ax: Axes, points: list[tuple[float, float]]) -> None:
    """A grey arrow along ``points`` (a straight one, or a bent return to the next row)."""
    ax.add_patch(
        FancyArrowPatch(
            path=MplPath(points),
            arrowstyle="-|>",
            mutation_scale=9,
            color=COLORS["muted"],
            lw=1,
        )
    )


def _draw_box(ax: Axes, info: dict, cx: float, cy: float, bold: bool) -> tuple[float, float]:
    """One layer's box at ``(cx, cy)`` with its labels; returns its half width and height."""
    w, h = _box_size(info)
    color = KIND_COLORS[info["kind"]]
    ax.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, fc=color, ec="white", lw=1.0, alpha=0.9))
    ax.text(cx, cy + h / 2 + 0.12, _what(info), ha="center", va="bottom", fontsize=9)
    below = shape_text(info["shape"])
    if info["params"]:
        below += f"\n{info['params']:,} params"
    if info["multiplications"]:
        below += f"\n{mult_text(info['multiplications'])} mult."
    ax.text(
        cx,
        cy - h / 2 - 0.12,
        below,
        ha="center",
        va="top",
        fontsize=9,
        fontweight="bold" if bold else "normal",
    )
    if info["kind"] == "pool":
        ax.text(
            cx,
            cy - h / 2 - 1.02,
            f"notes' (n+f−1)/s\n= {info['notes_size']:g} ✗",
            ha="center",
            va="top",
            fontsize=9,
            color=COLORS["gradient"],
        )
    return w / 2, h / 2


def _draw_chain(ax: Axes, blocks: list, network: dict) -> None:
    """The chain of boxes, wrapped into rows; arrows between them (bent at a row's end)."""
    biggest = max(b.info["params"] for b in blocks)
    rows = _rows(len(blocks))
    prev = None  # (right edge, y) of the last box drawn, and its row's right end
    for r, row in enumerate(rows):
        cy = -r * _ROW
        for j, i in enumerate(row):
            info = blocks[i].info
            cx = j * _SLOT + _SLOT / 2
            hw, _ = _draw_box(ax, info, cx, cy, info["params"] == biggest)
            if prev is not None:
                (px, py), end = prev
                if py == cy:
                    _arrow(ax, [(px + 0.04, cy), (cx - hw - 0.04, cy)])
                else:  # back to the start of the next row, between the rows
                    mid = py - _ROW * 0.56
                    _arrow(
                        ax,
                        [
                            (px + 0.04, py),
                            (end, py),
                            (end, mid),
                            (0.08, mid),
                            (0.08, cy),
                            (cx - hw - 0.04, cy),
                        ],
                    )
            prev = ((cx + hw, cy), len(row) * _SLOT)
    ax.set_xlim(-0.1, _SLOT * _PER_ROW + 0.1)
    ax.set_ylim(-(len(rows) - 1) * _ROW - 3.6, 3.1)
    ax.axis("off")
    ax.set_title(
        f"{network['title']}: {network['params']:,} parameters (weights + biases), "
        f"{network['multiplications']:,} multiplications per image",
        loc="left",
        fontsize=11,
    )


def plot_architectures(trace: Trace) -> Figure:
    """One block of rows per network: a box per layer (consecutive identical convs as one box),
    height growing with ``n_H`` (square root), width with ``n_C`` (log); dense layers are thin
    bars; a chain longer than :data:`_PER_ROW` boxes wraps onto a second row. Above: the layer;
    below: its output shape, parameters (the largest in bold) and multiplications; under
    pooling boxes the notes' wrong size ``(n + f - 1)/s`` in red."""
    nets = trace.find("architectures.network")
    blocks = trace.find("architectures.block")
    per_net = {n.info["net"]: [b for b in blocks if b.info["net"] == n.info["net"]] for n in nets}
    heights = [len(_rows(len(per_net[n.info["net"]]))) for n in nets]
    fig = new_figure(0.7 * _SLOT * _PER_ROW + 0.6, 2.75 * sum(heights) + 0.5 * len(nets) + 0.6)
    with styled():
        axes = fig.subplots(len(nets), 1, squeeze=False, height_ratios=heights)[:, 0]
        for ax, net in zip(axes, nets, strict=True):
            _draw_chain(ax, per_net[net.info["net"]], net.info)
        handles = [Rectangle((0, 0), 1, 1, fc=c, ec="white") for c in KIND_COLORS.values()]
        fig.legend(
            handles,
            ["input", "convolution (+ ReLU)", "pooling", "fully connected"],
            loc="outside lower center",
            ncols=4,
            frameon=False,
            fontsize=10,
        )
    return fig


def plot_inception(trace: Trace) -> Figure:
    """Left: the two paths from ``28×28×192`` to ``28×28×32`` with every stage's shape and
    multiplications. Right: the multiplications as bars (the bottleneck bar split into its two
    convolutions) and the engine's ratio."""
    cost = trace.last("architectures.inception").info
    stages = trace.find("architectures.stage")
    fig = new_figure(14.5, 5.2)
    with styled():
        left, right = fig.subplots(1, 2, width_ratios=[1.35, 1])
        colors = {"direct": COLORS["gradient"], "bottleneck": COLORS["activation"]}
        for row, path in enumerate(("direct", "bottleneck")):
            y = 1.0 - row * 1.25
            mine = [s for s in stages if s.info["path"] == path]
            xs = [0.0, 2.2, 4.4][: len(mine)] if path == "bottleneck" else [0.0, 4.4]
            for i, (x, st) in enumerate(zip(xs, mine, strict=True)):
                H, _, C = st.info["shape"]
                w = 0.25 + 0.11 * math.log2(C)
                left.add_patch(
                    Rectangle(
                        (x - w / 2, y - 0.32),
                        w,
                        0.64,
                        fc=COLORS["input"] if i == 0 else colors[path],
                        ec="white",
                        alpha=0.9,
                    )
                )
                left.text(x, y - 0.4, shape_text(st.info["shape"]), ha="center", va="top")
                if i:
                    x0 = xs[i - 1]
                    left.add_patch(
                        FancyArrowPatch(
                            (x0 + 0.55, y),
                            (x - w / 2 - 0.08, y),
                            arrowstyle="-|>",
                            mutation_scale=12,
                            color=COLORS["text"],
                            lw=1.2,
                        )
                    )
                    left.text(
                        (x0 + x) / 2 + 0.1,
                        y + 0.36,
                        f"{st.info['label']}\n{st.info['multiplications']:,} multiplications",
                        ha="center",
                        va="bottom",
                        fontsize=9.5,
                    )
            name = "direct" if path == "direct" else "with a 1×1 bottleneck"
            left.text(
                -0.75,
                y,
                name,
                ha="right",
                va="center",
                fontsize=11,
                fontweight="bold",
                color=colors[path],
            )
        left.set_xlim(-2.9, 5.2)
        left.set_ylim(-0.95, 2.0)
        left.axis("off")
        left.set_title("two ways from 28×28×192 to 28×28×32", fontsize=12)

        direct, reduce, conv = cost["direct"], cost["reduce"], cost["conv"]
        right.bar(0, direct, color=colors["direct"], width=0.6)
        right.bar(1, reduce, color=COLORS["update"], width=0.6, label="1×1 conv (reduce to 16)")
        right.bar(
            1,
            conv,
            bottom=reduce,
            color=colors["bottleneck"],
            width=0.6,
            label="5×5 conv on 16 channels",
        )
        right.text(0, direct, f"{direct:,}", ha="center", va="bottom", fontsize=10.5)
        right.text(
            1,
            reduce + conv,
            f"{cost['bottleneck_cost']:,}\n= {reduce:,} + {conv:,}",
            ha="center",
            va="bottom",
            fontsize=10,
        )
        right.set_xticks([0, 1], ["direct 5×5", "1×1 bottleneck\nthen 5×5"])
        right.set_ylabel("multiplications")
        right.set_ylim(0, direct * 1.15)
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:g} M"))
        right.text(
            1,
            direct * 0.42,
            f"{cost['ratio']:.2f}× fewer\n(direct / bottleneck)",
            ha="center",
            va="center",
            fontsize=13,
            fontweight="bold",
        )
        right.legend(fontsize=9.5, loc="upper right")
        right.set_title("cost per image", fontsize=12)
        right.grid(axis="x", visible=False)
    return fig
