"""The chain-rule demo: logistic regression on one example, by the engine and by SymPy.

The engine computes one forward pass of ``Dense(2, 1, "sigmoid")`` with the binary
cross-entropy (``Sequential([...], loss="bce")``), the local derivatives on the graph's edges
with its own ops (``bce_backward`` for dL/da, the sigmoid's derivative for da/dz; dz/dw_i =
x_i, dz/db = 1), and two backward passes: the chain rule, from ``dA = dL/da`` through the
layer (``dZ = dA g'(Z)``, ``dW = dZ x^T``), and the fused shortcut ``dZ = A - Y`` the model
takes. :func:`visualdl.symbolic.chain_rule.evaluate` then evaluates the SymPy derivation at
the same point, so a scene can show all three equal.

Shapes: ``X: (2, 1)``, ``W: (1, 2)``, ``b, Z, A, Y: (1, 1)``.

Records: ``dense1.forward``, ``cost`` (info ``J``); ``chain_rule.local`` (:data:`LOCAL`, the
engine's local derivatives); ``dense1.backward`` in the section ``case="chain"`` (with ``dA``)
and in ``case="fused"``; ``chain_rule.symbolic`` (:data:`SYMBOLIC`: info ``values``, SymPy
floats with the keys of :func:`~visualdl.symbolic.chain_rule.evaluate`, ``latex``, the
derivation's LaTeX, ``L_a`` being the loss written in ``a`` and ``y``, and ``max_abs_diff``,
the largest ``|SymPy - engine|`` over ``dL/dw1, dL/dw2, dL/db``).

Example
-------
>>> from visualdl.demos.chain_rule import chain_rule_trace
>>> tr = chain_rule_trace()
>>> sym = tr.last("chain_rule.symbolic").info["values"]
>>> abs(sym["dL_dw"][0] - float(tr.last("dense1.backward", case="chain")["dW"][0, 0])) < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import activations, losses
from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["LOCAL", "SYMBOLIC", "chain_rule_trace"]

LOCAL = declare(
    "chain_rule.local",
    arrays={
        "dL_da": "(1,) bce_backward(a, y)",
        "da_dz": "(1,) sigmoid'(z)",
        "dz_dw": "(2,) dz/dw_i = x_i",
        "dz_db": "(1,) dz/db = 1",
    },
)
SYMBOLIC = declare(
    "chain_rule.symbolic",
    info={
        "values": "SymPy's values at the example",
        "latex": "the derivation's formulas",
        "max_abs_diff": "largest |SymPy - engine| over dL/dw1, dL/dw2, dL/db",
    },
)


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
        Z = tr.last("dense1.forward")["Z"]
        dL_da = losses.get("bce").backward(A, Y)  # per-example dL/da
        da_dz = activations.get("sigmoid").derivative(Z)
        LOCAL.log(dL_da=dL_da[0], da_dz=da_dz[0], dz_dw=X[:, 0], dz_db=np.ones(1))
        with record(case="chain"):
            layer.backward(dL_da)  # dZ = dA g'(Z), dW = dZ x^T: the chain rule
        with record(case="fused"):
            model.backward(A, Y)  # dZ = A - Y
        values = evaluate(x, w, b, y)
        bwd = tr.last("dense1.backward", case="chain")
        engine = [*bwd["dW"][0], bwd["db"][0, 0]]
        diff = max(
            abs(s - float(e))
            for s, e in zip([*values["dL_dw"], values["dL_db"]], engine, strict=True)
        )
        SYMBOLIC.log(values=values, latex=latex(), max_abs_diff=diff)
    return tr
