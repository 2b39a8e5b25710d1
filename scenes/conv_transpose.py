"""The transposed convolution as a scatter-add: each input pixel stamps the kernel, scaled by
its value, into the output at its own offset, and overlapping stamps add up. The notes' 2x2
example ``[[0, 1], [2, 3]]`` with the kernel ``[[0, 1], [2, 3]]`` builds ``[[0, 0, 1], [0, 4,
6], [4, 12, 9]]``. Every number comes from :func:`visualdl.demos.conv.conv_transpose_trace`.
Beats: ``intro``, ``scatter``, ``result``.

Render: ``visualdl render conv-transpose``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, UP, VGroup

from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid
from visualdl.anim.numbers import format_array, shape_label, text
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv import conv_transpose_trace
from visualdl.symbolic.formulas import CONV
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["ConvTranspose", "Stamp", "size_tex", "stamps"]


def size_tex(tr: Trace) -> str:
    """The output-size formula with the example's values, e.g. ``= 1·(2 − 1) + 2 − 2·0 = 3``."""
    i = tr.last("conv_transpose.size").info
    return rf"= {i['s']} \cdot ({i['n']} - 1) + {i['f']} - 2 \cdot {i['p']} = {i['n_out']}"


@dataclass(frozen=True)
class Stamp:
    """One input pixel's contribution as drawn: its cell ``(h, w)``, value, the scaled kernel
    and the output after adding it (strings; ``None`` where nothing has landed yet)."""

    h: int
    w: int
    top: int
    left: int
    x: str
    scaled: list[list[str]]
    partial: list[list[str | None]]


def stamps(tr: Trace) -> list[Stamp]:
    """The scatter steps in order; a cell of ``partial`` is None until a stamp covered it."""
    out = []
    covered: set[tuple[int, int]] = set()
    f = tr.last("conv_transpose2d.forward").info["f"]
    for r in tr.find("conv_transpose2d.stamp"):
        i = r.info
        covered |= {(i["top"] + a, i["left"] + b) for a in range(f) for b in range(f)}
        part = format_array(r["partial"][:, :, 0])
        shown = [
            [s if (a, b) in covered else None for b, s in enumerate(row)]
            for a, row in enumerate(part)
        ]
        out.append(
            Stamp(
                i["h"],
                i["w"],
                i["top"],
                i["left"],
                format_array(r["x"])[0][0],
                format_array(r["scaled"][:, :, 0]),
                shown,
            )
        )
    return out


class ConvTranspose(TraceScene):
    """Scatter-add, pixel by pixel, into a 3x3 output."""

    def construct(self) -> None:
        self.tr = conv_transpose_trace()
        self.intro()
        self.scatter()
        self.result()

    def intro(self) -> None:
        rec = self.tr.last("conv_transpose2d.forward")
        X, W, Z = rec["X"][0, :, :, 0], rec["W"][:, :, 0, 0], rec["Z"][0, :, :, 0]
        self.title = self.title_card("Transposed convolution: scatter-add")
        sub = self.subtitle(
            "each input pixel stamps the kernel, times its value, into the output; overlaps add"
        )
        self.X = CellGrid(X, cell=0.8, fill=COLORS["input"]).move_to([-5.0, 0.9, 0])
        self.W = CellGrid(W, cell=0.8, fill=COLORS["weight"]).move_to([-5.0, -2.0, 0])
        self.S = CellGrid(shape=W.shape, cell=0.8, fill=COLORS["weight"]).move_to([-1.4, -0.4, 0])
        self.Y = CellGrid(shape=Z.shape, cell=0.9, fill=COLORS["preactivation"]).move_to(
            [3.6, -0.4, 0]
        )
        s = self.tr.meta["s"]
        caps = VGroup(
            text(f"X {shape_label(X.shape)}", COLORS["input"], 20).next_to(self.X, UP, buff=0.15),
            text(f"W {shape_label(W.shape)}", COLORS["weight"], 20).next_to(self.W, UP, buff=0.15),
            text(f"Y {shape_label(Z.shape)}, stride {s}", COLORS["preactivation"], 20).next_to(
                self.Y, UP, buff=0.15
            ),
        )
        self.fml = formula(CONV["scatter"], COLORS["on_dark"], 26).move_to([2.2, 2.0, 0])
        self.show_title()
        self.play(Appear(sub), run_time=0.4)
        self.play(Appear(self.X), Appear(self.W), Appear(caps), run_time=0.5)
        size = VGroup(
            formula(CONV["transpose_size"], COLORS["on_dark"], 24),
            formula(size_tex(self.tr), COLORS["on_dark"], 24),
        )
        size.arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(self.Y, DOWN, buff=0.4)
        self.play(Appear(self.Y), Appear(self.fml), run_time=0.5)
        self.wait(1.0)
        self.play(Appear(size), run_time=0.5)
        self.wait(1.5)

    def scatter(self) -> None:
        f = self.S.n_rows
        self.cells: dict[tuple[int, int], VGroup] = {}
        xbox = self.X.window(0, 0, 1, COLORS["loss"], 5)
        ybox = self.Y.window(0, 0, f, COLORS["loss"], 5)
        self.play(Appear(xbox), Appear(ybox), run_time=0.3)
        for k, st in enumerate(stamps(self.tr)):
            if k:
                self.play(
                    xbox.animate.move_to(self.X.window(st.h, st.w, 1)),
                    ybox.animate.move_to(self.Y.window(st.top, st.left, f)),
                    run_time=0.4,
                )
            cap = text(f"{st.x} · W", COLORS["loss"], 22).next_to(self.S, UP, buff=0.15)
            vals = VGroup(
                *[
                    self.S.label_at(i, j, s)
                    for i, r in enumerate(st.scaled)
                    for j, s in enumerate(r)
                ]
            )
            self.play(Appear(self.S), Appear(cap), Appear(vals), run_time=0.5)
            old, new = [], []
            for i in range(st.top, st.top + f):
                for j in range(st.left, st.left + f):
                    if (i, j) in self.cells:
                        old.append(self.cells[i, j])
                    self.cells[i, j] = self.Y.label_at(i, j, st.partial[i][j])
                    new.append(self.cells[i, j])
            self.play(*[Vanish(m) for m in old], *[Appear(m) for m in new], run_time=0.6)
            self.wait(1.2 if k < 2 else 0.8)
            self.play(Vanish(cap), Vanish(vals), run_time=0.25)
        self.play(Vanish(xbox), Vanish(ybox), Vanish(self.S), run_time=0.3)

    def result(self) -> None:
        note = text(
            "overlapping stamps add: the centre cell sums four products\n"
            "(this is also conv2d's input-gradient with the same W)",
            COLORS["on_dark"],
            20,
        ).move_to([-1.9, -3.45, 0])
        self.play(
            self.Y.animate.set_stroke(COLORS["on_dark"], 2.5, 1.0), Appear(note), run_time=0.5
        )
        self.wait(3.0)
