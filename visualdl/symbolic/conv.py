"""Convolution, pooling and transposed convolution as sums of products, differentiated by SymPy.

Forward, entry by entry, in the notes' layout (``X (m, n_H_prev, n_W_prev, n_C_prev)``,
``W (f, f, n_C_prev, n_C)``, cross-correlation, no kernel flip)::

    Z[i, h, w, c] = sum_{a, b, k} X_pad[i, s h + a, s w + b, k] W[a, b, k, c] + b[c]

The windows are enumerated here from the definition (every top-left corner ``t`` with
``t % s == 0`` and ``t + f <= n + 2p``), independently of the engine's geometry. The backward
receives the per-example ``dZ``, so to first order the summed loss is
``S = sum dZ[i, h, w, c] Z[i, h, w, c]``. SymPy differentiates ``S``:

- ``dW = (1/m) dS/dW`` (mean cost), which simplifies to the **correlation of the padded input
  with the upstream gradient**: ``dW[a, b, k, c] = (1/m) sum_{i, h, w} X_pad[i, s h + a,
  s w + b, k] dZ[i, h, w, c]`` (:func:`correlation_form`);
- ``db = (1/m) dS/db = (1/m) sum dZ``;
- ``dX = dS/dX`` (per example), which simplifies to the **full convolution of dZ with the
  flipped kernel**: spread dZ by the stride (``s - 1`` zeros between entries), pad it by
  ``f - 1``, cross-correlate with the kernel rotated by 180 degrees (channel axes swapped) and
  cut the padding ``p`` (:func:`flipped_full_convolution`). With ``flip=False`` that
  construction is the classic mistake, and it does not equal the derivative.

Pooling: ``max`` windows are ``sympy.Max`` and ``diff`` gives ``Heaviside(x - Max(others))``,
so the gradient goes to the window's largest cell; ``avg`` windows give ``1/f^2`` shares.
Transposed convolution is a scatter-add whose derivative is met with its backward, and whose
forward is itself the input-gradient of :math:`conv2d` (:func:`transpose_is_conv_gradient`).
The output size ``floor((n + 2p - f) / s) + 1`` is derived by solving ``k s + f = n + 2p``
for the last window ``k`` and checked against enumerated windows (:func:`check_output_size`).

The numeric checks evaluate the ``diff`` results (never a closed form) in float64 and meet
the engine's hand-written backward in :mod:`visualdl.engine.conv`.

Example
-------
>>> d = derivation("s2")
>>> d["dX"].shape, d["dW"].shape, d["db"].shape
((2, 4, 4, 2), (2, 2, 2, 2), (2,))
>>> output_size_formula()
floor((-f + n + 2*p)/s) + 1
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = [
    "CASES",
    "CHECKS",
    "POOL_CASES",
    "TRANSPOSE_CASES",
    "check",
    "check_avg_pool",
    "check_max_pool",
    "check_output_size",
    "check_transpose",
    "correlation_form",
    "derivation",
    "enumerated_windows",
    "flipped_full_convolution",
    "forms_hold",
    "output_size_formula",
    "pool_derivation",
    "same_padding_formula",
    "symbol_array",
    "transpose_derivation",
    "transpose_is_conv_gradient",
]

# m, n (square input), f, n_C_prev, n_C, s, p: 4x4 input, 2x2 kernel, padding 1, two examples
# (so the 1/m shows), stride 1 with one channel and stride 2 with two channels in and out.
CASES: dict[str, dict[str, int]] = {
    "s1": {"m": 2, "n": 4, "f": 2, "n_C_prev": 1, "n_C": 1, "s": 1, "p": 1},
    "s2": {"m": 2, "n": 4, "f": 2, "n_C_prev": 2, "n_C": 2, "s": 2, "p": 1},
}
# m, n, n_C, f, s: non-overlapping 2x2/2 windows on 4x4 and overlapping 2x2/1 windows on 3x3
POOL_CASES: dict[str, dict[str, int]] = {
    "f2s2": {"m": 2, "n": 4, "n_C": 1, "f": 2, "s": 2},
    "f2s1": {"m": 1, "n": 3, "n_C": 2, "f": 2, "s": 1},
}
# m, n (input), f, n_C_prev, n_C, s, p of the transposed convolution
TRANSPOSE_CASES: dict[str, dict[str, int]] = {
    "s1": {"m": 2, "n": 2, "f": 2, "n_C_prev": 1, "n_C": 1, "s": 1, "p": 0},
    "s2p1": {"m": 2, "n": 2, "f": 3, "n_C_prev": 2, "n_C": 1, "s": 2, "p": 1},
}

# (X, W, b, dZ, stride, padding) -> (dX, dW, db)
ConvBackward = Callable[[Any, Any, Any, Any, int, int], tuple[Any, Any, Any]]
# (X, dA, f, stride) -> dX
PoolBackward = Callable[[Any, Any, int, int], Any]

ZERO = sp.S.Zero


# -- building blocks ----------------------------------------------------------------------------


def symbol_array(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """An object array of real symbols ``name_i_j_...`` (1-based indices), e.g. ``X_1_2_3_1``.

    Example
    -------
    >>> symbol_array("W", (1, 2)).tolist()
    [[W_1_1, W_1_2]]
    """
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sp.Symbol(name + "_" + "_".join(str(i + 1) for i in idx), real=True)
    return out


def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.fill(ZERO)
    return out


def _pad(X: np.ndarray, p: int) -> np.ndarray:
    """Zero rows and columns around axes 1 and 2 of an ``(m, n_H, n_W, n_C)`` object array."""
    m, n_H, n_W, n_C = X.shape
    out = _zeros((m, n_H + 2 * p, n_W + 2 * p, n_C))
    out[:, p : p + n_H, p : p + n_W, :] = X
    return out


def enumerated_windows(n: int, f: int, p: int = 0, s: int = 1) -> list[int]:
    """Top edges of every window, counted one pixel at a time: ``t`` with ``t % s == 0`` and
    ``t + f <= n + 2p`` (the definition; no formula).

    Example
    -------
    >>> enumerated_windows(7, 3, 0, 2)
    [0, 2, 4]
    """
    return [t for t in range(n + 2 * p) if t % s == 0 and t + f <= n + 2 * p]


def _correlate(Xp: np.ndarray, W: np.ndarray, s: int) -> np.ndarray:
    """``Z[i, h, w, c] = sum_{a, b, k} Xp[i, s h + a, s w + b, k] W[a, b, k, c]`` (no bias),
    every window taken from :func:`enumerated_windows`."""
    m, n_Hp, n_Wp, _ = Xp.shape
    f, _, n_C_prev, n_C = W.shape
    tops, lefts = enumerated_windows(n_Hp, f, 0, s), enumerated_windows(n_Wp, f, 0, s)
    Z = _zeros((m, len(tops), len(lefts), n_C))
    for i in range(m):
        for h, t in enumerate(tops):
            for w, lf in enumerate(lefts):
                for c in range(n_C):
                    Z[i, h, w, c] = sp.Add(
                        *(
                            Xp[i, t + a, lf + bb, k] * W[a, bb, k, c]
                            for a in range(f)
                            for bb in range(f)
                            for k in range(n_C_prev)
                        )
                    )
    return Z


def _diff(S: sp.Expr, A: np.ndarray, scale: sp.Expr = sp.S.One) -> np.ndarray:
    out = np.empty(A.shape, dtype=object)
    for idx in np.ndindex(*A.shape):
        out[idx] = sp.diff(S, A[idx]) * scale
    return out


def _same(A: np.ndarray, B: np.ndarray) -> bool:
    """Entrywise ``expand(A - B) == 0`` (same shape required)."""
    if A.shape != B.shape:
        return False
    return all(sp.expand(a - b) == 0 for a, b in zip(A.ravel(), B.ravel(), strict=True))


def _substitute(exprs: np.ndarray, symbols: list[np.ndarray], values: list[np.ndarray]):
    """Put the float64 values into every entry of ``exprs`` (``Max`` and ``Heaviside`` of
    numbers evaluate to numbers) and return a float array."""
    table = {
        s: sp.Float(float(v))
        for arr, vals in zip(symbols, values, strict=True)
        for s, v in zip(arr.ravel(), np.asarray(vals, float).ravel(), strict=True)
    }
    out = [float(e.xreplace(table)) for e in exprs.ravel()]
    return np.array(out, dtype=float).reshape(exprs.shape)


# -- convolution ----------------------------------------------------------------------------------


@cache
def derivation(case: str = "s1") -> dict[str, Any]:
    """Forward sums of :data:`CASES` ``case`` and their derivatives by ``sympy.diff``.

    Returns
    -------
    dict
        Symbol arrays ``X (m, n, n, n_C_prev)``, ``W (f, f, n_C_prev, n_C)``, ``b (n_C,)``,
        ``dZ (m, n_H, n_W, n_C)``; ``Z`` from the definition; ``S = sum dZ Z``; ``dX = dS/dX``,
        ``dW = (1/m) dS/dW``, ``db = (1/m) dS/db``; and the case's numbers.
    """
    c = CASES[case]
    m, n, f, s, p = c["m"], c["n"], c["f"], c["s"], c["p"]
    X = symbol_array("X", (m, n, n, c["n_C_prev"]))
    W = symbol_array("W", (f, f, c["n_C_prev"], c["n_C"]))
    b = symbol_array("b", (c["n_C"],))
    Z = _correlate(_pad(X, p), W, s) + b
    dZ = symbol_array("dZ", Z.shape)
    S = sp.Add(*(g * z for g, z in zip(dZ.ravel(), Z.ravel(), strict=True)))
    inv_m = sp.Rational(1, m)
    return {
        **c,
        "X": X,
        "W": W,
        "b": b,
        "dZ": dZ,
        "Z": Z,
        "S": S,
        "dX": _diff(S, X),
        "dW": _diff(S, W, inv_m),
        "db": _diff(S, b, inv_m),
    }


def correlation_form(X: np.ndarray, dZ: np.ndarray, f: int, s: int, p: int) -> np.ndarray:
    """``dW[a, b, k, c] = (1/m) sum_{i, h, w} X_pad[i, s h + a, s w + b, k] dZ[i, h, w, c]``:
    the padded input cross-correlated with dZ (spread by the stride).

    Shapes: ``X (m, n_H_prev, n_W_prev, n_C_prev)``, ``dZ (m, n_H, n_W, n_C)`` ->
    ``(f, f, n_C_prev, n_C)``. Works on symbols and on numbers.
    """
    m, n_H, n_W, n_C = dZ.shape
    Xp = _pad(np.asarray(X, dtype=object), p)
    out = _zeros((f, f, X.shape[3], n_C))
    for idx in np.ndindex(*out.shape):
        a, bb, k, c = idx
        out[idx] = sp.Add(
            *(
                Xp[i, s * h + a, s * w + bb, k] * dZ[i, h, w, c]
                for i in range(m)
                for h in range(n_H)
                for w in range(n_W)
            )
        ) * sp.Rational(1, m)
    return out


def flipped_full_convolution(
    dZ: np.ndarray, W: np.ndarray, s: int, p: int, n_H_prev: int, n_W_prev: int, flip: bool = True
) -> np.ndarray:
    """``dX``: the full convolution of dZ with the flipped kernel.

    Steps: spread dZ by the stride (``s - 1`` zeros between entries), pad it with ``f - 1``
    zeros on every side (and on the bottom/right as far as the padded input reaches), then
    ``dX_pad[i, y, x, k] = sum_{a, b, c} dZ_full[i, y + a, x + b, c] W[f-1-a, f-1-b, k, c]``
    (kernel rotated by 180 degrees, channel axes swapped), and cut the padding ``p``.
    ``flip=False`` uses ``W[a, b, k, c]`` instead: the wrong, unflipped kernel.

    Shapes: ``dZ (m, n_H, n_W, n_C)``, ``W (f, f, n_C_prev, n_C)`` ->
    ``(m, n_H_prev, n_W_prev, n_C_prev)``.
    """
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    Hp, Wp = n_H_prev + 2 * p, n_W_prev + 2 * p
    full = _zeros((m, Hp + f - 1, Wp + f - 1, n_C))  # (f - 1) + spread dZ + rest of the input
    full[:, f - 1 : f - 1 + s * n_H : s, f - 1 : f - 1 + s * n_W : s, :] = dZ
    K = W[::-1, ::-1] if flip else W
    K = np.transpose(K, (0, 1, 3, 2))  # (f, f, n_C, n_C_prev): dZ's channels in, X's out
    dXp = _correlate(full, K, 1)
    return dXp[:, p : p + n_H_prev, p : p + n_W_prev, :]


def forms_hold(case: str = "s1", flip: bool = True) -> bool:
    """True when the ``diff`` results simplify to :func:`correlation_form` (dW),
    ``(1/m) sum dZ`` (db) and :func:`flipped_full_convolution` (dX, ``flip`` as given).

    Example
    -------
    >>> forms_hold("s1"), forms_hold("s1", flip=False)
    (True, False)
    """
    d = derivation(case)
    f, s, p, n = d["f"], d["s"], d["p"], d["n"]
    dZ = d["dZ"]
    db = np.array([sp.Add(*dZ[..., c].ravel()) / d["m"] for c in range(dZ.shape[3])], dtype=object)
    return (
        _same(d["dW"], correlation_form(d["X"], dZ, f, s, p))
        and _same(d["db"], db)
        and _same(d["dX"], flipped_full_convolution(dZ, d["W"], s, p, n, n, flip=flip))
    )


def _engine_conv_backward(X, W, b, dZ, stride: int, padding: int):
    from visualdl.engine.conv import conv2d, conv2d_backward

    _, cache_ = conv2d(X, W, b, stride=stride, padding=padding)
    return conv2d_backward(dZ, cache_)


def _conv_values(d: dict, seed: int) -> dict[str, np.ndarray]:
    gen = rng(seed)
    return {k: gen.standard_normal(d[k].shape) for k in ("X", "W", "b", "dZ")}


def check(backward: ConvBackward | None = None, seed: int = SEED) -> Check:
    """``Z``, ``dX``, ``dW``, ``db`` by ``diff`` of the sums (every case of :data:`CASES`),
    evaluated in float64, vs ``conv2d`` and ``conv2d_backward``; infinite error unless the
    derivatives simplify to the correlation and flipped-full-convolution forms.

    Parameters
    ----------
    backward : callable, optional
        ``(X, W, b, dZ, stride, padding) -> (dX, dW, db)`` to check instead of the engine's.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check().passed
    True
    """
    from visualdl.engine.conv import conv2d

    pairs: list[Any] = []
    for case in CASES:
        d = derivation(case)
        v = _conv_values(d, seed)
        names = ("X", "W", "b", "dZ")
        syms, vals = [d[k] for k in names], [v[k] for k in names]
        Z, _ = conv2d(v["X"], v["W"], v["b"], stride=d["s"], padding=d["p"])
        pairs += [_substitute(d["Z"], syms, vals), Z]
        got = (backward or _engine_conv_backward)(v["X"], v["W"], v["b"], v["dZ"], d["s"], d["p"])
        for k, g in zip(("dX", "dW", "db"), got, strict=True):
            pairs += [_substitute(d[k], syms, vals), g]
    forms = all(forms_hold(case) for case in CASES)
    return Check(
        "diff of sums (s=1,2) vs conv2d_backward; dW = corr(X,dZ)/m, dX = full conv rot180 W",
        rel_error(*pairs) if forms else float("inf"),
    )


# -- pooling --------------------------------------------------------------------------------------


@cache
def pool_derivation(kind: str, case: str = "f2s2") -> dict[str, Any]:
    """Pooling's forward (``sympy.Max`` or the window mean) and ``dX = dS/dX`` with
    ``S = sum dA A``: per example, no ``1/m`` (pooling has no parameters).

    Example
    -------
    >>> d = pool_derivation("max", "f2s2")
    >>> d["A"].shape, d["dX"].shape
    ((2, 2, 2, 1), (2, 4, 4, 1))
    """
    if kind not in ("max", "avg"):
        raise ValueError(f"pool_derivation: kind must be 'max' or 'avg', got {kind!r}")
    c = POOL_CASES[case]
    m, n, n_C, f, s = c["m"], c["n"], c["n_C"], c["f"], c["s"]
    X = symbol_array("X", (m, n, n, n_C))
    tops = enumerated_windows(n, f, 0, s)
    A = _zeros((m, len(tops), len(tops), n_C))
    for i, ch in np.ndindex(m, n_C):
        for h, t in enumerate(tops):
            for w, lf in enumerate(tops):
                cells = list(X[i, t : t + f, lf : lf + f, ch].ravel())
                A[i, h, w, ch] = (
                    sp.Max(*cells, evaluate=False) if kind == "max" else sp.Add(*cells) / f**2
                )
    dA = symbol_array("dA", A.shape)
    S = sp.Add(*(g * a for g, a in zip(dA.ravel(), A.ravel(), strict=True)))
    return {**c, "kind": kind, "X": X, "A": A, "dA": dA, "S": S, "dX": _diff(S, X)}


def _distinct_values(gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random values, all distinct (a permutation of spaced levels plus small noise), so that
    every max-pool window has one largest cell."""
    size = int(np.prod(shape))
    levels = gen.permutation(size) - size / 2 + gen.uniform(0.05, 0.45, size)
    return levels.reshape(shape) / 3.0


