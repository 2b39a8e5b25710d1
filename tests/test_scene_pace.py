"""Pacing as a rule, checked on every scene without rendering video (``tests/scene_probe.py``):
each number grid a scene shows is held still, fully visible, long enough to read its entries,
:func:`visualdl.anim.pace.reading_time` ``(n)``, and each formula at least ``reading_time(0)``.

How a hold is counted: the probe sees the screen after every animation and at every wait. A
grid's *state* is what it shows: the strings in its cells (a ``NumberGrid``'s entries; for a
grid of cells, every text centred in a cell, its own labels and those a scene writes in one by
one). A state's hold is the sum of the waits during which the grid shows exactly that state
with its numbers at full opacity (:data:`FULL`). A state that a later or earlier state of the
same grid extends (the same cells with the same strings, and more) is a grid being filled in
and needs no hold of its own; every other state does, including one seen only between two
animations (held 0 s). A formula's hold is the sum of the waits while it is fully visible.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

pytest.importorskip("manim")

from scene_probe import Probe, probe, probe_scene

from visualdl import registry
from visualdl.anim.pace import reading_time

SCENES = [e.name for e in registry.scenes()]
FULL = 0.9  #: the opacity from which a grid's numbers or a formula count as fully visible


@dataclass
class _Held:
    """One state of one grid (or one formula) over the scene: when first and last seen, the
    seconds it was held still, what it shows."""

    first: float
    last: float
    held: float
    n: int
    shows: str


def _at(box: tuple) -> str:
    """Where a box is centred, ``(x, y)`` in scene units."""
    return f"({(box[0] + box[2]) / 2:.1f}, {(box[1] + box[3]) / 2:.1f})"


def _grid_states(p: Probe) -> dict[int, dict[frozenset, _Held]]:
    """Per grid (by identity), its states with their holds."""
    out: dict[int, dict[frozenset, _Held]] = {}
    for m in p.moments:
        for g in m.grids:
            if not g.cells:
                continue
            key = frozenset(g.cells.items())
            st = out.setdefault(g.key, {}).setdefault(
                key, _Held(m.time, m.time, 0.0, g.n, f"{g.describe()} at {_at(g.box)}")
            )
            st.last = m.time
            if g.opacity >= FULL:
                st.held += m.hold
    return out


def _formula_holds(p: Probe) -> dict[int, _Held]:
    out: dict[int, _Held] = {}
    for m in p.moments:
        for t in m.texts:
            if t.kind != "formula":
                continue
            shows = f"formula {t.string} at {_at(t.box)}"
            st = out.setdefault(t.key, _Held(m.time, m.time, 0.0, 0, shows))
            st.last = m.time
            if t.opacity >= FULL:
                st.held += m.hold
    return out


def pace_offenders(p: Probe) -> list[str]:
    """One line per grid state or formula held shorter than its reading time, in order of
    first appearance."""
    found: list[tuple[float, str]] = []

    def check(st: _Held) -> None:
        need = reading_time(st.n)
        if st.held < need - 1e-6:
            when = f"{st.first:.1f} s" + (f" to {st.last:.1f} s" if st.last > st.first else "")
            found.append(
                (
                    st.first,
                    f"{when}: {st.shows} ({st.n} entries) held {st.held:.2f} s < {need:.2f} s",
                )
            )

    for states in _grid_states(p).values():
        for key, st in states.items():
            if not any(key < other for other in states):  # not a grid being filled in
                check(st)
    for st in _formula_holds(p).values():
        check(st)
    return [line for _, line in sorted(found)]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENES)
def test_scene_holds_each_grid_and_formula_long_enough_to_read(name: str, no_latex) -> None:
    offenders = pace_offenders(probe(name))
    assert not offenders, f"{name}:\n" + "\n".join(offenders)


# -- the check fails where it should -----------------------------------------------------------
def _made_up_scene(final_hold: float):
    """A formula and a 3x4 grid held 1 s (too short), then a 2x2 grid of cells filled one cell
    at a time (short waits between) and held ``final_hold`` once full."""
    import numpy as np
    from manim import Scene

    from visualdl.anim.formula import formula
    from visualdl.anim.grid import CellGrid
    from visualdl.anim.numbers import NumberGrid

    class MadeUp(Scene):
        def construct(self) -> None:
            grid = NumberGrid(np.arange(12.0).reshape(3, 4) / 10).move_to([-3, 1, 0])
            f = formula("Z = W A + b").move_to([-3, 2.5, 0])
            self.add(grid, f)
            self.wait(1.0)
            self.remove(grid, f)
            cells = CellGrid(shape=(2, 2), cell=0.6).move_to([3, 0, 0])
            self.add(cells)
            for i, j in [(0, 0), (0, 1), (1, 0), (1, 1)]:
                self.add(cells.label_at(i, j, f"{i + j}"))
                self.wait(0.2)
            self.wait(final_hold)

    return MadeUp


@pytest.mark.parametrize("final_hold", [0.5, 3.0])
def test_checker_finds_short_holds_and_lets_a_grid_fill(final_hold: float) -> None:
    offenders = pace_offenders(probe_scene(_made_up_scene(final_hold), "made-up"))
    short = f"(12 entries) held 1.00 s < {reading_time(12):.2f} s"
    grid = [o for o in offenders if "NumberGrid" in o]
    assert len(grid) == 1 and short in grid[0], offenders
    formulas = [o for o in offenders if "formula Z = W A + b" in o]
    assert len(formulas) == 1 and f"held 1.00 s < {reading_time(0):.2f} s" in formulas[0]
    cells = [o for o in offenders if "CellGrid" in o]
    if final_hold < reading_time(4):  # only the full grid needs its hold; the partial ones not
        assert len(cells) == 1 and "[0 1; 1 2]" in cells[0], offenders
    else:
        assert not cells, offenders
