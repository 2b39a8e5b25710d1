"""Legibility of every scene at its key frames (each still moment, a ``wait``), without
rendering video (``tests/scene_probe.py``): no two visible texts overlap, none runs off the
frame, and every number on screen is a number of the scene's trace.

What counts:

- A *text* is an outermost ``Text``, ``MarkupText`` or formula ``SVGMobject`` with some opacity:
  a text's glyphs are not texts of their own, so a formula never overlaps itself. Two texts
  overlap when their boxes share more than :data:`TOL` in both directions, whatever groups
  hold them. What is meant to nest never pairs: a label inside a cell, a node or a bracket
  sits in a shape that is no text. A text inside another text's box does pair (a number
  written into a formula, a tick under a caption): the box it sits in is a text's.
- Off the frame: a box reaching more than :data:`TOL` past ``config.frame_width x
  frame_height``, centred at 0.
- A number shown is every entry of a number grid's ``texts`` and every other text that shows
  one number (``scene_probe.number``: ``"−0.73"``, ``"sum = 27"``) except a colour strip's ticks
  (:data:`SCALES`); it passes when some value of the scene's trace (``scene.trace``: arrays,
  records' info, meta) rounds to it at the digits shown. Each grid, more strictly, shows one
  picture of one trace array (the array, a 2-D slice, its transpose, a row or a column), every
  number at its digits.
"""

from __future__ import annotations

import pytest

pytest.importorskip("manim")

from scene_probe import (
    Moment,
    Probe,
    Shown,
    number,
    probe,
    probe_scene,
    shows_a_view,
    trace_values,
    trace_views,
)

from visualdl import registry

SCENES = [e.name for e in registry.scenes()]
TOL = 0.02  #: scene units two boxes may share, or a box may pass the frame's edge
#: groups whose numbers are a scale's ticks (the colour range a scene picked), not trace values
SCALES = {"ColorScale"}


def _shared(a: tuple, b: tuple) -> tuple[float, float]:
    """How far boxes ``a`` and ``b`` (left, bottom, right, top) overlap in x and in y."""
    return min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])


def overlaps(moment: Moment) -> list[tuple[Shown, Shown]]:
    """The pairs of visible texts whose boxes share more than ``TOL`` in x and in y."""
    texts = sorted(moment.texts, key=lambda t: t.box[0])
    out = []
    for k, a in enumerate(texts):
        for b in texts[k + 1 :]:
            if b.box[0] >= a.box[2] - TOL:
                break  # sorted by left edge: no later text reaches back into a
            dx, dy = _shared(a.box, b.box)
            if dx > TOL and dy > TOL:
                out.append((a, b))
    return out


def off_frame(moment: Moment, frame: tuple[float, float]) -> list[Shown]:
    """The visible texts that reach more than ``TOL`` past the frame."""
    w, h = frame[0] / 2 + TOL, frame[1] / 2 + TOL
    return [
        t for t in moment.texts if t.box[0] < -w or t.box[2] > w or t.box[1] < -h or t.box[3] > h
    ]


def shown_numbers(moment: Moment) -> list[tuple[str, str]]:
    """``(string, where)`` for every number on screen: the entries of each visible number
    grid's ``texts``, and every other visible text that shows one number."""
    out, in_grids = [], set()
    for g in moment.grids:
        texts = g.texts
        if texts is None or not g.cells:
            continue
        in_grids.add(g.key)
        out += [(s, g.describe()) for r in texts for s in r if number(s) is not None]
    for t in moment.texts:
        if (
            t.kind == "text"
            and t.grid not in in_grids
            and not set(t.within) & SCALES
            and number(t.string) is not None
        ):
            out.append((t.string, "text"))
    return out


def missing_numbers(p: Probe) -> list[str]:
    """One line per number shown at a key frame that no value of the trace rounds to."""
    values = trace_values(p.traces)
    seen: set[tuple[str, str]] = set()
    out = []
    for m in p.key_frames:
        for s, where in shown_numbers(m):
            v, unit = number(s)
            if (s, where) in seen or _found(values, v, unit):
                continue
            seen.add((s, where))
            out.append(f"t = {m.time:.1f} s: {s!r} ({where}) is in no trace value")
    return out


def grids_off_the_trace(p: Probe) -> list[str]:
    """One line per grid state at a key frame whose numbers are not one picture of one trace
    array (``scene_probe.shows_a_view``: the array, a 2-D slice, a transpose, a row or a
    column, each number rounded at its digits)."""
    views = trace_views(p.traces)
    seen: set = set()
    out = []
    for m in p.key_frames:
        for g in m.grids:
            key = (g.key, frozenset(g.cells.items()))
            if not g.cells or key in seen:
                continue
            seen.add(key)
            if not shows_a_view(views, g.shape, g.cells):
                out.append(f"t = {m.time:.1f} s: {g.describe()} is no array of the trace")
    return out


def _found(values, v: float, unit: float) -> bool:
    """Whether some sorted ``values`` entry rounds to ``v`` at ``unit`` (the last digit's)."""
    half = unit / 2 * (1 + 1e-6) + 1e-12 * max(1.0, abs(v))
    i = int(values.searchsorted(v - half))
    return i < len(values) and values[i] <= v + half


