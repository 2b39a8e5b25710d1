"""LaTeX for the dense-layer (multilayer perceptron) formulas, in the notes' notation.

Every string renders with matplotlib mathtext (no ``matrix``/``cases``, ``^T`` for the
transpose), so figures and scenes can draw them without a LaTeX install. The backward
formulas are the ones :mod:`visualdl.symbolic.dense` derives with ``sympy.diff`` from the
elementwise sums and checks against the engine (see ``tests/test_symbolic.py``).

Example
-------
>>> from visualdl.symbolic.formulas import DENSE
>>> DENSE["Z"]
'Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}'
"""

from __future__ import annotations

__all__ = ["DENSE"]

DENSE: dict[str, str] = {
    # forward
    "Z": r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}",
    "A": r"A^{[l]} = g^{[l]}(Z^{[l]})",
    "cost": (
        r"J = -\frac{1}{m} \sum_{i=1}^{m} \left( y^{(i)} \log a^{[L](i)}"
        r" + (1 - y^{(i)}) \log(1 - a^{[L](i)}) \right)"
    ),
    # backward. Output layer: sigmoid + BCE and softmax + CE simplify to a - y, derived in
    # visualdl.symbolic.losses (bce_fused_simplifies, cross_entropy_fused_simplifies)
    "dZ_out": r"dZ^{[L]} = A^{[L]} - Y",
    # chain rule elementwise, g' by sympy.diff in visualdl.symbolic.activations.derivative
    "dZ": r"dZ^{[l]} = dA^{[l]} \odot g^{[l]\prime}(Z^{[l]})",
    # the next three are derived by visualdl.symbolic.dense from the elementwise sums
    # (dense.matrix_forms_hold checks they simplify to exactly these matrix forms)
    "dW": r"dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}",
    "db": r"db^{[l]} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[l](i)}",
    "dA_prev": r"dA^{[l-1]} = W^{[l]T} dZ^{[l]}",
    # gradient-descent update
    "update_W": r"W^{[l]} :\!= W^{[l]} - \alpha \, dW^{[l]}",
    "update_b": r"b^{[l]} :\!= b^{[l]} - \alpha \, db^{[l]}",
}
