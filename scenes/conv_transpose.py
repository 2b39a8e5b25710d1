"""The transposed convolution as a scatter-add: each input pixel stamps the kernel, scaled by
its value, into the output at its own offset, and overlapping stamps add up. The notes' 2x2
example ``[[0, 1], [2, 3]]`` with the kernel ``[[0, 1], [2, 3]]`` builds ``[[0, 0, 1], [0, 4,
6], [4, 12, 9]]``.

Every grid is shaded by value (:func:`visualdl.viz.style.value_color`) with a strip that reads
it; the stamps and the output share one scale, so each output cell's colour deepens as the
stamps add into it. The first pixel is 0 and its stamp is all zeros: the scene says that a zero
input stamps nothing. One stamp is walked through (``x W``, held, then added in) before the
rest; the centre cell, where all four stamps meet, keeps its running sum on screen. Every grid
and line is held by the pace rule (:func:`visualdl.anim.pace.hold`). Every number comes from
:func:`visualdl.demos.conv.conv_transpose_trace`. Beats: ``intro``, ``scatter``, ``result``.

Render: ``visualdl render conv-transpose``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, RIGHT, UP, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, named_scale, value_scale
from visualdl.anim.numbers import format_array, shape_label, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv import conv_transpose_trace
from visualdl.symbolic.formulas import CONV
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = ["ConvTranspose", "Stamp", "centre_sums", "size_tex", "stamps", "transpose_scales"]

STAMP = COLORS["loss"]  # the frames of the pixel and of where its stamp lands
WALKED = 1  # the stamp walked through: the first that is not all zeros


def size_tex(tr: Trace) -> str:
    """The output-size formula with the example's values, e.g. ``= 1·(2 − 1) + 2 − 2·0 = 3``."""
    i = tr.last("conv_transpose.size").info
    return rf"= {i['s']} \cdot ({i['n']} - 1) + {i['f']} - 2 \cdot {i['p']} = {i['n_out']}"


@dataclass(frozen=True)
class Stamp:
    """One input pixel's contribution as drawn: its cell ``(h, w)``, value, the scaled kernel
    and the output after adding it (strings; ``None`` where nothing has landed yet), with the
    trace's arrays behind them (``scaled_values``, ``partial_values``)."""

    h: int
    w: int
    top: int
    left: int
    x: str
    scaled: list[list[str]]
    partial: list[list[str | None]]
    scaled_values: object  # (f, f) array
    partial_values: object  # (n_out, n_out) array


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
                r["scaled"][:, :, 0],
                r["partial"][:, :, 0],
            )
        )
    return out


def centre_sums(shown: list[Stamp], i: int, j: int) -> list[str]:
    """Output cell ``(i, j)``'s running sum after each stamp, as written on screen: the
    stamps' entries that landed there so far and the partial output,
    e.g. ``"0 + 2 = 2"`` (one term alone, ``"·"`` before any stamp covered it)."""
    terms: list[str] = []
    out = []
    for st in shown:
        a, b = i - st.top, j - st.left
        if 0 <= a < len(st.scaled) and 0 <= b < len(st.scaled[0]):
            terms.append(st.scaled[a][b])
        value = st.partial[i][j]
        if value is None:
            out.append("·")
        else:
            out.append(terms[0] if len(terms) == 1 else " + ".join(terms) + f" = {value}")
    return out


def transpose_scales(tr: Trace) -> dict[str, float]:
    """The shading scales: ``inputs`` (X and W) and ``output`` (the stamps and Y)."""
    rec = tr.last("conv_transpose2d.forward")
    scaled = [r["scaled"] for r in tr.find("conv_transpose2d.stamp")]
    return {"inputs": value_scale(rec["X"], rec["W"]), "output": value_scale(rec["Z"], *scaled)}


