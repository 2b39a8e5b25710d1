"""Vanishing gradients in a deep sigmoid network, and the same layers with skip connections.

Both networks have the same 30 dense layers, with the same weights (Xavier, drawn with
``seed``): a first layer ``Dense(2, n, sigmoid)``, then ``blocks`` pairs
``Dense(n, n, sigmoid), Dense(n, n, identity)``, then the output ``Dense(n, 1, sigmoid)``
(BCE). In the **plain** network the pairs follow one another; in the **residual** one each
pair is a :class:`~visualdl.engine.cnn_layers.Residual` block with the identity skip,
``a[l+2] = z[l+2] + a[l]`` with ``z[l+2] = W[l+2] sigmoid(z[l+1]) + b[l+2]``. One forward and
backward pass of the engine at initialization on the two-moons data gives ``dW[l]`` for every
layer.

Backward through the plain net, every sigmoid layer multiplies the gradient by
``sigmoid'(z) <= 1/4`` (and by ``W^T``), so ``||dW[l]||`` falls geometrically towards the
input. Through a block, ``dA[l] = dA[l+2] + (the branch's gradient)``: the skip passes the
gradient on unchanged, so every layer gets one of about the same size.

Records: ``vanishing.run`` (:data:`RUN`, one per seed and network, plain first).

Example
-------
>>> from visualdl.demos.vanishing import vanishing
>>> tr = vanishing(seeds=(0,))
>>> [(r.info["net"], r.info["ratio"] < 1e-2) for r in tr.find("vanishing.run")]
[('plain', True), ('residual', False)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import Dense, Residual, Sequential, data
from visualdl.engine.initializers import make_rng
from visualdl.engine.layers import Layer
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["NETS", "RUN", "network", "vanishing"]

NETS = ("plain", "residual")

RUN = declare(
    "vanishing.run",
    arrays={
        "l": "(L,) layer numbers 1..L",
        "norm": "(L,) ||dW[l]||_F, the Frobenius norm of each layer's weight gradient",
    },
    info={
        "net": "plain or residual",
        "seed": "seed of the weights",
        "activation": "the hidden layers' activation",
        "kinds": "each layer's activation, in order",
        "width": "units per hidden layer",
        "blocks": "pairs of hidden layers (residual blocks)",
        "m": "examples",
        "ratio": "||dW[1]|| / ||dW[L-1]||: first over last hidden layer",
        "ratio_output": "||dW[1]|| / ||dW[L]||: first over output layer",
    },
)


def network(
    net: str,
    blocks: int = 14,
    width: int = 16,
    activation: str = "sigmoid",
    seed: int = 0,
) -> Sequential:
    """The plain or residual network of the module, weights drawn with ``seed`` in layer
    order (so both nets of one seed hold the same weights)."""
    if net not in NETS:
        raise ValueError(f"vanishing: net must be one of {NETS}, got {net!r}")
    rng = make_rng(seed)
    layers: list[Layer] = [Dense(2, width, activation, "xavier", rng)]
    for _ in range(blocks):
        pair = [
            Dense(width, width, activation, "xavier", rng),
            Dense(width, width, "identity", "xavier", rng),
        ]
        layers += [Residual(pair, activation="identity")] if net == "residual" else pair
    layers.append(Dense(width, 1, "sigmoid", "xavier", rng))
    return Sequential(layers, loss="bce")


def vanishing(
    seeds: Sequence[int] = tuple(range(6)),
    blocks: int = 14,
    width: int = 16,
    activation: str = "sigmoid",
    m: int = 200,
) -> Trace:
    """The gradient norm per layer of both networks for every seed (see the module)."""
    X, Y = data.two_moons(m, seed=0)
    tr = Trace({"demo": "vanishing", "seeds": list(seeds), "blocks": blocks, "width": width})
    for seed in seeds:
        for net in NETS:
            model = network(net, blocks, width, activation, seed)
            A = model.forward(X, training=True)
            model.cost(A, Y)
            grads = model.backward(A, Y)
            L = len(model.dense)
            norm = np.array([np.linalg.norm(grads[f"dW{l}"]) for l in range(1, L + 1)])
            RUN.add(
                tr,
                net=net,
                seed=seed,
                activation=activation,
                kinds=[d.g.name for d in model.dense],
                width=width,
                blocks=blocks,
                m=m,
                ratio=float(norm[0] / norm[-2]),
                ratio_output=float(norm[0] / norm[-1]),
                l=np.arange(1, L + 1),
                norm=norm,
            )
    return tr
