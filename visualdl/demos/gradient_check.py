"""Gradient checks of small networks: the backward pass against two-sided differences.

For every parameter ``theta`` (``W1``, ``b1``, ...) of a few small MLPs,
:func:`visualdl.engine.gradcheck.check_model` compares the engine's backward with
``(J(theta + eps) - J(theta - eps)) / (2 eps)`` entry by entry and reports the relative error
``||a - b|| / (||a|| + ||b||)``; below about 1e-7 the backward is right. For contrast the demo
also checks a *deliberately wrong* gradient: ``dW1`` without the ``1/m`` of the notes'
``dW = (1/m) dZ A_prev^T``, which is what forgetting it looks like to the check.

A large error is not always a bug: at a ReLU kink (``z = 0`` exactly) the two-sided difference
averages the slopes 0 and 1, so the demo records one such case too (XOR at initialization:
``b = 0`` and the input ``(0, 0)`` give ``z = 0``).

Records: one ``gradient_check.model`` (:data:`MODEL`) per network: the relative error per
parameter, beside its size and the backward's ``||dtheta||`` (relative errors grow where it is
tiny); ``gradient_check.kink`` (:data:`KINK`), the same for the kinked network; and
``gradient_check.bug`` (:data:`BUG`), the error of the gradient without ``1/m``.

Example
-------
>>> from visualdl.demos.gradient_check import gradient_check
>>> tr = gradient_check()
>>> max(float(r["error"].max()) for r in tr.find("gradient_check.model")) < 1e-6
True
>>> float(tr.last("gradient_check.kink")["error"].max()) > 0.1  # b1 at z = 0: not a bug
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from visualdl.engine import data, gradcheck, mlp
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["BUG", "KINK", "KINK_NETWORK", "MODEL", "NETWORKS", "Network", "gradient_check"]


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
    Network("moons, deep ReLU", (2, 4, 6, 1), "relu", "sigmoid", "he", "two_moons", 40),
    Network("circles, tanh", (2, 5, 1), "tanh", "sigmoid", "xavier", "circles", 40),
    Network("moons, leaky ReLU", (2, 5, 1), "leaky_relu", "sigmoid", "he", "two_moons", 40),
    Network("spirals, softmax", (2, 6, 3), "tanh", "softmax", "xavier", "spirals", 30),
    Network("moons, identity + MSE", (2, 4, 1), "relu", "identity", "he", "two_moons", 40),
    Network("moons, L2 (λ = 0.7)", (2, 4, 1), "relu", "sigmoid", "he", "two_moons", 40, 0.7),
)

#: At initialization (b = 0) the XOR input (0, 0) gives z = 0 in every hidden unit: a ReLU kink.
KINK_NETWORK = Network("XOR, ReLU", (2, 3, 1), "relu", "sigmoid", "he", "xor", 4)

_KINKED = ("relu", "leaky_relu")

_CHECKED = {
    "arrays": {
        "error": "(P,)",  # relative error per parameter
        "size": "(P,)",  # entries per parameter
        "grad_norm": "(P,)",  # the backward's ||dtheta||
    },
    "info": {
        "key": "the network's name",
        "layer_dims": "layer sizes",
        "hidden": "hidden activation",
        "output": "output activation",
        "init": "weight initialization",
        "data": "data set",
        "m": "examples",
        "lambd": "L2 strength",
        "seed": "seed",
        "loss": "the model's loss",
        "params": "parameter names, in order",
        "min_abs_z": "smallest |Z| in a ReLU / leaky-ReLU layer, or None",
    },
}
MODEL = declare("gradient_check.model", **_CHECKED)
KINK = declare("gradient_check.kink", **_CHECKED)
BUG = declare(
    "gradient_check.bug",
    arrays={"error": "(1,)"},  # error: relative error of the wrong gradient
    info={"key": "the network's name", "param": "W1", "m": "examples", "description": "the bug"},
)


def _dataset(net: Network) -> tuple[np.ndarray, np.ndarray]:
    if net.data == "xor":
        return data.xor()
    if net.data == "spirals":
        X, labels = data.spirals(net.m, classes=net.layer_dims[-1], seed=net.seed)
        return X, data.one_hot(labels, net.layer_dims[-1])
    return data.DATASETS[net.data](net.m, seed=net.seed)


def _model(net: Network):
    return mlp(
        list(net.layer_dims),
        hidden=net.hidden,
        output=net.output,
        init=net.init,
        seed=net.seed,
        lambd=net.lambd,
    )


def _min_abs_z(model) -> float:
    """Smallest |Z| over hidden layers with a kink at 0 (None when there are none)."""
    zs = [np.abs(d._cache[1]).min() for d in model.dense[:-1] if d.g.name in _KINKED]
    return float(min(zs)) if zs else None


def _check(net: Network, eps: float) -> tuple[dict, dict[str, np.ndarray]]:
    X, Y = _dataset(net)
    model = _model(net)
    errors = gradcheck.check_model(model, X, Y, eps=eps)
    grads = model.backward(model.forward(X), Y)
    params = model.params
    info = {
        **asdict(net),
        "layer_dims": list(net.layer_dims),
        "loss": model.loss.name,
        "params": list(errors),
        "min_abs_z": _min_abs_z(model),
    }
    arrays = {
        "error": np.array(list(errors.values())),
        "size": np.array([params[k].size for k in errors]),
        "grad_norm": np.array([float(np.linalg.norm(grads["d" + k])) for k in errors]),
    }
    return info, arrays


def gradient_check(
    networks: tuple[Network, ...] = NETWORKS, eps: float = 1e-6, kink: Network = KINK_NETWORK
) -> Trace:
    """Relative error per parameter for each network, the forgotten-``1/m`` bug, and a kink.

    Shapes: ``X: (2, m)``; ``Y: (1, m)`` or one-hot ``(3, m)`` for softmax. The networks are
    float64, weights from ``default_rng(seed)``; dropout is off. ``min_abs_z`` in each record
    is the smallest ``|Z|`` in a ReLU / leaky-ReLU layer (None without one): the differences
    (steps of ``eps``) are valid only while no ``z`` crosses 0. ``kink`` is checked the same
    way and recorded as ``gradient_check.kink`` (its ``z = 0`` exactly, so the check fails without a
    bug). Returns a trace (module docstring).
    """
    tr = Trace({"demo": "gradient_check", "eps": eps})
    for net in networks:
        info, arrays = _check(net, eps)
        MODEL.add(tr, **info, **arrays)
    info, arrays = _check(kink, eps)
    KINK.add(tr, **info, **arrays)

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
    BUG.add(
        tr,
        key=net.key,
        param="W1",
        m=m,
        description="dW1 without the 1/m",
        error=np.array([gradcheck.relative_error(approx, wrong)]),
    )
    return tr
