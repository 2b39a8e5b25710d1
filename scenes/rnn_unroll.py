"""The RNN cell copied along time: the forward values step by step, then backpropagation
through time with the gradient fading as it goes back.

A character model on ``"abc"`` (one-hot ``x<t>``, ``n_a = 3`` units, ``m = 1``), trained briefly
by the engine. The folded cell (a box with a loop) unrolls into ``T = 5`` copies that share
``W_ax``, ``W_aa``, ``b_a``. Forward, copy by copy: ``x<t>`` and ``a<t-1>`` go in,
``a<t> = tanh(W_ax x<t> + W_aa a<t-1> + b_a)`` comes out (one entry worked through at the first
two steps: a row of each weight times its column, plus ``b_a``), then ``y_hat<t> =
softmax(W_y a<t> + b_y)`` and the step's loss ``L<t>``. Every column is shaded by value (the
diverging rule), with its numbers. Backward (BPTT), right to left: each step's ``da<t>`` is the
output's share plus the later steps' ``W_aa^T dz<t+1>``, ``dz<t> = da<t> * (1 - a<t>^2)``, and what
the step passes back, ``W_aa^T dz<t>``, is an arrow whose width and colour follow its size; the
shared weight's gradient is the sum over the copies, ``dW_aa = (1/m) sum_t dz<t> a<t-1>^T``.
Last, one loss followed back over 20 steps: ``||dL<20> / da<t>||`` on a log scale. Every number
comes from :func:`visualdl.demos.rnn_unroll.rnn_unroll_trace` (the engine's narrating
``rnn_forward_loop`` / ``rnn_backward_loop``); formulas from
:data:`visualdl.symbolic.recurrent_formulas.RNN`. Beats: ``intro``, ``unroll``, ``forward``,
``backward``, ``shared``, ``reach``.

Render: ``visualdl render rnn-unroll``.
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
from visualdl.anim.timeline import CellBox, GradientFlow, LogBars, Unrolled, loop_arrow, sci
from visualdl.demos.rnn_unroll import rnn_unroll_trace
from visualdl.symbolic.recurrent_formulas import RNN, step
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["RNNUnroll", "worked_lines"]

CELL = 0.48  # side of a column's cell in the chain
DETAIL_CELL = 0.44  # ... and in the band under it
CHAIN_Y = 0.45  # the copies' centre line
TOP_DY, BOTTOM_DY = 1.6, 1.6  # y_hat (then da) above a copy, x (then dz) below it
L_Y = 3.0  # the row of the steps' losses
LETTER_Y = -2.05  # the input characters, under the x columns
BAND_Y = -2.5  # top line of the band under the chain (formulas, weights, worked entries)
UNIT = 0  # the unit (row) of the worked entries
STRIP_X = 6.05  # the colour strips, at the right edge
WORK = COLORS["loss"]  # frames and arithmetic of a worked entry
NUMBER_SIZE = 13  # numbers in the cells


def worked_lines(tr: Trace, t: int, unit: int = UNIT) -> list[str]:
    """The worked entry of ``a<t>`` (``t`` 1-based), unit ``unit``: a muted head, then row
    ``unit`` of ``W_ax`` times ``x<t>``, of ``W_aa`` times ``a<t-1>``, plus ``b_a``, each factor
    as the grids show it, and the engine's ``z`` and ``a``."""
    p = tr.last("rnn_unroll_demo.params")
    s = tr.last("rnn.step", case="unroll", t=t - 1)
    Wax, Waa, ba = (CellGrid(p[k]).texts for k in ("Wax", "Waa", "ba"))
    x, a_prev = CellGrid(s["x_t"]).texts, CellGrid(s["a_prev"]).texts
    n_x, n_a = len(x), len(a_prev)
    i = unit
    return [
        f"unit {i + 1} of a⟨{t}⟩: (row {i + 1} of W_ax) x⟨{t}⟩ + (row {i + 1} of W_aa) "
        f"a⟨{t - 1}⟩ + b_a",
        "z = " + " + ".join(f"({Wax[i][k]})({x[k][0]})" for k in range(n_x)),
        "  + " + " + ".join(f"({Waa[i][k]})({a_prev[k][0]})" for k in range(n_a)),
        f"  + ({ba[i][0]}) = {fmt(s['z'][i, 0])},   tanh({fmt(s['z'][i, 0])}) = "
        f"{CellGrid(s['a']).texts[i][0]}",
    ]


