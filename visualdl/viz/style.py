"""One style for matplotlib figures and Manim scenes: the same colour for the same quantity.

Colours are hex strings, usable by both libraries.

Example
-------
>>> from visualdl.viz.style import COLORS
>>> COLORS["gradient"]
'#E4572E'
"""

from __future__ import annotations

__all__ = [
    "BACKGROUND",
    "COLORS",
    "FONT",
    "MONO_FONT",
    "OPTIMIZER_COLORS",
    "color_for",
    "mpl_rc",
]

COLORS: dict[str, str] = {
    "input": "#8E9AAF",  # X, A[0]
    "weight": "#4C72B0",  # W, b
    "preactivation": "#8172B3",  # Z
    "activation": "#29A36A",  # A
    "gradient": "#E4572E",  # dZ, dW, db, dA
    "loss": "#F2B134",  # J, L
    "update": "#17BEBB",  # parameter after an update
    "class0": "#3B75AF",
    "class1": "#E1812C",
    "text": "#222222",  # text on the figures' white background
    "on_dark": "#FFFFFF",  # text and marks on the scenes' dark background
    "muted": "#9A9A9A",
    "diverged": "#D64FA0",  # a run that blew up, apart from every optimizer's own colour
}

#: One colour per optimizer, shared by the gallery figures and the Manim scenes.
#: ``adam_notes`` (the notes' mistaken bias correction) is a dark slate, far from ``adam``.
OPTIMIZER_COLORS: dict[str, str] = {
    "gd": "#7F7F7F",
    "momentum": "#4C72B0",
    "nesterov": "#17BEBB",
    "adagrad": "#8172B3",
    "rmsprop": "#29A36A",
    "adam": "#E4572E",
    "adamw": "#F2B134",
    "adam_notes": "#2F4858",
}

BACKGROUND = {"figure": "#FFFFFF", "scene": "#111318"}
FONT = "DejaVu Sans"
MONO_FONT = "DejaVu Sans Mono"

_BY_NAME = {
    "X": "input",
    "A_prev": "input",
    "W": "weight",
    "b": "weight",
    "Z": "preactivation",
    "A": "activation",
    "J": "loss",
    "L": "loss",
}


def color_for(name: str) -> str:
    """The colour of a named quantity: ``dW``, ``dZ`` -> gradient, ``W`` -> weight, ``A`` -> ..."""
    if name.startswith("d") and len(name) > 1:
        return COLORS["gradient"]
    return COLORS[_BY_NAME.get(name.rstrip("0123456789"), "text")]


def mpl_rc() -> dict:
    """matplotlib rcParams for every gallery figure (use with ``matplotlib.rc_context``)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT],
        "mathtext.fontset": "dejavusans",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "axes.titleweight": "bold",
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
    }
