"""The GRU's two gates at work: the reset gate masks the history the candidate reads, the update
gate mixes the old state and the candidate, unit by unit.

A GRU with ``n_a = 2`` units, trained by the engine to remember the first of 5 bits (the
memory task), reads one sequence. The cell diagram and the course's equations come first (the
engine's default ``update="candidate"``: ``Gamma_u`` weights the candidate; PyTorch's ``z = 1 -
Gamma_u``). Then, step by step, a worksheet: ``Gamma_r = sigma(W_r [a<t-1>, x<t>] + b_r)`` (one
entry worked at the first step), ``Gamma_r * a<t-1>`` (history scaled toward 0 where ``Gamma_r``
is small), the candidate ``c~<t> = tanh(W_c [Gamma_r * a<t-1>, x<t>] + b_c)``, ``Gamma_u =
sigma(W_u [a<t-1>, x<t>] + b_u)``, and the mix ``a<t> = Gamma_u * c~<t> + (1 - Gamma_u) * a<t-1>``
as one slider per unit: a bar split by ``Gamma_u`` between the old value's colour and the
candidate's. The states gather along a strip of the unrolled steps. Last, both readings of the
same gate over all steps (``Gamma_u``, and PyTorch's ``z`` from the engine run with
``update="state"`` and ``W_u, b_u`` negated: the same states) and the model's prediction. Every
number comes from :func:`visualdl.demos.gru_gates.gru_gates_trace` (the engine's narrating
``gru_forward_loop``); formulas from :data:`visualdl.symbolic.recurrent_formulas.GRU`. Values
are colours by the diverging rule, gates in ``[0, 1]`` from dark (closed) to red (open). Beats:
``intro``, ``step`` (five times), ``readings``.

Render: ``visualdl render gru-gates``.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Line,
    SurroundingRectangle,
    VGroup,
    VMobject,
)

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, ColorScale
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.anim.timeline import CellBox, MixBar, Unrolled
from visualdl.demos.gru_gates import gru_gates_trace
from visualdl.symbolic.recurrent_formulas import GRU, step
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["GRUGates", "memory_story", "memory_unit", "worked_mix", "worked_reset"]

CELL = 0.46  # a column's cell in the worksheet
STRIP_CELL = 0.4  # ... and in the strip of unrolled steps
MIX_CELL = 0.5  # the new state's cells beside the sliders (one per slider)
ROWS = {"reset": 1.3, "masked": 0.3, "candidate": -0.7, "update": -1.7, "state": -3.0}
NUM_X = -1.1  # where the worksheet's numbers start
FORMULA_X = -6.9  # left edge of the worksheet's formulas
STRIP_Y = 2.55  # the unrolled strip
MIX_WIDTH = 2.6  # a slider's width
WORK = COLORS["loss"]  # frames and arithmetic of a worked entry
GATE = COLORS["update"]  # names of the gates
NUMBER_SIZE = 14


def memory_unit(tr: Trace) -> int:
    """The unit that takes the most of its candidate at the first step (the largest
    ``Gamma_u`` then): the one that writes the first bit."""
    u = tr.last("gru.step", update="candidate", t=0)["u"]
    return max(range(u.shape[0]), key=lambda j: u[j, 0])


def worked_reset(tr: Trace, unit: int = 0) -> list[str]:
    """``Gamma_r`` of ``unit`` at the first step by hand: a muted head, row ``unit`` of ``W_r``
    times ``[a<0>; x<1>]`` plus ``b_r`` (factors as the grids show them), the engine's ``z_r``
    and ``r``."""
    p = tr.last("gru_gates_demo.params")
    s = tr.last("gru.step", update="candidate", t=0)
    W, b = CellGrid(p["Wr"]).texts[unit], CellGrid(p["br"]).texts[unit][0]
    inputs = [r[0] for r in CellGrid(s["a_prev"]).texts] + [r[0] for r in CellGrid(s["x_t"]).texts]
    terms = " + ".join(f"({w})({v})" for w, v in zip(W, inputs, strict=True))
    return [
        f"unit {unit + 1}: row {unit + 1} of W_r times [a⟨0⟩; x⟨1⟩], plus b_r",
        f"= σ({terms} + ({b}))",
        f"= σ({fmt(s['z_r'][unit, 0])}) = {fmt(s['r'][unit, 0])}",
    ]


def worked_mix(tr: Trace, t: int, unit: int) -> str:
    """The mix of ``unit`` at step ``t`` (1-based) by hand: ``Gamma_u c~ + (1 - Gamma_u)
    a<t-1>``, ``1 - Gamma_u`` read from the engine's run with PyTorch's convention (its ``z``)."""
    s = tr.last("gru.step", update="candidate", t=t - 1)
    z = tr.last("gru.step", update="state", t=t - 1)["u"]
    u, cc, a_prev, a = (fmt(s[k][unit, 0]) for k in ("u", "cc", "a_prev", "a"))
    return (
        f"unit {unit + 1}: Γ_u c̃ + (1 − Γ_u) a⟨{t - 1}⟩ = ({u})({cc}) + ({fmt(z[unit, 0])})"
        f"({a_prev}) = {a}"
    )


def memory_story(tr: Trace, unit: int) -> str:
    """What ``unit`` did, from the numbers: it takes its candidate at the first step, keeps its
    state where ``Gamma_u < 0.5`` later, and where the gate opens later its candidate lies
    near the old state."""
    steps = tr.find("gru.step", update="candidate")
    u = [float(r["u"][unit, 0]) for r in steps]
    shut = [k for k in range(1, len(u)) if u[k] < 0.5]
    opened = [k for k in range(1, len(u)) if u[k] >= 0.5]
    a = [float(r["a"][unit, 0]) for r in steps]
    lines = [
        f"unit {unit + 1} takes its candidate at step 1 (Γ_u = {fmt(u[0])}): it writes the "
        "first bit;",
        f"at steps {', '.join(str(k + 1) for k in shut)} its Γ_u is "
        f"{', '.join(fmt(u[k]) for k in shut)}: it keeps its state",
    ]
    for k in opened:
        r = steps[k]
        lines[-1] += (
            f";\nat step {k + 1} (Γ_u = {fmt(u[k])}) its candidate, {fmt(r['cc'][unit, 0])}, "
            f"lies near its state, {fmt(r['a_prev'][unit, 0])}"
        )
    return "\n".join(lines) + f"; from step 1 to {len(u)}: {fmt(a[0])} → {fmt(a[-1])}."


def _frame(m: VMobject, color: str = WORK) -> SurroundingRectangle:
    return SurroundingRectangle(m, color=color, buff=0.04, stroke_width=3)


class GRUGates(TraceScene):
    """The GRU cell; five steps of its gates on a trained model; two readings of Gamma_u."""

    title_size = 26

    def construct(self) -> None:
        self.trace = gru_gates_trace()
        tr = self.trace
        self.p = tr.last("gru_gates_demo.params")
        self.steps = tr.find("gru.step", update="candidate")
        self.masked = {r.info["t"]: r["masked"] for r in tr.find("gru_gates_demo.masked")}
        self.T = len(self.steps)
        self.memory = memory_unit(tr)
        self.intro()
        for t in range(1, self.T + 1):
            self.step(t)
        self.readings()

    # -- helpers --------------------------------------------------------------------------
    def column(self, values, kind: str, cell: float = CELL) -> CellGrid:
        """A column of ``values``: ``kind`` "gate" (shaded 0..1), "value" (shaded -1..1) or
        "pre" (a pre-activation: numbers only)."""
        scale = None if kind == "pre" else 1.0
        return CellGrid(values, cell=cell, scale=scale, font_size=NUMBER_SIZE)

    def bit(self, t: int) -> str:
        """The input bit of step ``t`` (1-based) with its sign, ``+1`` or ``−1``."""
        v = self.p["x"][0, 0, t - 1]
        return ("+" if v > 0 else "") + fmt(v, 0)

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A small GRU trained to remember the first bit of a sequence: its cell and the course's "
        "equations, where the reset gate masks the history the candidate reads and the update gate "
        "mixes the old state with the candidate. PyTorch reads the same gate the other way round, "
        "as one minus the course's gate."
    )
    def intro(self) -> None:
        info, T = self.p.info, self.T
        self.title = self.title_card("GRU: the update gate mixes old state and candidate")
        sub = self.subtitle(
            f"n_a = 2 units, trained by the engine to remember the first of {T} bits "
            f"({fmt(100 * info['accuracy'], 0)}% right on {info['n_test']} fresh sequences)"
        )
        diagram = self.diagram().scale(0.92).move_to([-3.55, -0.3, 0])
        eqs = VGroup(
            *[formula(GRU[k], COLORS["on_dark"], 22) for k in ("reset", "candidate", "update")],
            formula(GRU["state"], COLORS["on_dark"], 22),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.32)
        eqs.move_to([3.4, 0.9, 0])
        notes = VGroup(
            text(
                'the engine\'s default (update="candidate"):\n'
                "Γ_u weights the candidate, as in the course",
                COLORS["muted"],
                15,
            ),
            VGroup(
                text("PyTorch reads the gate the other way round:", COLORS["muted"], 15),
                formula(GRU["z"], COLORS["muted"], 18),
            ).arrange(RIGHT, buff=0.15),
            formula(GRU["pytorch"], COLORS["muted"], 18),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
        notes.next_to(eqs, DOWN, buff=0.45, aligned_edge=LEFT)
        self.show_title()
        self.play(Appear(sub), Appear(diagram), run_time=0.7)
        self.play(Appear(eqs), run_time=0.6)
        hold(self, eqs, at_least=5.0)
        self.play(Appear(notes), run_time=0.5)
        hold(self, notes, at_least=4.0)
        self.play(*[Vanish(m) for m in (sub, diagram, eqs, notes)], run_time=0.4)
        self.setup_sheet()

    def diagram(self) -> VGroup:
        """The cell: the state line on top (a<t-1> to the mix to a<t>), the reset gate and the
        masking product, the candidate, the update gate feeding the mix."""
        muted = COLORS["muted"]
        y_top, y_mid, y_low = 1.6, 0.45, -0.75
        x_in, x_r, x_c, x_u, x_out = -2.9, -1.5, 0.0, 1.6, 2.9
        mix = Circle(0.3).set_stroke(COLORS["activation"], 3).move_to([x_u, y_top, 0])
        mix_label = text("mix", COLORS["on_dark"], 15).move_to(mix)
        odot = Circle(0.2).set_stroke(GATE, 3).move_to([x_r, y_mid, 0])
        odot_label = text("⊙", COLORS["on_dark"], 20).move_to(odot)
        r_box = CellBox("σ", 0.8, 0.55, GATE, 22).move_to([x_r, y_low, 0])
        u_box = CellBox("σ", 0.8, 0.55, GATE, 22).move_to([x_u, y_low, 0])
        c_box = CellBox("tanh", 0.95, 0.55, COLORS["activation"], 18).move_to([x_c, y_mid, 0])

        def arrow(a, b) -> Arrow:
            return Arrow(a, b, buff=0.02, stroke_width=3, tip_length=0.16)

        wires = VGroup(
            Line([x_in + 0.35, y_top, 0], mix.get_left()),
            arrow(mix.get_right(), [x_out - 0.3, y_top, 0]),
            arrow([x_r, y_top, 0], odot.get_top()),
            arrow(r_box.get_top(), odot.get_bottom()),
            arrow(odot.get_right(), c_box.get_left()),
            arrow(c_box.get_top(), mix.get_bottom() + 0.1 * LEFT),
            arrow(u_box.get_top(), mix.get_bottom()),
            arrow([x_r, y_low - 1.0, 0], r_box.get_bottom()),
            arrow([x_u, y_low - 1.0, 0], u_box.get_bottom()),
            arrow([x_c, y_low - 1.0, 0], c_box.get_bottom()),
        ).set_color(muted)
        names = VGroup(
            formula(step("a", "t-1"), COLORS["activation"], 22).next_to(
                [x_in + 0.35, y_top, 0], LEFT, buff=0.1
            ),
            formula(step("a", "t"), COLORS["activation"], 22).next_to(
                [x_out - 0.3, y_top, 0], RIGHT, buff=0.1
            ),
            formula(r"\Gamma_r", GATE, 22).next_to(r_box, LEFT, buff=0.15),
            formula(r"\Gamma_u", GATE, 22).next_to(u_box, RIGHT, buff=0.15),
            formula(step(r"\tilde{c}", "t"), COLORS["activation"], 22)
            .next_to(c_box, RIGHT, buff=0.12)
            .shift(0.15 * DOWN),
            formula(f"[{step('a', 't-1')}, {step('x', 't')}]", COLORS["input"], 17).move_to(
                [x_r, y_low - 1.25, 0]
            ),
            formula(step("x", "t"), COLORS["input"], 17).move_to([x_c, y_low - 1.25, 0]),
            formula(f"[{step('a', 't-1')}, {step('x', 't')}]", COLORS["input"], 17).move_to(
                [x_u, y_low - 1.25, 0]
            ),
        )
        return VGroup(wires, mix, mix_label, odot, odot_label, r_box, u_box, c_box, names)

    def setup_sheet(self) -> None:
        """The worksheet's formulas (one per row), the strip of unrolled steps with a<0>, the
        colour keys."""
        T = self.T
        self.swap_title("Step by step", color=COLORS["activation"])
        self.strip = Unrolled(
            T, spacing=2.3, start_x=-4.8, y=STRIP_Y, box_width=0.8, box_height=0.45,
            state_dx=0.85, slot_width=STRIP_CELL,
        )  # fmt: skip
        for t, box in enumerate(self.strip.boxes, start=1):
            box.add(text(f"x = {self.bit(t)}", COLORS["on_dark"], 13).move_to(box))
        a0 = self.column(self.steps[0]["a_prev"], "value", STRIP_CELL)
        a0.move_to(self.strip.state_at(0))
        strip_note = formula(step("a", 0), COLORS["activation"], 16).next_to(a0, DOWN, buff=0.06)
        self.states = [a0]
        self.formulas = {
            k: formula(GRU[k], COLORS["on_dark"], 19).move_to(
                [FORMULA_X, ROWS[k], 0], aligned_edge=LEFT
            )
            for k in ROWS
        }
        keys = VGroup(
            VGroup(text("gates Γ", GATE, 14), ColorScale(1.0, signed=False, width=1.2)).arrange(
                DOWN, buff=0.06
            ),
            VGroup(
                text("a, c̃ (values)", COLORS["activation"], 14), ColorScale(1.0, width=1.2)
            ).arrange(DOWN, buff=0.06),
        ).arrange(DOWN, buff=0.2)
        keys.move_to([6.25, 2.75, 0])
        self.how = how = text(
            "each bar: the old value's share 1 − Γ_u (left)\nand the candidate's share Γ_u (right)",
            COLORS["muted"],
            13,
        ).next_to(self.formulas["state"], DOWN, buff=0.25, aligned_edge=LEFT)
        self.play(
            Appear(self.strip),
            Appear(a0),
            Appear(strip_note),
            Appear(keys),
            Appear(how),
            *[Appear(f) for f in self.formulas.values()],
            run_time=0.8,
        )
        hold(self, *self.formulas.values(), at_least=3.0)
        self.sheet = None

    def sheet_rows(self, t: int) -> dict[str, VGroup]:
        """Step ``t``'s numbers, row by row, each a ``VGroup`` of text and columns laid out from
        ``NUM_X`` at its row's height; ``rows["state"]`` holds the sliders and ``a<t>``."""
        s = self.steps[t - 1]
        on = COLORS["on_dark"]

        def lay(parts: list, key: str) -> VGroup:
            g = VGroup(*[text(p, on, 18) if isinstance(p, str) else p for p in parts])
            g.arrange(RIGHT, buff=0.12)
            g.move_to([NUM_X, ROWS[key], 0], aligned_edge=LEFT)
            return g

        rows = {
            "reset": lay(
                ["= σ(", self.column(s["z_r"], "pre"), ") =", self.column(s["r"], "gate")], "reset"
            ),
            "masked": lay(
                [
                    "=",
                    self.column(s["r"], "gate"),
                    "⊙",
                    self.column(s["a_prev"], "value"),
                    "=",
                    self.column(self.masked[t - 1], "value"),
                ],
                "masked",
            ),
            "candidate": lay(
                ["= tanh(", self.column(s["z_c"], "pre"), ") =", self.column(s["cc"], "value")],
                "candidate",
            ),
            "update": lay(
                ["= σ(", self.column(s["z_u"], "pre"), ") =", self.column(s["u"], "gate")],
                "update",
            ),
        }
        rows["state"] = self.sliders(t)
        return rows

    def sliders(self, t: int) -> VGroup:
        """One slider per unit, as a small table: the old value, the bar (the old value's
        colour on the left, ``1 - Gamma_u`` of it; the candidate's on the right, ``Gamma_u``),
        the candidate, ``Gamma_u``, and the new state. ``[0]`` the rows, ``[1]`` the headers,
        ``[2]`` the new state's column."""
        s = self.steps[t - 1]
        n_a = s["a"].shape[0]
        a = self.column(s["a"], "value", MIX_CELL)
        x_old, x_bar = NUM_X + 0.9, NUM_X + 1.45
        x_new, x_u = x_bar + MIX_WIDTH + 0.5, x_bar + MIX_WIDTH + 1.45
        a.move_to([x_u + 1.35, ROWS["state"], 0])
        rows = VGroup()
        for j in range(n_a):
            y = a.center_of(j, 0)[1]
            bar = MixBar(s["u"][j, 0], s["a_prev"][j, 0], s["cc"][j, 0], 1.0, MIX_WIDTH, 0.26)
            bar.move_to([x_bar + MIX_WIDTH / 2, y, 0])
            rows.add(
                VGroup(
                    bar,
                    text(f"unit {j + 1}", COLORS["muted"], 14).move_to([NUM_X + 0.25, y, 0]),
                    text(fmt(s["a_prev"][j, 0]), COLORS["activation"], 15).move_to([x_old, y, 0]),
                    text(fmt(s["cc"][j, 0]), COLORS["activation"], 15).move_to([x_new, y, 0]),
                    text(fmt(s["u"][j, 0]), GATE, 15).move_to([x_u, y, 0]),
                    text("→", COLORS["on_dark"], 20).move_to([x_u + 0.65, y, 0]),
                )
            )
        top = a.get_top()[1] + 0.17
        heads = VGroup(
            formula(step("a", t - 1), COLORS["muted"], 16).move_to([x_old, top, 0]),
            text("the mix", COLORS["muted"], 14).move_to([x_bar + MIX_WIDTH / 2, top, 0]),
            formula(step(r"\tilde{c}", t), COLORS["muted"], 16).move_to([x_new, top, 0]),
            formula(r"\Gamma_u", GATE, 16).move_to([x_u, top, 0]),
            formula(step("a", t), COLORS["activation"], 16).move_to([a.get_x(), top, 0]),
        )
        return VGroup(rows, heads, a)

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "One step of the worksheet: the reset gate, the history it masks, the candidate, the "
        "update gate, and the mix of old state and candidate as one slider per unit. The new state "
        "joins the strip of unrolled steps."
    )
    def step(self, t: int) -> None:
        """Step ``t``: the worksheet row by row (the first two steps) or at once."""
        rows = self.sheet_rows(t)
        box = self.strip.boxes[t - 1]
        self.play(
            *([Vanish(self.sheet)] if self.sheet is not None else []),
            box.frame.animate.set_stroke(COLORS["loss"], 4),
            run_time=0.4,
        )
        self.swap_title(f"Step {t} of {self.T}: x⟨{t}⟩ = {self.bit(t)}", color=COLORS["activation"])
        if t == 1:
            self.first_step(rows)
        elif t == 2:
            self.play(*[Appear(rows[k]) for k in ("reset", "masked")], run_time=0.6)
            hold(self, rows["reset"], rows["masked"], at_least=3.0)
            self.note_masking(t, rows)
            self.play(*[Appear(rows[k]) for k in ("candidate", "update", "state")], run_time=0.6)
            hold(self, rows["candidate"], rows["update"], rows["state"], at_least=3.5)
        else:
            self.play(*[Appear(r) for r in rows.values()], run_time=0.7)
            hold(self, *rows.values(), n_entries=18)
        new = rows["state"][2].copy()
        self.play(
            new.animate.scale_to_fit_height(self.states[0].height).move_to(self.strip.state_at(t)),
            box.frame.animate.set_stroke(COLORS["activation"], 2.5),
            run_time=0.6,
        )
        self.states.append(new)
        self.sheet = VGroup(*rows.values())

    def first_step(self, rows: dict[str, VGroup]) -> None:
        """The first step row by row, with ``Gamma_r`` of unit 1 and the mix of the memory
        unit worked by hand."""
        self.play(Appear(rows["reset"]), run_time=0.5)
        lines = worked_reset(self.trace, 0)
        worked = VGroup(
            text(lines[0], COLORS["muted"], 14), *[text(s, WORK, 15) for s in lines[1:]]
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.07)
        worked.next_to(rows["reset"], RIGHT, buff=0.5)
        ring = _frame(rows["reset"][3].squares[0][0])
        self.play(Appear(worked), Appear(ring), run_time=0.5)
        hold(self, worked, rows["reset"], n_entries=10)
        self.play(Vanish(worked), Vanish(ring), run_time=0.3)
        self.play(Appear(rows["masked"]), run_time=0.5)
        zero = text("a⟨0⟩ = 0: nothing to mask yet", COLORS["muted"], 15).next_to(
            rows["masked"], RIGHT, buff=0.5
        )
        self.play(Appear(zero), run_time=0.3)
        hold(self, rows["masked"], zero)
        self.play(Vanish(zero), Appear(rows["candidate"]), run_time=0.5)
        hold(self, rows["candidate"])
        self.play(Appear(rows["update"]), run_time=0.5)
        hold(self, rows["update"])
        self.play(Appear(rows["state"]), run_time=0.6)
        j = self.memory
        mix = text(worked_mix(self.trace, 1, j), WORK, 15)
        mix.next_to(rows["state"], DOWN, buff=0.15).align_to(rows["state"], LEFT)
        ring = _frame(rows["state"][0][j])
        self.play(Appear(mix), Appear(ring), run_time=0.5)
        hold(self, rows["state"], mix, n_entries=12)
        self.play(Vanish(mix), Vanish(ring), run_time=0.3)

    def note_masking(self, t: int, rows: dict[str, VGroup]) -> None:
        """Where ``Gamma_r`` is small, say so: that unit's history is scaled toward 0."""
        r = self.steps[t - 1]["r"]
        j = min(range(r.shape[0]), key=lambda k: r[k, 0])
        note = text(
            f"Γ_r = {fmt(r[j, 0])} for unit {j + 1}: its history\nis scaled toward 0 "
            "before the candidate reads it",
            COLORS["on_dark"],
            15,
        ).next_to(rows["masked"], RIGHT, buff=0.5)
        ring = VGroup(
            _frame(rows["masked"][1].squares[j][0]), _frame(rows["masked"][5].squares[j][0])
        )
        self.play(Appear(note), Appear(ring), run_time=0.4)
        hold(self, note, at_least=3.0)
        self.play(Vanish(note), Vanish(ring), run_time=0.3)

    @beat(
        "The update gate over all steps in both readings, the course's and PyTorch's, which give "
        "the same states. The unit that wrote the first bit keeps its state while its gate stays "
        "nearly shut, and the prediction matches the label."
    )
    def readings(self) -> None:
        """``Gamma_u`` and PyTorch's ``z`` over all steps, the states (the same in both runs),
        the prediction, and what the memory unit did."""
        tr = self.trace
        r = tr.last("gru_gates_demo.readings")
        y_hat = tr.last("dense2.forward", case="model")["A"][0, 0]
        self.swap_title("One gate, two readings", Vanish(self.sheet), color=COLORS["activation"])
        self.play(*[Vanish(f) for f in self.formulas.values()], Vanish(self.how), run_time=0.3)

        def grid(values, name: str, color: str, scale: float, signed: bool = True) -> VGroup:
            g = CellGrid(values, cell=0.46, scale=scale, font_size=NUMBER_SIZE + 1)
            label = formula(name, color, 20).next_to(g, LEFT, buff=0.2)
            return VGroup(g, label)

        u = grid(r["u"], r"\Gamma_u", GATE, 1.0)
        z = grid(r["z"], r"z = 1 - \Gamma_u", GATE, 1.0)
        a = grid(r["a"], step("a", "t"), COLORS["activation"], 1.0)
        table = VGroup(u, z, a).arrange(DOWN, buff=0.35, aligned_edge=RIGHT).move_to([-1.4, 0.1, 0])
        heads = VGroup(
            *[
                text(f"{k + 1}", COLORS["muted"], 14).next_to(u[0].squares[0][k], UP, buff=0.08)
                for k in range(self.T)
            ]
        )
        heads.add(text("t:", COLORS["muted"], 14).next_to(heads[0], LEFT, buff=0.25))
        side = VGroup(
            text("course, engine default (update=\"candidate\")", COLORS["muted"], 14).next_to(
                u[0], RIGHT, buff=0.3
            ),
            text("PyTorch's z (update=\"state\", W_u and b_u negated)", COLORS["muted"], 14)
            .next_to(z[0], RIGHT, buff=0.3),
            text("the same states from both runs", COLORS["muted"], 14).next_to(
                a[0], RIGHT, buff=0.3
            ),
        )  # fmt: skip
        self.play(Appear(table), Appear(heads), Appear(side), run_time=0.7)
        hold(self, table, n_entries=20)
        j = self.memory
        told = text(memory_story(tr, j), COLORS["on_dark"], 16)
        pred = VGroup(
            formula(GRU["prediction"], COLORS["on_dark"], 20),
            text(
                f"= {fmt(y_hat)}: the first bit was {self.bit(1)}, the label "
                f"{fmt(self.p['y'][0, 0], 0)}",
                COLORS["on_dark"],
                16,
            ),
        ).arrange(RIGHT, buff=0.15)
        VGroup(told, pred).arrange(DOWN, buff=0.25, aligned_edge=LEFT).move_to([-0.6, -2.85, 0])
        frames = VGroup(_frame(VGroup(*u[0].squares[j]), GATE), _frame(VGroup(*a[0].squares[j])))
        self.play(Appear(told), Appear(pred), Appear(frames), run_time=0.6)
        hold(self, told, pred, at_least=6.0)
