"""One encoder block of a trained Transformer: the data flow with the shape of every tensor,
and the real numbers of one input flowing through it.

A tiny Transformer (``d_model = 8``, ``h = 2`` heads, ``d_ff = 32``) trained by the engine to
reverse 3-digit strings reads the held-out input "731" (it answers "137"). The block is drawn
as boxes and arrows, the paper's figure in two columns: down the left, the input (token ids,
the embedding ``E[x] sqrt(8)``, plus the positional encoding ``P``) and the self-attention
sub-layer (LayerNorm, multi-head attention, residual add); up the right, the feed-forward
sub-layer (LayerNorm, FFN ``8 -> 32 -> 8`` with ReLU, residual add) and the encoder's final
LayerNorm. Every arrow carries its tensor's shape, ``(4, 8)`` (4 positions, rows); beside it
the row of one position (pos = 1, the digit "3") is a strip of 8 cells, its values as colours
by the diverging rule with their numbers, so each step can be checked: ``E[x] sqrt(8) + P =
X``, ``X + MHA(LN1(X)) = X1``, ``X1 + FFN(LN2(X1)) = Y`` stand as columns of three strips. The
attention box holds both heads' ``4 x 4`` weights as heatmaps (the followed row framed, its
numbers beside the box); the FFN box its hidden layer (32 colours, ReLU's zeros dark). The
block is Pre-LN, as the notes' code, ``x + Sublayer(LN(x))``; last, that choice beside the
notes' prose formula (E25, which normalises the sub-layer's output) and the paper's Post-LN.

Every number comes from :func:`visualdl.demos.transformer_block.transformer_block_trace` (the
engine's ``encoder_block_forward`` and its cache; the heatmaps from the engine's own
``encoder1.attention`` record). Beats: ``intro``, ``skeleton``, ``embed``, ``attention``,
``feed_forward``, ``output``, ``pre_ln``.

Render: ``visualdl render transformer-block``.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Arrow,
    Circle,
    Line,
    Rectangle,
    VGroup,
    VMobject,
)

from visualdl.anim.attention import TokenGrid
from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, ColorScale, value_scale
from visualdl.anim.numbers import fmt, shape_label, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.anim.timeline import CellBox
from visualdl.demos.transformer_block import transformer_block_trace
from visualdl.symbolic.attention_formulas import FORMULAS as ATTENTION
from visualdl.trace import Trace
from visualdl.viz.style import COLORS, value_color

__all__ = ["FORMULAS", "TransformerBlock", "model_lines", "strip_rows"]

#: the formulas shown, from :data:`visualdl.symbolic.attention_formulas.FORMULAS`
FORMULAS = {
    "embed": ATTENTION["embed"],
    "layer_norm": ATTENTION["layer_norm"],
    "sdpa": ATTENTION["sdpa"],
    "ffn": ATTENTION["ffn"],
    "residual1": ATTENTION["residual1"],
    "residual2": ATTENTION["residual2"],
    "final": ATTENTION["final_ln"],
    "pre_ln": ATTENTION["pre_ln"],
    "post_ln": ATTENTION["post_ln"],
    "notes_attention": ATTENTION["notes_attention"],
    "notes_ffn": ATTENTION["notes_ffn"],
}

CELL = 0.5  # a strip's cell
LABEL = 15  # names beside strips, shapes beside arrows
BOX_W, BOX_H = 2.3, 0.4  # a box of the diagram
AX, BX = -5.6, 1.3  # the two columns' arrows: down the left, up the right
LANE = 0.95  # a strip's left edge, right of its column's arrow
SKIP = 1.3  # the residual lines, left of the column
#: heights: the left column from the top down, the right from the bottom up
YA = {
    "tokens": 3.0,
    "emb": 2.45,
    "scaled": 1.9,
    "pe": 1.35,
    "X": 0.8,
    "ln1": 0.25,
    "LN1": -0.27,
    "mha_top": -0.6,
    "mha_bottom": -1.92,
    "S": -2.25,
    "res1": -2.8,
    "X1": -3.35,
    "wire": -3.8,
}
YB = {
    "branch": -3.5,
    "ln2": -2.95,
    "LN2": -2.4,
    "ffn_bottom": -2.05,
    "ffn_top": -0.9,
    "F": -0.55,
    "res2": 0.0,
    "Y": 0.55,
    "lnf": 1.1,
    "enc": 1.65,
    "out": 1.98,
}
FORMULA_AT = (6.9, 3.45)  # the current formula's right end, top right
NOTE_Y, LEGEND_Y = 3.0, 2.62
WIRE = COLORS["muted"]
SKIP_COLOR = COLORS["update"]
BOX_COLORS = {
    "emb": COLORS["input"],
    "ln": COLORS["preactivation"],
    "mha": COLORS["loss"],
    "ffn": COLORS["activation"],
}
HEAT = 0.18  # a heatmap cell inside the attention box


def model_lines(tr: Trace) -> list[str]:
    """What the model is and how well it learned, read from the trace."""
    info = tr.last("transformer_block.model").info
    right = round(info["held_out_accuracy"] * info["n_held_out"])
    return [
        f"a Transformer trained by the engine to {info['task']} {info['length']}-digit strings "
        f"({info['steps']} Adam steps)",
        f"d_model = {info['d_model']}, h = {info['h']} heads of d_k = {info['d_k']}, "
        f"d_ff = {info['d_ff']}; {right} of {info['n_held_out']} held-out strings right",
        f"the input “{info['string']}”{' (held out)' if info['held_out'] else ''}: "
        f"the model answers “{info['output']}”",
    ]


def strip_rows(tr: Trace) -> dict[str, object]:
    """The row ``pos`` of every tensor the scene shows as a strip, by name."""
    pos = tr.last("transformer_block.model").info["position"]
    e, b = tr.last("transformer_block.embed"), tr.last("transformer_block.block")
    rows = {k: e[k][pos] for k in ("scaled", "P", "X")}
    rows |= {k: b[k][pos] for k in ("LN1", "S", "X1", "LN2", "F", "Y", "enc")}
    return rows


def _arrow(a, b, color: str = WIRE) -> Arrow:
    return Arrow(
        a,
        b,
        buff=0,
        stroke_width=2.5,
        tip_length=0.13,
        color=color,
        max_tip_length_to_length_ratio=0.5,
    )


def _plus(at) -> VGroup:
    """A residual add: ``+`` in a circle."""
    c = Circle(0.17).set_stroke(COLORS["on_dark"], 2).move_to(at)
    return VGroup(c, text("+", COLORS["on_dark"], 20).move_to(c))


class TransformerBlock(TraceScene):
    """The encoder block as boxes and arrows with shapes; one position's numbers through it."""

    title_size = 26

    def construct(self) -> None:
        self.trace = transformer_block_trace()
        tr = self.trace
        self.model = tr.last("transformer_block.model")
        self.embed_r = tr.last("transformer_block.embed")
        self.block = tr.last("transformer_block.block")
        self.weights = tr.last("encoder1.attention")["weights"][0]  # (h, n, n)
        info = self.model.info
        self.pos, self.tokens = info["position"], info["tokens"]
        self.n, self.d = self.block["X"].shape
        self.rows = strip_rows(tr)
        self.scale = value_scale(*self.rows.values())
        self.numbers = self.number_size()
        self.intro()
        self.skeleton()
        self.embed()
        self.attention()
        self.feed_forward()
        self.output()
        self.pre_ln()

    # -- helpers --------------------------------------------------------------------------
    def number_size(self) -> float:
        """One font size for every number in a cell: the widest, ``−0.00``, fits a cell."""
        return 13 * 0.84 * CELL / text("−0.00", COLORS["on_dark"], 13).width

    def strip(self, name: str, x: float, y: float) -> CellGrid:
        """Row ``pos`` of tensor ``name`` as 8 shaded cells with their numbers, left edge at
        ``x``, centred at height ``y``."""
        values = self.rows[name][None, :]
        g = CellGrid(values, cell=CELL, scale=self.scale, digits=2, font_size=self.numbers)
        return g.move_to([x, y, 0], aligned_edge=LEFT)

    def lane(self, col: float, y: float, name: str, label: str) -> VGroup:
        """A strip in the lane of column ``col`` at height ``y``, ``label`` left of it."""
        g = self.strip(name, col + LANE, y)
        t = text(label, COLORS["on_dark"], LABEL).next_to(g, LEFT, buff=0.12)
        return VGroup(t, g)

    def arrive(self, strip: CellGrid, col: float, y: float, label: str, run_time: float) -> VGroup:
        """A copy of ``strip`` travels (along the residual line) to the lane of column ``col``
        at height ``y``, ``label`` appearing left of it; returns both."""
        moving = strip.copy()
        place = [col + LANE + moving.width / 2, y, 0]
        name = text(label, COLORS["on_dark"], LABEL).next_to(
            place - RIGHT * moving.width / 2, LEFT, buff=0.12
        )
        self.play(moving.animate.move_to(place), Appear(name), run_time=run_time)
        return VGroup(name, moving)

    def show_formula(self, key: str, note: str = "") -> VGroup:
        """The formula ``key`` at the top right (and a muted ``note`` under it), replacing
        the one shown; returns what it shows."""
        new = VGroup(formula(FORMULAS[key], COLORS["on_dark"], 24).move_to([*FORMULA_AT, 0], RIGHT))
        if note:
            new.add(text(note, COLORS["muted"], 14).move_to([FORMULA_AT[0], NOTE_Y, 0], RIGHT))
        old = getattr(self, "slot", None)
        self.play(*([Vanish(old)] if old else []), Appear(new), run_time=0.4)
        self.slot = new
        return new

    def light(self, *boxes: VMobject) -> None:
        """Frame the boxes being computed in white (the others back to their colour)."""
        for b in self.boxes.values():
            b.frame.set_stroke(width=2.5, opacity=1.0)
        for b in boxes:
            b.frame.set_stroke(width=5)

    def shape_at(self, col: float, y: float, shape: tuple) -> VMobject:
        """The shape label of the tensor on column ``col``'s arrow at height ``y``."""
        t = text(shape_label(shape), COLORS["muted"], LABEL - 1)
        return t.move_to([col - 0.12, y, 0], aligned_edge=RIGHT)

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A tiny Transformer trained by the engine to reverse short digit strings, which gets the "
        "held-out input shown here right. Its encoder block is Pre-LN: every sub-layer "
        "normalises its input first and adds its output back as a residual."
    )
    def intro(self) -> None:
        self.title = self.title_card("One encoder block, with the shape of every tensor")
        self.show_title()
        lines = model_lines(self.trace)
        story = VGroup(
            *[text(s, COLORS["on_dark"], 19) for s in lines],
            text(
                "followed here: its encoder block, Pre-LN as the notes' code,\n"
                "every sub-layer x + Sublayer(LN(x)), a residual around a LayerNorm first",
                COLORS["muted"],
                18,
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.28)
        story.move_to([0, 0.4, 0])
        self.play(Appear(story), run_time=0.6)
        hold(self, story, at_least=4.5)
        self.play(Vanish(story), run_time=0.3)

    @beat(
        "The block as boxes and arrows with the shape of every tensor: down through "
        "self-attention, up through the feed-forward network, a residual line around each, and a "
        "final LayerNorm. The strips will follow one position's row of each tensor."
    )
    def skeleton(self) -> None:
        """Boxes, arrows, the residual lines and the shape of every tensor."""
        self.swap_title("The block: boxes, arrows, shapes (4 positions × d_model = 8)")
        n, d = self.n, self.d
        info = self.model.info
        bx = {
            "emb": CellBox(
                f"embedding E {shape_label((info['vocab'], d))}",
                BOX_W,
                BOX_H,
                BOX_COLORS["emb"],
                LABEL,
            ).move_to([AX, YA["emb"], 0]),
            "ln1": CellBox("LayerNorm 1", BOX_W, BOX_H, BOX_COLORS["ln"], LABEL).move_to(
                [AX, YA["ln1"], 0]
            ),
            "mha": CellBox("", BOX_W, YA["mha_top"] - YA["mha_bottom"], BOX_COLORS["mha"]).move_to(
                [AX, (YA["mha_top"] + YA["mha_bottom"]) / 2, 0]
            ),
            "ln2": CellBox("LayerNorm 2", BOX_W, BOX_H, BOX_COLORS["ln"], LABEL).move_to(
                [BX, YB["ln2"], 0]
            ),
            "ffn": CellBox("", BOX_W, YB["ffn_top"] - YB["ffn_bottom"], BOX_COLORS["ffn"]).move_to(
                [BX, (YB["ffn_top"] + YB["ffn_bottom"]) / 2, 0]
            ),
            "lnf": CellBox("final LayerNorm", BOX_W, BOX_H, BOX_COLORS["ln"], LABEL).move_to(
                [BX, YB["lnf"], 0]
            ),
        }
        self.boxes = bx
        plus = {
            "pe": _plus([AX, YA["pe"], 0]),
            "res1": _plus([AX, YA["res1"], 0]),
            "res2": _plus([BX, YB["res2"], 0]),
        }
        self.plus = plus
        # the attention box: its heading and two empty heatmaps (filled in its beat)
        mha = bx["mha"]
        heading = text(
            f"self-attention, h = {self.model.info['h']}", COLORS["on_dark"], LABEL - 1
        ).next_to(mha.get_top(), DOWN, buff=0.1)
        self.heat = [CellGrid(shape=(n, n), cell=HEAT) for _ in range(self.weights.shape[0])]
        heat_y = mha.get_center()[1] - 0.05
        for k, g in enumerate(self.heat):
            g.move_to([AX + (k - 0.5) * 1.05, heat_y, 0])
        heads = VGroup(
            *[
                text(f"head {k + 1}", COLORS["muted"], 12).next_to(g, DOWN, buff=0.05)
                for k, g in enumerate(self.heat)
            ]
        )
        # the FFN box: heading, a hidden layer of d_ff cells (coloured in its beat)
        ffn = bx["ffn"]
        d_ff = self.block["H"].shape[1]
        ffn_head = text(f"FFN {d} → {d_ff} → {d}, ReLU", COLORS["on_dark"], LABEL - 1).next_to(
            ffn.get_top(), DOWN, buff=0.1
        )
        w = (BOX_W - 0.3) / d_ff
        self.hidden = VGroup(
            *[Rectangle(width=w, height=0.26).set_stroke(COLORS["muted"], 0.5) for _ in range(d_ff)]
        ).arrange(RIGHT, buff=0)
        self.hidden.move_to([BX, ffn.get_center()[1] - 0.02, 0])
        hid_label = text(f"hidden H {shape_label((n, d_ff))}", COLORS["muted"], 12).next_to(
            self.hidden, DOWN, buff=0.08
        )
        # wires, top to bottom on the left, bottom to top on the right
        tokens = VGroup(*[text(t, COLORS["on_dark"], 18) for t in self.tokens]).arrange(
            RIGHT, buff=0.28
        )
        tokens.move_to([AX, YA["tokens"], 0])
        tokens[self.pos].set_color(COLORS["loss"])
        self.tokens_row = tokens

        def at(x, y):
            return [x, y, 0]

        wires = VGroup(
            _arrow(at(AX, tokens.get_bottom()[1] - 0.04), bx["emb"].get_top()),
            _arrow(bx["emb"].get_bottom(), plus["pe"].get_top()),
            _arrow(plus["pe"].get_bottom(), bx["ln1"].get_top()),
            _arrow(bx["ln1"].get_bottom(), mha.get_top()),
            _arrow(mha.get_bottom(), plus["res1"].get_top()),
            Line(plus["res1"].get_bottom(), at(AX, YA["wire"])),
            Line(at(AX, YA["wire"]), at(BX, YA["wire"])),
            _arrow(at(BX, YA["wire"]), bx["ln2"].get_bottom()),
            _arrow(bx["ln2"].get_top(), ffn.get_bottom()),
            _arrow(ffn.get_top(), plus["res2"].get_bottom()),
            _arrow(plus["res2"].get_top(), bx["lnf"].get_bottom()),
            _arrow(bx["lnf"].get_top(), at(BX, YB["out"])),
        ).set_color(WIRE)
        skips = VGroup(
            Line(at(AX, YA["ln1"] + 0.33), at(AX - SKIP, YA["ln1"] + 0.33)),
            Line(at(AX - SKIP, YA["ln1"] + 0.33), at(AX - SKIP, YA["res1"])),
            _arrow(at(AX - SKIP, YA["res1"]), plus["res1"].get_left(), SKIP_COLOR),
            Line(at(BX, YB["branch"]), at(BX - SKIP, YB["branch"])),
            Line(at(BX - SKIP, YB["branch"]), at(BX - SKIP, YB["res2"])),
            _arrow(at(BX - SKIP, YB["res2"]), plus["res2"].get_left(), SKIP_COLOR),
        ).set_color(SKIP_COLOR)
        pe_in = VGroup(
            _arrow(at(AX - 0.95, YA["pe"]), plus["pe"].get_left()),
            text("P", COLORS["on_dark"], LABEL).next_to(at(AX - 0.95, YA["pe"]), LEFT, 0.08),
        )
        shapes = VGroup(
            *[self.shape_at(AX, YA[k], (n, d)) for k in ("scaled", "X", "LN1", "S", "X1")],
            *[self.shape_at(BX, YB[k], (n, d)) for k in ("LN2", "F", "Y", "enc")],
        )
        out = text("enc → K and V of the decoder's cross-attention", COLORS["muted"], 14)
        out.move_to(at(0.3, YB["out"] + 0.16), aligned_edge=LEFT)
        skip_names = VGroup(
            *[
                text("residual", SKIP_COLOR, 12).move_to(at(x - SKIP / 2 - 0.08, y + 0.14))
                for x, y in ((AX, YA["res1"]), (BX, YB["res2"]))
            ]
        )
        self.diagram = VGroup(
            *bx.values(),
            *plus.values(),
            heading,
            *self.heat,
            heads,
            ffn_head,
            self.hidden,
            hid_label,
            wires,
            skips,
            pe_in,
            shapes,
            out,
            tokens,
            skip_names,
        )
        self.play(Appear(self.diagram), run_time=0.8)
        legend = text(
            f"strips: row pos = {self.pos} (“{self.tokens[self.pos]}”) of each tensor",
            COLORS["muted"],
            14,
        ).move_to([0.25, LEGEND_Y, 0], aligned_edge=LEFT)
        key = VGroup(
            text("values", COLORS["muted"], 13), ColorScale(self.scale, width=1.6, font_size=12)
        ).arrange(RIGHT, buff=0.15)
        key.move_to([6.95, LEGEND_Y, 0], RIGHT)
        self.legend = VGroup(legend, key)
        self.play(Appear(self.legend), run_time=0.3)
        hold(self, at_least=3.0)

    @beat(
        "The token ids pick rows of the embedding, scaled by the square root of d_model, and the "
        "positional encoding is added: that is the block's input X. One position's strips let "
        "the sum be checked."
    )
    def embed(self) -> None:
        """Token ids, the embedding rows times sqrt(d_model), plus P: the block's input X."""
        self.swap_title("1. Input: embedding and position")
        e = self.embed_r
        ids = CellGrid(e["ids"][None, :], cell=0.4, font_size=self.numbers)
        ids.move_to([AX + LANE + 1.0, YA["tokens"], 0], aligned_edge=LEFT)
        ids_name = VGroup(
            text("ids", COLORS["on_dark"], LABEL).next_to(ids, LEFT, buff=0.12),
            text(f"({e['ids'].shape[0]},)", COLORS["muted"], LABEL - 1).next_to(
                ids, RIGHT, buff=0.12
            ),
        )
        self.light(self.boxes["emb"])
        self.play(Appear(ids), Appear(ids_name), run_time=0.4)
        self.show_formula("embed", f"√d_model = {fmt(e.info['sqrt_d'])}")
        scaled = self.lane(AX, YA["scaled"], "scaled", "E[x]·√8")
        self.play(Appear(scaled), run_time=0.4)
        hold(self, ids, scaled)
        pe = self.lane(AX, YA["pe"], "P", "+ P")
        X = self.lane(AX, YA["X"], "X", "= X")
        self.play(Appear(pe), run_time=0.4)
        hold(self, pe)
        self.play(Appear(X), run_time=0.4)
        hold(self, scaled, pe, X, at_least=3.5)
        self.X = X
        self.shown = VGroup(ids, ids_name, scaled, pe, X)

    @beat(
        "The first sub-layer: a LayerNorm, then multi-head attention, with both heads' weights "
        "as heatmaps, then the residual add of X. The sum is not normalised."
    )
    def attention(self) -> None:
        """LN1, both heads' weights, the sub-layer's output, the residual add."""
        self.swap_title("2. Self-attention sub-layer (Pre-LN)")
        self.light(self.boxes["ln1"])
        ln1 = self.lane(AX, YA["LN1"], "LN1", "LN₁(X)")
        self.play(Appear(ln1), run_time=0.4)
        self.show_formula(
            "layer_norm", "per position over its 8 values; σ: standard deviation (E26)"
        )
        hold(self, ln1, at_least=3.0)
        # the weights: heatmaps in the box, the followed row's numbers beside it
        self.light(self.boxes["mha"])
        W, pos = self.weights, self.pos
        fills = [
            self.heat[k].squares[i][j].animate.set_fill(value_color(W[k, i, j], 1.0), 1.0)
            for k in range(W.shape[0])
            for i in range(self.n)
            for j in range(self.n)
        ]
        frames = VGroup(
            *[
                Rectangle(width=self.n * HEAT, height=HEAT)
                .set_stroke(COLORS["on_dark"], 2.5)
                .move_to((g.center_of(pos, 0) + g.center_of(pos, self.n - 1)) / 2)
                for g in self.heat
            ]
        )
        rows = VGroup()
        for k in range(W.shape[0]):
            g = TokenGrid(
                W[k, pos][None, :],
                rows=[f"head {k + 1}"],
                cols=self.tokens if k == 0 else (),
                cell=CELL,
                scale=1.0,
                digits=2,
                font_size=self.numbers,
                label_size=13,
            )
            rows.add(g)
        for k, g in enumerate(rows):
            g.shift([BOX_W / 2 + AX + 0.85 - g.grid.get_left()[0], -1.15 - 0.5 * k - g.row_y(0), 0])
        wkey = VGroup(
            text("weights", COLORS["muted"], 12),
            ColorScale(1.0, signed=False, width=0.8, steps=5, font_size=12),
        ).arrange(DOWN, buff=0.06)
        wkey.next_to(rows[0].grid, RIGHT, buff=0.2).shift(DOWN * 0.25)
        self.play(*fills, Appear(frames), Appear(rows), Appear(wkey), run_time=0.7)
        self.show_formula(
            "sdpa",
            f"per head on d_k = {self.model.info['d_k']} columns; heads concatenated, times W_O",
        )
        hold(self, rows, at_least=3.5)
        S = self.lane(AX, YA["S"], "S", "MHA")
        self.play(Appear(S), run_time=0.4)
        hold(self, S)
        # the residual: X comes down the skip line and adds to S
        self.light()
        xcopy = self.arrive(self.X[1], AX, YA["res1"], "+ X", 0.8)
        X1 = self.lane(AX, YA["X1"], "X1", "= X₁")
        self.play(Appear(X1), run_time=0.4)
        self.show_formula("residual1", "Pre-LN: LN inside the branch; the sum X₁ is not normalised")
        hold(self, S, xcopy, X1, at_least=4.0)
        self.X1 = X1
        self.shown.add(ln1, frames, rows, wkey, S, xcopy, X1)

    @beat(
        "The second sub-layer: a LayerNorm, then the feed-forward network on each position on "
        "its own, widened and narrowed back, with ReLU zeroing many hidden units. The residual "
        "add gives the block's output Y."
    )
    def feed_forward(self) -> None:
        """LN2, the FFN's hidden layer, its output, the second residual add."""
        self.swap_title("3. Feed-forward sub-layer (Pre-LN)")
        self.light(self.boxes["ln2"])
        ln2 = self.lane(BX, YB["LN2"], "LN2", "LN₂(X₁)")
        self.play(Appear(ln2), run_time=0.4)
        self.show_formula("layer_norm", "LN₂: the same formula, its own γ and β")
        hold(self, ln2)
        self.light(self.boxes["ffn"])
        H = self.block["H"][self.pos]
        zeros = self.block.info["relu_zeros"][self.pos]
        fills = [
            r.animate.set_fill(value_color(v, self.scale), 1.0)
            for r, v in zip(self.hidden, H, strict=True)
        ]
        zero_note = text(
            f"ReLU: {zeros} of {H.shape[0]} are 0 (dark)",
            COLORS["muted"],
            13,
        ).move_to(
            [BX + BOX_W / 2 + 0.25, (YB["ffn_top"] + YB["ffn_bottom"]) / 2, 0], aligned_edge=LEFT
        )
        self.play(*fills, Appear(zero_note), run_time=0.6)
        self.show_formula("ffn", "each position on its own: (4, 8) → (4, 32) → (4, 8)")
        hold(self, at_least=3.0)
        F = self.lane(BX, YB["F"], "F", "FFN")
        self.play(Appear(F), run_time=0.4)
        hold(self, F)
        self.light()
        xcopy = self.arrive(self.X1[1], BX, YB["res2"], "+ X₁", 0.9)
        Y = self.lane(BX, YB["Y"], "Y", "= Y")
        self.play(Appear(Y), run_time=0.4)
        self.show_formula("residual2", "the block's output: encoder_block_forward's Y")
        hold(self, F, xcopy, Y, at_least=4.0)
        self.shown.add(ln2, zero_note, F, xcopy, Y)

    @beat(
        "The encoder ends with a final LayerNorm: with Pre-LN nothing inside the block "
        "normalises the residual stream, so this one does, once."
    )
    def output(self) -> None:
        """The encoder's final LayerNorm (Pre-LN leaves the stream unnormalised)."""
        self.swap_title("4. The encoder ends with a LayerNorm")
        self.light(self.boxes["lnf"])
        enc = self.lane(BX, YB["enc"], "enc", "LN(Y)")
        self.play(Appear(enc), run_time=0.4)
        self.show_formula("final", "with Pre-LN nothing normalises X, X₁, Y; this LN does, once")
        hold(self, enc, at_least=3.0)
        self.shown.add(enc)

    @beat(
        "Where the LayerNorm goes: Pre-LN, as in the notes' code and this model, beside the "
        "notes' prose formula, which normalises the sub-layer's output, and the original paper's "
        "Post-LN, which normalises after the sum."
    )
    def pre_ln(self) -> None:
        """Pre-LN (the notes' code, used here) beside the notes' prose formulas (E25) and the
        paper's Post-LN."""
        self.swap_title("Where the LayerNorm goes")
        self.play(
            Vanish(self.diagram),
            Vanish(self.shown),
            Vanish(self.legend),
            Vanish(self.slot),
            run_time=0.5,
        )
        self.slot = None
        muted, good, bad = COLORS["muted"], COLORS["activation"], COLORS["gradient"]

        def line(label: str, color: str, tex: str, why: str) -> VGroup:
            return VGroup(
                VGroup(text(label, color, 18), formula(tex, COLORS["on_dark"], 24)).arrange(
                    RIGHT, buff=0.25
                ),
                text(why, muted, 15),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)

        rows = VGroup(
            line(
                "Pre-LN, the notes' code (here):",
                good,
                FORMULAS["pre_ln"],
                "ResidualConnection: x + dropout(sublayer(norm(x))); the residual stream\n"
                "is never normalised, so the encoder ends with a LayerNorm",
            ),
            line(
                "the notes' prose (E25):",
                bad,
                FORMULAS["notes_attention"],
                "normalises the sub-layer's output: neither Pre-LN nor Post-LN",
            ),
            line(
                "… and for the FFN:",
                bad,
                FORMULAS["notes_ffn"],
                "no norm at all (their code has the same Pre-LN residual around the FFN)",
            ),
            line(
                "Post-LN, the 2017 paper:",
                COLORS["weight"],
                FORMULAS["post_ln"],
                "the norm after the sum: the stream itself is normalised in every block",
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
        rows.move_to([0, -0.3, 0])
        self.play(Appear(rows), run_time=0.6)
        hold(self, rows, at_least=7.5)
