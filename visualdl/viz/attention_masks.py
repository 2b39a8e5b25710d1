"""The attention-masks figure: the padding mask and the causal mask of a padded translation
batch, their combination ``tgt_mask``, the weights each mask leaves in the three attentions of
the notes' mask table, and the notes' ``-1e9`` against the engine's ``-inf``.

Reads the trace of :func:`visualdl.demos.masked_attention.attention_masks_trace` (records
``masked_attention.tokens``, ``attention_masks.mask``, ``.weights``, ``.fill``,
``.left_padded``); draws, computes nothing about the model. Masks are drawn as the notes' 0/1
tensors (1: may attend), weights as a heatmap of the positive half of the diverging rule
(0 white, 1 full red) with their numbers; a masked key's cell is grey and shows ``0``.

Example
-------
>>> from visualdl.demos.masked_attention import attention_masks_trace
>>> from visualdl.viz.attention_masks import plot_attention_masks
>>> len(plot_attention_masks(attention_masks_trace()).axes)
10
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from visualdl.trace import Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import BACKGROUND, COLORS, SIGNED, mix

__all__ = ["KEPT", "MASKED", "TABLE", "attention_title", "plot_attention_masks", "weight_color"]

MASKED = "#CFCFCF"  #: a masked cell: grey, no value colour
KEPT = mix(BACKGROUND["figure"], COLORS["weight"], 0.3)  #: a 1 of a mask
NUMBER_SIZE = 10
#: the notes' mask table: which mask each attention of the Transformer uses
TABLE = {
    "src_mask\n(padding)": ("used", "not used", "used"),
    "tgt_mask\n(padding\n+ causal)": ("not used", "used", "not used"),
}
TABLE_COLUMNS = ("encoder\nself-attn.", "decoder\nmasked\nself-attn.", "decoder\ncross-attn.")
_NAMES = {
    "encoder_self": "encoder self-attention",
    "decoder_self": "decoder masked self-attention",
    "cross": "decoder cross-attention",
}


def weight_color(w: float) -> str:
    """A weight's colour: the figure's background at 0, the full positive hue at 1.

    >>> weight_color(0.0), weight_color(1.0) == SIGNED["positive"]
    ('#FFFFFF', True)
    """
    return mix(BACKGROUND["figure"], SIGNED["positive"], w)


def attention_title(attention: str, mask: str) -> str:
    """``decoder cross-attention, src_mask``: a weight panel's title."""
    return f"{_NAMES[attention]}\nwith {mask}"


def _cells(
    ax: Axes,
    colors: list[list[str]],
    strings: list[list[str]],
    rows: list[str],
    cols: list[str] | None,
    text_colors: list[list[str]] | None = None,
    fontsize: float = NUMBER_SIZE,
) -> None:
    """A grid of coloured cells with a string in each, rows labelled on the left, columns on
    top, turned (``cols`` None: no column labels)."""
    n, m = len(colors), len(colors[0])
    ax.imshow(np.array([[to_rgb(c) for c in r] for r in colors]), aspect="equal")
    for i in range(n):
        for j in range(m):
            color = text_colors[i][j] if text_colors else COLORS["text"]
            ax.text(j, i, strings[i][j], ha="center", va="center", fontsize=fontsize, color=color)
    ax.set_xticks(np.arange(m + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n + 1) - 0.5, minor=True)
    ax.grid(True, which="minor", color="white", lw=1.5)
    ax.grid(False, which="major")
    ax.tick_params(which="both", length=0, labelsize=10)
    ax.set_yticks(range(n), rows)
    if cols is None:
        ax.set_xticks([])
    else:
        ax.set_xticks(range(m), cols, rotation=45, ha="left", rotation_mode="anchor")
        ax.xaxis.tick_top()
    for side in ax.spines.values():
        side.set_visible(False)


