"""The beam-search figure: the search tree of beam search (width ``B``) on a real decode of the
tiny Transformer at an early checkpoint, beside greedy decoding, and BLEU of both outputs.

Reads the trace of :func:`visualdl.demos.transformer_demo.transformer_demo` (records
``beam_search.step`` and ``beam_search.result`` in the sections labelled ``model_step``,
``transformer_demo.beam``, ``transformer_demo.bleu``); draws, computes nothing about the
model. Each column of the tree is one step ``t``: every alive hypothesis is extended by every
token, the ``B`` candidates of highest cumulative log-probability are kept (green boxes), the
rest pruned; the best few pruned ones are drawn grey and dashed, the others counted. A kept
``<eos>`` finishes its hypothesis (yellow), which is then ranked by its length-normalised
score; the winner's path is drawn thick and red, greedy's path blue and dashed.

Example
-------
>>> from visualdl.demos.transformer_demo import transformer_demo
>>> from visualdl.viz.beam_search import plot_beam_search
>>> tr = transformer_demo(n_train=64, n_held_out=16, steps=4, every=2, checkpoint=2)
>>> len(plot_beam_search(tr).axes)  # the tree, the decodes, BLEU
3
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import BACKGROUND, COLORS, mix

__all__ = ["GREEDY", "PRUNED_SHOWN", "WINNER", "TreeNode", "plot_beam_search", "signed", "tree"]

#: how many of each step's pruned candidates are drawn (the best ones)
PRUNED_SHOWN = 2
WINNER = COLORS["gradient"]
GREEDY = COLORS["weight"]
KEPT_FILL = mix(BACKGROUND["figure"], COLORS["activation"], 0.25)
FINISHED_FILL = mix(BACKGROUND["figure"], COLORS["loss"], 0.45)
PRUNED_FILL = "#F2F2F2"


def signed(v: float, digits: int = 2) -> str:
    """``−0.66``: a number with a real minus sign.

    >>> signed(-0.6554), signed(-0.0002), signed(0.5, 3)
    ('−0.66', '−0.00', '0.500')
    """
    s = f"{v:.{digits}f}"
    return s.replace("-", "−")


@dataclass(frozen=True)
class TreeNode:
    """One candidate of the search tree as the trace holds it."""

    node: int
    step: int
    parent: int
    token: int
    log_prob: float
    kept: bool
    finished: bool


def tree(steps: list[Record]) -> dict[int, TreeNode]:
    """Every candidate of the ``beam_search.step`` records, by node id (root: node 0)."""
    nodes = {0: TreeNode(0, 0, -1, -1, 0.0, True, False)}
    for r in steps:
        t = r.info["t"]
        for i in range(r["node"].size):
            nodes[int(r["node"][i])] = TreeNode(
                int(r["node"][i]),
                t,
                int(r["parent"][i]),
                int(r["token"][i]),
                float(r["log_prob"][i]),
                bool(r["kept"][i]),
                bool(r["finished"][i]),
            )
    return nodes


def _path(nodes: dict[int, TreeNode], i: int) -> list[int]:
    """The node ids from the root's child down to ``i``."""
    out = []
    while i > 0:
        out.append(i)
        i = nodes[i].parent
    return out[::-1]


def _tokens(nodes: dict[int, TreeNode], i: int) -> list[int]:
    return [nodes[j].token for j in _path(nodes, i)]


def _greedy_path(nodes: dict[int, TreeNode], greedy: list[int]) -> list[int]:
    """Greedy's prefixes found in the tree (it may leave the tree when beam search prunes it)."""
    path, parent = [], 0
    for t, token in enumerate(greedy, start=1):
        match = [n.node for n in nodes.values() if n.step == t and n.parent == parent]
        match = [i for i in match if nodes[i].token == token]
        if not match:
            break
        parent = match[0]
        path.append(parent)
    return path


def _layout(nodes: dict[int, TreeNode], T: int) -> tuple[dict[int, float], dict[int, tuple]]:
    """Each shown node's row (rank by log-probability within its step; the root centred on the
    kept ones) and, per step, ``(candidates, kept, pruned not shown, best log p not shown)``."""
    y: dict[int, float] = {}
    counts = {}
    beam = 0
    for t in range(1, T + 1):
        mine = sorted((n for n in nodes.values() if n.step == t), key=lambda n: -n.log_prob)
        kept = [n for n in mine if n.kept]
        pruned = [n for n in mine if not n.kept]
        beam = max(beam, len(kept))
        for rank, n in enumerate(kept + pruned[:PRUNED_SHOWN]):
            y[n.node] = rank
        rest = pruned[PRUNED_SHOWN:]
        counts[t] = (len(mine), len(kept), len(rest), rest[0].log_prob if rest else None)
    y[0] = (beam - 1) / 2
    return y, counts


