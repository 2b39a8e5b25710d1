"""Forward and backward pass of a 2-3-1 network on XOR, one gradient-descent update, and the
forward pass again with J lower.

Every number comes from :func:`visualdl.demos.mlp.mlp_xor_trace`; every formula from
:data:`visualdl.symbolic.formulas.DENSE`. Beats: ``intro``, ``forward`` (per layer
``Z = W A + b`` with one entry worked as a row of W times a column of A plus b, then
``A = g(Z)``), ``cost``, ``backward`` (``dZ``, ``dW``, ``db``, ``dA_prev``), ``update``,
``again``. The network beside the equations shows the values as colour: each node is shaded
by its value for one example (the diverging rule of :mod:`visualdl.viz.style`), each edge by
its weight (colour the sign, width the size), then by its gradient and its new value. Every
equation is held by the pace rule (:mod:`visualdl.anim.pace`).

Render: ``visualdl render mlp-forward-backward``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, SurroundingRectangle, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import at_layer
from visualdl.anim.grid import ColorScale
from visualdl.anim.network import NetworkDiagram
from visualdl.anim.numbers import fmt, format_array, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.anim.steps import EquationStep, Term, show_step
from visualdl.demos.mlp import mlp_xor_trace
from visualdl.symbolic.formulas import ACTIVATIONS, DENSE
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["MLPForwardBackward", "steps"]

STEP_TOP = 0.9  # steps hang from here, under the network
STEP_HEIGHT = 4.7  # down to the bottom of the frame
WORKED_ROOM = 1.4  # under a step, for its worked entry
EXAMPLE = 3  # the example (column) the network's colours and the worked entries show
ROW = 0  # the unit (row) of the worked entries
G_TEXT = {"tanh": "tanh", "sigmoid": "σ", "relu": "ReLU"}


def _name(q: str, l: int | str, T: bool = False) -> str:
    """LaTeX name such as ``W^{[1]}`` (``T`` adds the transpose)."""
    return f"{q}^{{[{l}]{'T' if T else ''}}}"


def steps(tr: Trace) -> dict[str, list[tuple[str, EquationStep]]]:
    """The scene's equation steps by phase, every array read from ``tr`` (for tests, too)."""
    L = len(tr.meta["layer_dims"]) - 1
    fwd = {l: tr.last(f"dense{l}.forward", case="step") for l in range(1, L + 1)}
    bwd = {l: tr.last(f"dense{l}.backward") for l in range(1, L + 1)}
    cost = tr.last("model.cost", case="step")
    out: dict[str, list[tuple[str, EquationStep]]] = {"forward": [], "cost": [], "backward": []}
    for l in range(1, L + 1):
        f, g = fwd[l], fwd[l].info["activation"]
        out["forward"].append(
            (
                f"Z{l}",
                EquationStep(
                    at_layer(DENSE["Z"], l),
                    [
                        Term(_name("W", l), f["W"], "W"),
                        Term(_name("A", l - 1), f["A_prev"], "A" if l > 1 else "X"),
                        "+",
                        Term(_name("b", l), f["b"], "b"),
                    ],
                    Term(_name("Z", l), f["Z"], "Z"),
                ),
            )
        )
        a_tex = at_layer(DENSE["A"], l).replace(f"g^{{[{l}]}}", ACTIVATIONS.get(g, g))
        out["forward"].append(
            (
                f"A{l}",
                EquationStep(
                    a_tex,
                    [f"{G_TEXT.get(g, g)}(", Term(_name("Z", l), f["Z"], "Z"), ")"],
                    Term(_name("A", l), f["A"], "A"),
                ),
            )
        )
    J = text(fmt(cost.info["J"], 3), COLORS["loss"], 30)
    out["cost"].append(
        (
            "J",
            EquationStep(
                at_layer(DENSE["cost"], L, L),
                [
                    "J(",
                    Term(_name("A", L), cost["AL"], "A"),
                    ",",
                    Term("Y", cost["Y"], "Y", color=COLORS["class1"]),
                    ")",
                ],
                J,
                formula_size=34,
            ),
        )
    )
    for l in range(L, 0, -1):
        f, b = fwd[l], bwd[l]
        dZ = Term(_name("dZ", l), b["dZ"], "dZ")
        if l == L:
            out["backward"].append(
                (
                    f"dZ{l}",
                    EquationStep(
                        at_layer(DENSE["dZ_out"], l, L),
                        [
                            Term(_name("A", l), f["A"], "A"),
                            "−",
                            Term("Y", cost["Y"], "Y", color=COLORS["class1"]),
                        ],
                        dZ,
                    ),
                )
            )
        else:
            g = f.info["activation"]
            gprime = tr.last(f"mlp_xor.derivative{l}")["gprime"]
            out["backward"].append(
                (
                    f"dZ{l}",
                    EquationStep(
                        at_layer(DENSE["dZ"], l).replace(
                            f"g^{{[{l}]\\prime}}", ACTIVATIONS.get(g, g) + "'"
                        ),
                        [
                            Term(_name("dA", l), b["dA"], "dA"),
                            "⊙",
                            Term(f"{ACTIVATIONS.get(g, g)}'(Z^{{[{l}]}})", gprime, "Z"),
                        ],
                        dZ,
                    ),
                )
            )
        m = f["A_prev"].shape[1]
        out["backward"].append(
            (
                f"dW{l}",
                EquationStep(
                    at_layer(DENSE["dW"], l),
                    [
                        f"1/{m}",
                        dZ,
                        Term(_name("A", l - 1, T=True), f["A_prev"].T, "A" if l > 1 else "X"),
                    ],
                    Term(_name("dW", l), b["dW"], "dW"),
                ),
            )
        )
        out["backward"].append(
            (
                f"db{l}",
                EquationStep(
                    at_layer(DENSE["db"], l),
                    [f"1/{m} · row sums of", dZ],
                    Term(_name("db", l), b["db"], "db"),
                ),
            )
        )
        if l > 1:
            out["backward"].append(
                (
                    f"dA{l - 1}",
                    EquationStep(
                        at_layer(DENSE["dA_prev"], l),
                        [Term(_name("W", l, T=True), f["W"].T, "W"), dZ],
                        Term(_name("dA", l - 1), b["dA_prev"], "dA"),
                    ),
                )
            )
    return out


