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
    "PAGE_WIDTH",
    "SIGNED",
    "color_for",
    "diverging_cmap",
    "mix",
    "mpl_rc",
    "value_color",
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

#: The width, in CSS pixels, at which the gallery page shows a figure (a wider PNG is scaled
#: down to it): text must stay legible, about 9 px or more, at this width.
PAGE_WIDTH = 1000

#: The one diverging value -> colour rule: negative values blue, positive red, zero the
#: background of the medium (white on a figure, the dark scene colour in a video), and the
#: strength of the hue grows with ``|v| / scale``.
SIGNED = {"negative": "#2166AC", "positive": "#D6604D"}
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


def mix(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from hex ``a`` to hex ``b`` (``t`` clipped to [0, 1]).

    >>> mix("#000000", "#FFFFFF", 0.5)
    '#808080'
    """
    t = min(max(float(t), 0.0), 1.0)
    pa, pb = (tuple(int(c[k : k + 2], 16) for k in (1, 3, 5)) for c in (a, b))
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(pa, pb, strict=True))


def value_color(v: float, scale: float, background: str = BACKGROUND["scene"]) -> str:
    """The colour of a value under the diverging rule :data:`SIGNED`: ``background`` at 0,
    the full hue of its sign at ``|v| >= scale`` (``scale <= 0`` gives the background).

    >>> value_color(0.0, 1.0), value_color(-2.0, 1.0), value_color(1.0, 1.0)
    ('#111318', '#2166AC', '#D6604D')
    """
    if not scale > 0:
        return background
    hue = SIGNED["negative" if v < 0 else "positive"]
    return mix(background, hue, abs(float(v)) / scale)


def diverging_cmap(background: str = BACKGROUND["figure"]):
    """The same rule as a matplotlib colormap over ``[-scale, scale]`` (use with
    ``vmin=-scale, vmax=scale``): blue, ``background`` at 0, red.

    >>> diverging_cmap().name
    'visualdl_signed'
    """
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "visualdl_signed", [SIGNED["negative"], background, SIGNED["positive"]]
    )


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
