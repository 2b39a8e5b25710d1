"""Legibility is tested: every figure the demo saves is checked as the gallery page shows it
(:mod:`visualdl.viz.layout`): no text under about 9 px at the page's width, no two texts
overlapping, none cut off. The checker itself is tested on made-up figures that must fail."""

from __future__ import annotations

import pytest

from visualdl import registry
from visualdl.viz.figures import new_figure
from visualdl.viz.layout import MIN_PX, drawn_texts, layout_problems
from visualdl.viz.style import PAGE_WIDTH

FIGURES = [e.name for e in registry.figures()]


def _entry(stem: str) -> str | None:
    """The registry figure a saved file's stem belongs to (the longest name it starts with)."""
    names = [n for n in FIGURES if stem == n or stem.startswith(n + "-")]
    return max(names, key=len) if names else None


@pytest.mark.slow
def test_every_figure_was_checked(demo_run) -> None:
    checked = {_entry(stem) for stem, _ in demo_run.layouts}
    assert set(FIGURES) <= checked, f"never saved through figures.save: {set(FIGURES) - checked}"


@pytest.mark.slow
@pytest.mark.parametrize("name", FIGURES)
def test_figure_text_is_legible_and_apart(demo_run, name: str) -> None:
    found = [
        (stem, p) for stem, problems in demo_run.layouts if _entry(stem) == name for p in problems
    ]
    assert not found, f"{name}: {len(found)} layout problems\n" + "\n".join(
        f"{stem}: {p}" for stem, p in found[:25]
    )


# -- the checker on made-up figures ----------------------------------------------------------


def _kinds(fig) -> list[str]:
    return sorted(p.kind for p in layout_problems(fig))


def test_a_clean_figure_has_no_problems() -> None:
    fig = new_figure(5, 3.5)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_title("a title")
    ax.set_xlabel("x")
    ax.legend(loc="lower right")
    ax.text(0.1, 0.8, "a note", fontsize=11)
    assert layout_problems(fig) == []


def test_overlapping_texts_are_caught_legend_entries_included() -> None:
    fig = new_figure(5, 3.5)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="the legend's entry")
    ax.legend(loc="upper left")
    ax.text(0.02, 0.97, "a note under the legend", transform=ax.transAxes, va="top", fontsize=11)
    problems = layout_problems(fig)
    assert [p.kind for p in problems] == ["overlap"]
    assert "the legend's entry" in problems[0].message
    assert "a note under the legend" in problems[0].message


def test_a_6_px_text_is_caught_and_the_page_width_counts() -> None:
    """6 px at page width: 6 / (150 / 72) = 2.88 pt in a figure no wider than the page; the same
    9 pt that is fine at 5 inches (750 px) is too small at 24 inches (3600 px, shown at 28 %)."""
    fig = new_figure(5, 3.5)
    ax = fig.add_subplot()
    ax.set_title("six pixels", fontsize=6 * 72 / 150)
    ax.set_xticks([])
    ax.set_yticks([])
    small = [p for p in layout_problems(fig) if p.kind == "small"]
    assert len(small) == 1 and "six pixels" in small[0].message and "6.0 px" in small[0].message

    def nine_point(width: float):
        f = new_figure(width, 3)
        a = f.add_subplot()
        a.set_xticks([])
        a.set_yticks([])
        a.set_title("nine points", fontsize=9)
        return f

    assert layout_problems(nine_point(5)) == []
    assert _kinds(nine_point(24)) == ["small"]
    texts, (width, _) = drawn_texts(nine_point(24))
    assert width > PAGE_WIDTH and 9 * 150 / 72 * PAGE_WIDTH / width < MIN_PX


def test_text_outside_the_image_and_clipped_text_are_caught() -> None:
    fig = new_figure(5, 3.5)
    ax = fig.add_subplot()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    note = fig.text(1.05, 0.5, "off the page", fontsize=11)
    note.set_in_layout(False)  # the tight box leaves it out
    ax.text(0.95, 0.5, "cut by the axes", fontsize=11, clip_on=True)
    assert _kinds(fig) == ["clipped", "outside"]


def test_hidden_and_empty_texts_do_not_count() -> None:
    fig = new_figure(5, 3.5)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "hidden", fontsize=2).set_visible(False)
    ax.text(0.5, 0.5, "   ", fontsize=2)
    ax.text(0.5, 0.5, "kept", fontsize=12)
    assert [t.text for t in drawn_texts(fig)[0] if t.text in ("hidden", "   ", "kept")] == ["kept"]
