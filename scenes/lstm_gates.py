"""An LSTM's gates at work, with the values of a trained cell: the cell state rides a conveyor
belt, the forget gate decides what stays on it, and the gradient rides it back.

A 2-unit LSTM trained by the engine on the memory task (the label of a sequence of ``+-1`` bits
is its first bit) reads one test sequence. The cell diagram: the cell-state line across the
top from ``c_{t-1}`` to ``c_t`` (the belt, with a ``⊙`` node for the forget gate and a ``+``
for the update ``i_t ⊙ c~_t``), the hidden state ``[a_{t-1}; x_t]`` feeding the four gates from
below, and each gate drawn as a valve: one bar per unit, filled to its value (empty: closed,
0; full: open, 1), shaded by value, its number beside it. Step 1 is walked through: ``x_1``
arrives, one entry of the forget gate is computed by hand (a row of ``W_f`` times
``[a_0; x_1]`` plus ``b_f``, then ``sigma``), the valves fill, ``c_1 = f_1 ⊙ c_0 + i_1 ⊙ c~_1``
and ``a_1 = o_1 ⊙ tanh(c_1)`` are worked per unit; step 2 works the unit that keeps the bit;
the later steps go faster, each new number still held by the pace rule. The output reads
``a_T``. Then the steps are laid side by side on one belt, the forget gates at its ``⊙`` nodes,
and the gradient goes back: ``dc_t`` enters from ``da_t`` and each ``⊙ f_t`` passes on
``dc_t ⊙ f_t`` (lanes as wide and as strongly coloured as the values), beside the hidden
path's ``da``. Every number comes from :func:`visualdl.demos.lstm_gates.lstm_gates_trace` (the
engine's narrating loops); the formulas from :data:`visualdl.symbolic.recurrent_formulas.LSTM`.
Beats: ``intro``, ``first_step``, ``second_step``, ``quick_step`` (the rest), ``output``,
``unroll``, ``backward``, ``summary``.

Render: ``visualdl render lstm-gates``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Dot, Line, MoveAlongPath, SurroundingRectangle, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.cell import OpNode, Readout, Valve, junction, lane, wire
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, named_scale
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.lstm_gates import lstm_gates_trace
from visualdl.symbolic.recurrent_formulas import GATE_NAMES, LSTM, step_tex
from visualdl.viz.style import COLORS

__all__ = ["GATES", "LSTMGates"]

GATES = ("f", "i", "cc", "o")  # the engine's gates, in its order
CELL = 0.62  # side of a state column's cells
UCELL = 0.75  # the same in the unrolled view, room for a gradient's four decimals
BELT_Y, VALVE_Y, BUS_Y = 2.0, 0.1, -1.5  # the cell-state line, the gates, the hidden line
PREV_X, NEXT_X = -6.4, 2.2  # the columns c_{t-1}, a_{t-1} and c_t, a_t
GATE_X = {"f": -4.75, "i": -3.1, "cc": -1.45, "o": 0.2}
MUL_F, ADD, MUL_IC = (-4.75, BELT_Y), (-2.275, BELT_Y), (-2.275, 1.2)
TANH, MUL_O = (1.35, 1.2), (1.35, VALVE_Y)
X_AT = (-5.45, -2.75)  # the input x_t
PANEL_X = 2.8  # left edge of the formulas
WORK_X, WORK_Y = -4.6, -2.55  # the worked lines' top left
TRACK = "#2C313C"  # the belt's band
U_BELT, U_HID = 1.2, -1.15  # the unrolled view: the belt's and the hidden path's rows
DIM = 0.3  # opacity of the formulas not in play
WIDE = 14.0  # the stroke width of a lane carrying the largest gradient


def _v(x) -> str:
    """A number of a trace array (a 1x1 or a scalar), by the scenes' one format."""
    return fmt(float(x))


def _p(x) -> str:
    """``_v`` in parentheses when negative, for products written out."""
    s = _v(x)
    return f"({s})" if s.startswith("−") else s


