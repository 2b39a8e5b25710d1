"""Momentum as an exponentially weighted average of the gradients, in a narrow valley.

Gradient descent on ``f = 0.1 x^2 + 2 y^2`` zig-zags: the across-valley gradient flips sign
every step, and at ``alpha = 0.52``, just past what the steep direction allows, the zig-zag
grows. Averaging those gradients, ``v = beta v + (1 - beta) g`` (the notes' EMA form,
beta 0.9), cancels the flips and keeps the steady pull along the valley; momentum steps along
``-alpha v`` instead of ``-alpha g``. Every point, arrow and number comes from
:func:`visualdl.demos.momentum.momentum_trace` (the engine's ``optimizer.step`` records).
Beats: ``intro``, ``descent`` (gradient descent, arrows ``-alpha g_t``), ``average`` (the
averages of those gradients), ``momentum`` (arrows ``-alpha g_t`` and the step ``-alpha v_t``),
``summary``.

Render: ``visualdl render momentum``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, RIGHT, UL, Arrow, Create, FadeIn, FadeOut, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.contour import ContourMap
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.anim.series import SeriesPanel
from visualdl.anim.trails import Trail, TrailRace
from visualdl.demos.momentum import momentum_trace
from visualdl.symbolic.formulas import OPTIMIZERS
from visualdl.trace import Trace
from visualdl.viz.style import COLORS, OPTIMIZER_COLORS

__all__ = ["Momentum", "StepView", "step_views", "vec"]

MAP_W, MAP_H = 7.5, 5.0
MAP_CENTER = (-3.05, 0.0, 0.0)
PANEL_LEFT = 1.25
F1_TOP, F2_TOP, NAMES_TOP, READOUT_TOP = 3.6, 3.0, 2.35, 1.9  # right panel rows
STEP_TIME = 0.3
G_COLOR = COLORS["gradient"]
V_COLOR = "#7FA6E0"  # the velocity: a lighter shade of momentum's blue, readable on dark


@dataclass(frozen=True)
class StepView:
    """What the scene draws for step ``t`` (1-based) of one run, read from the trace."""

    t: int
    at: tuple[float, float]  # the point before the step
    to: tuple[float, float]  # the point after it
    g: tuple[float, float]  # the gradient there, (dx, dy)
    v: tuple[float, float] | None  # momentum's velocity after the update, (Vdx, Vdy)
    lr: float

    @property
    def g_text(self) -> str:
        return f"g = {vec(self.g)}"

    @property
    def v_text(self) -> str:
        return "" if self.v is None else f"v = {vec(self.v)}"


def vec(p: tuple[float, float], digits: int = 2) -> str:
    """``(−0.95, 1.12)``: a 2-vector as the scene prints it."""
    return f"({fmt(p[0], digits)}, {fmt(p[1], digits)})"


def step_views(tr: Trace, optimizer: str) -> list[StepView]:
    """The steps of ``optimizer`` ("gd" or "momentum") from its ``optimizer.step`` records,
    with the point reached after each step from its ``path`` record."""
    path = next(r for r in tr.find("optimizers.path") if r.info["optimizer"] == optimizer)
    recs = [r for r in tr.find("optimizer.step") if r.info["optimizer"] == optimizer]
    out = []
    for k, r in enumerate(recs):
        if k + 1 >= len(path["x"]):
            break
        v = (float(r["Vdx"]), float(r["Vdy"])) if "Vdx" in r.arrays else None
        out.append(
            StepView(
                t=int(r.info["t"]),
                at=(float(r["x"]), float(r["y"])),
                to=(float(path["x"][k + 1]), float(path["y"][k + 1])),
                g=(float(r["dx"]), float(r["dy"])),
                v=v,
                lr=float(r.info["lr"]),
            )
        )
    return out


def zigzag_factor(tr: Trace) -> float:
    """How much gradient descent's last step multiplied the across-valley coordinate y."""
    y = next(r for r in tr.find("optimizers.path") if r.info["optimizer"] == "gd")["y"]
    return float(y[-1] / y[-2])


def across_limit(tr: Trace) -> float:
    """The y-range of the across-valley panel: the largest g_y or v_y shown, plus 10%."""
    values = [
        abs(float(r[k])) for r in tr.find("optimizer.step") for k in ("dy", "Vdy") if k in r.arrays
    ]
    return 1.1 * max(values)


