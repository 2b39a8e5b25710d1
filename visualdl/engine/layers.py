"""Layers: ``Dense`` (Z = W A_prev + b, A = g(Z)) and inverted ``Dropout``.

Examples are columns. A layer's ``forward(A_prev, training)`` returns A and keeps what its
``backward`` needs; ``backward(dA)`` returns ``dA_prev`` and leaves the parameter gradients in
``grads``. Layers call the functional core (:mod:`visualdl.engine.dense`) and own their records:
inside ``with visualdl.trace.record()`` each pass is recorded as ``dense{l}.forward`` /
``dense{l}.backward`` (``dropout{l}.forward`` for the mask on ``A[l]``).

Example
-------
>>> import numpy as np
>>> from visualdl.engine.layers import Dense
>>> layer = Dense(2, 3, "relu", rng=np.random.default_rng(0), l=1)
>>> layer.forward(np.ones((2, 5))).shape
(3, 5)
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import from_host, xp
from visualdl.engine import activations
from visualdl.engine.dense import dense_backward, dense_forward
from visualdl.engine.initializers import Rng, initialize, make_rng
from visualdl.engine.regularization import check_keep_prob, dropout_backward, dropout_forward
from visualdl.schema import declare

__all__ = ["Dense", "Dropout", "Layer", "WeightLayer"]

Array = Any

DENSE_FORWARD = declare(
    "dense{l}.forward",
    arrays={
        "A_prev": "(n[l-1], m)",
        "W": "(n[l], n[l-1])",
        "b": "(n[l], 1)",
        "Z": "(n[l], m)",
        "A": "(n[l], m)",
    },
    info={"activation": "name of g"},
)
DENSE_BACKWARD = declare(
    "dense{l}.backward",
    arrays={
        "dA": "(n[l], m)",
        "dZ": "(n[l], m)",
        "dW": "(n[l], n[l-1])",
        "db": "(n[l], 1)",
        "dA_prev": "(n[l-1], m)",
    },
    optional=("dA",),  # absent when the output layer starts from dZ = A - Y
)
DROPOUT_FORWARD = declare(
    "dropout{l}.forward",
    arrays={"D": "(n[l], m) mask of kept units", "A": "(n[l], m) A * D / keep_prob"},
    info={"keep_prob": "probability of keeping a unit"},
)


class Layer:
    """Base class: no parameters, identity forward/backward.

    ``l`` is the layer's number: a layer with parameters is numbered 1..L in order; one
    without takes the number of the layer before it (the dropout on ``A[1]`` is ``dropout1``,
    the pool after ``conv2`` is ``pool2``), as :class:`~visualdl.engine.model.Sequential`
    numbers them.
    """

    l: int = 0

    def params(self) -> dict[str, Array]:
        """Parameters keyed as in the notes (``W1``, ``b1``)."""
        return {}

    def set_params(self, params: dict[str, Array]) -> None:
        """Take new values for this layer's keys from ``params``."""

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients of the last backward, keyed ``dW1``, ``db1``."""
        return {}

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        return A_prev

    def backward(self, dA: Array) -> Array:
        return dA


class WeightLayer(Layer):
    """A layer with a weight ``W`` and a bias ``b``, keyed ``W{l}``, ``b{l}`` (grads ``dW{l}``,
    ``db{l}``); Dense and Conv2D are such layers."""

    l: int
    W: Array
    b: Array
    dW: Array = None
    db: Array = None

    def params(self) -> dict[str, Array]:
        return {f"W{self.l}": self.W, f"b{self.l}": self.b}

    def set_params(self, params: dict[str, Array]) -> None:
        self.W = params.get(f"W{self.l}", self.W)
        self.b = params.get(f"b{self.l}", self.b)

    @property
    def grads(self) -> dict[str, Array]:
        return {f"dW{self.l}": self.dW, f"db{self.l}": self.db}


class Dense(WeightLayer):
    """Fully connected layer ``l``.

    Shapes: ``W: (n, n_prev)``, ``b: (n, 1)``, ``A_prev: (n_prev, m)`` -> ``Z, A: (n, m)``.

    Forward: ``Z = W A_prev + b``, ``A = g(Z)``.
    Backward (per-example dA in, mean-cost gradients out):
    ``dZ = dA * g'(Z)``, ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum(dZ, axis=1)``,
    ``dA_prev = W^T dZ``.
    """

    def __init__(
        self,
        n_prev: int,
        n: int,
        activation: str = "relu",
        init: str = "he",
        rng: int | Rng | None = None,
        l: int = 1,
    ) -> None:
        self.l = l
        self.g = activations.get(activation)
        self.W = from_host(initialize(init, n, n_prev, make_rng(rng)))
        self.b = xp().zeros((n, 1))
        self._cache: tuple[dict, Array, Array] | None = None
        self.dW: Array = None
        self.db: Array = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n_prev)``."""
        return tuple(self.W.shape)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        n, n_prev = self.shape
        if A_prev.ndim != 2 or A_prev.shape[0] != n_prev:
            raise ValueError(
                f"dense layer {self.l}: expected A_prev of shape ({n_prev}, m), "
                f"got {tuple(A_prev.shape)}"
            )
        Z, cache = dense_forward(A_prev, self.W, self.b)
        A = self.g.forward(Z)
        self._cache = (cache, Z, A)
        DENSE_FORWARD.log(
            l=self.l, activation=self.g.name, A_prev=A_prev, W=self.W, b=self.b, Z=Z, A=A
        )
        return A

    def backward(self, dA: Array | None = None, dZ: Array | None = None) -> Array:
        """Backward from ``dA`` (or straight from ``dZ`` for a fused output layer)."""
        if self._cache is None:
            raise ValueError(f"dense layer {self.l}: backward called before forward")
        cache, Z, A = self._cache
        if dZ is None:
            if tuple(dA.shape) != tuple(A.shape):
                raise ValueError(
                    f"dense layer {self.l}: expected dA of shape {tuple(A.shape)}, "
                    f"got {tuple(dA.shape)}"
                )
            dZ = self.g.backward(dA, Z, A)
        dA_prev, self.dW, self.db = dense_backward(dZ, cache)
        given = {} if dA is None else {"dA": dA}
        DENSE_BACKWARD.log(l=self.l, dZ=dZ, dW=self.dW, db=self.db, dA_prev=dA_prev, **given)
        return dA_prev


class Dropout(Layer):
    """Inverted dropout: ``A = A_prev * D / keep_prob`` while training, identity otherwise.

    The mask ``D`` is drawn on the host from ``rng`` and kept for backward:
    ``dA_prev = dA * D / keep_prob``.
    """

    def __init__(self, keep_prob: float, rng: int | Rng | None = None) -> None:
        self.keep_prob = check_keep_prob(keep_prob)
        self.rng = make_rng(rng)
        self.D: Array = None

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        if not training or self.keep_prob == 1.0:
            self.D = None
            return A_prev
        A, self.D = dropout_forward(A_prev, self.keep_prob, self.rng)
        DROPOUT_FORWARD.log(l=self.l, keep_prob=self.keep_prob, D=self.D, A=A)
        return A

    def backward(self, dA: Array) -> Array:
        if self.D is None:
            return dA
        return dropout_backward(dA, self.D, self.keep_prob)
