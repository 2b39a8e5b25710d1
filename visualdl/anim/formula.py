"""Formulas as Manim mobjects without LaTeX: mathtext SVGs, cached in a temporary folder.

Example
-------
>>> from visualdl.anim.formula import formula, at_layer
>>> at_layer(r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}", 2)
'Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}'
>>> bool(formula(r"a = \\sigma(z)").height > 0)
True
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from manim import SVGMobject

from visualdl.viz.mathtext import formula_svg
from visualdl.viz.style import COLORS

__all__ = ["CACHE_DIR", "at_layer", "dfrac", "formula", "formula_path", "tidy"]

CACHE_DIR = Path(tempfile.gettempdir()) / "visualdl-mathtext"

# mathtext at fontsize 20 has glyph units of points; this maps it so that
# formula(..., font_size=s) has about the digit height of Text(..., font_size=s).
_SVG_FONTSIZE = 20
_SCALE_PER_FONT_SIZE = 0.00078


def formula_path(tex: str) -> Path:
    """The cached white-on-transparent SVG of ``$tex$`` (written on first use)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"{_SVG_FONTSIZE}|{tex}".encode()).hexdigest()[:20]
    path = CACHE_DIR / f"{key}.svg"
    if not path.exists():
        formula_svg(tex, path, fontsize=_SVG_FONTSIZE, color="white")
    return path


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
    return mob


def at_layer(tex: str, l: int, L: int | None = None) -> str:
    """Put layer numbers into the notes' generic ``[l]``, ``[l-1]`` (and ``[L]``) superscripts."""
    out = tex.replace("[l-1]", f"[{l - 1}]").replace("[l]", f"[{l}]")
    return out.replace("[L]", f"[{L if L is not None else l}]")


def dfrac(num: str, den: str) -> str:
    r"""LaTeX notation ``\frac{\partial num}{\partial den}``."""
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"
