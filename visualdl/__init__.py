"""visualdl: see and check how deep learning works.

The engine (``visualdl.engine``) runs every op as an explicit forward and backward pass in the
notes' notation; ``visualdl.trace`` records what the pictures show; ``visualdl.symbolic``
derives each gradient with SymPy. Importing visualdl is light: SymPy, matplotlib, Manim and
CuPy load only when a module that needs them is used.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
