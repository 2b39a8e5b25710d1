"""Slow, obviously-correct loop versions of convolution and pooling: the test oracle, and the
narrator of every picture that walks an op step by step.

The loops visit windows as :func:`visualdl.engine.conv.windows` lists them (row by row). Inside
``with visualdl.trace.record()`` each one records its steps, in the order a teacher narrates
them, then the op's result:

- :func:`conv2d_loop`: ``conv2d.window`` for every example ``i``, window ``(h, w)`` and filter
  ``c`` (the window, its products with the kernel, each input channel's share and the sum),
  then ``conv2d.forward`` (with the padded input ``X_pad``);
- :func:`max_pool2d_loop` / :func:`avg_pool2d_loop`: ``max_pool2d.window`` (the winner's row and
  column) / ``avg_pool2d.window``, then ``{op}.forward``;
- :func:`max_pool2d_backward_loop` / :func:`avg_pool2d_backward_loop`: ``max_pool2d.route``
  (where each window's gradient goes) / ``avg_pool2d.share``, then ``{op}.backward``;
- :func:`conv_transpose2d_loop`: ``conv_transpose2d.stamp`` for every input pixel (its scaled
  kernel and the output so far), then ``conv_transpose2d.forward``.

The fast ops in :mod:`visualdl.engine.conv` never narrate, and layers never call these loops,
so recording a training step writes no window records. The loops take the array namespace from
their inputs and write only through ``x[index] = ...`` (no views, no NumPy-only calls), so
they run under array-api-strict as well.

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record
>>> X = np.arange(16.0).reshape(1, 4, 4, 1)
>>> with record() as tr:
...     Z = conv2d_loop(X, np.ones((2, 2, 1, 1)), np.zeros(1), stride=2)
>>> Z[0, :, :, 0].tolist()
[[10.0, 18.0], [42.0, 50.0]]
>>> [(r.info["h"], r.info["w"], float(r["sum"])) for r in tr.find("conv2d.window")][:2]
[(0, 0, 10.0), (0, 1, 18.0)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl import trace
from visualdl.backend import array_module
from visualdl.engine.checks import gradient
from visualdl.engine.conv import (
    _bias,
    _conv_geometry,
    _input_and_kernel,
    _pad,
    _pool_geometry,
    _shape_of,
    _transpose_geometry,
    _volume,
    windows,
)
from visualdl.schema import declare

__all__ = [
    "avg_pool2d_backward_loop",
    "avg_pool2d_loop",
    "conv2d_backward_loop",
    "conv2d_loop",
    "conv_transpose2d_loop",
    "max_pool2d_backward_loop",
    "max_pool2d_loop",
]

Array = Any

_AT = {
    "i": "example",
    "h": "output row",
    "w": "output column",
    "top": "first input row",
    "left": "first input column",
}
_POOL = {"f": "window side", "s": "stride"}

CONV_WINDOW = declare(
    "conv2d.window",
    arrays={
        "window": "(f, f, n_C_prev) the input under the kernel",
        "products": "(f, f, n_C_prev) window * W[:, :, :, c]",
        "channel_sums": "(n_C_prev,) each input channel's share of the sum",
        "sum": "() the sum of the products; Z[i, h, w, c] = sum + b[c]",
    },
    info={**_AT, "c": "filter"},
)
CONV_FORWARD = declare(
    "conv2d.forward",
    arrays={
        "X": "(m, n_H_prev, n_W_prev, n_C_prev)",
        "X_pad": "(m, n_H_prev + 2p, n_W_prev + 2p, n_C_prev)",
        "W": "(f, f, n_C_prev, n_C)",
        "b": "(n_C,)",
        "Z": "(m, n_H, n_W, n_C)",
    },
    info={"f": "kernel side", "p": "padding", "s": "stride", "d": "dilation"},
)
CONV_BACKWARD = declare(
    "conv2d.backward",
    arrays={
        "dZ": "(m, n_H, n_W, n_C)",
        "dX": "(m, n_H_prev, n_W_prev, n_C_prev)",
        "dW": "(f, f, n_C_prev, n_C)",
        "db": "(n_C,)",
    },
)
POOL_WINDOW = {
    "max": declare(
        "max_pool2d.window",
        arrays={
            "window": "(f, f)",
            "argmax": "(2,) row and column of the first maximum",
            "A": "() the maximum",
        },
        info={**_AT, "c": "channel"},
    ),
    "avg": declare(
        "avg_pool2d.window",
        arrays={"window": "(f, f)", "A": "() the mean"},
        info={**_AT, "c": "channel"},
    ),
}
POOL_FORWARD = {
    kind: declare(
        f"{kind}_pool2d.forward",
        arrays={"X": "(m, n_H_prev, n_W_prev, n_C)", "A": "(m, n_H, n_W, n_C)"},
        info=_POOL,
    )
    for kind in ("max", "avg")
}
POOL_BACKWARD = {
    kind: declare(
        f"{kind}_pool2d.backward",
        arrays={"dA": "(m, n_H, n_W, n_C)", "dX": "(m, n_H_prev, n_W_prev, n_C)"},
        info=_POOL,
    )
    for kind in ("max", "avg")
}
MAX_ROUTE = declare(
    "max_pool2d.route",
    arrays={"argmax": "(2,) the cell inside the window that gets the gradient", "dA": "()"},
    info={**_AT, "c": "channel"},
)
AVG_SHARE = declare(
    "avg_pool2d.share",
    arrays={"dA": "(n_C,) the window's gradients", "share": "(n_C,) dA / f^2 for every cell"},
    info=_AT,
)
STAMP = declare(
    "conv_transpose2d.stamp",
    arrays={
        "x": "() the input pixel X[i, h, w, k]",
        "scaled": "(f, f, n_C) x W[:, :, k, :]",
        "partial": "(s (n_H - 1) + f, s (n_W - 1) + f, n_C) the output so far, before "
        "cutting p and adding b",
    },
    info={**_AT, "k": "input channel"},
)
TRANSPOSE_FORWARD = declare(
    "conv_transpose2d.forward",
    arrays={
        "X": "(m, n_H, n_W, n_C_prev)",
        "W": "(f, f, n_C_prev, n_C)",
        "b": "(n_C,)",
        "Z": "(m, s (n_H - 1) + f - 2p, s (n_W - 1) + f - 2p, n_C)",
    },
    info={"f": "kernel side", "p": "padding", "s": "stride"},
)


def _narrating() -> bool:
    return trace.current() is not None


def _at(i: int, h: int, w: int, top: int, left: int) -> dict[str, int]:
    """A step's place, as its record's info: example, output cell, window corner."""
    return {"i": i, "h": h, "w": w, "top": top, "left": left}


def _span(start: int, f: int, d: int = 1) -> slice:
    """The ``f`` rows (or columns) a window starting at ``start`` reads, dilation ``d``."""
    return slice(start, start + d * (f - 1) + 1, d)


def _zeros(xp, shape: tuple, *like: Array) -> Array:
    """Zeros of ``shape`` in the dtype the arrays ``like`` combine to (float32 stays float32)."""
    return xp.zeros(shape, dtype=xp.result_type(*(a.dtype for a in like)))


def conv2d_loop(
    X: Array,
    W: Array,
    b: Array,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> Array:
    """For every example, window and filter: ``sum(window * W[:, :, :, c]) + b[c]``."""
    op = "conv2d_loop"
    X, W = _input_and_kernel(op, X, W)
    f, n_C = W.shape[0], W.shape[3]
    b = _bias(op, b, n_C)
    s, p, d, n_H, n_W = _conv_geometry(op, X, W, stride, padding, dilation)
    xp = array_module(X)
    m, n_H_prev, n_W_prev, _ = X.shape
    Xp, bias = _pad(X, p), xp.reshape(b, (-1,))
    Z = _zeros(xp, (m, n_H, n_W, n_C), X, W, b)
    narrate = _narrating()
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, p, s, d):
            window = Xp[i, _span(top, f, d), _span(left, f, d), :]
            for c in range(n_C):
                products = window * W[:, :, :, c]
                Z[i, h, w, c] = xp.sum(products) + bias[c]
                if narrate:
                    CONV_WINDOW.log(
                        **_at(i, h, w, top, left),
                        c=c,
                        window=window,
                        products=products,
                        channel_sums=xp.sum(products, axis=(0, 1)),
                        sum=xp.sum(products),
                    )
    CONV_FORWARD.log(f=f, p=p, s=s, d=d, X=X, X_pad=Xp, W=W, b=b, Z=Z)
    return Z


def conv2d_backward_loop(
    dZ: Array,
    X: Array,
    W: Array,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> tuple[Array, Array, Array]:
    """Window by window: ``dX_window += W[..., c] dZ``, ``dW[..., c] += window dZ`` (then
    ``/ m``), ``db[c] += dZ`` (then ``/ m``). ``dZ`` must have the shape of conv2d's ``Z``."""
    op = "conv2d_backward_loop"
    X, W = _input_and_kernel(op, X, W)
    f, n_C = W.shape[0], W.shape[3]
    s, p, d, n_H, n_W = _conv_geometry(op, X, W, stride, padding, dilation)
    m, n_H_prev, n_W_prev, _ = X.shape
    dZ = gradient(op, "dZ", dZ, "Z", (m, n_H, n_W, n_C))
    xp = array_module(dZ)
    Xp = _pad(X, p)
    dXp, dW, db = (_zeros(xp, shape, dZ, X, W) for shape in (Xp.shape, W.shape, (n_C,)))
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, p, s, d):
            at = (i, _span(top, f, d), _span(left, f, d), slice(None))
            for c in range(n_C):
                g = dZ[i, h, w, c]
                dXp[at] = dXp[at] + W[:, :, :, c] * g
                dW[:, :, :, c] = dW[:, :, :, c] + Xp[at] * g
                db[c] = db[c] + g
    dX, dW, db = dXp[:, p : p + n_H_prev, p : p + n_W_prev, :], dW / m, db / m
    CONV_BACKWARD.log(dZ=dZ, dX=dX, dW=dW, db=db)
    return dX, dW, db