def _engine_pool_backward(kind: str) -> PoolBackward:
    def backward(X, dA, f, stride):
        from visualdl.engine import conv

        forward = conv.max_pool2d if kind == "max" else conv.avg_pool2d
        back = conv.max_pool2d_backward if kind == "max" else conv.avg_pool2d_backward
        _, cache_ = forward(X, f, stride)
        return back(dA, cache_)

    return backward


def _check_pool(kind: str, backward: PoolBackward | None, seed: int) -> float:
    from visualdl.engine import conv

    forward = conv.max_pool2d if kind == "max" else conv.avg_pool2d
    pairs: list[Any] = []
    for case in POOL_CASES:
        d = pool_derivation(kind, case)
        gen = rng(seed)
        X = _distinct_values(gen, d["X"].shape)
        dA = gen.standard_normal(d["dA"].shape)
        syms, vals = [d["X"], d["dA"]], [X, dA]
        pairs += [_substitute(d["A"], syms, vals), forward(X, d["f"], d["s"])[0]]
        got = (backward or _engine_pool_backward(kind))(X, dA, d["f"], d["s"])
        pairs += [_substitute(d["dX"], syms, vals), got]
    return rel_error(*pairs)


def _avg_shares_hold(case: str) -> bool:
    """Each ``diff`` of the mean-pool sum is ``(1/f^2) sum of dA`` over the windows holding the
    cell: every cell gets an equal ``1/f^2`` share of each of its windows' gradients."""
    d = pool_derivation("avg", case)
    f, s, dA = d["f"], d["s"], d["dA"]
    tops = enumerated_windows(d["n"], f, 0, s)
    for i, y, x, ch in np.ndindex(*d["X"].shape):
        hs = [h for h, t in enumerate(tops) if t <= y < t + f]
        ws = [w for w, lf in enumerate(tops) if lf <= x < lf + f]
        share = sp.Add(*(dA[i, h, w, ch] for h in hs for w in ws)) / f**2
        if sp.expand(d["dX"][i, y, x, ch] - share) != 0:
            return False
    return True


