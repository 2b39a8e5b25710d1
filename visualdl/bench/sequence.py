"""The sequence chapters' benchmarks: LSTM and GRU through time, multi-head self-attention and
LayerNorm, each forward + backward.

Shapes are the course's: ``x: (n_x, m, T)``, every gate's ``W: (n_a, n_a + n_x)`` on
``[a_prev; x_t]``. PyTorch's ``weight_ih_l0`` rows are ``(i, f, g, o)`` for the LSTM and
``(r, z, n)`` for the GRU (acting on x), ``weight_hh_l0`` acts on h, and ``b_ih + b_hh`` is the
engine's ``b``; the GRU runs in PyTorch's convention (``update="state", reset="after"``, its
``b_hn = 0``). Attention is ``X: (batch, n, d_model)`` with ``W_Q, W_K, W_V, W_O`` and no biases;
PyTorch computes ``x A^T``, so its ``in_proj_weight`` is ``[W_Q^T; W_K^T; W_V^T]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from visualdl.bench.harness import Bench, Pair
from visualdl.engine.attention import multi_head_attention, multi_head_attention_backward
from visualdl.engine.attention_loops import multi_head_attention_loop
from visualdl.engine.gru import gru_backward, gru_forward
from visualdl.engine.layer_norm import layer_norm, layer_norm_backward
from visualdl.engine.lstm import lstm_backward, lstm_forward
from visualdl.engine.recurrent_loops import (
    gru_backward_loop,
    gru_forward_loop,
    lstm_backward_loop,
    lstm_forward_loop,
)

__all__ = ["BENCHES"]

Array = np.ndarray
Run = Callable[[Array, dict, Array], tuple[Array, dict]]


# -- LSTM and GRU -----------------------------------------------------------------------------


def _lstm(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    a, cache = lstm_forward(x, None, p)
    return a, lstm_backward(da, cache)


def _lstm_loop(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    a, caches = lstm_forward_loop(x, None, p)
    return a, lstm_backward_loop(da, caches)


def _gru(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    a, cache = gru_forward(x, None, p, update="state", reset="after")
    return a, gru_backward(da, cache)


def _gru_loop(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    a, caches = gru_forward_loop(x, None, p, update="state", reset="after")
    return a, gru_backward_loop(da, caches)


@dataclass(frozen=True)
class Recurrent:
    """A recurrent model: its gate letters, the same letters in PyTorch's row order, its fast
    and loop runs ``(x, params, da) -> (a, grads)`` and its ``torch.nn`` class."""

    name: str
    gates: str
    torch_rows: str
    engine: Run
    loop: Run
    torch_class: str


LSTM = Recurrent("lstm", "fico", "ifco", _lstm, _lstm_loop, "LSTM")
GRU = Recurrent("gru", "urc", "ruc", _gru, _gru_loop, "GRU")


def _sizes(quick: bool) -> tuple[int, int, int, int]:
    """``(T, m, n_x, n_a)``."""
    return (3, 2, 3, 4) if quick else (50, 32, 64, 128)


def _recurrent_inputs(model: Recurrent, quick: bool, dtype: str) -> tuple[Array, dict, Array]:
    T, m, n_x, n_a = _sizes(quick)
    rng = np.random.default_rng(0)
    scale = 1.0 / np.sqrt(n_a + n_x)
    p = {f"W{g}": rng.standard_normal((n_a, n_a + n_x)) * scale for g in model.gates}
    p |= {f"b{g}": rng.standard_normal((n_a, 1)) * 0.1 for g in model.gates}
    x, da = rng.standard_normal((n_x, m, T)), rng.standard_normal((n_a, m, T))
    return x.astype(dtype), {k: v.astype(dtype) for k, v in p.items()}, da.astype(dtype)


def _flat(model: Recurrent, a: Array, grads: dict) -> list[Array]:
    return [a, grads["dx"], *(grads[f"d{w}{g}"] for g in model.gates for w in "Wb")]


def _recurrent_loop(model: Recurrent, quick: bool, dtype: str) -> Pair:
    x, p, da = _recurrent_inputs(model, quick, dtype)
    return Pair(
        lambda: model.engine(x, p, da),
        lambda: model.loop(x, p, da),
        lambda: (_flat(model, *model.engine(x, p, da)), _flat(model, *model.loop(x, p, da))),
    )


def _torch_recurrent(torch: Any, model: Recurrent, p: dict, n_x: int, n_a: int) -> Any:
    """``torch.nn.LSTM`` / ``GRU`` (sequence first) holding ``p``: ``b`` all in ``b_ih``
    (``b_hh = 0``, so the GRU's ``b_hn`` is 0 as the engine's convention needs)."""
    W = np.concatenate([p[f"W{g}"] for g in model.torch_rows], axis=0)
    b = np.concatenate([p[f"b{g}"] for g in model.torch_rows], axis=0)[:, 0]
    mod = getattr(torch.nn, model.torch_class)(n_x, n_a, dtype=torch.from_numpy(W).dtype)
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.from_numpy(W[:, n_a:].copy()))
        mod.weight_hh_l0.copy_(torch.from_numpy(W[:, :n_a].copy()))
        mod.bias_ih_l0.copy_(torch.from_numpy(b))
        mod.bias_hh_l0.zero_()
    return mod


def _torch_grads(model: Recurrent, mod: Any, n_a: int, m: int) -> dict:
    """PyTorch's weight gradients (of the summed loss) as the engine's ``dW{g}, db{g}``."""
    g_ih, g_hh = mod.weight_ih_l0.grad.numpy(), mod.weight_hh_l0.grad.numpy()
    g_b = mod.bias_ih_l0.grad.numpy()
    out = {}
    for k, g in enumerate(model.torch_rows):
        rows = slice(k * n_a, (k + 1) * n_a)
        out[f"dW{g}"] = np.concatenate([g_hh[rows], g_ih[rows]], axis=1) / m
        out[f"db{g}"] = g_b[rows, None] / m
    return out


def _recurrent_torch(model: Recurrent, torch: Any, quick: bool, dtype: str) -> Pair:
    T, m, n_x, n_a = _sizes(quick)
    x, p, da = _recurrent_inputs(model, quick, dtype)
    mod = _torch_recurrent(torch, model, p, n_x, n_a)
    xt = torch.tensor(x.transpose(2, 1, 0).copy(), requires_grad=True)  # (T, m, n_x)
    dat = torch.tensor(da.transpose(2, 1, 0).copy())

    def step() -> Any:
        mod.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = mod(xt)
        out.backward(dat)
        return out

    def results() -> tuple[list[Array], list[Array]]:
        a_t = step().detach().numpy().transpose(2, 1, 0)
        g = _torch_grads(model, mod, n_a, m) | {"dx": xt.grad.numpy().transpose(2, 1, 0)}
        return _flat(model, *model.engine(x, p, da)), _flat(model, a_t, g)

    return Pair(lambda: model.engine(x, p, da), step, results)


def _recurrent(model: Recurrent, dtype: str) -> Bench:
    return Bench(
        model.name,
        dtype,
        "x (64, 32, 50) -> a (128, 32, 50)" + (", PyTorch's convention" if model is GRU else ""),
        lambda q: _recurrent_loop(model, q, dtype),
        lambda t, q: _recurrent_torch(model, t, q, dtype),
        1.5,
        None,
    )


# -- attention and LayerNorm ------------------------------------------------------------------

KEYS = ("W_Q", "W_K", "W_V", "W_O")


def _attention_inputs(batch: int, n: int, d: int, dtype: str) -> tuple[Array, dict, Array]:
    rng = np.random.default_rng(0)
    p = {k: (rng.standard_normal((d, d)) / np.sqrt(d)).astype(dtype) for k in KEYS}
    X = rng.standard_normal((batch, n, d)).astype(dtype)
    return X, p, rng.standard_normal(X.shape).astype(dtype)


def _mha(X: Array, p: dict, h: int, dout: Array) -> list[Array]:
    out, cache = multi_head_attention(X, X, p, h)
    g = multi_head_attention_backward(dout, cache)
    return [out, g["dX_q"] + g["dX_kv"], *(g["d" + k] for k in KEYS)]


def _mha_loop(quick: bool, dtype: str) -> Pair:
    X, p, _ = _attention_inputs(1, *((3, 4) if quick else (64, 128)), dtype)
    h = 2 if quick else 8

    def engine() -> list[Array]:
        return [multi_head_attention(X, X, p, h)[0][0]]

    def loop() -> list[Array]:
        return [multi_head_attention_loop(X[0], X[0], p, h)[0]]

    return Pair(engine, loop, lambda: (engine(), loop()))


def _torch_step(mod: Any, xt: Any, dt: Any, attention: bool) -> Callable[[], Any]:
    def step() -> Any:
        mod.zero_grad(set_to_none=True)
        xt.grad = None
        out = mod(xt, xt, xt, need_weights=False)[0] if attention else mod(xt)
        out.backward(dt)
        return out

    return step


def _mha_torch(torch: Any, quick: bool, dtype: str) -> Pair:
    h = 2 if quick else 8
    X, p, dout = _attention_inputs(*((2, 3, 4) if quick else (16, 128, 256)), dtype)
    d = X.shape[2]
    mod = torch.nn.MultiheadAttention(
        d, h, bias=False, batch_first=True, dtype=getattr(torch, dtype)
    )
    with torch.no_grad():
        W_in = np.concatenate([p["W_Q"].T, p["W_K"].T, p["W_V"].T], axis=0)
        mod.in_proj_weight.copy_(torch.from_numpy(W_in.copy()))
        mod.out_proj.weight.copy_(torch.from_numpy(p["W_O"].T.copy()))
    xt, dt = torch.tensor(X, requires_grad=True), torch.tensor(dout)
    step = _torch_step(mod, xt, dt, True)

    def results() -> tuple[list[Array], list[Array]]:
        out = step().detach().numpy()
        W_in = np.split(mod.in_proj_weight.grad.numpy(), 3)
        dW = [W.T for W in [*W_in, mod.out_proj.weight.grad.numpy()]]
        return _mha(X, p, h, dout), [out, xt.grad.numpy(), *dW]

    return Pair(lambda: _mha(X, p, h, dout), step, results)


def _layer_norm(X: Array, gamma: Array, beta: Array, dout: Array) -> list[Array]:
    Y, cache = layer_norm(X, gamma, beta)
    return [Y, *layer_norm_backward(dout, cache)]


def _layer_norm_torch(torch: Any, quick: bool, dtype: str) -> Pair:
    X, _, dout = _attention_inputs(*((2, 3, 4) if quick else (16, 128, 256)), dtype)
    d = X.shape[2]
    rng = np.random.default_rng(1)
    gamma = (1 + 0.1 * rng.standard_normal(d)).astype(dtype)
    beta = (0.1 * rng.standard_normal(d)).astype(dtype)
    ln = torch.nn.LayerNorm(d, eps=1e-5, dtype=getattr(torch, dtype))
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(gamma))
        ln.bias.copy_(torch.from_numpy(beta))
    xt, dt = torch.tensor(X, requires_grad=True), torch.tensor(dout)
    step = _torch_step(ln, xt, dt, False)

    def results() -> tuple[list[Array], list[Array]]:
        Y = step().detach().numpy()
        theirs = [Y, xt.grad.numpy(), ln.weight.grad.numpy(), ln.bias.grad.numpy()]
        return _layer_norm(X, gamma, beta, dout), theirs

    return Pair(lambda: _layer_norm(X, gamma, beta, dout), step, results)


BENCHES: tuple[Bench, ...] = (
    _recurrent(LSTM, "float64"),
    _recurrent(GRU, "float64"),
    Bench(
        "multi_head_attention",
        "float32",
        "self-attention X (16, 128, 256), 8 heads, no biases",
        lambda q: _mha_loop(q, "float32"),
        lambda t, q: _mha_torch(t, q, "float32"),
        1.5,
        None,
        loop_what="forward, one batch entry",
    ),
    Bench(
        "layer_norm",
        "float32",
        "X (16, 128, 256), over the last axis",
        None,
        lambda t, q: _layer_norm_torch(t, q, "float32"),
        1.5,
        None,
    ),
)