class ConvTranspose(TraceScene):
    """Scatter-add, pixel by pixel, into a 3x3 output."""

    def construct(self) -> None:
        self.trace = self.tr = conv_transpose_trace()
        self.sc = transpose_scales(self.tr)
        self.intro()
        self.scatter()
        self.result()

    @beat(
        "The transposed convolution builds a larger output from a small input: each input "
        "pixel stamps the kernel, scaled by its value, into the output. The output-size "
        "formula says how large the output will be."
    )
    def intro(self) -> None:
        rec = self.tr.last("conv_transpose2d.forward")
        X, W, Z = rec["X"][0, :, :, 0], rec["W"][:, :, 0, 0], rec["Z"][0, :, :, 0]
        self.title = self.title_card("Transposed convolution: scatter-add")
        sub = self.subtitle("each input pixel stamps x · W into the output; overlaps add")
        self.X = CellGrid(X, cell=0.8, scale=self.sc["inputs"]).move_to([-5.2, 1.1, 0])
        self.W = CellGrid(W, cell=0.8, scale=self.sc["inputs"]).move_to([-5.2, -1.8, 0])
        self.Y = CellGrid(shape=Z.shape, cell=0.9, scale=self.sc["output"]).move_to([2.4, -0.4, 0])
        self.shaded = {"X": (self.X, X), "W": (self.W, W), "Y": (self.Y, Z)}  # grid, its array
        s = self.tr.meta["s"]
        caps = VGroup(
            text(f"X {shape_label(X.shape)}", COLORS["input"], 20).next_to(self.X, UP, buff=0.15),
            text(f"W {shape_label(W.shape)}", COLORS["weight"], 20).next_to(self.W, UP, buff=0.15),
        )
        self.ycap = text(
            f"Y {shape_label(Z.shape)}, stride {s}", COLORS["preactivation"], 20
        ).next_to(self.Y, UP, buff=0.15)
        self.strips = VGroup(
            named_scale(self.sc["inputs"], "X, W", COLORS["input"], signed=False),
            named_scale(self.sc["output"], "x · W, Y", COLORS["preactivation"], signed=False),
        ).arrange(DOWN, aligned_edge=RIGHT, buff=0.35)
        self.strips.to_corner(RIGHT + UP, buff=0.35)
        self.fml = formula(CONV["scatter"], COLORS["on_dark"], 26).move_to([2.2, 1.85, 0])
        size = VGroup(
            formula(CONV["transpose_size"], COLORS["on_dark"], 24),
            formula(size_tex(self.tr), COLORS["on_dark"], 24),
        )
        size.arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(self.Y, DOWN, buff=0.4)
        self.show_title()
        self.play(Appear(sub), Appear(self.X), Appear(self.W), Appear(caps), run_time=0.6)
        self.play(Appear(self.strips[0]), run_time=0.3)
        hold(self, self.X, self.W)
        self.play(Appear(self.Y), Appear(self.ycap), Appear(self.fml), run_time=0.6)
        hold(self, self.fml)
        self.play(Appear(size), Appear(self.strips[1]), run_time=0.5)
        hold(self, size)
        self.sub, self.caps, self.size = sub, caps, size

    @beat(
        "Pixel by pixel, each scaled stamp lands at its pixel's own offset and adds into what "
        "is already there; the first pixel is zero, so its stamp adds nothing. The centre "
        "cell, where every stamp lands, keeps its running sum on screen."
    )
    def scatter(self) -> None:
        f = self.X.n_rows
        shown = stamps(self.tr)
        ci = cj = self.Y.n_rows // 2  # the centre cell, where every stamp lands
        sums = centre_sums(shown, ci, cj)
        self.cells: dict[tuple[int, int], object] = {}
        xbox = self.X.window(0, 0, 1, STAMP, 5)
        ybox = self.Y.window(0, 0, f, STAMP, 5)
        centre = self.Y.window(ci, cj, 1, COLORS["on_dark"], 3)
        self.tracker = VGroup()
        self.play(Appear(xbox), Appear(ybox), run_time=0.3)
        for k, st in enumerate(shown):
            if k:
                self.play(
                    xbox.animate.move_to(self.X.window(st.h, st.w, 1)),
                    ybox.animate.move_to(self.Y.window(st.top, st.left, f)),
                    run_time=0.5,
                )
            S = CellGrid(st.scaled_values, cell=0.8, scale=self.sc["output"])
            S.move_to([-1.5, -0.4, 0])
            cap = text(f"x · W = {st.x} · W", STAMP, 22).next_to(S, UP, buff=0.15)
            zero = st.x == "0"
            note = text(
                "x = 0: its stamp is all zeros,\nso a zero input stamps nothing"
                if zero
                else "the stamp lands at the pixel's offset\nand adds into what is there",
                COLORS["on_dark"],
                18,
            ).next_to(S, DOWN, buff=0.3)
            show_note = zero or k == WALKED
            self.play(Appear(S), Appear(cap), *([Appear(note)] if show_note else []), run_time=0.6)
            if zero or k == WALKED:  # the stamp alone first
                hold(self, S, cap, note)
            self.land(st, S, sums[k], ci, cj, centre if k == 0 else None)
            hold(self, S, self.Y, n_entries=len(self.cells) + len(st.scaled) ** 2)
            self.play(*[Vanish(m) for m in (S, cap, *([note] if show_note else []))], run_time=0.3)
        self.play(Vanish(xbox), Vanish(ybox), run_time=0.3)

    def land(self, st: Stamp, S: CellGrid, centre_sum: str, ci: int, cj: int, frame) -> None:
        """``S`` flies onto its place in Y and Y's cells take their new sums and colours; the
        centre cell's running sum follows."""
        flying = S.copy()
        target = self.Y.window(st.top, st.left, S.n_rows).get_center()
        old, new, shade = [], [], []
        for i in range(st.top, st.top + S.n_rows):
            for j in range(st.left, st.left + S.n_cols):
                if (i, j) in self.cells:
                    old.append(self.cells[i, j])
                self.cells[i, j] = self.Y.label_at(i, j, st.partial[i][j])
                new.append(self.cells[i, j])
                v = st.partial_values[i, j]
                shade.append(self.Y.squares[i][j].animate.set_fill(self.Y.fill_for(v), 1.0))
        line = text(f"centre cell:\n{centre_sum}", COLORS["on_dark"], 20)
        line.next_to(self.Y, RIGHT, buff=0.35)
        extra = [Appear(frame)] if frame is not None else []
        self.play(Vanish(flying, shift=target - S.get_center(), run_time=0.8))
        self.play(
            *[Vanish(m) for m in old],
            *[Appear(m) for m in new],
            *shade,
            Vanish(self.tracker),
            Appear(line),
            *extra,
            run_time=0.6,
        )
        self.tracker = line

    @beat(
        "The finished output: where stamps overlap their values add, so the centre cell "
        "collects a product from every stamp. The same scatter-add carries a convolution's "
        "gradient back to its input."
    )
    def result(self) -> None:
        note = (
            text(
                "overlapping stamps add: the centre cell sums four products\n"
                "(this is also conv2d's input-gradient with the same W)",
                COLORS["on_dark"],
                20,
            )
            .to_edge(LEFT, buff=0.4)
            .set_y(-3.45)
        )
        self.play(
            self.Y.animate.set_stroke(COLORS["on_dark"], 2.5, 1.0), Appear(note), run_time=0.5
        )
        hold(self, note, self.Y, n_entries=len(self.cells))
