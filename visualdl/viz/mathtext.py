"""LaTeX -> SVG through matplotlib's mathtext, so formulas render with no LaTeX install.

Manim loads the SVG with ``SVGMobject``. mathtext cannot draw ``matrix`` or ``cases``.

Example
-------
>>> import tempfile, pathlib
>>> p = formula_svg(r"\\frac{\\partial L}{\\partial w}", pathlib.Path(tempfile.mkdtemp()) / "f.svg")
>>> p.read_text().startswith("<?xml")
True
"""

from __future__ import annotations

import os
from pathlib import Path

from visualdl.files import atomic_write

__all__ = ["formula_svg"]


def formula_svg(
    tex: str, path: str | os.PathLike, fontsize: float = 20, color: str = "white"
) -> Path:
    """Write ``$tex$`` as an SVG of filled glyph paths on a transparent background."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    path = Path(path)
    rc = {
        "svg.fonttype": "path",
        "mathtext.fontset": "cm",
        "savefig.transparent": True,
        "text.color": color,
    }
    with atomic_write(path) as tmp, matplotlib.rc_context(rc):
        mathtext.math_to_image(f"${tex}$", tmp, prop=FontProperties(size=fontsize), format="svg")
    return path
