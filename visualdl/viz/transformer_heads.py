"""The transformer-heads figure: every attention head of the trained tiny Transformer on one
held-out input, and its training.

Reads the trace of :func:`visualdl.demos.transformer_demo.transformer_demo` (records
``encoder1.attention``, ``decoder1.self_attention``, ``decoder1.cross_attention``,
``transformer_demo.heads``, ``transformer_demo.training``); draws, computes nothing about the
model. Weights are drawn on one colour scale, the positive half of the diverging value rule
(0 white, 1 full red), with their numbers; cells the causal mask removes are grey. In the
cross-attention, a box marks source position ``n - 1 - t``, the one output ``t`` must copy
to reverse the string.

Example
-------
>>> from visualdl.demos.transformer_demo import transformer_demo
>>> from visualdl.viz.transformer_heads import plot_transformer_heads
>>> tr = transformer_demo(n_train=64, n_held_out=16, steps=4, every=2, checkpoint=2)
>>> len(plot_transformer_heads(tr).axes)  # 12 heads, 3 side slots (1 bar), loss, accuracy
17
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import BACKGROUND, COLORS, SIGNED

__all__ = ["MASKED", "WEIGHT_CMAP", "ATTENTIONS", "plot_transformer_heads", "weight_text"]

#: the positive half of the diverging value rule: weight 0 white, weight 1 full red
WEIGHT_CMAP = LinearSegmentedColormap.from_list(
    "visualdl_attention", [BACKGROUND["figure"], SIGNED["positive"]]
)
MASKED = "#CFCFCF"  #: a cell the causal mask removes
#: the three attentions of one encoder-decoder pair, in the figure's row order
ATTENTIONS = ("encoder1.attention", "decoder1.self_attention", "decoder1.cross_attention")
NUMBER_SIZE = 9.5


def weight_text(w: float) -> str:
    """``.98``, ``.05``, ``0``, ``1``: a weight as a cell prints it (two decimals).

    >>> [weight_text(w) for w in (0.976, 0.0004, 1.0, 0.05)]
    ['.98', '0', '1', '.05']
    """
    s = f"{w:.2f}"
    if s == "0.00":
        return "0"
    if s == "1.00":
        return "1"
    return s[1:]


def _names(tokens: list[str], ids: np.ndarray) -> list[str]:
    return [tokens[int(t)] for t in ids]


def _heatmap(
    ax: Axes,
    W: np.ndarray,
    rows: list[str],
    cols: list[str],
    masked: np.ndarray | None = None,
    boxes: list[tuple[int, int]] = (),
):
    """One head's ``(n_q, n_k)`` weights with their numbers; ``masked`` cells grey."""
    image = ax.imshow(W, cmap=WEIGHT_CMAP, vmin=0.0, vmax=1.0, aspect="equal")
    n_q, n_k = W.shape
    for i in range(n_q):
        for j in range(n_k):
            if masked is not None and masked[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color=MASKED, lw=0))
                continue
            color = "white" if W[i, j] > 0.6 else COLORS["text"]
            ax.text(
                j,
                i,
                weight_text(W[i, j]),
                ha="center",
                va="center",
                fontsize=NUMBER_SIZE,
                color=color,
                in_layout=False,  # inside the axes: the layout need not measure it (faster)
            )
    for i, j in boxes:
        ax.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=COLORS["text"], lw=1.8, zorder=3)
        )
    ax.set_xticks(range(n_k), cols, rotation=90, fontsize=10)
    ax.set_yticks(range(n_q), rows, fontsize=10)
    for v in np.arange(1, n_k) - 0.5:  # cell borders as lines, not minor ticks (faster)
        ax.axvline(v, color="white", lw=1.2, in_layout=False)
    for v in np.arange(1, n_q) - 0.5:
        ax.axhline(v, color="white", lw=1.2, in_layout=False)
    ax.grid(False)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return image


