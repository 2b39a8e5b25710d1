"""Optimizers race on the Beale surface: contour map, moving dots with fading trails.

Gradient descent, momentum, RMSprop and Adam start from the same point and take the same
number of steps, each with its best learning rate from the same grid (the lowest median loss
of the last steps, among runs that never spike: see :mod:`visualdl.demos.optimizers`); a
fifth run, gradient descent with a learning rate that is too large, diverges
and is marked where it left. Every position, learning rate and loss comes from
:func:`visualdl.demos.optimizers.race`. Beats: ``intro``, ``race``, ``summary``.

Render: ``visualdl render optimizer-trajectories``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from manim import DOWN, LEFT, RIGHT, UL, Cross, Dot, FadeIn, Line, Star, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.contour import ContourMap
from visualdl.anim.fade import Appear
from visualdl.anim.numbers import MINUS, fmt, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.anim.trails import Trail, TrailRace
from visualdl.demos.optimizers import TAIL, race
from visualdl.trace import Trace
from visualdl.viz.style import COLORS, OPTIMIZER_COLORS

__all__ = [
    "DIVERGING",
    "chunk_times",
    "OPTIMIZERS",
    "OptimizerTrajectories",
    "Run",
    "STEPS",
    "SURFACE",
    "loss_text",
    "lr_text",
    "race_traces",
    "runs",
]

SURFACE = "beale"
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
STEPS = 100
DIVERGING = {"gd": 0.1}  # a rate too large for gradient descent here
NAMES = {"gd": "GD", "momentum": "momentum", "rmsprop": "RMSprop", "adam": "Adam"}
MAP_H = 6.3
RACE_TIME = 14.0
CHUNK = 2  # steps per play
STILL_SHARE = 0.25  # of RACE_TIME spread evenly; the rest follows how far the dots move
MIN_PLAY, MAX_PLAY = 1 / 15, 1.2  # one frame at the lowest quality; a readable stretch


@dataclass(frozen=True)
class Run:
    """One optimizer's run as the scene draws it (arrays straight from its ``path`` record)."""

    optimizer: str
    label: str
    lr: float
    x: Any  # (T + 1,) positions
    y: Any
    loss: Any  # (T + 1,)
    lrs: Any  # (T,) learning rate of each step
    diverged_at: int | None

    @property
    def color(self) -> str:
        """The optimizer's colour, or the diverged one: "GD" and "GD (too large)" differ."""
        return (
            COLORS["diverged"] if self.diverged_at is not None else OPTIMIZER_COLORS[self.optimizer]
        )

    @property
    def T(self) -> int:
        return len(self.x) - 1


def chunk_times(
    runs: list[Run], span: tuple[float, float], total: float = RACE_TIME
) -> list[float]:
    """Run time of each ``CHUNK`` of steps: :data:`STILL_SHARE` of ``total`` spread evenly,
    the rest in proportion to the farthest any dot moves in that chunk (in units of the map's
    ``span = (width, height)``), so the race lingers where the dots travel and does not sit
    still for seconds once they have settled. Every chunk takes from :data:`MIN_PLAY` to
    :data:`MAX_PLAY` (so the total is about ``total``).

    """
    starts = range(0, STEPS, CHUNK)
    ends = [min(k + CHUNK, STEPS) for k in starts]
    moved = [
        max(_travel(r, k, end, span) for r in runs) for k, end in zip(starts, ends, strict=True)
    ]
    total_moved = sum(moved) or 1.0
    even = STILL_SHARE * total / len(moved)
    times = [even + (1 - STILL_SHARE) * total * d / total_moved for d in moved]
    return [min(MAX_PLAY, max(MIN_PLAY, t)) for t in times]


def _travel(run: Run, k: int, end: int, span: tuple[float, float]) -> float:
    """How far ``run``'s dot moves on screen from step ``k`` to ``end`` (0 after it diverged)."""
    stop = min(end, run.T if run.diverged_at is None else run.diverged_at - 1)
    if stop <= k:
        return 0.0
    xs, ys = [float(v) for v in run.x[k : stop + 1]], [float(v) for v in run.y[k : stop + 1]]
    steps = zip(xs, xs[1:], ys, ys[1:], strict=False)  # a blow-up counts as one screen
    return sum(
        min(1.0, math.hypot((x1 - x0) / span[0], (y1 - y0) / span[1])) for x0, x1, y0, y1 in steps
    )