def _mask_panel(ax: Axes, keep: np.ndarray, rows: list[str], cols: list[str] | None, title: str):
    """A 0/1 mask: 1 (may attend) blue, 0 grey."""
    colors = [[KEPT if k else MASKED for k in r] for r in keep]
    strings = [["1" if k else "0" for k in r] for r in keep]
    _cells(ax, colors, strings, rows, cols)
    ax.set_title(title, fontsize=10.5, loc="left")


def _token_panel(ax: Axes, keep: np.ndarray, tokens: list[list[str]], title: str) -> None:
    """A padding mask ``(B, n)``: each cell the token, blue where kept, grey at padding."""
    colors = [[KEPT if k else MASKED for k in r] for r in keep]
    strings = [
        [f"{t}\n{int(k)}" for t, k in zip(ts, r, strict=True)]
        for ts, r in zip(tokens, keep, strict=True)
    ]
    rows = [f"sentence {b + 1}" for b in range(len(tokens))]
    _cells(ax, colors, strings, rows, None)
    ax.set_title(title, fontsize=10.5, loc="left")


def _weight_panel(
    ax: Axes, weights: np.ndarray, keep: np.ndarray, rows: list[str], cols: list[str], title: str
) -> None:
    """Weights with their numbers; masked keys grey with ``0``."""
    colors = [
        [weight_color(float(w)) if k else MASKED for w, k in zip(wr, kr, strict=True)]
        for wr, kr in zip(weights, keep, strict=True)
    ]
    strings = [
        [f"{float(w):.2f}" if k else "0" for w, k in zip(wr, kr, strict=True)]
        for wr, kr in zip(weights, keep, strict=True)
    ]
    text_colors = [
        ["white" if k and w > 0.75 else COLORS["text"] for w, k in zip(wr, kr, strict=True)]
        for wr, kr in zip(weights, keep, strict=True)
    ]
    _cells(ax, colors, strings, rows, cols, text_colors)
    ax.set_title(title, fontsize=10.5, loc="left")


def _table_panel(ax: Axes) -> None:
    """The notes' mask table as a table."""
    ax.axis("off")
    cells = [[name, *uses] for name, uses in TABLE.items()]
    table = ax.table(
        cellText=cells,
        colLabels=["", *TABLE_COLUMNS],
        colWidths=[0.31, 0.23, 0.23, 0.23],
        cellLoc="center",
        loc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1.0, 3.4)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor(COLORS["muted"])
        if row > 0 and cell.get_text().get_text() == "used":
            cell.set_facecolor(KEPT)
    ax.set_title("the notes' mask table", fontsize=10.5, loc="left")
    ax.text(
        0.0,
        0.1,
        "in the decoder's self-attention the padding\nis inside tgt_mask",
        transform=ax.transAxes,
        fontsize=10,
        color=COLORS["muted"],
        va="bottom",
    )


def _fill_text(ax: Axes, fill, left) -> None:
    """What -1e9 and -inf do, with the numbers and the engine's message."""
    ax.axis("off")
    n_left = len(left.info["tokens"])
    rows = " and ".join(str(i) for i in left.info["empty_rows"])
    uniform = left["weights_fill"][left.info["empty_rows"][0]]
    message = "\n".join(textwrap.wrap(f"ValueError: {left.info['error']}", 78))
    lines = [
        ("The notes' code: scores.masked_fill(mask == 0, −1e9), then softmax.", COLORS["text"]),
        (
            "On the target batch above it gives the engine's weights (−∞ where masked)\n"
            f"exactly: the largest |difference| over all {fill['weights_inf'].size} weights "
            f"is {fill.info['max_difference']:g}, and every\nmasked key gets weight "
            f"{fill.info['masked_max']:g}: exp(−1e9 − max) underflows to 0 in float64.",
            COLORS["text"],
        ),
        (
            f"Padded at the front ({' '.join(left.info['tokens'])}), query rows {rows} "
            f"(0-based) keep no key:\n−1e9 makes each uniform, {float(uniform[0]):.2f} on all "
            f"{n_left} keys, padding and future included\n(left, framed). With −∞ they would "
            "be 0 / 0 = NaN; the engine refuses the mask instead:",
            COLORS["text"],
        ),
        (message, COLORS["gradient"]),
    ]
    y = 0.98
    for s, color in lines:
        ax.text(0.0, y, s, transform=ax.transAxes, ha="left", va="top", fontsize=10.5, color=color)
        y -= 0.085 * (s.count("\n") + 1) + 0.06