def check_max_pool(backward: PoolBackward | None = None, seed: int = SEED) -> Check:
    """``diff`` of ``sum dA Max(window)`` (``Heaviside`` at the argmax), evaluated at random
    distinct values, vs ``max_pool2d`` and ``max_pool2d_backward`` (2x2/2 and 2x2/1).

    Example
    -------
    >>> check_max_pool().passed
    True
    """
    return Check(
        "diff of Max(window): dA to the argmax (Heaviside) vs max_pool2d(_backward)",
        _check_pool("max", backward, seed),
    )


def check_avg_pool(backward: PoolBackward | None = None, seed: int = SEED) -> Check:
    """``diff`` of ``sum dA mean(window)``: ``1/f^2`` shares (checked symbolically), evaluated
    vs ``avg_pool2d`` and ``avg_pool2d_backward`` (2x2/2 and 2x2/1).

    Example
    -------
    >>> check_avg_pool().passed
    True
    """
    shares = all(_avg_shares_hold(case) for case in POOL_CASES)
    return Check(
        "diff of mean(window): dA/f^2 shares, overlaps add, vs avg_pool2d(_backward)",
        _check_pool("avg", backward, seed) if shares else float("inf"),
    )


# -- transposed convolution ------------------------------------------------------------------------


def _scatter(X: np.ndarray, W: np.ndarray, s: int, p: int) -> np.ndarray:
    """``Y[i, s h + a - p, s w + b - p, c] += X[i, h, w, k] W[a, b, k, c]`` (no bias)."""
    m, n_H, n_W, n_C_prev = X.shape
    f, _, _, n_C = W.shape
    full = np.empty((m, s * (n_H - 1) + f, s * (n_W - 1) + f, n_C), dtype=object)
    terms: dict[tuple[int, ...], list] = {idx: [] for idx in np.ndindex(*full.shape)}
    for i, h, w, k in np.ndindex(*X.shape):
        for a, bb, c in np.ndindex(f, f, n_C):
            terms[(i, s * h + a, s * w + bb, c)].append(X[i, h, w, k] * W[a, bb, k, c])
    for idx, t in terms.items():
        full[idx] = sp.Add(*t)
    return full[:, p : full.shape[1] - p, p : full.shape[2] - p, :]


