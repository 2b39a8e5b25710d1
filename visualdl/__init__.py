"""visualdl: see and check how deep learning works.

The engine (``visualdl.engine``) runs every op as an explicit forward and backward pass in the
notes' notation; ``visualdl.trace`` records what the pictures show; ``visualdl.symbolic``
derives each gradient with SymPy. Importing visualdl is light: SymPy, matplotlib, Manim and
CuPy load only when a module that needs them is used.

In a notebook, ``visualdl.show(x)`` displays a figure, a trace or a scene inline
(:mod:`visualdl.notebook`).
"""

__version__ = "0.1.0"
__all__ = ["__version__", "show"]


def show(x, quality="low"):
    """Display ``x`` inline in a notebook: a matplotlib Figure, a Trace, or the name of a
    figure or scene (``visualdl list``); see :func:`visualdl.notebook.show`."""
    from visualdl.notebook import show as show_inline

    return show_inline(x, quality)
