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

from manim import DOWN, LEFT, RIGHT, UP, Cross, DashedVMobject, VGroup

from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid
from visualdl.anim.numbers import format_array, shape_label, text
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv import conv_sliding_trace
from visualdl.symbolic.formulas import CONV
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = [
    "CHANNEL_COLORS",
    "ChannelStop",
    "ConvSliding",
    "Stop",
    "channel_stops",
    "conv_record",
    "size_tex",
    "stops",
]

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
    return tr.last("conv2d.forward", case=case)


def stops(tr: Trace, case: str) -> list[Stop]:
    """The stops of ``case`` in the engine's (``windows()``) order: one channel, one filter."""
    out = []
    for r in tr.find("conv2d.window", case=case):
        i = r.info
        out.append(
            Stop(
                i["h"],
                i["w"],
                i["top"],
                i["left"],
                format_array(r["products"][:, :, 0]),
                format_array(r["sum"])[0][0],
            )
        )
    return out


def size_tex(tr: Trace, case: str) -> str:
    """The output-size formula with the values of ``case`` put in, e.g.
    ``floor((6 + 2·1 − 3) / 2) + 1 = floor(2.5) + 1 = 3``."""
    i = tr.last("conv_sliding.size", case=case).info
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
    by_window: dict[tuple[int, int], list] = {}
    for r in tr.find("conv2d.window", case="channels"):  # filter by filter within a window
        by_window.setdefault((r.info["h"], r.info["w"]), []).append(r)
    out = []
    for (h, w), recs in by_window.items():
        shares = format_array([r["channel_sums"] for r in recs])  # [c][k]
        top, left = recs[0].info["top"], recs[0].info["left"]
        out.append(ChannelStop(h, w, top, left, shares, format_array(Z[h, w])[0]))
    return out