def conv_transpose2d_loop(X: Array, W: Array, b: Array, stride: int = 1, padding: int = 0) -> Array:
    """Pixel by pixel: add ``X[i, h, w, k] * W[:, :, k, :]`` at ``(s h, s w)``; cut ``p``."""
    op = "conv_transpose2d_loop"
    X, W = _input_and_kernel(op, X, W)
    f, _, _, n_C = W.shape
    b = _bias(op, b, n_C)
    s, p, out_H, out_W = _transpose_geometry(op, X, W, stride, padding)
    xp = array_module(X)
    m, n_H, n_W, n_C_prev = X.shape
    Y = _zeros(xp, (m, out_H, out_W, n_C), X, W)
    narrate = _narrating()
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                top, left = s * h, s * w
                at = (i, _span(top, f), _span(left, f), slice(None))
                for k in range(n_C_prev):
                    scaled = X[i, h, w, k] * W[:, :, k, :]
                    Y[at] = Y[at] + scaled
                    if narrate:
                        STAMP.log(
                            **_at(i, h, w, top, left),
                            k=k,
                            x=X[i, h, w, k],
                            scaled=scaled,
                            partial=Y[i, ...],
                        )
    Z = Y[:, p : out_H - p, p : out_W - p, :] + xp.reshape(b, (-1,))
    TRANSPOSE_FORWARD.log(f=f, p=p, s=s, X=X, W=W, b=b, Z=Z)
    return Z