@cache
def transpose_derivation(case: str = "s1") -> dict[str, Any]:
    """Transposed convolution's scatter-add forward and its ``diff``: ``dX = dS/dX``,
    ``dW = (1/m) dS/dW``, ``db = (1/m) dS/db`` with ``S = sum dY Y``.

    Example
    -------
    >>> transpose_derivation("s1")["Y"].shape
    (2, 3, 3, 1)
    """
    c = TRANSPOSE_CASES[case]
    m, n, f, s, p = c["m"], c["n"], c["f"], c["s"], c["p"]
    X = symbol_array("X", (m, n, n, c["n_C_prev"]))
    W = symbol_array("W", (f, f, c["n_C_prev"], c["n_C"]))
    b = symbol_array("b", (c["n_C"],))
    Y = _scatter(X, W, s, p) + b
    dY = symbol_array("dY", Y.shape)
    S = sp.Add(*(g * y for g, y in zip(dY.ravel(), Y.ravel(), strict=True)))
    inv_m = sp.Rational(1, m)
    return {
        **c,
        "X": X,
        "W": W,
        "b": b,
        "dY": dY,
        "Y": Y,
        "S": S,
        "dX": _diff(S, X),
        "dW": _diff(S, W, inv_m),
        "db": _diff(S, b, inv_m),
    }


