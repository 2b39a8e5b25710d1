"""Forward and backward pass of a 2-3-1 network on XOR, then one gradient-descent update.

Every number comes from :func:`visualdl.demos.mlp.mlp_xor_trace`; every formula from
:data:`visualdl.symbolic.formulas.DENSE`. Beats: ``intro``, ``forward`` (per layer
``Z = W A + b``, then ``A = g(Z)``), ``cost``, ``backward`` (``dZ``, ``dW``, ``db``,
``dA_prev``), ``optimizer.step``.

Render: ``visualdl render mlp-forward-backward``.
"""

from __future__ import annotations

from manim import DOWN, RIGHT, UR, Transform, VGroup

from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import at_layer
from visualdl.anim.network import NetworkDiagram
from visualdl.anim.numbers import fmt, text
from visualdl.anim.scene import TraceScene
from visualdl.anim.steps import EquationStep, Term, show_step
from visualdl.demos.mlp import mlp_xor_trace
from visualdl.symbolic.formulas import ACTIVATIONS, DENSE
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["MLPForwardBackward", "steps"]

STEP_CENTER = (0.0, -1.1, 0.0)
STEP_HEIGHT = 5.3  # room under the title and the diagram
G_TEXT = {"tanh": "tanh", "sigmoid": "σ", "relu": "ReLU"}


def _name(q: str, l: int | str, T: bool = False) -> str:
    """LaTeX name such as ``W^{[1]}`` (``T`` adds the transpose)."""
    return f"{q}^{{[{l}]{'T' if T else ''}}}"


def steps(tr: Trace) -> dict[str, list[tuple[str, EquationStep]]]:
    """The scene's equation steps by phase, every array read from ``tr`` (for tests, too)."""
    L = len(tr.meta["layer_dims"]) - 1
    fwd = {l: tr.last(f"dense{l}.forward") for l in range(1, L + 1)}
    bwd = {l: tr.last(f"dense{l}.backward") for l in range(1, L + 1)}
    cost = tr.last("model.cost")
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
    """A 2-3-1 tanh/sigmoid network on XOR: forward, cost, backward, one update."""

    title_size, title_buff = 30, 0.4

    def construct(self) -> None:
        self.trace = mlp_xor_trace()
        self.steps = steps(self.trace)
        self.current: VGroup | None = None
        self.intro()
        self.forward()
        self.cost()
        self.backward()
        self.update()

    # -- helpers --------------------------------------------------------------------------
    def set_phase(self, title: str, color: str) -> None:
        self.play(Transform(self.title, self.title_card(title, color)), run_time=0.4)

    def show(self, step: EquationStep, extra: tuple = ()) -> None:
        if step.height > STEP_HEIGHT:
            step.scale_to_fit_height(STEP_HEIGHT)
        step.move_to(STEP_CENTER)
        show_step(self, step, self.current, extra=extra)
        self.current = step

    # -- beats ----------------------------------------------------------------------------
    def intro(self) -> None:
        meta = self.trace.meta
        self.title = self.title_card("A 2-3-1 network on XOR")
        sub = self.subtitle(
            f"{meta['hidden']} hidden layer, sigmoid output, He init (seed {meta['seed']}),\n"
            f"after {meta['iterations']} steps of gradient descent",
            buff=0.2,
        )
        self.net = NetworkDiagram(meta["layer_dims"]).to_corner(UR, buff=0.4)
        X = Term("X = A^{[0]}", self.trace.last("dense1.forward")["A_prev"], "X").mobject()
        Y = Term("Y", self.trace.last("model.cost")["Y"], "Y", color=COLORS["class1"]).mobject()
        data = VGroup(X, Y).arrange(RIGHT, buff=1.5, aligned_edge=DOWN)
        caption = text("four examples, one per column: inputs and labels", COLORS["on_dark"], 24)
        data = VGroup(caption, data).arrange(DOWN, buff=0.5).move_to(STEP_CENTER)
        self.show_title()
        self.play(Appear(sub), Appear(self.net), run_time=0.6)
        self.play(Appear(data), run_time=0.5)
        self.wait(1.5)
        self.play(Vanish(sub), run_time=0.25)
        self.current = data

    def forward(self) -> None:
        self.set_phase("Forward pass", COLORS["activation"])
        for key, step in self.steps["forward"]:
            l = int(key[1:])
            if key.startswith("Z"):
                extra = (self.net.edges[l].animate.set_stroke(COLORS["weight"], 2.5, 1.0),)
            else:
                extra = (self.net.layers[l].animate.set_fill(COLORS["activation"], 0.7),)
            self.show(step, extra)

    def cost(self) -> None:
        self.set_phase("Cost", COLORS["loss"])
        ((_, step),) = self.steps["cost"]
        self.show(step)

    def backward(self) -> None:
        self.set_phase("Backward pass", COLORS["gradient"])
        for key, step in self.steps["backward"]:
            l = int(key.lstrip("dZWbA"))
            extra = ()
            if key.startswith("dW"):
                extra = (self.net.edges[l].animate.set_stroke(COLORS["gradient"], 2.5, 1.0),)
            elif key.startswith("dZ"):
                extra = (self.net.layers[l].animate.set_stroke(COLORS["gradient"], 3),)
            self.show(step, extra)

    def update(self) -> None:
        alpha = self.trace.last("optimizer.step").info["lr"]
        self.set_phase(f"One update, learning rate α = {fmt(alpha, 2)}", COLORS["update"])
        for which in ("W", "b"):
            rows = update_rows(self.trace, which)
            if rows.height > STEP_HEIGHT:
                rows.scale_to_fit_height(STEP_HEIGHT)
            rows.move_to(STEP_CENTER)
            anims = (
                [
                    self.net.edges[l].animate.set_stroke(COLORS["update"], 2.5, 1.0)
                    for l in range(1, len(self.net.edges))
                ]
                if which == "W"
                else []
            )
            self.play(Vanish(self.current), run_time=0.25)
            self.play(*[Appear(r) for r in rows], *anims, run_time=0.7)
            self.current = rows
            self.wait(1.6)
        self.wait(0.5)
