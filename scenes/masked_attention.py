"""Masked (decoder) self-attention: the causal mask ``M`` fills the scores above the diagonal
with ``−∞``, and the softmax renormalises each row over the positions it may see.

The decoder reads the target shifted right, ``<s> the cat sat down`` (teacher forcing: all
positions at once), so each position must not look ahead. First the formulas (the notes'
``softmax(Q Kᵀ / √d_k + M) V`` and ``M_ij = 0`` for ``j ≤ i``, ``−∞`` for ``j > i``, from
:mod:`visualdl.symbolic.attention_formulas`); then the
scaled scores ``S`` (5 x 5, shaded by the diverging rule), the mask ``M`` filling in (0 on and
below the diagonal, ``−∞`` above) and ``S + M`` row by row; one row walked through, before and
after the mask (the softmax without the mask, the sum of the weights the mask keeps, and the
masked row's weights: the kept ones each divided by that sum, the masked ones exactly 0); the
lower-triangular weight matrix as a heatmap; last, the second sentence of the batch,
``<s> a dog <pad> <pad>``, whose ``tgt_mask`` adds the padding mask (its ``<pad>`` key columns
greyed out in every row). Every number comes from
:func:`visualdl.demos.masked_attention.masked_attention_trace` (the engine's narrating
``scaled_dot_product_attention_loop``: records ``attention.query``, ``-inf`` where masked,
stacked into ``masked_attention.matrix``). ``−∞`` is written as text. Beats: ``intro``,
``scores``, ``mask``, ``row``, ``weights``, ``padding``, ``code``.

Render: ``visualdl render masked-attention``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Arrow, SurroundingRectangle, VGroup, VMobject

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, ColorScale, value_scale
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.masked_attention import masked_attention_trace
from visualdl.symbolic.attention_formulas import FORMULAS as SYMBOLIC
from visualdl.trace import Trace
from visualdl.viz.style import COLORS, value_color

__all__ = ["FORMULAS", "MINUS_INF", "MaskedAttention", "cell_string", "row_story"]

#: The formulas shown, from :data:`visualdl.symbolic.attention_formulas.FORMULAS`.
FORMULAS: dict[str, str] = {
    "attention": SYMBOLIC["masked"],
    "mask": SYMBOLIC["causal_mask"],
    "scores": SYMBOLIC["scores"],
    "row": SYMBOLIC["masked_row"],
    "weights": SYMBOLIC["masked_weights"],
}
MINUS_INF = "−∞"  # how a masked score is written on screen
CELL = 0.66
NUMBER_SIZE = 15
TOKEN_SIZE = 15
GRID_Y = 0.1  # centre height of the 5 x 5 grids
XS = (-4.5, -0.55, 3.4)  # centres of the three grids of the mask beat
KEY_X = 5.85  # the colour keys' column
MASKED_FILL = "#3A3D45"  # a masked cell (-inf): grey, no value colour
WORK = COLORS["loss"]  # frames around what is walked through


def cell_string(v: float, exact_zero: bool = False) -> str:
    """What a cell shows: ``−∞`` for a masked score; with ``exact_zero`` (weights, the mask)
    ``0`` for a value that is exactly 0 (a masked key's weight, a kept entry of ``M``);
    otherwise the value at two decimals.

    >>> cell_string(float("-inf")), cell_string(0.0, True), cell_string(0.0), cell_string(-0.494)
    ('−∞', '0', '0.00', '−0.49')
    """
    if v == float("-inf"):
        return MINUS_INF
    if exact_zero and v == 0:
        return "0"
    return fmt(v)


def row_story(tr: Trace) -> dict[str, str]:
    """The walked row in words: its token, the kept weights' sum as an addition, and the
    factor ``1 / kept_sum`` every kept weight is multiplied by."""
    r = tr.last("masked_attention.row")
    i = r.info["i"]
    tokens = tr.last("masked_attention.tokens").info["tokens"][0]
    kept = [fmt(r["before"][j]) for j in range(i + 1)]
    return {
        "token": tokens[i],
        "sum": " + ".join(kept) + f" = {fmt(r.info['kept_sum'])}",
        "ratio": fmt(r.info["ratio"]),
    }


class MaskedAttention(TraceScene):
    """The causal mask over the scores, one row before and after, the weight heatmap, the
    padding mask on the batch's second sentence."""

    title_size = 26

    def construct(self) -> None:
        self.trace = masked_attention_trace()
        tr = self.trace
        self.tokens = tr.last("masked_attention.tokens").info["tokens"]
        self.causal = tr.last("masked_attention.matrix", case="causal")
        self.n = len(self.tokens[0])
        self.score_scale = value_scale(self.causal["scores"])
        self.intro()
        self.scores()
        self.mask()
        self.row()
        self.weights()
        self.padding()
        self.code()

    # -- building blocks ------------------------------------------------------------------
    def fill_for(self, v: float, weight: bool) -> tuple[str, float]:
        """A cell's fill and opacity: grey for ``−∞``; a weight from dark (0) to red (1), a
        score by the diverging rule at the scores' scale."""
        if v == float("-inf"):
            return MASKED_FILL, 1.0
        return value_color(v, 1.0 if weight else self.score_scale), 1.0

    def grid(
        self, values, at, weight: bool = False, muted_cols=(), exact: bool = False
    ) -> CellGrid:
        """A full grid of ``values`` (rows of a 2-D array) centred at ``at``, with the cells'
        strings (:func:`cell_string`, exact zeros for weights or when ``exact``); ``texts``
        holds them. Columns in ``muted_cols`` (padding) are greyed out."""
        rows, cols = values.shape
        g = CellGrid(shape=(rows, cols), cell=CELL).move_to(at)
        zero = weight or exact
        g.texts = [[cell_string(float(v), zero) for v in values[i]] for i in range(rows)]
        labels = []
        for i in range(rows):
            for j in range(cols):
                fill, alpha = self.fill_for(float(values[i][j]), weight)
                color = COLORS["on_dark"]
                if j in muted_cols:
                    fill, alpha, color = MASKED_FILL, 1.0, COLORS["muted"]
                g.squares[i][j].set_fill(fill, alpha)
                label = g.label_at(i, j, g.texts[i][j], color, NUMBER_SIZE)
                g.labels[i, j] = label
                labels.append(label)
        g.add(VGroup(*labels))
        return g

    def filling(
        self, values, at, weight: bool = False, exact: bool = False
    ) -> tuple[CellGrid, list[list]]:
        """An empty grid centred at ``at`` and, per row, the labels and animations that fill
        it (the fill colour turns as the number fades in)."""
        rows, cols = values.shape
        g = CellGrid(shape=(rows, cols), cell=CELL).move_to(at)
        steps = []
        for i in range(rows):
            row = []
            for j in range(cols):
                v = float(values[i][j])
                fill, alpha = self.fill_for(v, weight)
                s = cell_string(v, weight or exact)
                label = g.label_at(i, j, s, COLORS["on_dark"], NUMBER_SIZE)
                row.append((label, g.squares[i][j].animate.set_fill(fill, alpha)))
            steps.append(row)
        return g, steps

    def fill_rows(self, g: CellGrid, steps: list[list], run_time: float = 0.45) -> VGroup:
        """Play the filling row by row; the labels, as a group."""
        labels = VGroup()
        for row in steps:
            self.play(*[a for _, a in row], *[Appear(lab) for lab, _ in row], run_time=run_time)
            labels.add(*[lab for lab, _ in row])
        return labels

    def keys_above(self, g: CellGrid, tokens, muted=()) -> VGroup:
        """The key tokens above the columns of ``g``."""
        out = VGroup()
        for j, t in enumerate(tokens):
            label = text(t, COLORS["muted"] if j in muted else COLORS["input"], TOKEN_SIZE)
            if label.width > 0.94 * CELL:  # <pad>, down: shrunk to their column
                label.scale_to_fit_width(0.94 * CELL)
            out.add(label.next_to(g.squares[0][j], UP, buff=0.1))
        return out

    def queries_left(self, g: CellGrid, tokens) -> VGroup:
        """The query tokens left of the rows of ``g``."""
        return VGroup(
            *[
                text(t, COLORS["input"], TOKEN_SIZE).next_to(g.squares[i][0], LEFT, buff=0.12)
                for i, t in enumerate(tokens)
            ]
        )

    def name_above(self, mob: VMobject, tex: str, size: float = 20) -> VMobject:
        return formula(tex, COLORS["on_dark"], size).next_to(mob, UP, buff=0.42)

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A decoder reads the whole target sentence at once, shifted right, so each position must "
        "not look at the positions after it. The causal mask adds minus infinity to every score "
        "above the diagonal before the softmax."
    )
    def intro(self) -> None:
        tr = self.trace
        d_k = tr.meta["d_k"]
        self.title = self.title_card("Masked attention: the decoder may not look ahead")
        sub = self.subtitle(
            "the decoder reads the target shifted right, "
            + " ".join(self.tokens[0])
            + f",\nall positions at once (teacher forcing); one head of width d_k = {d_k}"
        )
        eqs = VGroup(
            formula(FORMULAS["attention"], COLORS["on_dark"], 32),
            formula(FORMULAS["mask"], COLORS["on_dark"], 28),
        ).arrange(DOWN, buff=0.6)
        eqs.move_to([0, 0.4, 0])
        note = text(
            "position i may attend to itself and earlier positions only:\n"
            "the mask adds −∞ to every score above the diagonal",
            COLORS["muted"],
            20,
        ).next_to(eqs, DOWN, buff=0.6)
        self.show_title()
        self.play(Appear(sub), Appear(eqs), run_time=0.6)
        self.play(Appear(note), run_time=0.4)
        hold(self, eqs, at_least=5.0)
        self.play(Vanish(sub), Vanish(eqs), Vanish(note), run_time=0.4)

    @beat(
        "The scaled scores of every query with every key for the first target sentence: rows are "
        "queries, columns are keys. Without a mask every position could see the future."
    )
    def scores(self) -> None:
        """The scaled scores ``S`` of the first sentence, shaded, with its tokens."""
        toks = self.tokens[0]
        self.swap_title("1. The scaled scores of every query with every key")
        S = self.grid(self.causal["scores"], [XS[0], GRID_Y, 0])
        self.S = VGroup(S, self.keys_above(S, toks))
        self.rows_left = self.queries_left(S, toks)
        self.S_name = self.name_above(S, FORMULAS["scores"])
        side = text("rows: queries i   columns: keys j", COLORS["input"], 16)
        side.next_to(S, DOWN, buff=0.3)
        self.scale_key = VGroup(
            text("S (scores)", COLORS["muted"], 15),
            ColorScale(round(self.score_scale, 1), width=1.6),
        ).arrange(DOWN, buff=0.08)
        self.scale_key.move_to([KEY_X, -2.6, 0])
        self.side = side
        self.play(
            Appear(self.S), Appear(self.rows_left), Appear(self.S_name), Appear(side),
            Appear(self.scale_key), run_time=0.6,
        )  # fmt: skip
        hold(self, S)

    @beat(
        "The mask M is zero on and below the diagonal and minus infinity above it. Adding it to "
        "the scores turns every score of a later key into minus infinity, row by row."
    )
    def mask(self) -> None:
        """``M`` fills in (0 on and below the diagonal, ``−∞`` above), then ``S + M`` row by
        row."""
        toks = self.tokens[0]
        self.swap_title("2. The causal mask: −∞ above the diagonal")
        plus = text("+", COLORS["on_dark"], 34).move_to([(XS[0] + XS[1]) / 2, GRID_Y, 0])
        equals = text("=", COLORS["on_dark"], 34).move_to([(XS[1] + XS[2]) / 2, GRID_Y, 0])
        M, m_steps = self.filling(self.causal["M"], [XS[1], GRID_Y, 0], exact=True)
        M_keys = self.keys_above(M, toks)
        M_name = self.name_above(M, "M")
        rule = formula(FORMULAS["mask"], COLORS["on_dark"], 24).move_to([XS[1] + 0.6, -2.7, 0])
        self.play(*[Appear(m) for m in (plus, M, M_keys, M_name, rule)], run_time=0.5)
        m_labels = self.fill_rows(M, m_steps, run_time=0.3)
        hold(self, n_entries=self.n * self.n)
        SM, sm_steps = self.filling(self.causal["masked"], [XS[2], GRID_Y, 0])
        sm_keys = self.keys_above(SM, toks)
        sm_name = self.name_above(SM, "S + M")
        self.play(Appear(equals), Appear(SM), Appear(sm_keys), Appear(sm_name), run_time=0.4)
        sm_labels = self.fill_rows(SM, sm_steps, run_time=0.4)
        hold(self, n_entries=self.n * self.n)
        self.SM = VGroup(SM, sm_labels, sm_keys)
        self.SM_grid, self.SM_name = SM, sm_name
        self.play(
            *[Vanish(m) for m in (self.S, self.S_name, plus, M, m_labels, M_keys, M_name)],
            *[Vanish(m) for m in (equals, rule, self.side)],
            run_time=0.4,
        )
        shift = (XS[0] - XS[2]) * RIGHT
        self.play(self.SM.animate.shift(shift), self.SM_name.animate.shift(shift), run_time=0.6)

    @beat(
        "One row before and after the mask: without it the softmax puts some weight on future "
        "keys. With it the future keys get exactly zero and each kept weight is divided by the "
        "sum of the kept weights, so the row still sums to one."
    )
    def row(self) -> None:
        """One row before and after the mask: its weights without the mask, the sum of the
        kept ones, the masked row's weights."""
        tr, n = self.trace, self.n
        r = tr.last("masked_attention.row")
        i = r.info["i"]
        story = row_story(tr)
        toks = self.tokens[0]
        self.swap_title(f"3. The softmax renormalises each row: the row of “{story['token']}”")
        frame = SurroundingRectangle(
            VGroup(*self.SM_grid.squares[i]), color=WORK, buff=0.03, stroke_width=3
        )
        x0 = 2.3
        before = self.grid(r["before"].reshape(1, n), [x0, 1.45, 0], weight=True)
        after = self.grid(r["after"].reshape(1, n), [x0, -1.45, 0], weight=True)
        b_keys = self.keys_above(before, toks)
        b_head = text(
            f"without the mask: softmax over all {n} keys (sum 1)", COLORS["muted"], 17
        ).next_to(b_keys, UP, buff=0.15)
        kept = text(
            f"the mask keeps the keys up to “{story['token']}”:  {story['sum']}",
            COLORS["on_dark"],
            18,
        ).move_to([x0, 0.45, 0])
        a_head = text(
            f"with the mask: each kept weight × 1 / {fmt(r.info['kept_sum'])} = × "
            f"{story['ratio']},\nthe masked ones exactly 0 (sum 1)",
            COLORS["muted"],
            17,
        ).next_to(after, UP, buff=0.15)
        arrow = Arrow([x0, 0.2, 0], [x0, -0.5, 0], buff=0, stroke_width=3, tip_length=0.15)
        masked_frame = SurroundingRectangle(
            VGroup(*[before.squares[0][j] for j in range(i + 1, n)]),
            color=COLORS["muted"],
            buff=0.03,
            stroke_width=3,
        )
        rule = formula(FORMULAS["row"], COLORS["on_dark"], 24).move_to([0.6, -2.85, 0])
        self.play(Appear(frame), Appear(before), Appear(b_keys), Appear(b_head), run_time=0.5)
        hold(self, before, at_least=3.5)
        self.play(Appear(kept), Appear(masked_frame), run_time=0.4)
        hold(self, kept, at_least=3.5)
        self.play(Appear(arrow), Appear(after), Appear(a_head), run_time=0.5)
        self.play(Appear(rule), run_time=0.3)
        hold(self, after, rule, at_least=5.5)
        self.play(
            *[Vanish(m) for m in (before, b_keys, b_head, kept, arrow, after, a_head)],
            *[Vanish(m) for m in (masked_frame, rule)],
            run_time=0.4,
        )
        self.frame = frame

    @beat(
        "The weights fill in row by row into a lower-triangular matrix, each row summing to one. "
        "The last position sees every key, so its row is the same as without the mask."
    )
    def weights(self) -> None:
        """The weight matrix fills row by row: lower-triangular, each row summing to 1."""
        toks = self.tokens[0]
        title = "4. The weights A: lower-triangular, each row sums to 1"
        self.swap_title(title, Vanish(self.frame))
        arrow = text("softmax\neach row →", COLORS["muted"], 18).move_to([-1.3, GRID_Y, 0])
        A, steps = self.filling(self.causal["weights"], [1.9, GRID_Y, 0], weight=True)
        A_keys = self.keys_above(A, toks)
        A_name = self.name_above(A, FORMULAS["weights"])
        key = VGroup(
            text("A (weights)", COLORS["muted"], 15), ColorScale(1.0, signed=False, width=1.6)
        ).arrange(DOWN, buff=0.08)
        key.move_to([KEY_X, -1.5, 0])
        self.play(*[Appear(m) for m in (arrow, A, A_keys, A_name, key)], run_time=0.4)
        labels = self.fill_rows(A, steps, run_time=0.35)
        last = toks[-1]
        note = text(
            f"row i mixes the values of positions ≤ i only; the last row (“{last}”)\n"
            "sees every key, so its weights are those without the mask",
            COLORS["muted"],
            17,
        ).next_to(A, DOWN, buff=0.35)
        note.set_x(-1.0)
        self.play(Appear(note), run_time=0.3)
        hold(self, n_entries=self.n * self.n, at_least=4.0)
        self.play(
            *[Vanish(m) for m in (self.SM, self.SM_name, self.rows_left, arrow, note)],
            *[Vanish(m) for m in (A, labels, A_keys, A_name, self.scale_key)],
            run_time=0.4,
        )
        self.key = key

    @beat(
        "The second sentence of the batch is padded, so its mask also hides the padding keys in "
        "every row, on top of the causal mask. The padding queries still attend to the real "
        "tokens; the loss ignores their outputs."
    )
    def padding(self) -> None:
        """The batch's second sentence: ``tgt_mask`` = padding mask and causal mask; the
        ``<pad>`` key columns greyed out in every row of its weights."""
        tr = self.trace
        toks = self.tokens[1]
        pad = [j for j, t in enumerate(toks) if t == "<pad>"]
        padded = tr.last("masked_attention.matrix", case="padded", batch=1)
        self.swap_title("5. Padding too: tgt_mask = padding mask and causal mask")
        sub = self.subtitle(
            "the batch's second sentence, "
            + " ".join(toks)
            + ": its <pad> keys are masked in every row"
        )
        M = self.grid(padded["M"], [-2.9, GRID_Y - 0.1, 0], muted_cols=pad, exact=True)
        A = self.grid(padded["weights"], [2.3, GRID_Y - 0.1, 0], weight=True, muted_cols=pad)
        parts = VGroup(
            M,
            self.keys_above(M, toks, pad),
            self.queries_left(M, toks),
            self.name_above(M, "M"),
            A,
            self.keys_above(A, toks, pad),
            self.name_above(A, FORMULAS["weights"]),
        )
        note = text(
            "the <pad> queries (last two rows) still attend to the real tokens;\n"
            "their outputs are ignored by the loss",
            COLORS["muted"],
            17,
        ).next_to(VGroup(M, A), DOWN, buff=0.4)
        self.play(Appear(sub), Appear(parts), run_time=0.6)
        self.play(Appear(note), run_time=0.3)
        hold(self, n_entries=self.n * self.n, at_least=7.0)
        self.play(Vanish(sub), Vanish(parts), Vanish(note), Vanish(self.key), run_time=0.4)

    @beat(
        "The notes' code fills masked scores with minus a billion instead of minus infinity, "
        "which gives the same weights on every row that keeps a key. A row with no key left "
        "differs: minus a billion makes it uniform, minus infinity gives not-a-number, and the "
        "engine raises an error."
    )
    def code(self) -> None:
        """The notes' code writes -1e9 where the formula writes −∞."""
        self.swap_title("The formula's −∞ and the code's −1e9")
        lines = VGroup(
            text("the notes' code: scores.masked_fill(mask == 0, −1e9)", COLORS["on_dark"], 22),
            text(
                "the same weights on every row that keeps a key:\nexp(−1e9 − max) is 0 in float64",
                COLORS["muted"],
                20,
            ),
            text(
                "a row with no key left: −1e9 makes it uniform (it attends to padding\n"
                "and the future), −∞ gives 0 / 0 = NaN; the engine raises an error naming the row",
                COLORS["muted"],
                20,
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        lines.move_to([0, 0.3, 0])
        self.play(Appear(lines), run_time=0.5)
        hold(self, lines, at_least=5.5)
