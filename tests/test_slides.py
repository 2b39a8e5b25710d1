"""Teacher mode: every scene's beats cut its video into slides; the slides (reveal.js HTML,
PPTX) carry generated notes, the handout has one A4 page per beat, the HTML steps through
every slide in Chromium with the network blocked."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from browser import Browser
from conftest import seeds
from scene_probe import probe
from test_site import chromium  # noqa: F401 (a fixture)

from visualdl import registry
from visualdl.anim.beats import Beat, beat
from visualdl.cli import main
from visualdl.slides import FILES, slide_files
from visualdl.slides.deck import notes
from visualdl.slides.handout import write_handout

SCENE = "mlp-forward-backward"
#: every scene; the first in the quick tier (``seeds`` marks the others slow)
SCENES = seeds(*(e.name for e in registry.scenes()))
PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def pdf_pages(path: Path) -> int:
    return len(PAGE.findall(path.read_bytes()))


def _beat(name: str = "forward", **kw) -> Beat:
    frame = np.full((90, 160, 3), 17, dtype=np.uint8)
    return Beat(name, "Each layer multiplies, adds and squashes.", frame=frame, **kw)


# -- beats ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENES)
def test_the_beats_of_every_scene_cut_its_animations_into_slides(name: str, no_latex) -> None:
    p = probe(name)
    beats = p.beats
    assert len(beats) >= 2, f"{name}: {len(beats)} beat(s); a slide deck needs two or more"
    assert beats[0].first == 0 and beats[-1].end == len(p.moments)
    for before, after in zip(beats, beats[1:], strict=False):
        assert after.first == before.end, (before.name, after.name)
    for b in beats:
        assert b.end > b.first, f"{name}: beat {b.name} plays nothing"
        assert b.say and not re.search(r"\d", b.say), f"{name}: {b.name}: {b.say!r}"
        assert b.heading, f"{name}: beat {b.name} has no title on screen"
    assert len({b.name for b in beats}) == len(beats)
    shown = [b for b in beats if b.formulas or b.arrays or b.lines]
    assert len(shown) >= len(beats) / 2, f"{name}: most beats show no formula or number"


def test_a_beat_records_the_formulas_and_numbers_it_showed(no_latex) -> None:
    by_name = {b.name: b for b in probe(SCENE).beats}
    assert list(by_name) == ["intro", "forward", "cost", "backward", "update", "again"]
    forward = by_name["forward"]
    assert forward.formulas[0].startswith("Z^{[1]} = W^{[1]}")
    assert [tex for tex, _ in forward.arrays][:3] == ["W^{[1]}", "A^{[0]}", "b^{[1]}"]
    assert any(s.startswith("Z[1] row 1, column 4") for s in forward.lines)
    assert by_name["cost"].lines == ["J = 0.375"]  # the trace's J, as the scene prints it
    assert by_name["again"].lines == ["J: 0.375 → 0.368"]
    # what stays up is recorded once: the data in the intro, not again in the cost beat
    assert ("Y", [["0", "1", "1", "0"]]) in by_name["intro"].arrays
    assert all(tex != "Y" for tex, _ in by_name["cost"].arrays)


def test_a_beat_needs_a_sentence_and_a_nested_beat_joins_the_outer_one() -> None:
    with pytest.raises(ValueError, match="say must hold a sentence"):
        beat("  ")

    class Plays:  # just what beats.start/finish read of a scene
        def __init__(self) -> None:
            self.beats, self.beat_now, self.mobjects = [], None, []
            self.renderer = self
            self.num_plays = 0

        def update_frame(self, scene) -> None:
            pass

        def get_frame(self):
            return np.zeros((2, 2, 4), dtype=np.uint8)

        @beat("Outer.")
        def outer(self) -> None:
            self.num_plays += 2
            self.inner(1)

        @beat("Inner.")
        def inner(self, k: int) -> None:
            self.num_plays += k

    s = Plays()
    s.outer()
    s.inner(3)
    assert [(b.name, b.first, b.end) for b in s.beats] == [("outer", 0, 3), ("inner (3)", 3, 6)]


# -- notes and handout ------------------------------------------------------------------------
def test_notes_hold_the_heading_the_sentences_the_formulas_and_the_numbers() -> None:
    b = _beat(heading="Forward pass", formulas=["Z = W A + b"], lines=["J = 0.4"])
    b.arrays = [(f"W^{{[{k}]}}", [["1.0", "2.0"]]) for k in range(8)]
    text = notes(b, 2, 6)
    assert text.startswith("**Forward pass** (beat 2 of 6: forward)")
    assert b.say in text and "`Z = W A + b`" in text and "On screen: J = 0.4" in text
    assert "W^{[0]} (1×2)" in text and "… and 2 more arrays" in text


def test_the_handout_has_one_page_per_beat_and_leaves_nothing_when_it_fails(tmp_path) -> None:
    many = [[f"{v:.2f}" for v in row] for row in np.linspace(-1, 1, 120).reshape(12, 10)]
    beats = [
        _beat("intro", heading="A title"),
        _beat(formulas=[r"Z^{[1]} = W^{[1]} A^{[0]} + b^{[1]}"], arrays=[("W", many)] * 30),
        _beat("cost", lines=["J = 0.375", "= (0.23)(1) + (0.5)"]),
    ]
    path = write_handout(beats, "A scene", tmp_path / "h.pdf")
    assert pdf_pages(path) == 3
    broken = [_beat(formulas=[r"\frac{"])]  # mathtext cannot draw it
    with pytest.raises(ValueError):
        write_handout(broken, "A scene", tmp_path / "bad.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.pdf"]


def test_slide_formats_are_checked() -> None:
    assert slide_files("pooling", list(FILES)) == (
        "pooling.slides.html",
        "pooling.slides.pptx",
        "pooling.handout.pdf",
    )
    with pytest.raises(ValueError, match="formats must be among html, pptx, pdf, got docx"):
        slide_files("pooling", ["html", "docx"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["slides"], "slides: expected a scene NAME or --all"),
        (["slides", SCENE, "--all"], "slides: expected a scene NAME or --all"),
        (["slides", "nope"], "unknown scene 'nope'"),
        (["slides", SCENE, "--to", "docx"], "argument --to: invalid choice: 'docx'"),
    ],
)
def test_the_slides_command_reports_a_mistake_in_one_line(argv, message, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


# -- the slides of one scene, made with the command -------------------------------------------
@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    argv = ["slides", SCENE, "--to", "html", "pdf", "pptx", "--quality", "low", "--out", str(out)]
    assert main(argv) == 0
    return out


@pytest.mark.slow
def test_the_command_writes_the_three_files_and_nothing_else(made: Path) -> None:
    assert sorted(p.name for p in made.iterdir()) == sorted(
        slide_files(SCENE, ["html", "pdf", "pptx"])
    )


@pytest.mark.slow
def test_the_pptx_has_one_slide_per_beat_with_its_notes(made: Path, no_latex) -> None:
    from pptx import Presentation

    beats = probe(SCENE).beats
    deck = Presentation(str(made / f"{SCENE}.slides.pptx"))
    assert len(deck.slides) == len(beats)
    for k, (slide, b) in enumerate(zip(deck.slides, beats, strict=True), 1):
        said = slide.notes_slide.notes_text_frame.text
        assert said.startswith(f"**{b.heading}** (beat {k} of {len(beats)}") and b.say in said
        movies = [s for s in slide.shapes if s.shape_type == 16]  # MSO_SHAPE_TYPE.MEDIA
        assert len(movies) == 1


@pytest.mark.slow
def test_the_handout_has_one_page_per_beat(made: Path, no_latex) -> None:
    assert pdf_pages(made / f"{SCENE}.handout.pdf") == len(probe(SCENE).beats)


@pytest.mark.slow
def test_the_html_steps_through_every_slide_offline(made: Path, chromium, no_latex) -> None:  # noqa: F811
    beats = probe(SCENE).beats
    with Browser(chromium, offline=True) as browser:
        report = browser.step_through(made / f"{SCENE}.slides.html")
    assert report["ready"], "reveal.js did not start"
    assert report["total"] == len(beats)
    for k, (b, said) in enumerate(zip(beats, report["notes"], strict=True), 1):
        assert f"(beat {k} of {len(beats)}: {b.label})" in said, said
    assert [s["index"] for s in report["shown"]] == [*range(len(beats)), len(beats) - 1]
    for s in report["shown"]:
        assert s["video"] and s["video"]["error"] is None and s["video"]["readyState"] >= 1, s
        assert s["video"]["duration"] > 0, s
    assert report["requests"] == [] and report["failed"] == [] and report["errors"] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.DEFAULT_SCENES)
def test_the_demo_writes_every_scenes_slides_and_handout(demo_run, name: str, no_latex) -> None:
    videos = demo_run.out / "videos"
    n = len(probe(name).beats)
    assert pdf_pages(videos / f"{name}.handout.pdf") == n
    page = (videos / f"{name}.slides.html").read_text()
    assert page.count("data-background-video=") == n
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # the template's comments name files
    assert not re.search(r"<link|<script src=", page)  # reveal.js is inside the page
