"""The hidden layer folds the plane so that XOR becomes separable.

Three panels, left to right: the input plane with the four XOR points (no straight line
separates the two classes); the same grid after the linear map ``Z[1] = W[1] x + b[1]`` (lines
stay straight and parallel, the points keep their XOR pattern); the grid after ``A[1] =
tanh(Z[1])`` (each coordinate squeezed into (-1, 1): the grid bends and folds). There one
straight line, the output layer's ``W[2] a + b[2] = 0``, separates the classes; pulled back to
the input plane it is a curved boundary, drawn over the input plane shaded by ``Z[2]``.

The hidden layer has 3 units, so ``Z[1]`` and ``A[1]`` are 3-D: ``Z[1]`` fills a flat plane,
seen face on; ``A[1]`` is seen along a third direction, with the horizontal axis exactly what
the output unit reads (``W[2] a / |W[2]|``), so its plane is seen edge on, as a line (the view
is recorded by the demo and said on screen). One point, ``x = (0, 1)``, is walked through
every step with its numbers. Every number comes from
:func:`visualdl.demos.xor_folding.xor_folding_trace`; the formulas from
:data:`visualdl.symbolic.formulas.DENSE`. Beats: ``intro``, ``linear``, ``bend``,
``separate``, ``pull_back``.

Render: ``visualdl render xor-folding``.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Create,
    Dot,
    Line,
    Rectangle,
    Transform,
    VGroup,
    VMobject,
)

from visualdl.anim.beats import beat
from visualdl.anim.contour import PANEL, PlaneMap, contour_lines
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import at_layer, formula
from visualdl.anim.grid import ColorScale
from visualdl.anim.numbers import fmt, row, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.anim.steps import Term
from visualdl.demos.xor_folding import xor_folding_trace
from visualdl.symbolic.formulas import ACTIVATIONS, DENSE
from visualdl.viz.style import COLORS, value_color

__all__ = ["LINE_COLORS", "WALKED", "XorFolding", "grid_lines", "square_bounds"]

SIZE = 3.3  # side of a panel
CENTERS = (-4.75, 0.0, 4.75)  # x of the three panels
PANEL_Y = 0.3
BOTTOM = (0.0, -3.0, 0.0)  # where the worked point's equation sits
LINE_COLORS = ("#8E9AAF", "#7FB38E")  # the grid's lines x1 = c, then x2 = c
BOUNDARY = "#F2D14B"  # the output layer's line and its pull-back
WALKED = 1  # the point walked through: column 1 of X, (0, 1)
HEAT_STEP = 4  # the input plane's shading: one cell per 4 x 4 mesh steps


def square_bounds(xs, ys, pad: float = 0.08) -> tuple[tuple[float, float], tuple[float, float]]:
    """Equal-scale bounds (a square) around the points ``xs, ys`` with ``pad`` of margin."""
    x0, x1, y0, y1 = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
    half = max(x1 - x0, y1 - y0) * (0.5 + pad)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - half, cx + half), (cy - half, cy + half)


def grid_lines(P, n_lines: int, n_per_line: int) -> list[tuple]:
    """The grid's ``2 n_lines`` lines as ``(xs, ys)`` from the columns of ``P: (2, N)``."""
    k = n_per_line
    return [(P[0, i * k : (i + 1) * k], P[1, i * k : (i + 1) * k]) for i in range(2 * n_lines)]


class Panel(VGroup):
    """A framed square showing data in ``bounds`` at equal scale; ``plane`` maps data to
    scene points."""

    def __init__(self, bounds, x: float) -> None:
        super().__init__()
        self.plane = PlaneMap(bounds, SIZE, SIZE, (x, PANEL_Y, 0.0))
        self.frame = Rectangle(width=SIZE, height=SIZE).move_to([x, PANEL_Y, 0])
        self.frame.set_stroke(COLORS["muted"], 1, 0.6).set_fill(PANEL, 1.0)
        self.add(self.frame)

    def lines(self, P, n_lines: int, n_per_line: int) -> VGroup:
        out = VGroup()
        for i, (xs, ys) in enumerate(grid_lines(P, n_lines, n_per_line)):
            line = VMobject().set_points_as_corners(self.plane.to_point(xs, ys))
            out.add(line.set_stroke(LINE_COLORS[i >= n_lines], 1.6, 0.85))
        return out

    def dots(self, P, Y) -> VGroup:
        return VGroup(
            *[
                Dot(self.plane.to_point(P[0, i], P[1, i]), radius=0.1)
                .set_fill(COLORS["class1" if Y[0, i] == 1 else "class0"], 1.0)
                .set_stroke(COLORS["on_dark"], 1.5)
                for i in range(P.shape[1])
            ]
        )


