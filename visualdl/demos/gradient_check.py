"""Gradient checks of small networks: the backward pass against two-sided differences.

For every parameter ``theta`` (``W1``, ``b1``, ...) of a few small MLPs,
:func:`visualdl.engine.gradcheck.check_model` compares the engine's backward with
``(J(theta + eps) - J(theta - eps)) / (2 eps)`` entry by entry and reports the relative error
``||a - b|| / (||a|| + ||b||)``; below about 1e-7 the backward is right. For contrast the demo
also checks a *deliberately wrong* gradient: ``dW1`` without the ``1/m`` of the notes'
``dW = (1/m) dZ A_prev^T``, which is what forgetting it looks like to the check.

Records: one ``gradcheck.model`` per network, info ``key, layer_dims, hidden, output, loss,
init, seed, data, m, lambd, params`` (parameter names, in order) and arrays ``error (P,)``,
``size (P,)`` (entries per parameter); and one ``gradcheck.bug`` with info ``key, param,
description`` and array ``error (1,)``.

Example
-------
>>> from visualdl.demos.gradient_check import gradient_check
>>> tr = gradient_check()
>>> max(float(r["error"].max()) for r in tr.find("gradcheck.model")) < 1e-7
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from visualdl.engine import data, gradcheck, mlp
from visualdl.trace import Trace

__all__ = ["NETWORKS", "Network", "gradient_check"]


@dataclass(frozen=True)
class Network:
    """One checked configuration: an :func:`~visualdl.engine.mlp` on a synthetic data set."""

    key: str
    layer_dims: tuple[int, ...]
    hidden: str
    output: str
    init: str
    data: str
    m: int
    lambd: float = 0.0
    seed: int = 0


NETWORKS: tuple[Network, ...] = (
    Network("XOR, ReLU", (2, 3, 1), "relu", "sigmoid", "he", "xor", 4),
    Network("moons, deep ReLU", (2, 4, 6, 1), "relu", "sigmoid", "he", "two_moons", 40),
    Network("circles, tanh", (2, 5, 1), "tanh", "sigmoid", "xavier", "circles", 40),
    Network("moons, leaky ReLU", (2, 5, 1), "leaky_relu", "sigmoid", "he", "two_moons", 40),
    Network("spirals, softmax", (2, 6, 3), "tanh", "softmax", "xavier", "spirals", 30),
    Network("XOR, identity + MSE", (2, 4, 1), "relu", "identity", "he", "xor", 4),
    Network("moons, L2 (λ = 0.7)", (2, 4, 1), "relu", "sigmoid", "he", "two_moons", 40, 0.7),
)


def _dataset(net: Network) -> tuple[np.ndarray, np.ndarray]:
    if net.data == "xor":
        return data.xor()
    if net.data == "spirals":
        X, labels = data.spirals(net.m, classes=net.layer_dims[-1], seed=net.seed)
        return X, data.one_hot(labels, net.layer_dims[-1])
    return data.DATASETS[net.data](net.m, seed=net.seed)


def _model(net: Network):
    return mlp(list(net.layer_dims), hidden=net.hidden, output=net.output, init=net.init,
               seed=net.seed, lambd=net.lambd)


def gradient_check(networks: tuple[Network, ...] = NETWORKS, eps: float = 1e-6) -> Trace:
    """Relative error per parameter for each network, plus the forgotten-``1/m`` bug.

    Shapes: ``X: (2, m)``; ``Y: (1, m)`` or one-hot ``(3, m)`` for softmax. The networks are
    float64, weights from ``default_rng(seed)``; dropout is off. Returns a trace (module
    docstring).
    """
    tr = Trace({"demo": "gradient_check", "eps": eps})
    for net in networks:
        X, Y = _dataset(net)
        model = _model(net)
        errors = gradcheck.check_model(model, X, Y, eps=eps)
        params = model.params
        info = {**asdict(net), "layer_dims": list(net.layer_dims), "loss": model.loss.name,
                "params": list(errors)}
        tr.add("gradcheck.model", info, error=np.array(list(errors.values())),
               size=np.array([params[k].size for k in errors]))

    net = networks[0]
    X, Y = _dataset(net)
    model = _model(net)
    grads = model.backward(model.forward(X), Y)
    W1 = model.params["W1"]

    def J(theta: np.ndarray) -> float:
        model.set_params({"W1": theta})
        return model.cost(model.forward(X), Y)

    approx = gradcheck.numerical_gradient(J, W1, eps)
    model.set_params({"W1": W1})
    m = X.shape[1]
    wrong = m * grads["dW1"]  # dZ A_prev^T without the 1/m
    tr.add("gradcheck.bug", {"key": net.key, "param": "W1", "m": m,
                             "description": "dW1 without the 1/m"},
           error=np.array([gradcheck.relative_error(approx, wrong)]))
    return tr
