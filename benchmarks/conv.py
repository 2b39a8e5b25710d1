"""Benchmark: conv2d forward + backward, the fast engine (gathered windows, one matrix product)
vs the slow loop oracle, and vs PyTorch CPU autograd when torch is installed. Prints ratios
measured in one run (best of a few repeats each).

    python benchmarks/conv.py [--m 16] [--n 24] [--c-in 8] [--c-out 16] [--f 3] [--stride 1]
                              [--padding same] [--dtype float64] [--threads 1]

The default layer makes the loop take a few seconds here; the fast path should be >= 100x
faster, and within about 2x of PyTorch (NCHW tensors are made outside the timing). NumPy's
BLAS and PyTorch get the same number of threads (``--threads``, 1 by default: on a small or
busy machine PyTorch's OpenMP threads can slow it down a hundredfold).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from visualdl.engine.conv import conv2d, conv2d_backward, resolve_padding
from visualdl.engine.conv_loops import conv2d_backward_loop, conv2d_loop


def best_of(f: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--n", type=int, default=24, help="n_H = n_W of the input")
    p.add_argument("--c-in", type=int, default=8)
    p.add_argument("--c-out", type=int, default=16)
    p.add_argument("--f", type=int, default=3)
    p.add_argument("--stride", type=int, default=1)
    p.add_argument("--padding", default="same", help="'same', 'valid' or an integer")
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--loop-repeat", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="BLAS and torch threads")
    args = p.parse_args()
    with threadpool_limits(limits=args.threads):
        run(args)


def run(args: argparse.Namespace) -> None:
    """Time the three implementations on one layer and print the ratios."""
    padding: int | str = int(args.padding) if args.padding.isdigit() else args.padding
    s = args.stride
    pad = resolve_padding(padding, args.f, s)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.m, args.n, args.n, args.c_in)).astype(args.dtype)
    W = rng.standard_normal((args.f, args.f, args.c_in, args.c_out)).astype(args.dtype) * 0.1
    b = rng.standard_normal(args.c_out).astype(args.dtype)
    Z, _ = conv2d(X, W, b, s, pad)
    dZ = rng.standard_normal(Z.shape).astype(args.dtype)

    def fast():
        _, cache = conv2d(X, W, b, s, pad)
        return conv2d_backward(dZ, cache)

    def loop():
        conv2d_loop(X, W, b, s, pad)
        return conv2d_backward_loop(dZ, X, W, s, pad)

    t_fast = best_of(fast, 20)
    t_loop = best_of(loop, args.loop_repeat)
    tol = 1e-8 if args.dtype == "float64" else 1e-3
    for a, c in zip(fast(), loop(), strict=True):
        assert np.allclose(a, c, rtol=tol, atol=tol), "fast and loop disagree"

    print(
        f"conv2d forward+backward, X {X.shape}, W {W.shape}, stride {s}, padding {padding!r} "
        f"(p={pad}), {args.dtype}, {args.threads} thread(s)"
    )
    print(f"fast (im2col + one matmul) {t_fast * 1e3:9.3f} ms")
    print(
        f"slow loop oracle           {t_loop * 1e3:9.3f} ms   loop / fast = {t_loop / t_fast:,.0f}x"
        f"   (expect >= 100x)"
    )
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("torch not installed: PyTorch comparison skipped (pip install torch==2.13.0)")
        return
    torch.set_num_threads(args.threads)
    # NCHW and (out, in, kh, kw) made here, outside the timing
    Xt = torch.tensor(X.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    Wt = torch.tensor(W.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    dZt = torch.tensor(dZ.transpose(0, 3, 1, 2).copy())

    def torch_step():
        Xt.grad = Wt.grad = bt.grad = None
        F.conv2d(Xt, Wt, bt, stride=s, padding=pad).backward(dZt)

    t_torch = best_of(torch_step, 20)
    torch_step()
    dX, dW, db = fast()
    assert np.allclose(Xt.grad.numpy().transpose(0, 2, 3, 1), dX, rtol=tol, atol=tol)
    assert np.allclose(Wt.grad.numpy().transpose(2, 3, 1, 0) / args.m, dW, rtol=tol, atol=tol)
    print(
        f"torch {torch.__version__} CPU autograd {t_torch * 1e3:9.3f} ms   "
        f"fast / torch = {t_fast / t_torch:.2f}x   (target <= 2x)"
    )


if __name__ == "__main__":
    main()
