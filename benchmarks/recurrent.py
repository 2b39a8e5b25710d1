"""Benchmark: LSTM and GRU forward + backward through time, the fast engine (stacked gates, the
input part of every step in one matrix product) vs the loop oracle (the textbook cell, one
gate and one step at a time), and vs PyTorch CPU ``torch.nn.LSTM`` / ``torch.nn.GRU`` autograd
when torch is installed. Prints ratios measured in one run (best of a few repeats each).

    python benchmarks/recurrent.py [--T 50] [--m 32] [--n-x 64] [--n-a 128] [--dtype float64]
                                   [--threads 1] [--da random] [--repeat 20] [--loop-repeat 5]

Shapes are the course's: ``x: (n_x, m, T)``, ``a: (n_a, m, T)``, every gate's ``W: (n_a, n_a +
n_x)`` acting on ``[a_prev; x_t]``. The GRU runs with ``update="state", reset="after"``:
PyTorch's convention with ``b_hn = 0``. Before any timing, the same weights are copied into
PyTorch (its ``weight_ih_l0`` rows are ``(i, f, g, o)`` for the LSTM and ``(r, z, n)`` for the
GRU, acting on ``x``; ``weight_hh_l0`` acts on ``h``; ``b_ih + b_hh`` is the engine's ``b``)
and the outputs ``a``, ``dx`` and every ``dW``, ``db`` are compared in float64 with the loop
oracle and with PyTorch (max abs differences printed).

Timing runs twice: first with NumPy's BLAS and PyTorch held to ``--threads`` (1 by default),
then at the machine's default thread counts. The 1-thread figures are the steady ones, the
ratio to read (``engine / torch``, target <= 1.5x); the default-thread figures vary with the
machine and its load (a recurrence's small per-step products gain little from threads, and on
a small or busy machine OpenMP threads can slow PyTorch down many times over). The loop's
ratio ``loop / engine`` is a figure, not a target: the loop does the same products per step,
only gate by gate, so it is at most a few times slower and may be about as fast.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from visualdl.engine.gru import gru_backward, gru_forward
from visualdl.engine.lstm import lstm_backward, lstm_forward
from visualdl.engine.recurrent_loops import (
    gru_backward_loop,
    gru_forward_loop,
    lstm_backward_loop,
    lstm_forward_loop,
)

Array = np.ndarray
Run = Callable[[Array, dict, Array], tuple[Array, dict]]


def best_of(f: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def lstm_engine(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    """``(a, grads)``: the fast :func:`lstm_forward` then :func:`lstm_backward`."""
    a, cache = lstm_forward(x, None, p)
    return a, lstm_backward(da, cache)


def lstm_loop(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    """``(a, grads)``: the loop oracle, cell by cell, forward then back."""
    a, caches = lstm_forward_loop(x, None, p)
    return a, lstm_backward_loop(da, caches)


def gru_engine(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    """``(a, grads)``: the fast GRU in PyTorch's convention (``b_hn = 0``)."""
    a, cache = gru_forward(x, None, p, update="state", reset="after")
    return a, gru_backward(da, cache)


def gru_loop(x: Array, p: dict, da: Array) -> tuple[Array, dict]:
    """``(a, grads)``: the GRU's loop oracle, same convention."""
    a, caches = gru_forward_loop(x, None, p, update="state", reset="after")
    return a, gru_backward_loop(da, caches)


@dataclass(frozen=True)
class Model:
    """One recurrent model: its engine gates, the engine letters in PyTorch's row order, the
    fast and loop runs ``(x, params, da) -> (a, grads)`` and the ``torch.nn`` class."""

    name: str
    gates: str
    torch_rows: str
    engine: Run
    loop: Run
    torch_class: str
    zero_hn: bool  # the GRU's b_hn (the hidden bias of the n rows) must be 0


MODELS = (
    Model("LSTM", "fico", "ifco", lstm_engine, lstm_loop, "LSTM", False),
    Model("GRU", "urc", "ruc", gru_engine, gru_loop, "GRU", True),
)


def make_params(model: Model, n_x: int, n_a: int, rng: np.random.Generator) -> dict:
    """Gate weights ``W{g}: (n_a, n_a + n_x)`` and biases ``b{g}: (n_a, 1)``, float64."""
    scale = 1.0 / np.sqrt(n_a + n_x)
    p = {f"W{g}": rng.standard_normal((n_a, n_a + n_x)) * scale for g in model.gates}
    return p | {f"b{g}": rng.standard_normal((n_a, 1)) * 0.1 for g in model.gates}