def plot_attention_masks(trace: Trace) -> Figure:
    """Top: the padding masks of the source and target batches, the causal mask and the
    second sentence's ``tgt_mask``. Middle: that sentence's weights in the encoder's
    self-attention, the decoder's masked self-attention and the cross-attention, and the
    notes' mask table. Bottom: ``-1e9`` on a left-padded sentence and what the engine does."""
    tokens = {r.info["side"]: r.info["tokens"] for r in trace.find("masked_attention.tokens")}
    masks = {r.info["mask"]: r["keep"] for r in trace.find("attention_masks.mask")}
    weights = {r.info["attention"]: r for r in trace.find("attention_masks.weights")}
    fill = trace.last("attention_masks.fill")
    left = trace.last("attention_masks.left_padded")
    src, tgt = tokens["source"], tokens["target"]
    b = 1  # the padded sentence of each batch
    n_src, n_tgt = len(src[0]), len(tgt[0])
    fig = new_figure(14.0, 13.5)
    with styled():
        rows = fig.subfigures(3, 1, height_ratios=[0.75, 1.0, 0.95])
        top = rows[0].subplots(1, 4, width_ratios=[n_src, n_tgt, n_tgt, n_tgt])
        _token_panel(top[0], masks["src_mask"][:, 0, :], src, "src_mask = padding_mask(src)")
        _token_panel(top[1], masks["tgt_padding"][:, 0, :], tgt, "padding_mask(tgt)")
        _mask_panel(top[2], masks["causal"], tgt[0], tgt[0], "causal_mask: 1 where j ≤ i")
        _mask_panel(top[3], masks["tgt_mask"][b], tgt[b], tgt[b], f"tgt_mask, sentence {b + 1}")
        rows[0].suptitle(
            "The masks, 1 = may attend: padding masks (B, 1, n) broadcast over the queries; "
            "the causal mask (n, n); tgt_mask = padding and causal (B, n, n)",
            fontsize=11,
        )
        middle = rows[1].subplots(1, 4, width_ratios=[n_src, n_tgt, n_src, 8.5])
        for ax, name in zip(middle, ("encoder_self", "decoder_self", "cross"), strict=False):
            r = weights[name]
            q = src[b] if r.info["queries"] == "source" else tgt[b]
            k = src[b] if r.info["keys"] == "source" else tgt[b]
            _weight_panel(
                ax, r["weights"][b], r["keep"][b], q, k, attention_title(name, r.info["mask"])
            )
        _table_panel(middle[3])
        rows[1].suptitle(
            f"The weights the masks leave, sentence {b + 1} of each batch (rows: queries, "
            "columns: keys; grey: masked, weight exactly 0)",
            fontsize=11,
        )
        low = rows[2].subplots(1, 2, width_ratios=[n_tgt, 14.5])
        n = len(left.info["tokens"])
        shown = left["keep"].copy()  # the masked keys of a row with none kept got 1/n too
        shown[left.info["empty_rows"], :] = True
        _weight_panel(
            low[0], left["weights_fill"], shown, left.info["tokens"], left.info["tokens"],
            "masked_fill(−1e9), softmax",
        )  # fmt: skip
        for i in left.info["empty_rows"]:
            low[0].add_patch(
                Rectangle((-0.5, i - 0.5), n, 1, fill=False, ec=COLORS["gradient"], lw=2.2)
            )
        _fill_text(low[1], fill, left)
        rows[2].suptitle(
            "The formula's −∞ and the notes' code's −1e9 (a sentence padded at the front)",
            fontsize=11,
        )
        fig.suptitle(
            "Masks in attention on a padded toy batch (one head, random weights)",
            fontsize=13,
            fontweight="bold",
        )
    return fig
