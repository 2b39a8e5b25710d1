"""Watch a Manim scene without rendering it: what is on screen after every animation and at
every still moment (every ``Scene.wait``, which scenes make through ``visualdl.anim.pace.hold``).

The scene's ``construct`` runs with Manim's own skipping (``dry_run``: no output file;
``skip_animations``: each ``play`` jumps to its last state, so every mobject ends where it
would in the video and the scene clock advances by each run time) and with the renderer's
frame drawing switched off (Manim still draws the static frame of each skipped play, the
larger part of the cost). What remains is the scene's own work, mostly making its ``Text``.

After each ``play`` (a ``wait`` is a play of ``Wait``) the probe keeps a :class:`Moment`: the
scene time, the seconds the scene then stands still (the wait's duration; 0 at the end of an
animation), every visible text-like mobject (``Text``, ``MarkupText``, formula ``SVGMobject``)
with its box and string, and every number grid (a mobject with a ``texts`` attribute,
``NumberGrid`` and ``CellGrid``) with the numbers it shows. Moments with a hold are the scene's
key frames.

Example
-------
>>> number("−0.73"), number("sum = 27"), number("2.4e31"), number("W (3, 4)")
((-0.73, 0.01), (27.0, 1.0), (2.4e+31, 1e+30), None)
"""

from __future__ import annotations

import functools
import importlib
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "GridShown",
    "Moment",
    "Probe",
    "Shown",
    "number",
    "probe",
    "probe_scene",
    "shows_a_view",
    "trace_values",
    "trace_views",
]

Box = tuple[float, float, float, float]  # left, bottom, right, top

#: a number as scenes print it (``fmt``: a true minus sign; ``2.4e31`` for the huge ones)
_NUM = r"[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?"
#: a string that shows one number: the number alone or after a short ``name =``
_NUMBER_TEXT = re.compile(rf"^(?:[^\d=]{{0,12}}=\s*)?({_NUM})$")


def number(s: str) -> tuple[float, float] | None:
    """The number a text shows and the unit of its last digit, or None when it shows no
    single number: the string is a number (``"−0.73"``, ``"30"``, ``"2.4e31"``) or one after
    a short ``name =`` (``"sum = 27"``, ``"= 0.123"``)."""
    m = _NUMBER_TEXT.match(s.strip())
    if m is None:
        return None
    raw = m.group(1).replace("−", "-")
    mantissa, _, exponent = raw.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(raw), float(10.0 ** (int(exponent or 0) - decimals))


@dataclass(frozen=True, eq=False)
class Shown:
    """One visible text-like mobject: ``key`` names it within the probe (the same mobject has
    the same key at every moment); ``kind`` is ``"text"`` or ``"formula"``; ``string`` its
    text (a formula's LaTeX); ``grid`` the key of the number grid whose family holds it, if
    any; ``within`` the class names of the groups that hold it, outermost first."""

    key: Any
    kind: str
    string: str
    box: Box
    opacity: float
    grid: Any = None
    within: tuple[str, ...] = ()

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


@dataclass(frozen=True, eq=False)
class GridShown:
    """One number grid on screen. ``cells`` maps ``(i, j)`` to the string shown there: a
    ``NumberGrid``'s entries, or for a grid of cells every visible text centred in a cell
    (its own labels and those a scene puts in one by one); ``opacity`` is the dimmest of
    those numbers' (0 when it shows none); ``texts`` is the grid's own ``texts`` (None for an
    empty grid of cells); ``key`` names the grid within the probe."""

    key: Any
    kind: str
    shape: tuple[int, int]
    cells: dict[tuple[int, int], str]
    box: Box
    opacity: float
    texts: tuple | None = None

    @property
    def n(self) -> int:
        return len(self.cells)

    def rows(self) -> list[list[str]]:
        """The strings shown, row by row (cells without a number as ``·``)."""
        return [
            [self.cells.get((i, j), "·") for j in range(self.shape[1])]
            for i in range(self.shape[0])
        ]

    def describe(self, max_rows: int = 3) -> str:
        rows = self.rows()
        shown = "; ".join(" ".join(r) for r in rows[:max_rows])
        more = " ..." if len(rows) > max_rows else ""
        return f"{self.kind} [{shown}{more}]"


