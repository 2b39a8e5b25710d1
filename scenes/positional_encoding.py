"""Sinusoidal positional encoding: each position gets a code of sines and cosines, one frequency
per pair of columns, added to its token's embedding.

First the notes' formula, ``PE_{pos,2i} = sin(pos / 10000^(2i/d))`` and
``PE_{pos,2i+1} = cos(...)`` (from :mod:`visualdl.symbolic.attention_formulas`), with the
ranges put right (``pos = 0 .. n-1``, ``i = 0 .. d/2-1``); one entry worked through,
``P[3, 2]`` and ``P[3, 3]`` at ``d = 8`` (``10000^(2/8) = 10``, the angle ``3 / 10 = 0.3``,
its sine and cosine), written into the empty ``(8, 8)`` table; the table filling in row by
row as a heatmap; three sine columns drawn against 64 positions, each a sinusoid of its own
wavelength ``2 pi 10000^(2i/d)`` (6.3, 63, 628: the low columns turn fast, the high ones
barely move over a sentence); the encoding added to the embeddings of the notes' sentence,
"from Beijing to Shanghai" (``X + P``), and the same word at another position getting another
row; a shift by ``k`` turning the (sin, cos) point of each pair by ``k omega_i`` whatever
``p``; and the dot product ``PE_p . PE_{p+k} = sum_i cos(k omega_i)`` (proved by SymPy for
symbolic ``p``, ``k``), its pair terms equal for ``p = 1`` and ``p = 4`` and its value the
same for ``p = 0 .. 5``. The worked entry also shows what the notes' comment, which multiplies
(E20), would put there. Every number comes from
:func:`visualdl.demos.positional_encoding.positional_encoding_trace` (the engine's
``positional_encoding``). Beats: ``intro``, ``entry``, ``table``, ``columns``, ``addition``,
``rotation``, ``offset``.

Render: ``visualdl render positional-encoding``.
"""

from __future__ import annotations

import math

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arc,
    Circle,
    Dot,
    Line,
    Rectangle,
    SurroundingRectangle,
    VGroup,
)

from visualdl.anim.attention import TokenGrid
from visualdl.anim.beats import beat
from visualdl.anim.fade import Appear, Vanish
from visualdl.anim.formula import formula
from visualdl.anim.grid import ColorScale, fill_in
from visualdl.anim.numbers import fmt, text
from visualdl.anim.pace import hold, pace, reading_time
from visualdl.anim.scene import TraceScene
from visualdl.anim.series import SeriesPanel
from visualdl.demos.positional_encoding import positional_encoding_trace
from visualdl.symbolic.attention_formulas import FORMULAS as SYMBOLIC
from visualdl.trace import Trace
from visualdl.viz.style import COLORS

__all__ = [
    "FORMULAS",
    "PositionalEncoding",
    "curve_titles",
    "entry_lines",
    "number",
    "offset_lines",
    "rotation_lines",
    "sub",
]

#: The formulas shown: the notes' two lines and the offset law from
#: :data:`visualdl.symbolic.attention_formulas.FORMULAS`; ``sum`` is typed here.
FORMULAS: dict[str, str] = {
    "sin": SYMBOLIC["pe_sin"],
    "cos": SYMBOLIC["pe_cos"],
    "offset": SYMBOLIC["pe_offset"],
    "sum": r"X + P",
}
CELL = 0.62  # the (8, 8) table's cells
TABLE_AT = (-3.7, -0.25)  # its centre
TABLE_SIZE = 14  # its numbers (a negative one fits its cell at 13.4)
SUM_CELL = 0.46  # X, P and X + P (one decimal)
NUMBER_SIZE = 15
WORK = COLORS["loss"]  # frames around what is worked through
CURVE_COLORS = (COLORS["update"], COLORS["activation"], COLORS["loss"])
P_COLORS = (COLORS["update"], COLORS["class1"])  # the two p of the rotation and the table


def sub(n: int) -> str:
    """``n`` in subscript digits: ``PE`` + ``sub(3)`` reads PE₃.

    >>> sub(16)
    '₁₆'
    """
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def number(v: float) -> str:
    """A number as the worked lines write it: up to 4 decimals, trailing zeros dropped, a
    true minus sign.

    >>> number(10.000000000000002), number(0.3), number(0.29552), number(-0.98803)
    ('10', '0.3', '0.2955', '−0.988')
    """
    s = fmt(v, 4).rstrip("0").rstrip(".")
    return "0" if s in ("", "−0") else s


