"""Multi-head attention: ``d_model`` split into heads, each head attending with its own
columns, the heads concatenated and mixed by ``W_O``.

Five tokens, *the cat saw the dog*, as rows of ``X: (5, 4)`` (columns 1-2 a position code,
3-4 a word-type code) are projected to ``Q, K, V: (5, 4)``. The ``d_model = 4`` columns split
into ``h = 2`` heads of ``d_k = 2`` (head 1's columns framed in one colour, head 2's in
another): each head has its own ``Q_i, K_i, V_i: (5, 2)``, so its own ``W_Q^(i)`` (the notes'
``Q_i = Q W_Q`` would make every head alike, their mistake E23a). Each head's attention
weights ``softmax(Q_i K_i^T / sqrt(d_k))`` appear as a ``5 x 5`` heatmap, side by side in
rows: head 1 looks at the previous word, head 2 at the words of the same type (one query of
head 1 is walked from its scores to its weights); each head's output ``A_i V_i: (5, 2)``;
the concatenation back to ``(5, 4)``; ``W_O``; the output. Last, the notes' formulas put
right: the stray ``K`` in the denominator (E23b), and heads that do not model relations
between heads. Every number comes from :func:`visualdl.demos.multi_head.multi_head_trace`
(the engine's narrating ``multi_head_attention_loop`` and ``merge_heads``). Values are
colours by the diverging rule, attention weights from the background (0) to red (1).
Beats: ``intro``, ``project``, ``split``, ``heads``, ``concat``, ``mistakes``.

Render: ``visualdl render multi-head``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, SurroundingRectangle, VGroup, VMobject

from visualdl.anim.attention import TokenGrid
from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, ColorScale, value_scale
from visualdl.anim.numbers import fmt, format_array, shape_label, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.multi_head import multi_head_trace
from visualdl.symbolic.attention_formulas import FORMULAS as ATTENTION
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["FORMULAS", "HEAD_COLORS", "MultiHead", "head_stories", "worked_query"]

#: the formulas shown, from :data:`visualdl.symbolic.attention_formulas.FORMULAS`
FORMULAS = {
    "project": ATTENTION["projections"],
    "d_k": ATTENTION["d_k"],
    "head": ATTENTION["head_rows"],
    "head_q": ATTENTION["head_columns"],
    "weights": ATTENTION["head_weights"],
    "multihead": ATTENTION["multi_head_x"],
    "notes_head": ATTENTION["notes_head"],
    "notes_q": ATTENTION["notes_head_q"],
}

HEAD_COLORS = (COLORS["update"], COLORS["loss"])  # head 1, head 2: frames and names
CELL = 0.5  # cells of X, Q, K, V
HEAD_CELL = 0.48  # cells of the per-head grids
HEAD_Y = (1.2, -2.05)  # centre of each head's row
GRID_X = {"Q": -5.3, "K": -4.15, "V": -3.0, "A": 0.05, "out": 2.3}  # per-head columns
DIGITS = 1  # decimals of the signed values (weights keep 2): one font size fits a cell
NUMBER = 16  # numbers in the cells of the per-head grids (at most)
TOKEN = 13  # the words along the heatmaps


def head_stories(tr: Trace) -> list[str]:
    """What each head looks at, read from its weights: head 1 at the previous word (its
    weight there, least and most; the first word's weight on itself), head 2 at the words
    of its own type (the weight on each of a pair; a word alone in its type on itself)."""
    info = tr.last("multi_head.inputs").info
    tokens, types = info["tokens"], info["types"]
    w = {r.info["head"]: r["weights"] for r in tr.find("mha.head")}
    n = len(tokens)
    prev = [float(w[0][i, i - 1]) for i in range(1, n)]
    first = (
        f"head 1: each word looks at the word before it\n(weight {fmt(min(prev))} to "
        f"{fmt(max(prev))}); “{tokens[0]}”, the first word,\nlooks at itself ({fmt(w[0][0, 0])})"
    )
    pairs, alone = [], []
    for i in range(n):
        same = [j for j in range(n) if types[j] == types[i] and j != i]
        if not same:
            alone.append(f"“{tokens[i]}”, alone of its type, at itself ({fmt(w[1][i, i])})")
        elif same[0] > i:
            pairs.append((tokens[i], tokens[same[0]], fmt(w[1][i, same[0]])))
    shared = ", ".join(f"{a} ↔ {b}" for a, b, _ in pairs)
    each = sorted({v for _, _, v in pairs})
    second = (
        f"head 2: each word looks at the words of its\nown type: {shared} "
        f"({' / '.join(each)} each)" + "".join(f";\n{a}" for a in alone)
    )
    return [first, second]


def worked_query(tr: Trace, head: int = 0, i: int = 2):
    """The engine's ``attention.query`` record of query ``i`` of ``head`` (0-based)."""
    return tr.last("attention.query", head=head, i=i)


def _frame(m: VMobject, color: str, buff: float = 0.03) -> SurroundingRectangle:
    return SurroundingRectangle(m, color=color, buff=buff, stroke_width=3.5)


def _columns(grid: CellGrid, cols: range) -> VGroup:
    return VGroup(*[grid.squares[i][j] for i in range(grid.n_rows) for j in cols])


class MultiHead(TraceScene):
    """X to Q, K, V; split into two heads; each head's weights and output; concat; W_O."""

    title_size = 26

    def construct(self) -> None:
        self.trace = multi_head_trace()
        tr = self.trace
        self.inputs = tr.last("multi_head.inputs")
        self.merged = tr.last("multi_head.merged")
        self.heads = sorted(tr.find("mha.head"), key=lambda r: r.info["head"])
        info = self.inputs.info
        self.tokens, self.h, self.d_k = info["tokens"], info["h"], info["d_k"]
        self.n, self.d_model = self.inputs["X"].shape
        self.scale = value_scale(
            *[self.merged[k] for k in ("Q", "K", "V", "concat", "out")], self.inputs["X"]
        )
        self.intro()
        self.project()
        self.split()
        self.heads_beat()
        self.concat()
        self.mistakes()

    # -- helpers --------------------------------------------------------------------------
    def grid(
        self, values, cell: float = CELL, weights: bool = False, size: float = 16, shade=True
    ) -> CellGrid:
        """A grid of ``values`` shaded by the diverging rule (``weights``: from 0 to 1, two
        decimals; others :data:`DIGITS`), all its numbers in one font size that fits a cell."""
        digits = 2 if weights else DIGITS
        widest = max((s for r in format_array(values, digits) for s in r), key=len)
        size = min(size, size * 0.84 * cell / text(widest, COLORS["on_dark"], size).width)
        scale = (1.0 if weights else self.scale) if shade else None
        return CellGrid(values, cell=cell, scale=scale, font_size=size, digits=digits)

    def names(self, g: CellGrid, name: str, color: str, size: float = 20) -> VGroup:
        """``name`` (LaTeX) above ``g`` and its shape below."""
        return VGroup(
            formula(name, color, size).next_to(g, UP, buff=0.12),
            text(shape_label((g.n_rows, g.n_cols)), COLORS["muted"], 14).next_to(g, DOWN, buff=0.1),
        )

    def row_tokens(self, g: CellGrid, size: float = TOKEN) -> VGroup:
        """The words beside the rows of ``g`` (its queries)."""
        return VGroup(
            *[
                text(t, COLORS["muted"], size)
                .next_to(g.squares[i][0], LEFT, buff=0.1)
                .align_to(g.squares[i][0].get_left() + 0.1 * LEFT, RIGHT)
                for i, t in enumerate(self.tokens)
            ]
        )

    def head_frames(self, g: CellGrid, buff: float = 0.03) -> VGroup:
        """Head ``k``'s ``d_k`` columns of ``g`` framed in its colour."""
        d = self.d_k
        return VGroup(
            *[
                _frame(_columns(g, range(k * d, (k + 1) * d)), HEAD_COLORS[k], buff)
                for k in range(self.h)
            ]
        )

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "Multi-head attention splits the model width into heads, each attending with its own "
        "columns of the queries, keys and values, then concatenates their outputs and mixes them "
        "with W_O. Each head therefore has its own projection weights."
    )
    def intro(self) -> None:
        self.title = self.title_card("Multi-head attention: split into heads, attend, concatenate")
        words = " ".join(self.tokens)
        sub = self.subtitle(
            f"“{words}”: n = {self.n} tokens of d_model = {self.d_model}, "
            f"h = {self.h} heads of d_k = d_model / h = {self.d_k} columns"
        )
        eqs = VGroup(
            formula(FORMULAS["project"], COLORS["on_dark"], 26),
            formula(FORMULAS["head"], COLORS["on_dark"], 26),
            formula(FORMULAS["head_q"], COLORS["muted"], 22),
            formula(FORMULAS["multihead"], COLORS["on_dark"], 26),
        ).arrange(DOWN, buff=0.4)
        eqs.move_to([0, -0.3, 0])
        note = text(
            "each head i has its own d_k columns of Q, K and V: its own W_Q^(i), W_K^(i), W_V^(i)",
            COLORS["muted"],
            16,
        ).next_to(eqs, DOWN, buff=0.45)
        self.show_title()
        self.play(Appear(sub), Appear(eqs), Appear(note), run_time=0.7)
        hold(self, eqs, at_least=5.0)
        self.play(Vanish(sub), Vanish(eqs), Vanish(note), run_time=0.4)

    @beat(
        "The sentence 'the cat saw the dog' as rows of X, its first columns a position code and "
        "the rest a word-type code. X is projected to the queries, keys and values, each as wide "
        "as X."
    )
    def project(self) -> None:
        """``X (5, 4)`` and its three projections ``Q, K, V (5, 4)``."""
        self.swap_title("1. Project: Q = X W_Q, K = X W_K, V = X W_V", color=COLORS["activation"])
        m = self.merged
        self.X = self.grid(self.inputs["X"]).move_to([-5.05, -0.2, 0])
        X_names = self.names(self.X, "X", COLORS["input"])
        X_words = self.row_tokens(self.X, 16)
        d = self.d_k
        parts = VGroup(
            text("position", COLORS["muted"], 13).next_to(_columns(self.X, range(d)), UP, 0.08),
            text("word type", COLORS["muted"], 13).next_to(
                _columns(self.X, range(d, 2 * d)), UP, 0.08
            ),
        )
        X_names[0].next_to(parts, UP, buff=0.1)
        self.qkv = {}
        qkv_names = VGroup()
        for k, x in zip("QKV", (-1.75, 1.05, 3.85), strict=True):
            g = self.grid(m[k]).move_to([x, -0.2, 0])
            self.qkv[k] = g
            qkv_names.add(self.names(g, f"{k} = X W_{k}", COLORS["weight"]))
        key = VGroup(
            text("values", COLORS["muted"], 14), ColorScale(self.scale, width=1.7)
        ).arrange(DOWN, buff=0.08)
        key.move_to([5.95, -0.2, 0])
        self.play(Appear(self.X), Appear(X_names), Appear(X_words), Appear(parts), run_time=0.6)
        hold(self, self.X)
        self.play(*[Appear(g) for g in self.qkv.values()], Appear(qkv_names), Appear(key))
        hold(self, at_least=3.0)  # and on through the split's first hold: 20 entries each
        self.project_group = VGroup(X_names, X_words, parts, qkv_names)
        self.key = key

    @beat(
        "The columns of Q, K and V are split between the heads: each head takes its own block of "
        "columns as its own smaller Q, K and V. That is what gives every head its own weights."
    )
    def split(self) -> None:
        """The columns of ``Q, K, V`` framed per head, then pulled apart into each head's
        ``Q_i, K_i, V_i (5, 2)``."""
        h, d = self.h, self.d_k
        self.swap_title(
            f"2. Split d_model = {self.d_model} into h = {h} heads of d_k = {d} columns",
            color=COLORS["activation"],
        )
        frames = VGroup(*[self.head_frames(g) for g in self.qkv.values()])
        legend = VGroup(
            *[
                text(
                    f"head {k + 1}: columns {k * d + 1}–{(k + 1) * d} of Q, K and V",
                    HEAD_COLORS[k],
                    17,
                )
                for k in range(h)
            ]
        ).arrange(RIGHT, buff=0.8)
        legend.move_to([1.05, -2.75, 0])
        dk = VGroup(
            formula(FORMULAS["d_k"], COLORS["on_dark"], 24),
            text(f"= {self.d_model} / {h} = {d}", COLORS["on_dark"], 18),
        ).arrange(RIGHT, buff=0.15)
        dk.move_to([-5.05, -2.75, 0])
        legend.add(dk)
        self.play(Appear(frames), Appear(legend), run_time=0.5)
        hold(self, legend, at_least=3.0)
        # each head's columns as grids of their own, first exactly over the full ones
        self.parts = {}
        moves = []
        for k in range(h):
            r = self.heads[k]
            for name in "QKV":
                full = self.qkv[name]
                g = self.grid(r[f"{name}_h"], size=15)
                g.move_to(_columns(full, range(k * d, (k + 1) * d)))
                self.add(g)
                target = [GRID_X[name], HEAD_Y[k], 0]
                moves.append(g.animate.scale(HEAD_CELL / CELL).move_to(target))
                self.parts[k, name] = g
        self.remove(*self.qkv.values())
        self.play(
            Vanish(frames),
            Vanish(legend),
            Vanish(self.project_group),
            Vanish(self.X),
            *moves,
            run_time=1.2,
        )
        labels = VGroup()
        for k in range(h):
            for name in "QKV":
                g = self.parts[k, name]
                labels.add(self.names(g, f"{name}_{k + 1}", HEAD_COLORS[k], 19))
        heads = VGroup(
            *[
                text(f"head {k + 1}", HEAD_COLORS[k], 17, weight="BOLD").move_to(
                    [-6.45, HEAD_Y[k], 0]
                )
                for k in range(h)
            ]
        )
        self.play(Appear(labels), Appear(heads), run_time=0.4)
        hold(self, n_entries=2 * self.n, at_least=3.0)
        self.part_labels = VGroup(labels, heads)

    @beat(
        "Each head's attention weights as a heatmap: the first head looks at the word before, "
        "the second at the words of the same type. One query of the first head is walked from "
        "its scores to its weights, then each head's output is its weights times its values."
    )
    def heads_beat(self) -> None:
        """Each head's weights as a heatmap with the words along its axes, what each head
        looks at, one query of head 1 walked through, each head's output."""
        h = self.h
        self.swap_title(
            "3. Each head attends on its own: weights A_i, then head_i = A_i V_i",
            color=COLORS["activation"],
        )
        self.A, maps = [], VGroup()
        for k in range(h):
            W = self.heads[k]["weights"]
            fit = self.grid(W, HEAD_CELL, weights=True, size=NUMBER)  # its font size
            A = TokenGrid(
                W, rows=self.tokens, cols=self.tokens, cell=HEAD_CELL, scale=1.0, digits=2,
                font_size=fit.font_size, label_size=TOKEN,
            )  # fmt: skip
            A.shift([GRID_X["A"], HEAD_Y[k], 0] - A.grid.get_center())
            maps.add(
                A,
                text(f"A_{k + 1}: {shape_label((self.n, self.n))}", HEAD_COLORS[k], 15).next_to(
                    A.grid, DOWN, buff=0.1
                ),
            )
            self.A.append(A)
        self.weights_eq = formula(FORMULAS["weights"], COLORS["on_dark"], 22)
        self.weights_eq.move_to([4.85, -0.45, 0])
        wkey = VGroup(
            text("weights", COLORS["muted"], 14), ColorScale(1.0, signed=False, width=1.4)
        ).arrange(DOWN, buff=0.08)
        wkey.move_to([5.95, -3.3, 0])
        self.play(Appear(maps), Appear(self.weights_eq), Vanish(self.key), Appear(wkey))
        hold(self, at_least=3.5)  # and on with the stories below: 25 entries each
        self.wkey = wkey
        # what each head looks at: its strong cells framed, a line of numbers beside it
        stories = head_stories(self.trace)
        told, rings = VGroup(), VGroup()
        for k in range(h):
            W = self.heads[k]["weights"]
            rings.add(
                *[
                    _frame(self.A[k].grid.squares[i][j], HEAD_COLORS[k], 0.0)
                    for i in range(self.n)
                    for j in range(self.n)
                    if W[i, j] >= 0.4
                ]
            )
            told.add(
                text(stories[k], COLORS["on_dark"], 14).move_to(
                    [GRID_X["out"] - 0.55, HEAD_Y[k] + (0.15 if k else 0.2), 0], aligned_edge=LEFT
                )
            )
        self.play(Appear(rings), Appear(told), run_time=0.5)
        hold(self, told, at_least=5.5)
        self.play(Vanish(told), run_time=0.3)
        self.walk_query(rings)
        # each head's output
        outs, out_names = [], VGroup()
        for k in range(h):
            g = self.grid(self.heads[k]["out_h"], HEAD_CELL, size=NUMBER)
            g.move_to([GRID_X["out"], HEAD_Y[k], 0])
            outs.append(g)
            out_names.add(self.names(g, rf"\mathrm{{head}}_{k + 1} = A_{k + 1} V_{k + 1}",
                                     HEAD_COLORS[k], 17))  # fmt: skip
        arrows = VGroup(
            *[
                text("→", COLORS["muted"], 24).move_to([GRID_X["A"] + 1.6, HEAD_Y[k], 0])
                for k in range(h)
            ]
        )
        self.play(*[Appear(g) for g in outs], Appear(out_names), Appear(arrows), run_time=0.6)
        hold(self, *outs, at_least=3.0)
        self.outs = outs
        self.heads_group = VGroup(maps, rings, arrows, out_names, self.part_labels)

    def walk_query(self, rings: VGroup) -> None:
        """Query ``saw`` of head 1: its row of Q_1, its scores ``q . k_j / sqrt(d_k)``, the
        softmax of them: the row of A_1."""
        r = worked_query(self.trace)
        i, word = r.info["i"], self.tokens[r.info["i"]]
        x0 = GRID_X["out"] - 0.55
        y = HEAD_Y[0] + 0.55
        scores = self.grid(r["scores"][None, :], HEAD_CELL, size=NUMBER, shade=False)
        weights = self.grid(r["weights"][None, :], HEAD_CELL, weights=True, size=NUMBER)
        lines = VGroup(
            text(f"query “{word}” of head 1: s_j = q · k_j / √d_k", COLORS["on_dark"], 14),
            scores,
            text("softmax over the row: its weights (row of A_1)", COLORS["on_dark"], 14),
            weights,
        ).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
        lines.move_to([x0, y, 0], aligned_edge=LEFT)
        ring_q = _frame(VGroup(*self.parts[0, "Q"].squares[i]), COLORS["on_dark"], 0.02)
        ring_a = self.A[0].row_frame(i, COLORS["on_dark"], 3.5)
        self.play(Appear(lines[:2]), Appear(ring_q), run_time=0.5)
        hold(self, scores)
        self.play(Appear(lines[2:]), Appear(ring_a), run_time=0.5)
        hold(self, weights)
        self.play(Vanish(lines), Vanish(ring_q), Vanish(ring_a), run_time=0.3)

    @beat(
        "The heads' outputs are put side by side, back to the full width, and multiplied by W_O. "
        "The heads never look at each other: only W_O mixes their columns."
    )
    def concat(self) -> None:
        """The heads' outputs side by side: ``Concat(head_1, head_2) (5, 4)``, times
        ``W_O (4, 4)``, the output ``(5, 4)``."""
        self.swap_title(
            "4. Concatenate the heads, then mix them with W_O",
            color=COLORS["activation"],
        )
        parts = VGroup(*self.parts.values())
        self.key.move_to(self.wkey)  # the values' colours again, where the weights' were
        self.play(
            Vanish(self.heads_group),
            Vanish(parts),
            Vanish(self.weights_eq),
            Vanish(self.wkey),
            Appear(self.key),
            run_time=0.5,
        )
        y = -0.2
        cat = self.grid(self.merged["concat"]).move_to([-4.6, y, 0])
        d = self.d_k
        # the two outputs slide into the halves of the concatenation, then become it
        moves = [
            self.outs[k]
            .animate.scale(CELL / HEAD_CELL)
            .move_to(_columns(cat, range(k * d, (k + 1) * d)))
            for k in range(self.h)
        ]
        self.play(*moves, run_time=0.9)
        self.remove(*self.outs)
        self.add(cat)
        cat_frames = self.head_frames(cat)
        cat_names = VGroup(
            formula(r"\mathrm{Concat}(\mathrm{head}_1, \mathrm{head}_2)", COLORS["on_dark"], 19)
            .next_to(cat, UP, buff=0.12),
            text(shape_label(self.merged["concat"].shape), COLORS["muted"], 14).next_to(
                cat, DOWN, buff=0.1
            ),
        )  # fmt: skip
        words = self.row_tokens(cat, 16)
        self.play(Appear(cat_frames), Appear(cat_names), Appear(words), run_time=0.4)
        hold(self, cat, at_least=3.0)
        W_O = self.grid(self.inputs["W_O"]).move_to([-0.6, y, 0])
        out = self.grid(self.merged["out"]).move_to([3.4, y, 0])
        ops = VGroup(
            text("×", COLORS["on_dark"], 30).move_to([-2.6, y, 0]),
            text("=", COLORS["on_dark"], 30).move_to([1.4, y, 0]),
        )
        names = VGroup(self.names(W_O, "W_O", COLORS["weight"]))
        names.add(self.names(out, r"\mathrm{MultiHead}(X)", COLORS["activation"]))
        eq = formula(FORMULAS["multihead"], COLORS["on_dark"], 24).move_to([0, 2.3, 0])
        note = text(
            "the heads never look at each other: each attends on its own, and only W_O\n"
            "mixes their columns (a row of W_O reads one column of one head)",
            COLORS["muted"],
            16,
        ).move_to([0, -2.85, 0])
        self.play(*[Appear(m) for m in (W_O, out, ops, names, eq, note)], run_time=0.6)
        hold(self, n_entries=28)
        self.play(
            *[Vanish(m) for m in (cat, cat_frames, cat_names, words, W_O, out, ops, names, eq)],
            Vanish(note),
            Vanish(self.key),
            run_time=0.5,
        )

    @beat(
        "The notes' formulas beside the right ones: one query matrix for every head would make "
        "the heads alike, and the notes' head formula has a stray K in the denominator. Each "
        "head models one relation between words on its own; the heads are only concatenated, "
        "then mixed."
    )
    def mistakes(self) -> None:
        """The notes' multi-head formulas (E23a, E23b) and their reading of the heads (A31),
        each beside what is right."""
        self.swap_title("What the notes write, and what is right", color=COLORS["activation"])
        bad, good = COLORS["gradient"], COLORS["activation"]

        def pair(wrong: str, right: str, why: str) -> VGroup:
            return VGroup(
                VGroup(text("notes:", bad, 18), formula(wrong, COLORS["on_dark"], 26)).arrange(
                    RIGHT, buff=0.2
                ),
                VGroup(text("right:", good, 18), formula(right, COLORS["on_dark"], 26)).arrange(
                    RIGHT, buff=0.2
                ),
                text(why, COLORS["muted"], 16),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)

        rows = VGroup(
            pair(
                FORMULAS["notes_q"],
                FORMULAS["head_q"],
                "one W_Q for every head makes every head alike; head i has its own d_k "
                "columns W_Q^(i)",
            ),
            pair(
                FORMULAS["notes_head"],
                FORMULAS["head"],
                "a stray K in the denominator, and K^T where each head uses its own K_i^T",
            ),
            VGroup(
                text(
                    "notes: “one head is a relation of a word to the other words,\n"
                    "many heads the relation of a head to the other heads”",
                    bad,
                    16,
                ),
                text(
                    "right: each head models one relation between words, on its own;\n"
                    "the heads are only concatenated, then mixed by W_O",
                    good,
                    16,
                ),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        rows.move_to([0, -0.35, 0])
        self.play(Appear(rows), run_time=0.6)
        hold(self, rows, at_least=8.0)
