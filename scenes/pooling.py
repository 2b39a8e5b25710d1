"""Max and average pooling (2x2, stride 2) on the same 4x4 input, then the backward pass: max
routes each upstream gradient to the cell that held the maximum, average shares it equally
(``dA / 4`` each). Every number comes from :func:`visualdl.demos.conv.pooling_trace`. Beats:
``intro``, ``forward``, ``backward``.

Render: ``visualdl render pooling``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, UP, VGroup

from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid
from visualdl.anim.numbers import format_array, text
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv import pooling_trace
from visualdl.symbolic.formulas import CONV
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["PoolStop", "Pooling", "pool_stops", "pool_views"]

MAX_Y, AVG_Y = 1.3, -1.95
X_POS = (-5.0, -0.25, 0.0)


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


def pool_views(tr: Trace) -> dict[str, list[list[str]]]:
    """Every grid the scene shows, as strings: ``X, A_max, A_avg, dA, dX_max, dX_avg``."""
    fmax, favg = tr.last("max_pool2d.forward"), tr.last("avg_pool2d.forward")
    bmax, bavg = tr.last("max_pool2d.backward"), tr.last("avg_pool2d.backward")
    return {
        "X": format_array(fmax["X"][0, :, :, 0]),
        "A_max": format_array(fmax["A"][0, :, :, 0]),
        "A_avg": format_array(favg["A"][0, :, :, 0]),
        "dA": format_array(bmax["dA"][0, :, :, 0]),
        "dX_max": format_array(bmax["dX"][0, :, :, 0]),
        "dX_avg": format_array(bavg["dX"][0, :, :, 0]),
    }


class Pooling(TraceScene):
    """Max vs average pooling, forward then backward."""

    def construct(self) -> None:
        self.tr = pooling_trace()
        self.v = pool_views(self.tr)
        self.stops = pool_stops(self.tr)
        self.intro()
        self.forward()
        self.backward()

    def grid_of(self, key: str, cell: float, fill: str, pos: tuple) -> CellGrid:
        rows = self.v[key]
        return CellGrid(shape=(len(rows), len(rows[0])), cell=cell, fill=fill).move_to(pos)

    def labels(
        self, grid: CellGrid, key: str, cells: list[tuple[int, int]], color: str = COLORS["on_dark"]
    ) -> VGroup:
        return VGroup(*[grid.label_at(i, j, self.v[key][i][j], color) for i, j in cells])

    # -- beats ----------------------------------------------------------------------------
    def intro(self) -> None:
        f = self.tr.meta["f"]
        self.title = self.title_card(
            f"Pooling: max vs average ({f}×{f}, stride {self.tr.meta['s']})"
        )
        sub = self.subtitle("per channel, no weights: each window gives one number")
        X = self.tr.last("max_pool2d.forward")["X"][0, :, :, 0]
        self.X = CellGrid(X, cell=0.65, fill=COLORS["input"]).move_to(X_POS)
        xcap = self.caption(self.X, "X", X.shape, COLORS["input"])
        self.Amax = self.grid_of("A_max", 0.65, COLORS["activation"], (-1.6, MAX_Y, 0))
        self.Aavg = self.grid_of("A_avg", 0.65, COLORS["activation"], (-1.6, AVG_Y, 0))
        self.fmax = formula(CONV["max_pool"], COLORS["on_dark"], 24).next_to(
            self.Amax, UP, buff=0.2
        )
        self.favg = formula(CONV["avg_pool_2x2"], COLORS["on_dark"], 24).next_to(
            self.Aavg, UP, buff=0.2
        )
        tags = VGroup(
            text("max", COLORS["activation"], 20).next_to(self.Amax, LEFT, buff=0.3),
            text("avg", COLORS["activation"], 20).next_to(self.Aavg, LEFT, buff=0.3),
        )
        self.show_title()
        self.play(Appear(sub), run_time=0.4)
        self.play(Appear(self.X), Appear(xcap), run_time=0.5)
        self.play(
            Appear(self.Amax),
            Appear(self.Aavg),
            Appear(self.fmax),
            Appear(self.favg),
            Appear(tags),
            run_time=0.5,
        )
        self.sub = sub

    def forward(self) -> None:
        box = self.X.window(0, 0, 2, COLORS["activation"])
        self.play(Appear(box), run_time=0.3)
        self.amax_labels, self.aavg_labels = [], []
        for k, st in enumerate(self.stops):
            peak = self.X.window(*st.argmax, 1, COLORS["loss"], 4)
            lm = self.labels(self.Amax, "A_max", [(st.h, st.w)])
            la = self.labels(self.Aavg, "A_avg", [(st.h, st.w)])
            if k:
                self.play(box.animate.move_to(self.X.window(st.top, st.left, 2)), run_time=0.4)
            if k == 0:
                vals = [s for r in st.window for s in r]
                calc = (
                    VGroup(
                        text(
                            f"max({', '.join(vals)}) = {self.v['A_max'][0][0]}", COLORS["loss"], 20
                        ),
                        text(
                            f"({' + '.join(vals)}) / 4 = {self.v['A_avg'][0][0]}",
                            COLORS["on_dark"],
                            20,
                        ),
                    )
                    .arrange(DOWN, aligned_edge=LEFT, buff=0.25)
                    .move_to([2.9, -0.25, 0])
                )
                self.play(Appear(peak), Appear(calc[0]), run_time=0.5)
                self.play(Appear(lm), run_time=0.4)
                self.play(Appear(calc[1]), run_time=0.5)
                self.play(Appear(la), run_time=0.4)
                self.wait(1.0)
                self.play(Vanish(calc), Vanish(peak), run_time=0.3)
            else:
                self.play(Appear(peak), Appear(lm), Appear(la), run_time=0.5)
                self.wait(0.6)
                self.play(Vanish(peak), run_time=0.2)
            self.amax_labels.append(lm)
            self.aavg_labels.append(la)
        self.play(Vanish(box), run_time=0.2)
        self.wait(1.2)

    def backward(self) -> None:
        cells2 = [(i, j) for i in range(2) for j in range(2)]
        dA = [self.grid_of("dA", 0.65, COLORS["gradient"], (0.9, y, 0)) for y in (MAX_Y, AVG_Y)]
        dA_lab = [self.labels(g, "dA", cells2) for g in dA]
        dX = [
            self.grid_of(k, 0.62, COLORS["gradient"], (4.7, y, 0))
            for k, y in (("dX_max", MAX_Y - 0.1), ("dX_avg", AVG_Y))
        ]
        caps = VGroup(
            *[text("dA", COLORS["gradient"], 20).next_to(g, UP, buff=0.15) for g in dA],
            text("dX: all to the max", COLORS["gradient"], 20).next_to(dX[0], UP, buff=0.12),
            text("dX: dA / 4 to each cell", COLORS["gradient"], 20).next_to(dX[1], UP, buff=0.12),
        )
        self.swap_title(
            "Backward: routing the upstream gradient dA",
            *[Vanish(m, run_time=0.2) for m in (self.sub, self.fmax, self.favg)],
        )
        self.play(*[Appear(m) for m in (*dA, *dA_lab, *dX, caps)], run_time=0.6)
        boxes = [g.window(0, 0, 1, COLORS["on_dark"], 4) for g in dA]
        xbox = [g.window(0, 0, 2, COLORS["on_dark"], 4) for g in dX]
        inbox = self.X.window(0, 0, 2, COLORS["gradient"])
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
                    run_time=0.35,
                )
            routed = VGroup(
                *[
                    dX[0].label_at(
                        i,
                        j,
                        self.v["dX_max"][i][j],
                        COLORS["gradient"] if (i, j) == st.argmax else COLORS["muted"],
                    )
                    for i, j in win
                ]
            )
            shared = self.labels(dX[1], "dX_avg", win)
            self.play(Appear(routed), Appear(shared), run_time=0.6 if k == 0 else 0.45)
            self.wait(1.0 if k == 0 else 0.5)
        self.play(*[Vanish(b) for b in (*boxes, *xbox, inbox)], run_time=0.3)
        note = text(
            "max: only the winner learns;  average: every cell gets a quarter",
            COLORS["on_dark"],
            20,
        ).move_to([0.3, -3.55, 0])
        self.play(Appear(note), run_time=0.4)
        self.wait(2.5)