def update_rows(tr: Trace, which: str) -> VGroup:
    """``W[l] − α dW[l] = new W[l]`` (``which="W"`` or ``"b"``) for every layer, stacked."""
    up = tr.last("optimizer.step")
    alpha = up.info["lr"]
    L = len(tr.meta["layer_dims"]) - 1
    grads = {l: tr.last(f"dense{l}.backward") for l in range(1, L + 1)}
    rows = []
    for l in range(1, L + 1):
        step = EquationStep(
            at_layer(DENSE[f"update_{which}"], l),
            [
                Term(_name(which, l), up[f"{which}{l}"], which, digits=3),
                f"− {fmt(alpha, 2)} ×",
                Term(_name("d" + which, l), grads[l]["d" + which], "d" + which),
            ],
            Term(
                _name(which, l) + r"_{\mathrm{new}}",
                up[f"{which}{l}_new"],
                which,
                digits=3,
                color=COLORS["update"],
            ),
            formula_size=30,
        )
        rows.append(step)
    return VGroup(*rows).arrange(DOWN, buff=0.35)


class MLPForwardBackward(TraceScene):
    """A 2-3-1 tanh/sigmoid network on XOR: forward, cost, backward, one update, J again."""

    title_size, title_buff = 30, 0.4

    def construct(self) -> None:
        self.trace = mlp_xor_trace()
        self.steps = steps(self.trace)
        self.L = len(self.trace.meta["layer_dims"]) - 1
        self.current: VGroup | None = None
        self.intro()
        self.forward()
        self.cost()
        self.backward()
        self.update()
        self.again()

    # -- helpers --------------------------------------------------------------------------
    def fwd(self, l: int, case: str = "step"):
        return self.trace.last(f"dense{l}.forward", case=case)

    def column(self, a) -> list[float]:
        """One example's column of ``a``: what the network's nodes show."""
        return [float(v) for v in a[:, EXAMPLE]]

    def set_phase(self, title: str, color: str) -> None:
        """Clear the last step, then the phase's title: a title never names what is gone."""
        if self.current is not None:
            self.play(Vanish(self.current), run_time=0.25)
            self.current = None
        self.swap_title(title, color=color)

    def place(self, mob: VGroup, room: float = 0.0) -> VGroup:
        """Hang ``mob`` from ``STEP_TOP``, centred, shrunk to leave ``room`` under it."""
        if mob.height > STEP_HEIGHT - room:
            mob.scale_to_fit_height(STEP_HEIGHT - room)
        return mob.move_to([0.0, STEP_TOP - mob.height / 2, 0.0])

    def show(self, step: EquationStep, extra: tuple = (), worked=None) -> None:
        self.place(step, room=WORKED_ROOM if worked else 0.0)
        show_step(self, step, self.current, extra=extra, worked=worked)
        self.current = step

    def worked(self, step: EquationStep, lines: list[str], framed, cell: tuple[int, int]):
        """A worked entry for ``show_step``: frame what it reads (``framed()``, the grid parts,
        called once the step has its place), write ``lines`` (a muted head, then the
        arithmetic) under the step and hold them; the result comes in with ``cell`` framed."""
        color = COLORS["loss"]

        def frame(m: VGroup) -> SurroundingRectangle:
            return SurroundingRectangle(m, color=color, buff=0.06, stroke_width=3)

        def run() -> None:
            shown = VGroup(
                text(lines[0], COLORS["muted"], 20), *[text(s, color, 22) for s in lines[1:]]
            ).arrange(DOWN, buff=0.15)
            shown.next_to(step, DOWN, buff=0.25)
            boxes = VGroup(*[frame(m) for m in framed()])
            self.play(Appear(boxes), run_time=0.5)
            self.play(Appear(shown, shift=0.2 * UP), run_time=0.6)
            hold(self, shown, n_entries=sum(s.count("(") for s in lines))
            step.result.add(frame(step.result.grid.entries[cell[0]][cell[1]]))
            step.add(boxes, shown)  # they leave with the step

        return run

    def worked_Z(self, step: EquationStep, l: int):
        """One entry of ``Z[l]``: row ``ROW`` of W times column ``EXAMPLE`` of A plus b, the
        factors as the grids show them, the products and the sum from the engine's loop
        (``dense.entry``)."""
        entry = self.trace.last("dense.entry", l=l, i=ROW, j=EXAMPLE)
        W, A, b = (step.operands[k].grid for k in (0, 1, 3))
        factors = " + ".join(
            f"({W.texts[ROW][k]})({A.texts[k][EXAMPLE]})" for k in range(len(A.texts))
        )
        products = " + ".join(f"({p})" for p in format_array(entry["products"])[0])
        bias = format_array(entry["b"])[0][0]
        lines = [
            f"Z[{l}] row {ROW + 1}, column {EXAMPLE + 1}: row {ROW + 1} of W[{l}] × "
            f"column {EXAMPLE + 1} of A[{l - 1}] + b",
            f"= {factors} + ({bias})",
            f"= {products} + ({bias}) = {format_array(entry['z'])[0][0]}",
        ]

        def framed() -> list:
            column = VGroup(*[r[EXAMPLE] for r in A.entries])
            return [W.entries[ROW], column, b.entries[ROW]]

        return self.worked(step, lines, framed, (ROW, EXAMPLE))

    def worked_dW(self, step: EquationStep, l: int):
        """One entry of ``dW[l]``: row ``ROW`` of dZ times column 1 of A[l-1]^T, over m, the
        products and the mean from the engine's loop (``dense.dw_entry``)."""
        entry = self.trace.last("dense.dw_entry", l=l, i=ROW, k=0)
        dZ, AT = (step.operands[k].grid for k in (1, 2))
        m = entry.info["m"]
        factors = " + ".join(f"({dZ.texts[ROW][j]})({AT.texts[j][0]})" for j in range(m))
        products = " + ".join(f"({p})" for p in format_array(entry["products"])[0])
        lines = [
            f"dW[{l}] row {ROW + 1}, column 1: row {ROW + 1} of dZ[{l}] × column 1 of "
            f"A[{l - 1}]ᵀ, over m = {m}",
            f"= 1/{m} × [{factors}]",
            f"= 1/{m} × [{products}] = {format_array(entry['dW'])[0][0]}",
        ]

        def framed() -> list:
            return [dZ.entries[ROW], VGroup(*[r[0] for r in AT.entries])]

        return self.worked(step, lines, framed, (ROW, 0))

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A small network on XOR, already trained part of the way: four examples, one per "
        "column of X, and their labels Y. Node colours show one example's values; edge "
        "colours and widths show the weights."
    )
    def intro(self) -> None:
        meta = self.trace.meta
        self.title = self.title_card("A 2-3-1 network on XOR")
        sub = self.subtitle(
            f"{meta['hidden']} hidden layer, sigmoid output, He init (seed {meta['seed']}),\n"
            f"after {meta['iterations']} steps of gradient descent",
            buff=0.2,
        )
        X = self.fwd(1)["A_prev"]
        self.net = NetworkDiagram(
            meta["layer_dims"], radius=0.24, layer_gap=1.7, unit_gap=0.72, font_size=18
        ).move_to([4.35, 2.3, 0])
        self.net.shade_layer(0, self.column(X))
        x = ", ".join(format_array(X[:, EXAMPLE])[0])
        legend = VGroup(
            text(
                f"nodes: values for example {EXAMPLE + 1}, x = ({x})\nedges: colour the sign, "
                "width the size",
                COLORS["muted"],
                16,
            ),
            ColorScale(1.0, width=1.6),
        ).arrange(DOWN, aligned_edge=RIGHT, buff=0.15)
        legend.next_to(self.net, LEFT, buff=0.35).align_to(self.net, DOWN)
        Xt = Term("X = A^{[0]}", X, "X").mobject()
        Y = Term("Y", self.trace.last("model.cost", case="step")["Y"], "Y", color=COLORS["class1"])
        data = VGroup(Xt, Y.mobject()).arrange(RIGHT, buff=1.5, aligned_edge=DOWN)
        caption = text("four examples, one per column: inputs and labels", COLORS["on_dark"], 24)
        data = self.place(VGroup(caption, data).arrange(DOWN, buff=0.5))
        self.show_title()
        self.play(Appear(sub), Appear(self.net), Appear(legend), run_time=0.6)
        self.play(Appear(data), run_time=0.5)
        hold(self, data, legend)
        self.play(Vanish(sub), run_time=0.25)
        self.current = data

    @beat(
        "The forward pass: each layer multiplies the previous activations by its weights, "
        "adds the bias, and squashes the result with its activation function. One entry of Z "
        "is worked out by hand."
    )
    def forward(self) -> None:
        self.set_phase("Forward pass", COLORS["activation"])
        for key, step in self.steps["forward"]:
            l = int(key[1:])
            f = self.fwd(l)
            if key.startswith("Z"):
                extra = (self.net.animate.weigh_edges(l, f["W"]),)
                self.show(step, extra, worked=self.worked_Z(step, l))
            else:
                extra = (self.net.animate.shade_layer(l, self.column(f["A"])),)
                self.show(step, extra)

    @beat(
        "The cost compares the output A with the labels Y by cross-entropy, averaged over the "
        "examples: one number for how wrong the network is."
    )
    def cost(self) -> None:
        self.set_phase("Cost", COLORS["loss"])
        ((_, step),) = self.steps["cost"]
        self.show(step)

    @beat(
        "The backward pass runs the chain rule from the cost back to the first layer: dZ at "
        "each layer, then dW and db from it, then dA for the layer before. One entry of dW is "
        "worked out by hand."
    )
    def backward(self) -> None:
        self.set_phase("Backward pass", COLORS["gradient"])
        for key, step in self.steps["backward"]:
            l = int(key.lstrip("dZWbA"))
            b = self.trace.last(f"dense{l}.backward")
            extra = ()
            worked = None
            if key.startswith("dW"):
                extra = (self.net.animate.weigh_edges(l, b["dW"]),)
                worked = self.worked_dW(step, l)
            elif key.startswith("dZ"):
                extra = (self.net.animate.shade_layer(l, self.column(b["dZ"])),)
            self.show(step, extra, worked=worked)

    @beat(
        "One step of gradient descent: every weight and bias moves against its gradient, "
        "scaled by the learning rate. The edges take their new weights."
    )
    def update(self) -> None:
        up = self.trace.last("optimizer.step")
        self.set_phase(f"One update, learning rate α = {fmt(up.info['lr'], 2)}", COLORS["update"])
        for which in ("W", "b"):
            rows = self.place(update_rows(self.trace, which))
            anims = (
                [self.net.animate.weigh_edges(l, up[f"W{l}_new"]) for l in range(1, self.L + 1)]
                if which == "W"
                else []
            )
            if self.current is not None:
                self.play(Vanish(self.current), run_time=0.25)
            self.play(*[Appear(r) for r in rows], *anims, run_time=0.7)
            self.current = rows
            hold(self, rows)

    @beat(
        "The forward pass once more with the new parameters: the outputs move toward the "
        "labels and the cost falls a little."
    )
    def again(self) -> None:
        """The forward pass once more with the new parameters: A[L] moves toward Y, J falls."""
        before = self.trace.last("model.cost", case="step")
        after = self.trace.last("model.cost", case="again")
        self.set_phase("Forward again with the new W, b: J falls", COLORS["loss"])
        L = self.L
        terms = VGroup(
            Term(f"A^{{[{L}]}}\\ \\mathrm{{before}}", before["AL"], "A").mobject(),
            Term(f"A^{{[{L}]}}\\ \\mathrm{{after}}", after["AL"], "A").mobject(),
            Term("Y", before["Y"], "Y", color=COLORS["class1"]).mobject(),
        ).arrange(RIGHT, buff=0.9)
        J = text(f"J: {fmt(before.info['J'], 3)} → {fmt(after.info['J'], 3)}", COLORS["loss"], 34)
        shown = self.place(VGroup(terms, J).arrange(DOWN, buff=0.6))
        self.play(
            Appear(terms),
            *[
                self.net.animate.shade_layer(l, self.column(self.fwd(l, "again")["A"]))
                for l in range(1, L + 1)
            ],
            run_time=0.8,
        )
        hold(self, terms)
        self.play(Appear(J, shift=0.2 * UP), run_time=0.5)
        hold(self, J, terms)
        self.current = shown
