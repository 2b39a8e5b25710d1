"""A rendered scene as a deck: one video clip per beat, its presenter notes, and the HTML
(reveal.js, one offline file) and PPTX that manim-slides writes from them.

The clips are cut from the scene's own partial movie files (one per animation), so the scene
is rendered once and nothing of it is written twice. The HTML is manim-slides' reveal.js page
with reveal.js's scripts and style sheets (6.0.1, MIT, in ``revealjs/``) written into it: it
opens with no network.

Example
-------
>>> from visualdl.anim.beats import Beat
>>> b = Beat("cost", "The cost is one number.", heading="Cost", formulas=["J = -Y"],
...          lines=["J = 0.375"])
>>> print(notes(b, 3, 6))
**Cost** (beat 3 of 6: cost)
<BLANKLINE>
The cost is one number.
<BLANKLINE>
Formulas: `J = -Y`
<BLANKLINE>
On screen: J = 0.375
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from visualdl.anim.beats import Beat

__all__ = ["Slide", "cut", "notes", "write_html", "write_pptx"]

#: Arrays written out in a note at most (each as its name and shape); the rest are counted.
NOTE_ARRAYS = 6
THEME = "dracula"  # a dark reveal.js theme, like the scenes
_ASSET = re.compile(
    r'<(link rel="stylesheet" href|script src)="visualdl-revealjs/dist/([\w/.-]+)">'
)


@dataclass(frozen=True)
class Slide:
    """One beat as a slide: its clip and its presenter notes (Markdown)."""

    clip: Path
    notes: str


def notes(b: Beat, k: int, n: int) -> str:
    """The presenter notes of beat ``b``, the ``k``-th of ``n``, in Markdown: the heading, the
    beat's sentences, its formulas and what it shows with numbers."""
    out = [f"**{b.heading or b.label}** (beat {k} of {n}: {b.label})", b.say]
    if b.formulas:
        out.append("Formulas: " + "; ".join(f"`{t}`" for t in b.formulas))
    shown = [f"{tex} ({len(rows)}×{len(rows[0])})" for tex, rows in b.arrays if rows]
    if len(shown) > NOTE_ARRAYS:
        shown[NOTE_ARRAYS:] = [f"… and {len(shown) - NOTE_ARRAYS} more arrays"]
    if shown:
        out.append("Arrays: " + ", ".join(shown))
    if b.lines:
        out.append("On screen: " + "; ".join(b.lines))
    return "\n\n".join(out)


def cut(scene: Any, folder: Path) -> list[Slide]:
    """One clip per beat of the rendered ``scene`` in ``folder`` (``NN-name.mp4``, the beat's
    partial movie files joined) with its notes."""
    from manim_slides.utils import concatenate_video_files

    parts = scene.renderer.file_writer.partial_movie_files
    beats = scene.beats
    if beats[-1].end != len(parts):
        raise ValueError(
            f"slides: the beats of {type(scene).__name__} must cover its {len(parts)} "
            f"animations, they cover {beats[-1].end}"
        )
    folder.mkdir(exist_ok=True)
    slides = []
    for k, b in enumerate(beats, 1):
        files = [Path(p) for p in parts[b.first : b.end] if p is not None]
        if not files:
            raise ValueError(f"slides: beat {b.name!r} of {type(scene).__name__} played nothing")
        clip = folder / f"{k:02d}-{re.sub(r'[^a-z0-9]+', '-', b.name.lower()).strip('-')}.mp4"
        concatenate_video_files(files, clip)
        slides.append(Slide(clip, notes(b, k, len(beats))))
    return slides


def _presentation(slides: list[Slide], resolution: tuple[int, int], escape: bool) -> Any:
    from manim_slides.config import PresentationConfig, SlideConfig

    from visualdl.viz.style import BACKGROUND

    return PresentationConfig(
        slides=[
            SlideConfig(
                file=s.clip, rev_file=s.clip, notes=html.escape(s.notes) if escape else s.notes
            )
            for s in slides
        ],
        resolution=resolution,
        background_color=BACKGROUND["scene"],
    )


def write_html(slides: list[Slide], title: str, resolution: tuple[int, int], path: Path) -> Path:
    """The slides as one reveal.js HTML file at ``path`` (clips inlined, nothing fetched)."""
    from manim_slides.convert import RevealJS

    RevealJS(
        presentation_configs=[_presentation(slides, resolution, escape=True)],
        one_file=True,
        reveal_theme=THEME,
        cdn_url="visualdl-revealjs",
        title=title,
    ).convert_to(path)
    page = path.read_text(encoding="utf-8")
    assets = resources.files("visualdl.slides") / "revealjs"

    def inline(m: re.Match) -> str:
        body = (assets / m[2]).read_text(encoding="utf-8")
        return f"<style>{body}</style>" if m[1].startswith("link") else f"<script>{body}</script>"

    page, count = _ASSET.subn(inline, page)
    if count == 0 or "visualdl-revealjs" in page:
        raise RuntimeError("slides: the reveal.js page no longer names its assets as expected")
    path.write_text(page, encoding="utf-8")
    return path


def write_pptx(slides: list[Slide], resolution: tuple[int, int], path: Path) -> Path:
    """The slides as a PowerPoint file at ``path``: one slide per beat, its clip playing, its
    notes in the presenter's notes."""
    from manim_slides.convert import PowerPoint

    w, h = resolution
    PowerPoint(
        presentation_configs=[_presentation(slides, resolution, escape=False)], width=w, height=h
    ).convert_to(path)
    return path
