"""LaTeX for the formulas the figures and scenes show, in the notes' notation.

Every string renders with matplotlib mathtext (no ``matrix``/``cases``, ``^T`` for the
transpose), so figures and scenes can draw them without a LaTeX install. The dense backward
formulas are the ones :mod:`visualdl.symbolic.dense` derives with ``sympy.diff`` from the
elementwise sums and checks against the engine (see ``tests/test_symbolic.py``); the
convolution and optimizer strings are met with their derivations in
``tests/test_formulas.py``.

Example
-------
>>> from visualdl.symbolic.formulas import DENSE
>>> DENSE["Z"]
'Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}'
"""

from __future__ import annotations

__all__ = ["ACTIVATIONS", "CONV", "DENSE", "DROPOUT", "OPTIMIZERS"]

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

#: ``g`` as the formulas write it, by activation name (put in for ``g^{[l]}``)
ACTIVATIONS: dict[str, str] = {"tanh": r"\tanh", "sigmoid": r"\sigma", "relu": r"\mathrm{ReLU}"}

CONV: dict[str, str] = {
    # windows along one axis: visualdl.symbolic.conv.output_size_formula derives it
    "output_size": r"n_{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1",
    # transposed convolution: the output size of visualdl.symbolic.conv's scatter-add ...
    "transpose_size": r"n_{out} = s\,(n - 1) + f - 2p",
    # ... and one of its stamps (stride 1), the sum transpose_derivation differentiates
    "scatter": r"Y_{h+i,\ w+j} \ \leftarrow\ Y_{h+i,\ w+j} + X_{hw}\, W_{ij}",
    # one pooling window, as visualdl.symbolic.conv.pool_derivation writes A (2x2 for avg)
    "max_pool": r"a = \max_{i,j}\ x_{ij}",
    "avg_pool_2x2": r"a = \frac{1}{4} \sum_{i,j} x_{ij}",
    # one output number of a multi-channel convolution, the sum conv2d_loop narrates (every
    # window's products over i, j and the input channels k), and the layer's parameter count
    "volume": r"Z_{h,w,c} = \sum_{i,j,k} X_{h+i,\,w+j,\,k} \, W_{i,j,k,c} + b_c",
    "params": r"f \cdot f \cdot n_C^{[l-1]} \cdot n_C + n_C",
}

OPTIMIZERS: dict[str, str] = {
    # visualdl.symbolic.optimizers.rule's gd and momentum (EMA form), for theta = (x, y)
    "gd": r"\theta = \theta - \alpha\, g",
    "ewa": r"v = \beta\, v + (1 - \beta)\, g",
    "momentum": r"\theta = \theta - \alpha\, v",
}

DROPOUT: dict[str, str] = {
    # inverted dropout as visualdl.engine.regularization.dropout_forward computes it, met with
    # the engine by visualdl.symbolic.regularization.check_dropout; the expectation is
    # dropout_expectation(), which SymPy simplifies to A
    "mask": r"D^{[l]} = (U^{[l]} < keep\_prob)",
    "forward": r"A^{[l]} :\!= A^{[l]} \odot D^{[l]} / keep\_prob",
    "expectation": r"\mathrm{E}[A^{[l]} \odot D^{[l]} / keep\_prob] = A^{[l]}",
}