def _first_max(window: Array) -> tuple[int, int]:
    """Row and column of the first maximum of a 2-D window (row by row)."""
    xp = array_module(window)
    return divmod(int(xp.argmax(xp.reshape(window, (-1,)))), window.shape[1])


def _pool_loop(kind: str, X: Array, f: int, stride: int) -> Array:
    op = f"{kind}_pool2d_loop"
    X = _volume(op, "X", X)
    f, s, n_H, n_W = _pool_geometry(op, X.shape, f, stride)
    xp = array_module(X)
    reduce = xp.max if kind == "max" else xp.mean
    m, n_H_prev, n_W_prev, n_C = X.shape
    A = _zeros(xp, (m, n_H, n_W, n_C), X)
    narrate = _narrating()
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, 0, s):
            for c in range(n_C):
                window = X[i, _span(top, f), _span(left, f), c]
                A[i, h, w, c] = reduce(window)
                if narrate:
                    winner = {"argmax": np.array(_first_max(window))} if kind == "max" else {}
                    POOL_WINDOW[kind].log(
                        **_at(i, h, w, top, left),
                        c=c,
                        window=window,
                        A=A[i, h, w, c],
                        **winner,
                    )
    POOL_FORWARD[kind].log(f=f, s=s, X=X, A=A)
    return A