@dataclass(frozen=True)
class Moment:
    """The screen after play number ``index``: ``time`` is the scene time then, ``hold`` the
    seconds it stands still (a wait; 0 at the end of an animation)."""

    index: int
    time: float
    hold: float
    texts: tuple[Shown, ...]
    grids: tuple[GridShown, ...]


@dataclass
class Probe:
    """What one run of a scene showed; ``traces`` are the traces the scene kept
    (``scene.trace``: a Trace, or a dict or list of them; empty when it keeps none)."""

    name: str
    moments: list[Moment]
    traces: list
    frame: tuple[float, float]  # config.frame_width, frame_height
    seconds: float  # what the probe run cost
    beats: list  # the scene's beats (visualdl.anim.beats.Beat), their frames left out

    @property
    def key_frames(self) -> list[Moment]:
        """The still moments (waits), in order."""
        return [m for m in self.moments if m.hold > 0]

    @property
    def duration(self) -> float:
        return self.moments[-1].time if self.moments else 0.0


# -- reading the screen ------------------------------------------------------------------------
def _opacity(mob: Any) -> float:
    """The largest fill or (drawn) stroke alpha in ``mob``'s family."""
    from manim import VMobject

    best = 0.0
    for m in mob.get_family():
        if not isinstance(m, VMobject) or not m.has_points():
            continue
        if len(m.fill_rgbas):
            best = max(best, float(m.fill_rgbas[:, 3].max()))
        if m.get_stroke_width() > 0 and len(m.stroke_rgbas):
            best = max(best, float(m.stroke_rgbas[:, 3].max()))
    return best


def _box(mob: Any) -> Box | None:
    pts = mob.get_all_points()
    if len(pts) == 0:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def _label(m: Any, names: dict) -> tuple[str, str]:
    """``(kind, string)`` of a text-like mobject: what it shows, also after a ``Transform``
    made it look like another (``names["shown_as"]``); a formula by its LaTeX
    (``names["formulas"]``)."""
    from manim import MarkupText, Text

    if id(m) in names["shown_as"]:
        return names["shown_as"][id(m)][1:]
    if isinstance(m, Text | MarkupText):
        return "text", getattr(m, "original_text", m.text)
    name = Path(str(getattr(m, "file_name", ""))).name
    return "formula", names["formulas"].get(name, name)


def _transformed(animations: tuple, names: dict) -> None:
    """After a play: a text that a ``Transform`` turned into another now shows that one's
    string (its own attributes still hold the old one)."""
    from manim import SVGMobject, Transform

    def pair(m: Any, target: Any) -> None:
        if isinstance(m, SVGMobject) and isinstance(target, SVGMobject):
            names["shown_as"][id(m)] = (m, *_label(target, names))  # keeps m, so its id
        elif len(m.submobjects) == len(target.submobjects):
            for a, b in zip(m.submobjects, target.submobjects, strict=True):
                pair(a, b)

    for a in animations:
        if isinstance(a, Transform) and not a.replace_mobject_with_target_in_scene:
            pair(a.mobject, a.target_mobject)


def _is_grid(m: Any) -> bool:
    """A number grid: cells in rows (``squares``, a ``CellGrid``) or rows of strings in
    ``texts`` (a ``NumberGrid``)."""
    if getattr(m, "squares", None):
        return True
    texts = getattr(m, "texts", None)
    return bool(texts) and all(
        isinstance(r, list | tuple) and all(isinstance(s, str) for s in r) for r in texts
    )


