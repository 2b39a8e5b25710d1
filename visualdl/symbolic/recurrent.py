"""The recurrent chapter's gradients: the RNN, LSTM and GRU cells and their BPTT, by SymPy.

**Cells.** One step's forward is written entry by entry on small symbolic shapes (``n_x = 2``,
``n_a = 2``, ``m = 2``), as in the notes and in :mod:`visualdl.engine.rnn`,
:mod:`~visualdl.engine.lstm`, :mod:`~visualdl.engine.gru` (examples are columns, the gates act
on ``[a_prev; x_t]``)::

    RNN   a_t = tanh(W_ax x_t + W_aa a_prev + b_a)
    LSTM  f, i, o = sigma(W_{f,i,o} [a_prev; x_t] + b), cc = tanh(W_c [a_prev; x_t] + b_c),
          c_t = f * c_prev + i * cc,  a_t = o * tanh(c_t)
    GRU   u, r = sigma(W_{u,r} [a_prev; x_t] + b),  cc = tanh(W_c [r * a_prev; x_t] + b_c)
          (reset="before") or tanh(r * (W_ca a_prev) + W_cx x_t + b_c) (reset="after"),
          a_t = u * cc + (1 - u) * a_prev (update="candidate") or (1 - u) * cc + u * a_prev

The backward receives the step's per-example ``da`` (and ``dc``), so to first order the summed
loss is ``S = sum da * a_t (+ sum dc * c_t)``; ``sympy.diff`` of ``S`` gives ``dx_t``,
``da_prev`` (``dc_prev``) per example and ``dW = (1/m) dS/dW``, ``db = (1/m) dS/db``, met with
``rnn_cell_backward``, ``lstm_cell_backward`` and ``gru_cell_backward`` (the GRU in all four
``update x reset`` conventions).

**Through time.** The model the notes teach: the cell over ``T = 3`` steps, a softmax output at
every step ``y_hat_t = softmax(W_y a_t + b_y)`` and ``J = -(1/m) sum_i sum_t y_t . log y_hat_t``
(``n_y = 3``); for the GRU the first-order ``S = sum_t da_t . a_t``. SymPy writes one step (the
state update ``s_t = g(s_{t-1}, x_t, theta)`` with ``s = a`` or ``[a; c]``, and the step's loss
``L_t(a_t)``) and differentiates it with ``sympy.diff`` w.r.t. the previous state, the input
and every parameter. The total derivative of ``J`` is then assembled *forward* in time,
the sensitivities ``ds_t/dw = (ds_t/ds_{t-1}) (ds_{t-1}/dw) + ds_t/dw|direct`` summed into
``dJ/dw = sum_t (dL_t/ds_t) (ds_t/dw)`` (forward mode, real-time recurrent learning: a
different algorithm from the engine's reverse-time BPTT, sharing none of its hand-written
steps), and met with ``rnn_backward`` / ``lstm_backward`` / ``gru_backward`` and
``time_dense_backward`` through the engine path ``*_forward -> time_dense_forward -> softmax ->
output_dZ -> time_dense_backward -> *_backward``. Differentiating the whole unrolled ``J`` at
once is exact too but slow (measured here: about 4 s of ``diff`` and 1.5 s of ``lambdify`` for
the RNN at these shapes, half a minute for an LSTM with ``n_a = 1``);
:func:`rnn_full_derivation` does it for the RNN, and a test shows the two agree.

**The cell path.** The notes claim ``dc_t/dc_{t-1} >= f_t``. For a scalar LSTM whose
``h_{t-1} = o_{t-1} tanh(c_{t-1})`` feeds the gates, the direct term (``h_{t-1}`` held fixed)
is exactly ``f_t``, but the total derivative can be smaller: :func:`cell_path_counterexamples`
evaluates the notes' two counterexamples, and :func:`check_cell_path` meets the total with
``lstm_cell_backward`` composed through ``h_{t-1}``.

:func:`dw_hy_gradient_check` measures the gradient-check error of ``dW_y`` for the engine and
for the notes' ``dw_hy = dy_t @ dh_next.T`` (``mistakes.MISTAKES["lstm_dw_hy_notes"]``).

Example
-------
>>> check_rnn_cell().passed, check_lstm().passed
(True, True)
>>> case = cell_path_counterexamples()["a"]
>>> round(case["f_t"], 3), round(case["total"], 3)
(0.5, 0.201)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from math import prod
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform
from visualdl.symbolic.conv import symbol_array

__all__ = [
    "CHECKS",
    "COUNTEREXAMPLES",
    "FLAGS",
    "SHAPE",
    "STATES",
    "cell_derivation",
    "cell_path_counterexamples",
    "cell_path_derivation",
    "check_cell_path",
    "check_gru",
    "check_gru_cell",
    "check_lstm",
    "check_lstm_cell",
    "check_rnn",
    "check_rnn_cell",
    "dw_hy_gradient_check",
    "rnn_full_derivation",
    "sequence_values",
    "step_derivation",
    "unrolled_gradients",
]

# n_x, n_a, n_y, m, T: two examples (so the 1/m shows), two units (so transposes matter)
SHAPE: dict[str, int] = {"n_x": 2, "n_a": 2, "n_y": 3, "m": 2, "T": 3}
# the GRU's four conventions (update, reset), see visualdl.engine.gru
FLAGS: tuple[tuple[str, str], ...] = tuple(
    (u, r) for u in ("candidate", "state") for r in ("before", "after")
)
STATES = {"rnn": ("a",), "lstm": ("a", "c"), "gru": ("a",)}  # what a step carries to the next
# the notes' counterexamples to dc_t/dc_{t-1} >= f_t: the state, the input, the nonzero weights
# (U_g: recurrent weight of gate g on h_{t-1}); (b) takes o_{t-1} = 0.9 and x_t = 1 (its f_t =
# sigma(-3 * 0.9 tanh 2) = 0.069, as the notes report)
COUNTEREXAMPLES: dict[str, dict[str, float]] = {
    "a": {"c_prev": 0.5, "o_prev": 0.9, "x_t": 1.0, "U_c": -3.0},
    "b": {"c_prev": 2.0, "o_prev": 0.9, "x_t": 1.0, "U_f": -3.0, "U_i": -2.0, "U_c": -2.0},
}

Values = dict[str, np.ndarray]
# (x, a0, params, Y) -> grads of the softmax model (rnn, lstm rows)
ModelBackward = Callable[[Any, Any, dict, Any], dict]


# -- building blocks ------------------------------------------------------------------------------


def _map(f: Callable[[sp.Expr], sp.Expr], A: np.ndarray) -> np.ndarray:
    out = np.empty(A.shape, dtype=object)
    for idx in np.ndindex(*A.shape):
        out[idx] = f(A[idx])
    return out


def _sigmoid(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


def _param_symbols(kind: str, n_x: int, n_a: int) -> dict[str, np.ndarray]:
    """The cell's weights as symbol arrays, keyed as the engine's params."""
    if kind == "rnn":
        shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1)}
    else:
        gates = "fico" if kind == "lstm" else "urc"
        shapes = {}
        for g in gates:
            shapes |= {f"W{g}": (n_a, n_a + n_x), f"b{g}": (n_a, 1)}
    return {k: symbol_array(k, shape) for k, shape in shapes.items()}


def _step(
    kind: str, p: dict, xt: np.ndarray, a_prev: np.ndarray, c_prev: Any = None, flags: tuple = ()
) -> dict[str, np.ndarray]:
    """One cell step written from its definition on object arrays: ``{"a"}`` (and ``"c"``)."""
    if kind == "rnn":
        return {"a": _map(sp.tanh, p["Wax"].dot(xt) + p["Waa"].dot(a_prev) + p["ba"])}
    concat = np.concatenate([a_prev, xt], axis=0)
    if kind == "lstm":
        f, i, o = (_map(_sigmoid, p[f"W{g}"].dot(concat) + p[f"b{g}"]) for g in "fio")
        cc = _map(sp.tanh, p["Wc"].dot(concat) + p["bc"])
        c = f * c_prev + i * cc
        return {"a": o * _map(sp.tanh, c), "c": c}
    update, reset = flags
    n_a = a_prev.shape[0]
    u, r = (_map(_sigmoid, p[f"W{g}"].dot(concat) + p[f"b{g}"]) for g in "ur")
    Wca, Wcx = p["Wc"][:, :n_a], p["Wc"][:, n_a:]
    if reset == "before":
        z_c = Wca.dot(r * a_prev) + Wcx.dot(xt) + p["bc"]
    else:
        z_c = r * Wca.dot(a_prev) + Wcx.dot(xt) + p["bc"]
    cc = _map(sp.tanh, z_c)
    a = u * cc + (1 - u) * a_prev if update == "candidate" else (1 - u) * cc + u * a_prev
    return {"a": a}


def _diff(S: sp.Expr, A: np.ndarray, scale: sp.Expr = sp.S.One) -> np.ndarray:
    return _map(lambda s: sp.diff(S, s) * scale, A)


def _numeric(
    symbols: dict[str, np.ndarray], exprs: dict[str, np.ndarray]
) -> Callable[[dict], Values]:
    """``values -> {name: float array}``: every expression of ``exprs`` lambdified at once
    (with common subexpressions shared), its arguments the entries of ``symbols``."""
    args = [s for k in symbols for s in np.asarray(symbols[k]).ravel()]
    flat = [e for k in exprs for e in np.asarray(exprs[k], dtype=object).ravel()]
    f = sp.lambdify(args, flat, "numpy", cse=True)
    shapes = {k: np.shape(np.asarray(exprs[k], dtype=object)) for k in exprs}

    def evaluate(values: dict) -> Values:
        out = f(*(float(v) for k in symbols for v in np.asarray(values[k], float).ravel()))
        res, i = {}, 0
        for k, shape in shapes.items():
            n = prod(shape)
            res[k] = np.array([float(v) for v in out[i : i + n]]).reshape(shape)
            i += n
        return res

    return evaluate


def _pairs(expected: dict, got: dict, keys: Any) -> list:
    return [x for k in keys for x in (expected[k], got[k])]


# -- cells ----------------------------------------------------------------------------------------


@cache
def cell_derivation(kind: str, update: str = "candidate", reset: str = "before") -> dict[str, Any]:
    """One cell step on :data:`SHAPE` and its derivatives by ``sympy.diff`` of
    ``S = sum da * a_t (+ sum dc * c_t)``.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
    update, reset : str
        The GRU's conventions (ignored for the others).

    Returns
    -------
    dict
        Symbol arrays of the params (``Wax``... or ``W{g}``, ``b{g}``), ``xt (n_x, m)``,
        ``a_prev (n_a, m)`` (and ``c_prev``), the upstream ``da`` (and ``dc``); the step's
        ``a`` (and ``c``), ``S``; ``dxt``, ``da_prev`` (``dc_prev``) = dS/d(.) and the params'
        ``d{name}`` = (1/m) dS/d(.); ``"numeric"``, the derivatives lambdified.

    Example
    -------
    >>> d = cell_derivation("rnn")
    >>> d["dWax"].shape, d["da_prev"].shape
    ((2, 2), (2, 2))
    """
    if kind not in STATES:
        raise ValueError(f"cell_derivation: kind must be one of {sorted(STATES)}, got {kind!r}")
    n_x, n_a, m = SHAPE["n_x"], SHAPE["n_a"], SHAPE["m"]
    p = _param_symbols(kind, n_x, n_a)
    inputs = {"xt": symbol_array("x", (n_x, m)), "a_prev": symbol_array("a_prev", (n_a, m))}
    if kind == "lstm":
        inputs["c_prev"] = symbol_array("c_prev", (n_a, m))
    out = _step(kind, p, inputs["xt"], inputs["a_prev"], inputs.get("c_prev"), (update, reset))
    upstream = {f"d{k}": symbol_array(f"d{k}", (n_a, m)) for k in out}
    S = sp.Add(
        *(
            g * v
            for k in out
            for g, v in zip(upstream[f"d{k}"].ravel(), out[k].ravel(), strict=True)
        )
    )
    grads = {f"d{k}": _diff(S, v) for k, v in inputs.items()}
    grads |= {f"d{k}": _diff(S, v, sp.Rational(1, m)) for k, v in p.items()}
    symbols = {**p, **inputs, **upstream}
    return {
        **symbols,
        **out,
        "S": S,
        **grads,
        "params": tuple(p),
        "inputs": tuple(inputs),
        "grads": tuple(grads),
        "numeric": _numeric(symbols, {**out, **grads}),
    }


def _cell_values(d: dict, seed: int) -> Values:
    gen = rng(seed)
    names = (*d["params"], *d["inputs"], *(k for k in ("da", "dc") if k in d))
    return {k: gen.standard_normal(d[k].shape) for k in names}


def _engine_rnn_cell(xt: Any, a_prev: Any, params: dict, da: Any) -> dict:
    from visualdl.engine.rnn import rnn_cell_backward, rnn_cell_forward

    _, cache_ = rnn_cell_forward(xt, a_prev, params)
    return rnn_cell_backward(da, cache_)


def _engine_lstm_cell(xt: Any, a_prev: Any, c_prev: Any, params: dict, da: Any, dc: Any) -> dict:
    from visualdl.engine.lstm import lstm_cell_backward, lstm_cell_forward

    _, _, cache_ = lstm_cell_forward(xt, a_prev, c_prev, params)
    return lstm_cell_backward(da, dc, cache_)


def _engine_gru_cell(xt: Any, a_prev: Any, params: dict, da: Any, update: str, reset: str) -> dict:
    from visualdl.engine.gru import gru_cell_backward, gru_cell_forward

    _, cache_ = gru_cell_forward(xt, a_prev, params, update, reset)
    return gru_cell_backward(da, cache_)


def _cell_pairs(kind: str, flags: tuple[str, str], backward: Callable, seed: int) -> list:
    from visualdl.engine import gru, lstm, rnn

    d = cell_derivation(kind, *flags)
    v = _cell_values(d, seed)
    expected = d["numeric"](v)
    params = {k: v[k] for k in d["params"]}
    if kind == "rnn":
        a, _ = rnn.rnn_cell_forward(v["xt"], v["a_prev"], params)
        got = backward(v["xt"], v["a_prev"], params, v["da"])
        forward = [expected["a"], a]
    elif kind == "lstm":
        a, c, _ = lstm.lstm_cell_forward(v["xt"], v["a_prev"], v["c_prev"], params)
        got = backward(v["xt"], v["a_prev"], v["c_prev"], params, v["da"], v["dc"])
        forward = [expected["a"], a, expected["c"], c]
    else:
        a, _ = gru.gru_cell_forward(v["xt"], v["a_prev"], params, *flags)
        got = backward(v["xt"], v["a_prev"], params, v["da"], *flags)
        forward = [expected["a"], a]
    return forward + _pairs(expected, got, d["grads"])


def check_rnn_cell(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``a_t = tanh(W_ax x_t + W_aa a_prev + b_a)``: diff of ``S = sum da a_t`` vs
    ``rnn_cell_backward`` (``dxt, da_prev, dWax, dWaa, dba``) and the forward vs
    ``rnn_cell_forward``.

    Parameters
    ----------
    backward : callable, optional
        ``(xt, a_prev, params, da) -> {"dxt", "da_prev", "dWax", "dWaa", "dba"}`` in place
        of the engine's.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check_rnn_cell().passed
    True
    """
    pairs = _cell_pairs("rnn", (), backward or _engine_rnn_cell, seed)
    return Check("diff of S = sum da a_t (tanh step) vs rnn_cell_backward", rel_error(*pairs))