def _training_panels(ax_loss: Axes, ax_acc: Axes, training: Record) -> None:
    info = training.info
    loss = training["loss"]
    ax_loss.plot(np.arange(1, loss.size + 1), loss, color=COLORS["loss"], lw=1)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("Adam step")
    ax_loss.set_ylabel("training loss\n(cross-entropy, log scale)")
    ax_loss.set_title(
        f"training: {info['n_train']} strings, batches of {info['batch_size']}, "
        f"last loss {info['final_loss']:.1e}".replace("e-0", "e−"),
        loc="left",
        fontsize=11,
    )
    steps, acc = training["eval_step"], training["accuracy"]
    ax_acc.plot(steps, 100 * acc, "o-", color=COLORS["activation"], lw=1.5, ms=5)
    for s, a in zip(steps.tolist(), acc.tolist(), strict=True):
        ax_acc.annotate(
            f"{100 * a:.1f}".removesuffix(".0"),
            (s, 100 * a),
            textcoords="offset points",
            xytext=(0, -15 if a > 0.5 else 7),
            ha="center",
            fontsize=9.5,
        )
    ax_acc.set_ylim(-8, 112)
    ax_acc.set_xlabel("Adam step")
    ax_acc.set_ylabel("held-out sequence\naccuracy (%)")
    ax_acc.set_title(
        f"greedy decoding of the {info['n_held_out']} held-out strings: every digit and <eos> "
        "right",
        loc="left",
        fontsize=11,
    )


def plot_transformer_heads(trace: Trace) -> Figure:
    """Rows: the encoder's self-attention, the decoder's masked self-attention and its
    cross-attention, one panel per head; bottom: the training loss and the held-out
    accuracy."""
    heads = trace.last("transformer_demo.heads")
    training = trace.last("transformer_demo.training")
    weights = {name: trace.last(name)["weights"][0] for name in ATTENTIONS}
    tokens = heads.info["tokens"]
    src = _names(tokens, heads["src"])
    dec_in = _names(tokens, heads["tgt_in"])
    dec_out = _names(tokens, heads["tgt_out"])
    queries = [f"{a} → {b}" for a, b in zip(dec_in, dec_out, strict=True)]
    n = len(heads.info["source"])
    h = weights[ATTENTIONS[0]].shape[0]
    n_t = len(dec_in)
    causal = np.triu(np.ones((n_t, n_t), dtype=bool), k=1)
    mirror = [(t, n - 1 - t) for t in range(n)]
    rows = {
        "encoder1.attention": (src, src, None, []),
        "decoder1.self_attention": (queries, dec_in, causal, []),
        "decoder1.cross_attention": (queries, src, None, mirror),
    }
    titles = {
        "encoder1.attention": "encoder self-attention: each source position (row) reads the "
        "source (columns)",
        "decoder1.self_attention": "decoder masked self-attention: each decoder input reads "
        "itself and the inputs before it (grey: removed by the causal mask)",
        "decoder1.cross_attention": "decoder cross-attention: each decoder position reads the "
        f"encoder's output (boxes: source position n − 1 − t, n = {n}, the digit output t must "
        "copy)",
    }
    fig = new_figure(13.5, 15.5)
    fig.get_layout_engine().set(h_pad=0.06)
    with styled():
        outer = fig.subfigures(2, 1, height_ratios=[3.35, 1.0])
        top = outer[0].subfigures(3, 1)
        for row, (sub, name) in enumerate(zip(top, ATTENTIONS, strict=True)):
            r, c, masked, boxes = rows[name]
            axes = sub.subplots(1, h + 1, gridspec_kw={"width_ratios": [1] * h + [0.07]})
            for k, ax in enumerate(axes[:h]):
                image = _heatmap(ax, weights[name][k], r, c, masked, boxes)
                title = f"head {k + 1}"
                if name == "decoder1.cross_attention":
                    title += f": {heads['mirror'][k]:.2f} in the boxes"
                ax.set_title(title, fontsize=10.5)
                if k:
                    ax.tick_params(labelleft=False)
            if row == 1:
                bar = sub.colorbar(image, cax=axes[h])
                bar.set_label("attention weight (each row sums to 1)", fontsize=10.5)
                bar.ax.tick_params(labelsize=10)
            else:
                axes[h].set_visible(False)
            axes[0].set_ylabel("query" if row == 0 else "query: input → predicts")
            sub.suptitle(titles[name], x=0.01, ha="left", fontsize=11.5, fontweight="bold")
            sub.supxlabel("key", fontsize=10.5)
        ax_loss, ax_acc = outer[1].subplots(1, 2)
        _training_panels(ax_loss, ax_acc, training)
        info = training.info
        seen = "unseen" if heads.info["held_out"] else "training"
        fig.suptitle(
            f"The tiny Transformer trained to reverse digit strings ({info['n_layers']} encoder "
            f"+ {info['n_layers']} decoder block, d_model = {info['d_model']}, "
            f"{info['h']} heads, {info['parameters']:,} parameters, seed {info['seed']})\n"
            f"its attention after {heads.info['step']} steps on the {seen} input "
            f"“{heads.info['source']}” → “{heads.info['target']}” (teacher forcing)",
            fontsize=12.5,
        )
    return fig
