"""Max and average pooling (2x2, stride 2) on the same 4x4 input, then the backward pass: max
routes each upstream gradient to the cell that held the maximum, average shares it equally
(``dA / 4`` each).

Every grid is shaded by value (:func:`visualdl.viz.style.value_color`), with a strip that
reads it: the input and both outputs on one scale, the gradients on another, so the one cell
of each window that max pooling lets learn is seen lit among zeros, next to average pooling's
even blocks. One window is walked through (its winner and its mean, then its gradient routed)
before the rest fill; every new grid and line is held by the pace rule
(:func:`visualdl.anim.pace.hold`). Every number comes from
:func:`visualdl.demos.conv.pooling_trace`. Beats: ``intro``, ``forward``, ``backward``.

Render: ``visualdl render pooling``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, UP, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, fill_in, named_scale, value_scale
from visualdl.anim.numbers import format_array, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv import pooling_trace
from visualdl.symbolic.formulas import CONV
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["PoolStop", "Pooling", "pool_scales", "pool_stops", "pool_views"]

MAX_Y, AVG_Y = 1.2, -1.75
X_POS = (-5.0, -0.2, 0.0)
A_X, DA_X, DX_X = -1.5, 1.0, 4.75
CELL = 0.7
WINNER = COLORS["loss"]  # the frame of the maximum


@dataclass(frozen=True)
class PoolStop:
    """One pooling window as drawn: output cell ``(h, w)``, corner ``(top, left)``, the
    maximum's cell in the input, and the window as strings."""

    h: int
    w: int
    top: int
    left: int
    argmax: tuple[int, int]
    window: list[list[str]]


def pool_stops(tr: Trace) -> list[PoolStop]:
    """The windows in the trace's (``windows()``) order."""
    out = []
    for r in tr.find("max_pool2d.window"):
        i = r.info
        a, b = (int(v) for v in r["argmax"])
        out.append(
            PoolStop(
                i["h"],
                i["w"],
                i["top"],
                i["left"],
                (i["top"] + a, i["left"] + b),
                format_array(r["window"]),
            )
        )
    return out


def _grids(tr: Trace) -> dict:
    fmax, favg = tr.last("max_pool2d.forward"), tr.last("avg_pool2d.forward")
    bmax, bavg = tr.last("max_pool2d.backward"), tr.last("avg_pool2d.backward")
    return {
        "X": fmax["X"][0, :, :, 0],
        "A_max": fmax["A"][0, :, :, 0],
        "A_avg": favg["A"][0, :, :, 0],
        "dA": bmax["dA"][0, :, :, 0],
        "dX_max": bmax["dX"][0, :, :, 0],
        "dX_avg": bavg["dX"][0, :, :, 0],
    }


def pool_views(tr: Trace) -> dict[str, list[list[str]]]:
    """Every grid the scene shows, as strings: ``X, A_max, A_avg, dA, dX_max, dX_avg``."""
    return {k: format_array(a) for k, a in _grids(tr).items()}


def pool_scales(tr: Trace) -> dict[str, float]:
    """The shading scales: ``values`` (the input and both outputs) and ``gradients``."""
    g = _grids(tr)
    return {
        "values": value_scale(g["X"], g["A_max"], g["A_avg"]),
        "gradients": value_scale(g["dA"], g["dX_max"], g["dX_avg"]),
    }