class Momentum(TraceScene):
    """Gradient descent zig-zags in a narrow valley; momentum steps along the average."""

    title_size = 30

    def construct(self) -> None:
        self.trace = momentum_trace()
        self.meta = self.trace.meta
        self.readout: VGroup | None = None
        self.intro()
        self.descent()
        self.average()
        self.momentum()
        self.summary()

    # -- helpers --------------------------------------------------------------------------
    def arrow(self, at: tuple[float, float], d: tuple[float, float], color: str, width=4.0):
        """The data displacement ``d`` drawn from ``at`` on the map (None when too short)."""
        start = self.map.plane.to_point(*at)
        end = start + self.map.plane.vector(*d)
        if ((end - start) ** 2).sum() < 0.02**2:
            return None
        return Arrow(
            start,
            end,
            buff=0,
            stroke_width=width,
            max_tip_length_to_length_ratio=0.25,
            max_stroke_width_to_length_ratio=20,
            tip_length=0.18,
        ).set_color(color)

    def set_readout(self, *lines: tuple[str, str]) -> None:
        """Replace the step counter and vector lines under the formulas (no animation)."""
        if self.readout is not None:
            self.remove(self.readout)
        group = VGroup(*[text(s, c, 22) for s, c in lines]).arrange(
            DOWN, aligned_edge=LEFT, buff=0.14
        )
        self.readout = group.move_to([PANEL_LEFT, READOUT_TOP, 0], aligned_edge=UL)
        self.add(self.readout)

    def run(self, steps: list[StepView], trail: Trail, label: str, color: str) -> None:
        """Play the steps one by one: arrows, then the dot moving along the step."""
        shown: list = []
        for k, st in enumerate(steps):
            self.remove(*shown)
            lines = [
                (f"{label}: step t = {st.t} / {len(steps)}", COLORS["on_dark"]),
                (st.g_text, G_COLOR),
            ]
            if st.v is not None:
                lines.append((st.v_text, V_COLOR))
            self.set_readout(*lines)
            g_arrow = self.arrow(st.at, (-st.lr * st.g[0], -st.lr * st.g[1]), G_COLOR, 3.0)
            shown = [a for a in [g_arrow] if a is not None]
            new = [
                self.across.dot(k + 1, st.g[1], G_COLOR),
                self.along.dot(k + 1, st.g[0], G_COLOR),
            ]
            if st.v is not None:
                v_arrow = self.arrow(st.at, (-st.lr * st.v[0], -st.lr * st.v[1]), V_COLOR)
                shown += [a for a in [v_arrow] if a is not None]
                new += [
                    self.across.dot(k + 1, st.v[1], V_COLOR),
                    self.along.dot(k + 1, st.v[0], V_COLOR),
                ]
            self.add(*new)
            self.plots.add(*new)
            self.play(*[Appear(a) for a in shown], run_time=STEP_TIME * 0.4)
            if k == 0:  # the first step walked slowly: its vectors, their arrows and dots
                hold(self, self.readout)
            self.play(TrailRace([trail], k, k + 1), run_time=STEP_TIME * 0.6)
        self.remove(*shown)

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A narrow valley, much steeper across than along, drawn as contours. Both runs will use "
        "the same learning rate and start from the same point, and two panels will track the "
        "gradient's part across the valley and along it."
    )
    def intro(self) -> None:
        tr, m = self.trace, self.meta
        surf = tr.last("optimizers.surface")
        self.title = self.title_card("Momentum in a narrow valley")
        self.map = ContourMap(
            surf["X"], surf["Y"], surf["F"], MAP_W, MAP_H, minimum=surf.info["minimum"]
        ).move_to(MAP_CENTER)
        self.caption = caption = VGroup(
            text(
                "f = 0.1x² + 2y²: 20× steeper across the valley (y) than along it (x)",
                COLORS["muted"],
                17,
            ),
            text(
                f"both runs: learning rate α = {fmt(m['lr'], 2)}, {m['steps']} steps, same start",
                COLORS["muted"],
                17,
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        caption.next_to(self.map, DOWN, buff=0.15, aligned_edge=LEFT)
        self.gd_formula = formula(OPTIMIZERS["gd"], COLORS["on_dark"], 30)
        self.gd_formula.move_to([PANEL_LEFT, F1_TOP, 0], aligned_edge=UL)
        names = text("θ = (x, y)   g = (dx, dy), the gradient", COLORS["muted"], 17)
        names.move_to([PANEL_LEFT, NAMES_TOP, 0], aligned_edge=UL)
        self.across = SeriesPanel(
            m["steps"], across_limit(tr), 5.4, 1.15, "across the valley: y-components (flip?)"
        ).move_to([PANEL_LEFT, -0.4, 0], aligned_edge=LEFT)
        self.along = SeriesPanel(
            m["steps"], 1.1, 5.4, 1.15, "along the valley: x-components"
        ).move_to([PANEL_LEFT, -2.4, 0], aligned_edge=LEFT)
        self.plots = VGroup()
        paths = {r.info["optimizer"]: r for r in tr.find("optimizers.path")}
        pts = {k: self.map.plane.to_point(p["x"], p["y"]) for k, p in paths.items()}
        self.gd_trail = Trail(pts["gd"], OPTIMIZER_COLORS["gd"], bands=((None, 1.0, 1.0),))
        self.mom_trail = Trail(pts["momentum"], V_COLOR, bands=((None, 1.0, 1.0),))
        self.names = names
        self.show_title()
        self.play(
            FadeIn(self.map.shading()),
            FadeIn(self.map),
            Appear(caption),
            Appear(self.gd_formula),
            Appear(names),
            FadeIn(self.across),
            FadeIn(self.along),
            run_time=0.8,
        )
        self.add(self.gd_trail)
        self.play(Appear(self.gd_trail.dot), run_time=0.3)
        hold(self, caption, self.gd_formula)

    @beat(
        "Plain gradient descent steps against the gradient. Across the valley the gradient flips "
        "sign every step and grows, so the path zig-zags ever wider while it moves steadily "
        "along the valley."
    )
    def descent(self) -> None:
        self.run(step_views(self.trace, "gd"), self.gd_trail, "gradient descent", "")
        growth = fmt(zigzag_factor(self.trace), 2)
        note = text(f"g_y flips and grows: y × {growth} each step", G_COLOR, 18).next_to(
            self.across.box, DOWN, buff=0.08, aligned_edge=LEFT
        )
        self.play(Appear(note), run_time=0.4)
        hold(self, note)
        self.play(Vanish(note), run_time=0.25)

    @beat(
        "The exponentially weighted average of those same gradients, the blue lines, cancels most "
        "of the flips across the valley but keeps the steady pull along it."
    )
    def average(self) -> None:
        avg = self.trace.last("momentum.average")
        beta = avg.info["beta"]
        ema = formula(OPTIMIZERS["ewa"], V_COLOR, 30)
        ema.move_to([PANEL_LEFT, F2_TOP, 0], aligned_edge=UL)
        beta_t = text(f"β = {fmt(beta, 1)}", V_COLOR, 20).next_to(ema, RIGHT, buff=0.3)
        vy = self.across.polyline(list(avg["vy"]), V_COLOR, start=1)
        vx = self.along.polyline(list(avg["vx"]), V_COLOR, start=1)
        self.set_readout(("average GD's gradients g", COLORS["on_dark"]))
        head = text("into v (blue lines)", V_COLOR, 22)
        head.next_to(self.readout, DOWN, aligned_edge=LEFT, buff=0.14)
        self.play(Appear(ema), Appear(beta_t), Appear(head), run_time=0.6)
        self.play(Create(vy), Create(vx), run_time=1.0)
        notes = VGroup(
            text(f"across: the flips cancel, v_y → {fmt(avg['vy'][-1], 2)}", V_COLOR, 18),
            text(f"along: the pull stays, v_x → {fmt(avg['vx'][-1], 2)}", V_COLOR, 18),
        )
        notes[0].next_to(self.across.box, DOWN, buff=0.08, aligned_edge=LEFT)
        notes[1].next_to(self.along.box, DOWN, buff=0.08, aligned_edge=LEFT)
        self.play(Appear(notes), run_time=0.5)
        hold(self, notes, ema)
        self.play(
            Vanish(notes), FadeOut(vy), FadeOut(vx), Vanish(head), Vanish(self.plots), run_time=0.4
        )
        self.plots = VGroup()
        self.ema, self.beta_t = ema, beta_t

    @beat(
        "Momentum steps along a running average of its own gradients, the velocity, instead of "
        "the raw gradient. At the same learning rate its path swings only gently across the "
        "valley and heads along it toward the minimum."
    )
    def momentum(self) -> None:
        new = formula(OPTIMIZERS["momentum"], COLORS["on_dark"], 30)
        new.move_to([PANEL_LEFT, F1_TOP, 0], aligned_edge=UL)
        names = text("v = (Vdx, Vdy): momentum steps along v, not g", COLORS["muted"], 17)
        names.move_to([PANEL_LEFT, NAMES_TOP, 0], aligned_edge=UL)
        self.play(
            Vanish(self.gd_formula),
            Vanish(self.names),
            Appear(new),
            Appear(names),
            self.gd_trail.lines.animate.set_stroke(opacity=0.35),
            self.gd_trail.dot.animate.set_opacity(0.35),
            run_time=0.5,
        )
        self.add(self.mom_trail)
        self.run(step_views(self.trace, "momentum"), self.mom_trail, "momentum", V_COLOR)

    @beat(
        "With the same learning rate, gradient descent ends with a grown zig-zag and a large "
        "loss, momentum with a far smaller one: averaging away the flips leaves the pull along "
        "the valley."
    )
    def summary(self) -> None:
        final = {r.info["optimizer"]: r["loss"][-1] for r in self.trace.find("optimizers.path")}
        lines = VGroup(
            text(
                f"Same α: gradient descent's zig-zag grows (f = {fmt(final['gd'], 1)});",
                COLORS["on_dark"],
                17,
            ),
            text("momentum's v averages the flips away and keeps the pull", COLORS["on_dark"], 17),
            text(f"along the valley (f = {fmt(final['momentum'], 2)}).", COLORS["on_dark"], 17),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.06)
        lines.next_to(self.map, DOWN, buff=0.12, aligned_edge=LEFT)
        self.play(Vanish(self.caption), run_time=0.25)
        self.play(Appear(lines), run_time=0.5)
        hold(self, lines, at_least=3.0)
