"""The dense chapter's benchmarks: one MLP training step and one Adam step.

The MLP is ``mlp([784, 256, 10], "relu", "softmax")``, examples as columns; PyTorch gets the
same weights, rows as examples (``x = X^T``), and the mean cross-entropy, so its gradients are
the engine's ``dW``, ``db`` (both carry the 1/m). The Adam step is on one vector of 10^6
parameters, against ``torch.optim.Adam`` as it comes (``fused=False``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.bench.harness import Bench, Pair
from visualdl.engine.dense import dense_backward, dense_forward
from visualdl.engine.dense_loops import dense_dW_loop, dense_forward_loop
from visualdl.engine.model import mlp
from visualdl.engine.optimizers import Optimizer

__all__ = ["BENCHES"]

Array = np.ndarray
KEYS = ("W1", "b1", "W2", "b2")


# -- MLP --------------------------------------------------------------------------------------


def _dense_loop(quick: bool, dtype: str) -> Pair:
    """One dense layer's ``Z = W A_prev + b`` and ``dW``: the fast op vs the entry loops."""
    n, n_prev, m = (3, 4, 5) if quick else (16, 32, 32)
    rng = np.random.default_rng(0)
    W, A_prev = rng.standard_normal((n, n_prev)), rng.standard_normal((n_prev, m))
    b, dZ = rng.standard_normal((n, 1)), rng.standard_normal((n, m))
    W, A_prev, b, dZ = (a.astype(dtype) for a in (W, A_prev, b, dZ))

    def engine() -> list[Array]:
        Z, cache = dense_forward(A_prev, W, b)
        return [Z, dense_backward(dZ, cache)[1]]

    def loop() -> list[Array]:
        return [dense_forward_loop(W, A_prev, b), dense_dW_loop(dZ, A_prev)]

    return Pair(engine, loop, lambda: (engine(), loop()))


def _mlp_data(m: int, dtype: str) -> tuple[Array, Array, Array]:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((784, m)).astype(dtype)
    labels = rng.integers(0, 10, m)
    Y = np.eye(10, dtype=dtype)[:, labels]
    return X, Y, labels


def _mlp_torch(torch: Any, quick: bool, dtype: str) -> Pair:
    X, Y, labels = _mlp_data(8 if quick else 256, dtype)
    timed = mlp([784, 256, 10], "relu", "softmax", seed=0, dtype=dtype)
    fresh = mlp([784, 256, 10], "relu", "softmax", seed=0, dtype=dtype)
    x, y = torch.tensor(X.T.copy()), torch.tensor(labels)
    F = torch.nn.functional

    def leaves() -> list[Any]:
        """``W1, b1, W2, b2`` as PyTorch leaves (biases as rows), from the engine's start."""
        p = fresh.params
        return [
            torch.tensor(p[k][:, 0] if k[0] == "b" else p[k]).requires_grad_(True) for k in KEYS
        ]

    def loss(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        return F.cross_entropy(F.linear(F.relu(F.linear(x, W1, b1)), W2, b2), y)

    ts = leaves()

    def step() -> Any:
        for t in ts:
            t.grad = None
        J = loss(*ts)
        J.backward()
        with torch.no_grad():
            for t in ts:
                t -= 0.01 * t.grad
        return J

    def results() -> tuple[list[Array], list[Array]]:
        grads = fresh.backward(fresh.forward(X, training=True), Y)
        mine = [grads["d" + k] for k in KEYS]
        new = leaves()
        loss(*new).backward()
        return mine, [t.grad.numpy().reshape(g.shape) for t, g in zip(new, mine, strict=True)]

    return Pair(lambda: timed.train_step(X, Y, 0.01), step, results)


def _mlp(dtype: str) -> Bench:
    return Bench(
        "mlp_step",
        dtype,
        "784-256-10 ReLU/softmax, batch 256, forward + cost + backward + GD",
        lambda q: _dense_loop(q, dtype),
        lambda t, q: _mlp_torch(t, q, dtype),
        1.0,
        1.0,
        loop_what="one dense layer: Z and dW",
    )


# -- Adam -------------------------------------------------------------------------------------


def _adam_data(n: int, dtype: str) -> tuple[Array, Array]:
    rng = np.random.default_rng(2)
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


def _adam_torch(torch: Any, quick: bool, dtype: str, fused: bool) -> Pair:
    theta, g = _adam_data(1000 if quick else 10**6, dtype)
    engine_opt = Optimizer("adam", lr=1e-3)
    p = torch.tensor(theta.copy(), requires_grad=True)
    p.grad = torch.tensor(g)
    torch_opt = torch.optim.Adam([p], lr=1e-3, fused=fused)

    def results() -> tuple[list[Array], list[Array]]:
        mine = Optimizer("adam", lr=1e-3).step({"W": theta}, {"dW": g})["W"]
        q = torch.tensor(theta.copy(), requires_grad=True)
        q.grad = torch.tensor(g)
        torch.optim.Adam([q], lr=1e-3, fused=fused).step()
        return [mine], [q.detach().numpy()]

    return Pair(lambda: engine_opt.step({"W": theta}, {"dW": g}), torch_opt.step, results)


def _adam(dtype: str, fused: bool) -> Bench:
    return Bench(
        "adam_step_vs_fused" if fused else "adam_step",
        dtype,
        "10^6 parameters" + (", torch fused=True" if fused else ", torch's default Adam"),
        None,
        lambda t, q: _adam_torch(t, q, dtype, fused),
        None if fused else 1.2,
        None,
        note="a reference: torch's fused Adam is one pass in C++, any chain of NumPy ufuncs "
        "makes one pass per operation"
        if fused
        else "",
    )


BENCHES: tuple[Bench, ...] = (
    _mlp("float32"),
    _mlp("float64"),
    _adam("float32", False),
    _adam("float64", False),
    _adam("float32", True),
)
