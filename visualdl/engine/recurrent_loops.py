"""Slow, obviously-correct loop versions of the RNN, the LSTM and the GRU: the test oracles of
the fast unrolled ops, and the narrators of every picture that walks a cell through time.

Each loop runs the textbook cell (``rnn_cell_forward``, ``lstm_cell_forward``,
``gru_cell_forward``: every gate from its own matrix, one step at a time) and its backward in
reverse time, where the fast ops stack the gates and multiply all steps' inputs at once. Inside
``with visualdl.trace.record()`` they record, per time step ``t``:

- ``rnn.step``: ``x_t``, ``a_prev``, the pre-activation ``z`` and ``a``;
  ``rnn.step_backward``: the output's ``da``, the later steps' ``da_next``, ``dz``,
  ``da_prev``, ``dxt``;
- ``lstm.step``: ``x_t``, ``a_prev``, ``c_prev``, every gate's pre-activation and activation
  (``z_f, f, z_i, i, z_c, cc, z_o, o``), ``c`` and ``a``; ``lstm.step_backward``: the step's
  whole ``da`` and ``dc``, ``do, dz_o, df, dz_f, di, dz_i, dcc, dz_c``, the cell path's
  ``dc_prev = dc * f_t``, ``da_prev`` and ``dxt``;
- ``gru.step``: ``x_t``, ``a_prev``, ``z_u, u, z_r, r, z_c, cc`` and ``a``;
  ``gru.step_backward``: ``da``, ``dcc, du, dr, dz_c, dz_u, dz_r``, ``da_prev``, ``dxt``.

Layers and the fast ops never narrate. The loops take the array namespace from their inputs
(``concat``, ``stack``, no NumPy-only calls), so they run under array-api-strict as well.

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record
>>> p = {"Wax": np.ones((1, 1)), "Waa": np.zeros((1, 1)), "ba": np.zeros((1, 1))}
>>> with record() as tr:
...     a, caches = rnn_forward_loop(np.zeros((1, 1, 3)), None, p)
>>> [r.info["t"] for r in tr.find("rnn.step")], a.shape
([0, 1, 2], (1, 1, 3))
"""

from __future__ import annotations

from typing import Any

from visualdl import trace
from visualdl.backend import array_module
from visualdl.engine.checks import gradient
from visualdl.engine.gru import gru_cell_backward, gru_cell_forward
from visualdl.engine.lstm import GATES as LSTM_GATES
from visualdl.engine.lstm import lstm_cell_backward, lstm_cell_forward
from visualdl.engine.rnn import rnn_cell_backward, rnn_cell_forward
from visualdl.engine.sequence import sequence
from visualdl.schema import declare

__all__ = [
    "gru_backward_loop",
    "gru_forward_loop",
    "lstm_backward_loop",
    "lstm_forward_loop",
    "rnn_backward_loop",
    "rnn_forward_loop",
]

Array = Any
_S, _X = "(n_a, m)", "(n_x, m)"
_T = {"t": "time step, 0-based"}

RNN_STEP = declare(
    "rnn.step", arrays={"x_t": _X, "a_prev": _S, "z": _S, "a": _S + " tanh(z)"}, info=_T
)
RNN_STEP_BACKWARD = declare(
    "rnn.step_backward",
    arrays={
        "da": _S + " from this step's output",
        "da_next": _S + " from the later steps",
        "dz": _S + " (da + da_next) * (1 - a^2)",
        "da_prev": _S,
        "dxt": _X,
    },
    info=_T,
)
LSTM_STEP = declare(
    "lstm.step",
    arrays={
        "x_t": _X,
        "a_prev": _S,
        "c_prev": _S,
        **{k: _S for k in ("z_f", "f", "z_i", "i", "z_c", "cc", "z_o", "o")},
        "c": _S + " f * c_prev + i * cc",
        "a": _S + " o * tanh(c)",
    },
    info=_T,
)
LSTM_STEP_BACKWARD = declare(
    "lstm.step_backward",
    arrays={
        "da": _S + " the step's whole gradient (output + later steps)",
        "dc": _S + " the cell's whole gradient, dc_next + da * o * (1 - tanh(c)^2)",
        **{k: _S for k in ("do", "dz_o", "df", "dz_f", "di", "dz_i", "dcc", "dz_c")},
        "dc_prev": _S + " dc * f: the cell path",
        "da_prev": _S,
        "dxt": _X,
    },
    info=_T,
)
GRU_STEP = declare(
    "gru.step",
    arrays={
        "x_t": _X,
        "a_prev": _S,
        **{k: _S for k in ("z_u", "u", "z_r", "r", "z_c", "cc")},
        "a": _S + " the mix of cc and a_prev the update gate sets",
    },
    info={**_T, "update": "which state u weights", "reset": "where r acts"},
)
GRU_STEP_BACKWARD = declare(
    "gru.step_backward",
    arrays={
        "da": _S + " the step's whole gradient",
        **{k: _S for k in ("dcc", "du", "dr", "dz_c", "dz_u", "dz_r")},
        "da_prev": _S,
        "dxt": _X,
    },
    info=_T,
)