def _walk(mobs: list, names: dict) -> tuple[list[Shown], list]:
    """Every visible text-like mobject under ``mobs`` (outermost only: a text's glyphs are
    not texts) with the innermost number grid holding it, and every number grid."""
    from manim import SVGMobject

    texts: list[Shown] = []
    grids: list = []
    seen: set[int] = set()

    def visit(m: Any, grid: Any, within: tuple[str, ...]) -> None:
        if id(m) in seen:
            return
        seen.add(id(m))
        if isinstance(m, SVGMobject):
            alpha = _opacity(m)
            box = _box(m)
            if alpha > 0 and box is not None:
                texts.append(Shown(m, *_label(m, names), box, alpha, grid, within))
            return
        if _is_grid(m):
            grids.append(m)
            grid = m
        for sub in m.submobjects:
            visit(sub, grid, (*within, type(m).__name__))

    for m in mobs:
        visit(m, None, ())
    return texts, grids


def _cell_texts(grids: list, texts: list[Shown]) -> dict[int, dict[tuple[int, int], list]]:
    """Each visible text placed in a cell of a grid of cells, ``{id(grid): {(i, j): [Shown]}}``:
    a text of a grid's own family goes to the cell of that grid it is centred in; any other to
    the cell, among all those it is centred in, whose centre is nearest (a volume's channels
    are stacked grids, each label is at its own cell's centre)."""
    cells, boxes = [], []
    for g in grids:
        for i, row in enumerate(getattr(g, "squares", None) or []):
            for j, sq in enumerate(row):
                b = _box(sq)
                if b is not None:
                    cells.append((g, i, j))
                    boxes.append(b)
    words = [t for t in texts if t.kind == "text"]
    out: dict[int, dict[tuple[int, int], list]] = {}
    if not cells or not words:
        return out
    b = np.array(boxes)
    xy = np.array([t.center for t in words])
    inside = (b[None, :, 0] < xy[:, None, 0]) & (xy[:, None, 0] < b[None, :, 2])
    inside &= (b[None, :, 1] < xy[:, None, 1]) & (xy[:, None, 1] < b[None, :, 3])
    mid = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2], axis=1)
    dist = ((xy[:, None, :] - mid[None, :, :]) ** 2).sum(axis=2)
    owner = np.array([id(c[0]) for c in cells])
    for k, t in enumerate(words):
        ok = inside[k]
        if getattr(t.grid, "squares", None):
            ok = ok & (owner == id(t.grid))
        if ok.any():
            g, i, j = cells[int(np.where(ok, dist[k], np.inf).argmin())]
            out.setdefault(id(g), {}).setdefault((i, j), []).append(t)
    return out


def _grid_view(grid: Any, placed: dict[tuple[int, int], list]) -> GridShown | None:
    """What ``grid`` shows (see :class:`GridShown`), ``placed`` the texts in its cells (a grid
    of cells); None when it is not visible."""
    box = _box(grid)
    if box is None or _opacity(grid) == 0:
        return None
    cells: dict[tuple[int, int], str] = {}
    alphas: list[float] = []
    squares = getattr(grid, "squares", None)
    rows = squares or grid.texts
    shape = (len(rows), len(rows[0]) if rows else 0)
    if squares:  # a grid of cells: the visible texts centred in its cells
        for ij, inside in sorted(placed.items()):
            cells[ij] = " | ".join(t.string for t in inside)
            alphas += [t.opacity for t in inside]
    else:  # a NumberGrid (entries: rows of Text) or another object with texts
        entries = getattr(grid, "entries", None)
        for i, row in enumerate(grid.texts):
            for j, s in enumerate(row):
                mob = entries[i][j] if entries is not None else grid
                a = _opacity(mob)
                if a > 0:
                    cells[i, j] = s
                    alphas.append(a)
    own = getattr(grid, "texts", None)
    own = None if own is None else tuple(tuple(r) for r in own)
    alpha = min(alphas, default=0.0)
    return GridShown(grid, type(grid).__name__, shape, cells, box, alpha, own)


