"""The chain rule on logistic regression's computational graph.

``z = w1 x1 + w2 x2 + b``, ``a = sigma(z)``, ``L = -(y log a + (1 - y) log(1 - a))``: forward
values on the nodes, local derivatives on the edges, their product building ``dL/dw``, and the
SymPy-derived result shown equal to the engine's number. Every number comes from
:func:`visualdl.demos.chain_rule.chain_rule_trace`; every formula's right-hand side from the
SymPy derivation stored in that trace. Beats: ``build``, ``forward``, ``local``, ``product``,
``check``.

Render: ``visualdl render chain-rule``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UL, UP, VGroup, VMobject

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import dfrac, formula
from visualdl.anim.graph import GraphNode, edge, value_tag
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.chain_rule import chain_rule_trace
from visualdl.viz.style import COLORS

__all__ = ["ChainRule", "DIGITS"]

DIGITS = 3
PANEL_TOP_LEFT = (-6.6, -0.75, 0.0)
INPUTS = [
    ("w1", "w₁", "weight"),
    ("x1", "x₁", "input"),
    ("w2", "w₂", "weight"),
    ("x2", "x₂", "input"),
    ("b", "b", "weight"),
]


def _v(x: float) -> str:
    return fmt(x, DIGITS)


class ChainRule(TraceScene):
    """Logistic regression as a graph; the chain rule builds dL/dw; SymPy agrees."""

    title_size, title_buff = 30, 0.4

    def construct(self) -> None:
        self.trace = tr = chain_rule_trace()
        self.meta = tr.meta
        self.fwd = tr.last("dense1.forward")
        self.chain = tr.last("dense1.backward", case="chain")  # from dA: dZ = dA g'(Z)
        self.bwd = tr.last("dense1.backward", case="fused")  # the model's dZ = A - Y
        self.local_d, self.sym = tr.last("chain_rule.local"), tr.last("chain_rule.symbolic").info
        self.tex = self.sym["latex"]
        self.panel: VGroup | None = None
        self.build()
        self.forward()
        self.local()
        self.backward()
        self.check()

    # -- helpers --------------------------------------------------------------------------
    def line(self, tex: str, value: str | None, color: str = COLORS["on_dark"], size: float = 30):
        """A panel line: a formula, then ``= value`` in ``color``."""
        parts = [formula(tex, COLORS["on_dark"], size)]
        if value is not None:
            parts.append(text(f"= {value}", color, size - 2))
        return VGroup(*parts).arrange(RIGHT, buff=0.2)

    def show_lines(self, *lines: VGroup, extra: tuple = (), still: bool = True) -> None:
        """Append lines to the panel under the graph (left-aligned), one after the other,
        each held for reading (:func:`visualdl.anim.pace.hold`) unless ``still`` is False."""
        for ln in lines:
            anchor = self.panel[-1] if self.panel is not None and len(self.panel) else None
            if anchor is None:
                ln.move_to(PANEL_TOP_LEFT, aligned_edge=UL)
                self.panel = VGroup(ln)
            else:
                ln.next_to(anchor, DOWN, aligned_edge=LEFT, buff=0.3)
                self.panel.add(ln)
            self.play(Appear(ln, shift=0.2 * RIGHT), *extra, run_time=0.6)
            extra = ()
            if still:
                hold(self, ln)

    def clear_panel(self) -> None:
        if self.panel is not None:
            self.play(Vanish(self.panel), run_time=0.3)
        self.panel = None

    def edge_value(self, e, s: str, up: bool = True):
        return text(s, COLORS["gradient"], 22).next_to(
            e.point_from_proportion(0.45), UP if up else DOWN, buff=0.12
        )

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "Logistic regression drawn as a computational graph: the weights, the inputs and the bias "
        "feed z, z feeds the sigmoid a, and a feeds the loss L. Each node is one small step the "
        "chain rule can walk back through."
    )
    def build(self) -> None:
        self.title = self.title_card("The chain rule on logistic regression")
        self.inputs = {}
        for i, (key, label, kind) in enumerate(INPUTS):
            self.inputs[key] = GraphNode(label, COLORS[kind]).move_to([-4.2, 2.65 - 0.7 * i, 0])
        self.z = GraphNode("z", COLORS["preactivation"]).move_to([-0.8, 1.25, 0])
        self.a = GraphNode("a = σ(z)", COLORS["activation"]).move_to([2.4, 1.25, 0])
        self.L = GraphNode("L(a, y)", COLORS["loss"]).move_to([5.7, 1.25, 0])
        self.in_edges = {k: edge(n, self.z) for k, n in self.inputs.items()}
        self.za, self.aL = edge(self.z, self.a), edge(self.a, self.L)
        graph = VGroup(
            *self.inputs.values(), self.z, self.a, self.L, *self.in_edges.values(), self.za, self.aL
        )
        self.show_title()
        self.play(Appear(graph), run_time=0.8)
        hold(self, graph)

    @beat(
        "The forward pass puts a value on every node: z is the weighted sum plus the bias, a is "
        "its sigmoid, and L is the cross-entropy loss against the label y."
    )
    def forward(self) -> None:
        m, f = self.meta, self.fwd
        vals = {"w1": m["w"][0], "x1": m["x"][0], "w2": m["w"][1], "x2": m["x"][1], "b": m["b"]}
        self.tags = {
            k: text(fmt(vals[k], 2), COLORS[kind], 22).next_to(self.inputs[k], LEFT, buff=0.2)
            for k, _, kind in INPUTS
        }
        tags = VGroup(*self.tags.values())
        y_tag = text(f"y = {fmt(m['y'], 0)}", COLORS["class1"], 22).next_to(self.L, UP, buff=0.2)
        self.play(Appear(tags), Appear(y_tag), run_time=0.6)
        z_val, a_val = float(f["Z"][0, 0]), float(f["A"][0, 0])
        J = float(self.sym["values"]["L"])
        self.values = {
            "z": value_tag(_v(z_val), COLORS["preactivation"], self.z, 22),
            "a": value_tag(_v(a_val), COLORS["activation"], self.a, 22),
            "L": value_tag(_v(J), COLORS["loss"], self.L, 22),
        }
        self.show_lines(
            self.line(f"z = {self.tex['z']}", _v(z_val), COLORS["preactivation"]),
            extra=(Appear(self.values["z"]),),
        )
        self.show_lines(
            self.line(rf"a = \sigma(z) = {self.tex['a']}", _v(a_val), COLORS["activation"]),
            extra=(Appear(self.values["a"]),),
        )
        self.show_lines(
            self.line(f"L = {self.tex['L_a']}", _v(J), COLORS["loss"]),
            extra=(Appear(self.values["L"]),),
        )

    @beat(
        "Each edge gets its local derivative, computed by the engine: how the node on its right "
        "changes with the node on its left alone. From z, the derivative with respect to a weight "
        "is just its input, and with respect to the bias it is one."
    )
    def local(self) -> None:
        d, t = self.local_d, self.tex
        self.clear_panel()
        heading = text(
            "Local derivatives on the edges (computed by the engine)", COLORS["muted"], 22
        )
        self.show_lines(heading, still=False)
        self.show_lines(
            self.line(f"{dfrac('L', 'a')} = {t['dL_da']}", _v(d["dL_da"][0]), COLORS["gradient"]),
            extra=(Appear(self.edge_value(self.aL, _v(d["dL_da"][0]))),),
        )
        self.show_lines(
            self.line(f"{dfrac('a', 'z')} = {t['da_dz']}", _v(d["da_dz"][0]), COLORS["gradient"]),
            extra=(Appear(self.edge_value(self.za, _v(d["da_dz"][0]))),),
        )
        dz_dw, dz_db = d["dz_dw"], float(d["dz_db"][0])
        parts = [
            f"{dfrac('z', 'w_1')} = {t['dz_dw1']}",
            f"{dfrac('z', 'w_2')} = {t['dz_dw2']}",
            f"{dfrac('z', 'b')} = {t['dz_db']}",
        ]
        vals = [_v(dz_dw[0]), _v(dz_dw[1]), _v(dz_db)]
        ln = VGroup(
            *[self.line(p, v, COLORS["gradient"]) for p, v in zip(parts, vals, strict=True)]
        )
        ln.arrange(RIGHT, buff=0.6)
        edge_tags = [
            text(v, COLORS["gradient"], 20)
            .move_to(self.in_edges[k].point_from_proportion(0.3))
            .shift(0.2 * UP)
            for k, v in zip(
                ("w1", "w2", "b"), (fmt(dz_dw[0], 2), fmt(dz_dw[1], 2), fmt(dz_db, 2)), strict=True
            )
        ]
        self.show_lines(ln, extra=tuple(Appear(e) for e in edge_tags))

    def grad_tag(self, s: str, node: str) -> VMobject:
        """The upstream gradient ``s`` under a node's value (z, a, L) or, for an input, left
        of its value, in the gradient colour."""
        if node in self.values:
            return value_tag(s, COLORS["gradient"], self.values[node], 22, buff=0.1)
        return text(s, COLORS["gradient"], 22).next_to(self.tags[node], LEFT, buff=0.3)

    @beat(
        "The gradient flows back from L: each node's gradient is its local derivative times the "
        "gradient arriving from its right, which at z comes out as a minus y. Both weights and "
        "the bias reuse that one gradient of L with respect to z."
    )
    def backward(self) -> None:
        """The upstream gradient flows from L back to every input: each node's dL/d(node) is
        its local derivative times the gradient arriving from its right, and the one dL/dz
        is reused by all three of z's inputs."""
        d, ch, fused = self.local_d, self.chain, self.bwd
        self.clear_panel()
        self.swap_title("Backward: gradients flow from L to the inputs")
        heads = VGroup(  # column heads over the inputs, between their top row and the title
            text("∂L/∂·", COLORS["gradient"], 16).next_to(self.tags["w1"], LEFT, buff=0.3),
            text("value", COLORS["muted"], 16).move_to(self.tags["w1"]),
        )
        for h in heads:
            h.set_y(3.08)
        dL_da, da_dz = float(d["dL_da"][0]), float(d["da_dz"][0])
        dZ = float(ch["dZ"][0, 0])
        self.grads = {"L": self.grad_tag("∂L/∂L = 1", "L")}
        self.show_lines(
            text("the gradient of L with respect to itself is 1", COLORS["muted"], 22),
            extra=(Appear(self.grads["L"]), Appear(heads)),
        )
        self.grads["a"] = self.grad_tag(f"∂L/∂a = {_v(dL_da)}", "a")
        self.show_lines(
            VGroup(
                self.line(dfrac("L", "a"), _v(dL_da), COLORS["gradient"]),
                text("(the last edge's local derivative × 1)", COLORS["muted"], 22),
            ).arrange(RIGHT, buff=0.3),
            extra=(Appear(self.grads["a"]),),
        )
        self.grads["z"] = self.grad_tag(f"∂L/∂z = {_v(dZ)}", "z")
        local_times_upstream = VGroup(
            formula(
                f"{dfrac('L', 'z')} = {dfrac('a', 'z')} \\cdot {dfrac('L', 'a')}",
                COLORS["on_dark"],
                30,
            ),
            text(f"= ({_v(da_dz)}) × ({_v(dL_da)}) = {_v(dZ)}", COLORS["gradient"], 28),
            text(f"= a − y = {_v(fused['dZ'][0, 0])}", COLORS["muted"], 24),
        ).arrange(RIGHT, buff=0.2)
        self.show_lines(local_times_upstream, extra=(Appear(self.grads["z"]),))
        self.clear_panel()
        self.show_lines(
            text(f"z's three inputs reuse the same ∂L/∂z = {_v(dZ)}:", COLORS["muted"], 22),
            still=False,
        )
        for key, wrt, local, grad in (
            ("w1", "w_1", d["dz_dw"][0], ch["dW"][0, 0]),
            ("w2", "w_2", d["dz_dw"][1], ch["dW"][0, 1]),
            ("b", "b", d["dz_db"][0], ch["db"][0, 0]),
        ):
            self.grads[key] = self.grad_tag(_v(grad), key)
            flow = self.grads["z"].copy()
            ln = VGroup(
                formula(
                    f"{dfrac('L', wrt)} = {dfrac('z', wrt)} \\cdot {dfrac('L', 'z')}",
                    COLORS["on_dark"],
                    30,
                ),
                text(f"= ({_v(local)}) × ({_v(dZ)}) = {_v(grad)}", COLORS["gradient"], 28),
            ).arrange(RIGHT, buff=0.2)
            self.play(
                flow.animate.move_to(self.grads[key]).set_opacity(0.0),
                self.in_edges[key].animate.set_color(COLORS["gradient"]),
                run_time=0.8,
            )
            self.remove(flow)
            self.show_lines(ln, extra=(Appear(self.grads[key]),))

    @beat(
        "A table sets the chain rule's gradients beside SymPy's, which differentiates the whole "
        "loss in one go, and the engine's. All three agree to rounding error."
    )
    def check(self) -> None:
        sym, t = self.sym["values"], self.tex
        self.clear_panel()
        self.swap_title("Check: chain rule = SymPy = engine")
        head = ["", "chain rule", "SymPy", "engine"]
        rows = [[text(h, COLORS["muted"], 22) for h in head]]
        engine = [
            float(self.bwd["dW"][0, 0]),
            float(self.bwd["dW"][0, 1]),
            float(self.bwd["db"][0, 0]),
        ]
        chain = [self.chain["dW"][0, 0], self.chain["dW"][0, 1], self.chain["db"][0, 0]]
        symv = [sym["dL_dw"][0], sym["dL_dw"][1], sym["dL_db"]]
        for i, (wrt, key) in enumerate([("w_1", "dL_dw1"), ("w_2", "dL_dw2"), ("b", "dL_db")]):
            rows.append(
                [
                    formula(dfrac("L", wrt), COLORS["on_dark"], 28),
                    text(_v(chain[i]), COLORS["gradient"], 26),
                    VGroup(
                        formula(t[key], COLORS["on_dark"], 28),
                        text(f"= {_v(symv[i])}", COLORS["gradient"], 26),
                    ).arrange(RIGHT, buff=0.2),
                    text(_v(engine[i]), COLORS["gradient"], 26),
                ]
            )
        table = VGroup(*[m for r in rows for m in r]).arrange_in_grid(
            rows=len(rows), cols=4, buff=(0.45, 0.28)
        )
        table.move_to(PANEL_TOP_LEFT, aligned_edge=UL).shift(0.1 * DOWN)
        note = text(
            "SymPy differentiates\n"
            "L(w, b) as a whole:\n"
            "the same numbers.\n"
            "largest |SymPy − engine|\n"
            f"= {self.sym['max_abs_diff']:.1e}",
            COLORS["muted"],
            20,
            line_spacing=0.9,
        )
        room = 6.8 - table.get_right()[0] - 0.6
        if note.width > room:
            note.scale_to_fit_width(room)
        note.next_to(table, RIGHT, buff=0.6)
        self.play(Appear(table), run_time=0.8)
        self.play(Appear(note), run_time=0.4)
        hold(self, table, note, n_entries=9)