def check_lstm_cell(backward: Callable | None = None, seed: int = SEED) -> Check:
    """The LSTM cell: diff of ``S = sum da a_t + sum dc c_t`` vs ``lstm_cell_backward``
    (``dxt, da_prev, dc_prev, dW{f,i,c,o}, db{f,i,c,o}``), the forward vs ``lstm_cell_forward``.

    Parameters
    ----------
    backward : callable, optional
        ``(xt, a_prev, c_prev, params, da, dc) -> grads`` in place of the engine's.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check_lstm_cell().passed
    True
    """
    pairs = _cell_pairs("lstm", (), backward or _engine_lstm_cell, seed)
    return Check(
        "diff of S = sum da a_t + dc c_t (4 gates) vs lstm_cell_backward", rel_error(*pairs)
    )


def check_gru_cell(backward: Callable | None = None, seed: int = SEED) -> Check:
    """The GRU cell in all four :data:`FLAGS`: diff of ``S = sum da a_t`` vs
    ``gru_cell_backward`` (``dxt, da_prev, dW{u,r,c}, db{u,r,c}``); the largest error of the
    four.

    Parameters
    ----------
    backward : callable, optional
        ``(xt, a_prev, params, da, update, reset) -> grads`` in place of the engine's.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check_gru_cell().passed
    True
    """
    pairs = [
        x for flags in FLAGS for x in _cell_pairs("gru", flags, backward or _engine_gru_cell, seed)
    ]
    return Check(
        "diff of S = sum da a_t, update x reset (4) vs gru_cell_backward", rel_error(*pairs)
    )


