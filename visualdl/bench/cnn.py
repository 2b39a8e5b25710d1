"""The convolution chapter's benchmarks: conv2d, transposed conv, max and average pooling, and
batch norm, each forward + backward in the engine's layout ``(m, n_H, n_W, n_C)``.

PyTorch runs NCHW tensors made outside the timing; its gradients are of the summed loss, so
its ``dW`` and ``db`` are divided by ``m`` before they meet the engine's (which carry the 1/m).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.bench.harness import Bench, Pair
from visualdl.engine.batchnorm import batch_norm, batch_norm_backward
from visualdl.engine.conv import (
    avg_pool2d,
    avg_pool2d_backward,
    conv2d,
    conv2d_backward,
    conv_transpose2d,
    conv_transpose2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from visualdl.engine.conv_loops import (
    avg_pool2d_backward_loop,
    avg_pool2d_loop,
    conv2d_backward_loop,
    conv2d_loop,
    conv_transpose2d_loop,
    max_pool2d_backward_loop,
    max_pool2d_loop,
)

__all__ = ["BENCHES"]

Array = np.ndarray


def _normal(shape: tuple[int, ...], dtype: str, seed: int = 0, scale: float = 1.0) -> Array:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _nchw(torch: Any, A: Array, grad: bool = False) -> Any:
    """An NCHW tensor (a copy) of the NHWC array ``A``."""
    return torch.tensor(A.transpose(0, 3, 1, 2).copy(), requires_grad=grad)


def _nhwc(t: Any) -> Array:
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _autograd(out: Any, inputs: list[Any], upstream: Any) -> Any:
    """``out()`` then its backward with ``upstream``, the grads of ``inputs`` cleared first."""

    def step() -> Any:
        for t in inputs:
            t.grad = None
        y = out()
        y.backward(upstream)
        return y

    return step


# -- conv2d -----------------------------------------------------------------------------------


def _conv_inputs(m: int, n: int, c_in: int, c_out: int, dtype: str) -> tuple[Array, ...]:
    X = _normal((m, n, n, c_in), dtype, 0)
    W = _normal((3, 3, c_in, c_out), dtype, 1, 0.1)
    b = _normal((c_out,), dtype, 2)
    dZ = _normal((m, n, n, c_out), dtype, 3)
    return X, W, b, dZ


def _conv_engine(X: Array, W: Array, b: Array, dZ: Array) -> list[Array]:
    Z, cache = conv2d(X, W, b, 1, 1)
    return [Z, *conv2d_backward(dZ, cache)]


def _conv_loop(quick: bool, dtype: str) -> Pair:
    X, W, b, dZ = _conv_inputs(2, 5, 2, 3, dtype) if quick else _conv_inputs(8, 12, 4, 8, dtype)

    def loop() -> list[Array]:
        return [conv2d_loop(X, W, b, 1, 1), *conv2d_backward_loop(dZ, X, W, 1, 1)]

    return Pair(
        lambda: _conv_engine(X, W, b, dZ), loop, lambda: (_conv_engine(X, W, b, dZ), loop())
    )


def _conv_torch(torch: Any, quick: bool, dtype: str) -> Pair:
    m = 2 if quick else 64
    X, W, b, dZ = _conv_inputs(m, 8 if quick else 32, 16, 32, dtype)
    x, dz = _nchw(torch, X, True), _nchw(torch, dZ)
    w = torch.tensor(W.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    step = _autograd(lambda: torch.nn.functional.conv2d(x, w, bt, padding=1), [x, w, bt], dz)

    def results() -> tuple[list[Array], list[Array]]:
        y = step()
        theirs = [_nhwc(y), _nhwc(x.grad), w.grad.numpy().transpose(2, 3, 1, 0) / m]
        return _conv_engine(X, W, b, dZ), [*theirs, bt.grad.numpy() / m]

    return Pair(lambda: _conv_engine(X, W, b, dZ), step, results)


def _conv(dtype: str, target: float, target_default: float | None) -> Bench:
    return Bench(
        "conv2d",
        dtype,
        "X (64, 32, 32, 16), W (3, 3, 16, 32), pad 1",
        lambda q: _conv_loop(q, dtype),
        lambda t, q: _conv_torch(t, q, dtype),
        target,
        target_default,
        loop_target=100.0,
    )


# -- transposed convolution -------------------------------------------------------------------


def _transpose_inputs(m: int, n: int, c_in: int, c_out: int, dtype: str) -> tuple[Array, ...]:
    X = _normal((m, n, n, c_in), dtype, 0)
    W = _normal((4, 4, c_in, c_out), dtype, 1, 0.1)
    b = _normal((c_out,), dtype, 2)
    dY = _normal((m, 2 * n, 2 * n, c_out), dtype, 3)  # s (n - 1) + f - 2p = 2n
    return X, W, b, dY


def _transpose_loop(quick: bool, dtype: str) -> Pair:
    X, W, b, _ = (
        _transpose_inputs(2, 3, 2, 3, dtype) if quick else _transpose_inputs(8, 8, 4, 8, dtype)
    )

    def engine() -> list[Array]:
        return [conv_transpose2d(X, W, b, 2, 1)[0]]

    def loop() -> list[Array]:
        return [conv_transpose2d_loop(X, W, b, 2, 1)]

    return Pair(engine, loop, lambda: (engine(), loop()))


def _transpose_engine(X: Array, W: Array, b: Array, dY: Array) -> list[Array]:
    Y, cache = conv_transpose2d(X, W, b, 2, 1)
    return [Y, *conv_transpose2d_backward(dY, cache)]


def _transpose_torch(torch: Any, quick: bool, dtype: str) -> Pair:
    m = 2 if quick else 64
    X, W, b, dY = _transpose_inputs(m, 4 if quick else 16, 32, 16, dtype)
    x, dy = _nchw(torch, X, True), _nchw(torch, dY)
    w = torch.tensor(W.transpose(2, 3, 0, 1).copy(), requires_grad=True)  # (in, out, f, f)
    bt = torch.tensor(b, requires_grad=True)
    step = _autograd(
        lambda: torch.nn.functional.conv_transpose2d(x, w, bt, stride=2, padding=1),
        [x, w, bt],
        dy,
    )

    def results() -> tuple[list[Array], list[Array]]:
        y = step()
        theirs = [_nhwc(y), _nhwc(x.grad), w.grad.numpy().transpose(2, 3, 0, 1) / m]
        return _transpose_engine(X, W, b, dY), [*theirs, bt.grad.numpy() / m]

    return Pair(lambda: _transpose_engine(X, W, b, dY), step, results)


def _transpose(dtype: str, target: float | None) -> Bench:
    return Bench(
        "conv_transpose2d",
        dtype,
        "X (64, 16, 16, 32), W (4, 4, 32, 16), stride 2, pad 1",
        lambda q: _transpose_loop(q, dtype),
        lambda t, q: _transpose_torch(t, q, dtype),
        target,
        None,
        loop_target=100.0,
        loop_what="forward",
    )


# -- pooling ----------------------------------------------------------------------------------

_POOLS = {  # forward, backward, and their loop oracles (the torch function has the same name)
    "max_pool2d": (max_pool2d, max_pool2d_backward, max_pool2d_loop, max_pool2d_backward_loop),
    "avg_pool2d": (avg_pool2d, avg_pool2d_backward, avg_pool2d_loop, avg_pool2d_backward_loop),
}


def _pool_engine(kind: str, X: Array, dA: Array) -> list[Array]:
    forward, backward, _, _ = _POOLS[kind]
    A, cache = forward(X, 2, 2)
    return [A, backward(dA, cache)]


def _pool_loop_run(kind: str, X: Array, dA: Array) -> list[Array]:
    _, _, forward, backward = _POOLS[kind]
    return [forward(X, 2, 2), backward(dA, X if kind == "max_pool2d" else X.shape, 2, 2)]


def _pool_inputs(shape: tuple[int, ...], dtype: str) -> tuple[Array, Array]:
    m, n, _, c = shape
    return _normal(shape, dtype, 0), _normal((m, n // 2, n // 2, c), dtype, 1)


def _pool_loop(kind: str, quick: bool, dtype: str) -> Pair:
    X, dA = _pool_inputs((2, 4, 4, 2) if quick else (8, 16, 16, 8), dtype)
    return Pair(
        lambda: _pool_engine(kind, X, dA),
        lambda: _pool_loop_run(kind, X, dA),
        lambda: (_pool_engine(kind, X, dA), _pool_loop_run(kind, X, dA)),
    )


def _pool_torch(kind: str, torch: Any, quick: bool, dtype: str) -> Pair:
    X, dA = _pool_inputs((2, 8, 8, 4) if quick else (64, 32, 32, 32), dtype)
    x, da = _nchw(torch, X, True), _nchw(torch, dA)
    pool = getattr(torch.nn.functional, kind)
    step = _autograd(lambda: pool(x, 2, 2), [x], da)

    def results() -> tuple[list[Array], list[Array]]:
        y = step()
        return _pool_engine(kind, X, dA), [_nhwc(y), _nhwc(x.grad)]

    return Pair(lambda: _pool_engine(kind, X, dA), step, results)


def _pool(kind: str, dtype: str) -> Bench:
    return Bench(
        kind,
        dtype,
        "X (64, 32, 32, 32), f 2, stride 2",
        lambda q: _pool_loop(kind, q, dtype),
        lambda t, q: _pool_torch(kind, t, q, dtype),
        1.0,
        1.0,
        loop_target=100.0,
    )


# -- batch norm -------------------------------------------------------------------------------


def _bn_engine(Z: Array, gamma: Array, beta: Array, dout: Array) -> list[Array]:
    out, cache = batch_norm(Z, gamma, beta)
    return [out, *batch_norm_backward(dout, cache)]


def _bn_torch(torch: Any, quick: bool, dtype: str) -> Pair:
    shape = (2, 8, 8, 4) if quick else (64, 32, 32, 32)
    m, c = shape[0], shape[3]
    Z, dout = _normal(shape, dtype, 0, 2.0) + 1, _normal(shape, dtype, 1)
    gamma, beta = _normal((c,), dtype, 2) + 1, _normal((c,), dtype, 3)
    z, d = _nchw(torch, Z, True), _nchw(torch, dout)
    g, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    step = _autograd(
        lambda: torch.nn.functional.batch_norm(z, None, None, g, bt, training=True, eps=1e-5),
        [z, g, bt],
        d,
    )

    def results() -> tuple[list[Array], list[Array]]:
        y = step()
        theirs = [_nhwc(y), _nhwc(z.grad), g.grad.numpy() / m, bt.grad.numpy() / m]
        return _bn_engine(Z, gamma, beta, dout), theirs

    return Pair(lambda: _bn_engine(Z, gamma, beta, dout), step, results)


def _bn(dtype: str) -> Bench:
    return Bench(
        "batch_norm",
        dtype,
        "Z (64, 32, 32, 32), per channel",
        None,
        lambda t, q: _bn_torch(t, q, dtype),
        1.8,
        None,
    )


BENCHES: tuple[Bench, ...] = (
    _conv("float32", 1.7, 2.5),
    _conv("float64", 0.6, None),
    _transpose("float32", 2.0),
    _transpose("float64", None),
    _pool("max_pool2d", "float32"),
    _pool("max_pool2d", "float64"),
    _pool("avg_pool2d", "float32"),
    _pool("avg_pool2d", "float64"),
    _bn("float32"),
    _bn("float64"),
)