def to_torch_weights(model: Model, p: dict, n_a: int, rng: np.random.Generator) -> dict:
    """PyTorch's ``weight_ih_l0`` (acting on x), ``weight_hh_l0`` (on h) and two biases that add
    up to the engine's ``b`` (the split is random, so the test of the sum is real; ``b_hn = 0``
    for the GRU's candidate rows)."""
    W = np.concatenate([p[f"W{g}"] for g in model.torch_rows], axis=0)
    b = np.concatenate([p[f"b{g}"] for g in model.torch_rows], axis=0)[:, 0]
    b_hh = rng.standard_normal(b.shape) * 0.1
    if model.zero_hn:
        b_hh[2 * n_a :] = 0.0
    return {
        "weight_ih_l0": W[:, n_a:],
        "weight_hh_l0": W[:, :n_a],
        "bias_ih_l0": b - b_hh,
        "bias_hh_l0": b_hh,
    }


def torch_model(torch: Any, model: Model, weights: dict, n_x: int, n_a: int, dtype: str) -> Any:
    """``torch.nn.LSTM`` or ``torch.nn.GRU`` (sequence-first) holding ``weights``."""
    mod = getattr(torch.nn, model.torch_class)(n_x, n_a, dtype=getattr(torch, dtype))
    with torch.no_grad():
        for k, v in weights.items():
            getattr(mod, k).copy_(torch.from_numpy(v))
    return mod


def torch_run(torch: Any, mod: Any, x: Array, da: Array) -> tuple[Callable[[], object], Any]:
    """A closure doing one forward + backward, and the ``(T, m, n_x)`` input tensor whose grad
    it fills. Tensors are laid out ``(T, m, n)`` here, outside the timing."""
    xt = torch.tensor(x.transpose(2, 1, 0).copy(), requires_grad=True)
    dat = torch.tensor(da.transpose(2, 1, 0).copy())

    def step():
        mod.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = mod(xt)
        out.backward(dat)
        return out

    return step, xt


def torch_grads(model: Model, mod: Any, n_a: int, m: int) -> dict:
    """PyTorch's weight gradients (of the summed loss) as the engine's ``dW{g}``, ``db{g}``
    (of the mean cost)."""
    g_ih, g_hh = mod.weight_ih_l0.grad.numpy(), mod.weight_hh_l0.grad.numpy()
    # b_ih's gradient is that of the sum b = b_ih + b_hh (the GRU's b_hn is no engine bias)
    g_b = mod.bias_ih_l0.grad.numpy()
    out = {}
    for k, g in enumerate(model.torch_rows):
        rows = slice(k * n_a, (k + 1) * n_a)
        out[f"dW{g}"] = np.concatenate([g_hh[rows], g_ih[rows]], axis=1) / m
        out[f"db{g}"] = g_b[rows, None] / m
    return out


def max_diff(a: dict, b: dict, keys: list[str]) -> float:
    """The largest ``|a[k] - b[k]|`` over ``keys``."""
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in keys)


def parity(torch: Any, model: Model, args: argparse.Namespace) -> None:
    """Engine vs loop vs PyTorch in float64 on the benchmark's shapes: print the max abs
    differences of ``a``, ``dx`` and the weight gradients, and fail when one is not ~0."""
    rng = np.random.default_rng(1)
    p = make_params(model, args.n_x, args.n_a, rng)
    x = rng.standard_normal((args.n_x, args.m, args.T))
    da = make_da(args, rng)
    a, grads = model.engine(x, p, da)
    a_loop, grads_loop = model.loop(x, p, da)
    keys = [f"d{w}{g}" for g in model.gates for w in "Wb"]
    diffs = {
        "a": float(np.max(np.abs(a - a_loop))),
        "dW, db": max_diff(grads, grads_loop, keys),
        "dx": float(np.max(np.abs(grads["dx"] - grads_loop["dx"]))),
    }
    print(
        "  parity, float64, engine vs loop:  " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items())
    )
    assert max(diffs.values()) < 1e-10, "engine and loop disagree"
    if torch is None:
        return
    mod = torch_model(
        torch, model, to_torch_weights(model, p, args.n_a, rng), args.n_x, args.n_a, "float64"
    )
    step, xt = torch_run(torch, mod, x, da)
    a_t = step().detach().numpy().transpose(2, 1, 0)
    g_t = torch_grads(model, mod, args.n_a, args.m)
    diffs = {
        "a": float(np.max(np.abs(a - a_t))),
        "dW, db": max_diff(grads, g_t, keys),
        "dx": float(np.max(np.abs(grads["dx"] - xt.grad.numpy().transpose(2, 1, 0)))),
    }
    print(
        "  parity, float64, engine vs torch: " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items())
    )
    assert max(diffs.values()) < 1e-10, "engine and torch disagree"