def transpose_is_conv_gradient(case: str = "s1") -> bool:
    """True when the transposed convolution of ``X`` with ``W`` equals the input-gradient of a
    convolution whose kernel is ``W`` with its channel axes swapped, at ``dZ = X``
    (:func:`flipped_full_convolution`), and when its own ``dX`` is that convolution of dY.

    Example
    -------
    >>> transpose_is_conv_gradient("s2p1")
    True
    """
    d = transpose_derivation(case)
    s, p = d["s"], d["p"]
    W_conv = np.transpose(d["W"], (0, 1, 3, 2))  # conv2d kernel (f, f, n_C, n_C_prev)
    n_out = d["Y"].shape[1]
    as_gradient = flipped_full_convolution(d["X"], W_conv, s, p, n_out, n_out)
    Y_no_bias = _scatter(d["X"], d["W"], s, p)
    dX_as_conv = _correlate(_pad(d["dY"], p), W_conv, s)
    return _same(Y_no_bias, as_gradient) and _same(d["dX"], dX_as_conv)


def _engine_transpose_backward(X, W, b, dY, stride: int, padding: int):
    from visualdl.engine.conv import conv_transpose2d, conv_transpose2d_backward

    _, cache_ = conv_transpose2d(X, W, b, stride=stride, padding=padding)
    return conv_transpose2d_backward(dY, cache_)


