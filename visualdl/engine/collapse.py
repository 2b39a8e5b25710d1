"""A stack of linear layers is one linear layer: why a deep net needs non-linear activations.

With the identity activation ``g(z) = z`` in every hidden layer, an L-layer network computes
``Z[L] = W[L] (... (W[2] (W[1] x + b[1]) + b[2]) ...) + b[L] = W x + b`` with

    W = W[L] W[L-1] ... W[1]                      (n[L], n[0])
    b = W[L] ... W[2] b[1] + ... + W[L] b[L-1] + b[L]   (n[L], 1)

so its decision boundary (for a sigmoid output, ``W x + b = 0``) is a straight line whatever
its depth: depth adds parameters, not expressive power. :func:`collapse` builds that one
layer from the model's own weights, by the recursion ``W := W[l] W``, ``b := W[l] b + b[l]``.

Example
-------
>>> import numpy as np
>>> from visualdl.engine import mlp
>>> from visualdl.engine.collapse import collapse
>>> deep = mlp([2, 5, 5, 1], hidden="identity", output="sigmoid", seed=0)
>>> one = collapse(deep)
>>> one.shape
(1, 2)
>>> X = np.random.default_rng(0).normal(size=(2, 7))
>>> bool(np.allclose(one.forward(X), deep.forward(X)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from visualdl.engine.layers import Dense, Layer
from visualdl.engine.model import Sequential

__all__ = ["collapse"]


def _dense_layers(op: str, model: Any) -> list[Dense]:
    """The layers of ``model`` (a Sequential or a list of layers), all Dense, at least one."""
    layers = model.layers if isinstance(model, Sequential) else model
    if isinstance(layers, Layer | str) or not isinstance(layers, Sequence) or not layers:
        raise ValueError(
            f"{op}: expected a Sequential or a list of Dense layers, got {model!r:.80}"
        )
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise ValueError(
                f"{op}: layer {i} is a {type(layer).__name__}; only Dense layers collapse"
            )
    return list(layers)


def collapse(model: Sequential | Sequence[Dense]) -> Dense:
    """The one Dense layer ``A = g(W x + b)`` equal to ``model`` (see the module).

    Every layer must be :class:`~visualdl.engine.layers.Dense` and every one but the last must
    have the identity activation; the last layer's activation ``g`` (sigmoid, identity, ...)
    becomes the new layer's. ``W: (n[L], n[0]) = W[L] ... W[1]``, ``b: (n[L], 1)``, in the
    dtype of the model's weights. ``ValueError`` names the first layer that does not collapse.
    """
    op = "collapse"
    layers = _dense_layers(op, model)
    for layer in layers[:-1]:
        if layer.g.name != "identity":
            raise ValueError(
                f"{op}: Dense layer {layer.l} has activation {layer.g.name!r}; only linear "
                "(identity) hidden layers collapse into one matrix"
            )
    W, b = layers[0].W, layers[0].b
    for layer in layers[1:]:
        W, b = layer.W @ W, layer.W @ b + layer.b
    n, n_x = W.shape
    last = layers[-1]
    one = Dense(n_x, n, last.g.name, rng=0, l=1, dtype=W.dtype)
    one.set_params({"W1": W, "b1": b})
    return one