# -- through time -------------------------------------------------------------------------------


@cache
def step_derivation(kind: str, update: str = "candidate", reset: str = "before") -> dict[str, Any]:
    """One step of one example and its Jacobians by ``sympy.diff``, for forward mode in time.

    The state ``s_prev`` (``a_prev`` or ``[a_prev; c_prev]``, ``n_s`` entries), the input
    ``x_t (n_x,)`` and the cell's params ``theta`` (``P`` entries, in the order of the params'
    dict, each array row by row) give ``s_t``; the step's loss reads ``a_t``: the softmax
    model's ``L_t = -sum_k y_k log softmax(W_y a_t + b_y)_k`` (rnn, lstm) or the first-order
    ``L_t = sum_k da_k a_t,k`` (gru).

    Returns
    -------
    dict
        The symbols; ``s_t`` (n_s,); ``ds_ds (n_s, n_s)``, ``ds_dx (n_s, n_x)``,
        ``ds_dtheta (n_s, P)``; ``L``; ``dL_da (n_a,)`` and, for the softmax, ``dL_dWy``,
        ``dL_dby``; ``"step"`` and ``"loss"``, the two parts lambdified.

    Example
    -------
    >>> d = step_derivation("lstm")
    >>> d["ds_ds"].shape, d["ds_dtheta"].shape
    ((4, 4), (4, 40))
    """
    if kind not in STATES:
        raise ValueError(f"step_derivation: kind must be one of {sorted(STATES)}, got {kind!r}")
    n_x, n_a, n_y = SHAPE["n_x"], SHAPE["n_a"], SHAPE["n_y"]
    p = _param_symbols(kind, n_x, n_a)
    prev = {f"{k}_prev": symbol_array(f"{k}_prev", (n_a, 1)) for k in STATES[kind]}
    xt = symbol_array("x", (n_x, 1))
    out = _step(kind, p, xt, prev["a_prev"], prev.get("c_prev"), (update, reset))
    s_prev = np.concatenate([prev[f"{k}_prev"].ravel() for k in STATES[kind]])
    s_new = np.concatenate([out[k].ravel() for k in STATES[kind]])
    theta = np.concatenate([v.ravel() for v in p.values()])
    jac = {
        "ds_ds": np.array([[sp.diff(s, u) for u in s_prev] for s in s_new], dtype=object),
        "ds_dx": np.array([[sp.diff(s, u) for u in xt.ravel()] for s in s_new], dtype=object),
        "ds_dtheta": np.array([[sp.diff(s, u) for u in theta] for s in s_new], dtype=object),
    }
    a_t = symbol_array("a", (n_a, 1))  # the new state, as the loss reads it
    if kind == "gru":
        out_syms = {"da": symbol_array("da", (n_a, 1))}
        L = sp.Add(*(g * a for g, a in zip(out_syms["da"].ravel(), a_t.ravel(), strict=True)))
        loss = {"L": L, "dL_da": _diff(L, a_t.ravel())}
    else:
        out_syms = {
            "Wy": symbol_array("Wy", (n_y, n_a)),
            "by": symbol_array("by", (n_y, 1)),
            "y": symbol_array("y", (n_y, 1)),
        }
        z = (out_syms["Wy"].dot(a_t) + out_syms["by"]).ravel()
        lse = sp.log(sp.Add(*(sp.exp(zk) for zk in z)))
        L = -sp.Add(
            *(yk * (zk - lse) for yk, zk in zip(out_syms["y"].ravel(), z, strict=True))
        )  # y.log y_hat
        loss = {"L": L, "dL_da": _diff(L, a_t.ravel())}
        loss |= {"dL_dWy": _diff(L, out_syms["Wy"]), "dL_dby": _diff(L, out_syms["by"])}
    step_syms = {**p, **prev, "xt": xt}
    return {
        **step_syms,
        **out_syms,
        "a_t": a_t,
        "s_t": s_new,
        **jac,
        **loss,
        "params": tuple(p),
        "step": _numeric(step_syms, {"s_t": s_new, **jac}),
        "loss": _numeric({"a": a_t, **out_syms}, loss),
    }


