"""Sequences in the course's layout, and what every recurrent op shares.

Examples are columns and time is the last axis: an input sequence is ``x: (n_x, m, T_x)``, the
hidden states ``a: (n_a, m, T_x)``, one step ``x[:, :, t]: (n_x, m)``. A cell's weights act on
the concatenation ``[a_prev; x_t]`` (``W: (n_a, n_a + n_x)``, ``b: (n_a, 1)``), as the course
writes them. This module is the door every recurrent op takes its arrays through
(:func:`sequence`, :func:`state`, :func:`weights`, each a ``ValueError`` naming the op and the
shape it expected), and the per-step output layer: ``y_hat_t = g(W_y a_t + b_y)`` at every
step (:func:`time_dense_forward`, a softmax over the vocabulary for a language model).

Gradient convention, as for every layer: ``da``, ``dx`` and ``dZ`` are per-example gradients of
the summed loss ``sum_i sum_t L_it``; parameter gradients are of the mean cost ``J = (1/m) sum_i
sum_t L_it`` (the notes' ``L = sum_t L_t``, averaged over the examples), so the ``1/m`` lives in
``dW`` and ``db``.

Example
-------
>>> import numpy as np
>>> a = np.ones((3, 2, 4))                                  # n_a = 3, m = 2, T_x = 4
>>> Z, cache = time_dense_forward(a, np.ones((5, 3)), np.zeros((5, 1)))
>>> Z.shape, float(Z[0, 0, 0])
((5, 2, 4), 3.0)
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import check_batch, check_ndim, gradient, real_array

__all__ = [
    "by_example",
    "by_step",
    "flat",
    "side_by_side",
    "hidden_size",
    "sequence",
    "state",
    "time_dense_backward",
    "time_dense_forward",
    "unflat",
    "weights",
]

Array = Any


def sequence(op: str, name: str, x: Any, n: int | None = None) -> Array:
    """``x`` as a real ``(n, m, T)`` array with ``m >= 1`` and ``T >= 1`` (and ``n`` rows when
    ``n`` is given)."""
    layout = f"({'n' if n is None else n}, m, T)"
    x = real_array(op, name, x)
    check_ndim(op, name, x, 3, layout)
    check_batch(op, name, x, 1)
    if x.shape[2] < 1:
        raise ValueError(f"{op}: {name} has no time steps (T = 0), shape {tuple(x.shape)}")
    if n is not None and x.shape[0] != n:
        raise ValueError(f"{op}: {name} must be {layout}, got shape {tuple(x.shape)}")
    return x


def state(op: str, name: str, a: Any, n_a: int, m: int, like: Any = None) -> Array:
    """A state ``a: (n_a, m)`` (``a0``, ``a_prev``, ``c_prev``); None means zeros, as the
    course's ``a0``."""
    if a is None:
        xp = array_module(like)
        return xp.zeros((n_a, m), dtype=like.dtype)
    a = real_array(op, name, a, getattr(like, "dtype", None))
    if tuple(a.shape) != (n_a, m):
        raise ValueError(f"{op}: {name} must be (n_a, m) = {(n_a, m)}, got shape {tuple(a.shape)}")
    return a


def weights(op: str, params: Any, n_a: int, n_x: int, gates: str) -> dict[str, Array]:
    """The gates' ``W{g}: (n_a, n_a + n_x)`` and ``b{g}: (n_a, 1)`` from ``params`` (a dict
    keyed as in the course: ``Wf``, ``bf``, ...), for each letter ``g`` of ``gates``."""
    if not isinstance(params, dict):
        raise ValueError(f"{op}: params must be a dict keyed like W{gates[0]}, b{gates[0]}")
    shapes = {f"W{g}": (n_a, n_a + n_x) for g in gates} | {f"b{g}": (n_a, 1) for g in gates}
    missing = sorted(set(shapes) - set(params))
    if missing:
        raise ValueError(f"{op}: params is missing {missing}; it needs {sorted(shapes)}")
    out = {}
    for k, shape in shapes.items():
        v = real_array(op, k, params[k])
        if tuple(v.shape) != shape:
            what = f"(n_a, n_a + n_x) = {shape}" if k[0] == "W" else f"(n_a, 1) = {shape}"
            raise ValueError(
                f"{op}: {k} must be {what} for n_a = {n_a}, n_x = {n_x}, got shape {tuple(v.shape)}"
            )
        out[k] = v
    return out


