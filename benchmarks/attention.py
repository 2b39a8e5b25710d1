"""Benchmark: multi-head self-attention and LayerNorm, forward + backward, the fast engine vs
the loop oracle (one query at a time) and vs PyTorch CPU ``torch.nn.MultiheadAttention`` /
``torch.nn.LayerNorm`` autograd when torch is installed. Prints ratios measured in one run
(best of a few repeats each).

    python benchmarks/attention.py [--batch 16] [--n 128] [--d-model 256] [--heads 8]
                                   [--dtype float32] [--threads 1] [--repeat 10]

Shapes are the chapter's rows: ``X: (batch, n, d_model)``; ``W_Q, W_K, W_V, W_O``:
``(d_model, d_model)`` without biases (the notes' code). PyTorch computes ``x A^T``, so its
``in_proj_weight`` is ``[W_Q^T; W_K^T; W_V^T]`` and ``out_proj.weight`` is ``W_O^T``. Before any
timing, the outputs and every gradient are compared in float64 with the loop oracle (on the
first batch entry: the loop walks every query of every head in Python) and with PyTorch.

The loop oracle is timed on one batch entry and its time multiplied by ``batch`` (it does the
same work per entry); ``loop / engine`` is a figure, not a target. LayerNorm has no loop
version (its formula is one line per row). Timing runs at ``--threads`` (1 by default: the
steady figure, target ``engine / torch <= 1.5x``) and then at the default thread counts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from recurrent import best_of, blas_line
from threadpoolctl import threadpool_info, threadpool_limits

from visualdl.engine.attention import multi_head_attention, multi_head_attention_backward
from visualdl.engine.attention_loops import multi_head_attention_loop
from visualdl.engine.layer_norm import layer_norm, layer_norm_backward

Array = np.ndarray
KEYS = ("W_Q", "W_K", "W_V", "W_O")


def make_params(d: int, rng: np.random.Generator, dtype: str) -> dict[str, Array]:
    """Xavier-scaled ``W_Q, W_K, W_V, W_O: (d, d)``."""
    return {k: (rng.standard_normal((d, d)) / np.sqrt(d)).astype(dtype) for k in KEYS}


def mha_engine(X: Array, p: dict, h: int, dout: Array) -> tuple[Array, dict]:
    """Self-attention ``(out, grads)`` with ``dX = dX_q + dX_kv``."""
    out, cache = multi_head_attention(X, X, p, h)
    g = multi_head_attention_backward(dout, cache)
    return out, g | {"dX": g["dX_q"] + g["dX_kv"]}


def torch_mha(torch: Any, p: dict, d: int, h: int, dtype: str) -> Any:
    """``torch.nn.MultiheadAttention`` (batch first, no biases) holding ``p``."""
    mod = torch.nn.MultiheadAttention(
        d, h, bias=False, batch_first=True, dtype=getattr(torch, dtype)
    )
    with torch.no_grad():
        W_in = np.concatenate([p["W_Q"].T, p["W_K"].T, p["W_V"].T], axis=0)
        mod.in_proj_weight.copy_(torch.from_numpy(np.ascontiguousarray(W_in)))
        mod.out_proj.weight.copy_(torch.from_numpy(np.ascontiguousarray(p["W_O"].T)))
    return mod


def torch_step(torch: Any, mod: Callable, X: Array, dout: Array, self_attention: bool):
    """A closure doing one forward + backward of ``mod`` on ``X`` with upstream ``dout``, and
    the input tensor whose ``grad`` it fills."""
    xt = torch.tensor(X, requires_grad=True)
    dt = torch.tensor(dout)

    def step():
        mod.zero_grad(set_to_none=True)
        xt.grad = None
        out = mod(xt, xt, xt, need_weights=False)[0] if self_attention else mod(xt)
        out.backward(dt)
        return out

    return step, xt


def parity(torch: Any, args: argparse.Namespace) -> None:
    """Engine vs loop vs torch in float64 on the benchmark's shapes; fails unless ~0."""
    rng = np.random.default_rng(1)
    d, h = args.d_model, args.heads
    p = make_params(d, rng, "float64")
    X = rng.standard_normal((args.batch, args.n, d))
    dout = rng.standard_normal(X.shape)
    out, g = mha_engine(X, p, h, dout)
    out_loop, _ = multi_head_attention_loop(X[0], X[0], p, h)
    diff = np.abs(out[0] - out_loop).max()
    print(f"  MHA parity, float64, engine vs loop (entry 0): out {diff:.1e}")
    assert diff < 1e-10, "engine and loop disagree"
    gamma, beta = 1 + 0.1 * rng.standard_normal(d), 0.1 * rng.standard_normal(d)
    Y, cache = layer_norm(X, gamma, beta)
    dX_ln, dgamma, dbeta = layer_norm_backward(dout, cache)
    if torch is None:
        return
    mod = torch_mha(torch, p, d, h, "float64")
    step, xt = torch_step(torch, mod, X, dout, True)
    out_t = step().detach().numpy()
    W_in = mod.in_proj_weight.grad.numpy()
    got = {
        "out": np.abs(out - out_t).max(),
        "dX": np.abs(g["dX"] - xt.grad.numpy()).max(),
        "dW": max(
            np.abs(g[f"d{k}"] - W.T).max()
            for k, W in zip(
                KEYS, [*np.split(W_in, 3), mod.out_proj.weight.grad.numpy()], strict=True
            )
        ),
    }
    print(
        "  MHA parity, float64, engine vs torch: "
        + ", ".join(f"{k} {v:.1e}" for k, v in got.items())
    )
    ln = torch.nn.LayerNorm(d, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(gamma))
        ln.bias.copy_(torch.from_numpy(beta))
    step, xt = torch_step(torch, ln, X, dout, False)
    Y_t = step().detach().numpy()
    got_ln = {
        "Y": np.abs(Y - Y_t).max(),
        "dX": np.abs(dX_ln - xt.grad.numpy()).max(),
        "dgamma": np.abs(dgamma - ln.weight.grad.numpy()).max(),
        "dbeta": np.abs(dbeta - ln.bias.grad.numpy()).max(),
    }
    print(
        "  LayerNorm parity, float64, engine vs torch: "
        + ", ".join(f"{k} {v:.1e}" for k, v in got_ln.items())
    )
    assert max(*got.values(), *got_ln.values()) < 1e-9, "engine and torch disagree"