class XorFolding(TraceScene):
    """A trained 2-3-1 tanh network folds the plane so one line separates XOR."""

    def construct(self) -> None:
        self.trace = xor_folding_trace()
        tr = self.trace
        self.info = tr.last("xor_folding.grid").info
        self.Y = tr.last("xor_folding.grid")["Y"]
        self.view = tr.last("xor_folding.view")
        self.points = tr.last("dense1.forward", case="points")
        self.out = tr.last("dense2.forward", case="points")
        self.grid = tr.last("dense1.forward", case="grid")
        self.current: VGroup | None = None
        self.intro()
        self.linear()
        self.bend()
        self.separate()
        self.pull_back()

    # -- helpers --------------------------------------------------------------------------
    def message(self, s: str) -> None:
        """Replace the line under the title by ``s``."""
        new = text(s, COLORS["on_dark"], 20).next_to(self.title, DOWN, aligned_edge=LEFT)
        new.shift(0.05 * DOWN)
        old = self.note
        self.play(Vanish(old, run_time=0.25), Appear(new, run_time=0.4))
        self.note = new

    def panel_title(self, tex: str, panel: Panel) -> VMobject:
        return formula(tex, COLORS["on_dark"], 24).next_to(panel.frame, UP, buff=0.2)

    def panel_caption(self, s: str, panel: Panel) -> VMobject:
        return text(s, COLORS["muted"], 16).next_to(panel.frame, DOWN, buff=0.12)

    def show_bottom(self, *parts) -> VGroup:
        """Swap the worked equation under the panels for ``parts`` (a :func:`row`)."""
        mobs = [p.mobject(20) if isinstance(p, Term) else p for p in parts]
        new = row(*mobs, font_size=26, buff=0.2).move_to(BOTTOM)
        if new.width > 13.4:
            new.scale_to_fit_width(13.4)
        if self.current is not None:
            self.play(Vanish(self.current), run_time=0.25)
        self.play(Appear(new, shift=0.2 * UP), run_time=0.6)
        self.current = new
        return new

    def ring(self, dots: VGroup) -> Circle:
        return Circle(0.2).set_stroke(COLORS["on_dark"], 2.5).move_to(dots[WALKED])

    def arrow(self, a: Panel, b: Panel) -> Arrow:
        return Arrow(
            a.frame.get_right() + 0.1 * RIGHT,
            b.frame.get_left() + 0.1 * LEFT,
            buff=0,
            stroke_width=3,
            color=COLORS["muted"],
        )

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "The four XOR points on the input plane, with a grid over it, for a small tanh network "
        "already trained to classify all four. No straight line puts both points of one class on "
        "one side and both of the other class on the other."
    )
    def intro(self) -> None:
        info, meta = self.info, self.trace.meta
        dims = "-".join(str(n) for n in meta["layer_dims"])
        self.title = self.title_card("XOR: the hidden layer folds the plane")
        self.note = text(
            f"a {dims} network, tanh hidden layer, trained on XOR for "
            f"{meta['iterations']} steps: accuracy {info['accuracy'] * 100:.0f} %",
            COLORS["muted"],
            18,
        ).next_to(self.title, DOWN, aligned_edge=LEFT, buff=0.2)
        low, high = info["low"], info["high"]
        self.P_in = Panel(((low, high), (low, high)), CENTERS[0])
        X = self.points["A_prev"]
        self.lines_in = self.P_in.lines(self.grid["A_prev"], info["n_lines"], info["n_per_line"])
        self.dots_in = self.P_in.dots(X, self.Y)
        corners = VGroup(
            *[
                text(f"({fmt(X[0, i], 0)}, {fmt(X[1, i], 0)})", COLORS["on_dark"], 16).next_to(
                    self.dots_in[i], DOWN + (LEFT if X[0, i] == 0 else RIGHT), buff=0.02
                )
                for i in range(X.shape[1])
            ]
        )
        self.t_in = self.panel_title(r"x = A^{[0]}", self.P_in)
        legend = VGroup(
            *[
                VGroup(
                    Dot(radius=0.1).set_fill(COLORS[f"class{y}"], 1).set_stroke(COLORS["on_dark"]),
                    text(f"y = {y}", COLORS["on_dark"], 18),
                ).arrange(RIGHT, buff=0.12)
                for y in (0, 1)
            ]
        ).arrange(RIGHT, buff=0.4)
        legend.to_corner(UP + RIGHT, buff=0.4)
        self.show_title()
        self.play(Appear(self.note), Appear(legend), run_time=0.4)
        self.play(Appear(self.P_in), Appear(self.t_in), Create(self.lines_in), run_time=1.0)
        self.play(Appear(self.dots_in), Appear(corners), run_time=0.5)
        hold(self, self.P_in, corners)
        no_line = text(
            "No straight line puts both orange points on one side\n"
            "and both blue points on the other.",
            COLORS["on_dark"],
            22,
        ).move_to([2.3, PANEL_Y, 0])
        self.play(Appear(no_line), run_time=0.5)
        hold(self, no_line)
        self.play(Vanish(no_line), Vanish(corners), run_time=0.3)

    @beat(
        "First the hidden layer's linear map, worked by hand for one point; then the whole grid "
        "follows, its lines staying straight and parallel. The points keep their XOR pattern, so "
        "still no line separates them."
    )
    def linear(self) -> None:
        info, view, p = self.info, self.view, self.points
        self.message("Step 1, a linear map: straight lines stay straight and parallel.")
        self.P_z = Panel(square_bounds(view["Z_grid"][0], view["Z_grid"][1]), CENTERS[1])
        self.t_z = self.panel_title(at_layer(DENSE["Z"], 1), self.P_z)
        face = self.panel_caption("3-D, but flat: seen face on", self.P_z)
        self.play(Appear(self.P_z), Appear(self.t_z), Appear(face), run_time=0.5)
        self.play(Create(self.arrow(self.P_in, self.P_z)), run_time=0.4)
        # one point by hand: W[1] x + b[1] for x = (0, 1)
        ring_in = self.ring(self.dots_in)
        self.play(Create(ring_in), run_time=0.4)
        j = WALKED
        self.show_bottom(
            Term("W^{[1]}", p["W"], "W"),
            Term("x", p["A_prev"][:, j : j + 1], "X"),
            "+",
            Term("b^{[1]}", p["b"], "b"),
            "=",
            Term("Z^{[1]}", p["Z"][:, j : j + 1], "Z"),
        )
        hold(self, self.current)
        # the whole grid follows
        self.lines_z = self.P_z.lines(view["Z_grid"], info["n_lines"], info["n_per_line"])
        self.dots_z = self.P_z.dots(view["Z_points"], self.Y)
        moving, dots = self.lines_in.copy(), self.dots_in.copy()
        self.play(Transform(moving, self.lines_z), Transform(dots, self.dots_z), run_time=2.5)
        self.remove(moving, dots)
        self.add(self.lines_z, self.dots_z)
        self.ring_z = self.ring(self.dots_z)
        self.play(Create(self.ring_z), run_time=0.3)
        still = self.panel_caption("still XOR: no line separates", self.P_z)
        self.play(Vanish(face), Appear(still), run_time=0.4)
        hold(self, self.lines_z, still)
        self.ring_in, self.face = ring_in, still

    @beat(
        "Then tanh squeezes each hidden coordinate to between minus one and one, worked for the "
        "same point, and the straight grid bends and folds. The hidden space is "
        "three-dimensional, so the panel shows it from one side."
    )
    def bend(self) -> None:
        info, view, p = self.info, self.view, self.points
        self.message("Step 2, tanh squeezes every coordinate into (−1, 1): the grid bends.")
        self.P_a = Panel(square_bounds(view["A_grid"][0], view["A_grid"][1]), CENTERS[2])
        tanh_tex = at_layer(DENSE["A"], 1).replace("g^{[1]}", ACTIVATIONS["tanh"])
        self.t_a = self.panel_title(tanh_tex, self.P_a)
        seen = self.panel_caption("3-D, seen from one side", self.P_a)
        self.play(Appear(self.P_a), Appear(self.t_a), Appear(seen), run_time=0.5)
        self.play(Create(self.arrow(self.P_z, self.P_a)), run_time=0.4)
        j = WALKED
        self.show_bottom(
            "tanh(",
            Term("Z^{[1]}", p["Z"][:, j : j + 1], "Z"),
            ")",
            "=",
            Term("A^{[1]}", p["A"][:, j : j + 1], "A"),
        )
        hold(self, self.current)
        self.lines_a = self.P_a.lines(view["A_grid"], info["n_lines"], info["n_per_line"])
        self.dots_a = self.P_a.dots(view["A_points"], self.Y)
        moving, dots = self.lines_z.copy(), self.dots_z.copy()
        self.play(Transform(moving, self.lines_a), Transform(dots, self.dots_a), run_time=3.0)
        self.remove(moving, dots)
        self.add(self.lines_a, self.dots_a)
        self.ring_a = self.ring(self.dots_a)
        self.play(Create(self.ring_a), run_time=0.3)
        hold(self, self.lines_a, seen)
        self.seen = seen

    @beat(
        "In the bent space one straight line, where the output layer's weighted sum is zero, puts "
        "the two classes on opposite sides. The walked point's output is worked out, and the "
        "sigmoid puts it in class one."
    )
    def separate(self) -> None:
        view, out = self.view, self.out
        self.message("Step 3, the output layer: one straight line now separates the classes.")
        plane = self.P_a.plane
        s = view.info["boundary"]
        line = Line(plane.to_point(s, plane.y0), plane.to_point(s, plane.y1))
        line.set_stroke(BOUNDARY, 4)
        sides = VGroup(
            Rectangle(width=abs(plane.to_point(s, 0)[0] - edge), height=SIZE)
            .set_stroke(width=0)
            .set_fill(value_color(sign, 1.0), 0.25)
            .move_to([(plane.to_point(s, 0)[0] + edge) / 2, PANEL_Y, 0])
            for sign, edge in (
                (-1.0, self.P_a.frame.get_left()[0]),
                (1.0, self.P_a.frame.get_right()[0]),
            )
        )
        label = formula(r"W^{[2]} a + b^{[2]} = 0", BOUNDARY, 20)
        axis = text("across: W[2] a / |W[2]|, what\nthe output unit reads", COLORS["muted"], 16)
        VGroup(label, axis).arrange(DOWN, buff=0.1).next_to(self.P_a.frame, DOWN, buff=0.12)
        self.play(
            Appear(sides),
            Create(line),
            Vanish(self.seen),
            Appear(axis),
            Appear(label),
            run_time=0.8,
        )
        self.bring_to_front(self.lines_a, self.dots_a, self.ring_a)
        j = WALKED
        z2, a2 = out["Z"][0, j], out["A"][0, j]
        self.show_bottom(
            Term("W^{[2]}", out["W"], "W"),
            Term("A^{[1]}", out["A_prev"][:, j : j + 1], "A"),
            "+",
            Term("b^{[2]}", out["b"], "b"),
            "=",
            text(f"Z[2] = {fmt(z2)}", COLORS["preactivation"], 26),
            "→",
            text(f"σ(Z[2]) = {fmt(a2)}", COLORS["activation"], 26),
            text("> 0.5: class 1" if a2 > 0.5 else "< 0.5: class 0", COLORS["muted"], 22),
        )
        hold(self, self.current, line)
        self.line_a = line

    @beat(
        "Pulled back to the input plane, that straight line is a curved boundary, drawn over the "
        "plane shaded by the output's pre-activation. Bending the plane with tanh is what lets a "
        "single line separate XOR."
    )
    def pull_back(self) -> None:
        tr, info = self.trace, self.info
        self.message("Pulled back to the input plane, that line is a curved boundary.")
        mesh = info["mesh"]
        pts = tr.last("dense1.forward", case="plane")["A_prev"]
        Z2 = tr.last("dense2.forward", case="plane")["Z"][0]
        X1, X2, F = (a.reshape(mesh, mesh) for a in (pts[0], pts[1], Z2))
        scale = float(abs(Z2).max())
        plane, k = self.P_in.plane, HEAT_STEP
        side = SIZE * k / (mesh - 1)
        heat = VGroup(
            *[
                Rectangle(width=side, height=side)
                .set_stroke(width=0)
                .set_fill(value_color(F[i + k // 2, j + k // 2], scale), 0.85)
                .move_to(plane.to_point(X1[i + k // 2, j + k // 2], X2[i + k // 2, j + k // 2]))
                for i in range(0, mesh - 1, k)
                for j in range(0, mesh - 1, k)
            ]
        )
        curve = VGroup(
            *[
                VMobject().set_points_as_corners(plane.to_point(seg[:, 0], seg[:, 1]))
                for _, segs in contour_lines(X1, X2, F, [0.0])
                for seg in segs
            ]
        ).set_stroke(BOUNDARY, 4)
        bar = ColorScale(round(scale, 2), width=2.4).scale(1.2)
        bar_name = formula(r"Z^{[2]}", COLORS["preactivation"], 20)
        key = VGroup(bar_name, bar).arrange(RIGHT, buff=0.2)
        key.next_to(self.P_in.frame, DOWN, buff=0.15)
        self.play(Vanish(self.current), run_time=0.25)
        self.current = None
        self.play(
            Appear(heat),
            self.lines_in.animate.set_stroke(opacity=0.35),
            Appear(key),
            run_time=0.8,
        )
        self.bring_to_front(self.lines_in, self.dots_in, self.ring_in)
        self.play(Create(curve), run_time=1.5)
        self.bring_to_front(self.dots_in, self.ring_in)
        summary = text(
            "tanh bent the plane so that a line works; in the input plane that line is curved.",
            COLORS["on_dark"],
            22,
        ).move_to(BOTTOM)
        self.play(Appear(summary), run_time=0.5)
        hold(self, heat, curve, summary, at_least=4.0)
