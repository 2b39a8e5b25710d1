"""Teacher mode: a scene as slides, one per beat, with presenter notes, and a PDF handout.

A scene's beats (:mod:`visualdl.anim.beats`) are its slide boundaries: the scene renders once,
as for its video, and each beat's animations become one slide's clip. The notes of each slide
are generated from what the beat showed (its formulas, from the symbolic layer; its arrays and
numbered lines, from the trace) and the sentences kept beside the beat. Formats
(:data:`FILES`): ``html``, one reveal.js file that opens with no network (arrow keys step, ``S``
opens the presenter's view with the notes); ``pptx``, one slide per beat with its notes; and
``pdf``, the handout, one A4 page per beat (:mod:`visualdl.slides.handout`).

Needs the ``slides`` extra (manim-slides, python-pptx).

Example
-------
>>> slide_files("pooling", ("html", "pdf"))
('pooling.slides.html', 'pooling.handout.pdf')
>>> make_slides("pooling", ("html", "pptx", "pdf"), Path("out"))  # doctest: +SKIP
[PosixPath('out/pooling.slides.html'), PosixPath('out/pooling.slides.pptx'), ...]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from visualdl import registry
from visualdl.files import move_into, work_dir, writable_dir

__all__ = ["FILES", "make_slides", "slide_files", "write_slides"]

#: Each format and the file name it gets after the scene's name.
FILES = {"html": "slides.html", "pptx": "slides.pptx", "pdf": "handout.pdf"}


def slide_files(name: str, formats: Sequence[str]) -> tuple[str, ...]:
    """The file names of scene ``name`` in ``formats`` (``ValueError`` for an unknown one)."""
    bad = [f for f in formats if f not in FILES]
    if bad or not formats:
        raise ValueError(
            f"slides: formats must be among {', '.join(FILES)}, got {', '.join(bad) or 'none'}"
        )
    return tuple(f"{name}.{FILES[f]}" for f in formats)


def write_slides(scene: Any, name: str, formats: Sequence[str], folder: Path) -> list[Path]:
    """Write the slides of the rendered ``scene`` (registry name ``name``) into ``folder``, one
    file per format; call it while the render's media folder is there (``render(then=...)``)."""
    from visualdl.slides.deck import cut, write_html, write_pptx
    from visualdl.slides.handout import write_handout

    files = dict(zip(formats, slide_files(name, formats), strict=True))
    title = registry.get(name, "scene").title
    beats = scene.beats
    if not beats:
        raise ValueError(f"slides: scene {name!r} marks no beats (visualdl.anim.beats.beat)")
    h, w = beats[0].frame.shape[:2]
    clips = Path(scene.renderer.file_writer.partial_movie_directory) / "beats"
    slides = cut(scene, clips) if {"html", "pptx"} & set(formats) else []
    made = []
    for fmt, file in files.items():
        path = folder / file
        if fmt == "html":
            write_html(slides, title, (w, h), path)
        elif fmt == "pptx":
            write_pptx(slides, (w, h), path)
        else:
            write_handout(beats, title, path)
        made.append(path)
    return made


def make_slides(
    name: str,
    formats: Sequence[str] = ("html",),
    out: str | os.PathLike = Path("out"),
    quality: str = "medium",
    progress: bool | Callable[[], object] = True,
) -> list[Path]:
    """Render scene ``name`` at ``quality`` and write its slides in ``formats`` into ``out``
    (:func:`slide_files`); returns their paths. Nothing is left half-written: the files are
    made in a work folder inside ``out`` and moved into place when all are done."""
    from visualdl.render import render

    names = slide_files(name, formats)
    registry.get(name, "scene")
    if progress is True:  # a bar of the scene's animations; the paths are the caller's to say
        from tqdm import tqdm

        with tqdm(desc=f"{name} ({quality})", unit=" animations", leave=False) as bar:
            return make_slides(name, formats, out, quality, bar.update)
    out = writable_dir(out)
    with work_dir(out, f".{name}-slides-") as stage:
        made: list[Path] = []
        render(
            name,
            quality,
            "mp4",
            stage,
            progress,
            then=lambda scene: made.extend(write_slides(scene, name, formats, stage)),
        )
        for path in made:
            move_into(path, out / path.name)
    return [out / n for n in names]
