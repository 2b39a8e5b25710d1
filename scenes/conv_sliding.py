"""A 3x3 kernel slides over the notes' 6x6 image; then padding and stride; then channels.

At each stop the window's elementwise products with the kernel appear and their sum fills the
output cell (the first stops in detail, the rest quickly); the output-size formula
``floor((n + 2p - f) / s) + 1`` stands next to the output with the values of the pass; then an
RGB-like volume and a ``3x3x3`` kernel give one map, and two kernels give a volume. This is
cross-correlation: the kernel is not flipped. Every number comes from
:func:`visualdl.demos.conv.conv_sliding_trace`. Beats: ``intro``, ``slide``, ``stride``,
``channels``.

Render: ``visualdl render conv-sliding``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, RIGHT, UL, UP, Cross, DashedVMobject, Scene, VGroup

from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid
from visualdl.anim.numbers import format_array, shape_label, text
from visualdl.anim.reveal import Conceal, Reveal
from visualdl.demos.conv import conv_sliding_trace
from visualdl.trace import Trace
from visualdl.viz.style import BACKGROUND, COLORS

__all__ = [
    "CHANNEL_COLORS",
    "ChannelStop",
    "ConvSliding",
    "SIZE_TEX",
    "Stop",
    "channel_stops",
    "conv_record",
    "size_tex",
    "stops",
]

SIZE_TEX = r"n_{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1"
CHANNEL_COLORS = ("#D65F5F", "#6ACC64", "#5B8FD9")  # R, G, B: labels and frames only
DETAILED = 3  # stops narrated with their products


@dataclass(frozen=True)
class Stop:
    """One kernel position as drawn: output cell ``(h, w)``, window corner ``(top, left)`` in
    the (padded) input, the products and their sum as strings."""

    h: int
    w: int
    top: int
    left: int
    products: list[list[str]]
    total: str


def conv_record(tr: Trace, case: str):
    """The engine's ``conv2d.forward`` record of ``case`` (``"valid"``, ``"strided"``,
    ``"channels"``)."""
    return tr.find("conv2d.forward")[("valid", "strided", "channels").index(case)]


def stops(tr: Trace, case: str) -> list[Stop]:
    """The stops of ``case`` in the trace's (``windows()``) order."""
    out = []
    for r in tr.find("window"):
        if r.info["case"] != case:
            continue
        i = r.info
        out.append(
            Stop(
                i["h"],
                i["w"],
                i["top"],
                i["left"],
                format_array(r["products"]),
                format_array(r["sum"])[0][0],
            )
        )
    return out


def size_tex(tr: Trace, case: str) -> str:
    """The output-size formula with the values of ``case`` put in, e.g.
    ``floor((6 + 2·1 − 3) / 2) + 1 = floor(2.5) + 1 = 3``."""
    i = next(r.info for r in tr.find("size") if r.info["case"] == case)
    return (
        rf"= \left\lfloor \frac{{{i['n']} + 2 \cdot {i['p']} - {i['f']}}}{{{i['s']}}} "
        rf"\right\rfloor + 1 = \lfloor {i['ratio']:g} \rfloor + 1 = {i['n_out']}"
    )


@dataclass(frozen=True)
class ChannelStop:
    """One window of the multi-channel pass: each input channel's share of output channel
    ``c`` (strings) and the output value."""

    h: int
    w: int
    top: int
    left: int
    shares: list[list[str]]  # [c][k]
    outputs: list[str]  # [c]


def channel_stops(tr: Trace) -> list[ChannelStop]:
    """The multi-channel windows with their per-channel shares and outputs, as drawn."""
    Z = conv_record(tr, "channels")["Z"][0]
    out = []
    for r in tr.find("channels"):
        i = r.info
        shares = format_array(r["channel_sums"].T)
        out.append(
            ChannelStop(
                i["h"], i["w"], i["top"], i["left"], shares, format_array(Z[i["h"], i["w"]])[0]
            )
        )
    return out


