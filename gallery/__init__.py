"""Gallery figures, one script per figure; installed as ``visualdl.gallery``.

Each module named by :func:`visualdl.registry.figures` holds only its own parts: ``CAPTION``
and ``make(out) -> list[Path]``, usually a ``draw() -> Figure`` turned into ``make`` by
:func:`figure`. ``python -m visualdl.gallery NAME --out DIR`` makes one figure;
:func:`build` makes them all and writes the gallery page (:mod:`visualdl.site`), which
also shows the scenes' videos that ``visualdl demo`` rendered beside it.

Example (what ``visualdl gallery --out DIR`` runs)::

    from visualdl.gallery import build
    build(Path("out/gallery"))  # -> Path("out/gallery/index.html")
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from visualdl import registry, site
from visualdl.files import atomic_write, move_into, work_dir
from visualdl.viz.figures import save

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Make", "build", "figure", "make_figure", "make_figures", "write_index"]

#: A gallery script's ``make``: write the figure's files into the folder, return their paths.
Make = Callable[[str | os.PathLike], list[Path]]


def figure(stem: str, *formats: str) -> Callable[[Callable[[], Figure]], Make]:
    """Decorator: ``draw() -> Figure`` becomes ``make(out) -> list[Path]``, which draws the
    figure and saves it as ``out/<stem>.<fmt>`` for each of ``formats`` (default ``png``)
    with :func:`visualdl.viz.figures.save`.

    Example
    -------
    >>> import tempfile
    >>> from visualdl.viz.figures import new_figure
    >>> @figure("blank", "png", "svg")
    ... def make():
    ...     return new_figure(2, 1)
    >>> [p.name for p in make(tempfile.mkdtemp())]
    ['blank.png', 'blank.svg']
    """
    formats = formats or ("png",)
    files = " and ".join(f"``{stem}.{fmt}``" for fmt in formats)

    def decorate(draw: Callable[[], Figure]) -> Make:
        def make(out: str | os.PathLike) -> list[Path]:
            return save(draw(), Path(out) / stem, formats)

        make.__module__, make.__qualname__ = draw.__module__, draw.__qualname__
        head = f"{draw.__doc__.strip()} " if draw.__doc__ else ""
        make.__doc__ = f"{head}Write {files} into ``out``; returns the paths."
        return make

    return decorate


def make_figure(name: str, out: str | os.PathLike) -> list[Path]:
    """Run the ``make`` of the figure ``name`` (registry name such as ``gradient-check``, or
    its module name ``gradient_check``) into ``out``; ``KeyError`` names the known ones."""
    entry = registry.get(name.replace("_", "-"), "figure")
    return importlib.import_module(entry.module).make(Path(out))


def _write_text(path: Path, text: str) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _entries(names: list[str] | None) -> list[registry.Entry]:
    entries = registry.figures()
    if names is None:
        return entries
    known = {e.name: e for e in entries}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"gallery: unknown figure(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    return [known[n] for n in names]


def make_figures(
    out: Path, names: list[str] | None = None, report: Callable[[str], object] | None = print
) -> list[site.Figure]:
    """Make the figures ``names`` (default: all) into ``out``; returns them for the page.

    The figures are made in a temporary folder inside ``out`` (:func:`visualdl.files.work_dir`,
    removed however the build ends) and each file is moved into place with
    :func:`visualdl.files.move_into`, so ``out`` never holds a half-written file. ``out`` is
    checked before any work (``OSError`` naming it when it cannot be written). Unknown names
    raise ``ValueError`` listing the known ones. ``report`` gets one line per figure made.
    """
    entries = _entries(names)
    out = Path(out)
    made = []
    with work_dir(out, ".tmp-") as tmp:
        for i, entry in enumerate(entries, start=1):
            start = time.perf_counter()
            module = importlib.import_module(entry.module)
            files = []
            for path in module.make(tmp):
                move_into(path, out / path.name)
                files.append(path.name)
            made.append(site.Figure(entry, module.CAPTION, tuple(files)))
            if report is not None:
                report(
                    f"[{i}/{len(entries)}] {entry.name}: {', '.join(files)} "
                    f"({time.perf_counter() - start:.1f} s)"
                )
    return made


def write_index(out: Path, figures: list[site.Figure], videos: Path | None = None) -> Path:
    """Write ``index.html`` and ``index.md`` into ``out`` for ``figures`` and every scene
    (:mod:`visualdl.site`: the scenes' videos are looked for in ``videos``, default
    ``out/../videos``, where ``visualdl demo`` writes them); returns the path of
    ``index.html``."""
    out = Path(out)
    videos = Path(videos) if videos is not None else out.parent / "videos"
    _write_text(out / "index.md", site.page_md(figures, out, videos))
    index = out / "index.html"
    _write_text(index, site.page_html(figures, out, videos))
    return index


def build(
    out: Path, names: list[str] | None = None, progress: bool = True, videos: Path | None = None
) -> Path:
    """Make the figures ``names`` (default: all) into ``out`` (:func:`make_figures`, one line
    printed per figure with ``progress``) and write the page (:func:`write_index`, with the
    videos found in ``videos``); returns the path of ``index.html``."""
    report = (lambda line: print(line, flush=True)) if progress else None
    return write_index(out, make_figures(out, names, report), videos)