def unrolled_gradients(
    kind: str, values: dict, update: str = "candidate", reset: str = "before"
) -> dict[str, Any]:
    """The total derivative of ``J = (1/m) sum_i sum_t L_it`` by forward mode in time.

    For each example ``i`` the sensitivity ``D_t = ds_t/dw`` of the state w.r.t.
    ``w = (theta, x_1 .. x_T, s_0)`` starts at ``D_0 = [0, 0, I]`` and follows
    ``D_t = (ds_t/ds_{t-1}) D_{t-1} + [ds_t/dtheta, ds_t/dx_t at step t, 0]``; the gradient is
    ``sum_t (dL_t/ds_t) D_t``. Every Jacobian is :func:`step_derivation`'s ``sympy.diff``.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
    values : dict
        The cell's params, ``x (n_x, m, T)``, ``a0 (n_a, m)`` (``c0`` for the LSTM, zeros if
        absent) and ``Wy, by, Y (n_y, m, T)`` (rnn, lstm) or ``da (n_a, m, T)`` (gru).
    update, reset : str
        The GRU's conventions.

    Returns
    -------
    dict
        ``d{param}`` (and ``dWy``, ``dby``) of the mean cost; ``dx``, ``da0`` (``dc0``) per
        example; the states ``a (n_a, m, T)`` and the cost ``J``.

    Example
    -------
    >>> g = unrolled_gradients("rnn", sequence_values("rnn"))
    >>> g["dWaa"].shape, g["dx"].shape
    ((2, 2), (2, 2, 3))
    """
    d = step_derivation(kind, update, reset)
    x = np.asarray(values["x"], float)
    n_x, m, T = x.shape
    states = STATES[kind]
    n_a = SHAPE["n_a"]
    n_s, P = n_a * len(states), d["ds_dtheta"].shape[1]
    params = {k: np.asarray(values[k], float) for k in d["params"]}
    s0 = {"a": np.asarray(values["a0"], float)}
    if kind == "lstm":
        s0["c"] = np.asarray(values.get("c0", np.zeros_like(s0["a"])), float)
    width = P + n_x * T + n_s
    g_all, J, A = np.zeros((m, width)), 0.0, np.zeros((n_a, m, T))
    out_grads = {"dWy": 0.0, "dby": 0.0}
    for i in range(m):
        D = np.zeros((n_s, width))
        D[:, P + n_x * T :] = np.eye(n_s)
        s = {k: s0[k][:, i : i + 1] for k in states}
        for t in range(T):
            r = d["step"](
                {**params, **{f"{k}_prev": s[k] for k in states}, "xt": x[:, i : i + 1, t]}
            )
            D = r["ds_ds"] @ D
            D[:, :P] += r["ds_dtheta"]
            D[:, P + n_x * t : P + n_x * (t + 1)] += r["ds_dx"]
            s = {k: r["s_t"][j * n_a : (j + 1) * n_a, None] for j, k in enumerate(states)}
            A[:, i, t] = s["a"][:, 0]
            if kind == "gru":
                o = d["loss"]({"a": s["a"], "da": np.asarray(values["da"])[:, i : i + 1, t]})
            else:
                y = np.asarray(values["Y"], float)[:, i : i + 1, t]
                o = d["loss"]({"a": s["a"], "Wy": values["Wy"], "by": values["by"], "y": y})
                out_grads["dWy"] = out_grads["dWy"] + o["dL_dWy"] / m
                out_grads["dby"] = out_grads["dby"] + o["dL_dby"] / m
            ell = np.zeros(n_s)
            ell[:n_a] = o["dL_da"]  # the loss reads a_t, the first n_a entries of the state
            g_all[i] += ell @ D
            J += float(o["L"]) / m
    grads: dict[str, Any] = {}
    start, g_theta = 0, g_all[:, :P].sum(axis=0) / m
    for k, v in params.items():
        grads[f"d{k}"] = g_theta[start : start + v.size].reshape(v.shape)
        start += v.size
    grads["dx"] = g_all[:, P : P + n_x * T].reshape(m, T, n_x).transpose(2, 0, 1)
    for j, k in enumerate(states):
        grads[f"d{k}0"] = g_all[:, P + n_x * T + j * n_a : P + n_x * T + (j + 1) * n_a].T
    if kind != "gru":
        grads |= out_grads
    return {**grads, "a": A, "J": J}