def race_traces() -> list[Trace]:
    """The race (best rates) and the diverging run, each a trace of ``race``."""
    best = race(SURFACE, OPTIMIZERS, STEPS)
    too_large = race(SURFACE, tuple(DIVERGING), STEPS, lrs=DIVERGING, grid=2)
    return [best, too_large]


def runs(traces: list[Trace]) -> list[Run]:
    """Every ``path`` record of ``traces`` as a :class:`Run` (labels name the rate when an
    optimizer runs twice)."""
    out = []
    for tr in traces:
        for r in tr.find("optimizers.path"):
            name = r.info["optimizer"]
            label = NAMES.get(name, name)
            if r.info["diverged_at"] is not None:
                label += " (too large)"
            out.append(
                Run(
                    name,
                    label,
                    float(r.info["lr"]),
                    r["x"],
                    r["y"],
                    r["loss"],
                    r["step_lr"],
                    r.info["diverged_at"],
                )
            )
    return out


def lr_text(run: Run, k: int) -> str:
    """``α = 0.03``: the learning rate of step ``k`` (the last step's once the run ended)."""
    if len(run.lrs) == 0:
        return f"α = {run.lr:g}"
    return f"α = {float(run.lrs[min(k, len(run.lrs) - 1)]):g}"


def loss_text(run: Run, k: int) -> str:
    """``loss 0.0123`` at step ``k`` (``2.4e16`` outside [0.01, 1000), so a run on its way
    to diverging fits its line), or where the run diverged once it has."""
    if run.diverged_at is not None and k >= run.diverged_at:
        return f"diverged at step {run.diverged_at}"
    v = float(run.loss[min(k, run.T)])
    s = fmt(v, 3) if 0.01 <= v < 1000 else f"{v:.1e}".replace("e+", "e").replace("-", MINUS)
    return f"loss {s}"