def hidden_size(op: str, params: Any, key: str) -> int:
    """``n_a``: the rows of ``params[key]`` (a weight acting on ``[a_prev; x_t]``)."""
    if not isinstance(params, dict) or key not in params:
        raise ValueError(f"{op}: params must be a dict holding {key}")
    W = real_array(op, key, params[key])
    check_ndim(op, key, W, 2, "(n_a, n_a + n_x)")
    return int(W.shape[0])


def by_step(x: Array) -> Array:
    """``(n, m, T) -> (T, n, m)``, each step's ``(n, m)`` block contiguous: the fast ops walk
    time on the first axis, where a step is one block of memory."""
    return array_module(x).ascontiguousarray(x.transpose(2, 0, 1))


def by_example(s: Array) -> Array:
    """``(T, n, m) -> (n, m, T)``, the inverse of :func:`by_step` (contiguous)."""
    return array_module(s).ascontiguousarray(s.transpose(1, 2, 0))


def side_by_side(s: Array) -> Array:
    """``(T, n, m) -> (n, T m)``: every step's columns side by side, step after step, so one
    matrix product serves all steps (its columns reshape to ``(n, T, m)``)."""
    T, n, m = s.shape
    return s.transpose(1, 0, 2).reshape(n, T * m)


def flat(x: Array) -> Array:
    """``(n, m, T) -> (n, m T)``: the columns of every step side by side, so that one matrix
    product serves all steps."""
    return array_module(x).reshape(x, (x.shape[0], x.shape[1] * x.shape[2]))


def unflat(x: Array, m: int, T: int) -> Array:
    """``(n, m T) -> (n, m, T)``, the inverse of :func:`flat`."""
    return array_module(x).reshape(x, (x.shape[0], m, T))


def time_dense_forward(a: Array, Wy: Array, by: Array, op: str = "time_dense_forward") -> tuple:
    """``Z_t = W_y a_t + b_y`` at every step: ``(n_y, n_a) @ (n_a, m, T) -> (n_y, m, T)``.

    Returns ``Z`` and the cache ``{"a", "Wy"}`` for :func:`time_dense_backward`; the
    activation (a softmax over the vocabulary) is applied by the caller.
    """
    Wy, by = real_array(op, "Wy", Wy), real_array(op, "by", by)
    check_ndim(op, "Wy", Wy, 2, "(n_y, n_a)")
    a = sequence(op, "a", a, int(Wy.shape[1]))
    if tuple(by.shape) != (Wy.shape[0], 1):
        raise ValueError(f"{op}: by must be (n_y, 1) = {(Wy.shape[0], 1)}, got {tuple(by.shape)}")
    _, m, T = a.shape
    Z = unflat(Wy @ flat(a) + by, m, T)
    return Z, {"a": a, "Wy": Wy}


def time_dense_backward(dZ: Array, cache: dict) -> tuple[Array, Array, Array]:
    """``(da, dWy, dby)`` from the per-example ``dZ: (n_y, m, T)``.

    ``dWy = (1/m) sum_t dZ_t a_t^T`` (the notes' ``dw_hy``: the step's *own* ``a_t``, summed
    over the steps), ``dby = (1/m) sum_t sum_i dZ_t``, ``da_t = W_y^T dZ_t``.
    """
    a, Wy = cache["a"], cache["Wy"]
    _, m, T = a.shape
    dZ = gradient("time_dense_backward", "dZ", dZ, "Z", (Wy.shape[0], m, T))
    xp = array_module(dZ)
    dZf = flat(dZ)
    return unflat(Wy.T @ dZf, m, T), (dZf @ flat(a).T) / m, xp.sum(dZf, axis=1, keepdims=True) / m
