"""Convolution (cross-correlation), transposed convolution and pooling, in the notes' layout.

Tensors are ``(m, n_H, n_W, n_C)`` and kernels ``(f, f, n_C_prev, n_C)``. Like the notes and
every framework, "convolution" here is cross-correlation: the kernel is not flipped.

Output size along an axis: ``floor((n + 2p - d(f - 1) - 1) / s) + 1``, which is the notes'
``floor((n + 2p - f) / s) + 1`` for dilation ``d = 1``. :func:`window_starts` gives the top-left
corner of every window; the fast ops, the slow loop oracles and the scenes all take the window
positions from it.

The fast ops never record: layers (:mod:`visualdl.engine.cnn_layers`) record their passes,
and the loop versions (:mod:`visualdl.engine.conv_loops`) narrate every window.

Gradient convention (as for dense layers): ``dZ`` and ``dX`` are per-example gradients of the
summed loss; ``dW`` and ``db`` are gradients of the mean cost, so they carry the 1/m.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.conv import conv2d
>>> X = np.zeros((1, 6, 6, 1)); X[0, :, :3, 0] = 10      # the notes' bright | dark image
>>> W = np.array([[1, 0, -1]] * 3, float).reshape(3, 3, 1, 1)  # vertical edge detector
>>> Z, _ = conv2d(X, W, np.zeros(1))
>>> Z[0, 0, :, 0].tolist()
[0.0, 30.0, 30.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.backend import array_module
from visualdl.engine.checks import check_batch, check_ndim, gradient, integer, is_int, real_array

__all__ = [
    "avg_pool2d",
    "avg_pool2d_backward",
    "conv2d",
    "conv2d_backward",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "output_size",
    "resolve_padding",
    "window_starts",
    "windows",
]

Array = Any

# Bytes of windows one block of examples gathers at a time: the fast convolutions loop over
# blocks so that a block's windows stay in cache for its matrix products (4 examples of a
# 32x32x16 float32 input with a 3x3 kernel, 2 in float64).
_BLOCK_BYTES = 2_500_000


# -- the door: every array and hyper-parameter of the ops below comes in through these -------

_NHWC = "(m, n_H, n_W, n_C)"
_KERNEL = "(f, f, n_C_prev, n_C)"


def _volume(op: str, name: str, X: Any) -> Array:
    """``X`` as a real ``(m, n_H, n_W, n_C)`` array with ``m >= 1`` and every side ``>= 1``."""
    X = real_array(op, name, X)
    check_ndim(op, name, X, 4, _NHWC)
    check_batch(op, name, X, 0)
    if min(X.shape[1:]) < 1:
        raise ValueError(f"{op}: {name} must have n_H, n_W, n_C >= 1, got shape {tuple(X.shape)}")
    return X


def _input_and_kernel(op: str, X: Any, W: Any) -> tuple[Array, Array]:
    """``X (m, n_H, n_W, n_C_prev)`` and a square kernel ``W (f, f, n_C_prev, n_C)``."""
    X, W = _volume(op, "X", X), real_array(op, "W", W)
    check_ndim(op, "W", W, 4, _KERNEL)
    if W.shape[0] != W.shape[1] or min(W.shape) < 1:
        raise ValueError(
            f"{op}: W must be {_KERNEL}, a square kernel with every size >= 1, "
            f"got shape {tuple(W.shape)}"
        )
    if X.shape[3] != W.shape[2]:
        raise ValueError(
            f"{op}: X has {X.shape[3]} channels but W expects n_C_prev = {W.shape[2]} "
            f"(X {tuple(X.shape)}, W {tuple(W.shape)})"
        )
    return X, W


def _bias(op: str, b: Any, n_C: int) -> Array:
    """``b`` of ``n_C`` entries, ``(n_C,)`` or ``(1, 1, 1, n_C)``."""
    b = real_array(op, "b", b)
    if tuple(b.shape) not in ((n_C,), (1, 1, 1, n_C)):
        raise ValueError(f"{op}: b must have {n_C} entries, got shape {tuple(b.shape)}")
    return b


def _output_size(op: str, n: int, f: int, p: int, s: int, d: int) -> int:
    """:func:`output_size` of checked ints; ``ValueError`` naming ``op`` when nothing fits."""
    span = d * (f - 1) + 1
    if span > n + 2 * p:
        raise ValueError(
            f"{op}: kernel spans {span} pixels (f={f}, dilation={d}) but the padded input "
            f"has only {n + 2 * p} (n={n}, p={p})"
        )
    return (n + 2 * p - span) // s + 1


def _resolve_padding(op: str, padding: int | str, f: int, s: int, d: int) -> int:
    """:func:`resolve_padding` of checked ``f, s, d``."""
    if isinstance(padding, str) and padding == "valid":
        return 0
    if isinstance(padding, str) and padding == "same":
        span = d * (f - 1) + 1
        if s != 1 or span % 2 == 0:
            raise ValueError(
                f"{op}: padding 'same' keeps n_H and n_W only with stride 1 and an odd kernel "
                f"span, got stride {s} and span {span} (f={f}, dilation={d})"
            )
        return (span - 1) // 2
    if not (is_int(padding) and padding >= 0):
        raise ValueError(f"{op}: padding must be 'valid', 'same' or an int >= 0, got {padding!r}")
    return int(padding)


def _conv_geometry(
    op: str, X: Array, W: Array, stride: Any, padding: Any, dilation: Any
) -> tuple[int, int, int, int, int]:
    """``(s, p, d, n_H, n_W)`` of a convolution of ``X`` by ``W`` (both checked)."""
    s, d = integer(op, "stride", stride), integer(op, "dilation", dilation)
    f = int(W.shape[0])
    p = _resolve_padding(op, padding, f, s, d)
    n_H = _output_size(op, int(X.shape[1]), f, p, s, d)
    return s, p, d, n_H, _output_size(op, int(X.shape[2]), f, p, s, d)


def _transpose_geometry(
    op: str, X: Array, W: Array, stride: Any, padding: Any
) -> tuple[int, int, int, int]:
    """``(s, p, out_H, out_W)`` of a transposed convolution, ``out`` before cutting ``p``."""
    s, p = integer(op, "stride", stride), integer(op, "padding", padding, 0)
    f = int(W.shape[0])
    out_H, out_W = s * (int(X.shape[1]) - 1) + f, s * (int(X.shape[2]) - 1) + f
    if out_H - 2 * p < 1 or out_W - 2 * p < 1:
        raise ValueError(f"{op}: padding {p} leaves no output from {out_H}x{out_W}")
    return s, p, out_H, out_W


def _pool_geometry(op: str, X_shape: tuple, f: Any, stride: Any) -> tuple[int, int, int, int]:
    """``(f, s, n_H, n_W)`` of an ``f x f`` pooling of a checked ``X`` of shape ``X_shape``."""
    f, s = integer(op, "f", f), integer(op, "stride", stride)
    n_H = _output_size(op, int(X_shape[1]), f, 0, s, 1)
    return f, s, n_H, _output_size(op, int(X_shape[2]), f, 0, s, 1)


def _shape_of(op: str, X_shape: Any) -> tuple[int, ...]:
    """``X_shape`` as four ints ``>= 1`` (``m`` included), for a backward given a shape."""
    four = isinstance(X_shape, tuple | list) and len(X_shape) == 4
    if not (four and all(is_int(n) and n >= 1 for n in X_shape)):
        raise ValueError(f"{op}: X_shape must be {_NHWC} of ints >= 1, got {X_shape!r}")
    return tuple(int(n) for n in X_shape)


def _starts(op: str, n: int, f: int, p: int, s: int, d: int) -> np.ndarray:
    """The first row (or column) of every window, of checked ints."""
    return np.arange(_output_size(op, n, f, p, s, d)) * s


# -- geometry ---------------------------------------------------------------------------------


def output_size(n: int, f: int, p: int = 0, s: int = 1, d: int = 1) -> int:
    """``floor((n + 2p - d(f - 1) - 1) / s) + 1``: windows along one axis.

    ``n, f, s, d >= 1`` and ``p >= 0`` are ints; ``ValueError`` when the (dilated) kernel does
    not fit in the padded input.

    >>> output_size(5, 3, 1, 2)
    3
    """
    op = "output_size"
    n, f, p = integer(op, "n", n), integer(op, "f", f), integer(op, "p", p, 0)
    return _output_size(op, n, f, p, integer(op, "s", s), integer(op, "d", d))


def resolve_padding(padding: int | str, f: int, s: int = 1, d: int = 1) -> int:
    """Padding per side: ``"valid"`` is 0; ``"same"`` is ``d(f - 1) / 2``, which keeps the size
    only for stride 1 and an odd (dilated) kernel span, and is an error otherwise.

    >>> resolve_padding("same", 5), resolve_padding(2, 3)
    (2, 2)
    """
    op = "resolve_padding"
    f, s, d = integer(op, "f", f), integer(op, "s", s), integer(op, "d", d)
    return _resolve_padding(op, padding, f, s, d)


def window_starts(n: int, f: int, p: int = 0, s: int = 1, d: int = 1) -> np.ndarray:
    """Top (or left) edge of every window along one axis, in the padded input.

    >>> window_starts(7, 3, 0, 2).tolist()
    [0, 2, 4]
    """
    op = "window_starts"
    n, f, p = integer(op, "n", n), integer(op, "f", f), integer(op, "p", p, 0)
    s, d = integer(op, "s", s), integer(op, "d", d)
    return _starts(op, n, f, p, s, d)


def windows(
    n_H: int, n_W: int, f: int, p: int = 0, s: int = 1, d: int = 1
) -> list[tuple[int, int, int, int]]:
    """Every window as ``(h, w, top, left)`` in visiting order (row by row): output cell
    ``(h, w)`` reads the padded input at rows ``top + d*i`` and columns ``left + d*j``.

    >>> windows(3, 4, 2, s=2)
    [(0, 0, 0, 0), (0, 1, 0, 2)]
    """
    op = "windows"
    n_H, n_W, f = integer(op, "n_H", n_H), integer(op, "n_W", n_W), integer(op, "f", f)
    p, s, d = integer(op, "p", p, 0), integer(op, "s", s), integer(op, "d", d)
    tops, lefts = _starts(op, n_H, f, p, s, d), _starts(op, n_W, f, p, s, d)
    return [(h, w, int(t), int(lf)) for h, t in enumerate(tops) for w, lf in enumerate(lefts)]


def _pad(X: Array, p: int) -> Array:
    if p == 0:
        return X
    xp = array_module(X)
    m, n_H, n_W, n_C = X.shape
    out = xp.zeros((m, n_H + 2 * p, n_W + 2 * p, n_C), dtype=X.dtype)
    out[:, p : p + n_H, p : p + n_W, :] = X
    return out


def _strided(a: Array, shape: tuple, strides: tuple) -> Array:
    """A view of ``a`` with the given shape and byte strides (NumPy's or CuPy's as_strided)."""
    return array_module(a).lib.stride_tricks.as_strided(a, shape, strides)


def _blocks(m: int, per_example: int) -> list[tuple[int, int]]:
    """Example ranges ``(a, e)`` covering ``0..m``, each about :data:`_BLOCK_BYTES` of windows
    when one example's windows take ``per_example`` bytes (at least one example a block)."""
    n = max(1, min(m, _BLOCK_BYTES // max(1, per_example)))
    return [(a, min(a + n, m)) for a in range(0, m, n)]


def _patches(
    Xp: Array, f: int, s: int, d: int, n_H: int, n_W: int, out: Array | None = None
) -> Array:
    """``(m * n_H * n_W, f*f*n_C)``: the window of every output cell as a row (im2col), in
    one copy from a strided view. With dilation 1 and a contiguous ``Xp`` each window row
    ``Xp[i, top + a, left : left + f, :]`` is one run of ``f*n_C`` values."""
    m, _, _, n_C = Xp.shape
    sb, sh, sw, sc = Xp.strides
    view = _strided(Xp, (m, n_H, n_W, f, f, n_C), (sb, s * sh, s * sw, d * sh, d * sw, sc))
    if out is None:
        out = array_module(Xp).empty((m * n_H * n_W, f * f * n_C), dtype=Xp.dtype)
    out.reshape(m, n_H, n_W, f, f, n_C)[...] = view
    return out


def _unpatch(dpatches: Array, out: Array, s: int, d: int) -> Array:
    """The adjoint of :func:`_patches`: add every window's values back where they were read,
    into ``out`` (the padded input's shape).

    ``dpatches`` is laid out kernel offset first, ``(f, f, m, n_H, n_W, n_C)``, so each of the
    f*f strided additions reads one contiguous block.
    """
    f, _, _, n_H, n_W, _ = dpatches.shape
    for i in range(f):
        for j in range(f):
            out[:, d * i : d * i + s * n_H : s, d * j : d * j + s * n_W : s] += dpatches[i, j]
    return out


def _window_products(
    Xp: Array, kernel: Array, f: int, s: int, d: int, n_H: int, n_W: int, bias: Array | None
) -> Array:
    """``(m * n_H * n_W, n_out)``: every window of ``Xp`` (a row of :func:`_patches`) times
    ``kernel (f*f*n_C, n_out)``, plus ``bias`` when given; a block of examples at a time, so a
    block's windows stay in cache for its product and no window matrix outlives the call."""
    xp = array_module(Xp)
    m, cells, K = Xp.shape[0], n_H * n_W, kernel.shape[0]
    out = xp.empty((m * cells, kernel.shape[1]), dtype=xp.result_type(Xp.dtype, kernel.dtype))
    blocks = _blocks(m, cells * K * Xp.dtype.itemsize)
    buf = xp.empty((blocks[0][1] * cells * K,), dtype=Xp.dtype)
    for a, e in blocks:
        cols = _patches(Xp[a:e], f, s, d, n_H, n_W, buf[: (e - a) * cells * K].reshape(-1, K))
        block = xp.matmul(cols, kernel, out=out[a * cells : e * cells])
        if bias is not None:
            block += bias
    return out


def _accumulate(total: Array | None, part: Array) -> Array:
    """``total + part`` in place (``part`` itself when there is no total yet)."""
    if total is None:
        return part
    total += part
    return total


def _column_sums(G: Array) -> Array:
    """``sum(G, axis=0)`` of a 2-D ``G`` as a matrix-vector product (BLAS, not a reduction)."""
    xp = array_module(G)
    return xp.ones(G.shape[0], dtype=G.dtype) @ G


def _unpad(Xp: Array, p: int) -> Array:
    return Xp if p == 0 else Xp[:, p:-p, p:-p, :]


# -- convolution ------------------------------------------------------------------------------


def conv2d(
    X: Array,
    W: Array,
    b: Array,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    *,
    op: str = "conv2d",
) -> tuple[Array, dict]:
    """``Z[i, h, w, c] = sum_{a, b, k} X_pad[i, top + d a, left + d b, k] W[a, b, k, c] + b[c]``.

    Shapes: ``X (m, n_H_prev, n_W_prev, n_C_prev)``, ``W (f, f, n_C_prev, n_C)``, ``b (n_C,)``
    -> ``Z (m, n_H, n_W, n_C)``. Fast: a few examples at a time, all their windows gathered
    (im2col, one strided copy) and one matrix product. ``op`` names the caller in every error
    (a layer says which one it is).
    """
    X, W = _input_and_kernel(op, X, W)
    f, _, n_C_prev, n_C = W.shape
    b = _bias(op, b, n_C)
    s, p, d, n_H, n_W = _conv_geometry(op, X, W, stride, padding, dilation)
    xp = array_module(X)
    Xp, W_cols, bias = _pad(X, p), W.reshape(f * f * n_C_prev, n_C), b.reshape(n_C)
    widens = xp.result_type(X.dtype, W.dtype, b.dtype) != xp.result_type(X.dtype, W.dtype)
    Z = _window_products(Xp, W_cols, f, s, d, n_H, n_W, None if widens else bias)
    Z = Z.reshape(X.shape[0], n_H, n_W, n_C)
    if widens:  # say a float64 b with float32 X and W: added after, into a float64 Z
        Z = Z + bias
    cache = {
        "X_pad": Xp,
        "W": W,
        "X_shape": tuple(X.shape),
        "Z_shape": tuple(Z.shape),
        "p": p,
        "s": s,
        "d": d,
    }
    return Z, cache


def conv2d_backward(dZ: Array, cache: dict) -> tuple[Array, Array, Array]:
    """``dX`` (per example), ``dW = (1/m) sum over windows of window * dZ``, ``db = (1/m)
    sum(dZ)``. ``dX`` is the full convolution of dZ with the flipped kernel, computed as the
    adjoint of the gather: every window's ``dZ * W`` is added back where it was read.
    ``dZ`` must have the shape of the forward's ``Z``. Fast: block by block as the forward,
    the windows gathered again from the cached padded input."""
    dZ = gradient("conv2d_backward", "dZ", dZ, "Z", cache["Z_shape"])
    Xp, W, p, s, d = cache["X_pad"], cache["W"], cache["p"], cache["s"], cache["d"]
    f, _, n_C_prev, n_C = W.shape
    m, n_H, n_W, _ = dZ.shape
    xp = array_module(dZ)
    cells, K = n_H * n_W, f * f * n_C_prev
    dZ_flat = dZ.reshape(m * cells, n_C)
    # one product per kernel offset: (f*f, N, n_C_prev), each block W[a, b] dZ for all windows
    W_offsets = W.reshape(f * f, n_C_prev, n_C).transpose(0, 2, 1)
    dXp = xp.zeros(Xp.shape, dtype=xp.result_type(dZ.dtype, W.dtype))
    blocks = _blocks(m, cells * K * Xp.dtype.itemsize)
    n = blocks[0][1]
    buf = xp.empty((n * cells * K,), dtype=Xp.dtype)
    dbuf = xp.empty((n * cells * K,), dtype=dXp.dtype)
    dW = db = None
    for a, e in blocks:
        rows, size = slice(a * cells, e * cells), (e - a) * cells * K
        cols = _patches(Xp[a:e], f, s, d, n_H, n_W, buf[:size].reshape(-1, K))
        dz = dZ_flat[rows]
        dW, db = _accumulate(dW, cols.T @ dz), _accumulate(db, _column_sums(dz))
        dcols = xp.matmul(dz, W_offsets, out=dbuf[:size].reshape(f * f, -1, n_C_prev))
        _unpatch(dcols.reshape(f, f, e - a, n_H, n_W, n_C_prev), dXp[a:e], s, d)
    return _unpad(dXp, p), dW.reshape(W.shape) / m, db / m


# -- transposed convolution -------------------------------------------------------------------


def conv_transpose2d(
    X: Array, W: Array, b: Array, stride: int = 1, padding: int = 0
) -> tuple[Array, dict]:
    """Scatter-add: every input pixel ``X[i, h, w, k]`` adds ``X[i, h, w, k] * W[:, :, k, c]``
    into the output at rows ``s h ...`` and columns ``s w ...``; then ``padding`` rows and
    columns are cut from each border.

    Shapes: ``X (m, n_H, n_W, n_C_prev)``, ``W (f, f, n_C_prev, n_C)`` ->
    ``(m, s (n_H - 1) + f - 2p, s (n_W - 1) + f - 2p, n_C)``. It is the input-gradient of
    :func:`conv2d` with the same stride and padding and the kernel's channel axes swapped
    (``W.transpose(0, 1, 3, 2)``), when ``(n + 2p - f)`` is a multiple of ``s`` (otherwise
    conv2d dropped the last rows and this output is shorter than conv2d's input). Fast: each
    of the s*s output phases (rows ``s t + r``, columns ``s u + c``) is a correlation of X with
    the kernel taps that reach it, all computed as one im2col product, then interleaved.
    """
    op = "conv_transpose2d"
    X, W = _input_and_kernel(op, X, W)
    f, _, n_C_prev, n_C = W.shape
    b = _bias(op, b, n_C)
    s, p, out_H, out_W = _transpose_geometry(op, X, W, stride, padding)
    m, n_H, n_W, _ = X.shape
    xp = array_module(X)
    # output row s t + r sums X[t - a] W[r + s a] over the q = ceil(f / s) taps a: for each
    # phase r a correlation of X, all s*s phases in one product, then interleaved
    q = -(-f // s)
    n_Hq, n_Wq = n_H + q - 1, n_W + q - 1
    phases = _window_products(_pad(X, q - 1), _phase_kernels(W, s, q), q, 1, 1, n_Hq, n_Wq, None)
    full = xp.empty((m, n_Hq, s, n_Wq, s, n_C), dtype=phases.dtype)
    full[...] = phases.reshape(m, n_Hq, n_Wq, s, s, n_C).transpose(0, 1, 3, 2, 4, 5)
    full = full.reshape(m, s * n_Hq, s * n_Wq, n_C)
    Y = full[:, p : out_H - p, p : out_W - p] + b.reshape(n_C)
    cache = {"X": X, "W": W, "Y_shape": tuple(Y.shape), "p": p, "s": s}
    return Y, cache


def _phase_kernels(W: Array, s: int, q: int) -> Array:
    """``(q*q*n_C_prev, s*s*n_C)``: the kernels of the s*s output phases side by side. Phase
    ``(r, c)`` (output rows ``s t + r``, columns ``s u + c``) correlates the input, padded by
    ``q - 1``, with the taps ``W[r + s (q-1-a), c + s (q-1-b)]`` (zero past the kernel)."""
    xp = array_module(W)
    f, _, n_C_prev, n_C = W.shape
    taps = xp.zeros((q * s, q * s, n_C_prev, n_C), dtype=W.dtype)
    taps[:f, :f] = W
    taps = taps.reshape(q, s, q, s, n_C_prev, n_C)[::-1, :, ::-1]
    return taps.transpose(0, 2, 4, 1, 3, 5).reshape(q * q * n_C_prev, s * s * n_C)


def _kernel_rows(W: Array) -> Array:
    """``(n_C_prev, f*f*n_C)``: row ``k`` is the kernel seen from input channel ``k``."""
    f, _, n_C_prev, n_C = W.shape
    return W.transpose(2, 0, 1, 3).reshape(n_C_prev, f * f * n_C)


def conv_transpose2d_backward(dY: Array, cache: dict) -> tuple[Array, Array, Array]:
    """``dX`` gathers dY through every pixel's window (a convolution of dY with W),
    ``dW = (1/m) sum_pixels x * window(dY)``, ``db = (1/m) sum(dY)``. ``dY`` must have the
    shape of the forward's ``Y``. Fast: the windows of dY gathered in one strided copy."""
    dY = gradient("conv_transpose2d_backward", "dY", dY, "Y", cache["Y_shape"])
    X, W, p, s = cache["X"], cache["W"], cache["p"], cache["s"]
    f, _, n_C_prev, n_C = W.shape
    m, n_H, n_W, _ = X.shape
    xp = array_module(dY)
    cells, K = n_H * n_W, f * f * n_C
    dYp, X_rows, W_rows = _pad(dY, p), X.reshape(m * cells, n_C_prev), _kernel_rows(W).T
    dX = xp.empty(X.shape, dtype=xp.result_type(dY.dtype, W.dtype))
    dX_rows = dX.reshape(m * cells, n_C_prev)
    blocks = _blocks(m, cells * K * dY.dtype.itemsize)
    buf = xp.empty((blocks[0][1] * cells * K,), dtype=dY.dtype)
    dW = None
    for a, e in blocks:
        rows = slice(a * cells, e * cells)
        win = _patches(dYp[a:e], f, s, 1, n_H, n_W, buf[: (e - a) * cells * K].reshape(-1, K))
        xp.matmul(win, W_rows, out=dX_rows[rows])
        dW = _accumulate(dW, X_rows[rows].T @ win)
    dW = dW.reshape(n_C_prev, f, f, n_C).transpose(1, 2, 0, 3) / m
    db = _column_sums(dY.reshape(-1, n_C)) / m
    return dX, dW, db


# -- pooling ----------------------------------------------------------------------------------


def _pool_views(X: Array, f: int, s: int, n_H: int, n_W: int) -> list[Array]:
    """The f*f strided views ``X[:, a + s h, b + s w, :]`` (each ``(m, n_H, n_W, n_C)``), one
    per window offset ``(a, b)`` in row-major order. For ``f == s`` they are the windows of
    the reshape ``(m, n_H, f, n_W, f, n_C)``."""
    return [
        X[:, a : a + s * (n_H - 1) + 1 : s, b : b + s * (n_W - 1) + 1 : s]
        for a in range(f)
        for b in range(f)
    ]


def _first_max(views: list[Array], A: Array, out: Array) -> Array:
    """``out (f*f, m, n_H, n_W, n_C)`` bool, window offset first: True at each window's first
    maximum ``A`` in window order (its first NaN where it holds one), the cell ``argmax``
    picks."""
    xp = array_module(A)
    nan = bool(xp.any(xp.isnan(A)))
    free = None  # windows whose maximum is not found yet
    for k, v in enumerate(views):
        hit = xp.equal(v, A, out=out[k])
        if nan:
            hit |= xp.isnan(v)
        if free is None:
            free = ~hit
        else:
            hit &= free
            if k < len(views) - 1:
                free ^= hit
    return out


def _route(dA: Array, hit: Array, out: Array) -> Array:
    """``out = dA`` where ``hit``, ``+0.0`` elsewhere, exactly (an inf or NaN gradient too):
    dA's bit patterns times 0 or 1, in one pass."""
    xp = array_module(dA)
    bits = {4: xp.uint32, 8: xp.uint64}.get(dA.dtype.itemsize)
    if bits is None:  # no unsigned integer of this width
        out[...] = xp.where(hit, dA, xp.zeros_like(dA))
        return out
    xp.multiply(dA.view(bits), hit, out=out.view(bits))
    return out


def _tiles(X_shape: tuple, f: int, s: int, n_H: int, n_W: int) -> bool:
    """Whether the windows tile X exactly (``f == s``, no row or column left over): then X is
    the reshape ``(m, n_H, f, n_W, f, n_C)`` of its windows."""
    return f == s and (f * n_H, f * n_W) == tuple(X_shape[1:3])


def max_pool2d(
    X: Array, f: int = 2, stride: int = 2, *, op: str = "max_pool2d"
) -> tuple[Array, dict]:
    """``A[i, h, w, c] = max`` of the ``f x f`` window of channel ``c`` (channels are kept).

    Shapes: ``(m, n_H_prev, n_W_prev, n_C) -> (m, n_H, n_W, n_C)`` with
    ``n_H = floor((n_H_prev - f) / s) + 1``. A window holding NaN gives NaN: NaN counts as its
    maximum, and its first NaN gets the gradient. ``op`` names the caller in every error.
    Fast: an elementwise maximum over the f*f strided views of X, one per window offset.
    """
    X = _volume(op, "X", X)
    f, s, n_H, n_W = _pool_geometry(op, X.shape, f, stride)
    xp = array_module(X)
    m, _, _, n_C = X.shape
    A = xp.empty((m, n_H, n_W, n_C), dtype=X.dtype)
    # the gradient goes to the first maximum of each window (one cell, like the loop oracle)
    mask = xp.empty((f * f, m, n_H, n_W, n_C), dtype=bool)
    for a, e in _blocks(m, X[0].nbytes):  # a block's X stays in cache for both passes
        views, block = _pool_views(X[a:e], f, s, n_H, n_W), A[a:e]
        block[...] = views[0]
        for v in views[1:]:
            xp.maximum(block, v, out=block)
        _first_max(views, block, mask[:, a:e])
    cache = {"mask": mask, "X_shape": tuple(X.shape), "A_shape": tuple(A.shape), "f": f, "s": s}
    return A, cache


def max_pool2d_backward(dA: Array, cache: dict) -> Array:
    """Each window's gradient goes to the cell that held its maximum; others get 0. ``dA``
    must have the shape of the forward's ``A``. Fast: the forward's first-maximum masks route
    dA in one pass through dX's reshaped view when the windows tile X, else through the f*f
    strided views of dX."""
    dA = gradient("max_pool2d_backward", "dA", dA, "A", cache["A_shape"])
    f, s, mask, X_shape = cache["f"], cache["s"], cache["mask"], cache["X_shape"]
    m, n_H, n_W, n_C = dA.shape
    xp = array_module(dA)
    if _tiles(X_shape, f, s, n_H, n_W):  # one pass through the reshaped view
        dX = xp.empty(X_shape, dtype=dA.dtype)
        hits = mask.reshape(f, f, m, n_H, n_W, n_C).transpose(2, 3, 0, 4, 1, 5)
        _route(dA[:, :, None, :, None], hits, dX.reshape(m, n_H, f, n_W, f, n_C))
        return dX
    dX = xp.zeros(X_shape, dtype=dA.dtype)
    routed = None if f <= s else xp.empty(dA.shape, dtype=dA.dtype)
    for hit, v in zip(mask, _pool_views(dX, f, s, n_H, n_W), strict=True):
        if routed is None:  # windows apart: each cell gets at most one gradient
            _route(dA, hit, v)
        else:
            v += _route(dA, hit, routed)
    return dX


def avg_pool2d(
    X: Array, f: int = 2, stride: int = 2, *, op: str = "avg_pool2d"
) -> tuple[Array, dict]:
    """``A[i, h, w, c] = mean`` of the ``f x f`` window of channel ``c``. ``op`` names the
    caller in every error. Fast: the sum of the f*f strided views of X, divided by f^2."""
    X = _volume(op, "X", X)
    f, s, n_H, n_W = _pool_geometry(op, X.shape, f, stride)
    views = _pool_views(X, f, s, n_H, n_W)
    A = views[0].copy()
    for v in views[1:]:
        A += v
    A /= f * f
    return A, {"X_shape": tuple(X.shape), "A_shape": tuple(A.shape), "f": f, "s": s}


def avg_pool2d_backward(dA: Array, cache: dict) -> Array:
    """Each window's gradient is shared equally, ``dA / f^2``, by its ``f x f`` cells. ``dA``
    must have the shape of the forward's ``A``. Fast: ``dA / f^2`` written in one pass
    through dX's reshaped view when the windows tile X, else added through its f*f strided
    views."""
    dA = gradient("avg_pool2d_backward", "dA", dA, "A", cache["A_shape"])
    f, s, X_shape = cache["f"], cache["s"], cache["X_shape"]
    m, n_H, n_W, n_C = dA.shape
    xp = array_module(dA)
    if _tiles(X_shape, f, s, n_H, n_W):  # one pass through the reshaped view
        dX = xp.empty(X_shape, dtype=dA.dtype)
        xp.divide(dA[:, :, None, :, None], f * f, out=dX.reshape(m, n_H, f, n_W, f, n_C))
        return dX
    dX = xp.zeros(X_shape, dtype=dA.dtype)
    share = dA / (f * f)
    for v in _pool_views(dX, f, s, n_H, n_W):
        v += share
    return dX
