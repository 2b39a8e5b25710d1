"""Benchmark: one Dense layer's forward + backward, engine vs a naive Python loop
(and vs PyTorch CPU autograd when torch is installed). Prints ratios measured in one run.

    python benchmarks/dense.py [--n 64] [--n-prev 64] [--m 256]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from visualdl.engine.layers import Dense


def best_of(f, repeat: int = 5) -> float:
    """Fastest of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def naive_step(W, b, A_prev, dA):
    """Z = W A + b, A = tanh Z, dZ, dW, db, dA_prev with explicit loops over every index."""
    n, n_prev, m = len(W), len(W[0]), len(A_prev[0])
    Z = [
        [b[k][0] + sum(W[k][j] * A_prev[j][i] for j in range(n_prev)) for i in range(m)]
        for k in range(n)
    ]
    dZ = [[dA[k][i] * (1 - math.tanh(Z[k][i]) ** 2) for i in range(m)] for k in range(n)]
    dW = [
        [sum(dZ[k][i] * A_prev[j][i] for i in range(m)) / m for j in range(n_prev)]
        for k in range(n)
    ]
    db = [sum(dZ[k]) / m for k in range(n)]
    dA_prev = [[sum(W[k][j] * dZ[k][i] for k in range(n)) for i in range(m)] for j in range(n_prev)]
    return dW, db, dA_prev


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--n-prev", type=int, default=32)
    p.add_argument("--m", type=int, default=64)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    layer = Dense(args.n_prev, args.n, "tanh", rng=rng)
    A_prev = rng.standard_normal((args.n_prev, args.m))
    dA = rng.standard_normal((args.n, args.m))

    def engine():
        layer.forward(A_prev)
        layer.backward(dA)

    t_engine = best_of(engine, 20)
    lists = (layer.W.tolist(), layer.b.tolist(), A_prev.tolist(), dA.tolist())
    t_loop = best_of(lambda: naive_step(*lists), 2)
    dW, _, _ = naive_step(*lists)
    engine()
    assert np.allclose(dW, layer.dW), "engine and loop disagree"
    print(f"dense tanh forward+backward, W ({args.n}, {args.n_prev}), m = {args.m}")
    print(f"engine           {t_engine * 1e3:9.3f} ms")
    print(f"naive loop       {t_loop * 1e3:9.3f} ms   loop / engine = {t_loop / t_engine:,.0f}x")
    try:
        import torch
    except ImportError:
        print("torch not installed: PyTorch comparison skipped (pip install torch==2.13.0)")
        return
    Wt = torch.tensor(layer.W, requires_grad=True)
    bt = torch.tensor(layer.b, requires_grad=True)
    At = torch.tensor(A_prev, requires_grad=True)
    dAt = torch.tensor(dA)

    def torch_step():
        Wt.grad = bt.grad = At.grad = None
        torch.tanh(Wt @ At + bt).backward(dAt / args.m)

    t_torch = best_of(torch_step, 20)
    print(f"torch CPU        {t_torch * 1e3:9.3f} ms   engine / torch = {t_engine / t_torch:.2f}x")


if __name__ == "__main__":
    main()
