"""SymPy derivations of every gradient the engine uses, and their cross-checks.

Each module builds the forward expression of an op on small symbolic shapes, differentiates
it with ``sympy.diff`` and compares the result, evaluated in float64, with the engine's
hand-written backward. LaTeX for the formulas shown in figures and scenes comes from here.
"""