class LSTMGates(TraceScene):
    """A trained 2-unit LSTM on one test sequence of the memory task: forward step by step,
    the belt over all steps, and the gradient back along it."""

    def construct(self) -> None:
        self.trace = tr = lstm_gates_trace()
        self.T, self.n_a = tr.meta["T"], tr.meta["n_a"]
        self.info = tr.last("lstm_gates_demo.model").info
        self.scales = tr.last("lstm_gates_demo.scale").info
        self.params = tr.last("lstm_gates_demo.params")
        self.seq = tr.last("lstm_gates_demo.sequence")
        self.steps = sorted(tr.find("lstm.step"), key=lambda r: r.info["t"])
        self.back = sorted(tr.find("lstm.step_backward"), key=lambda r: r.info["t"])
        self.holder = self.info["holder"]
        self.intro()
        self.first_step()
        self.second_step()
        for k in range(2, self.T):
            self.quick_step(k)
        self.output()
        self.unroll()
        self.backward()
        self.summary()

    # -- drawing ------------------------------------------------------------------------------
    def column(
        self, values, at: tuple, scale: float, digits: int = 2, cell: float = CELL
    ) -> CellGrid:
        """An ``(n_a, 1)`` state column of shaded cells at ``at``."""
        g = CellGrid(values, cell=cell, scale=scale, font_size=15, digits=digits)
        return g.move_to([at[0], at[1], 0])

    def work(self, *lines: str, color: str = COLORS["on_dark"], muted_first: bool = True):
        """Worked lines under the diagram, the first muted (what is computed)."""
        mobs = [
            s
            if not isinstance(s, str)
            else text(s, COLORS["muted"] if muted_first and k == 0 else color, 17 if k else 16)
            for k, s in enumerate(lines)
        ]
        group = VGroup(*mobs).arrange(DOWN, aligned_edge=LEFT, buff=0.13)
        return group.move_to([WORK_X, WORK_Y, 0], aligned_edge=UP + LEFT)

    def highlight(self, *keys: str) -> list:
        """Animations: the formulas ``keys`` at full opacity, the others dimmed."""
        return [m.animate.set_opacity(1.0 if k in keys else DIM) for k, m in self.formulas.items()]

    def step_label(self, t: int) -> VGroup:
        return text(f"t = {t}", COLORS["loss"], 24).move_to([-1.0, 2.75, 0])

    def step_mark(self, t: int):
        return self.strip.window(0, t - 1, 1, COLORS["loss"], 4)

    def readouts(self, r) -> dict:
        return {g: self.valves[g].readout(r[g]) for g in GATES}

    # -- beats --------------------------------------------------------------------------------
    @beat(
        "The memory task: the label of a sequence of bits is its first bit, so the cell must "
        "carry it through the noise after it. The cell diagram follows, with the belt of the "
        "cell state on top and each gate drawn as a valve that fills from closed to open."
    )
    def intro(self) -> None:
        info, T = self.info, self.T
        self.title = self.title_card("LSTM gates: a trained cell remembers the first bit")
        bits = self.seq["x"][0]  # (1, T)
        self.strip = CellGrid(bits, cell=0.42, scale=1.0, font_size=14).move_to([5.35, 3.05, 0])
        strip_name = formula("x_t", COLORS["input"], 20).next_to(self.strip, LEFT, buff=0.15)
        label = int(self.seq["y"][0, 0])
        strip_note = text(
            f"test sequence, label y = {label} (its first bit)", COLORS["muted"], 14
        ).next_to(self.strip, DOWN, buff=0.12)
        strip_note.align_to(self.strip, RIGHT)
        story = VGroup(
            text("The memory task", COLORS["on_dark"], 24),
            text(
                f"{T} bits, each +1 or −1; the label is the first bit, so the cell must\n"
                f"carry it through {T - 1} more steps of noise.",
                COLORS["on_dark"],
                19,
            ),
            text(
                f"An LSTM with n_a = {self.n_a} units and a sigmoid output, trained by the engine\n"
                f"(Adam, {info['num_iterations']} epochs on {info['m']} sequences): right on "
                f"{info['accuracy']:.0%} of {info['n_fresh']} fresh sequences.",
                COLORS["on_dark"],
                19,
            ),
            text(
                "Each gate is a valve: its bar fills to the gate's value,\n"
                "empty = closed (0), full = open (1). One bar per unit: unit 1 on top.",
                COLORS["muted"],
                18,
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        story.move_to([-1.2, 0.2, 0])
        self.show_title()
        self.play(Appear(story), Appear(self.strip), Appear(strip_name), Appear(strip_note))
        hold(self, self.strip, story, at_least=6.0)
        self.play(Vanish(story), run_time=0.4)
        self.strip_parts = VGroup(self.strip, strip_name, strip_note)
        self.build_cell()

    def build_cell(self) -> None:
        """The cell diagram, valves empty; the formulas and the colour strips."""
        n = self.n_a
        band = Line([PREV_X + CELL / 2, BELT_Y, 0], [NEXT_X - CELL / 2, BELT_Y, 0])
        band.set_stroke(TRACK, 16)
        belt = wire(
            (PREV_X + CELL / 2, BELT_Y), (NEXT_X - CELL / 2 - 0.02, BELT_Y), color=COLORS["muted"]
        )
        self.valves = {
            g: Valve(GATE_NAMES[g][0], GATE_NAMES[g][1], n, signed=g == "cc").move_to(
                [GATE_X[g], VALVE_Y, 0]
            )
            for g in GATES
        }
        self.nodes = {
            "mul_f": OpNode("⊙").move_to([*MUL_F, 0]),
            "add": OpNode("+").move_to([*ADD, 0]),
            "mul_ic": OpNode("⊙").move_to([*MUL_IC, 0]),
            "tanh": OpNode("tanh").move_to([*TANH, 0]),
            "mul_o": OpNode("⊙").move_to([*MUL_O, 0]),
        }
        v, nd = self.valves, self.nodes
        top = {g: v[g].top for g in GATES}
        wires = VGroup(
            wire(top["f"], nd["mul_f"].get_bottom()),
            wire(top["i"], (GATE_X["i"], MUL_IC[1]), nd["mul_ic"].get_left()),
            wire(top["cc"], (GATE_X["cc"], MUL_IC[1]), nd["mul_ic"].get_right()),
            wire(nd["mul_ic"].get_top(), nd["add"].get_bottom()),
            wire((TANH[0], BELT_Y), nd["tanh"].get_top()),
            wire(nd["tanh"].get_bottom(), nd["mul_o"].get_top()),
            wire(v["o"].box.get_right(), nd["mul_o"].get_left()),
            wire(
                nd["mul_o"].get_bottom(),
                (MUL_O[0], BUS_Y),
                (NEXT_X - CELL / 2 - 0.02, BUS_Y),
            ),
            wire((PREV_X + CELL / 2, BUS_Y), (GATE_X["o"], BUS_Y), tip=False),
            wire((X_AT[0], X_AT[1] + CELL / 2), (X_AT[0], BUS_Y), tip=False),
            *[wire((GATE_X[g], BUS_Y), v[g].bottom) for g in GATES],
        )
        dots = VGroup(
            junction((TANH[0], BELT_Y)),
            junction((X_AT[0], BUS_Y)),
            *[junction((GATE_X[g], BUS_Y)) for g in GATES],
        )
        names = VGroup(
            formula("c_{t-1}", COLORS["on_dark"], 20).move_to([PREV_X, BELT_Y + 0.77, 0]),
            formula("c_t", COLORS["on_dark"], 20).move_to([NEXT_X, BELT_Y + 0.77, 0]),
            formula("a_{t-1}", COLORS["on_dark"], 20).move_to([PREV_X, BUS_Y - 0.8, 0]),
            formula("a_t", COLORS["on_dark"], 20).move_to([NEXT_X, BUS_Y - 0.8, 0]),
            formula("x_t", COLORS["input"], 20).next_to([X_AT[0] - CELL / 2, X_AT[1], 0], LEFT),
            formula(r"[a_{t-1};\, x_t]", COLORS["muted"], 18).move_to([-3.9, BUS_Y - 0.3, 0]),
            text("cell state: the belt", COLORS["muted"], 14).move_to([-3.5, BELT_Y + 0.32, 0]),
        )
        self.formulas = {k: formula(LSTM[k], COLORS["on_dark"], 20) for k in (*GATES, "c", "a")}
        panel = VGroup(*self.formulas.values()).arrange(DOWN, aligned_edge=LEFT, buff=0.26)
        panel.move_to([PANEL_X, 2.15, 0], aligned_edge=UP + LEFT)
        self.keys = VGroup(
            named_scale(1.0, "gates", COLORS["muted"], signed=False, width=1.8),
            named_scale(1.0, "x, a, c̃", COLORS["muted"], width=1.8),
            named_scale(self.scales["cell"], "c", COLORS["muted"], width=1.8),
        ).arrange(DOWN, aligned_edge=RIGHT, buff=0.16)
        self.keys.move_to([6.9, -2.6, 0], aligned_edge=UP + RIGHT)
        self.diagram = VGroup(band, belt, wires, dots, *v.values(), *nd.values(), names)
        self.play(
            Appear(band),
            Appear(belt),
            Appear(wires),
            Appear(dots),
            *[Appear(m) for m in (*v.values(), *nd.values())],
            Appear(names),
            Appear(panel),
            Appear(self.keys),
            run_time=0.8,
        )
        hold(self, panel, at_least=5.0)
        self.panel = panel

    def arrive(self, k: int) -> tuple:
        """Step ``k``'s input (and, at the first step, the zero state): mobjects and
        animations."""
        r, t = self.steps[k], k + 1
        x = self.column(r["x_t"], X_AT, 1.0, digits=0)
        label = self.step_label(t)
        mark = self.step_mark(t)
        anims = [Appear(x, shift=0.4 * UP), Appear(label)]
        if k == 0:
            self.c_prev = self.column(r["c_prev"], (PREV_X, BELT_Y), self.scales["cell"])
            self.a_prev = self.column(r["a_prev"], (PREV_X, BUS_Y), 1.0)
            self.mark = mark
            anims += [Appear(self.c_prev), Appear(self.a_prev), Appear(mark)]
        else:
            anims += [self.mark.animate.move_to(mark)]
        return x, label, anims

    def carry(self, x, label, readouts: dict, extra=()) -> None:
        """``c_t`` and ``a_t`` move left to become the next step's ``c_{t-1}``, ``a_{t-1}``."""
        self.play(
            Vanish(self.c_prev),
            Vanish(self.a_prev),
            Vanish(x),
            Vanish(label),
            *[Vanish(m) for m in readouts.values()],
            *[Vanish(m) for m in extra],
            self.c_next.animate.move_to([PREV_X, BELT_Y, 0]),
            self.a_next.animate.move_to([PREV_X, BUS_Y, 0]),
            run_time=0.7,
        )
        self.c_prev, self.a_prev = self.c_next, self.a_next

    def ride(self, run_time: float = 1.0) -> list:
        """A packet riding the belt from ``c_{t-1}`` to ``c_t``."""
        dot = Dot([PREV_X + CELL / 2, BELT_Y, 0], radius=0.07, color=COLORS["loss"])
        path = Line([PREV_X + CELL / 2, BELT_Y, 0], [NEXT_X - CELL / 2, BELT_Y, 0])
        self.add(dot)
        self.packet = dot
        return [MoveAlongPath(dot, path, run_time=run_time)]

    def new_state(self, k: int) -> tuple:
        r = self.steps[k]
        self.c_next = self.column(r["c"], (NEXT_X, BELT_Y), self.scales["cell"])
        self.a_next = self.column(r["a"], (NEXT_X, BUS_Y), 1.0)
        return self.c_next, self.a_next

    @beat(
        "The first step from an empty state: one entry of the forget gate is worked by "
        "hand, the valves fill, and the new cell state and output are computed unit by "
        "unit. Every gate reads the same previous output and input, each with its own "
        "weights."
    )
    def first_step(self) -> None:
        k, r, t, j = 0, self.steps[0], 1, self.holder
        x, label, anims = self.arrive(0)
        note = self.work(
            f"step t = {t}: the first bit x_{t} arrives",
            f"the state starts empty: a_{t - 1} = 0, c_{t - 1} = 0",
        )
        self.play(*anims, Appear(note), run_time=0.7)
        hold(self, x, self.c_prev, self.a_prev, note)
        # one entry of the forget gate by hand: row j of W_f times [a_prev; x_t], plus b_f
        W, b = self.params["Wf"][j], self.params["bf"][j, 0]
        inputs = [*r["a_prev"][:, 0], *r["x_t"][:, 0]]
        terms = " + ".join(f"{_p(w)}·{_p(v)}" for w, v in zip(W, inputs, strict=True))
        z, f = r["z_f"][j, 0], r["f"][j, 0]
        worked = self.work(
            f"the forget gate of unit {j + 1}: row {j + 1} of W_f times [a_{t - 1}; x_{t}], "
            "plus b_f, then σ",
            f"z = {terms} + {_p(b)} = {_v(z)}",
            f"f = σ({_v(z)}) = {_v(f)}",
        )
        ring = SurroundingRectangle(self.valves["f"].bar(j), color=COLORS["loss"], buff=0.05)
        self.play(Vanish(note), Appear(worked), Appear(ring), *self.highlight("f"), run_time=0.6)
        hold(self, worked, n_entries=2 * len(inputs) + 4, at_least=6.0)
        outs = self.readouts(r)
        self.play(*self.valves["f"].fill_to(r["f"]), Appear(outs["f"]), Vanish(ring), run_time=0.6)
        hold(self, outs["f"])
        gates = VGroup(*[outs[g] for g in GATES[1:]])
        said = self.work(
            f"every gate reads the same [a_{t - 1}; x_{t}], each with its own W and b",
            "σ gates (f, i, o) lie in (0, 1); the candidate c̃ = tanh(·) in (−1, 1)",
        )
        self.play(
            Vanish(worked),
            Appear(said),
            *[a for g in GATES[1:] for a in self.valves[g].fill_to(r[g])],
            Appear(gates),
            *self.highlight("i", "cc", "o"),
            run_time=0.8,
        )
        hold(self, gates, said, at_least=4.0)
        # the belt: c_t = f_t * c_prev + i_t * cc_t, unit by unit
        c_next, a_next = self.new_state(k)
        belt_lines = self.work(
            VGroup(
                formula(step_tex(LSTM["c"], t), COLORS["on_dark"], 20),
                text(
                    f"on the belt: c_{t - 1} passes ⊙ f, then i ⊙ c̃ is added", COLORS["muted"], 16
                ),
            ).arrange(RIGHT, buff=0.3),
            *[
                f"unit {u + 1}: {_v(r['f'][u, 0])} × {_p(r['c_prev'][u, 0])} + "
                f"{_v(r['i'][u, 0])} × {_p(r['cc'][u, 0])} = {_v(r['c'][u, 0])}"
                for u in range(self.n_a)
            ],
        )
        self.play(Vanish(said), Appear(belt_lines), *self.highlight("c"), run_time=0.5)
        self.play(*self.ride(), run_time=1.0)
        self.play(Vanish(self.packet), Appear(c_next), run_time=0.5)
        hold(self, c_next, belt_lines, at_least=6.0)
        out_lines = self.work(
            VGroup(
                formula(step_tex(LSTM["a"], t), COLORS["on_dark"], 20),
                text("out of the cell", COLORS["muted"], 16),
            ).arrange(RIGHT, buff=0.3),
            *[
                f"unit {u + 1}: {_v(r['o'][u, 0])} × tanh({_v(r['c'][u, 0])}) = {_v(r['a'][u, 0])}"
                for u in range(self.n_a)
            ],
        )
        self.play(Vanish(belt_lines), Appear(out_lines), Appear(a_next), *self.highlight("a"))
        hold(self, a_next, out_lines, at_least=5.0)
        self.carry(x, label, outs, (out_lines,))

    @beat(
        "The second step: a new bit arrives and the gates take new values. The unit "
        "that keeps the bit holds its forget gate near open, so its cell state carries "
        "on along the belt."
    )
    def second_step(self) -> None:
        k, r, j = 1, self.steps[1], self.holder
        t = k + 1
        x, label, anims = self.arrive(k)
        outs = self.readouts(r)
        note = self.work(
            f"step t = {t}: x_{t} = {_v(r['x_t'][0, 0])} arrives; a_{t - 1}, c_{t - 1} are "
            f"step {t - 1}'s a and c",
            f"the gates take their values from W [a_{t - 1}; x_{t}] + b",
        )
        self.play(
            *anims,
            *[a for g in GATES for a in self.valves[g].fill_to(r[g])],
            *[Appear(m) for m in outs.values()],
            Appear(note),
            *self.highlight(*GATES),
            run_time=0.9,
        )
        hold(self, x, *outs.values(), note, at_least=4.0)
        c_next, a_next = self.new_state(k)
        lines = self.work(
            f"unit {j + 1} keeps its cell: f = {_v(r['f'][j, 0])}",
            f"c = {_v(r['f'][j, 0])} × {_p(r['c_prev'][j, 0])} + {_v(r['i'][j, 0])} × "
            f"{_p(r['cc'][j, 0])} = {_v(r['c'][j, 0])}",
            f"a = {_v(r['o'][j, 0])} × tanh({_v(r['c'][j, 0])}) = {_v(r['a'][j, 0])}",
        )
        self.play(Vanish(note), Appear(lines), *self.highlight("c", "a"), run_time=0.4)
        self.play(*self.ride(0.8), run_time=0.8)
        self.play(Vanish(self.packet), Appear(c_next), Appear(a_next), run_time=0.5)
        hold(self, c_next, a_next, lines, at_least=5.0)
        self.carry(x, label, outs, (lines,))

    @beat(
        "A later step, faster: the new bit sets the gates, and the cell state rides the belt "
        "from the step before to the new one. The unit that keeps the bit still holds its "
        "forget gate near open."
    )
    def quick_step(self, k: int) -> None:
        r, t = self.steps[k], k + 1
        x, label, anims = self.arrive(k)
        outs = self.readouts(r)
        c_next, a_next = self.new_state(k)
        note = self.work(
            f"step t = {t}: x_{t} = {_v(r['x_t'][0, 0])}",
            f"forget gates {', '.join(_v(v) for v in r['f'][:, 0])}; "
            f"c = {', '.join(_v(v) for v in r['c'][:, 0])}",
        )
        self.play(
            *anims,
            *[a for g in GATES for a in self.valves[g].fill_to(r[g])],
            *[Appear(m) for m in outs.values()],
            Appear(note),
            *self.highlight(*GATES, "c", "a"),
            run_time=0.8,
        )
        self.play(*self.ride(0.6), run_time=0.6)
        self.play(Vanish(self.packet), Appear(c_next), Appear(a_next), run_time=0.4)
        hold(self, x, *outs.values(), c_next, a_next, note)
        if k < self.T - 1:
            self.carry(x, label, outs, (note,))
        self.last = (x, label, outs, note)

    @beat(
        "The output layer reads the last hidden state through a sigmoid, and its "
        "prediction matches the first bit."
    )
    def output(self) -> None:
        out = self.trace.last("dense2.forward")
        y_hat = out["A"][0, 0]
        label = int(self.seq["y"][0, 0])
        tex = LSTM["y_hat"].replace("a_T", f"a_{{{self.T}}}")
        said = self.info["prediction"]
        read = VGroup(
            formula(tex, COLORS["on_dark"], 22),
            VGroup(
                text(f"ŷ = {_v(y_hat)}", COLORS["activation"], 22),
                text(f"says {said}; the first bit is {label}", COLORS["on_dark"], 16),
            ).arrange(RIGHT, buff=0.25, aligned_edge=DOWN),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
        read.move_to([PANEL_X, -1.2, 0], aligned_edge=UP + LEFT)
        self.play(*self.highlight(), Appear(read), run_time=0.6)
        hold(self, read, at_least=4.0)
        x, label_mob, outs, note = self.last
        gone = (*self.diagram, self.c_prev, self.a_prev, self.c_next, self.a_next, x, label_mob)
        self.play(
            *[Vanish(m) for m in (*gone, *outs.values(), note, read, self.panel, self.keys)],
            Vanish(self.mark),
            Vanish(self.strip_parts),
            run_time=0.6,
        )

    # -- all steps side by side, then backward ------------------------------------------------
    @beat(
        "All the steps side by side on one belt, a forget gate at every multiplication. "
        "The unit that keeps the bit has forget gates near open throughout, so its cell "
        "keeps the sign the first bit gave it."
    )
    def unroll(self) -> None:
        T, n = self.T, self.n_a
        gap = min(2.2, 11.0 / T)
        self.ux = [-6.4 + gap * k for k in range(T + 1)]  # c_0 .. c_T
        self.lane_y = [U_BELT + (n / 2 - 0.5 - u) * UCELL for u in range(n)]
        self.hid_y = [U_HID + (n / 2 - 0.5 - u) * UCELL for u in range(n)]
        self.swap_title(f"The {T} steps side by side: one belt, a forget gate at every ⊙")
        cell = self.scales["cell"]
        cols = [self.column(self.steps[0]["c_prev"], (self.ux[0], U_BELT), cell, cell=UCELL)]
        cols += [
            self.column(r["c"], (self.ux[k + 1], U_BELT), cell, cell=UCELL)
            for k, r in enumerate(self.steps)
        ]
        names = VGroup(
            *[
                formula(f"c_{{{k}}}", COLORS["on_dark"], 20).next_to(c, UP, buff=0.14)
                for k, c in enumerate(cols)
            ]
        )
        units = VGroup(
            *[
                text(f"unit {u + 1}", COLORS["muted"], 14).next_to(
                    [cols[-1].get_right()[0], y, 0], RIGHT, buff=0.12
                )
                for u, y in enumerate(self.lane_y)
            ]
        )
        track, nodes, fs = VGroup(), VGroup(), []
        for t in range(1, T + 1):
            left, right = self.ux[t - 1] + UCELL / 2, self.ux[t] - UCELL / 2
            mid = (left + right) / 2
            for u in range(n):
                y = self.lane_y[u]
                track.add(Line([left, y, 0], [right, y, 0]).set_stroke(TRACK, 9))
                nodes.add(OpNode("⊙", radius=0.13).move_to([mid, y, 0]))
            pitch = (n - 1) * UCELL + 0.56
            f = Readout(self.steps[t - 1]["f"], COLORS["on_dark"], 15, pitch=pitch)
            fs.append(f.move_to([mid, U_BELT, 0]))
        f_name = VGroup(
            formula("f_t", COLORS["on_dark"], 20), text("at each ⊙", COLORS["muted"], 14)
        ).arrange(RIGHT, buff=0.1)
        f_name.next_to(fs[0], UP, buff=0.4)
        xs = [
            self.column(self.steps[k]["x_t"], (self.ux[k + 1], -2.4), 1.0, digits=0).scale(0.8)
            for k in range(T)
        ]
        x_name = formula("x_t", COLORS["input"], 20).next_to(xs[0], LEFT, buff=0.2)
        j, other = self.holder, (1 - self.holder if n == 2 else None)
        f_hold = self.seq["f"][j]
        tells = self.info["tells"]
        say = [
            f"unit {j + 1}: its forget gate stays between {_v(min(f_hold))} and "
            f"{_v(max(f_hold))}, so its cell keeps the sign x_1 gave it",
            f"sign(c_{T}) tells the first bit on {tells[j]:.0%} of {self.info['n_fresh']} "
            f"fresh sequences for unit {j + 1}"
            + (f", on {tells[other]:.0%} for unit {other + 1}" if other is not None else ""),
        ]
        note = self.work(*say, muted_first=False).move_to([-6.8, -3.2, 0], aligned_edge=LEFT)
        self.cstrip = named_scale(cell, "c", COLORS["muted"], width=2.0)
        self.cstrip.move_to([6.9, -3.2, 0], aligned_edge=RIGHT)
        self.play(
            *[Appear(m) for m in (track, *cols, names, units, nodes, *xs, x_name, self.cstrip)],
            run_time=0.8,
        )
        hold(self, *cols, *xs)
        self.play(*[Appear(f) for f in fs], Appear(f_name), Appear(note), run_time=0.6)
        hold(self, *fs, note, at_least=6.0)
        self.u = {"cols": cols, "nodes": nodes, "names": list(names)}
        self.u_rest = VGroup(f_name, note, *xs, x_name)

    @beat(
        "The gradient goes back from the loss: it enters the belt from the last hidden state, "
        "and each forget gate passes on its fraction of it to the step before, beside the "
        "hidden path's gradient."
    )
    def backward(self) -> None:
        T, n, sc = self.T, self.n_a, self.scales
        self.swap_title("Backward: the gradient rides the belt back through ⊙ f")
        self.play(Vanish(self.u_rest), Vanish(self.cstrip), run_time=0.4)
        dZ = self.trace.last("dense2.backward")["dZ"][0, 0]
        loss = VGroup(
            text("from the loss:", COLORS["muted"], 14),
            text(f"ŷ − y = {_v(dZ)}", COLORS["gradient"], 16),
            formula(r"da_T = W_y^T (\hat{y} - y)", COLORS["gradient"], 16),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        loss.move_to([self.ux[T] + UCELL / 2 + 0.35, U_HID, 0], aligned_edge=LEFT)
        keys = VGroup(
            named_scale(sc["dc"], "dc", COLORS["gradient"], width=2.1),
            named_scale(sc["da"], "da", COLORS["gradient"], width=2.1),
        ).arrange(DOWN, aligned_edge=RIGHT, buff=0.16)
        keys.move_to([6.9, -3.85, 0], aligned_edge=DOWN + RIGHT)
        gap_y = (U_BELT - n / 2 * UCELL + U_HID + n / 2 * UCELL) / 2
        paths = VGroup(
            text("cell path (the belt) ↑", COLORS["muted"], 14),
            text("hidden path ↓", COLORS["muted"], 14),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        paths.move_to([self.ux[0] - UCELL / 2, gap_y, 0], aligned_edge=LEFT)
        rule = formula(LSTM["dc"], COLORS["on_dark"], 20).move_to([-6.8, -2.58, 0], LEFT)
        self.play(Appear(loss), Appear(keys), Appear(rule), Appear(paths), run_time=0.6)
        hold(self, loss, rule)
        cols = self.u["cols"]
        da_T = self.back[T - 1]["da"]
        da_last = self.column(da_T, (self.ux[T], U_HID), sc["da"], digits=4, cell=UCELL)
        into = wire(loss.get_left() + 0.05 * LEFT, (self.ux[T] + UCELL / 2, U_HID))
        into.set_color(COLORS["gradient"])
        self.da_cols = {T: da_last}
        self.play(Appear(da_last), Appear(into), run_time=0.5)
        hold(self, da_last)
        lines = None
        for t in range(T, 0, -1):
            b, r, first = self.back[t - 1], self.steps[t - 1], t == T
            dc = self.column(b["dc"], (self.ux[t], U_BELT), sc["dc"], digits=4, cell=UCELL)
            up = wire(
                (self.ux[t], U_HID + n / 2 * UCELL), (self.ux[t], U_BELT - n / 2 * UCELL),
                color=COLORS["gradient"], width=2,
            )  # fmt: skip
            names = self.u["names"]
            dc_name = formula(f"dc_{{{t}}}", COLORS["gradient"], 20).move_to(names[t])
            da_name = formula(f"da_{{{t}}}", COLORS["gradient"], 20)
            da_name.next_to(self.da_cols[t], DOWN, buff=0.14)
            swap = [Vanish(names[t]), Appear(dc_name), Appear(da_name)]
            names[t] = dc_name
            if first:
                new = self.work(
                    f"dc_{t} = da_{t} ⊙ o_{t} ⊙ (1 − tanh² c_{t}): nothing comes from a later step",
                    *[
                        f"unit {u + 1}: {_v4(b['da'][u, 0])} × {_v(r['o'][u, 0])} × "
                        f"(1 − tanh²({_v(r['c'][u, 0])})) = {_v4(b['dc'][u, 0])}"
                        for u in range(n)
                    ],
                ).move_to([-6.8, -2.95, 0], aligned_edge=UP + LEFT)
                self.play(Vanish(cols[t]), Appear(dc), Appear(up), Appear(new), *swap, run_time=0.6)
                hold(self, dc, new, at_least=6.0)
                lines = new
            else:
                self.play(Vanish(cols[t]), Appear(dc), Appear(up), *swap, run_time=0.5)
            cols[t] = dc
            belt, hidden = self.flows(t)
            step_lines = self.work(
                f"through ⊙ f_{t}, into c_{t - 1}: dc_{t} ⊙ f_{t}",
                "   ".join(
                    f"unit {u + 1}: {_v4(b['dc'][u, 0])} × {_v(r['f'][u, 0])} = "
                    f"{_v4(b['dc_prev'][u, 0])}"
                    for u in range(n)
                ),
            ).move_to([-6.8, -2.95, 0], aligned_edge=UP + LEFT)
            shown = []
            anims = [Appear(belt), Vanish(lines), Appear(step_lines)]
            if t > 1:
                da_prev = self.column(
                    b["da_prev"], (self.ux[t - 1], U_HID), sc["da"], digits=4, cell=UCELL
                )
                anims += [Appear(hidden), Appear(da_prev)]
                shown.append(da_prev)
                self.da_cols[t - 1] = da_prev
            else:
                dc0 = self.column(b["dc_prev"], (self.ux[0], U_BELT), sc["dc"], 4, UCELL)
                dc0_name = formula("dc_{0}", COLORS["gradient"], 20).move_to(names[0])
                anims += [Vanish(cols[0]), Appear(dc0), Vanish(names[0]), Appear(dc0_name)]
                cols[0] = dc0
                shown.append(dc0)
            self.play(*anims, run_time=0.8 if first else 0.6)
            self.bring_to_front(self.u["nodes"])
            hold(self, *shown, step_lines, at_least=6.0 if first else 3.0)
            lines = step_lines
        self.lines, self.rule = lines, rule

    def flows(self, t: int) -> tuple[VGroup, VGroup]:
        """The lanes of step ``t`` back to step ``t - 1``: on the belt, ``dc_t`` up to the
        ``⊙`` node and ``dc_t ⊙ f_t`` after it; on the hidden path ``da_t`` and the
        ``da_{t-1}`` it sends back (every unit its own lane)."""
        b, sc = self.back[t - 1], self.scales
        left, right = self.ux[t - 1] + UCELL / 2, self.ux[t] - UCELL / 2
        mid = (left + right) / 2
        belt, hidden = VGroup(), VGroup()
        for u in range(self.n_a):
            y, h = self.lane_y[u], self.hid_y[u]
            belt.add(lane((right, y), (mid + 0.13, y), b["dc"][u, 0], sc["dc"], WIDE))
            belt.add(
                lane((mid - 0.13, y), (left + 0.02, y), b["dc_prev"][u, 0], sc["dc"], WIDE, True)
            )
            if t > 1:
                hidden.add(lane((right, h), (mid, h), b["da"][u, 0], sc["da"], WIDE))
                hidden.add(
                    lane((mid, h), (left + 0.02, h), b["da_prev"][u, 0], sc["da"], WIDE, True)
                )
        return belt, hidden

    @beat(
        "Along the belt each step multiplies the gradient only by its forget gate, with no "
        "weight matrix and no squashing. For the unit whose forget gate stays near open the "
        "gradient reaches the first step no smaller than it started, while a small forget "
        "gate passes on only a small fraction."
    )
    def summary(self) -> None:
        T, j, n = self.T, self.holder, self.n_a
        dc, da, f = self.seq["dc"], self.seq["da"], self.seq["f"]
        kept = "more than" if abs(dc[j, 0]) > abs(dc[j, T - 1]) else "against"
        lines = [
            "each ⊙ f_t passes on the fraction f_t of dc_t: no weight matrix, no squashing",
            f"unit {j + 1} (f near 1): dc_1 = {_v4(dc[j, 0])}, {kept} dc_{T} = "
            f"{_v4(dc[j, T - 1])} (each a_t adds its share)",
        ]
        if n == 2:
            o = 1 - j
            lines.append(
                f"unit {o + 1}: f_{T} = {_v(f[o, T - 1])} keeps only that fraction of its "
                f"dc_{T} = {_v4(dc[o, T - 1])}"
            )
        lines.append(
            f"the hidden path, unit {j + 1}: da_{T} = {_v4(da[j, T - 1])}, one step back "
            f"da_{T - 1} = {_v4(da[j, T - 2])}"
        )
        note = self.work(*lines, muted_first=False).move_to(
            [-6.8, -2.45, 0], aligned_edge=UP + LEFT
        )
        self.play(Vanish(self.lines), Vanish(self.rule), Appear(note), run_time=0.6)
        hold(self, note, at_least=9.0)


def _v4(x) -> str:
    """A gradient: four decimals."""
    return fmt(float(x), 4)
