"""Benchmark: one optimizer step on a large parameter vector, engine vs the same update written
as plain NumPy expressions. Prints the overhead ratio per optimizer (target <= 1.5x).

    python benchmarks/optimizers.py [--n 1000000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from visualdl.engine.optimizers import Optimizer


def best_of(f, repeat: int) -> float:
    """Fastest of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def plain_updates(theta: np.ndarray, g: np.ndarray) -> dict:
    """The same rules as NumPy one-liners on preallocated state (the notes' defaults)."""
    lr, beta, b1, b2, eps, wd = 0.01, 0.9, 0.9, 0.999, 1e-8, 0.01
    s = {"V": np.zeros_like(theta), "S": np.zeros_like(theta), "t": 0}

    def momentum():
        s["V"] = beta * s["V"] + (1 - beta) * g
        return theta - lr * s["V"]

    def nesterov():
        s["V"] = beta * s["V"] + (1 - beta) * g
        return theta - lr * (beta * s["V"] + (1 - beta) * g)

    def adagrad():
        s["S"] = s["S"] + g * g
        return theta - lr * g / (np.sqrt(s["S"]) + eps)

    def rmsprop():
        s["S"] = beta * s["S"] + (1 - beta) * g * g
        return theta - lr * g / (np.sqrt(s["S"]) + eps)

    def adam():
        s["t"] += 1
        s["V"] = b1 * s["V"] + (1 - b1) * g
        s["S"] = b2 * s["S"] + (1 - b2) * g * g
        Vc, Sc = s["V"] / (1 - b1 ** s["t"]), s["S"] / (1 - b2 ** s["t"])
        return theta - lr * Vc / (np.sqrt(Sc) + eps)

    def adamw():
        return adam() - lr * wd * theta

    return {
        "gd": lambda: theta - lr * g,
        "momentum": momentum,
        "nesterov": nesterov,
        "adagrad": adagrad,
        "rmsprop": rmsprop,
        "adam": adam,
        "adamw": adamw,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="parameter vector length")
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    theta, g = rng.standard_normal(args.n), rng.standard_normal(args.n)
    params, grads = {"W1": theta}, {"dW1": g}
    print(f"one step on {args.n:,} parameters, best of {args.repeat}")
    print(f"{'optimizer':<10} {'engine':>10} {'plain':>10} {'ratio':>7}")
    for name, plain in plain_updates(theta, g).items():
        hyper = {"lr": 0.01, "weight_decay": 0.01} if name == "adamw" else {"lr": 0.01}
        opt = Optimizer(name, **hyper)
        opt.step(params, grads)  # allocate the state once, like the plain version
        t_engine = best_of(lambda opt=opt: opt.step(params, grads), args.repeat)
        t_plain = best_of(plain, args.repeat)
        ratio = t_engine / t_plain
        flag = "" if ratio <= 1.5 else "  (over 1.5x)"
        print(f"{name:<10} {t_engine * 1e3:8.2f}ms {t_plain * 1e3:8.2f}ms {ratio:6.2f}x{flag}")


if __name__ == "__main__":
    main()