class ConvSliding(TraceScene):
    """Kernel walk with products and sums; padding and stride; channels and filters."""

    def construct(self) -> None:
        self.tr = conv_sliding_trace()
        self.intro()
        self.slide()
        self.stride()
        self.channels()

    # -- helpers --------------------------------------------------------------------------
    def size_formula(self, case: str) -> VGroup:
        f = VGroup(
            formula(CONV["output_size"], COLORS["on_dark"], 26),
            formula(size_tex(self.tr, case), COLORS["on_dark"], 26),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        return f.move_to([3.2, -2.75, 0])

    def walk(self, X: CellGrid, Z: CellGrid, case: str, detailed: int, fast: float) -> list:
        """Slide the window over ``X``, filling ``Z``; returns the output labels."""
        rec = conv_record(self.tr, case)
        color = COLORS["preactivation"]
        out = []
        box = X.window(0, 0, 3)
        zbox = Z.window(0, 0, 1, color, 4)
        self.play(Appear(box), Appear(zbox), run_time=0.3)
        for k, st in enumerate(stops(self.tr, case)):
            moved = [
                box.animate.move_to(X.window(st.top, st.left, 3)),
                zbox.animate.move_to(Z.center_of(st.h, st.w)),
            ]
            label = Z.label_at(st.h, st.w, format_array(rec["Z"][0, st.h, st.w, 0])[0][0])
            out.append(label)
            if k < detailed:
                prods = [
                    self.P.label_at(i, j, s, COLORS["on_dark"])
                    for i, r in enumerate(st.products)
                    for j, s in enumerate(r)
                ]
                prods = VGroup(*prods)
                total = text(f"sum = {st.total}", color, 24).next_to(self.P, DOWN, buff=0.35)
                if k:
                    self.play(*moved, run_time=0.5)
                self.play(Appear(prods), run_time=0.5)
                self.play(Appear(total), run_time=0.4)
                self.play(Appear(label), run_time=0.4)
                self.wait(0.5)
                self.play(Vanish(prods), Vanish(total), run_time=0.25)
            else:
                self.play(*moved, Appear(label), run_time=fast)
        self.play(Vanish(box), Vanish(zbox), run_time=0.3)
        return out

    # -- beats ----------------------------------------------------------------------------
    def intro(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "valid")
        self.title = self.title_card("Convolution: a 3×3 kernel slides over a 6×6 image")
        note = self.subtitle("cross-correlation (the kernel is not flipped)")
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
            text("window ⊙ W", COLORS["on_dark"], 20).next_to(self.P, UP, buff=0.15),
            self.caption(self.Z, "Z = X ∗ W", rec["Z"].shape[1:3], COLORS["preactivation"]),
        )
        self.size = self.size_formula("valid")
        self.show_title()
        self.play(Appear(note), run_time=0.5)
        self.play(Appear(self.X), Appear(self.W), run_time=0.6)
        self.play(Appear(self.P), Appear(self.Z), Appear(caps), Appear(self.size), run_time=0.6)
        self.note, self.caps = note, caps

    def slide(self) -> None:
        labels = self.walk(self.X, self.Z, "valid", DETAILED, 0.3)
        band = text("bright | dark edge → a band of 30s", COLORS["preactivation"], 20)
        band.next_to(self.Z, RIGHT, buff=0.3).shift(0.2 * UP)
        if band.get_right()[0] > 6.9:
            band.next_to(self.Z, UP, buff=0.6)
        self.play(Appear(band), run_time=0.4)
        self.wait(1.2)
        self.play(
            Vanish(band),
            Vanish(VGroup(*labels)),
            Vanish(self.Z),
            Vanish(self.caps[3]),
            run_time=0.3,
        )

    def stride(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "strided")
        info = tr.last("conv_sliding.size", case="strided").info
        p, s = info["p"], info["s"]
        self.swap_title(f"Padding p = {p} and stride s = {s}")
        Xp = rec["X_pad"][0, :, :, 0]
        n = Xp.shape[0]
        ring = [(i, j) for i in range(n) for j in range(n) if min(i, j) < p or max(i, j) >= n - p]
        XP = CellGrid(Xp, cell=0.45, fill=COLORS["input"], muted=ring)
        XP.move_to(self.X)
        Z = CellGrid(shape=rec["Z"].shape[1:3], cell=0.55, fill=COLORS["preactivation"])
        Z.move_to([3.2, 0.6, 0])
        zcap = self.caption(Z, "Z", rec["Z"].shape[1:3], COLORS["preactivation"])
        xcap = self.caption(XP, f"X padded with zeros (p = {p})", Xp.shape, COLORS["input"])
        size = self.size_formula("strided")
        self.play(Vanish(self.X), Vanish(self.caps[0]), Vanish(self.size), run_time=0.3)
        self.play(Appear(XP), Appear(xcap), Appear(Z), Appear(zcap), Appear(size), run_time=0.6)
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
        self.play(Appear(ghost), Appear(cross), Appear(why), run_time=0.5)
        self.wait(1.8)
        self.play(
            *[Vanish(m) for m in (XP, xcap, Z, zcap, size, ghost, cross, why, VGroup(*labels))],
            Vanish(self.W),
            Vanish(self.P),
            Vanish(self.caps[1]),
            Vanish(self.caps[2]),
            Vanish(self.note),
            run_time=0.4,
        )

    def channels(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "channels")
        X, W, Zv = rec["X"][0], rec["W"], rec["Z"][0]
        n_C_prev, n_C = W.shape[2], W.shape[3]
        self.swap_title("Three channels: an f×f×3 kernel gives one map")
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
            text("+", COLORS["on_dark"], 30).move_to(
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
            Appear(VGroup(*xs, *caps, cap_x)),
            Appear(VGroup(*ws, kcap, *plus)),
            Appear(Z[0]),
            Appear(zcaps[0]),
            run_time=0.6,
        )
        for c in range(n_C):
            if c:
                new_ws = kernels(c)
                new_cap = text(f"W[:, :, :, {c}] — a second kernel", COLORS["weight"], 18).move_to(
                    kcap
                )
                self.play(
                    Vanish(VGroup(*ws, kcap)),
                    Appear(VGroup(*new_ws, new_cap)),
                    Appear(Z[1]),
                    Appear(zcaps[1]),
                    run_time=0.5,
                )
                ws, kcap = new_ws, new_cap
            boxes = [x.window(0, 0, 3) for x in xs]
            self.play(*[Appear(b) for b in boxes], run_time=0.3)
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
                    self.play(Appear(VGroup(*shares)), run_time=0.5)
                    self.play(Appear(eq), Appear(label), run_time=0.5)
                    self.wait(1.0)
                    self.play(Vanish(VGroup(*shares)), Vanish(eq), run_time=0.25)
                else:
                    self.play(*moved, Appear(label), run_time=0.4)
                Z[c].add(label)
            self.play(*[Vanish(b) for b in boxes], run_time=0.2)
        n_params = tr.last("conv_sliding.volume").info["n_params"]
        summary = text(
            f"{n_C} kernels → {n_C} maps: Z {shape_label(Zv.shape)}\n"
            f"parameters 3·3·{n_C_prev}·{n_C} + {n_C} biases = {n_params}",
            COLORS["on_dark"],
            20,
        ).move_to([1.6, -3.45, 0])
        self.play(Appear(summary), run_time=0.4)
        self.wait(2.0)
