"""The GRU, with the two choices the notes mix as two documented flags.

Gates on the concatenation ``[a_prev; x_t]`` (every ``W: (n_a, n_a + n_x)``, ``W_c`` split into
its state part ``W_ca = W_c[:, :n_a]`` and input part ``W_cx = W_c[:, n_a:]``)::

    r_t  = sigma(W_r [a_prev; x_t] + b_r)                     reset gate, Gamma_r
    u_t  = sigma(W_u [a_prev; x_t] + b_u)                     update gate
    cc_t = tanh(W_c [r_t * a_prev; x_t] + b_c)          reset="before" (course, Cho et al.)
    cc_t = tanh(r_t * (W_ca a_prev) + W_cx x_t + b_c)   reset="after" (PyTorch, b_hn = 0)
    a_t  = u_t * cc_t + (1 - u_t) * a_prev              update="candidate" (course: Gamma_u)
    a_t  = (1 - u_t) * cc_t + u_t * a_prev              update="state" (Cho et al., PyTorch)

So ``update="state"`` gate is PyTorch's ``z`` and the course's ``Gamma_u = 1 - z``: negating
``W_u`` and ``b_u`` (``sigma(-s) = 1 - sigma(s)``) maps one convention onto the other exactly,
with the reset placement held the same. PyTorch's ``nn.GRU`` has a second bias inside the reset
product (``b_hn``); with ``reset="after"`` this GRU is PyTorch's with ``b_hn = 0``.

Backward of one step from its whole ``da`` (``update="candidate"``; "state" swaps ``u`` and
``1 - u``)::

    dcc = da * u       du = da * (cc - a_prev)       da_prev = da * (1 - u) + ...
    dz_c = dcc * (1 - cc^2)     dz_u = du * u (1 - u)     dz_r = dr * r (1 - r)

with ``dr`` from the candidate's use of ``r`` (``(W_ca^T dz_c) * a_prev`` before,
``dz_c * (W_ca a_prev)`` after) and the rest of ``da_prev`` through the three matrices.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = {f"W{g}": rng.normal(size=(4, 7)) for g in "urc"}
>>> p |= {f"b{g}": np.zeros((4, 1)) for g in "urc"}
>>> a, cache = gru_forward(rng.normal(size=(3, 2, 5)), None, p)
>>> a.shape, sorted(gru_backward(np.ones_like(a), cache))
((4, 2, 5), ['dWc', 'dWr', 'dWu', 'da0', 'dbc', 'dbr', 'dbu', 'dx'])
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module
from visualdl.engine.activations import sigmoid
from visualdl.engine.checks import choice, gradient, real_array
from visualdl.engine.sequence import (
    by_example,
    by_step,
    hidden_size,
    sequence,
    side_by_side,
    state,
    weights,
)

__all__ = [
    "GATES",
    "RESETS",
    "UPDATES",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
]

Array = Any
GATES = "urc"  # update, reset, candidate: the order of the stacked rows
UPDATES = {
    "candidate": "the update gate multiplies the candidate (the course's Gamma_u)",
    "state": "the update gate multiplies the old state (Cho et al., PyTorch's z)",
}
RESETS = {
    "before": "r acts on a_prev before the matmul (the course, Cho et al.)",
    "after": "r acts on W_ca a_prev, after the matmul (PyTorch, without b_hn)",
}


def _flags(op: str, update: str, reset: str) -> tuple[str, str]:
    return choice(op, "update", update, UPDATES), choice(op, "reset", reset, RESETS)


def _mix(u: Array, update: str) -> tuple[Array, Array]:
    """``(weight of the candidate, weight of the old state)``: ``(u, 1 - u)`` or
    ``(1 - u, u)``."""
    return (u, 1.0 - u) if update == "candidate" else (1.0 - u, u)


def gru_cell_forward(
    xt: Array, a_prev: Array, params: dict, update: str = "candidate", reset: str = "before"
) -> tuple[Array, dict]:
    """One step ``a_t`` from ``x_t: (n_x, m)``, ``a_prev: (n_a, m)`` (None: zeros) and
    ``W{u,r,c}``, ``b{u,r,c}``, with the conventions ``update`` and ``reset`` above."""
    op = "gru_cell_forward"
    update, reset = _flags(op, update, reset)
    xt = real_array(op, "xt", xt)
    if xt.ndim != 2:
        raise ValueError(f"{op}: xt must be (n_x, m), got shape {tuple(xt.shape)}")
    (n_x, m), n_a = xt.shape, hidden_size(op, params, "Wu")
    p = weights(op, params, n_a, n_x, GATES)
    a_prev = state(op, "a_prev", a_prev, n_a, m, xt)
    xp = array_module(xt)
    concat = xp.concat([a_prev, xt], axis=0)
    z_u, z_r = p["Wu"] @ concat + p["bu"], p["Wr"] @ concat + p["br"]
    u, r = sigmoid(z_u), sigmoid(z_r)
    Wca, Wcx = p["Wc"][:, :n_a], p["Wc"][:, n_a:]
    if reset == "before":
        hc = Wca @ (r * a_prev)
        z_c = hc + Wcx @ xt + p["bc"]
    else:
        hc = Wca @ a_prev
        z_c = r * hc + Wcx @ xt + p["bc"]
    cc = xp.tanh(z_c)
    keep_new, keep_old = _mix(u, update)
    a = keep_new * cc + keep_old * a_prev
    cache = {"xt": xt, "a_prev": a_prev, "concat": concat, "u": u, "r": r, "cc": cc, "a": a}
    extra = {"z_u": z_u, "z_r": z_r, "z_c": z_c, "hc": hc, "update": update, "reset": reset}
    return a, {**cache, **extra, "n_a": n_a, **p}


def gru_cell_backward(da: Array, cache: dict) -> dict[str, Array]:
    """One step back from the step's whole ``da (n_a, m)``: ``dcc``, ``du``, ``dr``, the
    ``dz_{u,r,c}``, ``dxt``, ``da_prev`` and ``dW{u,r,c}``, ``db{u,r,c}`` of the mean cost."""
    op = "gru_cell_backward"
    a, u, r, cc, a_prev = (cache[k] for k in ("a", "u", "r", "cc", "a_prev"))
    da = gradient(op, "da", da, "a_t", a)
    xp, n_a, m = array_module(da), cache["n_a"], a.shape[1]
    keep_new, keep_old = _mix(u, cache["update"])
    sign = 1.0 if cache["update"] == "candidate" else -1.0
    d = {"dcc": da * keep_new, "du": sign * da * (cc - a_prev)}
    d["dz_c"] = d["dcc"] * (1.0 - cc * cc)
    Wca = cache["Wc"][:, :n_a]
    if cache["reset"] == "before":
        d_ra = Wca.T @ d["dz_c"]  # gradient of r * a_prev
        d["dr"], da_prev = d_ra * a_prev, da * keep_old + d_ra * r
        c_in = xp.concat([r * a_prev, cache["xt"]], axis=0)
    else:
        d_hc = d["dz_c"] * r
        d["dr"], da_prev = d["dz_c"] * cache["hc"], da * keep_old + Wca.T @ d_hc
        c_in = None
    d["dz_u"], d["dz_r"] = d["du"] * u * (1.0 - u), d["dr"] * r * (1.0 - r)
    dconcat = cache["Wu"].T @ d["dz_u"] + cache["Wr"].T @ d["dz_r"]
    dxt = dconcat[n_a:, :] + cache["Wc"][:, n_a:].T @ d["dz_c"]
    for g in "ur":
        d[f"dW{g}"] = d[f"dz_{g}"] @ cache["concat"].T / m
    if c_in is not None:
        d["dWc"] = d["dz_c"] @ c_in.T / m
    else:
        d["dWc"] = xp.concat([d_hc @ a_prev.T, d["dz_c"] @ cache["xt"].T], axis=1) / m
    for g in GATES:
        d[f"db{g}"] = xp.sum(d[f"dz_{g}"], axis=1, keepdims=True) / m
    return {**d, "da_prev": da_prev + dconcat[:n_a, :], "dxt": dxt}


def gru_forward(
    x: Array,
    a0: Array | None,
    params: dict,
    update: str = "candidate",
    reset: str = "before",
) -> tuple[Array, dict]:
    """``a: (n_a, m, T_x)`` over ``x: (n_x, m, T_x)`` from ``a0`` (None: zeros), and the
    cache: the gates ``u, r``, the candidates ``cc`` and ``hc`` (``W_ca`` times ``r * a_prev``
    or ``a_prev``), each ``(n_a, m, T_x)``, for :func:`gru_backward` and for pictures."""
    op = "gru_forward"
    update, reset = _flags(op, update, reset)
    x = sequence(op, "x", x)
    (n_x, m, T), n_a = x.shape, hidden_size(op, params, "Wu")
    p = weights(op, params, n_a, n_x, GATES)
    a0 = state(op, "a0", a0, n_a, m, x)
    xp = array_module(x)
    W = xp.concat([p[f"W{g}"] for g in GATES], axis=0)  # (3 n_a, n_a + n_x)
    b = xp.concat([p[f"b{g}"] for g in GATES], axis=0)
    Wa, X, n2 = xp.ascontiguousarray(W[:, :n_a]), by_step(x), 2 * n_a
    pre = (W[:, n_a:] @ side_by_side(X) + b).reshape(3 * n_a, T, m)  # every step's input part
    UR = xp.empty((T, n2, m), dtype=x.dtype)
    CC, HC = xp.empty((T, n_a, m), dtype=x.dtype), xp.empty((T, n_a, m), dtype=x.dtype)
    A = xp.empty((T + 1, n_a, m), dtype=x.dtype)  # A[t] is a_prev of step t, A[0] = a0
    A[0] = a0
    for t in range(T):
        if reset == "after":  # one product gives all three gates' state part
            H = Wa @ A[t]
            UR[t] = sigmoid(pre[:n2, t] + H[:n2])
            HC[t] = H[n2:]
            CC[t] = xp.tanh(pre[n2:, t] + UR[t, n_a:] * HC[t])
        else:
            UR[t] = sigmoid(pre[:n2, t] + Wa[:n2] @ A[t])
            HC[t] = Wa[n2:] @ (UR[t, n_a:] * A[t])
            CC[t] = xp.tanh(pre[n2:, t] + HC[t])
        keep_new, keep_old = _mix(UR[t, :n_a], update)
        A[t + 1] = keep_new * CC[t] + keep_old * A[t]
    a = by_example(A[1:])
    views = {
        "u": UR[:, :n_a].transpose(1, 2, 0),
        "r": UR[:, n_a:].transpose(1, 2, 0),
        "cc": CC.transpose(1, 2, 0),
        "hc": HC.transpose(1, 2, 0),
    }
    extra = {"W": W, "n_a": n_a, "update": update, "reset": reset}
    return a, {"UR": UR, "CC": CC, "HC": HC, "A": A, "X": X, "a": a, **views, **extra}


def gru_backward(da: Array, cache: dict) -> dict[str, Array]:
    """Backward through time: ``dx (n_x, m, T)``, ``da0 (n_a, m)`` and ``dW{u,r,c}``,
    ``db{u,r,c}`` of the mean cost, from ``da (n_a, m, T)``, each step's gradient from its
    own output."""
    UR, CC, HC, A, n_a = cache["UR"], cache["CC"], cache["HC"], cache["A"], cache["n_a"]
    T, _, m = CC.shape
    dA = by_step(gradient("gru_backward", "da", da, "a", cache["a"]))
    xp, n2 = array_module(dA), 2 * n_a
    before, sign = cache["reset"] == "before", 1.0 if cache["update"] == "candidate" else -1.0
    WaT = xp.ascontiguousarray(cache["W"][:, :n_a].T)  # (n_a, 3 n_a)
    dG = xp.empty((3 * n_a, T, m), dtype=dA.dtype)  # dz of the three gates
    dH = xp.empty((3 * n_a, T, m), dtype=dA.dtype)  # gradient of W_a's products
    da_next = xp.zeros_like(A[0])
    for t in reversed(range(T)):
        u, r, cc, a_prev = UR[t, :n_a], UR[t, n_a:], CC[t], A[t]
        da_t = dA[t] + da_next
        keep_new, keep_old = _mix(u, cache["update"])
        dz_c = da_t * keep_new * (1.0 - cc * cc)
        dG[:n_a, t] = sign * da_t * (cc - a_prev) * u * (1.0 - u)
        dG[n2:, t] = dz_c
        if before:
            d_ra = WaT[:, n2:] @ dz_c  # the gradient of r * a_prev
            dG[n_a:n2, t] = d_ra * a_prev * r * (1.0 - r)
            dH[:, t] = dG[:, t]
            da_next = da_t * keep_old + d_ra * r + WaT[:, :n2] @ dG[:n2, t]
        else:
            dG[n_a:n2, t] = dz_c * HC[t] * r * (1.0 - r)
            dH[:n2, t], dH[n2:, t] = dG[:n2, t], dz_c * r
            da_next = da_t * keep_old + WaT @ dH[:, t]
    dGf, dHf = dG.reshape(3 * n_a, T * m), dH.reshape(3 * n_a, T * m)
    A_prev = side_by_side(A[:-1])
    c_in = side_by_side(UR[:, n_a:] * A[:-1]) if before else A_prev  # what W_ca multiplies
    dWx, db = dGf @ side_by_side(cache["X"]).T / m, xp.sum(dGf, axis=1, keepdims=True) / m
    dWa = xp.concat([dHf[:n2] @ A_prev.T, dHf[n2:] @ c_in.T], axis=0) / m
    dx = (cache["W"][:, n_a:].T @ dGf).reshape(-1, T, m).transpose(0, 2, 1)
    grads = {"dx": xp.ascontiguousarray(dx), "da0": da_next}
    for k, g in enumerate(GATES):
        rows = slice(k * n_a, (k + 1) * n_a)
        grads[f"dW{g}"] = xp.concat([dWa[rows], dWx[rows]], axis=1)
        grads[f"db{g}"] = db[rows]
    return grads
