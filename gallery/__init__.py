"""Gallery figures, one script per figure; installed as ``visualdl.gallery``.

Each module named by :func:`visualdl.registry.figures` has ``CAPTION`` and
``make(out) -> list[Path]`` and runs on its own (``python -m visualdl.gallery.<name>
--out DIR``). :func:`build` makes them all and writes an index page.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery import build
>>> build(pathlib.Path(tempfile.mkdtemp()), ["activations"], progress=False).name
'index.html'
"""

from __future__ import annotations

import html
import importlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from visualdl import registry
from visualdl.files import atomic_write

__all__ = ["build"]


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

    Each figure is made in a temporary folder inside ``out`` and its files are moved into
    place with ``os.replace``, so ``out`` never holds a half-written file. Unknown names raise
    ``ValueError`` listing the known ones. With ``progress`` one line per figure is printed.
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
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for i, entry in enumerate(entries, start=1):
        start = time.perf_counter()
        module = importlib.import_module(entry.module)
        tmp = Path(tempfile.mkdtemp(dir=out, prefix=".tmp-"))
        try:
            files = []
            for path in module.make(tmp):
                os.replace(path, out / path.name)
                files.append(path.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
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