class ConvSliding(Scene):
    """Kernel walk with products and sums; padding and stride; channels and filters."""

    def construct(self) -> None:
        self.camera.background_color = BACKGROUND["scene"]
        self.tr = conv_sliding_trace()
        self.intro()
        self.slide()
        self.stride()
        self.channels()

    # -- helpers --------------------------------------------------------------------------
    def set_title(self, s: str) -> None:
        new = text(s, "#FFFFFF", 28, weight="BOLD").to_corner(UL, buff=0.35)
        self.play(Conceal(self.title, run_time=0.2), Reveal(new, run_time=0.3))
        self.title = new

    def caption(self, grid: CellGrid, name: str, shape: tuple, color: str) -> VGroup:
        """Name above the grid, shape below."""
        return VGroup(
            text(name, color, 20).next_to(grid, UP, buff=0.15),
            text(shape_label(shape), COLORS["muted"], 16).next_to(grid, DOWN, buff=0.12),
        )

    def size_formula(self, case: str) -> VGroup:
        f = VGroup(
            formula(SIZE_TEX, "#FFFFFF", 26), formula(size_tex(self.tr, case), "#FFFFFF", 26)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        return f.move_to([3.2, -2.75, 0])

    def walk(self, X: CellGrid, Z: CellGrid, case: str, detailed: int, fast: float) -> list:
        """Slide the window over ``X``, filling ``Z``; returns the output labels."""
        rec = conv_record(self.tr, case)
        color = COLORS["preactivation"]
        out = []
        box = X.window(0, 0, 3)
        zbox = Z.window(0, 0, 1, color, 4)
        self.play(Reveal(box), Reveal(zbox), run_time=0.3)
        for k, st in enumerate(stops(self.tr, case)):
            moved = [
                box.animate.move_to(X.window(st.top, st.left, 3)),
                zbox.animate.move_to(Z.center_of(st.h, st.w)),
            ]
            label = Z.label_at(st.h, st.w, format_array(rec["Z"][0, st.h, st.w, 0])[0][0])
            out.append(label)
            if k < detailed:
                prods = [
                    self.P.label_at(i, j, s, "#FFFFFF")
                    for i, r in enumerate(st.products)
                    for j, s in enumerate(r)
                ]
                prods = VGroup(*prods)
                total = text(f"sum = {st.total}", color, 24).next_to(self.P, DOWN, buff=0.35)
                if k:
                    self.play(*moved, run_time=0.5)
                self.play(Reveal(prods), run_time=0.5)
                self.play(Reveal(total), run_time=0.4)
                self.play(Reveal(label), run_time=0.4)
                self.wait(0.5)
                self.play(Conceal(prods), Conceal(total), run_time=0.25)
            else:
                self.play(*moved, Reveal(label), run_time=fast)
        self.play(Conceal(box), Conceal(zbox), run_time=0.3)
        return out

    # -- beats ----------------------------------------------------------------------------
    def intro(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "valid")
        self.title = text(
            "Convolution: a 3×3 kernel slides over a 6×6 image", "#FFFFFF", 28, weight="BOLD"
        )
        self.title.to_corner(UL, buff=0.35)
        note = text("cross-correlation (the kernel is not flipped)", COLORS["muted"], 18).next_to(
            self.title, DOWN, aligned_edge=LEFT, buff=0.15
        )
        self.X = CellGrid(rec["X"][0, :, :, 0], cell=0.55, fill=COLORS["input"])
        self.X.move_to([-4.4, -0.35, 0])
        self.W = CellGrid(rec["W"][:, :, 0, 0], cell=0.55, fill=COLORS["weight"])
        self.W.move_to([-0.6, 1.35, 0])
        self.P = CellGrid(shape=(3, 3), cell=0.55)
        self.P.move_to([-0.6, -1.55, 0])
        self.Z = CellGrid(shape=rec["Z"].shape[1:3], cell=0.55, fill=COLORS["preactivation"])
        self.Z.move_to([3.2, 0.6, 0])
        caps = VGroup(
            self.caption(self.X, "X", rec["X"].shape[1:3], COLORS["input"]),
            self.caption(self.W, "W (vertical edges)", rec["W"].shape[:2], COLORS["weight"]),
            text("window ⊙ W", "#FFFFFF", 20).next_to(self.P, UP, buff=0.15),
            self.caption(self.Z, "Z = X ∗ W", rec["Z"].shape[1:3], COLORS["preactivation"]),
        )
        self.size = self.size_formula("valid")
        self.play(Reveal(self.title), Reveal(note), run_time=0.5)
        self.play(Reveal(self.X), Reveal(self.W), run_time=0.6)
        self.play(Reveal(self.P), Reveal(self.Z), Reveal(caps), Reveal(self.size), run_time=0.6)
        self.note, self.caps = note, caps

    def slide(self) -> None:
        labels = self.walk(self.X, self.Z, "valid", DETAILED, 0.3)
        band = text("bright | dark edge → a band of 30s", COLORS["preactivation"], 20)
        band.next_to(self.Z, RIGHT, buff=0.3).shift(0.2 * UP)
        if band.get_right()[0] > 6.9:
            band.next_to(self.Z, UP, buff=0.6)
        self.play(Reveal(band), run_time=0.4)
        self.wait(1.2)
        self.play(
            Conceal(band),
            Conceal(VGroup(*labels)),
            Conceal(self.Z),
            Conceal(self.caps[3]),
            run_time=0.3,
        )

    def stride(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "strided")
        info = next(r.info for r in tr.find("size") if r.info["case"] == "strided")
        p, s = info["p"], info["s"]
        self.set_title(f"Padding p = {p} and stride s = {s}")
        Xp = tr.last("padded")["X_pad"]
        n = Xp.shape[0]
        ring = [(i, j) for i in range(n) for j in range(n) if min(i, j) < p or max(i, j) >= n - p]
        XP = CellGrid(Xp, cell=0.45, fill=COLORS["input"], muted=ring)
        XP.move_to(self.X)
        Z = CellGrid(shape=rec["Z"].shape[1:3], cell=0.55, fill=COLORS["preactivation"])
        Z.move_to([3.2, 0.6, 0])
        zcap = self.caption(Z, "Z", rec["Z"].shape[1:3], COLORS["preactivation"])
        xcap = self.caption(XP, f"X padded with zeros (p = {p})", Xp.shape, COLORS["input"])
        size = self.size_formula("strided")
        self.play(Conceal(self.X), Conceal(self.caps[0]), Conceal(self.size), run_time=0.3)
        self.play(Reveal(XP), Reveal(xcap), Reveal(Z), Reveal(zcap), Reveal(size), run_time=0.6)
        self.wait(0.8)
        labels = self.walk(XP, Z, "strided", 1, 0.45)
        nxt = info["next_start"]
        ghost = DashedVMobject(XP.window(0, nxt, info["f"], COLORS["gradient"], 4), num_dashes=24)
        cross = Cross(ghost, stroke_color=COLORS["gradient"], stroke_width=4).scale(0.6)
        why = text(
            f"a window starting at column {nxt} would stick out:\n"
            "it is dropped — that is the floor",
            COLORS["gradient"],
            18,
        ).next_to(size, UP, buff=0.3, aligned_edge=LEFT)
        self.play(Reveal(ghost), Reveal(cross), Reveal(why), run_time=0.5)
        self.wait(1.8)
        self.play(
            *[Conceal(m) for m in (XP, xcap, Z, zcap, size, ghost, cross, why, VGroup(*labels))],
            Conceal(self.W),
            Conceal(self.P),
            Conceal(self.caps[1]),
            Conceal(self.caps[2]),
            Conceal(self.note),
            run_time=0.4,
        )

    def channels(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "channels")
        X, W, Zv = rec["X"][0], rec["W"], rec["Z"][0]
        n_C_prev, n_C = W.shape[2], W.shape[3]
        self.set_title("Three channels: an f×f×3 kernel gives one map")
        xs, ws, caps = [], [], []
        for k in range(n_C_prev):
            g = CellGrid(X[:, :, k], cell=0.42, fill=CHANNEL_COLORS[k], fill_opacity=0.3)
            g.move_to([-5.3 + 2.45 * k, 1.15, 0])
            xs.append(g)
            caps.append(
                text(f"X[:, :, {k}]  ({'RGB'[k]})", CHANNEL_COLORS[k], 17).next_to(g, UP, buff=0.12)
            )
        cap_x = text(f"X {shape_label(X.shape)}", COLORS["input"], 18).move_to([-2.85, 2.55, 0])
        plus = [
            text("+", "#FFFFFF", 30).move_to(
                (xs[k].get_center() + xs[k + 1].get_center()) / 2 + 2.6 * DOWN
            )
            for k in range(n_C_prev - 1)
        ]

        def kernels(c: int) -> list[CellGrid]:
            out = []
            for k in range(n_C_prev):
                g = CellGrid(W[:, :, k, c], cell=0.42, fill=COLORS["weight"])
                out.append(g.move_to(xs[k].get_center() + 2.6 * DOWN))
            return out

        Z = [
            CellGrid(shape=Zv.shape[:2], cell=0.6, fill=COLORS["preactivation"]) for _ in range(n_C)
        ]
        Z[0].move_to([4.6, 1.2, 0])
        Z[1].move_to([4.6, -1.5, 0])
        zcaps = [
            text(f"Z[:, :, {c}]", COLORS["preactivation"], 18).next_to(Z[c], UP, buff=0.12)
            for c in range(n_C)
        ]
        st_all = channel_stops(tr)
        kcap = text(f"W[:, :, :, 0] {shape_label(W.shape[:3])}", COLORS["weight"], 18).move_to(
            [-2.85, -0.3, 0]
        )
        ws = kernels(0)
        self.play(
            Reveal(VGroup(*xs, *caps, cap_x)),
            Reveal(VGroup(*ws, kcap, *plus)),
            Reveal(Z[0]),
            Reveal(zcaps[0]),
            run_time=0.6,
        )
        for c in range(n_C):
            if c:
                new_ws = kernels(c)
                new_cap = text(f"W[:, :, :, {c}] — a second kernel", COLORS["weight"], 18).move_to(
                    kcap
                )
                self.play(
                    Conceal(VGroup(*ws, kcap)),
                    Reveal(VGroup(*new_ws, new_cap)),
                    Reveal(Z[1]),
                    Reveal(zcaps[1]),
                    run_time=0.5,
                )
                ws, kcap = new_ws, new_cap
            boxes = [x.window(0, 0, 3) for x in xs]
            self.play(*[Reveal(b) for b in boxes], run_time=0.3)
            for n, st in enumerate(st_all):
                moved = [
                    b.animate.move_to(x.window(st.top, st.left, 3))
                    for b, x in zip(boxes, xs, strict=True)
                ]
                label = Z[c].label_at(st.h, st.w, st.outputs[c])
                if c == 0 and n == 0:
                    shares = [
                        text(f"sum = {s}", CHANNEL_COLORS[k], 20).next_to(ws[k], DOWN, buff=0.2)
                        for k, s in enumerate(st.shares[c])
                    ]
                    eq = text(
                        " + ".join(f"({s})" for s in st.shares[c]) + f" = {st.outputs[c]}",
                        COLORS["preactivation"],
                        20,
                    ).next_to(Z[0], DOWN, buff=0.5)
                    self.play(Reveal(VGroup(*shares)), run_time=0.5)
                    self.play(Reveal(eq), Reveal(label), run_time=0.5)
                    self.wait(1.0)
                    self.play(Conceal(VGroup(*shares)), Conceal(eq), run_time=0.25)
                else:
                    self.play(*moved, Reveal(label), run_time=0.4)
                Z[c].add(label)
            self.play(*[Conceal(b) for b in boxes], run_time=0.2)
        n_params = tr.last("volume").info["n_params"]
        summary = text(
            f"{n_C} kernels → {n_C} maps: Z {shape_label(Zv.shape)}\n"
            f"parameters 3·3·{n_C_prev}·{n_C} + {n_C} biases = {n_params}",
            "#FFFFFF",
            20,
        ).move_to([1.6, -3.45, 0])
        self.play(Reveal(summary), run_time=0.4)
        self.wait(2.0)