def _token_text(tokens: list[str], token: int) -> str:
    return tokens[token] if token >= 0 else "<bos>"


def _ranking(
    ax: Axes,
    nodes: dict[int, TreeNode],
    result: Record,
    tokens: list[str],
    x: float,
    greedy: list[int],
) -> None:
    """The finished (and cut) hypotheses, best score first, in a list right of the tree."""
    alpha = result.info["alpha"]
    for k in range(result["node"].size):
        i = int(result["node"][k])
        L, T_y, score = result["log_prob"][k], int(result["length"][k]), result["score"][k]
        words = " ".join(_token_text(tokens, t) for t in _tokens(nodes, i))
        end = "" if result["finished"][k] else ", cut at max_len"
        best = "  ← best" if k == 0 else ""
        if _tokens(nodes, i) == greedy:
            end += " (greedy's)"
        ax.text(
            x,
            -0.25 + 0.85 * k,
            f"{k + 1}. {words}{end}\n    {signed(L)} / {T_y}^{alpha:g} = {signed(score, 3)}{best}",
            ha="left",
            va="top",
            fontsize=10,
            linespacing=1.3,
            color=WINNER if k == 0 else COLORS["text"],
            fontweight="bold" if k == 0 else "normal",
        )


def _tree_panel(
    ax: Axes, steps: list[Record], result: Record, beam: Record, tokens: list[str]
) -> None:
    nodes = tree(steps)
    T = max(r.info["t"] for r in steps)
    y, counts = _layout(nodes, T)
    winner = set(_path(nodes, int(result["node"][0])))
    greedy = _greedy_path(nodes, [int(t) for t in beam["greedy"]])
    greedy_set = set(greedy)
    for i, yi in y.items():
        if i == 0:
            continue
        n, p = nodes[i], nodes[i].parent
        on_winner = i in winner
        on_greedy = i in greedy_set and (p == 0 or p in greedy_set)
        xs, ys = [n.step - 1, n.step], [y[p], yi]  # centre to centre, under the boxes
        if on_winner:
            ax.plot(xs, ys, color=WINNER, lw=3.2, zorder=2, solid_capstyle="round")
        elif n.kept:
            ax.plot(xs, ys, color=COLORS["activation"], lw=1.4, zorder=1)
        else:
            ax.plot(xs, ys, color=COLORS["muted"], lw=1, ls=(0, (3, 2)), zorder=1)
        if on_greedy:
            off = 0.09
            ax.plot(xs, [v + off for v in ys], color=GREEDY, lw=2, ls=(0, (4, 2)), zorder=2.5)
    for i, yi in y.items():
        n = nodes[i]
        text = f"{_token_text(tokens, n.token)}\n{signed(n.log_prob)}" if i else "<bos>\n0"
        if not n.kept:
            fill, edge, color, ls = PRUNED_FILL, COLORS["muted"], "#6E6E6E", "--"
        elif n.finished:
            fill, edge, color, ls = FINISHED_FILL, COLORS["loss"], COLORS["text"], "-"
        else:
            fill, edge, color, ls = KEPT_FILL, COLORS["activation"], COLORS["text"], "-"
        if i in winner:
            edge = WINNER
        ax.text(
            n.step,
            yi,
            text,
            ha="center",
            va="center",
            fontsize=10.5,
            color=color,
            linespacing=1.25,
            zorder=4,
            bbox={
                "boxstyle": "round,pad=0.35",
                "fc": fill,
                "ec": edge,
                "lw": 2.4 if i in winner else 1.2,
                "ls": ls,
            },
        )
    alpha = result.info["alpha"]
    _ranking(ax, nodes, result, tokens, T + 0.4, [int(t) for t in beam["greedy"]])
    low = max(y.values())
    for t, (n_cand, n_kept, n_rest, best_rest) in counts.items():
        head = f"t = {t}\n{n_cand} candidates\n{n_kept} kept"
        ax.text(t, -0.75, head, ha="center", va="bottom", fontsize=10, color=COLORS["text"])
        if n_rest:
            ax.text(
                t,
                low + 0.6,
                f"+{n_rest} pruned,\nlog P ≤ {signed(best_rest, 1)}",
                ha="center",
                va="top",
                fontsize=9.5,
                color="#6E6E6E",
            )
    ax.text(0, -0.75, "root\n", ha="center", va="bottom", fontsize=10)
    ax.text(
        T + 0.4,
        -0.75,
        f"hypotheses ranked by\nscore = log P / T_y^{alpha:g}",
        ha="left",
        va="bottom",
        fontsize=10,
        fontweight="bold",
    )
    ax.set_xlim(-0.5, T + 2.35)
    ax.set_ylim(low + 1.5, -1.6)
    ax.axis("off")
    handles = [
        Line2D([], [], color=WINNER, lw=3.2, label="best hypothesis' path"),
        Line2D([], [], color=GREEDY, lw=2, ls=(0, (4, 2)), label="greedy's path"),
        Line2D([], [], color=COLORS["activation"], lw=1.4, label="kept (one of the B best)"),
        Line2D([], [], color=COLORS["muted"], lw=1, ls=(0, (3, 2)), label="pruned"),
        Line2D([], [], color=COLORS["loss"], lw=6, label="finished (<eos> kept)"),
    ]
    shown = max(result["node"].size, 1)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(T + 0.3, -0.25 + 0.85 * shown + 0.1),
        bbox_transform=ax.transData,
        fontsize=10,
        frameon=False,
    )