def _moment(scene: Any, index: int, hold: float, names: dict) -> Moment:
    mobs = list(scene.mobjects) + [m for m in scene.foreground_mobjects if m not in scene.mobjects]
    texts, grids = _walk(mobs, names)
    grids = [g for g in grids if _opacity(g) > 0]
    placed = _cell_texts(grids, texts)
    views = [v for v in (_grid_view(g, placed.get(id(g), {})) for g in grids) if v is not None]
    return Moment(index, float(scene.renderer.time), hold, tuple(texts), tuple(views))


# -- running a scene ---------------------------------------------------------------------------
@contextmanager
def _formula_names() -> Iterator[dict[str, str]]:
    """While open, the file name of every formula SVG made maps to its LaTeX."""
    from visualdl.anim import formula as module

    names: dict[str, str] = {}
    make = module.formula_path

    def named(tex: str):
        path = make(tex)
        names[path.name] = tex
        return path

    module.formula_path = named
    try:
        yield names
    finally:
        module.formula_path = make


def _traces(scene: Any) -> list:
    from visualdl.trace import Trace

    kept = getattr(scene, "trace", None)
    if isinstance(kept, Trace):
        return [kept]
    if isinstance(kept, dict):
        kept = list(kept.values())
    if isinstance(kept, list | tuple) and all(isinstance(t, Trace) for t in kept):
        return list(kept)
    return []


def probe_scene(
    scene_cls: type,
    name: str = "",
    media_dir: str | Path | None = None,
    snapshots: str | Path | None = None,
) -> Probe:
    """Run ``scene_cls`` without rendering and return what it showed (see :class:`Probe`).

    ``media_dir`` is where Manim caches the glyphs of ``Text`` (a temporary folder when None).
    ``snapshots``: a folder to write each key frame into, as ``<index>-<time>s.png`` (drawn,
    so slower: for looking at what a failure names).
    """
    from manim import Wait, config, tempconfig

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, _formula_names() as formulas:
        cfg = {
            "dry_run": True,
            "quality": "low_quality",
            "media_dir": str(media_dir or tmp),
            "disable_caching": True,
            "verbosity": "WARNING",
            "progress_bar": "none",
        }
        with tempconfig(cfg):
            scene = scene_cls(skip_animations=True)
            renderer = scene.renderer
            draw = renderer.update_frame
            renderer.update_frame = lambda *args, **kwargs: None  # nothing is drawn
            moments: list[Moment] = []
            names = {"formulas": formulas, "shown_as": {}}
            play = scene.play

            def watched(*animations: Any, **kwargs: Any) -> None:
                play(*animations, **kwargs)
                _transformed(animations, names)
                hold = 0.0
                if len(animations) == 1 and isinstance(animations[0], Wait):
                    hold = float(animations[0].run_time)
                moments.append(_moment(scene, len(moments), hold, names))
                if hold and snapshots is not None:
                    renderer.static_image = None  # draw the whole screen afresh
                    draw(scene)
                    png = (
                        Path(snapshots) / f"{len(moments) - 1:03d}-{renderer.time - hold:.1f}s.png"
                    )
                    renderer.camera.get_image().save(png)

            scene.play = watched
            scene.render()
            frame = (float(config.frame_width), float(config.frame_height))
    return Probe(
        name or scene_cls.__name__,
        _keyed(moments),
        _traces(scene),
        frame,
        time.perf_counter() - start,
        [replace(b, frame=None) for b in getattr(scene, "beats", [])],
    )


def _keyed(moments: list[Moment]) -> list[Moment]:
    """The moments with each mobject replaced by a number of its own (so the probe keeps no
    mobject alive), and each time moved to when its screen begins (a wait's start)."""
    keys: dict[int, int] = {}  # id -> key; the moments hold every mobject until this returns

    def key(mob: Any) -> int | None:
        return None if mob is None else keys.setdefault(id(mob), len(keys))

    return [
        Moment(
            m.index,
            m.time - m.hold,
            m.hold,
            tuple(replace(t, key=key(t.key), grid=key(t.grid)) for t in m.texts),
            tuple(replace(g, key=key(g.key)) for g in m.grids),
        )
        for m in moments
    ]


