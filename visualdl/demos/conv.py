"""The convolution chapter's examples: sliding windows, padding and stride, channels, pooling
and the transposed convolution. The engine's loop versions (:mod:`visualdl.engine.conv_loops`)
run them and narrate every step; this module only chooses the examples.

Convolution here is cross-correlation, as in the notes and every framework: the kernel is not
flipped.

:func:`conv_sliding_trace` (scene ``conv-sliding``), in three labelled sections (``case``):

- ``case="valid"``: :func:`~visualdl.engine.conv_loops.conv2d_loop` on the notes' 6x6 image
  (left half 10, right half 0) with the vertical edge kernel ``[[1, 0, -1]] * 3``, valid,
  stride 1 -> 4x4 with a band of 30s: one ``conv2d.window`` per output cell, then
  ``conv2d.forward``; and ``conv_sliding.size`` (:data:`SIZE`), the output-size arithmetic;
- ``case="strided"``: the same with ``p = 1, s = 2`` -> 3x3 (``conv2d.forward`` holds the padded
  input ``X_pad`` the kernel walks);
- ``case="channels"``: an RGB-like volume ``X (1, 4, 4, 3)`` with two ``3x3x3`` kernels
  ``W (3, 3, 3, 2)`` -> ``Z (1, 2, 2, 2)`` (each window's ``channel_sums``: every input channel's
  share), and ``conv_sliding.volume`` (:data:`VOLUME`, the parameter count).

:func:`pooling_trace` (scene ``pooling``): max and average pooling (2x2, stride 2, on the notes'
4x4 example) with their ``*.window`` records (the max winner's row and column), then both
backward passes for the upstream gradient ``dA`` (``max_pool2d.route``, ``avg_pool2d.share``).

:func:`conv_transpose_trace` (scene ``conv-transpose``): the transposed convolution of
``[[0, 1], [2, 3]]`` with the kernel ``[[0, 1], [2, 3]]`` (stride 1) -> ``[[0, 0, 1], [0, 4, 6],
[4, 12, 9]]``, one ``conv_transpose2d.stamp`` per input pixel, and ``conv_transpose.size``
(:data:`TRANSPOSE_SIZE`: the output side ``s (n - 1) + f - 2p``, read from the engine's output).

Example
-------
>>> from visualdl.demos.conv import conv_sliding_trace, conv_transpose_trace
>>> tr = conv_sliding_trace()
>>> tr.last("conv2d.forward", case="valid")["Z"][0, 0, :, 0].tolist()
[0.0, 30.0, 30.0, 0.0]
>>> conv_transpose_trace().last("conv_transpose2d.stamp")["partial"][:, :, 0].tolist()
[[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [4.0, 12.0, 9.0]]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.conv import output_size
from visualdl.engine.conv_loops import (
    avg_pool2d_backward_loop,
    avg_pool2d_loop,
    conv2d_loop,
    conv_transpose2d_loop,
    max_pool2d_backward_loop,
    max_pool2d_loop,
)
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = [
    "EDGE_IMAGE",
    "POOL_DA",
    "POOL_X",
    "RGB_SEED",
    "SIZE",
    "TRANSPOSE_SIZE",
    "TRANSPOSE_W",
    "TRANSPOSE_X",
    "VERTICAL",
    "VOLUME",
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


SIZE = declare(
    "conv_sliding.size",
    info={
        "n": "input side",
        "f": "kernel side",
        "p": "padding",
        "s": "stride",
        "numerator": "n + 2p - f",
        "ratio": "(n + 2p - f) / s",
        "n_out": "floor(ratio) + 1, the engine's output_size",
        "next_start": "where the first dropped window would start",
        "padded": "n + 2p",
    },
)
VOLUME = declare(
    "conv_sliding.volume",
    info={"n_params": "f f n_C_prev n_C + n_C", "f": "kernel side", "n_C": "filters"},
)
TRANSPOSE_SIZE = declare(
    "conv_transpose.size",
    info={
        "n": "input side",
        "f": "kernel side",
        "s": "stride",
        "p": "padding",
        "n_out": "s (n - 1) + f - 2p, the engine's output side",
    },
)


def _as_nhwc(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, *a.shape, 1) if a.ndim == 2 else a.reshape(1, *a.shape)


def _slide(case: str, X: np.ndarray, K: np.ndarray, p: int, s: int) -> None:
    """The engine's loop walks the 2-D image ``X`` with the 2-D kernel ``K`` (every window
    narrated), then the output-size arithmetic of the pass."""
    n, f = X.shape[0], K.shape[0]
    with record(case=case):
        conv2d_loop(_as_nhwc(X), K.reshape(f, f, 1, 1), np.zeros(1), stride=s, padding=p)
        n_out = output_size(n, f, p, s)
        numerator = n + 2 * p - f
        SIZE.log(
            n=n,
            f=f,
            p=p,
            s=s,
            numerator=numerator,
            ratio=numerator / s,
            n_out=n_out,
            next_start=n_out * s,
            padded=n + 2 * p,
        )


def conv_sliding_trace(p: int = 1, s: int = 2, seed: int = RGB_SEED) -> Trace:
    """The ``conv-sliding`` scene's data (records in the module docstring).

    Parameters
    ----------
    p, s : padding and stride of the second pass over the 6x6 image.
    seed : draws the RGB-like volume ``(1, 4, 4, 3)`` (integers 0..4) and the two kernels
        ``(3, 3, 3, 2)`` (integers -1..1) with ``numpy.random.default_rng(seed)``.
    """
    with record(demo="conv-sliding", p=p, s=s, seed=seed) as tr:
        _slide("valid", EDGE_IMAGE, VERTICAL, 0, 1)
        _slide("strided", EDGE_IMAGE, VERTICAL, p, s)
        rng = np.random.default_rng(seed)
        X = rng.integers(0, 5, size=(1, 4, 4, 3)).astype(float)
        W = rng.integers(-1, 2, size=(3, 3, 3, 2)).astype(float)
        with record(case="channels"):
            conv2d_loop(X, W, np.zeros(2))
            f, _, n_C_prev, n_C = W.shape
            VOLUME.log(n_params=f * f * n_C_prev * n_C + n_C, f=f, n_C=n_C)
    return tr


def pooling_trace(X: np.ndarray = POOL_X, dA: np.ndarray = POOL_DA, f: int = 2) -> Trace:
    """Max and average pooling (``f x f``, stride ``f``) of ``X``, forward and backward.

    Shapes: ``X (n, n)`` (one example, one channel), ``dA`` the pooled shape. Records in the
    module docstring.
    """
    Xb, dAb = _as_nhwc(X), _as_nhwc(dA)
    with record(demo="pooling", f=f, s=f) as tr:
        max_pool2d_loop(Xb, f, f)
        avg_pool2d_loop(Xb, f, f)
        max_pool2d_backward_loop(dAb, Xb, f, f)
        avg_pool2d_backward_loop(dAb, Xb.shape, f, f)
    return tr


def conv_transpose_trace(X: np.ndarray = TRANSPOSE_X, W: np.ndarray = TRANSPOSE_W) -> Trace:
    """The transposed convolution of ``X (n, n)`` with ``W (f, f)``, stride 1, as a
    scatter-add: each input pixel adds ``x W`` into the output at its own offset
    (``Y[h + i, w + j] += X[h, w] W[i, j]``). The last stamp's ``partial`` is the output.
    """
    f, n, s, p = W.shape[0], X.shape[0], 1, 0
    with record(demo="conv-transpose", s=s) as tr:
        Z = conv_transpose2d_loop(_as_nhwc(X), W.reshape(f, f, 1, 1), np.zeros(1), s, p)
        TRANSPOSE_SIZE.log(n=n, f=f, s=s, p=p, n_out=int(Z.shape[1]))
    return tr