def sequence_values(kind: str, seed: int = SEED, shape: dict | None = None) -> Values:
    """Random float64 inputs of the model: the cell's params, ``x``, ``a0`` and ``Wy, by`` with
    one-hot ``Y (n_y, m, T)`` (rnn, lstm) or ``da (n_a, m, T)`` (gru), all of ``shape``
    (:data:`SHAPE` by default).

    Example
    -------
    >>> v = sequence_values("lstm")
    >>> v["Wf"].shape, v["Y"].shape, v["Y"].sum(axis=0).tolist()[0]
    ((2, 4), (3, 2, 3), [1.0, 1.0, 1.0])
    """
    s = {**SHAPE, **(shape or {})}
    n_x, n_a, n_y, m, T = (s[k] for k in ("n_x", "n_a", "n_y", "m", "T"))
    gen = rng(seed)
    v = {k: gen.standard_normal(sym.shape) for k, sym in _param_symbols(kind, n_x, n_a).items()}
    v |= {"x": gen.standard_normal((n_x, m, T)), "a0": gen.standard_normal((n_a, m))}
    if kind == "gru":
        return v | {"da": gen.standard_normal((n_a, m, T))}
    labels = gen.integers(0, n_y, size=(m, T))
    Y = np.moveaxis(np.eye(n_y)[labels], -1, 0)  # one-hot columns, (n_y, m, T)
    return v | {"Wy": gen.standard_normal((n_y, n_a)), "by": gen.standard_normal((n_y, 1)), "Y": Y}


def _engine_model(kind: str, x: Any, a0: Any, params: dict) -> tuple[Any, dict, Any, dict]:
    """The engine's forward of the softmax model: ``(a, cache, y_hat, output cache)``."""
    from visualdl.engine.activations import softmax
    from visualdl.engine.lstm import lstm_forward
    from visualdl.engine.rnn import rnn_forward
    from visualdl.engine.sequence import time_dense_forward

    a, cache_ = (rnn_forward if kind == "rnn" else lstm_forward)(x, a0, params)
    Z, out_cache = time_dense_forward(a, params["Wy"], params["by"])
    return a, cache_, softmax(Z), out_cache


