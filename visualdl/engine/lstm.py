"""The LSTM in the course's convention: gates on the concatenation ``[a_prev; x_t]``.

Cell (``x_t: (n_x, m)``, ``a_prev, c_prev: (n_a, m)``, every ``W: (n_a, n_a + n_x)``)::

    f_t  = sigma(W_f [a_prev; x_t] + b_f)        forget gate
    i_t  = sigma(W_i [a_prev; x_t] + b_i)        update (input) gate, the course's Gamma_u
    cc_t = tanh(W_c [a_prev; x_t] + b_c)         candidate c~_t
    o_t  = sigma(W_o [a_prev; x_t] + b_o)        output gate
    c_t  = f_t * c_prev + i_t * cc_t             the cell state, the "conveyor belt"
    a_t  = o_t * tanh(c_t)

Backward of one step, from the step's whole ``da`` and ``dc`` (the notes' pseudo-code with the
cell renamed back to ``c``)::

    do = da * tanh(c_t)                dz_o = do * o (1 - o)
    dc = dc + da * o * (1 - tanh(c_t)^2)
    df = dc * c_prev                   dz_f = df * f (1 - f)
    di = dc * cc                       dz_i = di * i (1 - i)
    dcc = dc * i                       dz_c = dcc * (1 - cc^2)
    dW_g = (1/m) dz_g [a_prev; x_t]^T  db_g = (1/m) sum dz_g
    [da_prev; dx_t] = sum_g W_g^T dz_g          dc_prev = dc * f_t   (the cell path)

The fast :func:`lstm_forward` stacks the four gates into one ``(4 n_a, n_a + n_x)`` matrix,
multiplies the input part into all steps at once and walks time on the first axis of its
buffers (one step, one block of memory); its backward collects every step's ``dz`` and forms
the weight gradients in one product. It never narrates: the loop version
(:func:`visualdl.engine.recurrent_loops.lstm_forward_loop`) records every gate at every step.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = {f"W{g}": rng.normal(size=(4, 7)) for g in "fico"}
>>> p |= {f"b{g}": np.zeros((4, 1)) for g in "fico"}
>>> a, cache = lstm_forward(rng.normal(size=(3, 2, 5)), None, p)
>>> a.shape, cache["c"].shape, sorted(lstm_backward(np.ones_like(a), cache))[:4]
((4, 2, 5), (4, 2, 5), ['dWc', 'dWf', 'dWi', 'dWo'])
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.activations import sigmoid
from visualdl.engine.checks import gradient, real_array
from visualdl.engine.sequence import (
    by_example,
    by_step,
    hidden_size,
    sequence,
    side_by_side,
    state,
    weights,
)

__all__ = ["GATES", "lstm_backward", "lstm_cell_backward", "lstm_cell_forward", "lstm_forward"]

Array = Any
GATES = "fico"  # forget, input (update), candidate, output
STACK = "fioc"  # the fast ops' stacked rows: the three sigmoid gates, then the candidate


def lstm_cell_forward(
    xt: Array, a_prev: Array, c_prev: Array, params: dict
) -> tuple[Array, Array, dict]:
    """One step: ``(a_t, c_t, cache)`` from ``x_t: (n_x, m)``, ``a_prev, c_prev: (n_a, m)``
    (None: zeros) and the gates' ``W{f,i,c,o}``, ``b{f,i,c,o}``."""
    op = "lstm_cell_forward"
    xt = real_array(op, "xt", xt)
    if xt.ndim != 2:
        raise ValueError(f"{op}: xt must be (n_x, m), got shape {tuple(xt.shape)}")
    (n_x, m), n_a = xt.shape, hidden_size(op, params, "Wf")
    p = weights(op, params, n_a, n_x, GATES)
    a_prev = state(op, "a_prev", a_prev, n_a, m, xt)
    c_prev = state(op, "c_prev", c_prev, n_a, m, xt)
    xp = array_module(xt)
    concat = xp.concat([a_prev, xt], axis=0)
    z = {g: p[f"W{g}"] @ concat + p[f"b{g}"] for g in GATES}
    f, i, o = sigmoid(z["f"]), sigmoid(z["i"]), sigmoid(z["o"])
    cc = xp.tanh(z["c"])
    c = f * c_prev + i * cc
    a = o * xp.tanh(c)
    cache = {"concat": concat, "c_prev": c_prev, "f": f, "i": i, "cc": cc, "o": o, "c": c, "a": a}
    return a, c, {**cache, "z": z, "n_a": n_a, **p}


