"""The chain-rule demo: logistic regression on one example, by the engine and by SymPy.

The engine computes one forward and backward pass of ``Dense(2, 1, "sigmoid")`` with the
binary cross-entropy (``Sequential([...], loss="bce")``, fused backward ``dZ = A - Y``), and
the local derivatives on the graph's edges with its own ops (``bce_backward`` for dL/da,
the sigmoid's derivative for da/dz; dz/dw_i = x_i, dz/db = 1). Their product is the chain
rule. :func:`visualdl.symbolic.chain_rule.evaluate` then evaluates the SymPy derivation at the
same point, so a scene can show the SymPy result equal to the engine's number.

Shapes: ``X: (2, 1)``, ``W: (1, 2)``, ``b, Z, A, Y: (1, 1)``.

Records: ``dense1.forward``, ``cost`` (info ``J``), ``dense1.backward``; ``local`` with the
engine's local derivatives ``dL_da, da_dz, dz_dw (2,), dz_db`` and the chain-rule products
``dL_dz, dL_dw (2,), dL_db``; ``symbolic`` with info ``values`` (SymPy floats, same keys as
:func:`~visualdl.symbolic.chain_rule.evaluate`) and ``latex`` (the derivation's LaTeX,
``L_a`` being the loss written in ``a`` and ``y``) and ``max_abs_diff``, the largest
``|SymPy - engine|`` over ``dL/dw1, dL/dw2, dL/db``).

Example
-------
>>> from visualdl.demos.chain_rule import chain_rule_trace
>>> tr = chain_rule_trace()
>>> sym = tr.last("symbolic").info["values"]
>>> abs(sym["dL_dw"][0] - float(tr.last("dense1.backward")["dW"][0, 0])) < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import activations, losses
from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential
from visualdl.trace import Trace, record

__all__ = ["chain_rule_trace"]


def chain_rule_trace(
    x: Sequence[float] = (1.5, -0.5),
    w: Sequence[float] = (0.8, 0.4),
    b: float = -0.2,
    y: float = 1.0,
) -> Trace:
    """One logistic-regression example through the engine and through SymPy.

    Parameters
    ----------
    x : the two features ``x1, x2`` (one example, a column ``X: (2, 1)``).
    w : the weights ``w1, w2`` (``W: (1, 2)``).
    b : the bias.
    y : the label, 0 or 1.

    Returns
    -------
    Trace with the records listed in the module docstring; meta ``demo, x, w, b, y``.
    """
    from visualdl.symbolic.chain_rule import evaluate, latex

    X = np.asarray(x, dtype=np.float64).reshape(2, 1)
    Y = np.array([[float(y)]])
    layer = Dense(2, 1, "sigmoid", rng=0, l=1)
    model = Sequential([layer], loss="bce")
    model.set_params(
        {"W1": np.asarray(w, dtype=np.float64).reshape(1, 2), "b1": np.array([[float(b)]])}
    )
    meta = {
        "demo": "chain-rule",
        "x": list(map(float, x)),
        "w": list(map(float, w)),
        "b": float(b),
        "y": float(y),
    }
    with record(**meta) as tr:
        A = model.forward(X)
        model.cost(A, Y)
        model.backward(A, Y)
        Z = tr.last("dense1.forward")["Z"]
        dL_da = losses.get("bce").backward(A, Y)  # per-example dL/da
        da_dz = activations.get("sigmoid").derivative(Z)
        dz_dw = X[:, 0]  # dz/dw_i = x_i
        dz_db = np.ones(1)
        dL_dz = dL_da * da_dz
        tr.add(
            "local",
            None,
            dL_da=dL_da[0],
            da_dz=da_dz[0],
            dz_dw=dz_dw,
            dz_db=dz_db,
            dL_dz=dL_dz[0],
            dL_dw=dL_dz[0, 0] * dz_dw,
            dL_db=dL_dz[0] * dz_db,
        )
        values = evaluate(x, w, b, y)
        tex = latex()
        engine = [*tr.last("dense1.backward")["dW"][0], tr.last("dense1.backward")["db"][0, 0]]
        diff = max(
            abs(s - float(e))
            for s, e in zip([*values["dL_dw"], values["dL_db"]], engine, strict=True)
        )
        tr.add("symbolic", {"values": values, "latex": tex, "max_abs_diff": diff})
    return tr