def _engine_model_backward(kind: str, x: Any, a0: Any, params: dict, Y: Any) -> dict:
    """``*_forward -> time_dense_forward -> softmax -> output_dZ -> time_dense_backward ->
    *_backward``: every gradient of ``J`` the engine gives."""
    from visualdl.engine.losses import output_dZ
    from visualdl.engine.lstm import lstm_backward
    from visualdl.engine.rnn import rnn_backward
    from visualdl.engine.sequence import time_dense_backward

    _, cache_, y_hat, out_cache = _engine_model(kind, x, a0, params)
    da, dWy, dby = time_dense_backward(output_dZ(y_hat, Y), out_cache)
    grads = (rnn_backward if kind == "rnn" else lstm_backward)(da, cache_)
    return {**grads, "dWy": dWy, "dby": dby}


def _engine_rnn(x: Any, a0: Any, params: dict, Y: Any) -> dict:
    return _engine_model_backward("rnn", x, a0, params, Y)


def _engine_lstm(x: Any, a0: Any, params: dict, Y: Any) -> dict:
    return _engine_model_backward("lstm", x, a0, params, Y)


def _engine_cost(kind: str, x: Any, a0: Any, params: dict, Y: Any) -> float:
    from visualdl.engine.losses import cross_entropy

    return float(cross_entropy(_engine_model(kind, x, a0, params)[2], Y))


def _check_model(kind: str, backward: ModelBackward | None, seed: int) -> float:
    v = sequence_values(kind, seed)
    expected = unrolled_gradients(kind, v)
    params = {k: v[k] for k in (*_param_symbols(kind, 1, 1), "Wy", "by")}
    got = (backward or (_engine_rnn if kind == "rnn" else _engine_lstm))(
        v["x"], v["a0"], params, v["Y"]
    )
    a, *_ = _engine_model(kind, v["x"], v["a0"], params)
    keys = [k for k in expected if k not in ("a", "J")]
    J = _engine_cost(kind, v["x"], v["a0"], params, v["Y"])
    return rel_error(expected["a"], a, expected["J"], J, *_pairs(expected, got, keys))


def check_rnn(backward: ModelBackward | None = None, seed: int = SEED) -> Check:
    """BPTT of the notes' model (RNN, softmax + CE at each of ``T = 3`` steps): forward mode
    over SymPy's one-step Jacobians vs ``rnn_backward`` and ``time_dense_backward``
    (``dWax, dWaa, dba, dWy, dby, dx, da0``); the states and ``J`` vs the engine's forward.

    Parameters
    ----------
    backward : callable, optional
        ``(x, a0, params, Y) -> grads`` (params holding ``Wy``, ``by``) in place of the
        engine's path.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check_rnn().passed
    True
    """
    return Check(
        "BPTT, T=3, softmax+CE: forward mode on diff of one step vs rnn_/time_dense_backward",
        _check_model("rnn", backward, seed),
    )


def check_lstm(backward: ModelBackward | None = None, seed: int = SEED) -> Check:
    """The LSTM model through time (softmax + CE at each of ``T = 3`` steps): forward mode over
    SymPy's one-step Jacobians vs ``lstm_backward`` and ``time_dense_backward`` (``dW{g}``,
    ``db{g}``, ``dWy``, ``dby``, ``dx``, ``da0``, ``dc0``).

    Parameters
    ----------
    backward : callable, optional
        ``(x, a0, params, Y) -> grads`` in place of the engine's path (``c0`` is zeros).
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check_lstm().passed
    True
    """
    return Check(
        "LSTM through time, T=3, softmax+CE: forward mode on diff of one step vs lstm_backward",
        _check_model("lstm", backward, seed),
    )


def _engine_gru(x: Any, a0: Any, params: dict, da: Any, update: str, reset: str) -> dict:
    from visualdl.engine.gru import gru_backward, gru_forward

    _, cache_ = gru_forward(x, a0, params, update, reset)
    return gru_backward(da, cache_)


def check_gru(backward: Callable | None = None, seed: int = SEED) -> Check:
    """The GRU through ``T = 3`` steps in all four :data:`FLAGS`: forward mode over SymPy's
    one-step Jacobians of ``S = sum_t da_t . a_t`` vs ``gru_backward`` (``dW{u,r,c}``,
    ``db{u,r,c}``, ``dx``, ``da0``) and the states vs ``gru_forward``; the largest error.

    Parameters
    ----------
    backward : callable, optional
        ``(x, a0, params, da, update, reset) -> grads`` in place of the engine's.
    seed : int
        Seed of ``numpy.random.default_rng`` for the values.

    Example
    -------
    >>> check_gru().passed
    True
    """
    from visualdl.engine.gru import gru_forward

    v = sequence_values("gru", seed)
    params = {k: v[k] for k in _param_symbols("gru", 1, 1)}
    pairs: list = []
    for flags in FLAGS:
        expected = unrolled_gradients("gru", v, *flags)
        got = (backward or _engine_gru)(v["x"], v["a0"], params, v["da"], *flags)
        a, _ = gru_forward(v["x"], v["a0"], params, *flags)
        keys = [k for k in expected if k not in ("a", "J")]
        pairs += [expected["a"], a, *_pairs(expected, got, keys)]
    return Check(
        "GRU through time, T=3, update x reset (4): forward mode on diff vs gru_backward",
        rel_error(*pairs),
    )