def make_da(args: argparse.Namespace, rng: np.random.Generator) -> Array:
    """The upstream ``da: (n_a, m, T)``, ones or standard normal (``--da``), float64."""
    shape = (args.n_a, args.m, args.T)
    return np.ones(shape) if args.da == "ones" else rng.standard_normal(shape)


def timings(
    torch: Any, model: Model, args: argparse.Namespace
) -> tuple[float, float, float | None]:
    """Best-of times (s) of one forward + backward: engine, loop, torch (None without torch),
    in ``args.dtype`` under the thread limits in force."""
    rng = np.random.default_rng(0)
    p64 = make_params(model, args.n_x, args.n_a, rng)
    p = {k: v.astype(args.dtype) for k, v in p64.items()}
    x = rng.standard_normal((args.n_x, args.m, args.T)).astype(args.dtype)
    da = make_da(args, rng).astype(args.dtype)
    t_engine = best_of(lambda: model.engine(x, p, da), args.repeat)
    t_loop = best_of(lambda: model.loop(x, p, da), args.loop_repeat)
    if torch is None:
        return t_engine, t_loop, None
    weights = {
        k: v.astype(args.dtype) for k, v in to_torch_weights(model, p64, args.n_a, rng).items()
    }
    step, _ = torch_run(
        torch, torch_model(torch, model, weights, args.n_x, args.n_a, args.dtype), x, da
    )
    t_torch = best_of(step, args.repeat)
    return t_engine, t_loop, t_torch


def report(torch: Any, args: argparse.Namespace, threads: str) -> None:
    """Time both models under the thread limits in force and print the ratios."""
    print(f"\n--- {threads} ---")
    for model in MODELS:
        t_engine, t_loop, t_torch = timings(torch, model, args)
        print(f"{model.name}")
        print(f"  engine (stacked gates)   {t_engine * 1e3:9.3f} ms")
        print(
            f"  loop oracle (per gate)   {t_loop * 1e3:9.3f} ms   loop / engine = "
            f"{t_loop / t_engine:.2f}x   (a figure, not a target)"
        )
        if t_torch is not None:
            print(
                f"  torch nn.{model.torch_class:<4} autograd  {t_torch * 1e3:9.3f} ms   "
                f"engine / torch = {t_engine / t_torch:.2f}x   (target <= 1.5x)"
            )


def blas_line() -> str:
    """The BLAS NumPy runs on, as threadpoolctl sees it: library, version, the kernel
    (architecture) it picked, its threading layer and default thread count."""
    libs = [
        f"{i.get('internal_api')} {i.get('version')} (kernel {i.get('architecture', '?')}, "
        f"{i.get('threading_layer', '?')}, {i.get('num_threads')} threads by default)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    note = f"; OPENBLAS_CORETYPE={coretype}" if coretype else ""
    return "NumPy BLAS: " + ("; ".join(libs) or "none found by threadpoolctl") + note


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--T", type=int, default=50, help="time steps T_x")
    p.add_argument("--m", type=int, default=32)
    p.add_argument("--n-x", type=int, default=64)
    p.add_argument("--n-a", type=int, default=128)
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--da", default="random", choices=["random", "ones"], help="upstream da")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--loop-repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=1, help="BLAS and torch threads, first pass")
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    blas = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    blas_default = max(blas, default=1)
    torch_default = torch.get_num_threads() if torch is not None else blas_default
    print(
        f"LSTM and GRU forward+backward, x ({args.n_x}, {args.m}, {args.T}) -> a "
        f"({args.n_a}, {args.m}, {args.T}), {args.dtype}, da {args.da}"
    )
    print(blas_line())
    if torch is None:
        print("torch not installed: PyTorch comparison skipped (pip install torch==2.13.0)")
    else:
        print(f"torch {torch.__version__}, {torch_default} threads by default")
    for model in MODELS:
        print(model.name)
        parity(torch, model, args)

    with threadpool_limits(limits=args.threads):
        if torch is not None:
            torch.set_num_threads(args.threads)
        steady = " (the steady figure)" if args.threads == 1 else ""
        report(torch, args, f"{args.threads} thread(s): BLAS and torch{steady}")
    if (blas_default, torch_default) == (args.threads, args.threads):
        print(f"\n(the default thread count is {args.threads}: no second pass)")
        return
    if torch is not None:
        torch.set_num_threads(torch_default)
    report(torch, args, f"default threads: BLAS {blas_default}, torch {torch_default}")


if __name__ == "__main__":
    main()
