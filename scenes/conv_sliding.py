"""A 3x3 kernel slides over the notes' 6x6 image; then padding and stride; then channels.

Every grid is shaded by value (:func:`visualdl.viz.style.value_color`: blue below 0, the
background at 0, red above), with a strip that reads it, so the bright half of the image, the
kernel's 1 / 0 / -1 and the output's band of 30s are seen, not only read. One window is walked
through (its nine products, then their sum, coloured into the output cell) before the rest fill
faster; every new grid and equation is held by the pace rule (:func:`visualdl.anim.pace.hold`).
The output-size formula ``floor((n + 2p - f) / s) + 1`` stands next to the output with the
values of the pass; then an RGB-like volume meets a ``3x3x3`` kernel, channel by channel, and
two kernels stack into a ``2x2x2`` output. This is cross-correlation: the kernel is not
flipped. Every number comes from :func:`visualdl.demos.conv.conv_sliding_trace`. Beats:
``intro``, ``slide``, ``stride``, ``channels``.

Render: ``visualdl render conv-sliding``.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import DOWN, LEFT, RIGHT, UP, Cross, DashedVMobject, Square, VGroup

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, fill_in, named_scale, value_scale
from visualdl.anim.numbers import format_array, shape_label, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv import conv_sliding_trace
from visualdl.symbolic.formulas import CONV
from visualdl.trace import Trace
from visualdl.viz.style import BACKGROUND, COLORS

__all__ = [
    "CHANNEL_COLORS",
    "ChannelStop",
    "ConvSliding",
    "Stop",
    "channel_stops",
    "conv_record",
    "scales",
    "size_tex",
    "stops",
]

CHANNEL_COLORS = ("#D65F5F", "#6ACC64", "#5B8FD9")  # R, G, B: labels only
WALKED = 2  # windows of the first pass walked through with their products
X_AT = (-4.75, -0.3, 0)  # centre of the 6x6 image
COL = -0.6  # x of the kernel and the products
Z_AT = (2.5, 1.0, 0)  # centre of the output
WINDOW = COLORS["on_dark"]  # the frame of the window under the kernel


@dataclass(frozen=True)
class Stop:
    """One kernel position as drawn: output cell ``(h, w)``, window corner ``(top, left)`` in
    the (padded) input, the products (strings and the trace's array) and their sum (string
    and value)."""

    h: int
    w: int
    top: int
    left: int
    products: list[list[str]]
    total: str
    product_values: object  # (f, f) array, read from the trace
    value: float


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
                r["products"][:, :, 0],
                float(r["sum"]),
            )
        )
    return out


def scales(tr: Trace) -> dict[str, float]:
    """The shading scales: ``image`` (the 6x6 image and its products), ``kernel``, ``Z`` (both
    passes' outputs), and for the channels ``volume`` (the input and its products),
    ``kernels`` and ``maps`` (the output)."""
    valid, strided, ch = (conv_record(tr, c) for c in ("valid", "strided", "channels"))
    prods = [r["products"] for r in tr.find("conv2d.window", case="valid")]
    ch_prods = [r["products"] for r in tr.find("conv2d.window", case="channels")]
    return {
        "image": value_scale(valid["X"], *prods),
        "kernel": value_scale(valid["W"]),
        "Z": value_scale(valid["Z"], strided["Z"]),
        "volume": value_scale(ch["X"], *ch_prods),
        "kernels": value_scale(ch["W"]),
        "maps": value_scale(ch["Z"]),
    }


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
    ``c`` (strings), the output value (strings and values) and, per filter, the products of
    each input channel (the trace's ``(f, f, n_C_prev)`` arrays)."""

    h: int
    w: int
    top: int
    left: int
    shares: list[list[str]]  # [c][k]
    outputs: list[str]  # [c]
    values: list[float]  # [c]
    products: list  # [c]: (f, f, n_C_prev) arrays


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
        out.append(
            ChannelStop(
                h,
                w,
                top,
                left,
                shares,
                format_array(Z[h, w])[0],
                [float(v) for v in Z[h, w]],
                [r["products"] for r in recs],
            )
        )
    return out


def _ring(X: CellGrid, p: int) -> VGroup:
    """The zero-padding ring of width ``p`` around ``X``: empty cells at the colour of 0."""
    cells = VGroup()
    for i in range(-p, X.n_rows + p):
        for j in range(-p, X.n_cols + p):
            if 0 <= i < X.n_rows and 0 <= j < X.n_cols:
                continue
            sq = Square(X.cell).set_stroke(COLORS["muted"], 1.5, 0.8)
            sq.set_fill(BACKGROUND["scene"], 1.0)
            cells.add(sq.move_to(X.center_of(0, 0) + X.cell * (j * RIGHT + i * DOWN)))
    return cells


class ConvSliding(TraceScene):
    """Kernel walk with products and sums; padding and stride; channels and filters."""

    def construct(self) -> None:
        self.trace = self.tr = conv_sliding_trace()
        self.s = scales(self.tr)
        self.shaded: dict[str, tuple] = {}  # name -> (grid, the trace array it shades)
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
        return f.move_to([3.7, -2.6, 0])

    def output_grid(self, case: str) -> CellGrid:
        shape = conv_record(self.tr, case)["Z"].shape[1:3]
        return CellGrid(shape=shape, cell=0.6, scale=self.s["Z"]).move_to(Z_AT)

    def walk(self, X: CellGrid, Z: CellGrid, case: str, walked: int, fast: float, pad: int = 0):
        """Slide the window over ``X`` (``pad``: its ring, not part of the grid), filling ``Z``
        cell by cell in colour; the first ``walked`` stops show their products, then their sum.
        Returns the output labels."""
        out = []
        first = stops(self.tr, case)[0]
        box = X.window(first.top - pad, first.left - pad, 3, WINDOW)
        zbox = Z.window(0, 0, 1, COLORS["preactivation"], 4)
        self.play(Appear(box), Appear(zbox), run_time=0.4)
        cap = text("window ⊙ W", COLORS["on_dark"], 20).move_to([COL, -0.55, 0])
        for k, st in enumerate(stops(self.tr, case)):
            moved = [
                box.animate.move_to(X.window(st.top - pad, st.left - pad, 3, WINDOW)),
                zbox.animate.move_to(Z.center_of(st.h, st.w)),
            ]
            label, shade = fill_in(Z, st.h, st.w, st.total, st.value)
            out.append(label)
            if k >= walked:
                self.play(*moved, *shade, run_time=fast)
                continue
            P = CellGrid(st.product_values, cell=0.6, scale=self.s["image"])
            P.move_to([COL, -1.75, 0])
            total = text(f"sum = {st.total}", COLORS["preactivation"], 22)
            total.next_to(P, DOWN, buff=0.3)
            if k == 0:  # the walked window: its products, then their sum
                self.play(Appear(P), Appear(cap), run_time=0.7)
                hold(self, P)
                self.play(Appear(total), *shade, run_time=0.6)
                hold(self, total, n_entries=1)
            else:  # the next: products and sum at once
                self.play(*moved, run_time=0.6)
                self.play(Appear(P), Appear(total), *shade, run_time=0.7)
                hold(self, P, total, n_entries=10)
            self.play(Vanish(P), Vanish(total), *([Vanish(cap)] if k == walked - 1 else []))
        self.play(Vanish(box), Vanish(zbox), run_time=0.3)
        return out

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "A small kernel that detects vertical edges is about to slide over an image whose left"
        " half is bright and right half dark. This is cross-correlation, the kernel is not "
        "flipped, and the output-size formula says how large the output will be."
    )
    def intro(self) -> None:
        rec = conv_record(self.tr, "valid")
        self.title = self.title_card("Convolution: a 3×3 kernel slides over a 6×6 image")
        self.note = self.subtitle("cross-correlation (the kernel is not flipped); colour = value")
        self.X = CellGrid(rec["X"][0, :, :, 0], cell=0.55, scale=self.s["image"]).move_to(X_AT)
        self.xcap = self.caption(
            self.X, "X: bright half 10, dark half 0", rec["X"].shape[1:3], COLORS["input"]
        )
        self.xstrip = named_scale(self.s["image"], "X, products", COLORS["input"], width=1.6)
        self.xstrip.move_to([X_AT[0], -3.2, 0])
        self.W = CellGrid(rec["W"][:, :, 0, 0], cell=0.55, scale=self.s["kernel"])
        self.W.move_to([COL, 1.45, 0])
        self.wcap = self.caption(self.W, "W: vertical edges", rec["W"].shape[:2], COLORS["weight"])
        self.wstrip = named_scale(self.s["kernel"], "W", COLORS["weight"], width=1.2)
        self.wstrip.next_to(self.wcap[1], DOWN, buff=0.15)
        self.Z = self.output_grid("valid")
        self.shaded |= {
            "X": (self.X, rec["X"][0, :, :, 0]),
            "W": (self.W, rec["W"][:, :, 0, 0]),
            "Z valid": (self.Z, rec["Z"][0, :, :, 0]),
        }
        self.zcap = self.caption(self.Z, "Z = X ∗ W", rec["Z"].shape[1:3], COLORS["preactivation"])
        self.zstrip = named_scale(self.s["Z"], "Z", COLORS["preactivation"], width=1.6)
        self.zstrip.next_to(self.zcap[1], DOWN, buff=0.15)
        self.size = self.size_formula("valid")
        self.show_title()
        self.play(Appear(self.note), Appear(self.X), Appear(self.xcap), Appear(self.xstrip))
        hold(self, self.X)
        self.play(Appear(self.W), Appear(self.wcap), Appear(self.wstrip))
        hold(self, self.W)
        self.play(*[Appear(m) for m in (self.Z, self.zcap, self.zstrip, self.size)])
        hold(self, self.size)

    @beat(
        "At each position the window under the kernel is multiplied by it entry by entry and "
        "the products are summed into one output cell. Where the window straddles the edge "
        "between bright and dark the output is large; where it lies in one half it is zero."
    )
    def slide(self) -> None:
        labels = self.walk(self.X, self.Z, "valid", WALKED, 0.35)
        band = text("the edge between\nbright and dark:\na band of 30s", COLORS["on_dark"], 20)
        band.next_to(self.Z, RIGHT, buff=0.35)
        self.play(Appear(band), run_time=0.5)
        hold(self, band, n_entries=len(labels))
        self.play(*[Vanish(m) for m in (band, VGroup(*labels), self.Z, self.zcap, self.size)])

    @beat(
        "Now the image gets a ring of zeros and the kernel jumps by a stride, so the output "
        "shrinks and the zero ring turns the border into an edge too. A window that would "
        "stick out past the padding is dropped: that is the floor in the size formula."
    )
    def stride(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "strided")
        info = tr.last("conv_sliding.size", case="strided").info
        p, s = info["p"], info["s"]
        Xp = rec["X_pad"][0, :, :, 0]
        pad = _ring(self.X, p)
        xcap = VGroup(
            text(f"X padded with zeros (p = {p})", COLORS["input"], 20).next_to(pad, UP, buff=0.15),
            text(shape_label(Xp.shape), COLORS["muted"], 16).next_to(pad, DOWN, buff=0.12),
        )
        Z = self.output_grid("strided")
        self.shaded["Z strided"] = (Z, rec["Z"][0, :, :, 0])
        zcap = self.caption(Z, f"Z, stride {s}", rec["Z"].shape[1:3], COLORS["preactivation"])
        size = self.size_formula("strided")
        self.swap_title(
            f"Padding p = {p} and stride s = {s}",
            Vanish(self.xcap, run_time=0.3),
        )
        self.play(
            Appear(pad),
            Appear(xcap),
            Appear(Z),
            Appear(zcap),
            Appear(size),
            self.zstrip.animate.next_to(zcap[1], DOWN, buff=0.15),
            run_time=0.7,
        )
        hold(self, size)
        labels = self.walk(self.X, Z, "strided", 1, 0.5, pad=p)
        border = dict.fromkeys(st.total for st in stops(tr, "strided") if st.w == 0)
        edge = text(
            "the zero ring makes\nthe border an edge too:\n" + " and ".join(border) + " (blue)",
            COLORS["on_dark"],
            18,
        ).next_to(Z, RIGHT, buff=0.35)
        self.play(Appear(edge), run_time=0.5)
        hold(self, edge, n_entries=len(labels))
        nxt = info["next_start"]
        ghost = self.X.window(-p, nxt - p, info["f"], COLORS["gradient"], 4)
        ghost = DashedVMobject(ghost, num_dashes=24)
        cross = Cross(ghost, stroke_color=COLORS["gradient"], stroke_width=4).scale(0.6)
        why = text(
            f"a window starting at column {nxt} would stick out:\n"
            "it is dropped — that is the floor",
            COLORS["gradient"],
            18,
        ).next_to(size, UP, buff=0.35, aligned_edge=LEFT)
        self.play(Appear(ghost), Appear(cross), Appear(why), run_time=0.6)
        hold(self, why, size)
        gone = (self.X, pad, xcap, Z, zcap, self.zstrip, size, ghost, cross, why, edge)
        self.play(
            *[Vanish(m) for m in (*gone, VGroup(*labels), self.W, self.wcap, self.wstrip)],
            *[Vanish(m) for m in (self.note, self.xstrip)],
            run_time=0.5,
        )

    @beat(
        "With several input channels each kernel has one slice per channel; the channels' sums"
        " add up, with the bias, to one output number. A second kernel gives a second map, the"
        " maps stack into the output, and the parameters are counted."
    )
    def channels(self) -> None:
        tr = self.tr
        rec = conv_record(tr, "channels")
        X, W, Zv = rec["X"][0], rec["W"], rec["Z"][0]
        n_C_prev, n_C = W.shape[2], W.shape[3]
        self.swap_title(f"{n_C_prev} channels: one 3×3×{n_C_prev} kernel gives one map")
        sub = self.subtitle("each channel meets its own 3×3 slice; the channels' sums add up")
        xs_at = [-5.75 + 2.4 * k for k in range(n_C_prev)]
        xs = [
            CellGrid(X[:, :, k], cell=0.55, scale=self.s["volume"]).move_to([x, 1.35, 0])
            for k, x in enumerate(xs_at)
        ]
        caps = [
            text(f"X[:, :, {k}]  ({'RGB'[k]})", CHANNEL_COLORS[k], 17).next_to(g, UP, buff=0.12)
            for k, g in enumerate(xs)
        ]
        vstrip = named_scale(self.s["volume"], "X, products", COLORS["input"], width=1.6).move_to(
            [4.6, -3.0, 0]
        )
        self.play(Appear(sub), Appear(vstrip), run_time=0.4)
        for g, c in zip(xs, caps, strict=True):  # the volume, channel by channel
            self.play(Appear(g), Appear(c), run_time=0.5)
            hold(self, g)

        def kernels(c: int) -> list[CellGrid]:
            return [
                CellGrid(W[:, :, k, c], cell=0.5, scale=self.s["kernels"]).move_to([x, -0.95, 0])
                for k, x in enumerate(xs_at)
            ]

        def kernel_cap(c: int) -> VGroup:
            return text(
                f"W[:, :, :, {c}] {shape_label(W.shape[:3])}: kernel {c + 1}",
                COLORS["weight"],
                17,
            ).move_to([xs_at[1], 0.02, 0])

        Zs = [CellGrid(shape=Zv.shape[:2], cell=0.8, scale=self.s["maps"]) for _ in range(n_C)]
        for k, g in enumerate(xs):
            self.shaded[f"X[:, :, {k}]"] = (g, X[:, :, k])
        for c, g in enumerate(Zs):
            self.shaded[f"Z[:, :, {c}]"] = (g, Zv[:, :, c])
        Zs[0].move_to([2.4, 1.35, 0])
        Zs[1].move_to([5.1, 1.35, 0])
        zcaps = [
            text(f"Z[:, :, {c}]", COLORS["preactivation"], 18).next_to(Zs[c], UP, buff=0.12)
            for c in range(n_C)
        ]
        kstrip = named_scale(self.s["kernels"], "W", COLORS["weight"], width=1.2)
        kstrip.next_to(vstrip, DOWN, buff=0.3).align_to(vstrip, RIGHT)
        mstrip = named_scale(self.s["maps"], "Z", COLORS["preactivation"], width=1.6).move_to(
            [3.75, 0.25, 0]
        )
        ws, kcap = kernels(0), kernel_cap(0)
        self.play(*[Appear(m) for m in (*ws, kstrip, kcap, Zs[0], zcaps[0], mstrip)], run_time=0.6)
        hold(self, *ws)
        st_all = channel_stops(tr)
        self.map_labels: list[list] = [[] for _ in range(n_C)]
        for c in range(n_C):
            if c:
                new_ws, new_cap = kernels(c), kernel_cap(c)
                self.play(
                    *[Vanish(m) for m in (*ws, kcap)],
                    *[Appear(m) for m in (*new_ws, new_cap, Zs[c], zcaps[c])],
                    run_time=0.6,
                )
                hold(self, *new_ws)
                ws, kcap = new_ws, new_cap
            boxes = [x.window(0, 0, 3, WINDOW, 4) for x in xs]
            self.play(*[Appear(b) for b in boxes], run_time=0.3)
            for n, st in enumerate(st_all):
                moved = [
                    b.animate.move_to(x.window(st.top, st.left, 3, WINDOW, 4))
                    for b, x in zip(boxes, xs, strict=True)
                ]
                label, shade = fill_in(Zs[c], st.h, st.w, st.outputs[c], st.values[c])
                if n == 0:
                    self.channel_sum(c, st, ws, label, shade)
                else:
                    self.play(*moved, *shade, run_time=0.6)
                Zs[c].add(label)
                self.map_labels[c].append(label)
            self.play(*[Vanish(b) for b in boxes], run_time=0.3)
            hold(self, Zs[c], n_entries=len(st_all))
        self.stack(Zs, zcaps, Zv.shape, n_C_prev, n_C)

    def channel_sum(self, c: int, st: ChannelStop, ws: list, label, shade: list) -> None:
        """One window of filter ``c``: for the first filter each channel's nine products and
        their sum, for the others the sums alone; then the total, coloured into the map."""
        shares = st.shares[c]
        eq = text(
            " + ".join(f"({s})" for s in shares) + f" + b = {st.outputs[c]}   (b = 0)",
            COLORS["on_dark"],
            20,
        ).move_to([3.75, -0.8, 0])
        if c == 0:
            P = [
                CellGrid(st.products[c][:, :, k], cell=0.5, scale=self.s["volume"]).move_to(
                    g.get_center() + 2.2 * DOWN
                )
                for k, g in enumerate(ws)
            ]
            pcap = text("window ⊙ W, channel by channel", COLORS["on_dark"], 17)
            pcap.next_to(P[1], UP, buff=0.1)
            self.play(*[Appear(m) for m in (*P, pcap)], run_time=0.7)
            hold(self, *P)
            sums = [
                text(f"= {s}", CHANNEL_COLORS[k], 18).next_to(P[k], RIGHT, buff=0.12)
                for k, s in enumerate(shares)
            ]
        else:
            P, pcap = [], VGroup()
            sums = [
                text(f"sum = {s}", CHANNEL_COLORS[k], 18).next_to(g, DOWN, buff=0.25)
                for k, (s, g) in enumerate(zip(shares, ws, strict=True))
            ]
        self.play(*[Appear(m) for m in (*sums, eq)], *shade, run_time=0.7)
        hold(self, *sums, eq, n_entries=2 * len(sums) + 1)
        self.play(*[Vanish(m) for m in (*P, pcap, *sums, eq)], run_time=0.4)

    def stack(self, Zs: list, zcaps: list, shape: tuple, n_C_prev: int, n_C: int) -> None:
        """The maps stack into the output volume, the later ones behind (their numbers were
        read; only their colours show); the parameter count."""
        volume = self.tr.last("conv_sliding.volume").info
        n_params, f = volume["n_params"], volume["f"]
        step = 0.35 * (UP + RIGHT)
        behind = [VGroup(*labels) for labels in self.map_labels[1:]]
        for c in range(1, n_C):
            for label in self.map_labels[c]:
                Zs[c].remove(label)
        cap = text(f"Z {shape_label(shape)}: the {n_C} maps stacked", COLORS["preactivation"], 18)
        cap.next_to(Zs[0], UP, buff=0.12 + 0.35 * (n_C - 1)).align_to(Zs[0], LEFT)
        self.play(*[Vanish(m) for m in (*behind, *zcaps)], run_time=0.4)
        self.play(
            *[Zs[c].animate.move_to(Zs[0].get_center() + c * step) for c in range(1, n_C)],
            run_time=0.8,
        )
        for c in range(n_C - 2, -1, -1):
            self.bring_to_front(Zs[c])
        summary = text(
            f"{n_C} kernels, each {f}·{f}·{n_C_prev} weights + 1 bias (b = 0):\n"
            f"{f}·{f}·{n_C_prev}·{n_C} + {n_C} = {n_params} parameters",
            COLORS["on_dark"],
            20,
        ).move_to([3.75, -1.9, 0])
        self.play(Appear(cap), Appear(summary), run_time=0.5)
        hold(self, summary, cap, n_entries=4)