def report(torch: Any, args: argparse.Namespace, threads: str) -> None:
    """Time MHA and LayerNorm under the thread limits in force and print the ratios."""
    print(f"\n--- {threads} ---")
    rng = np.random.default_rng(0)
    d, h, dt = args.d_model, args.heads, args.dtype
    p = make_params(d, rng, dt)
    X = rng.standard_normal((args.batch, args.n, d)).astype(dt)
    dout = rng.standard_normal(X.shape).astype(dt)
    t_engine = best_of(lambda: mha_engine(X, p, h, dout), args.repeat)
    t_loop = args.batch * best_of(lambda: multi_head_attention_loop(X[0], X[0], p, h), 1)
    print("multi-head self-attention")
    print(f"  engine                 {t_engine * 1e3:9.2f} ms")
    print(
        f"  loop oracle (forward)  {t_loop * 1e3:9.0f} ms   loop / engine = "
        f"{t_loop / t_engine:.0f}x   (forward only, a figure, not a target)"
    )
    gamma, beta = np.ones(d, dt), np.zeros(d, dt)
    t_ln = best_of(lambda: layer_norm_backward(dout, layer_norm(X, gamma, beta)[1]), args.repeat)
    if torch is not None:
        step, _ = torch_step(torch, torch_mha(torch, p, d, h, dt), X, dout, True)
        t_torch = best_of(step, args.repeat)
        print(
            f"  torch MultiheadAttention {t_torch * 1e3:7.2f} ms   engine / torch = "
            f"{t_engine / t_torch:.2f}x   (target <= 1.5x)"
        )
    print("LayerNorm")
    print(f"  engine                 {t_ln * 1e3:9.2f} ms")
    if torch is not None:
        ln = torch.nn.LayerNorm(d, dtype=getattr(torch, dt))
        step, _ = torch_step(torch, ln, X, dout, False)
        t_tln = best_of(step, args.repeat)
        print(
            f"  torch LayerNorm        {t_tln * 1e3:9.2f} ms   engine / torch = "
            f"{t_ln / t_tln:.2f}x   (target <= 1.5x)"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--n", type=int, default=128)
    p.add_argument("--d-model", type=int, default=256)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--dtype", default="float32", choices=["float64", "float32"])
    p.add_argument("--repeat", type=int, default=10)
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
        f"multi-head attention and LayerNorm forward+backward, X ({args.batch}, {args.n}, "
        f"{args.d_model}), {args.heads} heads, {args.dtype}"
    )
    print(blas_line())
    if torch is None:
        print("torch not installed: PyTorch comparison skipped (pip install torch==2.13.0)")
    else:
        print(f"torch {torch.__version__}, {torch_default} threads by default")
    parity(torch, args)
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