def _digits(tokens: list[str], ids) -> str:
    return " ".join(tokens[int(t)] for t in ids)


def _runner_up(best: float, second: float | None) -> str:
    """``; the runner-up only −10.6 ...``: how far behind the trained model's second is."""
    if second is None:
        return ""
    text = f";\nthe runner-up {signed(second, 1)}"
    if best > -0.01 and second < -5:  # P(best) > 0.99, P(second) < 0.007
        text += ": one path holds nearly all the probability"
    return text


def _decodes_panel(
    ax: Axes,
    early: Record,
    result: Record,
    best: list[int],
    late: Record,
    late_result: Record,
    nodes_late: dict[int, TreeNode],
    tokens: list[str],
    n_held_out: int,
) -> None:
    """Text: the reference, greedy's tokens with their log-probabilities, beam search's
    result, the held-out counts, and the trained model on the same input."""
    info = early.info
    mark = {True: "✓ right", False: "✗ wrong"}
    greedy_lp = "  ".join(signed(v) for v in early["greedy_token_log_prob"])
    lines = [
        ("reference (the source reversed)", _digits(tokens, early["reference"]), COLORS["text"]),
        (
            f"greedy: {mark[info['greedy_right']]}",
            f"{_digits(tokens, early['greedy'])}\nlog P per token: {greedy_lp}\n"
            f"sum {signed(info['greedy_log_prob'])}, score {signed(info['greedy_score'], 3)}",
            GREEDY,
        ),
        (
            f"beam search, B = {info['beam']}: {mark[info['beam_right']]}",
            f"{_digits(tokens, best)}\nsum {signed(result['log_prob'][0])}, score "
            f"{signed(result['score'][0], 3)}: the best score in the tree above",
            WINNER,
        ),
        (
            f"the {n_held_out} held-out strings at step {info['model_step']}",
            f"greedy decoding gets {100 * info['accuracy']:.1f}% right; of the "
            f"{info['greedy_wrong']} it gets wrong,\nbeam search gets {info['beam_fixes']} right",
            COLORS["text"],
        ),
    ]
    second = late_result["log_prob"][1] if late_result["node"].size > 1 else None
    best_tokens = _tokens(nodes_late, int(late_result["node"][0]))
    lines.append(
        (
            f"the trained model (step {late.info['model_step']}), same input",
            f"best {_digits(tokens, best_tokens)}, log P {signed(late_result['log_prob'][0], 4)}"
            + _runner_up(float(late_result["log_prob"][0]), second),
            COLORS["text"],
        )
    )
    yy = 0.97
    for head, body, color in lines:
        ax.text(
            0.0,
            yy,
            head,
            fontsize=10.5,
            fontweight="bold",
            color=color,
            va="top",
            transform=ax.transAxes,
        )
        ax.text(
            0.0, yy - 0.065, body, fontsize=10.5, va="top", transform=ax.transAxes, linespacing=1.3
        )
        yy -= 0.11 + 0.058 * (body.count("\n") + 1)
    ax.axis("off")
    ax.set_title(
        f"greedy decoding vs beam search on “{info['source']}” at step {info['model_step']}",
        loc="left",
        fontsize=11.5,
    )


