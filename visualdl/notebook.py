"""Show a figure, a trace or a scene inline in a notebook (Jupyter, VS Code, Colab).

:func:`show` displays through IPython's display protocol: the object it hands to
``IPython.display.display`` has ``_repr_mimebundle_``, the mime dict :func:`bundle` returns.

- a matplotlib ``Figure``: ``image/png`` (a pyplot figure is closed, so it does not show twice);
- a :class:`visualdl.trace.Trace`: an HTML table of its records (op, arrays with their shapes,
  a few info values), with a ``text/plain`` fallback;
- the registry name of a figure (``visualdl list``): its gallery ``make()``, the PNGs it writes;
- the registry name of a scene: the mp4 as a base64 ``<video controls>`` with its poster frame
  as the fallback. It is rendered once per user with :func:`visualdl.videos.render_scenes`
  (low quality unless asked) into ``$XDG_CACHE_HOME/visualdl/videos/QUALITY`` (``~/.cache``
  when the variable is unset; folders of mode 0700), and made again only when its inputs
  change (the scene, the quality, the versions and the package's source:
  :func:`visualdl.videos.up_to_date`).

Anything else is a ``ValueError`` saying what is expected.

Example
-------
>>> from visualdl.trace import Trace
>>> tr = Trace({"demo": "doc"})
>>> _ = tr.add("dense1.forward", {"activation": "tanh"}, Z=[[0.0, 1.0]])
>>> data = bundle(tr)
>>> sorted(data)
['text/html', 'text/plain']
>>> "dense1.forward" in data["text/html"], "Z (1, 2)" in data["text/plain"]
(True, True)
"""

from __future__ import annotations

import base64
import html
import importlib
import io
import reprlib
import sys
import tempfile
from pathlib import Path
from typing import Any

from visualdl import registry
from visualdl.files import private_dir, user_cache

__all__ = ["MAX_RECORDS", "bundle", "cache_dir", "show"]

MAX_RECORDS = 40
"""A trace's table lists at most this many records (then how many more, and their names)."""
_INFO_KEYS = 4  # info values shown per record
_EXPECTED = (
    "show: expected a matplotlib Figure, a visualdl Trace (visualdl.trace.record), or the "
    "name of a scene or figure (visualdl list)"
)

Bundle = dict[str, str]


class _Shown:
    """What :func:`show` hands to ``IPython.display.display``: a mime bundle."""

    def __init__(self, data: Bundle) -> None:
        self.data = data

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Bundle:
        return self.data

    def __repr__(self) -> str:
        return self.data.get("text/plain", "")


def show(x: Any, quality: str = "low") -> None:
    """Display ``x`` inline (see the module); returns None.

    Parameters
    ----------
    x : a matplotlib Figure, a Trace, or the registry name of a figure or scene.
    quality : a scene's render quality (``low``, ``medium``, ``high``), when ``x`` names one.
    """
    data = bundle(x, quality)
    try:
        from IPython.display import display
    except ImportError:
        raise ImportError(
            "show needs IPython (pip install 'visualdl[notebook]'); "
            "bundle(x) gives the mime dict without it"
        ) from None
    display(_Shown(data))


def bundle(x: Any, quality: str = "low") -> Bundle:
    """The mime dict :func:`show` displays for ``x`` (``{mime type: data}``, images base64)."""
    figure = sys.modules.get("matplotlib.figure")
    if figure is not None and isinstance(x, figure.Figure):
        return _figure(x)
    trace = sys.modules.get("visualdl.trace")
    if trace is not None and isinstance(x, trace.Trace):
        return _trace(x)
    if isinstance(x, str):
        entry = registry.ENTRIES.get(x) or registry.ENTRIES.get(x.replace("_", "-"))
        if entry is None:
            known = ", ".join(sorted(registry.ENTRIES))
            raise ValueError(f"{_EXPECTED}; {x!r} is no such name; known: {known}")
        return _scene(entry, quality) if entry.kind == "scene" else _gallery(entry)
    raise ValueError(f"{_EXPECTED}, got {type(x).__name__} {reprlib.repr(x)}")


# -- figures ----------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _figure(fig: Any) -> Bundle:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and fig.canvas.manager is not None:  # pyplot's: not shown again
        pyplot.close(fig)
    w, h = fig.get_size_inches()
    return {"image/png": _b64(buf.getvalue()), "text/plain": f"<Figure {w:g} x {h:g} in>"}


