"""The vanilla RNN: a tanh cell copied along time, and backpropagation through time (BPTT).

Cell (the course's ``rnn_cell_forward``), ``x_t: (n_x, m)``, ``a_prev: (n_a, m)``::

    a_t = tanh(W_ax x_t + W_aa a_prev + b_a)

Unrolled over ``x: (n_x, m, T_x)`` from ``a0`` it gives ``a: (n_a, m, T_x)``; an output layer
(:func:`~visualdl.engine.sequence.time_dense_forward` and a softmax) reads every ``a_t``.

BPTT (:func:`rnn_backward`) takes ``da: (n_a, m, T_x)``, the gradient each output sends to its
own ``a_t``, and walks back in time adding the recurrent path the notes' derivation leaves out::

    da_t^total = da_t + W_aa^T dz_{t+1}        dz_t = da_t^total * (1 - a_t^2)
    dW_ax = (1/m) sum_t dz_t x_t^T    dW_aa = (1/m) sum_t dz_t a_{t-1}^T    db_a = (1/m) sum_t dz_t

The fast :func:`rnn_forward` multiplies ``W_ax`` into all steps' inputs at once and never
narrates; :func:`visualdl.engine.recurrent_loops.rnn_forward_loop` runs the cell step by step
and records each one.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = {"Wax": rng.normal(size=(4, 3)), "Waa": rng.normal(size=(4, 4)), "ba": np.zeros((4, 1))}
>>> a, cache = rnn_forward(rng.normal(size=(3, 2, 5)), None, p)
>>> a.shape, sorted(rnn_backward(np.ones_like(a), cache))
((4, 2, 5), ['dWaa', 'dWax', 'da0', 'dba', 'dx'])
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.checks import gradient, real_array
from visualdl.engine.sequence import by_example, by_step, sequence, side_by_side, state

__all__ = ["KEYS", "rnn_backward", "rnn_cell_backward", "rnn_cell_forward", "rnn_forward"]

Array = Any
KEYS = ("Wax", "Waa", "ba")


def _params(op: str, params: Any, n_x: int) -> tuple[dict[str, Array], int]:
    """``(params, n_a)``: ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a, 1)``."""
    if not isinstance(params, dict) or set(KEYS) - set(params):
        raise ValueError(f"{op}: params must be a dict holding {list(KEYS)}")
    p = {k: real_array(op, k, params[k]) for k in KEYS}
    n_a = int(p["Waa"].shape[0]) if p["Waa"].ndim == 2 else 0
    want = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1)}
    for k, shape in want.items():
        if tuple(p[k].shape) != shape or n_a < 1:
            raise ValueError(
                f"{op}: {k} must be {shape} for n_x = {n_x} and n_a = rows of Waa = {n_a}, "
                f"got shape {tuple(p[k].shape)}"
            )
    return p, n_a


def rnn_cell_forward(xt: Array, a_prev: Array, params: dict) -> tuple[Array, dict]:
    """One step ``a_t = tanh(W_ax x_t + W_aa a_prev + b_a)``; ``x_t: (n_x, m)``,
    ``a_prev: (n_a, m)`` -> ``a_t: (n_a, m)`` and the cache for :func:`rnn_cell_backward`."""
    op = "rnn_cell_forward"
    xt = real_array(op, "xt", xt)
    if xt.ndim != 2:
        raise ValueError(f"{op}: xt must be (n_x, m), got shape {tuple(xt.shape)}")
    p, n_a = _params(op, params, int(xt.shape[0]))
    a_prev = state(op, "a_prev", a_prev, n_a, int(xt.shape[1]), xt)
    xp = array_module(xt)
    z = p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"]
    a = xp.tanh(z)
    return a, {"xt": xt, "a_prev": a_prev, "z": z, "a": a, **p}


def rnn_cell_backward(da: Array, cache: dict) -> dict[str, Array]:
    """One step back: ``dz = da * (1 - a_t^2)``, ``dx_t = W_ax^T dz``, ``da_prev = W_aa^T dz``,
    ``dW_ax = (1/m) dz x_t^T``, ``dW_aa = (1/m) dz a_prev^T``, ``db_a = (1/m) sum dz``;
    ``da`` is the step's whole gradient (its output's share plus the later steps')."""
    a, xt, a_prev = cache["a"], cache["xt"], cache["a_prev"]
    da = gradient("rnn_cell_backward", "da", da, "a_t", a)
    xp, m = array_module(da), a.shape[1]
    dz = da * (1.0 - a * a)
    return {
        "dz": dz,
        "dxt": cache["Wax"].T @ dz,
        "da_prev": cache["Waa"].T @ dz,
        "dWax": dz @ xt.T / m,
        "dWaa": dz @ a_prev.T / m,
        "dba": xp.sum(dz, axis=1, keepdims=True) / m,
    }


def rnn_forward(x: Array, a0: Array | None, params: dict) -> tuple[Array, dict]:
    """``a: (n_a, m, T_x)`` of the cell run over ``x: (n_x, m, T_x)`` from ``a0: (n_a, m)``
    (None: zeros), and the cache for :func:`rnn_backward`."""
    op = "rnn_forward"
    x = sequence(op, "x", x)
    (_, m, T), (p, n_a) = x.shape, _params(op, params, int(x.shape[0]))
    a0 = state(op, "a0", a0, n_a, m, x)
    xp, X = array_module(x), by_step(x)
    pre = (p["Wax"] @ side_by_side(X) + p["ba"]).reshape(n_a, T, m)  # every step's input term
    A = xp.empty((T + 1, n_a, m), dtype=x.dtype)  # A[t] is a_prev of step t, A[0] = a0
    A[0] = a0
    for t in range(T):
        A[t + 1] = xp.tanh(pre[:, t] + p["Waa"] @ A[t])
    a = by_example(A[1:])
    return a, {"X": X, "A": A, "a": a, **p}


def rnn_backward(da: Array, cache: dict) -> dict[str, Array]:
    """BPTT: ``dx (n_x, m, T)``, ``da0 (n_a, m)`` and ``dWax``, ``dWaa``, ``dba`` of the mean
    cost, from ``da (n_a, m, T)``, each step's gradient from its own output."""
    A, WaaT = cache["A"], cache["Waa"].T
    dA = by_step(gradient("rnn_backward", "da", da, "a", cache["a"]))
    xp, (T, n_a, m) = array_module(dA), dA.shape
    dZ = xp.empty((n_a, T, m), dtype=dA.dtype)  # reshapes to (n_a, T m) for free
    da_next = xp.zeros_like(A[0])
    for t in reversed(range(T)):
        dZ[:, t] = (dA[t] + da_next) * (1.0 - A[t + 1] * A[t + 1])
        da_next = WaaT @ dZ[:, t]
    dZf = dZ.reshape(n_a, T * m)
    dx = (cache["Wax"].T @ dZf).reshape(-1, T, m).transpose(0, 2, 1)
    return {
        "dx": xp.ascontiguousarray(dx),
        "da0": da_next,
        "dWax": dZf @ side_by_side(cache["X"]).T / m,
        "dWaa": dZf @ side_by_side(A[:-1]).T / m,
        "dba": xp.sum(dZf, axis=1, keepdims=True) / m,
    }
