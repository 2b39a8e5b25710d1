"""Inverted dropout: a new random mask every training step, the kept units scaled up.

A 3-8-1 network on one example. The hidden layer's units are circles coloured by their
activation ``A[1]`` (the diverging rule: blue negative, red positive); beside them three
columns: ``A[1]``, the mask ``D`` (1 keeps a unit, 0 drops it) and ``A[1] * D / keep_prob``,
the values the output layer gets. In each of three training steps a new mask is drawn: the
dropped units turn grey and lose their edges, the kept ones are divided by ``keep_prob`` (one
worked by hand in the first step). At test time there is no mask and no scaling; averaged
over many masks the scaled values equal ``A[1]``, which is why the kept ones are scaled.
Every number comes from :func:`visualdl.demos.dropout.dropout_trace`; the formulas from
:data:`visualdl.symbolic.formulas.DROPOUT`. Beats: ``intro``, ``step`` (three times),
``test``.

Render: ``visualdl render dropout``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Circle, Line, VGroup, VMobject

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import at_layer, formula
from visualdl.anim.grid import CellGrid, ColorScale
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.dropout import dropout_trace
from visualdl.symbolic.formulas import DROPOUT
from visualdl.viz.style import COLORS, value_color

__all__ = ["DROPPED", "Dropout", "first_kept"]

GAP = 0.75  # between hidden units, and the side of a table cell
X_IN, X_HID, X_OUT = -6.3, -4.6, 0.2  # the layers' x
COLS = (-3.6, -2.65, -1.55)  # the table's columns: A[1], D, A[1] * D / keep_prob
MID_Y = -0.5  # the hidden layer's centre
RIGHT_X = 2.1  # left edge of the notes on the right
DROPPED = "#3A3F4B"  # a dropped unit


def first_kept(D) -> int:
    """The first unit a mask ``D: (n, 1)`` keeps (the one worked by hand)."""
    return next(j for j in range(D.shape[0]) if D[j, 0] == 1)


class Dropout(TraceScene):
    """Three training steps with inverted dropout, then the test-time pass."""

    def construct(self) -> None:
        self.trace = dropout_trace()
        tr = self.trace
        self.keep_prob = tr.meta["keep_prob"]
        self.scale = tr.last("dropout_demo.scale").info["scale"]
        self.steps = sorted({r.context["step"] for r in tr.find("dropout1.forward")})
        self.intro()
        for t in self.steps:
            self.step(t)
        self.test()

    # -- drawing --------------------------------------------------------------------------
    def unit_y(self, j: int, n: int) -> float:
        return MID_Y + ((n - 1) / 2 - j) * GAP

    def column(self, values, x: float, scale: float | None = None, **kw) -> CellGrid:
        """An ``(n, 1)`` column of cells at ``x``, rows level with the hidden units."""
        g = CellGrid(values, cell=GAP, scale=scale, font_size=16, **kw)
        return g.move_to([x, MID_Y, 0])

    def header(self, tex: str, x: float) -> VMobject:
        return formula(tex, COLORS["on_dark"], 20).move_to([x, self.top + 0.3, 0])

    def note(self, s: str, y: float, color: str = COLORS["on_dark"], size: float = 20):
        return text(s, color, size).move_to([RIGHT_X, y, 0], aligned_edge=LEFT)

    def shade_units(self, A) -> list:
        return [
            c.animate.set_fill(value_color(A[j, 0], self.scale), 1.0).set_stroke(COLORS["muted"], 2)
            for j, c in enumerate(self.hidden)
        ]

    def set_kept(self, D) -> list:
        """Animations: grey the dropped units and hide their edges; show the kept ones'."""
        anims = []
        for j in range(D.shape[0]):
            kept = D[j, 0] == 1
            for e in [*self.w_in[j], self.w_out[j]]:
                anims.append(e.animate.set_stroke(opacity=1.0 if kept else 0.0))
            if not kept:
                anims.append(
                    self.hidden[j].animate.set_fill(DROPPED, 1.0).set_stroke(COLORS["muted"], 1)
                )
        return anims

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A small network on one example, its hidden units coloured by their activations, and the "
        "two rules of inverted dropout: a random mask keeps each unit with the keep probability, "
        "and the kept values are divided by it."
    )
    def intro(self) -> None:
        tr, p = self.trace, self.keep_prob
        first = tr.last("dense1.forward", step=self.steps[0])
        X, W1, A = first["A_prev"], first["W"], first["A"]
        W2 = tr.last("dense2.forward", step=self.steps[0])["W"]
        n_x, n = W1.shape[1], W1.shape[0]
        dims = "-".join(str(d) for d in tr.meta["layer_dims"])
        self.title = self.title_card(f"Inverted dropout, keep_prob = {fmt(p, 1)}")
        sub = text(f"a {dims} network (tanh), one example", COLORS["muted"], 18)
        sub.to_edge(RIGHT, buff=0.35).match_y(self.title)
        self.top = self.unit_y(0, n) + GAP / 2
        xs = [MID_Y + ((n_x - 1) / 2 - k) * 1.1 for k in range(n_x)]
        self.inputs = VGroup(
            *[
                Circle(0.24)
                .set_fill(value_color(X[k, 0], self.scale), 1.0)
                .set_stroke(COLORS["muted"], 2)
                .move_to([X_IN, y, 0])
                for k, y in enumerate(xs)
            ]
        )
        x_vals = VGroup(
            *[
                text(fmt(X[k, 0]), COLORS["on_dark"], 18).next_to(self.inputs[k], UP, buff=0.08)
                for k in range(n_x)
            ]
        )
        self.hidden = VGroup(
            *[Circle(0.22).move_to([X_HID, self.unit_y(j, n), 0]) for j in range(n)]
        )
        self.out_node = Circle(0.26).move_to([X_OUT, MID_Y, 0])
        self.out_node.set_fill(COLORS["activation"], 0.0).set_stroke(COLORS["muted"], 2)
        top = max(abs(float(w)) for w in W1.ravel())
        self.w_in = [
            [
                Line(
                    self.inputs[k].get_center(), self.hidden[j].get_center(), buff=0.24
                ).set_stroke(value_color(W1[j, k], top), 1 + 4 * abs(W1[j, k]) / top, 1.0)
                for k in range(n_x)
            ]
            for j in range(n)
        ]
        self.A_col = self.column(A, COLS[0], self.scale)
        top2 = max(abs(float(w)) for w in W2.ravel())
        self.w_out = [
            Line(
                [COLS[2] + GAP / 2, self.unit_y(j, n), 0], self.out_node.get_center(), buff=0.26
            ).set_stroke(value_color(W2[0, j], top2), 1 + 4 * abs(W2[0, j]) / top2, 1.0)
            for j in range(n)
        ]
        links = VGroup(
            *[
                Line(self.hidden[j].get_right(), self.A_col.squares[j][0].get_left()).set_stroke(
                    COLORS["muted"], 1, 0.5
                )
                for j in range(n)
            ]
        )
        self.heads = VGroup(
            self.header(at_layer("A^{[l]}", 1), COLS[0]),
            formula(r"x", COLORS["on_dark"], 22).next_to(x_vals, UP, buff=0.15),
            formula(r"\hat{y}", COLORS["on_dark"], 22).next_to(self.out_node, UP, buff=0.15),
        )
        key = VGroup(
            text("value", COLORS["muted"], 16), ColorScale(self.scale, width=2.2).scale(1.15)
        ).arrange(RIGHT, buff=0.2)
        key.move_to([RIGHT_X, -3.55, 0], aligned_edge=LEFT)
        self.formulas = VGroup(
            formula(at_layer(DROPOUT["mask"], 1), COLORS["on_dark"], 24),
            formula(at_layer(DROPOUT["forward"], 1), COLORS["on_dark"], 24),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        self.formulas.move_to([RIGHT_X, 2.05, 0], aligned_edge=LEFT)
        kept_by = self.note("U: uniform in [0, 1), one per unit", 1.0, COLORS["muted"], 16)
        self.show_title()
        self.play(Appear(sub), run_time=0.4)
        self.play(
            Appear(self.inputs),
            Appear(x_vals),
            Appear(self.hidden),
            Appear(self.out_node),
            *[Appear(e) for row in self.w_in for e in row],
            run_time=0.8,
        )
        self.play(
            *self.shade_units(A),
            Appear(self.A_col),
            Appear(links),
            Appear(self.heads),
            Appear(key),
            run_time=0.8,
        )
        hold(self, self.A_col, x_vals)
        self.play(Appear(self.formulas), Appear(kept_by), run_time=0.6)
        hold(self, self.formulas)
        self.sub, self.kept_by = sub, kept_by
        self.D_col = self.after = self.y_hat = None
        self.step_notes = VGroup()

    @beat(
        "A training step with a new random mask: the dropped units turn grey and send nothing, and "
        "the kept ones are divided by the keep probability before the output layer reads them."
    )
    def step(self, t: int) -> None:
        tr, p = self.trace, self.keep_prob
        A = tr.last("dense1.forward", step=t)["A"]
        drop = tr.last("dropout1.forward", step=t)
        D, after = drop["D"], drop["A"]
        y_hat = tr.last("dense2.forward", step=t)["A"][0, 0]
        n = D.shape[0]
        label = self.note(f"training step {t}: a new mask", 0.4, COLORS["loss"], 22)
        if t == self.steps[0]:
            self.D_head = self.header("D^{[1]}", COLS[1])
            self.after_head = self.header(r"A^{[1]} \odot D^{[1]} / keep\_prob", COLS[2])
            self.after_head.next_to(self.D_head, RIGHT, buff=0.25).align_to(self.D_head, DOWN)
            self.play(Appear(self.D_head), Appear(self.after_head), Appear(label), run_time=0.4)
        else:  # the last step's mask goes; the weights moved a little, so A[1] did too
            new_A = self.column(A, COLS[0], self.scale)
            moved = self.note(
                f"(step {t - 1} moved the weights: a new A[1])",
                -0.25,
                COLORS["muted"],
                16,
            )
            self.play(
                Vanish(self.D_col),
                Vanish(self.after),
                Vanish(self.y_hat),
                Vanish(self.step_notes),
                Vanish(self.A_col),
                Appear(new_A),
                *[e.animate.set_stroke(opacity=1.0) for row in self.w_in for e in row],
                *[e.animate.set_stroke(opacity=1.0) for e in self.w_out],
                *self.shade_units(A),
                Appear(label),
                Appear(moved),
                run_time=0.6,
            )
            self.A_col = new_A
            self.moved_note = moved
        D_col = self.column(D, COLS[1], muted=[(j, 0) for j in range(n) if D[j, 0] == 0])
        self.play(Appear(D_col), *self.set_kept(D), run_time=0.8)
        out = CellGrid(shape=(n, 1), cell=GAP, scale=self.scale, font_size=16)
        out.move_to([COLS[2], MID_Y, 0])
        labels = {
            j: out.label_at(j, 0, fmt(after[j, 0]), COLORS["on_dark" if D[j, 0] else "muted"])
            for j in range(n)
        }
        fills = [
            out.squares[j][0].animate.set_fill(out.fill_for(after[j, 0]), 1.0) for j in range(n)
        ]
        self.play(Appear(out), run_time=0.3)
        notes = VGroup(label, *([self.moved_note] if t != self.steps[0] else []))
        if t == self.steps[0]:  # one unit by hand: kept, so divided by keep_prob
            j = first_kept(D)
            ring = VGroup(
                self.A_col.window(j, 0, 1, COLORS["loss"], 4),
                D_col.window(j, 0, 1, COLORS["loss"], 4),
                out.window(j, 0, 1, COLORS["loss"], 4),
            )
            worked = self.note(  # three decimals, so that the division checks
                f"unit {j + 1}: {fmt(A[j, 0], 3)} × {fmt(D[j, 0], 0)} / {fmt(p, 1)} = "
                f"{fmt(after[j, 0], 3)}",
                -0.25,
            )
            self.play(Appear(ring), Appear(worked), run_time=0.5)
            self.play(Appear(labels[j]), fills[j], run_time=0.5)
            hold(self, worked)
            self.play(Vanish(ring), run_time=0.3)
            notes.add(worked)
            rest = [k for k in range(n) if k != j]
        else:
            rest = list(range(n))
        self.play(*[Appear(labels[k]) for k in rest], *[fills[k] for k in rest], run_time=0.8)
        # from now on a part of the column: taken off the scene first (Scene.remove would
        # also take them out of the column)
        self.remove(*labels.values())
        out.add(*labels.values())
        kept = int(sum(D[:, 0]))
        count = self.note(
            f"kept {kept} of {n} units, each divided\nby {fmt(p, 1)}; dropped units send 0",
            -1.0,
            COLORS["on_dark"],
            18,
        )
        y_hat_mob = text(f"= {fmt(y_hat, 3)}", COLORS["activation"], 22)
        y_hat_mob.next_to(self.out_node, RIGHT, buff=0.15)
        self.play(
            Appear(count),
            Appear(y_hat_mob),
            self.out_node.animate.set_fill(COLORS["activation"], 0.6),
            run_time=0.5,
        )
        notes.add(count)
        hold(self, D_col, out, y_hat_mob)
        self.D_col, self.after, self.y_hat, self.step_notes = D_col, out, y_hat_mob, notes

    @beat(
        "At test time there is no mask and no scaling: every unit passes its activation as it is. "
        "Averaged over many masks the scaled values come out close to those activations, which is "
        "why the kept units are scaled in training."
    )
    def test(self) -> None:
        tr = self.trace
        test = tr.last("dense1.forward", case="test")
        A = test["A"]
        y_hat = tr.last("dense2.forward", case="test")["A"][0, 0]
        mean = tr.last("dropout_demo.mean")
        n = A.shape[0]
        label = self.note("test time: no mask, no scaling", 0.4, COLORS["loss"], 22)
        new_A = self.column(A, COLS[0], self.scale)
        y_hat_mob = text(f"= {fmt(y_hat, 3)}", COLORS["activation"], 22)
        y_hat_mob.next_to(self.out_node, RIGHT, buff=0.15)
        mean_col = self.column(mean["mean"], COLS[2], self.scale)
        mean_head = self.header(
            rf"\mathrm{{mean\ of}}\ {mean.info['n_masks']}\ \mathrm{{masks}}", COLS[2]
        )
        mean_head.align_to(self.after_head, LEFT).align_to(self.after_head, DOWN)
        self.play(
            Vanish(self.D_col),
            Vanish(self.after),
            Vanish(self.y_hat),
            Vanish(self.step_notes),
            Vanish(self.D_head),
            Vanish(self.after_head),
            Vanish(self.A_col),
            Appear(new_A),
            *[e.animate.set_stroke(opacity=1.0) for row in self.w_in for e in row],
            *[e.animate.set_stroke(opacity=1.0) for e in self.w_out],
            *self.shade_units(A),
            Appear(label),
            Appear(y_hat_mob),
            run_time=0.8,
        )
        # the output layer now reads A[1] itself: every edge from the A[1] column
        moved = [
            e.animate.put_start_and_end_on(
                [COLS[0] + GAP / 2, self.unit_y(j, n), 0],
                self.out_node.get_center() + 0.26 * LEFT,
            )
            for j, e in enumerate(self.w_out)
        ]
        every = self.note(f"all {n} units, A[1] as it is", -0.25, COLORS["on_dark"], 18)
        self.play(*moved, Appear(every), run_time=0.6)
        hold(self, new_A, y_hat_mob, every)
        why = self.note(
            "Why scale in training? Averaged\n"
            "over masks, the scaled values\n"
            "equal A[1]: the next layer gets\n"
            "inputs of the same size in training\n"
            "and at test time.",
            -1.55,
            COLORS["on_dark"],
            18,
        )
        expect = formula(at_layer(DROPOUT["expectation"], 1), COLORS["on_dark"], 22)
        expect.next_to(why, DOWN, buff=0.25, aligned_edge=LEFT)
        self.play(
            *[e.animate.set_stroke(opacity=0.15) for e in self.w_out],
            Appear(mean_col),
            Appear(mean_head),
            Appear(why),
            Appear(expect),
            run_time=0.8,
        )
        hold(self, mean_col, why, expect, at_least=4.0)