def lstm_cell_backward(da: Array, dc: Array, cache: dict) -> dict[str, Array]:
    """One step back from the step's whole ``da`` and ``dc`` ``(n_a, m)``: every ``d``
    quantity of the docstring above, ``dxt``, ``da_prev``, ``dc_prev = dc * f_t`` and the
    gates' ``dW{g}``, ``db{g}`` of the mean cost."""
    op = "lstm_cell_backward"
    a, c, f, i, cc, o = (cache[k] for k in ("a", "c", "f", "i", "cc", "o"))
    da, dc = gradient(op, "da", da, "a_t", a), gradient(op, "dc", dc, "c_t", c)
    xp, n_a, m = array_module(da), cache["n_a"], a.shape[1]
    tc = xp.tanh(c)
    d = {"do": da * tc}
    d["dc"] = dc + da * o * (1.0 - tc * tc)
    d["df"], d["di"], d["dcc"] = d["dc"] * cache["c_prev"], d["dc"] * cc, d["dc"] * i
    dz = {
        "f": d["df"] * f * (1.0 - f),
        "i": d["di"] * i * (1.0 - i),
        "c": d["dcc"] * (1.0 - cc * cc),
        "o": d["do"] * o * (1.0 - o),
    }
    dconcat = sum(cache[f"W{g}"].T @ dz[g] for g in GATES)
    for g in GATES:
        d[f"dz_{g}"] = dz[g]
        d[f"dW{g}"] = dz[g] @ cache["concat"].T / m
        d[f"db{g}"] = xp.sum(dz[g], axis=1, keepdims=True) / m
    return {**d, "da_prev": dconcat[:n_a, :], "dxt": dconcat[n_a:, :], "dc_prev": d["dc"] * f}


def lstm_forward(
    x: Array, a0: Array | None, params: dict, c0: Array | None = None
) -> tuple[Array, dict]:
    """``a: (n_a, m, T_x)`` over ``x: (n_x, m, T_x)`` from ``a0``, ``c0: (n_a, m)`` (None:
    zeros, as the course), and the cache: the gates ``f, i, cc, o`` and the cells ``c``, each
    ``(n_a, m, T_x)``, for :func:`lstm_backward` and for pictures of the gates."""
    op = "lstm_forward"
    x = sequence(op, "x", x)
    (n_x, m, T), n_a = x.shape, hidden_size(op, params, "Wf")
    p = weights(op, params, n_a, n_x, GATES)
    a0, c0 = state(op, "a0", a0, n_a, m, x), state(op, "c0", c0, n_a, m, x)
    xp = array_module(x)
    W = xp.concat([p[f"W{g}"] for g in STACK], axis=0)  # (4 n_a, n_a + n_x)
    b = xp.concat([p[f"b{g}"] for g in STACK], axis=0)
    Wa, X = xp.ascontiguousarray(W[:, :n_a]), by_step(x)
    pre = (W[:, n_a:] @ side_by_side(X) + b).reshape(4 * n_a, T, m)  # every step's input part
    G = xp.empty((T, 4 * n_a, m), dtype=x.dtype)  # f, i, o, then cc, step by step
    C, TC, A = (xp.empty((T, n_a, m), dtype=x.dtype) for _ in range(3))
    a_prev, c_prev, s3 = a0, c0, 3 * n_a
    for t in range(T):
        z = pre[:, t] + Wa @ a_prev
        G[t, :s3], G[t, s3:] = sigmoid(z[:s3]), xp.tanh(z[s3:])
        C[t] = G[t, :n_a] * c_prev + G[t, n_a : 2 * n_a] * G[t, s3:]
        TC[t] = xp.tanh(C[t])
        A[t] = G[t, 2 * n_a : s3] * TC[t]
        a_prev, c_prev = A[t], C[t]
    views = {g: G[:, k * n_a : (k + 1) * n_a].transpose(1, 2, 0) for k, g in enumerate(STACK)}
    cache = {"G": G, "C": C, "TC": TC, "A": A, "X": X, "a0": a0, "c0": c0, "W": W, "n_a": n_a}
    a = by_example(A)
    gates = {"f": views["f"], "i": views["i"], "cc": views["c"], "o": views["o"]}
    return a, {**cache, **gates, "c": C.transpose(1, 2, 0), "a": a}