def _bleu_panel(ax: Axes, scores: list[Record]) -> None:
    """A table: each candidate's clipped / total n-gram counts, BP and BLEU."""
    head = ["candidate", "p₁", "p₂", "p₃", "p₄", "BP", "BLEU"]
    xs = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    for x, text in zip(xs, head, strict=True):
        ax.text(
            x,
            0.93,
            text,
            ha="left" if x == 0 else "center",
            va="top",
            fontsize=10.5,
            fontweight="bold",
            transform=ax.transAxes,
        )
    yy = 0.8
    for r in scores:
        i = r.info
        name = {"greedy": "greedy", "beam": "beam", "notes": "the notes' example"}[i["decoder"]]
        sep = "\n" if i["decoder"] == "notes" else " "
        label = f"{name}:{sep}{i['candidate']}"
        if i["decoder"] == "notes":
            label += "\nrefs “the cat is on the mat”,\n“there is a cat on the mat”"
        else:
            label += f"\nreference: {i['references'][0]}"
        color = {"greedy": GREEDY, "beam": WINNER}.get(i["decoder"], COLORS["text"])
        ax.text(
            0.0,
            yy,
            label,
            ha="left",
            va="top",
            fontsize=10,
            color=color,
            transform=ax.transAxes,
            linespacing=1.3,
        )
        cells = [f"{c}/{t}" for c, t in zip(i["clipped"], i["total"], strict=True)]
        cells += [f"{i['bp']:.2g}", f"{i['bleu']:.2g}"]
        for x, text in zip(xs[1:], cells, strict=True):
            ax.text(x, yy, text, ha="center", va="top", fontsize=10.5, transform=ax.transAxes)
        yy -= 0.18 + 0.075 * label.count("\n")
    note = "pₙ: clipped / total n-grams of the candidate (the digits are its tokens)."
    greedy = [r.info for r in scores if r.info["decoder"] == "greedy"]
    if greedy and greedy[0]["bleu"] == 0 and greedy[0]["clipped"][0]:
        g = greedy[0]
        zero = next(n for n in range(4) if g["clipped"][n] == 0)
        note += (
            f"\nA single pₙ = 0 makes BLEU 0: greedy's output, close as it is\n"
            f"(p₁ = {g['clipped'][0]}/{g['total'][0]}), has no {zero + 1}-gram of the reference "
            f"(p{'₁₂₃₄'[zero]} = 0/{g['total'][zero]})."
        )
    ax.text(
        0.0,
        yy + 0.02,
        note,
        ha="left",
        va="top",
        fontsize=10,
        color="#555555",
        transform=ax.transAxes,
        linespacing=1.3,
    )
    ax.axis("off")
    ax.set_title("BLEU = BP · exp(¼ Σ log pₙ), as the notes define it", loc="left", fontsize=11.5)


def plot_beam_search(trace: Trace) -> Figure:
    """Top: the search tree at the checkpoint. Bottom: greedy against beam search, and BLEU."""
    decodes = trace.find("transformer_demo.beam")
    early, late = decodes[0], decodes[-1]
    cp, end = early.info["model_step"], late.info["model_step"]
    steps = trace.find("beam_search.step", model_step=cp)
    result = trace.last("beam_search.result", model_step=cp)
    late_result = trace.last("beam_search.result", model_step=end)
    nodes_late = tree(trace.find("beam_search.step", model_step=end))
    tokens = early.info["tokens"]
    bleu = [r for r in trace.find("transformer_demo.bleu") if r.info["model_step"] in (cp, None)]
    fig = new_figure(14, 11.5)
    with styled():
        grid = fig.add_gridspec(2, 2, height_ratios=[1.55, 1], width_ratios=[1.1, 1])
        ax_tree = fig.add_subplot(grid[0, :])
        _tree_panel(ax_tree, steps, result, early, tokens)
        n_held_out = trace.last("transformer_demo.training").info["n_held_out"]
        ax = fig.add_subplot(grid[1, 0])
        best = _tokens(tree(steps), int(result["node"][0]))
        _decodes_panel(ax, early, result, best, late, late_result, nodes_late, tokens, n_held_out)
        _bleu_panel(fig.add_subplot(grid[1, 1]), bleu)
        fig.suptitle(
            f"Beam search (B = {early.info['beam']}, score = log P / T^{early.info['alpha']:g}) "
            f"on “{early.info['source']}” → “{early.info['target']}”, decoded by the tiny "
            f"Transformer at step {cp} of {end}\n({100 * early.info['accuracy']:.1f}% of the "
            "held-out strings right by greedy decoding): each box is a token and its cumulative "
            "log-probability",
            fontsize=12.5,
        )
    return fig