def check_transpose(backward: ConvBackward | None = None, seed: int = SEED) -> Check:
    """``Y``, ``dX``, ``dW``, ``db`` by ``diff`` of the scatter-add sums vs
    ``conv_transpose2d(_backward)``; infinite error unless the forward is conv2d's
    input-gradient and its dX the convolution of dY.

    Parameters
    ----------
    backward : callable, optional
        ``(X, W, b, dY, stride, padding) -> (dX, dW, db)`` to check instead of the engine's.

    Example
    -------
    >>> check_transpose().passed
    True
    """
    from visualdl.engine.conv import conv_transpose2d

    pairs: list[Any] = []
    for case in TRANSPOSE_CASES:
        d = transpose_derivation(case)
        gen = rng(seed)
        v = {k: gen.standard_normal(d[k].shape) for k in ("X", "W", "b", "dY")}
        names = ("X", "W", "b", "dY")
        syms, vals = [d[k] for k in names], [v[k] for k in names]
        Y, _ = conv_transpose2d(v["X"], v["W"], v["b"], stride=d["s"], padding=d["p"])
        pairs += [_substitute(d["Y"], syms, vals), Y]
        got = (backward or _engine_transpose_backward)(
            v["X"], v["W"], v["b"], v["dY"], d["s"], d["p"]
        )
        for k, g in zip(("dX", "dW", "db"), got, strict=True):
            pairs += [_substitute(d[k], syms, vals), g]
    adjoint = all(transpose_is_conv_gradient(case) for case in TRANSPOSE_CASES)
    return Check(
        "diff of scatter-add sums vs conv_transpose2d_backward; Y = conv2d's input-gradient",
        rel_error(*pairs) if adjoint else float("inf"),
    )