def _narrating() -> bool:
    return trace.current() is not None


def _accumulate(total: dict[str, Array], step: dict[str, Array], keys: list[str]) -> None:
    for k in keys:
        total[k] = step[k] if k not in total else total[k] + step[k]


def _steps(op: str, x: Any) -> tuple[Array, int]:
    x = sequence(op, "x", x)
    return x, int(x.shape[2])


def _unstack(op: str, da: Any, caches: list[dict], name: str = "a") -> Array:
    """``da (n_a, m, T)`` of the loop's steps."""
    xp = array_module(caches[0]["a"])
    like = xp.stack([c["a"] for c in caches], axis=2)
    return gradient(op, f"d{name}", da, name, like)


def rnn_forward_loop(x: Array, a0: Array | None, params: dict) -> tuple[Array, list[dict]]:
    """``(a, caches)``: :func:`~visualdl.engine.rnn.rnn_cell_forward` at every step of
    ``x: (n_x, m, T)``, ``a: (n_a, m, T)``; records ``rnn.step``."""
    x, T = _steps("rnn_forward_loop", x)
    a_prev, caches = a0, []
    for t in range(T):
        a_prev, cache = rnn_cell_forward(x[:, :, t], a_prev, params)
        caches.append(cache)
        if _narrating():
            RNN_STEP.log(t=t, x_t=cache["xt"], a_prev=cache["a_prev"], z=cache["z"], a=a_prev)
    return array_module(x).stack([c["a"] for c in caches], axis=2), caches


def rnn_backward_loop(da: Array, caches: list[dict]) -> dict[str, Array]:
    """BPTT one step at a time, latest first: the grads of
    :func:`~visualdl.engine.rnn.rnn_backward`; records ``rnn.step_backward``."""
    da = _unstack("rnn_backward_loop", da, caches)
    xp = array_module(da)
    grads: dict[str, Array] = {}
    da_next, dx = xp.zeros_like(caches[0]["a_prev"]), [None] * len(caches)
    for t in reversed(range(len(caches))):
        step = rnn_cell_backward(da[:, :, t] + da_next, caches[t])
        if _narrating():
            RNN_STEP_BACKWARD.log(
                t=t, da=da[:, :, t], da_next=da_next, dz=step["dz"], da_prev=step["da_prev"],
                dxt=step["dxt"],
            )  # fmt: skip
        _accumulate(grads, step, ["dWax", "dWaa", "dba"])
        da_next, dx[t] = step["da_prev"], step["dxt"]
    return {**grads, "dx": xp.stack(dx, axis=2), "da0": da_next}


def lstm_forward_loop(
    x: Array, a0: Array | None, params: dict, c0: Array | None = None
) -> tuple[Array, list[dict]]:
    """``(a, caches)``: :func:`~visualdl.engine.lstm.lstm_cell_forward` at every step;
    records ``lstm.step`` with every gate."""
    x, T = _steps("lstm_forward_loop", x)
    a_prev, c_prev, caches = a0, c0, []
    for t in range(T):
        a_prev, c_prev, cache = lstm_cell_forward(x[:, :, t], a_prev, c_prev, params)
        caches.append(cache)
        if _narrating():
            n_a, z = cache["n_a"], cache["z"]
            gates = {k: cache[k] for k in ("f", "i", "cc", "o", "c", "a", "c_prev")}
            zs = {f"z_{g}": z[g] for g in LSTM_GATES}
            concat = cache["concat"]
            LSTM_STEP.log(t=t, x_t=concat[n_a:, :], a_prev=concat[:n_a, :], **gates, **zs)
    return array_module(x).stack([c["a"] for c in caches], axis=2), caches


