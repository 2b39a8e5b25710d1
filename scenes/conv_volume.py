"""A 3-D convolution: an ``f x f x 3`` kernel through an RGB volume, kernels stacking into maps.

The input ``X (5, 5, 3)`` and the kernel ``W[:, :, :, 0] (3, 3, 3)`` are drawn as volumes
(three shaded slices, offset: a cheap pseudo-3-D). They open into their channels; the first
window's 27 products with the kernel appear, each channel's share is summed, the three shares
and the bias give one output number. The kernel then slides over the rest of the volume and
fills one map; a second kernel fills a second map; the maps stack into the output volume
``Z (3, 3, 2)``, and the layer's parameter count ``f f n_C_prev n_C + n_C`` closes. Cells are
shaded by value (the diverging rule, strips below). This is cross-correlation: the kernel is
not flipped. Every number comes from :func:`visualdl.demos.conv_volume.conv_volume_trace`
(the engine's ``conv2d_loop`` narrates each window); formulas from
:data:`visualdl.symbolic.formulas.CONV`. Beats: ``volumes``, ``open_up``, ``walk``, ``slide``,
``second_kernel``, ``stack``.

Render: ``visualdl render conv-volume``.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Rectangle, VGroup, VMobject

from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import CellGrid, ColorScale
from visualdl.anim.numbers import fmt, format_array, shape_label, text
from visualdl.anim.pace import hold
from visualdl.anim.scene import TraceScene
from visualdl.demos.conv_volume import conv_volume_trace
from visualdl.symbolic.formulas import CONV
from visualdl.viz.style import COLORS

__all__ = ["CHANNEL_COLORS", "ConvVolume", "Volume", "shaded"]

CHANNEL_COLORS = ("#D65F5F", "#6ACC64", "#5B8FD9")  # R, G, B: frames and labels only
DEPTH = (0.32, 0.28, 0.0)  # the offset from one slice to the next one behind it
SLICE_X = (-5.45, -2.9, -0.35)  # the opened channels' x
X_Y, W_Y, P_Y = 1.55, -0.35, -2.1  # rows: input slices, kernel slices, products
CELL = 0.45
RIGHT_X = 5.2  # the output maps' x


def shaded(values, scale: float, cell: float, numbers: bool = False) -> CellGrid:
    """A grid of ``values`` shaded by the diverging rule at ``scale``; numbered or not."""
    if numbers:
        return CellGrid(values, cell=cell, scale=scale, font_size=16)
    g = CellGrid(shape=values.shape, cell=cell, scale=scale)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            g.squares[i][j].set_fill(g.fill_for(values[i, j]), 1.0)
    return g


class Volume(VGroup):
    """Slices ``V[:, :, k]`` of an ``(n, n, K)`` array, slice 0 in front, each next one behind
    it up and to the right; ``slices[k]`` is slice ``k`` (its cells and a frame in the
    channel's colour)."""

    def __init__(self, V, scale: float, cell: float, framed: bool = True) -> None:
        super().__init__()
        K = V.shape[2]
        self.slices: list[VGroup] = []
        for k in range(K):
            g = shaded(V[:, :, k], scale, cell)
            frame = Rectangle(width=g.width, height=g.height).move_to(g)
            frame.set_stroke(CHANNEL_COLORS[k] if framed else COLORS["muted"], 3)
            piece = VGroup(g, frame).shift([DEPTH[0] * k, DEPTH[1] * k, 0])
            piece.grid = g
            self.slices.append(piece)
        self.add(*reversed(self.slices))  # the back slice first, the front one on top


class ConvVolume(TraceScene):
    """An f x f x 3 kernel slides through an RGB volume; two kernels give two stacked maps."""

    def construct(self) -> None:
        self.trace = conv_volume_trace()
        tr = self.trace
        self.fwd = tr.last("conv2d.forward")
        self.size = tr.last("conv_volume.size").info
        self.X, self.W, self.b, self.Z = (self.fwd[k] for k in ("X", "W", "b", "Z"))
        self.f = self.size["f"]
        self.volumes()
        self.open_up()
        self.walk()
        self.slide(0)
        self.second_kernel()
        self.stack()

    # -- helpers --------------------------------------------------------------------------
    def windows(self, c: int) -> list:
        return self.trace.find("conv2d.window", c=c)

    def caption(self, s: str, mob: VMobject, color: str = COLORS["on_dark"], size: float = 18):
        return text(s, color, size).next_to(mob, DOWN, buff=0.15)

    def z_map(self, c: int) -> CellGrid:
        return CellGrid(shape=self.Z.shape[1:3], cell=0.6, scale=self.size["z_scale"])

    def fill(self, Z: CellGrid, h: int, w: int, c: int) -> tuple[VMobject, object]:
        """The label of output cell ``(h, w)`` of map ``c`` and the animation shading it."""
        v = self.Z[0, h, w, c]
        label = Z.label_at(h, w, format_array(v)[0][0])
        return label, Z.squares[h][w].animate.set_fill(Z.fill_for(v), 1.0)

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "An RGB volume meets a kernel that is as deep as the input, one slice per channel. "
        "Each window through all the channels gives a single output number."
    )
    def volumes(self) -> None:
        size, X, W = self.size, self.X[0], self.W
        f, n, n_C_prev = size["f"], size["n"], size["n_C_prev"]
        self.title = self.title_card("Convolution through an RGB volume")
        self.Xv = Volume(X, size["x_scale"], 0.5).move_to([-4.4, 0.5, 0])
        self.Wv = Volume(W[:, :, :, 0], size["w_scale"], 0.5).move_to([-0.5, 0.5, 0])
        names = VGroup(
            *[
                text("RGB"[k], CHANNEL_COLORS[k], 18).next_to(
                    self.Xv.slices[k], RIGHT, buff=0.08, aligned_edge=UP
                )
                for k in range(n_C_prev)
            ]
        )
        star = text("∗", COLORS["on_dark"], 40).move_to([-2.05, 0.5, 0])
        eq = text("=", COLORS["on_dark"], 36).move_to([1.35, 0.5, 0])
        self.Z0 = self.z_map(0).move_to([3.3, 0.5, 0])
        caps = VGroup(
            self.caption(f"X {shape_label(X.shape)}", self.Xv, COLORS["input"]),
            self.caption(f"W[:, :, :, 0] {shape_label(W.shape[:3])}", self.Wv, COLORS["weight"]),
            self.caption(f"Z[:, :, 0] {shape_label(self.Z.shape[1:3])}", self.Z0),
        )
        note = text(
            f"the kernel is as deep as the input ({n_C_prev} channels):\n"
            f"each {f}×{f}×{n_C_prev} window gives one number",
            COLORS["muted"],
            18,
        ).move_to([0, -1.6, 0])
        self.formula = formula(CONV["volume"], COLORS["on_dark"], 30).move_to([0, -2.65, 0])
        self.keys = VGroup(
            *[
                VGroup(
                    text(name, COLORS["muted"], 16), ColorScale(s, width=2.0).scale(1.15)
                ).arrange(RIGHT, buff=0.15)
                for name, s in (
                    ("X, products", size["x_scale"]),
                    ("W", size["w_scale"]),
                    ("Z", size["z_scale"]),
                )
            ]
        ).arrange(RIGHT, buff=0.6)
        self.keys.move_to([0, -3.6, 0])
        self.show_title()
        self.play(Appear(self.Xv), Appear(names), Appear(caps[0]), run_time=0.6)
        self.play(Appear(star), Appear(self.Wv), Appear(caps[1]), run_time=0.5)
        self.play(Appear(eq), Appear(self.Z0), Appear(caps[2]), Appear(self.keys), run_time=0.5)
        self.play(Appear(note), Appear(self.formula), run_time=0.5)
        hold(self, self.formula, note)
        self.intro_parts = VGroup(names, star, eq, caps, note)
        self.n = n

    @beat(
        "The volume and the kernel open into their channels, and the first window's values "
        "appear on each channel beside the matching slice of the kernel."
    )
    def open_up(self) -> None:
        """The volumes open into their channels; the first window's numbers appear."""
        n_C_prev = self.size["n_C_prev"]
        first = self.windows(0)[0]
        f, top, left = self.f, first.info["top"], first.info["left"]
        self.X_slices = [shaded(self.X[0, :, :, k], self.size["x_scale"], CELL) for k in range(3)]
        self.W_slices = [
            shaded(self.W[:, :, k, 0], self.size["w_scale"], CELL, numbers=True)
            for k in range(n_C_prev)
        ]
        for k in range(n_C_prev):
            self.X_slices[k].move_to([SLICE_X[k], X_Y, 0])
            self.W_slices[k].move_to([SLICE_X[k], W_Y, 0])
        frames = [
            Rectangle(width=g.width, height=g.height).move_to(g).set_stroke(CHANNEL_COLORS[k], 3)
            for k, g in enumerate(self.X_slices)
        ]
        self.x_names = VGroup(
            *[
                text(f"X[:, :, {k}]  {'RGB'[k]}", CHANNEL_COLORS[k], 18).next_to(
                    frames[k], UP, buff=0.12
                )
                for k in range(n_C_prev)
            ]
        )
        rows = VGroup(
            text("window of X", COLORS["muted"], 18).move_to([1.85, X_Y, 0]),
            text("W[:, :, k, 0]", COLORS["weight"], 18).move_to([1.85, W_Y, 0]),
            text("window ⊙ W", COLORS["muted"], 18).move_to([1.85, P_Y, 0]),
        )
        z_at = [RIGHT_X, 1.3, 0]
        zcap = text(f"Z[:, :, 0] {shape_label(self.Z.shape[1:3])}", COLORS["on_dark"], 18)
        zcap.move_to(z_at).shift((self.Z0.height / 2 + 0.15 + zcap.height / 2) * UP)
        f_at = [6.9 - 0.72 * self.formula.width / 2, self.title.get_center()[1] - 0.05, 0]
        self.play(
            Vanish(self.intro_parts),
            Vanish(self.Xv),
            Vanish(self.Wv),
            *[Appear(g) for g in self.X_slices],
            *[Appear(fr) for fr in frames],
            *[Appear(g) for g in self.W_slices],
            Appear(self.x_names),
            Appear(rows),
            self.Z0.animate.move_to(z_at),
            self.formula.animate.scale(0.72).move_to(f_at),
            Appear(zcap),
            run_time=1.2,
        )
        self.boxes = [g.window(top, left, f, COLORS["loss"], 5) for g in self.X_slices]
        self.window_labels = [
            VGroup(
                *[
                    self.X_slices[k].label_at(top + i, left + j, s)
                    for i, r in enumerate(format_array(first["window"][:, :, k]))
                    for j, s in enumerate(r)
                ]
            )
            for k in range(n_C_prev)
        ]
        self.play(
            *[Appear(b) for b in self.boxes], *[Appear(v) for v in self.window_labels], run_time=0.6
        )
        hold(self, *self.window_labels, *self.W_slices)
        self.frames, self.rows, self.zcap = frames, rows, zcap

    @beat(
        "The first window worked out: each channel is multiplied by its slice of the kernel "
        "and summed, and the channel sums plus the bias give the first cell of the map."
    )
    def walk(self) -> None:
        """Window (0, 0) of kernel 0: 27 products, three channel sums, plus b: one number."""
        first = self.windows(0)[0]
        n_C_prev = self.size["n_C_prev"]
        self.P = [
            CellGrid(
                first["products"][:, :, k], cell=CELL, scale=self.size["x_scale"], font_size=16
            ).move_to([SLICE_X[k], P_Y, 0])
            for k in range(n_C_prev)
        ]
        self.play(*[Appear(p, shift=0.2 * DOWN) for p in self.P], run_time=0.6)
        hold(self, *self.P)
        shares = format_array(first["channel_sums"])[0]
        sums = VGroup(
            *[
                text(f"sum = {s}", CHANNEL_COLORS[k], 20).next_to(self.P[k], DOWN, buff=0.15)
                for k, s in enumerate(shares)
            ]
        )
        self.play(Appear(sums), run_time=0.5)
        hold(self, sums)
        total = format_array(first["sum"])[0][0]
        b0 = fmt(self.b[0], 0)
        parts = " + ".join(s if not s.startswith("−") else f"({s})" for s in shares)
        lines = VGroup(
            text(f"{parts} = {total}", COLORS["on_dark"], 20),
            text(f"+ b[0] = {b0}", COLORS["weight"], 20),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        lines.move_to([3.35, -0.4, 0], aligned_edge=LEFT)
        label, shade = self.fill(self.Z0, first.info["h"], first.info["w"], 0)
        out = text(f"Z[0, 0, 0] = {total} + ({b0}) = {label.text}", COLORS["preactivation"], 20)
        out.next_to(lines, DOWN, aligned_edge=LEFT, buff=0.15)
        zbox = self.Z0.window(first.info["h"], first.info["w"], 1, COLORS["loss"], 4)
        self.play(Appear(lines), run_time=0.5)
        self.play(Appear(out), Appear(label), shade, Appear(zbox), run_time=0.6)
        hold(self, lines, out)
        self.remove(label)  # from now on a part of the map
        self.Z0.add(label)
        self.play(
            *[Vanish(v) for v in self.window_labels],
            *[Vanish(p) for p in self.P],
            Vanish(sums),
            Vanish(lines),
            Vanish(out),
            Vanish(self.rows[2]),
            run_time=0.4,
        )
        self.zbox = zbox

    @beat(
        "The kernel slides through the rest of the volume one window at a time, and each "
        "window fills one cell of the first map."
    )
    def slide(self, c: int) -> None:
        """The kernel walks the remaining windows of map ``c``; each fills its cell."""
        Z = self.Z0 if c == 0 else self.Z1
        recs = self.windows(c)[1:] if c == 0 else self.windows(c)
        for r in recs:
            h, w, top, left = (r.info[k] for k in ("h", "w", "top", "left"))
            label, shade = self.fill(Z, h, w, c)
            self.play(
                *[
                    b.animate.move_to(g.window(top, left, self.f))
                    for b, g in zip(self.boxes, self.X_slices, strict=True)
                ],
                self.zbox.animate.move_to(Z.center_of(h, w)),
                Appear(label),
                shade,
                run_time=0.35,
            )
            self.remove(label)  # from now on a part of the map
            Z.add(label)
        hold(self, Z)

    @beat(
        "A second kernel with its own weights slides over the same volume and fills a second map."
    )
    def second_kernel(self) -> None:
        n_C_prev = self.size["n_C_prev"]
        new = [
            shaded(self.W[:, :, k, 1], self.size["w_scale"], CELL).move_to([SLICE_X[k], W_Y, 0])
            for k in range(n_C_prev)
        ]
        self.Z1 = self.z_map(1).move_to([RIGHT_X, -1.45, 0])
        cap = text(f"Z[:, :, 1] {shape_label(self.Z.shape[1:3])}", COLORS["on_dark"], 18)
        cap.next_to(self.Z1, UP, buff=0.15)
        name = text(
            "W[:, :, k, 1]: a second\nkernel, its own weights", COLORS["weight"], 18
        ).move_to(self.rows[1], aligned_edge=LEFT)
        first = self.windows(1)[0]
        self.play(
            *[Vanish(g) for g in self.W_slices],
            *[Appear(g) for g in new],
            Vanish(self.rows[1]),
            Appear(name),
            Appear(self.Z1),
            Appear(cap),
            *[
                b.animate.move_to(g.window(first.info["top"], first.info["left"], self.f))
                for b, g in zip(self.boxes, self.X_slices, strict=True)
            ],
            self.zbox.animate.move_to(self.Z1.center_of(0, 0)).set_opacity(0),
            run_time=0.7,
        )
        hold(self, *new)
        self.zbox.set_stroke(opacity=1.0)
        self.W_slices, self.cap1, self.name1 = new, cap, name
        self.slide(1)

    @beat(
        "The maps stack into the output volume, one channel per kernel. The layer's parameters"
        " are every kernel's weights plus one bias per kernel."
    )
    def stack(self) -> None:
        """The two maps stack into the output volume; the shapes and the parameter count."""
        size, X, W, Z = self.size, self.X[0], self.W, self.Z[0]
        n_C_prev, n_C = size["n_C_prev"], size["n_C"]
        Xv = Volume(X, size["x_scale"], 0.45).move_to([-5.2, 0.6, 0])
        Wvs = VGroup(*[Volume(W[:, :, :, c], size["w_scale"], 0.38) for c in range(n_C)])
        Wvs.arrange(DOWN, buff=0.35).move_to([-1.6, 0.7, 0])
        Zv = Volume(Z, size["z_scale"], 0.6, framed=False).move_to([RIGHT_X - 0.2, 0.6, 0])
        front = [
            self.Z0.label_at(i, j, s)
            for i, r in enumerate(format_array(Z[:, :, 0]))
            for j, s in enumerate(r)
        ]
        front = VGroup(
            *[lab.move_to(sq) for lab, sq in zip(front, Zv.slices[0].grid.cells, strict=True)]
        )
        caps = VGroup(
            self.caption(f"X {shape_label(X.shape)}", Xv, COLORS["input"]),
            self.caption(f"{n_C} kernels W {shape_label(W.shape)}", Wvs, COLORS["weight"]),
            self.caption(f"Z {shape_label(Z.shape)}:\none channel per kernel", Zv),
        )
        ops = VGroup(
            text("∗", COLORS["on_dark"], 40).move_to([-3.35, 0.6, 0]),
            text("=", COLORS["on_dark"], 36).move_to([1.6, 0.6, 0]),
        )
        self.play(
            *[Vanish(m) for m in (*self.X_slices, *self.frames, *self.boxes, self.zbox)],
            *[Vanish(m) for m in (*self.W_slices, self.x_names, self.rows[0], self.name1)],
            Vanish(self.zcap),
            Vanish(self.cap1),
            Vanish(self.Z0),
            Vanish(self.Z1),
            Appear(Xv),
            Appear(Wvs),
            Appear(Zv),
            Appear(front),
            Appear(caps),
            Appear(ops),
            run_time=1.2,
        )
        hold(self, Zv, front, caps)
        f = size["f"]
        count = VGroup(
            formula(CONV["params"], COLORS["on_dark"], 28),
            text(
                f"= {f}·{f}·{n_C_prev}·{n_C} + {n_C} = {size['n_params']} parameters",
                COLORS["on_dark"],
                24,
            ),
        ).arrange(RIGHT, buff=0.25)
        count.move_to([0, -2.5, 0])
        self.play(Appear(count), run_time=0.5)
        hold(self, count, at_least=3.5)
