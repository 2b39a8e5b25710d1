"""A deep linear network is one linear layer; the same network with tanh or ReLU is not.

Three 2-8-8-8-1 networks (four dense layers, sigmoid output, BCE) with the same start (Xavier
weights drawn with ``seed``) are trained by the engine on the two-moons data, with the same
full-batch gradient descent, and differ only in the hidden activation ``g``: ``identity``
(no activation), ``tanh`` and ``relu``. The linear one is then collapsed by
:func:`~visualdl.engine.collapse.collapse` into the single layer ``a = sigmoid(W x + b)``,
``W = W[4] W[3] W[2] W[1]``, whose output equals the deep net's at every grid point.

Records: ``linear_collapse.data`` (:data:`DATA`), ``linear_collapse.net`` (:data:`NET`, one
per activation, in the order of ``hidden``: the output ``P[i, j]`` at ``x1 = xs[j],
x2 = ys[i]``), ``linear_collapse.layer`` (:data:`LAYER`, ``W[l]`` and ``b[l]`` of the trained
linear net) and ``linear_collapse.product`` (:data:`PRODUCT`, the collapsed layer and its
output on the same grid).

Example
-------
>>> from visualdl.demos.linear_collapse import linear_collapse
>>> tr = linear_collapse(num_iterations=20, grid=11)
>>> tr.last("linear_collapse.product").info["max_gap"] < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import Sequential, data, mlp
from visualdl.engine.collapse import collapse
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["DATA", "LAYER", "NET", "PRODUCT", "linear_collapse"]

DATA = declare("linear_collapse.data", arrays={"X": "(2, m)", "Y": "(1, m)"})
NET = declare(
    "linear_collapse.net",
    arrays={
        "xs": "(n,) x1 grid",
        "ys": "(n,) x2 grid",
        "P": "(n, n) the network's output a at (xs[j], ys[i])",
        "cost": "(N,) the cost before every update",
    },
    info={
        "hidden": "the hidden activation g",
        "layer_dims": "layer sizes",
        "init": "weight initialization",
        "seed": "seed of the weights",
        "learning_rate": "rate",
        "num_iterations": "updates",
        "accuracy": "final accuracy on the data",
        "final_cost": "cost after the last update",
    },
)
LAYER = declare(
    "linear_collapse.layer",
    arrays={"W": "(n[l], n[l-1])", "b": "(n[l], 1)"},
    info={"l": "layer number"},
)
PRODUCT = declare(
    "linear_collapse.product",
    arrays={
        "W": "(1, 2) W[L] ... W[1]",
        "b": "(1, 1) the collapsed bias",
        "P": "(n, n) sigmoid(W x + b) on the grid",
    },
    info={"max_gap": "the largest |a_deep - a_one| on the grid", "accuracy": "of the one layer"},
)


def linear_collapse(
    hidden: Sequence[str] = ("identity", "tanh", "relu"),
    layer_dims: Sequence[int] = (2, 8, 8, 8, 1),
    m: int = 200,
    noise: float = 0.15,
    seed: int = 0,
    learning_rate: float = 0.5,
    num_iterations: int = 600,
    grid: int = 121,
) -> Trace:
    """Train one network per activation in ``hidden`` and collapse the linear one (module)."""
    X, Y = data.two_moons(m, noise=noise, seed=seed)
    xs = np.linspace(X[0].min() - 0.4, X[0].max() + 0.4, grid)
    ys = np.linspace(X[1].min() - 0.4, X[1].max() + 0.4, grid)
    G = np.array(np.meshgrid(xs, ys)).reshape(2, -1)  # x1 varies fastest
    tr = Trace({"demo": "linear_collapse", "seed": seed, "layer_dims": list(layer_dims)})
    DATA.add(tr, X=X, Y=Y)
    for g in hidden:
        model = mlp(list(layer_dims), hidden=g, output="sigmoid", init="xavier", seed=seed)
        hist = model.fit(X, Y, learning_rate=learning_rate, num_iterations=num_iterations, every=1)
        P = model.forward(G)
        NET.add(
            tr,
            hidden=g,
            layer_dims=list(layer_dims),
            init="xavier",
            seed=seed,
            learning_rate=learning_rate,
            num_iterations=num_iterations,
            accuracy=model.accuracy(X, Y),
            final_cost=model.cost(model.forward(X), Y),
            xs=xs,
            ys=ys,
            P=P.reshape(grid, grid),
            cost=np.asarray(hist["cost"]),
        )
        if g != "identity":
            continue
        for layer in model.dense:
            LAYER.add(tr, l=layer.l, W=layer.W, b=layer.b)
        one = collapse(model)
        P_one = one.forward(G)
        PRODUCT.add(
            tr,
            max_gap=float(np.max(np.abs(P_one - P))),
            accuracy=Sequential([one]).accuracy(X, Y),
            W=one.W,
            b=one.b,
            P=P_one.reshape(grid, grid),
        )
    return tr