def lstm_backward_loop(da: Array, caches: list[dict], dc: Array | None = None) -> dict:
    """The notes' backward pseudo-code (with ``dw_hy`` left to the output layer), one step at
    a time, latest first: the grads of :func:`~visualdl.engine.lstm.lstm_backward`; records
    ``lstm.step_backward``."""
    op = "lstm_backward_loop"
    da = _unstack(op, da, caches)
    xp = array_module(da)
    dc = None if dc is None else gradient(op, "dc", dc, "c", tuple(da.shape))
    grads: dict[str, Array] = {}
    keys = [f"d{w}{g}" for g in LSTM_GATES for w in "Wb"]
    da_next = xp.zeros_like(caches[0]["c_prev"])
    dc_next, dx = da_next, [None] * len(caches)
    for t in reversed(range(len(caches))):
        dc_t = dc_next if dc is None else dc_next + dc[:, :, t]
        step = lstm_cell_backward(da[:, :, t] + da_next, dc_t, caches[t])
        if _narrating():
            named = ("do", "dz_o", "df", "dz_f", "di", "dz_i", "dcc", "dz_c", "dc")
            LSTM_STEP_BACKWARD.log(
                t=t, da=da[:, :, t] + da_next, dc_prev=step["dc_prev"],
                da_prev=step["da_prev"], dxt=step["dxt"], **{k: step[k] for k in named},
            )  # fmt: skip
        _accumulate(grads, step, keys)
        da_next, dc_next, dx[t] = step["da_prev"], step["dc_prev"], step["dxt"]
    return {**grads, "dx": xp.stack(dx, axis=2), "da0": da_next, "dc0": dc_next}


def gru_forward_loop(
    x: Array,
    a0: Array | None,
    params: dict,
    update: str = "candidate",
    reset: str = "before",
) -> tuple[Array, list[dict]]:
    """``(a, caches)``: :func:`~visualdl.engine.gru.gru_cell_forward` at every step;
    records ``gru.step`` with every gate."""
    x, T = _steps("gru_forward_loop", x)
    a_prev, caches = a0, []
    for t in range(T):
        a_prev, cache = gru_cell_forward(x[:, :, t], a_prev, params, update, reset)
        caches.append(cache)
        if _narrating():
            named = ("z_u", "u", "z_r", "r", "z_c", "cc", "a", "a_prev")
            GRU_STEP.log(
                t=t, update=update, reset=reset, x_t=cache["xt"], **{k: cache[k] for k in named}
            )
    return array_module(x).stack([c["a"] for c in caches], axis=2), caches


def gru_backward_loop(da: Array, caches: list[dict]) -> dict[str, Array]:
    """One step at a time, latest first: the grads of
    :func:`~visualdl.engine.gru.gru_backward`; records ``gru.step_backward``."""
    da = _unstack("gru_backward_loop", da, caches)
    xp = array_module(da)
    grads: dict[str, Array] = {}
    keys = [f"d{w}{g}" for g in "urc" for w in "Wb"]
    da_next, dx = xp.zeros_like(caches[0]["a_prev"]), [None] * len(caches)
    for t in reversed(range(len(caches))):
        step = gru_cell_backward(da[:, :, t] + da_next, caches[t])
        if _narrating():
            named = ("dcc", "du", "dr", "dz_c", "dz_u", "dz_r", "da_prev", "dxt")
            GRU_STEP_BACKWARD.log(t=t, da=da[:, :, t] + da_next, **{k: step[k] for k in named})
        _accumulate(grads, step, keys)
        da_next, dx[t] = step["da_prev"], step["dxt"]
    return {**grads, "dx": xp.stack(dx, axis=2), "da0": da_next}