def entry_lines(tr: Trace) -> dict[str, str]:
    """The worked entry's lines (mathtext), from ``positional_encoding.entry``: the setting,
    the denominator ``10000^(2i/d)``, the angle, the sine and the cosine."""
    e = tr.last("positional_encoding.entry").info
    pos, i, d, c = e["pos"], e["i"], e["d"], e["two_i"]
    return {
        "given": f"pos = {pos},  i = {i}:  columns 2i = {c} and 2i + 1 = {c + 1},  d = {d}",
        "denominator": (
            rf"10000^{{2i/d}} = 10000^{{{c}/{d}}} = 10000^{{{number(e['exponent'])}}}"
            rf" = {number(e['denominator'])}"
        ),
        "angle": (
            rf"\dfrac{{pos}}{{10000^{{2i/d}}}} = \dfrac{{{pos}}}{{{number(e['denominator'])}}}"
            rf" = {number(e['angle'])}"
        ),
        "sin": rf"PE_{{{pos},{c}}} = \sin({number(e['angle'])}) = {number(e['sin'])}",
        "cos": rf"PE_{{{pos},{c + 1}}} = \cos({number(e['angle'])}) = {number(e['cos'])}",
        "comment": (
            f"the notes' comment multiplies instead (E20): {pos} · {number(e['denominator'])} = "
            f"{number(e['comment_angle'])},\nsin({number(e['comment_angle'])}) = "
            f"{fmt(e['comment_sin'])}, not {fmt(e['sin'])}: the code and the formula divide"
        ),
    }


def curve_titles(tr: Trace) -> list[str]:
    """One title per drawn column: ``dim 2: sin(pos / 10), wavelength 63``."""
    c = tr.last("positional_encoding.curves")
    d = c.info["d"]
    out = []
    for dim, lam in zip(c.info["dims"], c["wavelength"], strict=True):
        den = number(10000 ** (dim / d))  # the column's 10000^(2i/d), 2i = dim
        arg = "pos" if den == "1" else f"pos / {den}"
        out.append(f"dim {dim}: sin({arg}),  wavelength {lam:.3g}".replace("-", "−"))
    return out


def rotation_lines(tr: Trace) -> dict[str, str]:
    """The rotation beat's words: the pair-0 turn for each ``p``, and every pair's turn."""
    rots = sorted(tr.find("positional_encoding.rotation"), key=lambda r: r.info["i"])
    r0 = rots[0]
    k = r0.info["k"]
    p1, p2 = r0.info["ps"]
    turns = ", ".join(number(r["turn"][0]) for r in rots)
    return {
        "pair0": (
            f"pair i = 0 (dims 0, 1), ω = {number(r0.info['omega'])}:\n"
            f"PE{sub(p1)} → PE{sub(p1 + k)} and PE{sub(p2)} → PE{sub(p2 + k)}\n"
            f"both turn by k·ω = {number(r0['turn'][0])} rad"
        ),
        "all": (
            f"a shift by k = {k} turns pair i by k·ωᵢ,\nthe same for every p:\n"
            f"{turns} rad for i = 0 … {len(rots) - 1}"
        ),
    }


def offset_lines(tr: Trace) -> dict[str, str]:
    """The offset beat's words: which ``k`` and ``p``, and the dot products' spread."""
    o = tr.last("positional_encoding.offset")
    k = o.info["k"]
    ps = [int(p) for p in o["ps"]]
    return {
        "head": f"k = {k}: each pair's term is the cosine of the angle between its two points",
        "dots": f"PEₚ · PEₚ₊{sub(k)} for p = {ps[0]} … {ps[-1]}, from the table:",
        "law": "the law, cos(k·ωᵢ):",
    }


