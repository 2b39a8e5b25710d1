"""Layers for convolutional networks, in the notes' layout ``(m, n_H, n_W, n_C)``.

``Conv2D`` (``Z = conv(A_prev, W) + b``, ``A = g(Z)``; a 1x1 convolution is ``f=1``),
``Activation`` (elementwise ``g`` on any shape), ``MaxPool2D`` / ``AvgPool2D``, ``Flatten``
(``(m, n_H, n_W, n_C) -> (n_H n_W n_C, m)``, the dense layout, so the dense layers and losses
follow unchanged), ``GlobalAvgPool`` (``(m, n_H, n_W, n_C) -> (n_C, m)``) and ``Residual``
(``A = g(main(A_prev) + shortcut(A_prev))``, the notes' ``a[l+2] = g(z[l+2] + a[l])``).

They follow the :class:`~visualdl.engine.layers.Layer` protocol: ``forward(A_prev,
training)``, ``backward(dA) -> dA_prev``, ``params()`` keyed ``W{l}``, ``b{l}`` and ``grads``
keyed ``dW{l}``, ``db{l}``. Gradient convention as everywhere: ``dA`` per example, ``dW`` and
``db`` of the mean cost (``1/m``, ``m`` the examples). Inside ``with visualdl.trace.record()``
a conv layer records ``conv{l}.forward`` (``A_prev, W, b, Z, A``) and ``conv{l}.backward``, a
pooling layer ``pool{l}.forward`` / ``pool{l}.backward`` and a residual block
``residual{l}.forward`` (``l`` as :class:`~visualdl.engine.layers.Layer` numbers them).

Example
-------
>>> import numpy as np
>>> from visualdl.engine.cnn_layers import Conv2D, Flatten, MaxPool2D
>>> X = np.random.default_rng(0).normal(size=(5, 8, 8, 1))
>>> A = Conv2D(1, 4, f=3, padding="same", rng=0).forward(X)
>>> A.shape, MaxPool2D(2, 2).forward(A).shape, Flatten().forward(A).shape
((5, 8, 8, 4), (5, 4, 4, 4), (256, 5))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from visualdl.backend import array_module, from_host, xp
from visualdl.engine import activations
from visualdl.engine.checks import check_batch, choice, float_dtype, gradient, integer, real_array
from visualdl.engine.conv import (
    _output_size,
    _resolve_padding,
    _volume,
    avg_pool2d,
    avg_pool2d_backward,
    conv2d,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from visualdl.engine.initializers import INITIALIZERS, Rng, make_rng
from visualdl.engine.layers import Layer, WeightLayer
from visualdl.schema import declare

__all__ = [
    "Activation",
    "AvgPool2D",
    "Conv2D",
    "Flatten",
    "GlobalAvgPool",
    "MaxPool2D",
    "Residual",
]

Array = Any

_NHWC = "(m, n_H, n_W, n_C)"
_NHWC_PREV = "(m, n_H_prev, n_W_prev, n_C_prev)"
CONV_FORWARD = declare(
    "conv{l}.forward",
    arrays={
        "A_prev": _NHWC_PREV,
        "W": "(f, f, n_C_prev, n_C)",
        "b": "(n_C,)",
        "Z": _NHWC,
        "A": _NHWC,
    },
    info={"activation": "name of g", "f": "kernel side", "p": "padding", "s": "stride"},
)
CONV_BACKWARD = declare(
    "conv{l}.backward",
    arrays={
        "dA": _NHWC,
        "dZ": _NHWC,
        "dW": "(f, f, n_C_prev, n_C)",
        "db": "(n_C,)",
        "dA_prev": _NHWC_PREV,
    },
)
POOL_FORWARD = declare(
    "pool{l}.forward",
    arrays={"A_prev": _NHWC_PREV, "A": _NHWC},
    info={"mode": "max or avg", "f": "window side", "s": "stride"},
)
POOL_BACKWARD = declare("pool{l}.backward", arrays={"dA": _NHWC, "dA_prev": _NHWC_PREV})
RESIDUAL_FORWARD = declare(
    "residual{l}.forward",
    arrays={"A_prev": "the block's input", "Z": "Z_main + S", "A": "g(Z)"},
    info={"activation": "name of g"},
)


def _activation(op: str, name: str) -> activations.Activation:
    g = activations.get(name)
    if g.derivative is None:
        raise ValueError(f"{op}: activation must be elementwise, got {g.name!r}")
    return g


def _examples(op: str, A: Any) -> Array:
    """``A`` as a real array with at least one example: axis 1 of the dense layout ``(n, m)``,
    axis 0 otherwise (``(m, n_H, n_W, n_C)``)."""
    A = real_array(op, "A_prev", A)
    if A.ndim == 0:
        raise ValueError(f"{op}: A_prev must have an examples axis, got a scalar")
    check_batch(op, "A_prev", A, 1 if A.ndim == 2 else 0)
    return A


class Conv2D(WeightLayer):
    """Convolutional layer ``l``: ``Z = conv2d(A_prev, W) + b``, ``A = g(Z)``.

    Shapes: ``A_prev (m, n_H_prev, n_W_prev, n_C_prev)``, ``W (f, f, n_C_prev, n_C)``,
    ``b (n_C,)`` -> ``Z, A (m, n_H, n_W, n_C)`` with ``n_H = floor((n_H_prev + 2p - f) / s) + 1``
    (dilation ``d``: ``f`` becomes ``d (f - 1) + 1``). ``W`` is drawn as a standard normal
    times ``sqrt(2 / (f f n_C_prev))`` (``"he"``), ``sqrt(1 / (f f n_C_prev))`` (``"xavier"``)
    or 0.01 (``"scaled_normal"``); ``b`` starts at 0. ``W`` and ``b`` are of ``dtype``
    (float64 unless asked; a float32 layer on float32 input stays float32 end to end).
    Backward: ``dZ = dA * g'(Z)``, then :func:`~visualdl.engine.conv.conv2d_backward`.

    Example
    -------
    >>> import numpy as np
    >>> layer = Conv2D(3, 8, f=1, activation="identity", rng=0, l=4)   # a 1x1 convolution
    >>> layer.forward(np.ones((2, 5, 5, 3))).shape, layer.params()["W4"].shape
    ((2, 5, 5, 8), (1, 1, 3, 8))
    >>> Conv2D(3, 8, f=1, dtype=np.float32).forward(np.ones((2, 5, 5, 3), np.float32)).dtype
    dtype('float32')
    """

    def __init__(
        self,
        n_C_prev: int,
        n_C: int,
        f: int,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        activation: str = "relu",
        init: str = "he",
        rng: int | Rng | None = None,
        l: int = 1,
        dtype: Any = np.float64,
    ) -> None:
        op = "Conv2D"
        n_C_prev, n_C = integer(op, "n_C_prev", n_C_prev), integer(op, "n_C", n_C)
        f, stride = integer(op, "f", f), integer(op, "stride", stride)
        dilation = integer(op, "dilation", dilation)
        choice(op, "init", init, INITIALIZERS)
        dtype = float_dtype(op, dtype)
        self.p = _resolve_padding(op, padding, f, stride, dilation)
        self.l, self.f, self.stride, self.dilation = l, f, stride, dilation
        self.g = _activation(op, activation)
        scale = INITIALIZERS[init](f * f * n_C_prev)
        W = make_rng(rng).standard_normal((f, f, n_C_prev, n_C)) * scale
        self.W = from_host(W.astype(dtype))
        self.b = xp().zeros((n_C,), dtype=dtype)
        self._cache: tuple | None = None
        self.dW: Array = None
        self.db: Array = None

    def output_shape(self, n_H_prev: int, n_W_prev: int) -> tuple[int, int, int]:
        """``(n_H, n_W, n_C)`` for an ``n_H_prev x n_W_prev`` input."""
        f, p, s, d = self.f, self.p, self.stride, self.dilation
        n_H, n_W = integer(self.op, "n_H_prev", n_H_prev), integer(self.op, "n_W_prev", n_W_prev)
        n_C = int(self.W.shape[3])
        return _output_size(self.op, n_H, f, p, s, d), _output_size(self.op, n_W, f, p, s, d), n_C

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = real_array(self.op, "A_prev", _volume(self.op, "A_prev", A_prev), self.W.dtype)
        Z, conv_cache = conv2d(
            A_prev, self.W, self.b, self.stride, self.p, self.dilation, op=self.op
        )
        A = self.g.forward(Z)
        self._cache = (conv_cache, Z, A)
        CONV_FORWARD.log(
            l=self.l,
            activation=self.g.name,
            f=self.f,
            p=self.p,
            s=self.stride,
            A_prev=A_prev,
            W=self.W,
            b=self.b,
            Z=Z,
            A=A,
        )
        return A

    def backward(self, dA: Array) -> Array:
        conv_cache, Z, A = self._cached(self._cache)
        dA = gradient(self.op, "dA", dA, "A", A)
        dZ = self.g.backward(dA, Z, A)
        dA_prev, self.dW, self.db = conv2d_backward(dZ, conv_cache)
        CONV_BACKWARD.log(l=self.l, dA=dA, dZ=dZ, dW=self.dW, db=self.db, dA_prev=dA_prev)
        return dA_prev


class Activation(Layer):
    """``A = g(Z)`` elementwise on any shape (``softmax`` only on the dense layout ``(k, m)``);
    backward ``dZ = dA * g'(Z)``. The examples are axis 1 of a 2-D input, else axis 0.

    Example
    -------
    >>> import numpy as np
    >>> Activation("relu").forward(np.array([[[[-1.0, 2.0]]]])).tolist()
    [[[[0.0, 2.0]]]]
    """

    def __init__(self, name: str = "relu") -> None:
        self.g = activations.get(name)
        self._cache: tuple[Array, Array] | None = None

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = _examples(self.op, A_prev)
        if self.g.derivative is None and A_prev.ndim != 2:
            raise ValueError(
                f"{self.op}: {self.g.name} needs the dense layout (k, m), "
                f"got shape {tuple(A_prev.shape)}"
            )
        A = self.g.forward(A_prev)
        self._cache = (A_prev, A)
        return A

    def backward(self, dA: Array) -> Array:
        Z, A = self._cached(self._cache)
        dA = gradient(self.op, "dA", dA, "A", A)
        return self.g.backward(dA, Z, A)


class _Pool(Layer):
    mode = ""
    ops: tuple[Callable, Callable] = ()

    def __init__(self, f: int = 2, stride: int | None = None) -> None:
        op = type(self).__name__
        self.f = integer(op, "f", f)
        self.stride = self.f if stride is None else integer(op, "stride", stride)
        self._cache: tuple[dict, tuple[int, ...]] | None = None

    def output_shape(self, n_H_prev: int, n_W_prev: int, n_C: int) -> tuple[int, int, int]:
        """``(floor((n_H_prev - f) / s) + 1, ..., n_C)``: channels are kept."""
        op, f, s = self.op, self.f, self.stride
        n_H, n_W = integer(op, "n_H_prev", n_H_prev), integer(op, "n_W_prev", n_W_prev)
        n_C = integer(op, "n_C", n_C)
        return _output_size(op, n_H, f, 0, s, 1), _output_size(op, n_W, f, 0, s, 1), n_C

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = _volume(self.op, "A_prev", A_prev)
        A, cache = self.ops[0](A_prev, self.f, self.stride, op=self.op)
        self._cache = (cache, tuple(A.shape))
        POOL_FORWARD.log(l=self.l, mode=self.mode, f=self.f, s=self.stride, A_prev=A_prev, A=A)
        return A

    def backward(self, dA: Array) -> Array:
        cache, shape = self._cached(self._cache)
        dA = gradient(self.op, "dA", dA, "A", shape)
        dA_prev = self.ops[1](dA, cache)
        POOL_BACKWARD.log(l=self.l, dA=dA, dA_prev=dA_prev)
        return dA_prev


class MaxPool2D(_Pool):
    """Max pooling ``f x f`` with stride ``s`` (default ``f``), per channel; the backward routes
    each window's gradient to its (first) maximum. A window holding NaN gives NaN.

    Example
    -------
    >>> import numpy as np
    >>> MaxPool2D(2).forward(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """

    mode, ops = "max", (max_pool2d, max_pool2d_backward)


class AvgPool2D(_Pool):
    """Average pooling ``f x f`` with stride ``s`` (default ``f``); the backward shares each
    window's gradient equally, ``dA / f^2``.

    Example
    -------
    >>> import numpy as np
    >>> AvgPool2D(2).forward(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """

    mode, ops = "avg", (avg_pool2d, avg_pool2d_backward)


class Flatten(Layer):
    """``(m, n_H, n_W, n_C) -> (n_H n_W n_C, m)``: example ``i`` becomes column ``i``, its
    values in row-major ``(h, w, c)`` order; backward reshapes the gradient back.

    Example
    -------
    >>> import numpy as np
    >>> Flatten().forward(np.arange(8.0).reshape(2, 2, 2, 1)).tolist()
    [[0.0, 4.0], [1.0, 5.0], [2.0, 6.0], [3.0, 7.0]]
    """

    def __init__(self) -> None:
        self.shape: tuple[int, ...] | None = None

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = _volume(self.op, "A_prev", A_prev)
        self.shape = tuple(A_prev.shape)
        return A_prev.reshape(self.shape[0], -1).T

    def backward(self, dA: Array) -> Array:
        m, n_H, n_W, n_C = shape = self._cached(self.shape)
        dA = gradient(self.op, "dA", dA, "A", (n_H * n_W * n_C, m))
        return dA.T.reshape(shape)


class GlobalAvgPool(Layer):
    """``A[c, i] = mean over (h, w) of A_prev[i, h, w, c]``: ``(m, n_H, n_W, n_C) -> (n_C, m)``;
    backward ``dA_prev[i, h, w, c] = dA[c, i] / (n_H n_W)``.

    Example
    -------
    >>> import numpy as np
    >>> GlobalAvgPool().forward(np.arange(8.0).reshape(2, 2, 2, 1)).tolist()
    [[1.5, 5.5]]
    """

    def __init__(self) -> None:
        self.shape: tuple[int, ...] | None = None

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = _volume(self.op, "A_prev", A_prev)
        self.shape = tuple(A_prev.shape)
        return array_module(A_prev).mean(A_prev, axis=(1, 2)).T

    def backward(self, dA: Array) -> Array:
        m, n_H, n_W, n_C = shape = self._cached(self.shape)
        dA = gradient(self.op, "dA", dA, "A", (n_C, m))
        share = (dA.T / (n_H * n_W)).reshape(m, 1, 1, n_C)
        return array_module(dA).broadcast_to(share, shape) * 1.0


class Residual(Layer):
    """A residual block: ``A = g(Z_main + S)`` with ``Z_main = main(A_prev)`` and the skip
    ``S = A_prev`` (identity) or ``S = shortcut(A_prev)`` (e.g. a 1x1 ``Conv2D`` with identity
    activation, the projection ``W_s`` that matches the shapes).

    This is the notes' ``a[l+2] = g(z[l+2] + a[l])`` when ``main`` is two layers whose last one
    has the identity activation (it outputs ``z[l+2]``). Backward:
    ``dS = dZ_main = dA * g'(Z_main + S)``, ``dA_prev = main.backward(dZ_main) + dS``
    (through ``shortcut`` when there is one): the skip carries the gradient unchanged.

    Example
    -------
    >>> import numpy as np
    >>> block = Residual([Conv2D(2, 2, 3, padding="same", rng=0),
    ...                   Conv2D(2, 2, 3, padding="same", activation="identity", rng=1)])
    >>> block.forward(np.ones((1, 4, 4, 2))).shape
    (1, 4, 4, 2)
    """

    def __init__(
        self, layers: Sequence[Layer], activation: str = "relu", shortcut: Layer | None = None
    ) -> None:
        if not layers:
            raise ValueError("Residual: the main path needs at least one layer")
        self.main = list(layers)
        self.shortcut = shortcut
        self.g = activations.get(activation)
        self._cache: tuple[Array, Array] | None = None

    @property
    def children(self) -> list[Layer]:
        """The block's own layers, main path then shortcut (numbered in this order)."""
        return self.main + ([self.shortcut] if self.shortcut is not None else [])

    def params(self) -> dict[str, Array]:
        return {k: v for layer in self.children for k, v in layer.params().items()}

    def set_params(self, params: dict[str, Array]) -> None:
        for layer in self.children:
            layer.set_params(params)

    @property
    def grads(self) -> dict[str, Array]:
        return {k: v for layer in self.children for k, v in layer.grads.items()}

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = _examples(self.op, A_prev)
        Z_main = A_prev
        for layer in self.main:
            Z_main = layer.forward(Z_main, training)
        S = A_prev if self.shortcut is None else self.shortcut.forward(A_prev, training)
        if tuple(Z_main.shape) != tuple(S.shape):
            raise ValueError(
                f"{self.op}: main path gives {tuple(Z_main.shape)} but the skip gives "
                f"{tuple(S.shape)}; add a shortcut (e.g. a 1x1 Conv2D) to match them"
            )
        Z = Z_main + S
        A = self.g.forward(Z)
        self._cache = (Z, A)
        RESIDUAL_FORWARD.log(l=self.l, activation=self.g.name, A_prev=A_prev, Z=Z, A=A)
        return A

    def backward(self, dA: Array) -> Array:
        Z, A = self._cached(self._cache)
        dA = gradient(self.op, "dA", dA, "A", A)
        dZ = self.g.backward(dA, Z, A)
        d = dZ
        for layer in reversed(self.main):
            d = layer.backward(d)
        dS = dZ if self.shortcut is None else self.shortcut.backward(dZ)
        return d + dS
