"""Scaled dot-product attention, ``softmax(Q K^T / sqrt(d_k)) V``, with the real numbers of one
sentence and one query walked through.

The notes' sentence, "I have an Apple phone": five tokens with hand-picked toy embeddings
``X (n, d_model) = (5, 4)`` whose features can be read (person, action, name, device), and
hand-picked projections to ``Q = X W_Q``, ``K = X W_K`` (``(n, d_k) = (5, 4)``) and
``V = X W_V`` (``(n, d_v) = (5, 3)``). The query of "Apple" is walked entry by entry: one dot
product ``q . k_j`` per key (its four products written out), each divided by
``sqrt(d_k) = 2``, their exponentials with their sum, the weights ``w_j`` (summing to 1), the
rows of ``V`` scaled by them, and their sum, Apple's output. "Apple" puts most of its weight on
"phone", so its output's device feature is large where its own value's is small: the context
says which Apple. Then the other queries fill the score matrix ``S``, the weights ``A`` (a
heatmap, rows sum to 1) and the output ``A V`` row by row. Every number comes from
:func:`visualdl.demos.attention_weights.attention_weights_trace` (the engine's narrating
``scaled_dot_product_attention_loop`` and the fast op); values are colours by the diverging
rule, weights from the background (0) to red (1). Beats: ``intro``, ``projections``,
``scores``, ``softmax``, ``weighted_sum``, ``all_queries``, ``summary``.

Formulas: :data:`FORMULAS`, the chapter's strings from
:mod:`visualdl.symbolic.attention_formulas`.

Render: ``visualdl render attention-weights``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Rectangle, VGroup

from visualdl.anim.attention import TokenGrid
from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, ColorScale, fill_in, value_scale
from visualdl.anim.numbers import fmt, format_array, shape_label, text
from visualdl.anim.pace import hold, reading_time
from visualdl.anim.scene import TraceScene
from visualdl.demos.attention_weights import attention_weights_trace
from visualdl.symbolic.attention_formulas import FORMULAS as SHARED
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["FORMULAS", "AttentionWeights", "favourites", "products", "story"]

#: The scene's LaTeX, from :mod:`visualdl.symbolic.attention_formulas`.
FORMULAS = {
    "sdpa": SHARED["sdpa"],
    "S": SHARED["scores"],
    "Q": SHARED["Q"],
    "K": SHARED["K"],
    "V": SHARED["V"],
    "dot": SHARED["query_dot"],
    "score": SHARED["query_score"],
    "softmax": SHARED["query_weight"],
    "out": SHARED["query_out"],
    "A": SHARED["weights"],
    "AV": SHARED["out"],
}

TOP_CELL = 0.44  # X, Q, K, V
TOP_Y = 1.4  # centre of the top band's grids
TOP_X = {"X": -5.3, "Q": -3.0, "K": -0.7, "V": 1.4}
PANEL_X = 4.9  # centre of the right panel
WALK_CELL = 0.5  # the walked query's columns
WALK_Y = -0.95  # the first key's row in the walk
WALK_X = {"qk": -1.2, "s": 0.3, "exp": 1.8, "w": 3.3, "weighted": 5.4}
PRODUCTS_X = -6.0  # left edge of the written-out dot products
HEAT_CELL = 0.53  # S, A and the output when every query has run
HEAT_TOP = -0.62  # top edge of their cells
HEAT_X = {"S": -4.45, "A": -0.45, "O": 2.75}
WORK = COLORS["loss"]  # frames of what is being worked on
QUERY = COLORS["update"]
KEY = COLORS["weight"]
NUMBER_SIZE = 15


def products(tr: Trace, i: int, j: int) -> str:
    """Query ``i`` against key ``j`` as the grids show them: ``q_1·k_j1 + ... =``."""
    s = tr.last("attention_weights.sentence")
    q, k = format_array(s["Q"], 1)[i], format_array(s["K"], 1)[j]
    return " + ".join(f"{a}·{b}" for a, b in zip(q, k, strict=True)) + " ="


def favourites(tr: Trace) -> list[tuple[int, int, float]]:
    """For each query ``i``: ``(i, j, w)``, the key ``j`` it weights most and that weight."""
    out = []
    for r in sorted(tr.find("attention.query"), key=lambda r: r.info["i"]):
        w = [float(x) for x in r["weights"]]
        j = max(range(len(w)), key=w.__getitem__)
        out.append((r.info["i"], j, w[j]))
    return out


def story(tr: Trace) -> str:
    """What the walked query did, from its numbers: the key it weights most, and the value
    feature its output gained most over its own value."""
    s = tr.last("attention_weights.sentence")
    i, tokens = s.info["walked"], s.info["tokens"]
    q = tr.last("attention.query", i=i)
    w, out, own = q["weights"], q["out"], s["V"][i]
    j = int(w.argmax())
    m = int((out - own).argmax())
    name = s.info["value_features"][m]
    return (
        f"{tokens[i]} puts {fmt(w[j])} of its attention on {tokens[j]}:\n"
        f"its output's {name} value is {fmt(out[m])}\n(its own value's: {fmt(own[m])});\n"
        f"the context says which {tokens[i]} is meant"
    )


class AttentionWeights(TraceScene):
    """Q K^T, the scale, the softmax row by row and the weighted sum of V, on one sentence."""

    title_size = 26

    def construct(self) -> None:
        self.trace = attention_weights_trace()
        tr = self.trace
        self.s = tr.last("attention_weights.sentence")
        self.res = tr.last("attention_weights.result")
        self.tokens = self.s.info["tokens"]
        self.n = len(self.tokens)
        self.walked = self.s.info["walked"]
        self.queries = {r.info["i"]: r for r in tr.find("attention.query")}
        self.steps = {r.info["i"]: r for r in tr.find("attention_weights.query")}
        self.vscale = value_scale(self.s["X"], self.s["Q"], self.s["K"], self.s["V"])
        self.sscale = value_scale(self.res["scores"], self.vscale)
        self.intro()
        self.projections()
        self.scores()
        self.softmax()
        self.weighted_sum()
        self.all_queries()
        self.summary()

    # -- helpers --------------------------------------------------------------------------
    def top_grid(self, key: str) -> TokenGrid:
        """``X``, ``Q``, ``K`` or ``V`` in the top band, rows named by the tokens (``X`` only:
        the others share its rows)."""
        rows = self.tokens if key == "X" else ()
        g = TokenGrid(
            self.s[key], rows=rows, cell=TOP_CELL, scale=self.vscale, digits=1,
            font_size=NUMBER_SIZE, label_size=16,
        )  # fmt: skip
        return g.shift([TOP_X[key], TOP_Y, 0] - g.grid.get_center())

    def column(self, shape: tuple[int, int], x: float, scale: float | None) -> CellGrid:
        """An empty column (or block) of the walk, its first row at ``WALK_Y``."""
        g = CellGrid(shape=shape, cell=WALK_CELL, scale=scale, font_size=NUMBER_SIZE)
        return g.move_to([x, WALK_Y - (shape[0] - 1) * WALK_CELL / 2, 0])

    def filled(self, grid: CellGrid, values, digits: int = 2) -> tuple[VGroup, list]:
        """Every cell of ``grid`` written and coloured: the labels and the animations."""
        labels, shown = VGroup(), []
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                label, anims = fill_in(grid, i, j, fmt(v, digits), float(v))
                labels.add(label)
                shown += anims
        return labels, shown

    def keep(self, grid: VGroup, labels: VGroup) -> None:
        """After the play that faded ``labels`` in (each its own mobject on screen), make them
        part of ``grid``, so that they vanish with it."""
        self.remove(*labels)
        grid.add(labels)

    @staticmethod
    def lines(s: str, color: str = COLORS["on_dark"], size: float = 15) -> VGroup:
        """``s`` one ``Text`` per line, left-aligned, with room between the lines."""
        return VGroup(*[text(line, color, size) for line in s.split("\n")]).arrange(
            DOWN, aligned_edge=LEFT, buff=0.12
        )

    def panel(self, key: str, y: float = 0.8) -> VGroup:
        """The step's formula in the right panel."""
        return formula(FORMULAS[key], COLORS["on_dark"], 22).move_to([PANEL_X, y, 0])

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "The sentence 'I have an Apple phone' as toy embeddings X, one row per token, with "
        "hand-picked features that can be read. Which Apple is meant? Each token's query will ask "
        "every token's key."
    )
    def intro(self) -> None:
        """The sentence's toy embeddings, features named."""
        self.title = self.title_card("Scaled dot-product attention, one query at a time")
        sub = self.subtitle(
            "“I have an Apple phone”: which Apple? Each token's query asks every token's key"
        )
        X = TokenGrid(
            self.s["X"], rows=self.tokens, cols=self.s.info["features"], cell=0.75,
            scale=self.vscale, digits=1, font_size=20, label_size=18,
        ).move_to([-1.5, -0.3, 0])  # fmt: skip
        cap = VGroup(
            formula("X", COLORS["input"], 26),
            text(
                "toy embeddings, one row per token: (n, d_model) = "
                + shape_label(self.s["X"].shape),
                COLORS["muted"],
                16,
            ),
        ).arrange(RIGHT, buff=0.25)
        cap.next_to(X.col_labels, UP, buff=0.3)
        note = self.lines(
            "hand-picked so that the features\ncan be read: learned embeddings\nare not this "
            "readable",
            COLORS["muted"],
            16,
        ).next_to(X, RIGHT, buff=0.6)
        self.show_title()
        self.play(Appear(sub), Appear(X), Appear(cap), Appear(note), run_time=0.7)
        hold(self, X, at_least=4.0)
        self.play(*[Vanish(m) for m in (X, cap, note)], run_time=0.4)
        self.sub = sub

    @beat(
        "X is projected into queries, keys and values by hand-picked weights: a query says what "
        "a token looks for, a key what it offers, a value what it passes on. Beside them stands "
        "the whole formula, the softmax of Q times K transposed over the square root of d_k, "
        "times V."
    )
    def projections(self) -> None:
        """Q, K and V from X, their shapes; the formula; what the projections were picked to
        mean."""
        self.top = {k: self.top_grid(k) for k in ("X", "Q", "K", "V")}
        color = {"X": COLORS["input"], "Q": QUERY, "K": KEY, "V": COLORS["activation"]}
        dims = {"X": "d_model", "Q": "d_k", "K": "d_k", "V": "d_v"}
        self.caps = VGroup()
        for k, g in self.top.items():
            tex = "X" if k == "X" else FORMULAS[k]
            head = formula(tex, color[k], 20).next_to(g.grid, UP, buff=0.14)
            shape = text(
                f"(n, {dims[k]}) = {shape_label(self.s[k].shape)}", COLORS["muted"], 13
            ).next_to(g.grid, DOWN, buff=0.1)
            self.caps.add(VGroup(head, shape))
        self.main = formula(FORMULAS["sdpa"], COLORS["on_dark"], 18)
        self.main.move_to([PANEL_X, 2.1, 0]).to_edge(RIGHT, buff=0.25)
        d_k = self.s.info["d_k"]
        self.dk = text(f"d_k = {d_k}", COLORS["muted"], 16).next_to(self.main, DOWN, buff=0.2)
        self.dk.align_to(self.main, LEFT)
        self.roles = VGroup(
            *[
                VGroup(
                    formula(f"W_{k}", color[k], 17),
                    text(f": what a token {what}", COLORS["muted"], 15),
                ).arrange(RIGHT, buff=0.08)
                for k, what in (("Q", "looks for"), ("K", "offers"), ("V", "passes on"))
            ],
            text("(hand-picked too)", COLORS["muted"], 15),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        self.roles.move_to([PANEL_X, 0.45, 0]).align_to(self.main, LEFT)
        self.play(
            Vanish(self.sub),
            *[Appear(g) for g in self.top.values()],
            Appear(self.caps),
            Appear(self.main),
            Appear(self.dk),
            Appear(self.roles),
            run_time=0.8,
        )
        hold(self, self.top["Q"], at_least=5.0)
        self.play(Vanish(self.roles), run_time=0.3)

    @beat(
        "The query of Apple meets every key in turn: one product per feature, added up into a "
        "score. A high score means the key offers what this query looks for."
    )
    def scores(self) -> None:
        """The walked query against every key: its products, one key at a time."""
        i = self.walked
        tok = self.tokens[i]
        self.swap_title(f"The query of “{tok}” meets every key")
        Q, K = self.top["Q"], self.top["K"]
        self.qframe = Q.row_frame(i, QUERY)
        kframe = K.row_frame(0, KEY)
        self.qk = self.column((self.n, 1), WALK_X["qk"], None)
        y_head = WALK_Y + 0.55
        self.keys = VGroup(
            *[
                text(t, COLORS["muted"], 15).move_to(
                    [PRODUCTS_X - 0.1, WALK_Y - j * WALK_CELL, 0], aligned_edge=RIGHT
                )
                for j, t in enumerate(self.tokens)
            ]
        )
        self.heads = VGroup(
            text("key", KEY, 14).move_to([PRODUCTS_X - 0.1, y_head, 0], aligned_edge=RIGHT),
            text("one product per feature, added up", COLORS["muted"], 14).move_to(
                [PRODUCTS_X, y_head, 0], aligned_edge=LEFT
            ),
            formula(r"q \cdot k_j", COLORS["on_dark"], 17).move_to([WALK_X["qk"], y_head, 0]),
        )
        dot = self.panel("dot")
        self.play(
            Appear(self.qframe),
            Appear(kframe),
            Appear(self.qk),
            Appear(self.keys),
            Appear(self.heads),
            Appear(dot),
            run_time=0.6,
        )
        self.products = VGroup()
        labels = VGroup()
        qk = self.steps[i]["qk"]
        for j in range(self.n):
            line = text(products(self.trace, i, j), COLORS["on_dark"], NUMBER_SIZE)
            line.move_to([PRODUCTS_X, WALK_Y - j * WALK_CELL, 0], aligned_edge=LEFT)
            label, shown = fill_in(self.qk, j, 0, fmt(qk[j]), float(qk[j]))
            moved = [] if j == 0 else [kframe.animate.move_to(K.row_frame(j))]
            self.play(*moved, Appear(line), *shown, run_time=0.5)
            self.products.add(line)
            labels.add(label)
            hold(self, n_entries=10) if j == 0 else self.wait(0.9)
        self.keep(self.qk, labels)
        hold(self, self.qk, dot, at_least=2.0)
        self.play(Vanish(kframe), Vanish(dot), run_time=0.3)

    @beat(
        "Each score is divided by the square root of d_k, exponentiated, and divided by the sum "
        "of the exponentials. The results are Apple's attention weights, positive and summing to "
        "one."
    )
    def softmax(self) -> None:
        """Divide by sqrt(d_k), exponentiate, divide by the sum: the weights."""
        i = self.walked
        q, st = self.queries[i], self.steps[i]
        y_head = WALK_Y + 0.55
        root = fmt(self.s.info["sqrt_d_k"], 0)
        col = lambda a: [[float(v)] for v in a]  # noqa: E731
        # scale
        self.sgrid = self.column((self.n, 1), WALK_X["s"], self.sscale)
        s_labels, s_shown = self.filled(self.sgrid, col(q["scores"]))
        s_head = VGroup(
            text(f"÷ √{self.s.info['d_k']}", WORK, 15).move_to(
                [(WALK_X["qk"] + WALK_X["s"]) / 2, y_head, 0]
            ),
            formula("s_j", COLORS["on_dark"], 17).move_to([WALK_X["s"], y_head, 0]),
        )
        rule = self.panel("score")
        dk = text(f"√d_k = {root}", COLORS["muted"], 16).move_to(self.dk, aligned_edge=LEFT)
        self.play(
            Appear(self.sgrid), Appear(s_head), Appear(rule), Vanish(self.dk), Appear(dk),
            *s_shown, run_time=0.7,
        )  # fmt: skip
        self.dk = dk
        self.keep(self.sgrid, s_labels)
        hold(self, self.sgrid, rule)
        # exponentials and their sum
        self.egrid = self.column((self.n, 1), WALK_X["exp"], None)
        e_labels, e_shown = self.filled(self.egrid, col(st["exps"]))
        bottom = WALK_Y - self.n * WALK_CELL - 0.1
        e_sum = text(f"Σ = {fmt(st.info['exp_sum'])}", COLORS["on_dark"], 15).move_to(
            [WALK_X["exp"], bottom, 0]
        )
        e_head = VGroup(
            text("exp", WORK, 15).move_to([(WALK_X["s"] + WALK_X["exp"]) / 2, y_head, 0]),
            formula("e^{s_j}", COLORS["on_dark"], 17).move_to([WALK_X["exp"], y_head, 0]),
        )
        soft = self.panel("softmax")
        self.play(
            Vanish(rule), Appear(self.egrid), Appear(e_head), Appear(e_sum), Appear(soft),
            *e_shown, run_time=0.7,
        )  # fmt: skip
        self.keep(self.egrid, e_labels)
        hold(self, self.egrid, e_sum)
        # the weights
        self.wgrid = self.column((self.n, 1), WALK_X["w"], 1.0)
        w_labels, w_shown = self.filled(self.wgrid, col(q["weights"]))
        w_sum = text(f"Σ = {fmt(st.info['weights_sum'])}", COLORS["on_dark"], 15).move_to(
            [WALK_X["w"], bottom, 0]
        )
        w_head = VGroup(
            text("÷ Σ", WORK, 15).move_to([(WALK_X["exp"] + WALK_X["w"]) / 2, y_head, 0]),
            formula("w_j", COLORS["on_dark"], 17).move_to([WALK_X["w"], y_head, 0]),
        )
        self.play(Appear(self.wgrid), Appear(w_head), Appear(w_sum), *w_shown, run_time=0.7)
        self.keep(self.wgrid, w_labels)
        hold(self, self.wgrid, w_sum, soft, at_least=3.0)
        self.play(Vanish(soft), run_time=0.3)
        self.walk = VGroup(
            self.keys, self.heads, self.products, self.qk, self.sgrid, s_head, self.egrid,
            e_head, e_sum, self.wgrid, w_head, w_sum,
        )  # fmt: skip

    @beat(
        "Each row of V is scaled by its weight and the rows are added up into Apple's output. "
        "Apple puts most of its weight on phone, so its output has a strong device feature where "
        "its own value has almost none: the context says which Apple is meant."
    )
    def weighted_sum(self) -> None:
        """Each row of V times its weight; their sum is the query's output."""
        i = self.walked
        q, st = self.queries[i], self.steps[i]
        V = self.top["V"]
        vframe = Rectangle(width=V.grid.width, height=V.grid.height).set_stroke(
            COLORS["activation"], 4
        )
        vframe.move_to(V.grid)
        block = self.column(st["weighted"].shape, WALK_X["weighted"], self.vscale)
        b_labels, b_shown = self.filled(block, st["weighted"])
        y_head = WALK_Y + 0.55
        b_head = VGroup(
            formula(r"\times\, v_j", WORK, 17).move_to(
                [(WALK_X["w"] + WALK_X["weighted"]) / 2 - 0.2, y_head, 0]
            ),
            formula("w_j v_j", COLORS["on_dark"], 17).move_to([WALK_X["weighted"], y_head, 0]),
        )  # fmt: skip
        rule = self.panel("out")
        self.play(Appear(vframe), Appear(block), Appear(b_head), Appear(rule), *b_shown)
        self.keep(block, b_labels)
        hold(self, block, rule)
        out = CellGrid(shape=(1, q["out"].shape[0]), cell=WALK_CELL, scale=self.vscale,
                       font_size=NUMBER_SIZE)  # fmt: skip
        out.move_to([WALK_X["weighted"], WALK_Y - self.n * WALK_CELL - 0.12, 0])
        o_labels, o_shown = self.filled(out, [q["out"]])
        o_name = text("Σ =", COLORS["on_dark"], 15).next_to(out, LEFT, buff=0.12)
        self.play(Appear(out), Appear(o_name), *o_shown, run_time=0.6)
        self.keep(out, o_labels)
        hold(self, out)
        said = self.lines(story(self.trace))
        said.move_to([PANEL_X, 0.6, 0]).to_edge(RIGHT, buff=0.3)
        self.play(Vanish(rule), Appear(said), run_time=0.5)
        hold(self, said, at_least=5.0)
        self.play(
            *[Vanish(m) for m in (self.walk, block, b_head, out, o_name, said, vframe)],
            run_time=0.5,
        )

    @beat(
        "The same steps for every query fill the scores S, the weights A and the output A V one "
        "row at a time, Apple first. Each row of A is one token's attention over all the tokens."
    )
    def all_queries(self) -> None:
        """Every query: S, A and the output fill in row by row (the walked one first)."""
        self.swap_title("Every query: one row of S, of A and of the output each")
        n, tokens = self.n, self.tokens
        d_v = self.res["out"].shape[1]

        def heat(key: str, n_cols: int, scale: float, cols) -> TokenGrid:
            rows = tokens if key != "O" else ()
            g = TokenGrid(
                shape=(n, n_cols), rows=rows, cols=cols, cell=HEAT_CELL, scale=scale,
                font_size=NUMBER_SIZE, label_size=13, stagger=True,
            )  # fmt: skip
            g.shift([HEAT_X[key], HEAT_TOP - n * HEAT_CELL / 2, 0] - g.grid.get_center())
            return g

        value_cols = self.s.info["value_features"]
        self.S = heat("S", n, self.sscale, tokens)
        self.A = heat("A", n, 1.0, tokens)
        self.O = heat("O", d_v, self.vscale, value_cols)
        caps = VGroup(
            formula(FORMULAS["S"], COLORS["on_dark"], 18),
            formula(FORMULAS["A"], COLORS["on_dark"], 18),
            formula(FORMULAS["AV"], COLORS["on_dark"], 18),
        )
        for cap, g in zip(caps, (self.S, self.A, self.O), strict=True):
            cap.next_to(g.grid, DOWN, buff=0.12)
        shapes = VGroup(
            *[
                text(shape_label(self.res[k].shape), COLORS["muted"], 13).next_to(
                    c, RIGHT, buff=0.15
                )
                for k, c in zip(("scores", "weights", "out"), caps, strict=True)
            ]
        )
        keys = VGroup(
            VGroup(
                text("values, S", COLORS["muted"], 14), ColorScale(self.sscale, width=1.5)
            ).arrange(DOWN, buff=0.06),
            VGroup(
                text("weights w, A", COLORS["muted"], 14),
                ColorScale(1.0, signed=False, width=1.5),
            ).arrange(DOWN, buff=0.06),
        ).arrange(DOWN, buff=0.25)
        keys.move_to([5.6, -1.6, 0])
        self.keys = keys
        keys_note = self.lines("rows: queries\ncolumns: keys", COLORS["muted"], 14)
        keys_note.next_to(keys, DOWN, buff=0.3)
        self.keys_note = keys_note
        self.play(
            *[Appear(m) for m in (self.S, self.A, self.O, caps, shapes, keys, keys_note)],
            run_time=0.6,
        )
        order = [self.walked] + [i for i in range(n) if i != self.walked]
        frame = self.top["Q"].row_frame(self.walked, QUERY)
        self.play(Vanish(self.qframe), Appear(frame), run_time=0.2)
        for k, i in enumerate(order):
            q = self.queries[i]
            shown = (
                self.S.fill_row(i, q["scores"])
                + self.A.fill_row(i, q["weights"])
                + self.O.fill_row(i, q["out"])
            )
            moved = [] if k == 0 else [frame.animate.move_to(self.top["Q"].row_frame(i))]
            self.play(*moved, *shown, run_time=0.6)
            for g in (self.S, self.A, self.O):
                g.settle(self)
            self.wait(0.9 if k == 0 else 0.6)
        hold(self, self.S, self.A, self.O, caps, n_entries=n * n)
        self.play(Vanish(frame), run_time=0.2)

    @beat(
        "Each row of A sums to one, and its largest weight is ringed: the key each token attends "
        "to most. Apple looks most at phone, and phone looks most at Apple."
    )
    def summary(self) -> None:
        """Which key each query weights most, read off A; each row sums to 1."""
        tokens = self.tokens
        best = favourites(self.trace)
        rings = VGroup(
            *[
                Rectangle(width=HEAT_CELL, height=HEAT_CELL)
                .set_stroke(WORK, 4)
                .move_to(self.A.grid.center_of(i, j))
                for i, j, _ in best
            ]
        )
        lines = "\n".join(f"{tokens[i]} → {tokens[j]}  {fmt(w)}" for i, j, w in best)
        said = self.lines("each row of A sums to 1;\nits largest weight (ringed):\n" + lines)
        said.next_to(self.main, DOWN, buff=0.35).to_edge(RIGHT, buff=0.7)
        gone = (self.dk, self.keys, self.keys_note)
        self.play(*[Vanish(m) for m in gone], Appear(rings), Appear(said), run_time=0.5)
        hold(self, said, at_least=reading_time(len(best) * 2) + 1.0)
