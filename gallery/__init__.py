"""Gallery figures, one script per figure; installed as ``visualdl.gallery``.

Each module named by :func:`visualdl.registry.figures` holds only its own parts: ``CAPTION``
and ``make(out) -> list[Path]``, usually a ``draw() -> Figure`` turned into ``make`` by
:func:`figure`. ``python -m visualdl.gallery NAME --out DIR`` makes one figure;
:func:`build` makes them all and writes an index page.

Example (what ``visualdl gallery --out DIR`` runs)::

    from visualdl.gallery import build
    build(Path("out/gallery"))  # -> Path("out/gallery/index.html")
"""

from __future__ import annotations

import html
import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from visualdl import registry
from visualdl.files import atomic_write, move_into, work_dir
from visualdl.viz.figures import save

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Make", "build", "figure", "make_figure"]

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


def _index_html(items: list[tuple[registry.Entry, str, list[str]]]) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>visualdl gallery</title>',
        "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;"
        "color:#222;padding:0 1em}figure{margin:2.5em 0}img{max-width:100%;"
        "border:1px solid #ddd}figcaption{margin-top:.5em;line-height:1.4}</style>",
        "</head><body>",
        "<h1>visualdl gallery</h1>",
        "<p>Every number in these figures was computed by visualdl's engine when the page was "
        "built; formulas come from SymPy.</p>",
    ]
    for entry, caption, files in items:
        parts.append(f'<figure id="{html.escape(entry.name)}">')
        parts.append(
            f"<h2>{html.escape(entry.title)} <small>({html.escape(entry.name)})</small></h2>"
        )
        for name in files:
            if name.endswith(".png"):
                parts.append(f'<img src="{html.escape(name)}" alt="{html.escape(entry.title)}">')
        links = ", ".join(f'<a href="{html.escape(n)}">{html.escape(n)}</a>' for n in files)
        parts.append(
            f"<figcaption>{html.escape(caption)}<br><small>Files: {links}</small>"
            "</figcaption></figure>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _index_md(items: list[tuple[registry.Entry, str, list[str]]]) -> str:
    lines = ["# visualdl gallery", ""]
    for entry, caption, files in items:
        lines += [f"## {entry.title} (`{entry.name}`)", ""]
        lines += [f"![{entry.title}]({name})" for name in files if name.endswith(".png")]
        lines += ["", caption, ""]
    return "\n".join(lines)


def build(out: Path, names: list[str] | None = None, progress: bool = True) -> Path:
    """Make the figures ``names`` (default: all) into ``out`` and write ``index.html`` and
    ``index.md`` there; returns the path of ``index.html``.

    The figures are made in a temporary folder inside ``out`` (:func:`visualdl.files.work_dir`,
    removed however the build ends) and each file is moved into place with
    :func:`visualdl.files.move_into`, so ``out`` never holds a half-written file. ``out`` is
    checked before any work (``OSError`` naming it when it cannot be written). Unknown names
    raise ``ValueError`` listing the known ones. With ``progress`` one line per figure is
    printed.
    """
    entries = registry.figures()
    known = {e.name: e for e in entries}
    if names is not None:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(
                f"gallery: unknown figure(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        entries = [known[n] for n in names]
    out = Path(out)
    items = []
    with work_dir(out, ".tmp-") as tmp:
        for i, entry in enumerate(entries, start=1):
            start = time.perf_counter()
            module = importlib.import_module(entry.module)
            files = []
            for path in module.make(tmp):
                move_into(path, out / path.name)
                files.append(path.name)
            items.append((entry, module.CAPTION, files))
            if progress:
                print(
                    f"[{i}/{len(entries)}] {entry.name}: {', '.join(files)} "
                    f"({time.perf_counter() - start:.1f} s)",
                    flush=True,
                )
    _write_text(out / "index.md", _index_md(items))
    index = out / "index.html"
    _write_text(index, _index_html(items))
    return index