@functools.cache
def _media_dir() -> tempfile.TemporaryDirectory:
    """One glyph cache for every probe of this process, removed when it exits."""
    return tempfile.TemporaryDirectory(prefix="visualdl-probe-")


@functools.cache
def probe(name: str) -> Probe:
    """The registry scene ``name`` probed once per process (the test modules share it)."""
    from visualdl import registry

    entry = registry.get(name, "scene")
    cls = getattr(importlib.import_module(entry.module), entry.scene_class)
    return probe_scene(cls, name, _media_dir().name)


# -- what a trace holds ------------------------------------------------------------------------
def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float | np.number):
        yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _numbers(v)


def trace_values(traces: list) -> np.ndarray:
    """Every finite number in ``traces``: their arrays, records' info and meta, sorted."""
    parts = []
    for tr in traces:
        parts.append(np.array(list(_numbers(tr.meta)), dtype=float))
        for r in tr.records:
            parts.append(np.array(list(_numbers(r.info)), dtype=float))
            for a in r.arrays.values():
                if a.dtype.kind in "iuf":
                    parts.append(np.asarray(a, dtype=float).ravel())
    values = np.concatenate(parts) if parts else np.zeros(0)
    return np.sort(values[np.isfinite(values)])


def _views(a: np.ndarray) -> Iterator[np.ndarray]:
    """The 2-D pictures of array ``a`` a grid may show: ``a`` itself (singleton axes dropped,
    a vector as a row or a column, a number as 1 x 1), every 2-D slice of a larger array, the
    transpose of each, and each one's single rows and columns (a worked row times column)."""
    a = np.squeeze(np.asarray(a, dtype=float))
    if a.ndim < 2:
        row = a.reshape(1, -1)
        yield from (row, row.T)
        return
    planes = []
    for i in range(a.ndim):
        for j in range(i + 1, a.ndim):
            moved = np.moveaxis(a, (i, j), (-2, -1))
            planes += list(moved.reshape(-1, *moved.shape[-2:]))
    for plane in planes:
        for v in (plane, plane.T):
            yield v
            yield from (v[k : k + 1] for k in range(v.shape[0]))
            yield from (v[:, k : k + 1] for k in range(v.shape[1]))


def trace_views(traces: list) -> dict[tuple[int, int], np.ndarray]:
    """Every 2-D picture (:func:`_views`) of every real array in ``traces``, stacked by shape:
    ``{(rows, cols): (K, rows, cols) array}``."""
    by_shape: dict[tuple[int, int], dict[bytes, np.ndarray]] = {}
    for tr in traces:
        for r in tr.records:
            for a in r.arrays.values():
                if a.dtype.kind not in "iuf" or a.size == 0:
                    continue
                for v in _views(a):
                    v = np.ascontiguousarray(v)
                    by_shape.setdefault(v.shape, {}).setdefault(v.tobytes(), v)
    return {shape: np.stack(list(vs.values())) for shape, vs in by_shape.items()}


def shows_a_view(
    views: dict[tuple[int, int], np.ndarray], shape: tuple[int, int], cells: dict
) -> bool:
    """Whether the numbers in ``cells`` (``(i, j)`` to string) of a ``shape`` grid are, each
    rounded at its own digits, the entries of one 2-D picture of one trace array (a cell
    without a number, or with two, constrains nothing)."""
    shown = [(ij, number(s)) for ij, s in cells.items()]
    shown = [(ij, n) for ij, n in shown if n is not None]
    if not shown:
        return True
    stack = views.get(tuple(shape))
    if stack is None:
        return False
    rows, cols = (np.array(ix) for ix in zip(*[ij for ij, _ in shown], strict=True))
    v = np.array([n[0] for _, n in shown])
    half = np.array([n[1] / 2 * (1 + 1e-6) + 1e-12 * max(1.0, abs(n[0])) for _, n in shown])
    return bool((np.abs(stack[:, rows, cols] - v) <= half).all(axis=1).any())
