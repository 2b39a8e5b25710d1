"""Activations layer by layer in a deep tanh network, with and without batch norm.

One forward pass (at initialization) of a 6-hidden-layer tanh MLP, 100 units per layer, on
``m`` standard-normal examples with ``n_x = 20`` features (columns are examples). The weights
are one standard-normal draw ``W0[l]`` per layer (seeded), scaled three ways:

- ``plain_small``: ``W = 0.01 W0``, the notes' init, no batch norm: every layer multiplies the
  spread by about ``0.01 sqrt(100) = 0.1``, so the activations vanish;
- ``plain_large``: ``W = 1.0 W0``, no batch norm: ``Z`` has a spread of about 10 and tanh
  saturates at +-1;
- ``batchnorm``: ``W = 0.01 W0`` followed by the engine's :class:`~visualdl.engine.batchnorm.
  BatchNorm` layer (gamma 1, beta 0, batch statistics) before tanh: ``Z -> (Z - mu)/sqrt(var +
  eps)``, so every layer gets a unit spread. Batch norm does not care about the weights'
  scale: with ``W = 1.0 W0`` the activations are the same (``meta["bn_scale_gap"]`` is the
  largest difference, measured).

Records: ``batchnorm.layer`` (:data:`LAYER`, one per case and layer, cases in the order
above): the histogram of ``A[l]`` on ``[-1, 1]`` (an odd number of bins, so that one bin is
centred on 0), its spread and the fraction saturated (``|A| > 0.99``).

Example
-------
>>> from visualdl.demos.batchnorm import batchnorm_histograms
>>> tr = batchnorm_histograms(m=200)
>>> stds = {r.info["case"]: r.info["std"] for r in tr.find("batchnorm.layer", l=6)}
>>> stds["plain_small"] < 1e-5 < 0.4 < stds["batchnorm"] < 0.8
True
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.cnn_layers import Activation
from visualdl.engine.layers import BatchNorm, Dense, Layer
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["CASES", "LAYER", "SHORT", "batchnorm_histograms"]

#: case -> (weight scale, batch norm?, label)
CASES: dict[str, tuple[float, bool, str]] = {
    "plain_small": (0.01, False, "no batch norm, W = 0.01·randn (the notes' init)"),
    "plain_large": (1.0, False, "no batch norm, W = 1.0·randn"),
    "batchnorm": (0.01, True, "batch norm before tanh, W = 0.01·randn (same for 1.0·randn)"),
}

SHORT = {
    "plain_small": "no BN, 0.01·randn",
    "plain_large": "no BN, 1.0·randn",
    "batchnorm": "BN, 0.01·randn",
}

LAYER = declare(
    "batchnorm.layer",
    arrays={
        "counts": "(bins,)",  # fraction of all values of A[l] per bin
        "edges": "(bins + 1,)",  # bin edges on [-1, 1]
    },
    info={
        "case": "CASES key",
        "label": "long label",
        "short": "short label",
        "l": "layer",
        "std": "std of A[l]",
        "mean": "mean of A[l]",
        "saturated": "fraction with |A| > 0.99",
    },
)


def _layers(W0: list[np.ndarray], scale: float, bn: bool) -> list[Layer]:
    layers: list[Layer] = []
    for l, W in enumerate(W0, start=1):
        n, n_prev = W.shape
        dense = Dense(n_prev, n, "identity" if bn else "tanh", rng=0, l=l)
        dense.set_params({f"W{l}": scale * W})
        layers.append(dense)
        if bn:
            layers += [BatchNorm(n, l=l), Activation("tanh")]
    return layers


def _activations(X: np.ndarray, layers: list[Layer], bn: bool) -> list[np.ndarray]:
    """``A[l]`` after each tanh (training mode: batch norm uses the batch statistics)."""
    out, A = [], X
    for layer in layers:
        A = layer.forward(A, training=True)
        if isinstance(layer, Activation) or (not bn and isinstance(layer, Dense)):
            out.append(A)
    return out


def batchnorm_histograms(
    m: int = 1000, n_x: int = 20, hidden: int = 100, depth: int = 6, bins: int = 41, seed: int = 0
) -> Trace:
    """Histograms of ``A[l]: (hidden, m)`` for every layer and case (see the module)."""
    if m < 2 or depth < 1 or hidden < 1 or bins < 2:
        raise ValueError(
            f"batchnorm_histograms: need m >= 2 and depth, hidden >= 1, bins >= 2; got "
            f"m={m}, depth={depth}, hidden={hidden}, bins={bins}"
        )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    dims = [n_x] + [hidden] * depth
    W0 = [rng.standard_normal((dims[l], dims[l - 1])) for l in range(1, depth + 1)]
    edges = np.linspace(-1.0, 1.0, bins + 1)
    tr = Trace(
        {
            "demo": "batchnorm-histograms",
            "m": m,
            "n_x": n_x,
            "hidden": hidden,
            "depth": depth,
            "activation": "tanh",
            "seed": seed,
        }
    )
    for case, (scale, bn, label) in CASES.items():
        for l, A in enumerate(_activations(X, _layers(W0, scale, bn), bn), start=1):
            counts, _ = np.histogram(np.clip(A, -1.0, 1.0), bins=edges)
            LAYER.add(
                tr,
                case=case,
                label=label,
                short=SHORT[case],
                l=l,
                std=float(A.std()),
                mean=float(A.mean()),
                saturated=float(np.mean(np.abs(A) > 0.99)),
                counts=counts / A.size,
                edges=edges,
            )
    small = _activations(X, _layers(W0, 0.01, True), True)
    large = _activations(X, _layers(W0, 1.0, True), True)
    tr.meta["bn_scale_gap"] = float(
        max(np.abs(a - b).max() for a, b in zip(small, large, strict=True))
    )
    return tr