def lstm_backward(da: Array, cache: dict, dc: Array | None = None) -> dict[str, Array]:
    """Backward through time: ``dx (n_x, m, T)``, ``da0``, ``dc0 (n_a, m)`` and the gates'
    ``dW{f,i,c,o}``, ``db{f,i,c,o}`` of the mean cost, from ``da (n_a, m, T)``, each step's
    gradient from its own output (and ``dc`` of the same shape where the cells are read too)."""
    op = "lstm_backward"
    G, C, TC, A, n_a = cache["G"], cache["C"], cache["TC"], cache["A"], cache["n_a"]
    T, _, m = C.shape
    dA = by_step(gradient(op, "da", da, "a", cache["a"]))
    dC = None if dc is None else by_step(gradient(op, "dc", dc, "c", cache["c"]))
    xp, s3 = array_module(dA), 3 * n_a
    WaT = xp.ascontiguousarray(cache["W"][:, :n_a].T)
    dG = xp.empty((4 * n_a, T, m), dtype=dA.dtype)  # reshapes to (4 n_a, T m) for free
    da_next, dc_next = xp.zeros_like(cache["a0"]), xp.zeros_like(cache["c0"])
    for t in reversed(range(T)):
        f, i, o, cc = G[t, :n_a], G[t, n_a : 2 * n_a], G[t, 2 * n_a : s3], G[t, s3:]
        c_prev = C[t - 1] if t else cache["c0"]
        da_t = dA[t] + da_next
        dc_t = dc_next + da_t * o * (1.0 - TC[t] * TC[t])
        if dC is not None:
            dc_t = dc_t + dC[t]
        dG[:n_a, t] = dc_t * c_prev * f * (1.0 - f)
        dG[n_a : 2 * n_a, t] = dc_t * cc * i * (1.0 - i)
        dG[2 * n_a : s3, t] = da_t * TC[t] * o * (1.0 - o)
        dG[s3:, t] = dc_t * i * (1.0 - cc * cc)
        da_next, dc_next = WaT @ dG[:, t], dc_t * f
    dGf = dG.reshape(4 * n_a, T * m)
    A_prev = xp.concat([cache["a0"][None], A[:-1]], axis=0)
    inputs = xp.concat([side_by_side(A_prev), side_by_side(cache["X"])], axis=0)
    dW, db = dGf @ inputs.T / m, xp.sum(dGf, axis=1, keepdims=True) / m
    dx = (cache["W"][:, n_a:].T @ dGf).reshape(-1, T, m).transpose(0, 2, 1)
    grads = {"dx": xp.ascontiguousarray(dx), "da0": da_next, "dc0": dc_next}
    for k, g in enumerate(STACK):
        grads[f"dW{g}"] = dW[k * n_a : (k + 1) * n_a]
        grads[f"db{g}"] = db[k * n_a : (k + 1) * n_a]
    return grads