def layout_failures(p: Probe) -> list[str]:
    """Overlapping pairs and off-frame texts at the key frames, each reported once (with the
    first time it is seen)."""
    out, seen = [], set()
    for m in p.key_frames:
        for a, b in overlaps(m):
            key = ("overlap", *sorted((a.key, b.key)))
            if key not in seen:
                seen.add(key)
                dx, dy = _shared(a.box, b.box)
                out.append(
                    f"t = {m.time:.1f} s: {a.string!r} overlaps {b.string!r} by {dx:.2f} x {dy:.2f}"
                )
        for t in off_frame(m, p.frame):
            key = ("off", t.key)
            if key not in seen:
                seen.add(key)
                box = ", ".join(f"{v:.2f}" for v in t.box)
                out.append(f"t = {m.time:.1f} s: {t.string!r} runs off the frame (box {box})")
    return out


# -- every scene -------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", SCENES)
def test_scene_text_neither_overlaps_nor_leaves_the_frame(name: str, no_latex) -> None:
    p = probe(name)
    assert p.key_frames, f"{name}: no still moment (wait) at all"
    failures = layout_failures(p)
    assert not failures, f"{name}:\n" + "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENES)
def test_scene_numbers_are_trace_values(name: str, no_latex) -> None:
    p = probe(name)
    assert p.traces, f"{name}: the scene keeps no trace in self.trace (a Trace or a dict of them)"
    failures = missing_numbers(p)
    assert not failures, f"{name}:\n" + "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENES)
def test_scene_grids_show_trace_arrays(name: str, no_latex) -> None:
    p = probe(name)
    assert p.traces, f"{name}: the scene keeps no trace in self.trace (a Trace or a dict of them)"
    failures = grids_off_the_trace(p)
    assert not failures, f"{name}:\n" + "\n".join(failures)


# -- the checks fail where they should ---------------------------------------------------------
def _made_up_scene():
    """A scene whose trace holds [[0.5, 2.0]]: a grid of it, a grid of its numbers in another
    order, a label in a cell, a colour strip, a number not in the trace (0.73), a number of
    the trace transformed into one that is not (0.99), two overlapping texts and one past the
    right edge."""
    import numpy as np
    from manim import RIGHT, Scene, Transform

    from visualdl.anim.grid import CellGrid, ColorScale
    from visualdl.anim.numbers import NumberGrid, text
    from visualdl.trace import log, record

    class MadeUp(Scene):
        def construct(self) -> None:
            with record() as self.trace:
                log("made_up.values", A=np.array([[0.5, 2.0]]))
            grid = NumberGrid(np.array([[0.5, 2.0]])).move_to([-4, 2, 0])
            swapped = NumberGrid(np.array([[2.0, 0.5]])).move_to([-4, 1, 0])
            cells = CellGrid(shape=(1, 2), cell=0.6, fill="#333333").move_to([-4, 0, 0])
            label = cells.label_at(0, 1, "2")  # in its cell: neither an overlap nor off the trace
            strip = ColorScale(9).move_to([-4, -2, 0])  # its ticks (9) are no trace numbers
            wrong = text("0.73").move_to([0, 2, 0])
            a = text("overlapping words").move_to([0, -1, 0])
            b = text("texts").move_to(a.get_center() + 0.3 * RIGHT)
            edge = text("past the edge").move_to([7.0, -3, 0])
            changed = text("0.50").move_to([2, 2, 0])
            self.add(grid, swapped, cells, label, strip, wrong, a, b, edge, changed)
            self.play(Transform(changed, text("0.99").move_to(changed)))
            self.wait(1)

    return MadeUp


@pytest.fixture(scope="module")
def made_up() -> Probe:
    return probe_scene(_made_up_scene(), "made-up")


def test_checker_finds_a_number_not_in_the_trace(made_up: Probe) -> None:
    failures = missing_numbers(made_up)
    assert len(failures) == 2 and "'0.73'" in failures[0] and "'0.99'" in failures[1], failures
    shown = {s for m in made_up.key_frames for s, _ in shown_numbers(m)}
    assert shown == {"0.50", "2.00", "2", "0.73", "0.99"}  # grids, a cell's label, texts


def test_checker_finds_a_grid_that_is_no_trace_array(made_up: Probe) -> None:
    failures = grids_off_the_trace(made_up)
    assert len(failures) == 1 and "NumberGrid [2.00 0.50]" in failures[0], failures


def test_checker_finds_overlapping_and_off_frame_texts(made_up: Probe) -> None:
    failures = layout_failures(made_up)
    assert any("'overlapping words' overlaps 'texts'" in f for f in failures), failures
    assert any("'past the edge' runs off the frame" in f for f in failures), failures
    assert len(failures) == 2, failures  # the label in its cell and the grids are fine


def test_checker_rounds_at_the_digits_shown() -> None:
    import numpy as np

    values = np.sort(np.array([0.7349, 27.0, 2.44e31, -0.001]))
    assert _found(values, *number("0.73")) and not _found(values, *number("0.74"))
    assert _found(values, *number("0.735")) and not _found(values, *number("0.734"))
    assert _found(values, *number("27")) and _found(values, *number("sum = 27"))
    assert _found(values, *number("2.4e31")) and not _found(values, *number("2.5e31"))
    assert _found(values, *number("0.00"))  # -0.001 prints as 0.00


def test_text_is_built_once_and_handed_out_as_independent_copies():
    from manim import RIGHT

    from visualdl.anim.numbers import _built, text

    first = text("0.25", "#ffffff", 20)
    second = text("0.25", "#ffffff", 20)
    assert first is not second and _built.cache_info().hits >= 1
    first.shift(RIGHT).set_color("#ff0000")
    assert (second.get_center() == text("0.25", "#ffffff", 20).get_center()).all()
    assert second.get_color() != first.get_color() and second.text == "0.25"
    assert text("0.25", "#ffffff", 20, t2c={"0": "#00ff00"}).text == "0.25"  # unhashable: built