@cache
def rnn_full_derivation() -> dict[str, Any]:
    """The RNN model's whole unrolled ``J`` (:data:`SHAPE`, softmax + CE at every step) as one
    SymPy expression per example, and ``sympy.diff`` of it w.r.t. every parameter and input:
    exact, and slow (seconds); the checks use :func:`unrolled_gradients`, which a test shows
    equal to this.

    Returns
    -------
    dict
        The symbol arrays, ``J`` and ``"numeric"``: ``values -> {"J", "dWax", ..., "dx",
        "da0"}`` (the gradient convention of :func:`unrolled_gradients`).
    """
    n_x, n_a, n_y, m, T = (SHAPE[k] for k in ("n_x", "n_a", "n_y", "m", "T"))
    p = _param_symbols("rnn", n_x, n_a)
    s = {
        **p,
        "Wy": symbol_array("Wy", (n_y, n_a)),
        "by": symbol_array("by", (n_y, 1)),
        "x": symbol_array("x", (n_x, m, T)),
        "a0": symbol_array("a0", (n_a, m)),
        "Y": symbol_array("Y", (n_y, m, T)),
    }
    J_i = []  # example i's summed loss: the examples share only the parameters
    for i in range(m):
        a, terms = s["a0"][:, i : i + 1], []
        for t in range(T):
            a = _step("rnn", p, s["x"][:, i : i + 1, t], a)["a"]
            z = (s["Wy"].dot(a) + s["by"]).ravel()
            lse = sp.log(sp.Add(*(sp.exp(zk) for zk in z)))
            terms.append(
                -sp.Add(*(y * (zk - lse) for y, zk in zip(s["Y"][:, i, t], z, strict=True)))
            )
        J_i.append(sp.Add(*terms))
    inv_m = sp.Rational(1, m)
    grads = {
        f"d{k}": _map(lambda u: sp.Add(*(sp.diff(Ji, u) for Ji in J_i)) * inv_m, s[k])
        for k in (*p, "Wy", "by")
    }
    for k in ("x", "a0"):  # per example: the example's own J_i (times m, over J's 1/m)
        grads[f"d{k}"] = np.empty(s[k].shape, dtype=object)
        for idx in np.ndindex(*s[k].shape):
            grads[f"d{k}"][idx] = sp.diff(J_i[idx[1]], s[k][idx])
    J = sp.Add(*J_i) * inv_m
    return {**s, "J": J, "numeric": _numeric(s, {"J": np.array(J, dtype=object), **grads})}


# -- the cell path: dc_t / dc_{t-1} -------------------------------------------------------------


@cache
def cell_path_derivation() -> dict[str, Any]:
    """The scalar LSTM step with ``h_{t-1} = o_{t-1} tanh(c_{t-1})`` feeding its gates::

        g_t = sigma or tanh(W_g x_t + U_g h_{t-1} + b_g),  c_t = f_t c_{t-1} + i_t cc_t

    Returns
    -------
    dict
        The symbols (``c_prev``, ``o_prev``, ``x`` (named ``x_t``), ``h``, ``W_g``, ``U_g``,
        ``b_g``); ``f`` (``f_t``) and ``c`` (``c_t``); ``direct`` = ``diff(c_t, c_prev)`` with
        ``h`` a free symbol; ``total`` = ``diff`` of ``c_t`` after ``h = o_prev tanh(c_prev)``
        is put in; ``direct_is_f``: ``simplify(direct - f_t) == 0``; ``symbols``, the names in
        the order of ``numbers``: ``(...) -> (f_t, direct, total)`` with ``h`` put in.

    Example
    -------
    >>> cell_path_derivation()["direct_is_f"]
    True
    """
    c_prev, o_prev, x, h = sp.symbols("c_prev o_prev x_t h_prev", real=True)
    W = {g: sp.Symbol(f"W_{g}", real=True) for g in "fic"}
    U = {g: sp.Symbol(f"U_{g}", real=True) for g in "fic"}
    b = {g: sp.Symbol(f"b_{g}", real=True) for g in "fic"}
    pre = {g: W[g] * x + U[g] * h + b[g] for g in "fic"}
    f, i, cc = _sigmoid(pre["f"]), _sigmoid(pre["i"]), sp.tanh(pre["c"])
    c = f * c_prev + i * cc
    h_of_c = o_prev * sp.tanh(c_prev)
    direct = sp.diff(c, c_prev)
    total = sp.diff(c.subs(h, h_of_c), c_prev)
    symbols = [c_prev, o_prev, x, *W.values(), *U.values(), *b.values()]
    numbers = sp.lambdify(symbols, [f.subs(h, h_of_c), direct.subs(h, h_of_c), total], "math")
    return {
        "c_prev": c_prev,
        "o_prev": o_prev,
        "x": x,
        "h": h,
        "W": W,
        "U": U,
        "b": b,
        "f": f,
        "c": c,
        "direct": direct,
        "total": total,
        "direct_is_f": sp.simplify(direct - f) == 0,
        "symbols": [str(s) for s in symbols],
        "numbers": numbers,
    }


def _cell_path_numbers(case: dict[str, float]) -> dict[str, float]:
    d = cell_path_derivation()
    args = [float(case.get(name, 0.0)) for name in d["symbols"]]
    f, direct, total = d["numbers"](*args)
    return {"f_t": float(f), "direct": float(direct), "total": float(total)}


def cell_path_counterexamples() -> dict[str, dict[str, float]]:
    """The notes' two counterexamples to ``dc_t/dc_{t-1} >= f_t``, evaluated from
    :func:`cell_path_derivation`: per case its inputs (:data:`COUNTEREXAMPLES`; every weight
    not named is 0) and ``f_t``, the ``direct`` term (``= f_t``) and the ``total`` derivative.

    Example
    -------
    >>> r = cell_path_counterexamples()
    >>> [round(r[k]["total"], 3) < round(r[k]["f_t"], 3) for k in ("a", "b")]
    [True, True]
    """
    return {k: {**case, **_cell_path_numbers(case)} for k, case in COUNTEREXAMPLES.items()}


