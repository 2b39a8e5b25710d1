"""Reusable Manim building blocks that turn trace records into mobjects and animations.

- :mod:`~visualdl.anim.formula`: LaTeX -> mathtext SVG -> ``SVGMobject`` (no LaTeX install);
- :mod:`~visualdl.anim.numbers`: number formatting and matrices built from ``Text``;
- :mod:`~visualdl.anim.network`: a neuron-layer diagram;
- :mod:`~visualdl.anim.graph`: nodes and edges of a computational graph;
- :mod:`~visualdl.anim.steps`: one "formula above the numbers it produces" step.

Blocks only read arrays (NumPy only to arrange and format them); they import no engine and do
no model math. Manim is imported by the submodules, not here.
"""