def _gallery(entry: registry.Entry) -> Bundle:
    module = importlib.import_module(entry.module)
    with tempfile.TemporaryDirectory(prefix="visualdl-show-") as out:
        pngs = [p.read_bytes() for p in module.make(Path(out)) if p.suffix == ".png"]
    if not pngs:
        raise ValueError(f"show: figure {entry.name!r} made no PNG")
    images = "".join(
        f'<img src="data:image/png;base64,{_b64(p)}" alt="{html.escape(entry.name)}" '
        'style="max-width:100%">'
        for p in pngs
    )
    caption = getattr(module, "CAPTION", "")
    return {
        "text/html": f"<figure>{images}<figcaption>{html.escape(caption)}</figcaption></figure>",
        "image/png": _b64(pngs[0]),
        "text/plain": f"{entry.name}: {entry.title}",
    }


# -- traces -----------------------------------------------------------------------------------
def _shape(v: Any) -> str:
    return f"({', '.join(map(str, v.shape))}{',' if v.ndim == 1 else ''})"


def _values(d: dict, limit: int | None = None) -> str:
    items = list(d.items())
    shown = ", ".join(f"{k}={reprlib.repr(v)}" for k, v in items[:limit])
    return shown + (", ..." if limit is not None and len(items) > limit else "")


def _rows(tr: Any) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            str(k),
            r.name,
            ", ".join(f"{n} {_shape(v)}" for n, v in r.arrays.items()),
            _values(r.info, _INFO_KEYS),
            _values(r.context),
        )
        for k, r in enumerate(tr.records[:MAX_RECORDS])
    ]


def _trace(tr: Any) -> Bundle:
    head = f"Trace: {len(tr.records)} records" + (f"; {_values(tr.meta)}" if tr.meta else "")
    rows = _rows(tr)
    rest = tr.records[MAX_RECORDS:]
    tail = ""
    if rest:
        names = ", ".join(dict.fromkeys(r.name for r in rest))
        tail = f"... {len(rest)} more records: {names}"
    cols = ("#", "record", "arrays", "info", "labels")
    cell = "<td style='text-align:left;font-family:monospace'>{}</td>".format
    table = "".join("<tr>" + "".join(cell(html.escape(c)) for c in row) + "</tr>" for row in rows)
    page = (
        f"<div><p>{html.escape(head)}</p><table><thead><tr>"
        + "".join(f"<th style='text-align:left'>{c}</th>" for c in cols)
        + f"</tr></thead><tbody>{table}</tbody></table>"
        + (f"<p>{html.escape(tail)}</p>" if tail else "")
        + "</div>"
    )
    lines = [head, *("  ".join(c for c in row[:4] if c) for row in rows)]
    text = "\n".join([*lines, tail] if tail else lines)
    return {"text/html": page, "text/plain": text}


# -- scenes -----------------------------------------------------------------------------------
def cache_dir() -> Path:
    """This user's private video cache, ``$XDG_CACHE_HOME/visualdl/videos`` (default
    ``~/.cache``), made with mode 0700; ``PermissionError`` when the folder there cannot be
    trusted (:func:`visualdl.files.user_cache`)."""
    return user_cache("videos")


def _scene(entry: registry.Entry, quality: str) -> Bundle:
    from visualdl import videos
    from visualdl.render import QUALITIES

    if quality not in QUALITIES:
        raise ValueError(f"show: quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    out = private_dir(cache_dir() / quality)  # one per quality: the files are named by scene
    videos.render_scenes([entry.name], quality, out, jobs=1)  # skipped when up to date
    mp4, poster, *_ = (out / f for f in videos.video_files(entry.name))
    still = _b64(poster.read_bytes())
    page = (
        f'<video controls style="max-width:100%" poster="data:image/png;base64,{still}">'
        f'<source type="video/mp4" src="data:video/mp4;base64,{_b64(mp4.read_bytes())}">'
        f'<img src="data:image/png;base64,{still}" alt="{html.escape(entry.name)}">'
        "</video>"
    )
    return {
        "text/html": page,
        "image/png": still,
        "text/plain": f"{entry.name}: {entry.title} ({mp4})",
    }
