"""Slow, obviously-correct loop versions of convolution and pooling: the test oracle and the
order the scenes narrate (window by window, as :func:`visualdl.engine.conv.windows` lists them).

Example
-------
>>> import numpy as np
>>> from visualdl.engine.conv_loops import conv2d_loop
>>> X = np.arange(16.0).reshape(1, 4, 4, 1)
>>> conv2d_loop(X, np.ones((2, 2, 1, 1)), np.zeros(1), stride=2)[0, :, :, 0].tolist()
[[10.0, 18.0], [42.0, 50.0]]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.conv import _check_conv, _check_steps, output_size, resolve_padding, windows

__all__ = [
    "avg_pool2d_backward_loop",
    "avg_pool2d_loop",
    "conv2d_backward_loop",
    "conv2d_loop",
    "conv_transpose2d_loop",
    "max_pool2d_backward_loop",
    "max_pool2d_loop",
]


def _padded(X: np.ndarray, p: int) -> np.ndarray:
    return np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))


def _window(Xp: np.ndarray, i: int, top: int, left: int, f: int, d: int) -> np.ndarray:
    """``(f, f, n_C)``: the window of example ``i`` at ``(top, left)``, dilation ``d``."""
    return Xp[i, top : top + d * (f - 1) + 1 : d, left : left + d * (f - 1) + 1 : d, :]


def conv2d_loop(
    X: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> np.ndarray:
    """For every example, window and filter: ``sum(window * W[:, :, :, c]) + b[c]``."""
    _check_conv("conv2d_loop", X, W, b)
    _check_steps("conv2d_loop", stride, dilation)
    f, n_C = W.shape[0], W.shape[3]
    p = resolve_padding(padding, f, stride, dilation)
    m, n_H_prev, n_W_prev, _ = X.shape
    Xp = _padded(X, p)
    n_H = output_size(n_H_prev, f, p, stride, dilation)
    n_W = output_size(n_W_prev, f, p, stride, dilation)
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, p, stride, dilation):
            window = _window(Xp, i, top, left, f, dilation)
            for c in range(n_C):
                Z[i, h, w, c] = np.sum(window * W[:, :, :, c]) + b.reshape(-1)[c]
    return Z


def conv2d_backward_loop(
    dZ: np.ndarray,
    X: np.ndarray,
    W: np.ndarray,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Window by window: ``dX_window += W[..., c] dZ``, ``dW[..., c] += window dZ`` (then
    ``/ m``), ``db[c] += dZ`` (then ``/ m``)."""
    f = W.shape[0]
    p = resolve_padding(padding, f, stride, dilation)
    m, n_H_prev, n_W_prev, _ = X.shape
    Xp = _padded(X, p)
    dXp, dW, db = np.zeros_like(Xp), np.zeros_like(W), np.zeros(W.shape[3])
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, p, stride, dilation):
            window = _window(Xp, i, top, left, f, dilation)
            dwindow = _window(dXp, i, top, left, f, dilation)  # a view: adds land in dXp
            for c in range(W.shape[3]):
                g = dZ[i, h, w, c]
                dwindow += W[:, :, :, c] * g
                dW[:, :, :, c] += window * g
                db[c] += g
    dX = dXp[:, p : p + n_H_prev, p : p + n_W_prev, :]
    return dX, dW / m, db / m


def conv_transpose2d_loop(
    X: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Pixel by pixel: add ``X[i, h, w, k] * W[:, :, k, :]`` at ``(s h, s w)``; cut ``p``."""
    f, _, _, n_C = W.shape
    m, n_H, n_W, n_C_prev = X.shape
    Y = np.zeros((m, stride * (n_H - 1) + f, stride * (n_W - 1) + f, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for k in range(n_C_prev):
                    Y[i, stride * h : stride * h + f, stride * w : stride * w + f, :] += (
                        X[i, h, w, k] * W[:, :, k, :]
                    )
    p = padding
    Y = Y[:, p : Y.shape[1] - p, p : Y.shape[2] - p, :]
    return Y + b.reshape(-1)


def _pool_loop(X: np.ndarray, f: int, stride: int, reduce) -> np.ndarray:
    m, n_H_prev, n_W_prev, n_C = X.shape
    A = np.zeros((m, output_size(n_H_prev, f, 0, stride), output_size(n_W_prev, f, 0, stride), n_C))
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, 0, stride):
            for c in range(n_C):
                A[i, h, w, c] = reduce(X[i, top : top + f, left : left + f, c])
    return A


def max_pool2d_loop(X: np.ndarray, f: int = 2, stride: int = 2) -> np.ndarray:
    """The largest value of every window, channel by channel."""
    return _pool_loop(X, f, stride, np.max)


def avg_pool2d_loop(X: np.ndarray, f: int = 2, stride: int = 2) -> np.ndarray:
    """The mean of every window, channel by channel."""
    return _pool_loop(X, f, stride, np.mean)


def max_pool2d_backward_loop(
    dA: np.ndarray, X: np.ndarray, f: int = 2, stride: int = 2
) -> np.ndarray:
    """Each window's gradient goes to its first maximum (row by row)."""
    dX = np.zeros_like(X)
    m, n_H_prev, n_W_prev, n_C = X.shape
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, 0, stride):
            for c in range(n_C):
                window = X[i, top : top + f, left : left + f, c]
                a, b = np.unravel_index(np.argmax(window), window.shape)
                dX[i, top + a, left + b, c] += dA[i, h, w, c]
    return dX


def avg_pool2d_backward_loop(
    dA: np.ndarray, X_shape: tuple, f: int = 2, stride: int = 2
) -> np.ndarray:
    """Each window's gradient is shared equally by its ``f x f`` cells."""
    dX = np.zeros(X_shape)
    m, n_H_prev, n_W_prev, n_C = X_shape
    for i in range(m):
        for h, w, top, left in windows(n_H_prev, n_W_prev, f, 0, stride):
            dX[i, top : top + f, left : left + f, :] += dA[i, h, w, :] / (f * f)
    return dX