def max_pool2d_loop(X: Array, f: int = 2, stride: int = 2) -> Array:
    """The largest value of every window, channel by channel (NaN if the window holds one)."""
    return _pool_loop("max", X, f, stride)


def avg_pool2d_loop(X: Array, f: int = 2, stride: int = 2) -> Array:
    """The mean of every window, channel by channel."""
    return _pool_loop("avg", X, f, stride)


def max_pool2d_backward_loop(dA: Array, X: Array, f: int = 2, stride: int = 2) -> Array:
    """Each window's gradient goes to its first maximum (row by row; a window's first NaN, if
    it holds one). ``dA`` must have the shape of the pooled ``A``."""
    op = "max_pool2d_backward_loop"
    X = _volume(op, "X", X)
    f, s, n_H, n_W = _pool_geometry(op, X.shape, f, stride)
    m, n_H_prev, n_W_prev, n_C = X.shape
    dA = gradient(op, "dA", dA, "A", (m, n_H, n_W, n_C))
    xp = array_module(dA)
    dX = _zeros(xp, X.shape, dA)
    narrate = _narrating()
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, 0, s):
            for c in range(n_C):
                a, b = _first_max(X[i, _span(top, f), _span(left, f), c])
                dX[i, top + a, left + b, c] = dX[i, top + a, left + b, c] + dA[i, h, w, c]
                if narrate:
                    MAX_ROUTE.log(
                        **_at(i, h, w, top, left),
                        c=c,
                        argmax=np.array([a, b]),
                        dA=dA[i, h, w, c],
                    )
    POOL_BACKWARD["max"].log(f=f, s=s, dA=dA, dX=dX)
    return dX


def avg_pool2d_backward_loop(dA: Array, X_shape: tuple, f: int = 2, stride: int = 2) -> Array:
    """Each window's gradient is shared equally by its ``f x f`` cells. ``dA`` must have the
    shape of the pooled ``A``."""
    op = "avg_pool2d_backward_loop"
    m, n_H_prev, n_W_prev, n_C = X_shape = _shape_of(op, X_shape)
    f, s, n_H, n_W = _pool_geometry(op, X_shape, f, stride)
    dA = gradient(op, "dA", dA, "A", (m, n_H, n_W, n_C))
    xp = array_module(dA)
    dX = _zeros(xp, X_shape, dA)
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, 0, s):
            at = (i, _span(top, f), _span(left, f), slice(None))
            share = dA[i, h, w, :] / (f * f)
            dX[at] = dX[at] + share
            AVG_SHARE.log(**_at(i, h, w, top, left), dA=dA[i, h, w, :], share=share)
    POOL_BACKWARD["avg"].log(f=f, s=s, dA=dA, dX=dX)
    return dX