class Pooling(TraceScene):
    """Max vs average pooling, forward then backward."""

    def construct(self) -> None:
        self.trace = self.tr = pooling_trace()
        self.g = _grids(self.tr)
        self.v = pool_views(self.tr)
        self.sc = pool_scales(self.tr)
        self.shaded: dict[str, tuple] = {}  # name -> (grid, the trace array it shades)
        self.stops = pool_stops(self.tr)
        self.intro()
        self.forward()
        self.backward()

    def empty(self, key: str, scale: str, pos: tuple, cell: float = CELL) -> CellGrid:
        rows = self.v[key]
        shape = (len(rows), len(rows[0]))
        return CellGrid(shape=shape, cell=cell, scale=self.sc[scale]).move_to(pos)

    def fill(self, grid: CellGrid, key: str, cells: list, color: str | None = None):
        """Labels and shading animations for ``cells`` of ``grid`` from grid ``key``."""
        labels, anims = [], []
        for i, j in cells:
            lab, shade = fill_in(grid, i, j, self.v[key][i][j], self.g[key][i, j], color)
            labels.append(lab)
            anims += shade
        return VGroup(*labels), anims

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "Pooling turns each window of the input into one number and has no weights to learn: "
        "max pooling keeps the largest value, average pooling the mean. Both run on the same "
        "input, side by side."
    )
    def intro(self) -> None:
        f = self.tr.meta["f"]
        self.title = self.title_card(
            f"Pooling: max vs average ({f}×{f}, stride {self.tr.meta['s']})"
        )
        sub = self.subtitle("per channel, no weights: each window gives one number; colour = value")
        X = self.g["X"]
        self.X = CellGrid(X, cell=CELL, scale=self.sc["values"]).move_to(X_POS)
        xcap = self.caption(self.X, "X", X.shape, COLORS["input"])
        self.vstrip = named_scale(self.sc["values"], "X, A", COLORS["input"], signed=False).next_to(
            xcap[1], DOWN, buff=0.35
        )
        self.Amax = self.empty("A_max", "values", (A_X, MAX_Y, 0))
        self.Aavg = self.empty("A_avg", "values", (A_X, AVG_Y, 0))
        self.shaded |= {
            "X": (self.X, X),
            "A_max": (self.Amax, self.g["A_max"]),
            "A_avg": (self.Aavg, self.g["A_avg"]),
        }
        self.fmax = formula(CONV["max_pool"], COLORS["on_dark"], 24).next_to(
            self.Amax, UP, buff=0.2
        )
        self.favg = formula(CONV["avg_pool_2x2"], COLORS["on_dark"], 24).next_to(
            self.Aavg, UP, buff=0.2
        )
        self.tags = VGroup(
            text("max", COLORS["activation"], 20).next_to(self.Amax, LEFT, buff=0.3),
            text("avg", COLORS["activation"], 20).next_to(self.Aavg, LEFT, buff=0.3),
        )
        self.show_title()
        self.play(Appear(sub), Appear(self.X), Appear(xcap), Appear(self.vstrip), run_time=0.6)
        hold(self, self.X)
        self.play(
            *[Appear(m) for m in (self.Amax, self.Aavg, self.fmax, self.favg, self.tags)],
            run_time=0.6,
        )
        hold(self, self.fmax, self.favg)
        self.sub = sub

    @beat(
        "The window moves by its own size, so windows do not overlap; the first is worked out,"
        " its maximum and its mean, then the rest fill in. Max keeps each window's strongest "
        "value, average blurs it with its neighbours."
    )
    def forward(self) -> None:
        box = self.X.window(0, 0, 2, COLORS["on_dark"])
        self.play(Appear(box), run_time=0.3)
        self.a_labels = []
        for k, st in enumerate(self.stops):
            peak = self.X.window(*st.argmax, 1, WINNER, 5)
            lm, shade_m = self.fill(self.Amax, "A_max", [(st.h, st.w)])
            la, shade_a = self.fill(self.Aavg, "A_avg", [(st.h, st.w)])
            self.a_labels += [lm, la]
            if k:
                self.play(box.animate.move_to(self.X.window(st.top, st.left, 2)), run_time=0.4)
            if k:
                self.play(Appear(peak), *shade_m, *shade_a, run_time=0.6)
                self.play(Vanish(peak), run_time=0.3)
                continue
            vals = [s for r in st.window for s in r]  # the walked window: winner, then mean
            mx = text(f"max({', '.join(vals)}) = {self.v['A_max'][0][0]}", WINNER, 22)
            mean = text(
                f"({' + '.join(vals)}) / {len(vals)} = {self.v['A_avg'][0][0]}",
                COLORS["on_dark"],
                22,
            )
            mx.move_to([3.3, MAX_Y, 0])
            mean.move_to([3.3, AVG_Y, 0])
            self.play(Appear(peak), Appear(mx), *shade_m, run_time=0.6)
            hold(self, mx, n_entries=len(vals) + 1)
            self.play(Appear(mean), *shade_a, run_time=0.6)
            hold(self, mean, n_entries=len(vals) + 1)
            self.play(Vanish(mx), Vanish(mean), Vanish(peak), run_time=0.3)
        self.play(Vanish(box), run_time=0.3)
        note = text(
            "max keeps each window's strongest value;\naverage blurs it with its neighbours",
            COLORS["on_dark"],
            20,
        ).move_to([3.4, -0.3, 0])
        self.play(Appear(note), run_time=0.4)
        hold(self, note, n_entries=2 * len(self.stops))
        self.play(Vanish(note), run_time=0.3)

    @beat(
        "Going backward, max pooling sends each upstream gradient entirely to the cell that "
        "held the maximum and zero to the others, while average pooling splits it equally over"
        " the window. Under max only the winners learn; under average every cell gets a share."
    )
    def backward(self) -> None:
        dA = [
            CellGrid(self.g["dA"], cell=CELL, scale=self.sc["gradients"]).move_to((DA_X, y, 0))
            for y in (MAX_Y, AVG_Y)
        ]
        dX = [
            self.empty(k, "gradients", (DX_X, y, 0), 0.62)
            for k, y in (("dX_max", MAX_Y), ("dX_avg", AVG_Y))
        ]
        self.shaded |= {
            "dA": (dA[0], self.g["dA"]),
            "dX_max": (dX[0], self.g["dX_max"]),
            "dX_avg": (dX[1], self.g["dX_avg"]),
        }
        caps = VGroup(
            *[text("dA", COLORS["gradient"], 20).next_to(g, UP, buff=0.15) for g in dA],
            text("dX: all to the max", COLORS["gradient"], 20).next_to(dX[0], UP, buff=0.12),
            text("dX: dA / 4 to each cell", COLORS["gradient"], 20).next_to(dX[1], UP, buff=0.12),
        )
        gstrip = named_scale(self.sc["gradients"], "dA, dX", COLORS["gradient"], signed=False)
        gstrip.move_to([DX_X, 3.3, 0])
        self.swap_title(
            "Backward: routing the upstream gradient dA",
            *[Vanish(m, run_time=0.2) for m in (self.sub, self.fmax, self.favg)],
        )
        self.play(*[Appear(m) for m in (*dA, *dX, caps, gstrip)], run_time=0.6)
        hold(self, *dA)
        boxes = [g.window(0, 0, 1, COLORS["on_dark"], 4) for g in dA]
        xbox = [g.window(0, 0, 2, COLORS["on_dark"], 4) for g in dX]
        inbox = self.X.window(0, 0, 2, COLORS["on_dark"])
        self.play(*[Appear(b) for b in (*boxes, *xbox, inbox)], run_time=0.3)
        for k, st in enumerate(self.stops):
            win = [(st.top + a, st.left + b) for a in range(2) for b in range(2)]
            if k:
                self.play(
                    *[
                        b.animate.move_to(g.window(st.h, st.w, 1))
                        for b, g in zip(boxes, dA, strict=True)
                    ],
                    *[
                        b.animate.move_to(g.window(st.top, st.left, 2))
                        for b, g in zip(xbox, dX, strict=True)
                    ],
                    inbox.animate.move_to(self.X.window(st.top, st.left, 2)),
                    run_time=0.4,
                )
            losers = [c for c in win if c != st.argmax]
            won, won_anims = self.fill(dX[0], "dX_max", [st.argmax])
            lost, lost_anims = self.fill(dX[0], "dX_max", losers, COLORS["muted"])
            shared, shared_anims = self.fill(dX[1], "dX_avg", win)
            peak = self.X.window(*st.argmax, 1, WINNER, 5)
            anims = [*won_anims, *lost_anims, *shared_anims, Appear(peak)]
            if k:
                self.play(*anims, run_time=0.6)
                self.play(Vanish(peak), run_time=0.3)
                continue
            d = self.v["dA"][st.h][st.w]  # the walked window: where its gradient goes
            a, b = st.argmax
            why = VGroup(
                text(
                    f"max: dA = {d} goes to the winner {self.v['X'][a][b]};"
                    f" the other {len(losers)} cells get 0",
                    WINNER,
                    20,
                ),
                text(
                    f"average: {d} / {len(win)} = {self.v['dX_avg'][a][b]} to each of the "
                    f"{len(win)} cells",
                    COLORS["on_dark"],
                    20,
                ),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            why.to_edge(LEFT, buff=0.4).set_y(-3.45)
            self.play(*anims, Appear(why), run_time=0.7)
            hold(self, why, n_entries=2 * len(win) + 1)
            self.play(Vanish(why), Vanish(peak), run_time=0.3)
        self.play(*[Vanish(b) for b in (*boxes, *xbox, inbox)], run_time=0.3)
        note = (
            text(
                "max: only the winner learns;  average: every cell gets a quarter",
                COLORS["on_dark"],
                20,
            )
            .to_edge(LEFT, buff=0.4)
            .set_y(-3.55)
        )
        self.play(Appear(note), run_time=0.4)
        hold(self, note, n_entries=2 * len(self.v["X"]) * len(self.v["X"][0]))