class PositionalEncoding(TraceScene):
    """The formula, one entry, the table as a heatmap, its columns as sinusoids, X + P, the
    rotation and the offset law."""

    title_size = 26

    def construct(self) -> None:
        self.trace = positional_encoding_trace()
        tr = self.trace
        self.table_rec = tr.last("positional_encoding.table")
        self.P = self.table_rec["P"]
        self.n, self.d = self.P.shape
        self.p_held = 0.0  # seconds the full table has been held still
        self.intro()
        self.entry()
        self.table()
        self.columns()
        self.addition()
        self.rotation()
        self.offset()

    # -- helpers --------------------------------------------------------------------------
    def grid_of(
        self, values, cell: float, rows=(), cols=(), scale: float = 1.0, digits: int = 2
    ) -> TokenGrid:
        return TokenGrid(
            values, rows=rows, cols=cols, cell=cell, scale=scale, digits=digits,
            font_size=NUMBER_SIZE, label_size=14,
        )  # fmt: skip

    def keep(self, grid: TokenGrid, labels) -> None:
        """Numbers faded in on their own become part of ``grid`` (they move and go with it)."""
        self.remove(*labels)
        grid.filled.add(*labels)

    def lines(self, parts, size: float = 18, color: str = COLORS["on_dark"]) -> VGroup:
        return VGroup(*[text(s, color, size) for s in parts]).arrange(
            DOWN, aligned_edge=LEFT, buff=0.3
        )

    # -- beats ----------------------------------------------------------------------------
    @beat(
        "Attention by itself sees a set of tokens, so word order is lost unless each position "
        "adds a code of its own. The sinusoidal code uses a sine and a cosine for each pair of "
        "columns, each pair with its own frequency."
    )
    def intro(self) -> None:
        """The notes' formula, with the ranges put right."""
        self.title = self.title_card("Positional encoding: a code for every position")
        sub = self.subtitle(
            "attention sees a set of tokens: “from Beijing to Shanghai” and “from Shanghai to "
            "Beijing”\nlook the same to it, unless each position adds a code of its own"
        )
        eqs = VGroup(
            formula(FORMULAS["sin"], COLORS["on_dark"], 30),
            formula(FORMULAS["cos"], COLORS["on_dark"], 30),
        ).arrange(DOWN, buff=0.45)
        eqs.move_to([0, 0.2, 0])
        note = text(
            f"pos = 0 … n − 1 (the position),  i = 0 … d/2 − 1 (the column pair);"
            f" d = d_model, here {self.d}\n(the notes write “0 to n” and “0 to d/2”: one too far)",
            COLORS["muted"],
            18,
        ).next_to(eqs, DOWN, buff=0.55)
        self.show_title()
        self.play(Appear(sub), Appear(eqs), run_time=0.6)
        self.play(Appear(note), run_time=0.4)
        hold(self, eqs, at_least=5.0)
        self.play(Vanish(sub), Vanish(eqs), Vanish(note), run_time=0.4)

    @beat(
        "One entry worked by hand: the position divided by a power of ten thousand set by the "
        "column pair gives an angle, and its sine and cosine fill that pair's two columns. The "
        "notes' comment multiplies instead, and would give a different value."
    )
    def entry(self) -> None:
        """The empty table; one entry worked through and written into it."""
        e = self.trace.last("positional_encoding.entry").info
        pos, c = e["pos"], e["two_i"]
        self.swap_title(f"1. One entry: position {pos}, column pair i = {e['i']}")
        rows = [str(int(p)) for p in self.table_rec["pos"]]
        cols = [str(int(j)) for j in self.table_rec["dim"]]
        T = TokenGrid(
            shape=(self.n, self.d), rows=rows, cols=cols, cell=CELL, scale=1.0,
            font_size=TABLE_SIZE, label_size=14,
        )  # fmt: skip
        T.shift([*TABLE_AT, 0] - T.grid.get_center())
        pairs = VGroup(
            *[
                text(f"i = {i}", COLORS["muted"], 14).move_to(
                    (T.grid.center_of(0, 2 * i) + T.grid.center_of(0, 2 * i + 1)) / 2
                    + UP * (CELL / 2 + 0.55)
                )
                for i in range(self.d // 2)
            ]
        )
        heads = VGroup(
            text("pos", COLORS["muted"], 14).next_to(T.row_labels, UP, buff=0.12),
            text("dim", COLORS["muted"], 14).next_to(pairs, LEFT, buff=0.2).shift(0.2 * LEFT),
            text("even columns sin, odd columns cos", COLORS["muted"], 15).next_to(
                T.grid, DOWN, buff=0.2
            ),
        )
        self.T, self.T_parts = T, VGroup(pairs, heads)
        self.play(Appear(T), Appear(self.T_parts), run_time=0.6)
        L = entry_lines(self.trace)
        x0 = 0.0
        given = text(L["given"], COLORS["on_dark"], 17).move_to([x0, 1.55, 0], aligned_edge=LEFT)
        steps = [
            formula(L[key], COLORS["on_dark"], 24).move_to([x0, y, 0], aligned_edge=LEFT)
            for key, y in (("denominator", 0.75), ("angle", -0.15), ("sin", -1.05), ("cos", -1.75))
        ]
        frame = SurroundingRectangle(
            VGroup(T.grid.squares[pos][c], T.grid.squares[pos][c + 1]),
            color=WORK, buff=0.02, stroke_width=4,
        )  # fmt: skip
        self.play(Appear(given), Appear(frame), run_time=0.4)
        # each line stays while the next ones come: its hold adds up to a formula's
        self.play(Appear(steps[0]), run_time=0.4)
        self.wait(1.5 * pace())
        self.play(Appear(steps[1]), run_time=0.4)
        self.wait(1.5 * pace())
        labels = []
        for step, col in ((steps[2], c), (steps[3], c + 1)):
            v = float(self.P[pos, col])
            label, shown = fill_in(T.grid, pos, col, fmt(v), v)
            self.play(Appear(step), *shown, run_time=0.5)
            labels.append(label)
            if col == c:
                self.wait(1.5 * pace())
        comment = text(L["comment"], COLORS["muted"], 16).move_to([x0, -2.65, 0], aligned_edge=LEFT)
        self.play(Appear(comment), run_time=0.3)
        hold(self, steps[3], comment, at_least=3.5)
        self.keep(T, labels)
        self.play(*[Vanish(m) for m in (given, *steps, comment)], run_time=0.4)
        self.frame = frame

    @beat(
        "The rest of the table fills in row by row, one row per position, as a heatmap. The "
        "first column changes fast down the rows, while the last columns hardly change."
    )
    def table(self) -> None:
        """The rest of the table, row by row, with its colour key."""
        e = self.trace.last("positional_encoding.entry").info
        done = {(e["pos"], e["two_i"]), (e["pos"], e["two_i"] + 1)}
        self.swap_title(f"2. The table P: one row per position, (n, d) = ({self.n}, {self.d})")
        key = VGroup(text("P", COLORS["muted"], 15), ColorScale(1.0, width=1.6))
        key.arrange(RIGHT, buff=0.2).move_to([1.3, -2.75, 0])
        self.play(Vanish(self.frame), Appear(key), run_time=0.3)
        for i in range(self.n):
            labels, shown = [], []
            for j in range(self.d):
                if (i, j) in done:
                    continue
                v = float(self.P[i, j])
                label, anims = fill_in(self.T.grid, i, j, fmt(v), v)
                labels.append(label)
                shown += anims
            self.play(*shown, run_time=0.3)
            self.keep(self.T, labels)
        note = text(
            "row pos is position pos's code;\ncolumn 0 changes fast down the rows,\n"
            "the last columns hardly change",
            COLORS["muted"],
            18,
        ).move_to([0.0, 0.6, 0], aligned_edge=LEFT)
        self.play(Appear(note), run_time=0.3)
        self.p_held += hold(self, at_least=4.0)
        self.play(Vanish(note), run_time=0.3)
        self.key = key

    @beat(
        "Three sine columns drawn over many more positions: each is a sinusoid with its own "
        "wavelength, longer for each later pair. The low columns turn fast, the high ones barely "
        "move over a sentence."
    )
    def columns(self) -> None:
        """Three sine columns against 64 positions: a sinusoid each, its own wavelength."""
        c = self.trace.last("positional_encoding.curves")
        dims, values = c.info["dims"], c["values"]
        N = values.shape[1]
        titles = curve_titles(self.trace)
        self.swap_title("3. Each column is a sinusoid of its own wavelength")
        self.play(Vanish(self.key), run_time=0.2)
        panels, frames = VGroup(), VGroup()
        for k, (dim, title) in enumerate(zip(dims, titles, strict=True)):
            color = CURVE_COLORS[k]
            panel = SeriesPanel(N - 1, 1.0, width=5.3, height=1.0, title=title, font_size=16)
            panel.title.set_color(color)
            panel.move_to([3.85, 1.55 - 1.65 * k, 0])
            band = (
                Rectangle(
                    width=panel.point(self.n - 1, 0)[0] - panel.point(0, 0)[0],
                    height=panel.box.height,
                )
                .set_stroke(width=0)
                .set_fill(COLORS["muted"], 0.18)
            )
            band.move_to([(panel.point(0, 0)[0] + panel.point(self.n - 1, 0)[0]) / 2,
                          panel.box.get_center()[1], 0])  # fmt: skip
            curve = panel.polyline(values[k], color, width=2.5)
            dots = VGroup(*[panel.dot(p, values[k][p], color, 0.035) for p in range(self.n)])
            panels.add(VGroup(panel, band, curve, dots))
            frames.add(self.T.column_frame(dim, color, 4))
        last = panels[-1][0]
        ends = VGroup(
            text("pos 0", COLORS["muted"], 14).next_to(last.point(0, -1), DOWN, 0.1),
            text(f"{N - 1}", COLORS["muted"], 14).next_to(last.point(N - 1, -1), DOWN, 0.1),
        )
        band_note = text(f"shaded: the table's {self.n} positions", COLORS["muted"], 14).next_to(
            panels[-1][0].point((N - 1) / 2, -1), DOWN, 0.1
        )
        r = self.table_rec
        lams = ", ".join(f"{lam:.4g}" for lam in r["wavelength"])
        note = text(
            f"wavelength 2π · 10000^(2i/d), for i = 0 … {self.d // 2 - 1}: {lams};\n"
            "as d grows, from 2π towards 10000 · 2π",
            COLORS["muted"],
            16,
        ).move_to([-6.9, -3.5, 0], aligned_edge=LEFT)
        for k in range(len(dims)):
            self.play(Appear(panels[k]), Appear(frames[k]), run_time=0.5)
            self.p_held += hold(self, panels[k], at_least=2.5)
        self.play(Appear(ends), Appear(band_note), Appear(note), run_time=0.4)
        rest = max(reading_time(self.n * self.d) - self.p_held, reading_time(0))
        self.p_held += hold(self, at_least=rest)
        self.play(
            *[Vanish(m) for m in (self.T, self.T_parts, panels, frames, ends, band_note, note)],
            run_time=0.4,
        )

    @beat(
        "The code is added to the embeddings of 'from Beijing to Shanghai'. The same word at "
        "another position, in 'from Shanghai to Beijing', gets a different row, so attention can "
        "tell the two sentences apart."
    )
    def addition(self) -> None:
        """``X + P`` on the notes' sentence; the same word at another position."""
        s = self.trace.last("positional_encoding.sum")
        tokens, swapped = s.info["tokens"], s.info["swapped"]
        self.swap_title("4. The code is added to each token's embedding: X + P")
        y = 0.75
        X = self.grid_of(s["X"], SUM_CELL, rows=tokens, digits=1)
        P = self.grid_of(s["P"], SUM_CELL, digits=1)
        XP = self.grid_of(s["XP"], SUM_CELL, digits=1)
        for g, x in ((X, -3.95), (P, 0.24), (XP, 4.46)):
            g.shift([x, y, 0] - g.grid.get_center())
        ops = VGroup(
            *[
                text(op, COLORS["on_dark"], 30).move_to(
                    [(a.get_right()[0] + b.get_left()[0]) / 2, y, 0]
                )
                for op, a, b in (("+", X.grid, P.grid), ("=", P.grid, XP.grid))
            ]
        )
        names = VGroup(
            text("X = E[ids], the tokens' embeddings", COLORS["input"], 15),
            text(f"P, positions 0 … {len(tokens) - 1}", COLORS["muted"], 15),
            formula(FORMULAS["sum"], COLORS["on_dark"], 20),
        )
        for name, g in zip(names, (X, P, XP), strict=True):
            name.next_to(g.grid, UP, 0.16)
        sub = text(
            f"random embeddings (seed {s.info['seed']}, not trained), d = {self.d}",
            COLORS["muted"],
            15,
        ).next_to(X.grid, DOWN, buff=0.15)
        self.play(*[Appear(m) for m in (X, P, XP, ops, names, sub)], run_time=0.6)
        # the three grids stay on while the rows below come: their holds add up
        seen = hold(self, at_least=4.0)
        # the same word, another position
        w = "Beijing"
        a, b = tokens.index(w), swapped.index(w)
        rowA = self.grid_of(s["XP"][a : a + 1], SUM_CELL, digits=1)
        rowB = self.grid_of(s["XP_swapped"][b : b + 1], SUM_CELL, digits=1)
        rowA.shift([1.8, -1.75, 0] - rowA.grid.get_center())
        rowB.shift([1.8, -2.55, 0] - rowB.grid.get_center())
        said = VGroup(
            text(f"“{w}” at position {a}, in “{' '.join(tokens)}”:", COLORS["on_dark"], 15),
            text(f"“{w}” at position {b}, in “{' '.join(swapped)}”:", COLORS["on_dark"], 15),
        )
        said[0].next_to(rowA.grid, LEFT, buff=0.25)
        said[1].next_to(rowB.grid, LEFT, buff=0.25)
        end = text(
            f"the same E[{w}], plus P[{a}] or P[{b}]: two different rows of X + P",
            COLORS["muted"],
            15,
        ).next_to(rowB.grid, DOWN, buff=0.2)
        end.align_to(said[1], LEFT)
        self.play(Vanish(sub), Appear(rowA), Appear(rowB), Appear(said), Appear(end), run_time=0.5)
        need = reading_time(X.grid.n_rows * X.grid.n_cols) / pace() - seen / pace()
        hold(self, rowA, rowB, at_least=max(4.5, need))
        self.play(*[Vanish(m) for m in (X, P, XP, ops, names, rowA, rowB, said, end)], run_time=0.4)

    @beat(
        "Each pair of columns is a point on a circle, and shifting the position by k turns that "
        "point by k times the pair's frequency. The turn is the same whatever the starting "
        "position."
    )
    def rotation(self) -> None:
        """Pair 0's (sin, cos) points of ``PE_p`` and ``PE_{p+k}`` on the unit circle: the
        same turn for both ``p``."""
        rots = sorted(self.trace.find("positional_encoding.rotation"), key=lambda r: r.info["i"])
        r0 = rots[0]
        k = r0.info["k"]
        self.swap_title(f"5. A shift by k = {k} turns every (sin, cos) pair by k·ωᵢ")
        R, centre = 1.55, -3.6 * RIGHT - 0.35 * UP
        circle = Circle(radius=R).set_stroke(COLORS["muted"], 2).move_to(centre)
        axes = VGroup(
            Line(centre + (R + 0.3) * LEFT, centre + (R + 0.3) * RIGHT),
            Line(centre + (R + 0.3) * DOWN, centre + (R + 0.3) * UP),
        ).set_stroke(COLORS["muted"], 1, 0.6)
        c = 2 * r0.info["i"]
        axis_names = VGroup(
            text(f"sin (dim {c})", COLORS["muted"], 14).next_to(axes[0], RIGHT, 0.1),
            text(f"cos (dim {c + 1})", COLORS["muted"], 14).next_to(axes[1], UP, 0.1),
        )

        def at(x: float, y: float, scale: float = 1.0):
            return centre + scale * R * (x * RIGHT + y * UP)

        marks = VGroup()
        for m, p in enumerate(r0.info["ps"]):
            color = P_COLORS[m]
            (s0, c0), (s1, c1) = r0["points"][m]
            # (sin t, cos t) is the point at the plane's angle pi/2 - t: turning by the angle
            # t1 - t0 is going clockwise by it
            start = math.pi / 2 - r0["angles"][m][0]
            arc = Arc(
                radius=R * (0.55 + 0.2 * m), start_angle=start, angle=-r0["turn"][m],
                arc_center=centre,
            ).set_stroke(color, 3)  # fmt: skip
            arc.add_tip(tip_length=0.16, tip_width=0.16)
            arc.tip.set_color(color)
            marks.add(
                arc,
                Line(centre, at(s0, c0)).set_stroke(color, 1.5, 0.6),
                Line(centre, at(s1, c1)).set_stroke(color, 1.5, 0.6),
                Dot(at(s0, c0), radius=0.07, color=color),
                Dot(at(s1, c1), radius=0.07, color=color),
                text(f"PE{sub(p)}", color, 17).move_to(at(s0, c0, 1.22)),
                text(f"PE{sub(p + k)}", color, 17).move_to(at(s1, c1, 1.22)),
            )
        L = rotation_lines(self.trace)
        said = VGroup(
            text(L["pair0"], COLORS["on_dark"], 18),
            text(L["all"], COLORS["muted"], 18),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
        said.move_to([0.3, -0.2, 0], aligned_edge=LEFT)
        self.play(Appear(circle), Appear(axes), Appear(axis_names), run_time=0.4)
        self.play(Appear(marks), Appear(said[0]), run_time=0.6)
        hold(self, said[0], at_least=3.5)
        self.play(Appear(said[1]), run_time=0.4)
        hold(self, said[1], at_least=3.5)
        self.play(*[Vanish(m) for m in (circle, axes, axis_names, marks, said)], run_time=0.4)

    @beat(
        "So the dot product of two position codes depends only on their offset k: each pair adds "
        "the cosine of k times its frequency, as SymPy proves for any position. The table's dot "
        "products at several starting positions all come out the same."
    )
    def offset(self) -> None:
        """``PE_p . PE_{p+k}``: pair terms for two ``p``, equal; the law; the dot product for
        several ``p``."""
        o = self.trace.last("positional_encoding.offset")
        L = offset_lines(self.trace)
        p1, p2 = o.info["pair_ps"]
        self.swap_title("6. So PEₚ · PEₚ₊ₖ depends on the offset k only")
        law = formula(FORMULAS["offset"], COLORS["on_dark"], 26).move_to([0, 2.45, 0])
        proved = text(
            "proved by SymPy for symbolic p and k (visualdl verify)", COLORS["muted"], 15
        ).next_to(law, DOWN, buff=0.2)
        head = text(L["head"], COLORS["muted"], 16).move_to([0, 1.35, 0])
        pairs = [f"i = {i}" for i in range(self.d // 2)]
        terms = self.grid_of(o["terms"], 0.8, rows=[f"p = {p1}", f"p = {p2}"], cols=pairs)
        sums = self.grid_of(o["sums"], 0.8, cols=["sum"])
        terms.shift([-1.2, 0.1, 0] - terms.grid.get_center())
        sums.next_to(terms.grid, RIGHT, buff=0.45)
        sums.shift(UP * (terms.grid.get_center()[1] - sums.grid.get_center()[1]))
        cos_k = self.grid_of(o["cos_k"], 0.8, rows=[L["law"]])
        cos_k.shift(terms.grid.get_center() + DOWN * 1.4 - cos_k.grid.get_center())
        law_sum = self.grid_of(o["law"], 0.8)
        law_sum.shift(
            [sums.grid.get_center()[0], cos_k.grid.get_center()[1], 0] - law_sum.grid.get_center()
        )
        for i, color in enumerate(P_COLORS):
            terms.row_labels[i].set_color(color)
        self.play(Appear(law), Appear(proved), Appear(head), run_time=0.5)
        self.play(Appear(terms), Appear(sums), run_time=0.5)
        hold(self, terms, sums, at_least=3.0)
        self.play(Appear(cos_k), Appear(law_sum), run_time=0.4)
        hold(self, cos_k, law_sum, at_least=2.5)
        ps = [int(p) for p in o["ps"]]
        dots = self.grid_of(o["dots"].reshape(1, -1), 0.7, cols=[f"p = {p}" for p in ps])
        dots.shift([0.9, -2.75, 0] - dots.grid.get_center())
        d_name = text(L["dots"], COLORS["on_dark"], 15).next_to(dots.grid, LEFT, buff=0.25)
        self.play(Appear(dots), Appear(d_name), run_time=0.4)
        hold(self, dots, law, at_least=4.0)