def _engine_cell_path(case: dict[str, float]) -> dict[str, float]:
    """``lstm_cell_backward`` with ``n_a = n_x = m = 1``, ``da = 0``, ``dc = 1``, composed
    through ``h_{t-1}``: ``dc_prev + da_prev o_{t-1} (1 - tanh(c_{t-1})^2)``."""
    from visualdl.engine.lstm import lstm_cell_backward, lstm_cell_forward

    def w(name: str) -> float:
        return float(case.get(name, 0.0))

    params = {f"W{g}": np.array([[w(f"U_{g}"), w(f"W_{g}")]]) for g in "fic"}
    params |= {f"b{g}": np.array([[w(f"b_{g}")]]) for g in "fic"}
    params |= {"Wo": np.zeros((1, 2)), "bo": np.zeros((1, 1))}  # o_t does not reach c_t
    c_prev, o_prev = w("c_prev"), w("o_prev")
    h = np.array([[o_prev * np.tanh(c_prev)]])
    _, _, cache_ = lstm_cell_forward(np.array([[w("x_t")]]), h, np.array([[c_prev]]), params)
    d = lstm_cell_backward(np.zeros((1, 1)), np.ones((1, 1)), cache_)
    through_h = float(d["da_prev"][0, 0]) * o_prev * (1.0 - np.tanh(c_prev) ** 2)
    return {
        "f_t": float(cache_["f"][0, 0]),
        "direct": float(d["dc_prev"][0, 0]),
        "total": float(d["dc_prev"][0, 0]) + through_h,
    }


def check_cell_path(seed: int = SEED) -> Check:
    """``dc_t/dc_{t-1}`` of the scalar LSTM: infinite error unless the direct term simplifies
    to ``f_t`` and both counterexamples give a total below ``f_t``; otherwise the largest
    relative error of the engine's composed cell path (``lstm_cell_backward``) against SymPy's
    total derivative, at the counterexamples and at three random points.

    Example
    -------
    >>> check_cell_path().passed
    True
    """
    d = cell_path_derivation()
    cases = cell_path_counterexamples()
    claim_false = all(r["total"] < r["f_t"] for r in cases.values())
    gen = rng(seed)
    names = [n for n in d["symbols"] if n not in ("c_prev", "o_prev")]
    points = list(COUNTEREXAMPLES.values())
    for _ in range(3):
        point = dict(zip(names, signed_uniform(gen, (len(names),), 0.1, 2.0).tolist(), strict=True))
        points.append(point | {"c_prev": gen.uniform(-2, 2), "o_prev": gen.uniform(0.05, 0.95)})
    pairs = []
    for point in points:
        want, got = _cell_path_numbers(point), _engine_cell_path(point)
        pairs += [[want[k] for k in want], [got[k] for k in want]]
    ok = d["direct_is_f"] and claim_false
    return Check(
        "dc_t/dc_{t-1}: direct = f_t, total < f_t (2 cases), lstm_cell_backward via h_{t-1}",
        rel_error(*pairs) if ok else float("inf"),
    )


# -- the notes' dw_hy, by a gradient check ------------------------------------------------------


def dw_hy_gradient_check(seed: int = 0, eps: float = 1e-6) -> dict[str, float]:
    """Gradient-check error of ``dW_y`` on a random LSTM (``T = 6``, ``n_x = 3``, ``n_a = 4``,
    ``n_y = 5``, ``m = 3``), softmax + CE at every step: ``||num - analytic|| / (||num|| +
    ||analytic||)`` with ``num`` the central differences (float64, ``eps``) of the engine's cost.

    Returns
    -------
    dict
        ``{"engine": error of the engine's dWy, "notes": error of the notes' dw_hy =
        dy_t @ dh_next.T (mistakes.MISTAKES["lstm_dw_hy_notes"])}``.

    Example
    -------
    >>> r = dw_hy_gradient_check(0)
    >>> r["engine"] < 1e-6 < 0.3 < r["notes"]
    True
    """
    from visualdl.engine.gradcheck import numerical_gradient, relative_error
    from visualdl.symbolic.mistakes import MISTAKES

    v = sequence_values("lstm", seed, {"n_x": 3, "n_a": 4, "n_y": 5, "m": 3, "T": 6})
    params = {k: v[k] for k in (*_param_symbols("lstm", 1, 1), "Wy", "by")}

    def J(Wy: np.ndarray) -> float:
        return _engine_cost("lstm", v["x"], v["a0"], {**params, "Wy": Wy}, v["Y"])

    num = numerical_gradient(J, params["Wy"], eps)
    right = _engine_lstm(v["x"], v["a0"], params, v["Y"])["dWy"]
    wrong = MISTAKES["lstm_dw_hy_notes"].wrong(v["x"], v["a0"], params, v["Y"])["dWy"]
    return {"engine": relative_error(num, right), "notes": relative_error(num, wrong)}


# the rows of ``visualdl verify``
CHECKS: dict[str, Op] = {
    "rnn_cell": Op(check_rnn_cell, covers=("rnn.rnn_cell_backward",)),
    "rnn": Op(check_rnn, covers=("rnn.rnn_backward", "sequence.time_dense_backward")),
    "lstm_cell": Op(check_lstm_cell, covers=("lstm.lstm_cell_backward",)),
    "lstm": Op(check_lstm, covers=("lstm.lstm_backward", "sequence.time_dense_backward")),
    "gru_cell": Op(check_gru_cell, covers=("gru.gru_cell_backward",)),
    "gru": Op(check_gru, covers=("gru.gru_backward",)),
    "lstm_dc_dc_prev": Op(check_cell_path, covers=(), override=None),
}