def strip(scale: float, name: str, color: str) -> VGroup:
    """A colour strip with its name above it."""
    return VGroup(text(name, color, 15), ColorScale(scale, width=1.3, font_size=13)).arrange(
        DOWN, buff=0.08
    )


def _frame(m: VMobject, color: str = WORK) -> SurroundingRectangle:
    return SurroundingRectangle(m, color=color, buff=0.04, stroke_width=3)


class RNNUnroll(TraceScene):
    """The folded RNN cell, unrolled into T copies; forward step by step; BPTT; reach."""

    title_size = 26

    def construct(self) -> None:
        self.trace = rnn_unroll_trace()
        tr = self.trace
        self.p = tr.last("rnn_unroll_demo.params")
        self.out = tr.last("rnn_unroll_demo.output")
        self.fwd = tr.find("rnn.step", case="unroll")
        self.bwd = {r.info["t"]: r for r in tr.find("rnn.step_backward", case="unroll")}
        self.T = len(self.fwd)
        self.w_scale = value_scale(*(self.p[k] for k in ("Wax", "Waa", "ba")))
        self.g_scale = value_scale(
            *(r[k] for r in self.bwd.values() for k in ("da", "da_next", "dz", "da_prev"))
        )
        self.intro()
        self.unroll()
        self.forward()
        self.backward()
        self.shared()
        self.reach()

    # -- helpers --------------------------------------------------------------------------
    def column(self, values, at, scale: float = 1.0, cell: float = CELL) -> CellGrid:
        """An ``(n, 1)`` column of cells shaded by value, centred at ``at``."""
        return CellGrid(values, cell=cell, scale=scale, font_size=NUMBER_SIZE).move_to(at)

    def weight_grid(self, key: str) -> CellGrid:
        return CellGrid(self.p[key], cell=CELL, scale=self.w_scale, font_size=NUMBER_SIZE)

    def target(self, t: int) -> int:
        """The row of the character to predict at step ``t`` (1-based)."""
        Y = self.out["Y"]
        return next(i for i in range(Y.shape[0]) if Y[i, 0, t - 1] == 1)

    def row_letters(self, grid: CellGrid) -> VGroup:
        """The alphabet beside a one-hot or probability column: the character of each row."""
        return VGroup(
            *[
                text(c, COLORS["muted"], 14).next_to(grid.squares[i][0], LEFT, buff=0.08)
                for i, c in enumerate(self.p.info["alphabet"])
            ]
        )

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A character model built from one RNN cell with a loop: it reads a one-hot character and "
        "its own previous state, and predicts the next character. Its equations and its weights "
        "after a short training come first."
    )
    def intro(self) -> None:
        info = self.p.info
        self.title = self.title_card("The RNN: one cell, copied along time")
        self.sub = self.subtitle(
            f"a character model on '{info['alphabet']}': x⟨t⟩ one-hot (n_x = 3), n_a = 3, "
            "m = 1; trained by the engine",
        )
        cell = CellBox("RNN cell", 1.7, 1.0, font_size=20).move_to([-4.6, 0.6, 0])
        loop = loop_arrow(cell, gap=0.25)
        x_in = Arrow(cell.get_bottom() + 0.9 * DOWN, cell.get_bottom(), buff=0.05)
        y_out = Arrow(cell.get_top(), cell.get_top() + 0.9 * UP, buff=0.05)
        for arrow in (x_in, y_out):
            arrow.set_color(COLORS["muted"])
        names = VGroup(
            formula(step("x", "t"), COLORS["input"], 24).next_to(x_in, DOWN, buff=0.1),
            formula(step(r"\hat{y}", "t"), COLORS["activation"], 24).next_to(y_out, UP, buff=0.1),
            formula(step("a", "t-1"), COLORS["activation"], 20).next_to(loop, RIGHT, buff=0.1),
        )
        self.folded = VGroup(cell, loop, x_in, y_out, names)
        eqs = VGroup(
            formula(RNN["cell"], COLORS["on_dark"], 26),
            formula(RNN["output"], COLORS["on_dark"], 26),
            formula(RNN["loss"], COLORS["on_dark"], 26),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        eqs.move_to([2.0, 1.2, 0])
        self.show_title()
        self.play(Appear(self.sub), Appear(self.folded), run_time=0.7)
        self.play(Appear(eqs), run_time=0.6)
        hold(self, eqs, at_least=4.0)
        self.weights = {k: self.weight_grid(k) for k in ("Wax", "Waa", "ba")}
        row = VGroup(*self.weights.values()).arrange(RIGHT, buff=0.6).move_to([2.0, -1.5, 0])
        self.w_names = self.weight_names(UP)
        self.w_strip = strip(self.w_scale, "W, b", COLORS["weight"]).move_to([STRIP_X, 3.35, 0])
        note = text("the cell's weights, after training", COLORS["muted"], 18)
        note.next_to(row, DOWN, buff=0.3)
        self.play(*[Appear(m) for m in (row, self.w_names, self.w_strip, note)], run_time=0.6)
        hold(self, row)
        self.play(Vanish(eqs), Vanish(note), run_time=0.3)

    def weight_names(self, side) -> VGroup:
        return VGroup(
            *[
                formula(tex, COLORS["weight"], 22).next_to(g, side, buff=0.12)
                for tex, g in zip(("W_{ax}", "W_{aa}", "b_a"), self.weights.values(), strict=True)
            ]
        )

    @beat(
        "The loop unrolls into one copy of the cell per time step, and every copy uses the same "
        "weights."
    )
    def unroll(self) -> None:
        T = self.T
        self.chain = Unrolled(T, spacing=2.3, start_x=-5.05, y=CHAIN_Y, slot_width=CELL)
        for t, box in enumerate(self.chain.boxes, start=1):
            box.add(text(f"t = {t}", COLORS["on_dark"], 15).move_to(box))
        cell = self.folded[0]
        self.play(
            Vanish(self.folded[1:]),
            cell.animate.move_to(self.chain.center(1)).scale_to_fit_width(
                self.chain.boxes[0].width
            ),
            run_time=0.6,
        )
        self.remove(cell)
        at = {"Wax": -5.55, "Waa": -3.25, "ba": -1.7}
        moved = [
            g.animate.move_to([x, BAND_Y - 0.72, 0])
            for g, x in zip(self.weights.values(), at.values(), strict=True)
        ]
        shared = text("the same W_ax, W_aa, b_a at every step", COLORS["on_dark"], 20)
        shared.move_to([2.9, BAND_Y - 0.7, 0])
        self.play(
            *[Appear(b, shift=0.5 * LEFT) for b in self.chain.boxes],
            Appear(self.chain.links),
            *moved,
            Vanish(self.w_names),
            run_time=0.9,
        )
        self.w_names = self.weight_names(LEFT)
        self.play(Appear(self.w_names), Appear(shared), run_time=0.4)
        hold(self, shared, at_least=3.0)
        self.play(Vanish(shared), run_time=0.3)

    @beat(
        "The forward pass, one step at a time: each copy combines its input with the state from "
        "the step before, squashes it with tanh, and predicts the next character, with a loss per "
        "step. At the first two steps one entry of the state is worked by hand, and the losses "
        "add up to the total."
    )
    def forward(self) -> None:
        ch, T = self.chain, self.T
        self.swap_title("Forward: one step at a time", Vanish(self.sub), color=COLORS["activation"])
        chars = self.p.info["chars"]
        a0 = self.column(self.fwd[0]["a_prev"], ch.state_at(0))
        self.a_cols = [a0]
        self.x_cols, self.y_cols, self.losses, self.arrows = [], [], [], VGroup()
        left = ch.state_at(0)[0]
        rows = VGroup(
            formula(step(r"\hat{y}", "t"), COLORS["activation"], 20).move_to(
                [left, CHAIN_Y + TOP_DY, 0]
            ),
            formula(step("L", "t"), COLORS["loss"], 20).move_to([left, L_Y, 0]),
            formula(step("x", "t"), COLORS["input"], 20).move_to([left, CHAIN_Y - BOTTOM_DY, 0]),
            formula(step("a", 0) + " = 0", COLORS["activation"], 18).next_to(a0, UP, buff=0.12),
        )
        self.a_strip = strip(1.0, "a, x, ŷ", COLORS["activation"]).move_to([STRIP_X, 2.6, 0])
        self.cell_eq = formula(RNN["cell"], COLORS["on_dark"], 22)
        self.cell_eq.move_to([-0.6, BAND_Y, 0], aligned_edge=LEFT)
        self.play(*[Appear(m) for m in (a0, rows, self.a_strip, self.cell_eq)], run_time=0.6)
        hold(self, a0, self.cell_eq)
        for t in range(1, T + 1):
            s = self.fwd[t - 1]
            box = ch.boxes[t - 1]
            x = self.column(s["x_t"], ch.below(t, BOTTOM_DY))
            letter = text(f"'{chars[t - 1]}'", COLORS["input"], 16).move_to(
                [x.get_x(), LETTER_Y, 0]
            )
            a = self.column(s["a"], ch.state_at(t))
            y = self.column(self.out["y_hat"][:, :, t - 1], ch.above(t, TOP_DY))
            aim = y.window(self.target(t), 0, 1, WORK, 3)
            L = text(f"L = {fmt(self.out['L'][t - 1])}", COLORS["loss"], 15).move_to(
                [ch.center(t)[0], L_Y, 0]
            )
            arrows = VGroup(
                Arrow(x.get_top(), box.get_bottom(), buff=0.04, stroke_width=3),
                Arrow(box.get_top(), y.get_bottom(), buff=0.04, stroke_width=3),
            ).set_color(COLORS["muted"])
            extra = [self.row_letters(x), self.row_letters(y)] if t == 1 else []
            glow = box.frame.animate.set_stroke(COLORS["loss"], 4)
            if t <= 2:  # the worked entries: the first step, and the first with a real a<t-1>
                self.play(
                    glow,
                    Appear(x),
                    Appear(letter),
                    Appear(arrows[0]),
                    *map(Appear, extra[:1]),
                    run_time=0.6,
                )
                self.worked(t, x)
                self.play(Appear(a), run_time=0.4)
                self.play(*[Appear(m) for m in (arrows[1], y, aim, L, *extra[1:])], run_time=0.5)
                hold(self, a, y, L, n_entries=7, at_least=3.0)
                if t == 1:
                    aim_note = text(
                        "framed: the character that comes next", COLORS["muted"], 14
                    ).next_to(y, RIGHT, buff=0.25)
                    self.play(Appear(aim_note), run_time=0.3)
                    hold(self, aim_note)
                    self.play(Vanish(aim_note), run_time=0.2)
            else:
                self.play(
                    glow, *[Appear(m) for m in (x, letter, arrows, a, y, aim, L)], run_time=0.8
                )
                hold(self, x, a, y, n_entries=10)
            self.play(box.frame.animate.set_stroke(COLORS["activation"], 2.5), run_time=0.2)
            self.a_cols.append(a)
            self.x_cols.append(VGroup(x, *extra[:1]))
            self.y_cols.append(VGroup(y, aim, *extra[1:]))
            self.losses.append(L)
            self.letters = getattr(self, "letters", VGroup())
            self.letters.add(letter)
            self.arrows.add(arrows)
        self.rows = rows
        total = text(
            f"L = L⟨1⟩ + … + L⟨{T}⟩ = {fmt(self.out.info['J'])}", COLORS["loss"], 20
        ).next_to(self.cell_eq, DOWN, buff=0.4, aligned_edge=LEFT)
        self.play(Appear(total), run_time=0.4)
        hold(self, total, at_least=3.0)
        self.play(Vanish(total), Vanish(self.cell_eq), run_time=0.3)

    def worked(self, t: int, x: CellGrid) -> None:
        """Unit ``UNIT`` of ``a<t>`` by hand: the rows of the weights framed, the factors, the
        engine's ``z`` and ``a``."""
        lines = worked_lines(self.trace, t)
        shown = VGroup(
            text(lines[0], COLORS["muted"], 15), *[text(s, WORK, 16) for s in lines[1:]]
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.09)
        shown.next_to(self.cell_eq, DOWN, buff=0.15).align_to(self.cell_eq, LEFT)
        Wax, Waa, ba = self.weights.values()
        frames = VGroup(
            _frame(VGroup(*Wax.squares[UNIT])),
            _frame(VGroup(*Waa.squares[UNIT])),
            _frame(ba.squares[UNIT][0]),
            _frame(x),
            _frame(self.a_cols[t - 1]),
        )
        self.play(Appear(frames), Appear(shown, shift=0.2 * UP), run_time=0.6)
        hold(self, shown, n_entries=sum(s.count("(") for s in lines))
        self.play(Vanish(frames), Vanish(shown), run_time=0.3)

    @beat(
        "Backpropagation through time, right to left: each step's gradient is the share from its "
        "own output plus whatever the next step sends back, passed through the tanh derivative. "
        "The arrow to the step before is as wide as what it carries."
    )
    def backward(self) -> None:
        ch, T = self.chain, self.T
        self.swap_title(
            "Backward through time: the gradient flows right to left", color=COLORS["gradient"]
        )
        g = self.g_scale
        self.g_strip = strip(g, "gradients", COLORS["gradient"]).move_to([STRIP_X, 1.85, 0])
        eqs = VGroup(
            formula(RNN["da"], COLORS["on_dark"], 22), formula(RNN["dz"], COLORS["on_dark"], 22)
        ).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        eqs.move_to([0, BAND_Y - 0.7, 0])
        left = ch.state_at(0)[0]
        heads = VGroup(
            formula(step("da", "t"), COLORS["gradient"], 20).move_to([left, CHAIN_Y + TOP_DY, 0]),
            formula(step("dz", "t"), COLORS["gradient"], 20).move_to(
                [left, CHAIN_Y - BOTTOM_DY, 0]
            ),
        )
        self.play(
            Vanish(VGroup(*self.weights.values(), self.w_names)),
            *[Vanish(m) for m in (*self.x_cols, *self.y_cols)],
            *[Vanish(a) for a in self.arrows],
            Vanish(self.rows[0]),
            Vanish(self.rows[2]),
            Vanish(self.chain.links),
            Appear(eqs),
            Appear(heads),
            Appear(self.g_strip),
            Vanish(self.w_strip),
            run_time=0.7,
        )
        hold(self, eqs, at_least=4.0)
        self.flows, self.dz_cols, self.da_cols, detail = [], [], [], eqs
        sizes = self.trace.last("rnn_unroll_demo.flow")["da_prev_norm"]
        for t in range(T, 0, -1):
            b, s = self.bwd[t - 1], self.fwd[t - 1]
            box = ch.boxes[t - 1]
            da = self.column(b["da"], ch.above(t, TOP_DY), g)
            dz = self.column(b["dz"], ch.below(t, BOTTOM_DY), g)
            start = box.get_left() + 0.04 * LEFT
            end = ch.state_at(t - 1) + RIGHT * (CELL / 2 + 0.04)
            flow = GradientFlow(start, end, sizes[t - 1], g * 1.5, label=fmt(sizes[t - 1]))
            new = self.detail_row(t, b, s)
            glow = box.frame.animate.set_stroke(COLORS["gradient"], 4)
            if t >= T - 1:  # the first two steps back part by part, the rest at once
                self.play(Vanish(detail), glow, Appear(da), Appear(new[0]), run_time=0.5)
                self.play(Appear(new[1]), Appear(dz), run_time=0.5)
                self.play(Appear(new[2]), Appear(flow), run_time=0.5)
            else:
                self.play(
                    Vanish(detail), glow, *[Appear(m) for m in (da, new, dz, flow)], run_time=0.7
                )
            hold(self, new, n_entries=15)
            self.play(box.frame.animate.set_stroke(COLORS["activation"], 2.5), run_time=0.2)
            detail = new
            self.flows.append(flow)
            self.dz_cols.append(dz)
            self.da_cols.append(da)
        self.play(Vanish(detail), run_time=0.3)
        self.heads = heads

    def detail_row(self, t: int, b, s) -> VGroup:
        """Step ``t``'s backward in three parts (the two shares of ``da<t>``; ``dz<t>``; what
        goes back to step ``t - 1``), each column with its name above."""
        g = self.g_scale

        def col(values, name: str, color: str, scale: float) -> VGroup:
            grid = CellGrid(values, cell=DETAIL_CELL, scale=scale, font_size=NUMBER_SIZE)
            return VGroup(grid, formula(name, color, 18).next_to(grid, UP, buff=0.08))

        later = "W_{aa}^T " + step("dz", t + 1) if t < self.T else r"\mathrm{no\ later\ step}"
        shares = VGroup(
            text("(", COLORS["on_dark"], 30),
            col(b["da"], r"W_y^T(\hat{y} - y)", COLORS["gradient"], g),
            text("+", COLORS["on_dark"], 24),
            col(b["da_next"], later, COLORS["gradient"], g),
            text(")", COLORS["on_dark"], 30),
        )
        tanh = VGroup(
            text("⊙ (1 −", COLORS["on_dark"], 22),
            col(s["a"], step("a", t), COLORS["activation"], 1.0),
            text("²) =", COLORS["on_dark"], 22),
            col(b["dz"], step("dz", t), COLORS["gradient"], g),
        )
        back = VGroup(
            text("→ back:", COLORS["on_dark"], 20),
            col(b["da_prev"], "W_{aa}^T " + step("dz", t), COLORS["gradient"], g),
        )
        parts = VGroup(shares, tanh, back)
        for part in parts:
            part.arrange(RIGHT, buff=0.14)
            for m in part:
                core = m[0] if isinstance(m, VGroup) else m
                m.shift(UP * (0 - core.get_center()[1]))
        parts.arrange(RIGHT, buff=0.45).move_to([0, 0, 0])
        grids = [m[0] for part in parts for m in part if isinstance(m, VGroup)]
        parts.shift(UP * (BAND_Y - 0.8 - grids[0].get_center()[1]))
        return parts

    @beat(
        "Every copy uses the same recurrent weights, so the gradient of those weights is the sum "
        "of what each copy contributes."
    )
    def shared(self) -> None:
        ch = self.chain
        grads = self.trace.last("rnn_unroll_demo.grads")
        dWaa = CellGrid(grads["dWaa"], cell=DETAIL_CELL, scale=self.g_scale, font_size=NUMBER_SIZE)
        eq = formula(RNN["dWaa"], COLORS["on_dark"], 24)
        note = text(
            "every copy uses the same W_aa,\nso its gradient is the sum\nover the copies (m = 1)",
            COLORS["on_dark"],
            17,
        )
        dWaa = VGroup(dWaa, formula("dW_{aa}", COLORS["gradient"], 18).next_to(dWaa, UP, buff=0.08))
        shown = VGroup(note, eq, dWaa).arrange(RIGHT, buff=0.5).move_to([-0.3, BAND_Y - 0.78, 0])
        frames = VGroup(
            *[_frame(c, COLORS["gradient"]) for c in self.dz_cols],
            *[_frame(a, COLORS["activation"]) for a in self.a_cols[:-1]],
        )
        self.play(Appear(shown), Appear(frames), run_time=0.7)
        hold(self, dWaa, eq, at_least=4.0)
        self.play(
            Vanish(VGroup(shown, frames, ch.boxes, self.heads, self.rows[1], self.rows[3])),
            *[Vanish(m) for m in (*self.a_cols, *self.dz_cols, *self.da_cols, *self.flows)],
            *[Vanish(m) for m in (*self.losses, self.letters)],
            run_time=0.6,
        )

    @beat(
        "One loss at the end of a longer sequence, followed back step by step on a log scale: each "
        "step back multiplies the gradient by the same kind of factor, and it shrinks until the "
        "early steps get almost nothing. This is the vanishing gradient."
    )
    def reach(self) -> None:
        tr = self.trace
        r = tr.last("rnn_unroll_demo.reach")
        norm, ratio, T = r["norm"], r["ratio"], r.info["T"]
        self.swap_title(
            f"How far back does one loss reach? L⟨T⟩ alone, T = {T}",
            color=COLORS["gradient"],
        )
        sub = self.subtitle(
            f"the same weights on '{self.p.info['long_chars']}'; the earlier labels are\n"
            "padding, so only the last step's loss sends a gradient back"
        )
        bars = LogBars(norm, low=-10, high=0, width=10.5, height=3.4, tick_every=2, font_size=18)
        bars.move_to([0.5, -0.05, 0])
        shown = [k for k in range(T) if (k + 1) % 5 == 0 or k == 0]
        steps = VGroup(
            *[
                text(f"{k + 1}", COLORS["muted"], 14).move_to(
                    [bars.bars[k].get_x(), bars.axis.get_bottom()[1] - 0.2, 0]
                )
                for k in shown
            ]
        )
        axis_name = text("time step t", COLORS["muted"], 15).next_to(steps, DOWN, buff=0.12)
        y_name = formula(
            r"\|\partial L^{\langle " + str(T) + r" \rangle} / \partial a^{\langle t \rangle}\|",
            COLORS["gradient"],
            20,
        )
        y_name.next_to(bars, UP, buff=0.1).align_to(bars, LEFT)
        labels = VGroup(
            *[
                text(sci(norm[k]), COLORS["gradient"], 13).next_to(bars.top_of(k), UP, buff=0.06)
                for k in shown
            ]
        )
        self.play(
            *[Vanish(m) for m in (self.a_strip, self.g_strip)],
            *[Appear(m) for m in (sub, bars, steps, axis_name, y_name)],
            run_time=0.8,
        )
        self.play(Appear(labels), run_time=0.5)
        hold(self, labels, bars, n_entries=len(labels) + 4)
        eq = formula(RNN["reach"], COLORS["on_dark"], 22).move_to([-2.6, -3.3, 0])
        verdict = text(
            f"each step back multiplies by W_aaᵀ diag(1 − a²):\n{T - 1} steps back the "
            f"gradient is\n{sci(ratio[0])} of its size at step {T}",
            COLORS["on_dark"],
            17,
        ).next_to(eq, RIGHT, buff=0.4)
        self.play(Appear(eq), Appear(verdict), run_time=0.6)
        hold(self, eq, verdict, at_least=5.0)
