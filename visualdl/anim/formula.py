"""Formulas as Manim mobjects without LaTeX: mathtext SVGs, cached per user.

The SVGs are cached in a private folder of this user (:func:`cache_dir`:
``$XDG_CACHE_HOME/visualdl/mathtext`` or ``~/.cache/visualdl/mathtext``, mode 0700, owner
checked), written atomically and read without following symlinks, so another user cannot
plant a formula. Manim's ``SVGMobject`` writes a modified copy beside the file it loads
(``<stem>_.svg``, then deletes it), so it is handed a copy in a folder of this process's own
(:func:`formula_path`): concurrent renders never meet there.

Example
-------
>>> from visualdl.anim.formula import formula, at_layer
>>> at_layer(r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}", 2)
'Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}'
>>> bool(formula(r"a = \\sigma(z)").height > 0)
True
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from pathlib import Path

from manim import SVGMobject

from visualdl.files import atomic_write, process_dir, read_own_file, user_cache
from visualdl.viz.mathtext import formula_svg
from visualdl.viz.style import COLORS

__all__ = ["at_layer", "cache_dir", "dfrac", "formula", "formula_path", "svg_name", "tidy"]

# mathtext at fontsize 20 has glyph units of points; this maps it so that
# formula(..., font_size=s) has about the digit height of Text(..., font_size=s).
_SVG_FONTSIZE = 20
_SCALE_PER_FONT_SIZE = 0.00078


def cache_dir() -> Path | None:
    """This user's private formula cache, ``$XDG_CACHE_HOME/visualdl/mathtext`` (default
    ``~/.cache``), made with mode 0700; ``None`` when it cannot be made or trusted (a symlink,
    someone else's, writable by others), and formulas are then made afresh by each process."""
    try:
        return user_cache("mathtext")
    except (OSError, RuntimeError):  # RuntimeError: no home folder
        return None


@functools.cache
def _process_dir(pid: int) -> Path:
    """A private folder of process ``pid`` (one per process, after a fork too)."""
    return process_dir("visualdl-formulas-")


def svg_name(tex: str) -> str:
    """The file name of ``$tex$``'s SVG, in the cache and in this process's folder."""
    return hashlib.sha1(f"{_SVG_FONTSIZE}|{tex}".encode()).hexdigest()[:20] + ".svg"


def formula_path(tex: str) -> Path:
    """A white-on-transparent SVG of ``$tex$`` in this process's own folder (Manim writes
    beside it), copied from the user's cache (:func:`cache_dir`) or made and cached there."""
    name = svg_name(tex)
    path = _process_dir(os.getpid()) / name
    if path.exists():
        return path
    cache = cache_dir()
    cached = read_own_file(cache / name) if cache else None
    if cached and cached.startswith(b"<?xml"):
        path.write_bytes(cached)
        return path
    formula_svg(tex, path, fontsize=_SVG_FONTSIZE, color="white")
    if cache:
        _store(path, cache / name)
    return path


def _store(path: Path, cached: Path) -> None:
    """Copy ``path`` into the cache atomically (replacing, never following, what is there);
    a cache that cannot be written is skipped."""
    try:
        with atomic_write(cached) as tmp:
            shutil.copyfile(path, tmp)
    except OSError:
        pass


def tidy(tex: str) -> str:
    r"""SymPy LaTeX made to look right in mathtext: ``\left(``/``\right)`` become plain
    parentheses (mathtext draws them too small around short terms)."""
    return tex.replace(r"\left(", "(").replace(r"\right)", ")")


def formula(tex: str, color: str = COLORS["on_dark"], font_size: float = 28) -> SVGMobject:
    """``$tex$`` (after :func:`tidy`) as a filled ``SVGMobject`` in ``color``, sized like
    ``Text`` at ``font_size``."""
    mob = SVGMobject(str(formula_path(tidy(tex))), height=None, stroke_width=0)
    for parent in mob.get_family():  # drop the figure's invisible background rectangle
        parent.submobjects = [
            s
            for s in parent.submobjects
            if s.submobjects or not s.has_points() or s.get_fill_opacity() > 0
        ]
    mob.scale(font_size * _SCALE_PER_FONT_SIZE)
    mob.set_fill(color, opacity=1.0)
    mob.tex = tidy(tex)  # what a beat records of it (visualdl.anim.beats)
    return mob


def at_layer(tex: str, l: int, L: int | None = None) -> str:
    """Put layer numbers into the notes' generic ``[l]``, ``[l-1]`` (and ``[L]``) superscripts."""
    out = tex.replace("[l-1]", f"[{l - 1}]").replace("[l]", f"[{l}]")
    return out.replace("[L]", f"[{L if L is not None else l}]")


def dfrac(num: str, den: str) -> str:
    r"""LaTeX notation ``\frac{\partial num}{\partial den}``."""
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"