class OptimizerTrajectories(TraceScene):
    """Four optimizers race on Beale's surface; a fifth diverges."""

    title_buff = 0.3

    def construct(self) -> None:
        self.trace = self.traces = race_traces()
        self.runs = runs(self.traces)
        self.intro()
        self.race()
        self.summary()

    # -- helpers --------------------------------------------------------------------------
    def build_legend(self) -> VGroup:
        """One block per run: colour swatch and name, then its rate and loss (updatable)."""
        blocks, self.cells = [], []
        for r in self.runs:
            swatch = Line(LEFT * 0.2, RIGHT * 0.2).set_stroke(r.color, 5)
            head = VGroup(swatch, text(r.label, COLORS["on_dark"], 20)).arrange(RIGHT, buff=0.15)
            info = VGroup(
                text(lr_text(r, 0), COLORS["muted"], 18), text(loss_text(r, 0), COLORS["loss"], 18)
            ).arrange(RIGHT, buff=0.3)
            info.next_to(head, DOWN, aligned_edge=LEFT, buff=0.1).shift(RIGHT * 0.55)
            blocks.append(VGroup(head, info))
            self.cells.append(info)
        return VGroup(*blocks).arrange(DOWN, aligned_edge=LEFT, buff=0.22)

    def set_cell(self, i: int, j: int, s: str) -> None:
        """Rewrite cell ``j`` (0 rate, 1 loss) of run ``i`` when its text changed."""
        old = self.cells[i][j]
        if old.text == s.replace(" ", ""):  # Manim keeps the text without spaces
            return
        color = COLORS["muted"] if j == 0 else COLORS["loss"]
        if j == 1 and s.startswith("diverged"):
            color = self.runs[i].color
        new = text(s, color, 18).move_to(old, aligned_edge=LEFT)
        self.cells[i].submobjects[j] = new

    def counter(self, k: int) -> VGroup:
        return text(f"step {k} / {STEPS}", COLORS["on_dark"], 26).move_to(
            self.counter_anchor, aligned_edge=UL
        )

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "The Beale surface as a contour map, with the shared start and a star at the minimum. "
        "Gradient descent, momentum, RMSprop and Adam, each with its best learning rate from one "
        "grid, will race from the same start, and gradient descent runs once more with a rate "
        "that is too large."
    )
    def intro(self) -> None:
        surf = self.traces[0].last("optimizers.surface")
        X, Y, F = surf["X"], surf["Y"], surf["F"]
        width = MAP_H * (float(X.max()) - float(X.min())) / (float(Y.max()) - float(Y.min()))
        self.map = ContourMap(X, Y, F, width, MAP_H, minimum=None)
        self.map.to_corner(DOWN + LEFT, buff=0.35)
        shading = self.map.shading()
        plane = self.map.plane
        self.title = self.title_card(
            f"Optimizers racing on the {surf.info['title']} surface", bold=False
        )
        start = Dot(plane.to_point(*surf.info["start"]), radius=0.06, color=COLORS["on_dark"])
        goal = Star(n=5, outer_radius=0.14, color=COLORS["loss"]).set_fill(COLORS["loss"], 1)
        goal.move_to(plane.to_point(*surf.info["minimum"]))
        right = self.map.get_right()[0] + 0.45
        self.counter_anchor = [right, self.map.get_top()[1], 0]
        self.count = self.counter(0)
        self.legend = self.build_legend().next_to(self.count, DOWN, aligned_edge=LEFT, buff=0.35)
        self.note = note = text(
            "each rate: the best of one grid\n"
            f"(lowest median loss of the last {TAIL} steps;\nruns that spike left out)",
            COLORS["muted"],
            16,
        ).next_to(self.legend, DOWN, aligned_edge=LEFT, buff=0.35)
        self.trails = []
        for r in self.runs:
            x, y = plane.clip_path(r.x, r.y)
            self.trails.append(Trail(plane.to_point(x, y), r.color))
        self.show_title()
        self.play(
            FadeIn(shading),
            FadeIn(self.map),
            Appear(start),
            Appear(goal),
            Appear(self.count),
            Appear(self.legend),
            Appear(note),
            run_time=0.8,
        )
        self.add(*self.trails)
        hold(self, self.legend, note)

    @beat(
        "The dots move step by step, leaving fading trails, while the legend updates each run's "
        "loss. Gradient descent with the too-large rate blows up within a few steps and is "
        "crossed out; the other four all close in on the minimum."
    )
    def race(self) -> None:
        self.slot = VGroup(self.count)
        self.remove(self.count)
        self.add(self.slot)
        marks: list[tuple[Run, Trail]] = [
            (r, t) for r, t in zip(self.runs, self.trails, strict=True) if r.diverged_at
        ]

        def show(k: int) -> None:
            self.slot.submobjects = [self.counter(k)]
            for i, r in enumerate(self.runs):
                self.set_cell(i, 0, lr_text(r, k))
                self.set_cell(i, 1, loss_text(r, k))
            for r, t in list(marks):
                if k >= r.diverged_at:
                    cross = Cross(scale_factor=0.16, stroke_color=r.color, stroke_width=5)
                    self.crosses.add(cross.move_to(t.points_[-1]))
                    marks.remove((r, t))

        # Text changes between plays (Manim fixes what it redraws when a play begins).
        self.crosses = VGroup()
        self.add(self.crosses)
        plane = self.map.plane
        times = chunk_times(self.runs, (plane.x1 - plane.x0, plane.y1 - plane.y0))
        for k, run_time in zip(range(0, STEPS, CHUNK), times, strict=True):
            show(k)
            end = min(k + CHUNK, STEPS)
            race = TrailRace(self.trails, k, end, extras=[self.slot, self.legend, self.crosses])
            self.play(race, run_time=run_time)
        show(STEPS)
        hold(self, self.legend)

    @beat(
        "Finally the scene names the run with the lowest loss after the last step; the best runs "
        "finish close together. Every run with a well-chosen rate ends near the minimum; only "
        "the too-large rate fails."
    )
    def summary(self) -> None:
        done = [r for r in self.runs if r.diverged_at is None]
        best = min(done, key=lambda r: float(r.loss[-1]))
        line = VGroup(
            text(f"lowest loss after {STEPS} steps:", COLORS["on_dark"], 20),
            text(f"{best.label}, {loss_text(best, STEPS)}", best.color, 20),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        line.next_to(self.note, DOWN, aligned_edge=LEFT, buff=0.35)
        self.play(Appear(line), run_time=0.5)
        hold(self, line, at_least=3.0)