# -- output size ----------------------------------------------------------------------------------

n_, f_, p_, s_, k_ = sp.symbols("n f p s k", positive=True, integer=True)


def output_size_formula() -> sp.Expr:
    """The number of windows, derived: the last window ``k`` (0-based) starts at ``k s`` and
    must end inside the padded input, ``k s + f <= n + 2p``; solving the equality for ``k`` and
    flooring gives the last index, so the count is ``floor((n + 2p - f) / s) + 1``."""
    (k_last,) = sp.solve(sp.Eq(k_ * s_ + f_, n_ + 2 * p_), k_)
    return sp.floor(k_last) + 1


def same_padding_formula(stride: int | sp.Expr = s_) -> sp.Expr:
    """``p`` solving ``(n + 2p - f) / s + 1 = n``: ``((n - 1) s - n + f) / 2``, which is
    ``(f - 1) / 2`` at stride 1 (an integer only for odd f).

    Example
    -------
    >>> same_padding_formula(1)
    f/2 - 1/2
    """
    (p_same,) = sp.solve(sp.Eq((n_ + 2 * p_ - f_) / stride + 1, n_), p_)
    return sp.expand(p_same)


def check_output_size(size: Callable[..., int] | None = None) -> Check:
    """The derived formula vs enumerated windows vs the engine's ``output_size`` (or ``size``)
    on the grid ``n in 1..9, f in 1..5, p in 0..3, s in 1..4`` (kernel inside the padded input).

    Example
    -------
    >>> check_output_size().passed
    True
    """
    from visualdl.engine.conv import output_size

    size = size or output_size
    formula = sp.lambdify((n_, f_, p_, s_), output_size_formula(), "math")
    derived, counted, engine = [], [], []
    for n, f, p, s in np.ndindex(10, 6, 4, 5):
        if n < 1 or f < 1 or s < 1 or f > n + 2 * p:
            continue
        derived.append(formula(n, f, p, s))
        counted.append(len(enumerated_windows(n, f, p, s)))
        engine.append(size(n, f, p, s))
    return Check(
        "floor((n+2p-f)/s)+1 from k s + f = n + 2p vs enumerated windows vs output_size",
        rel_error(np.array(derived), np.array(counted), np.array(engine), np.array(counted)),
    )


# the rows of ``visualdl verify``, in the order it prints them
CHECKS: dict[str, Op] = {
    "conv2d": Op(check, covers=("conv.conv2d_backward",)),
    "max_pool2d": Op(check_max_pool, covers=("conv.max_pool2d_backward",)),
    "avg_pool2d": Op(check_avg_pool, covers=("conv.avg_pool2d_backward",)),
    "conv_transpose2d": Op(check_transpose, covers=("conv.conv_transpose2d_backward",)),
    "output_size": Op(check_output_size, override="size"),
}
