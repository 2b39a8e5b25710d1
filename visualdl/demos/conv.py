"""The convolution chapter's examples: sliding windows, padding and stride, channels, pooling
and the transposed convolution, every number computed by :mod:`visualdl.engine.conv`.

Convolution here is cross-correlation, as in the notes and every framework: the kernel is not
flipped. Window positions come from :func:`visualdl.engine.conv.windows` (visiting order, row by
row); the demo adds, per window, what a scene narrates: the window's values, the elementwise
products with the kernel and their sum (which equals the engine's output cell).

:func:`conv_sliding_trace` (scene ``conv-sliding``), records in this order:

- ``conv2d.forward`` (by the engine) on the notes' 6x6 image (left half 10, right half 0) with
  the vertical edge kernel ``[[1, 0, -1]] * 3``, valid, stride 1 -> 4x4 with a band of 30s;
- ``window`` (one per output cell, ``windows()`` order), info ``case="valid", h, w, top,
  left``; arrays ``window (f, f)``, ``products (f, f)``, ``sum ()``;
- ``size`` (info ``case, n, f, p, s, numerator = n + 2p - f, ratio = numerator / s,
  n_out = floor(ratio) + 1``, ``next_start``: where the first dropped window would start,
  ``padded = n + 2p``);
- the same for ``case="strided"`` (``p = 1, s = 2`` -> 3x3): ``conv2d.forward``, ``window``
  records, ``size``, and ``padded`` with ``X_pad (n + 2p, n + 2p)`` (the input the kernel walks);
- ``conv2d.forward`` on an RGB-like volume ``X (1, 4, 4, 3)`` with two ``3x3x3`` kernels
  ``W (3, 3, 3, 2)`` -> ``Z (1, 2, 2, 2)``, then ``channels`` records (one per window, info
  ``h, w, top, left``): ``channel_sums (n_C_prev, n_C)``: each input channel's share of every
  output channel (they add up to ``Z[0, h, w, :]`` minus the bias), and ``volume`` (info
  ``n_params = f f n_C_prev n_C + n_C``).

:func:`pooling_trace` (scene ``pooling``): ``max_pool2d.forward``, ``avg_pool2d.forward`` (2x2,
stride 2, on the notes' 4x4 example), ``window`` records (info ``h, w, top, left``; arrays
``window``, ``argmax`` ``(2,)`` = row and column of the first maximum inside the window), then
``max_pool2d.backward`` and ``avg_pool2d.backward`` for the upstream gradient ``dA``.

:func:`conv_transpose_trace` (scene ``conv-transpose``): ``conv_transpose2d.forward`` of
``[[0, 1], [2, 3]]`` with the kernel ``[[0, 1], [2, 3]]`` (stride 1) -> ``[[0, 0, 1], [0, 4,
6], [4, 12, 9]]``, a ``size`` record (info ``n, f, s, p, n_out``: the output side
``s (n - 1) + f - 2p``, read from the engine's output), then one ``scatter`` record per input
pixel (info ``h, w, top, left``; arrays ``x ()``, ``scaled (f, f)`` = ``x W``, ``partial`` =
the output after adding it).

Example
-------
>>> from visualdl.demos.conv import conv_sliding_trace, conv_transpose_trace
>>> tr = conv_sliding_trace()
>>> tr.find("conv2d.forward")[0]["Z"][0, 0, :, 0].tolist()
[0.0, 30.0, 30.0, 0.0]
>>> conv_transpose_trace().last("scatter")["partial"].tolist()
[[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [4.0, 12.0, 9.0]]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.conv import (
    avg_pool2d,
    avg_pool2d_backward,
    conv2d,
    conv_transpose2d,
    max_pool2d,
    max_pool2d_backward,
    output_size,
    windows,
)
from visualdl.trace import Trace, record

__all__ = [
    "EDGE_IMAGE",
    "POOL_DA",
    "POOL_X",
    "RGB_SEED",
    "TRANSPOSE_W",
    "TRANSPOSE_X",
    "VERTICAL",
    "conv_sliding_trace",
    "conv_transpose_trace",
    "pooling_trace",
]

#: The notes' 6x6 example: a bright left half (10) next to a dark right half (0).
EDGE_IMAGE = np.array([[10.0] * 3 + [0.0] * 3] * 6)
#: The vertical edge detector of the notes (A29).
VERTICAL = np.array([[1.0, 0.0, -1.0]] * 3)
#: The 4x4 max-pooling example (max 2x2 stride 2 gives [[9, 2], [6, 3]]).
POOL_X = np.array([[1.0, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]])
#: The upstream gradient the pooling backward pass routes.
POOL_DA = np.array([[1.0, 2.0], [3.0, 4.0]])
#: The notes' transposed-convolution example (input and kernel).
TRANSPOSE_X = np.array([[0.0, 1.0], [2.0, 3.0]])
TRANSPOSE_W = np.array([[0.0, 1.0], [2.0, 3.0]])
RGB_SEED = 4


def _as_nhwc(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, *a.shape, 1) if a.ndim == 2 else a.reshape(1, *a.shape)


def _walk(tr: Trace, case: str, X: np.ndarray, K: np.ndarray, p: int, s: int) -> None:
    """Record ``conv2d`` of the 2-D image ``X`` with the 2-D kernel ``K``, then every window's
    values, products and sum (in ``windows()`` order) and the output-size arithmetic."""
    n, f = X.shape[0], K.shape[0]
    with record() as rec:
        conv2d(_as_nhwc(X), K.reshape(f, f, 1, 1), np.zeros(1), stride=s, padding=p)
    tr.records.extend(rec.records)
    Xp = np.pad(X, p)
    for h, w, top, left in windows(n, n, f, p, s):
        win = Xp[top : top + f, left : left + f]
        products = win * K
        tr.add(
            "window",
            {"case": case, "h": h, "w": w, "top": top, "left": left},
            window=win,
            products=products,
            sum=np.sum(products),
        )
    n_out = output_size(n, f, p, s)
    numerator = n + 2 * p - f
    tr.add(
        "size",
        {
            "case": case,
            "n": n,
            "f": f,
            "p": p,
            "s": s,
            "numerator": numerator,
            "ratio": numerator / s,
            "n_out": n_out,
            "next_start": n_out * s,
            "padded": n + 2 * p,
        },
    )
    if p:
        tr.add("padded", {"case": case, "p": p}, X_pad=Xp)


def conv_sliding_trace(p: int = 1, s: int = 2, seed: int = RGB_SEED) -> Trace:
    """The ``conv-sliding`` scene's data (records in the module docstring).

    Parameters
    ----------
    p, s : padding and stride of the second pass over the 6x6 image.
    seed : draws the RGB-like volume ``(1, 4, 4, 3)`` (integers 0..4) and the two kernels
        ``(3, 3, 3, 2)`` (integers -1..1) with ``numpy.random.default_rng(seed)``.
    """
    tr = Trace({"demo": "conv-sliding", "p": p, "s": s, "seed": seed})
    _walk(tr, "valid", EDGE_IMAGE, VERTICAL, 0, 1)
    _walk(tr, "strided", EDGE_IMAGE, VERTICAL, p, s)

    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(1, 4, 4, 3)).astype(float)
    W = rng.integers(-1, 2, size=(3, 3, 3, 2)).astype(float)
    b = np.zeros(2)
    with record() as rec:
        conv2d(X, W, b)
    tr.records.extend(rec.records)
    f, _, n_C_prev, n_C = W.shape
    for h, w, top, left in windows(4, 4, f):
        win = X[0, top : top + f, left : left + f, :]  # (f, f, n_C_prev)
        sums = np.einsum("abk,abkc->kc", win, W)  # each input channel's share, per filter
        tr.add("channels", {"h": h, "w": w, "top": top, "left": left}, channel_sums=sums)
    tr.add("volume", {"n_params": f * f * n_C_prev * n_C + n_C, "f": f, "n_C": n_C})
    return tr


def pooling_trace(X: np.ndarray = POOL_X, dA: np.ndarray = POOL_DA, f: int = 2) -> Trace:
    """Max and average pooling (``f x f``, stride ``f``) of ``X``, forward and backward.

    Shapes: ``X (n, n)`` (one example, one channel), ``dA`` the pooled shape. Records in the
    module docstring.
    """
    tr = Trace({"demo": "pooling", "f": f, "s": f})
    Xb, dAb = _as_nhwc(X), _as_nhwc(dA)
    with record() as rec:
        _, cache_max = max_pool2d(Xb, f, f)
        _, cache_avg = avg_pool2d(Xb, f, f)
    tr.records.extend(rec.records)
    for h, w, top, left in windows(X.shape[0], X.shape[1], f, 0, f):
        win = X[top : top + f, left : left + f]
        arg = np.array(np.unravel_index(np.argmax(win), win.shape))
        tr.add("window", {"h": h, "w": w, "top": top, "left": left}, window=win, argmax=arg)
    with record() as rec:
        max_pool2d_backward(dAb, cache_max)
        avg_pool2d_backward(dAb, cache_avg)
    tr.records.extend(rec.records)
    return tr


def conv_transpose_trace(X: np.ndarray = TRANSPOSE_X, W: np.ndarray = TRANSPOSE_W) -> Trace:
    """The transposed convolution of ``X (n, n)`` with ``W (f, f)``, stride 1, as a
    scatter-add: each input pixel adds ``x W`` into the output at its own offset
    (``Y[h + i, w + j] += X[h, w] W[i, j]``). The last ``partial`` equals the engine's ``Z``.
    """
    tr = Trace({"demo": "conv-transpose", "s": 1})
    f, n, s, p = W.shape[0], X.shape[0], 1, 0
    with record() as rec:
        Z, _ = conv_transpose2d(_as_nhwc(X), W.reshape(f, f, 1, 1), np.zeros(1), s, p)
    tr.records.extend(rec.records)
    tr.add("size", {"n": n, "f": f, "s": s, "p": p, "n_out": int(Z.shape[1])})
    partial = np.zeros(Z.shape[1:3])
    for h in range(X.shape[0]):
        for w in range(X.shape[1]):
            scaled = X[h, w] * W
            partial = partial.copy()
            partial[h : h + f, w : w + f] += scaled
            tr.add(
                "scatter",
                {"h": h, "w": w, "top": h, "left": w},
                x=X[h, w],
                scaled=scaled,
                partial=partial,
            )
    return tr
