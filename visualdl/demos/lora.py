"""LoRA: how few parameters it trains, and a fine-tune that recovers a planted low-rank change.

Parameter counts (:func:`parameter_counts`): for a few layer sizes, the engine's
:func:`~visualdl.engine.lora.lora_parameters` at ranks ``1, 2, 4, ...``: ``r (d_in + d_out)``
trainable numbers against the full matrix's ``d_in d_out`` (the notes' ``d = k = 4096``,
``r = 8``: 65,536 against 16,777,216).

Fine-tuning (:func:`lora_finetune`), in the row layout of :mod:`visualdl.engine.lora`:

1. a "pretrained" ``W0 (d_in, d_out)``, entries ``N(0, 1/d_in)``;
2. a planted change ``Delta W* = U V`` of rank ``r*`` (``U (d_in, r*)``, ``V (r*, d_out)``
   Gaussian), scaled to half of ``||W0||_F``; the task's weight is ``W0 + Delta W*``;
3. data ``X (n, d_in)`` standard normal and ``Y = X (W0 + Delta W*) + noise``, Gaussian noise
   of standard deviation ``noise``;
4. only ``A (d_in, r)`` and ``B (r, d_out)`` are trained, ``r >= r*``, from
   :func:`~visualdl.engine.lora.lora_init` (``A`` random, ``B = 0``, so training starts at
   ``Delta W = 0``), ``W0`` frozen, by the engine's Adam (full batch, a cosine-decayed rate
   from :func:`~visualdl.engine.schedules.cosine_warmup`) on the engine's MSE.

Recorded at every step: the cost and the recovery error
``||(alpha/r) A B - Delta W*||_F / ||Delta W*||_F``. With noise no estimate is exact: the
record also holds the error of the ordinary least-squares estimate of the change from the
same data (full rank, the best the data allow without knowing the rank), a floor to compare
with. And the singular values of the learned and the planted change: the ``r - r*`` spare
directions of ``A B`` stay near zero.

Records: ``lora.parameters`` (:data:`PARAMETERS`, one per layer size) and ``lora.finetune``
(:data:`FINETUNE`, one per seed). :func:`lora_figure` makes both for the gallery.

Example
-------
>>> from visualdl.demos.lora import lora_finetune
>>> r = lora_finetune(seed=0, steps=300).last("lora.finetune")
>>> r.info["final_rel_error"] <= 1e-2, r.info["trainable"], r.info["full"]
(True, 224, 768)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import losses, optimizers
from visualdl.engine.lora import (
    lora_delta,
    lora_init,
    lora_linear,
    lora_linear_backward,
    lora_parameters,
)
from visualdl.engine.schedules import cosine_warmup
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = [
    "FINETUNE",
    "PARAMETERS",
    "SIZES",
    "TARGET",
    "lora_figure",
    "lora_finetune",
    "parameter_counts",
]

#: the recovery the issue asks for: relative error <= 1e-2
TARGET = 1e-2
#: (d_in, d_out, what such a layer is) drawn in the parameter-count panel
SIZES: tuple[tuple[int, int, str], ...] = (
    (768, 768, "768 × 768 (BERT-base, GPT-2 small)"),
    (4096, 4096, "4096 × 4096 (the notes' example)"),
    (12288, 12288, "12288 × 12288 (GPT-3 175B)"),
)

PARAMETERS = declare(
    "lora.parameters",
    arrays={
        "r": "(k,) ranks 1, 2, 4, ... up to min(d_in, d_out)",
        "lora": "(k,) trainable parameters r (d_in + d_out)",
        "ratio": "(k,) full / lora",
    },
    info={
        "d_in": "rows of W",
        "d_out": "columns of W",
        "full": "d_in d_out, the full matrix's parameters",
        "label": "what such a layer is",
    },
)

FINETUNE = declare(
    "lora.finetune",
    arrays={
        "step": "(steps + 1,) 0..steps",
        "loss": "(steps + 1,) the MSE cost before each step (the last after training)",
        "rel_error": "(steps + 1,) ||(alpha/r) A B - Delta W*||_F / ||Delta W*||_F",
        "rate": "(steps,) Adam's rate at each step",
        "sv_learned": "(r,) singular values of the learned (alpha/r) A B, largest first",
        "sv_planted": "(r,) singular values of Delta W* (the last r - r* are 0 up to rounding)",
    },
    info={
        "seed": "seed of W0, Delta W*, X, the noise and A",
        "d_in": "rows of W",
        "d_out": "columns of W",
        "r": "LoRA rank",
        "r_star": "rank of the planted change",
        "alpha": "LoRA alpha (None: alpha = r)",
        "scale": "alpha / r",
        "n": "training rows",
        "noise": "standard deviation of the noise on Y",
        "lr": "Adam's peak rate (cosine decay to 0)",
        "steps": "Adam steps (full batch)",
        "trainable": "r (d_in + d_out), the numbers in A and B",
        "full": "d_in d_out, the frozen W's numbers",
        "ratio": "full / trainable",
        "final_rel_error": "rel_error after the last step",
        "final_loss": "the cost after the last step",
        "first_below": "first step with rel_error <= target (None if never)",
        "target": "the recovery asked for",
        "lstsq_rel_error": "relative error of the least-squares estimate of Delta W* (the floor)",
        "delta_norm": "||Delta W*||_F",
        "w0_norm": "||W0||_F",
    },
)


def parameter_counts(
    layers: Sequence[tuple[int, int, str]] = SIZES, trace: Trace | None = None
) -> Trace:
    """One ``lora.parameters`` record per layer size, ranks ``1, 2, 4, ...`` up to
    ``min(d_in, d_out)``, counted by :func:`~visualdl.engine.lora.lora_parameters`."""
    tr = trace if trace is not None else Trace({"demo": "lora"})
    for d_in, d_out, label in layers:
        ranks = [2**k for k in range(int(np.log2(min(d_in, d_out))) + 1)]
        counts = [lora_parameters(d_in, d_out, r) for r in ranks]
        PARAMETERS.add(
            tr,
            d_in=d_in,
            d_out=d_out,
            full=counts[0]["full"],
            label=label,
            r=np.array(ranks),
            lora=np.array([c["lora"] for c in counts]),
            ratio=np.array([c["ratio"] for c in counts]),
        )
    return tr


def _task(seed: int, d_in: int, d_out: int, r_star: int, n: int, noise: float):
    """``W0``, the planted ``Delta W*``, ``X``, ``Y`` and the generator that drew them."""
    gen = np.random.default_rng(seed)
    W0 = gen.standard_normal((d_in, d_out)) / np.sqrt(d_in)
    delta = gen.standard_normal((d_in, r_star)) @ gen.standard_normal((r_star, d_out))
    delta *= 0.5 * np.linalg.norm(W0) / np.linalg.norm(delta)
    X = gen.standard_normal((n, d_in))
    Y = X @ (W0 + delta) + noise * gen.standard_normal((n, d_out))
    return W0, delta, X, Y, gen


def lora_finetune(
    seed: int = 0,
    d_in: int = 32,
    d_out: int = 24,
    r_star: int = 2,
    r: int = 4,
    n: int = 256,
    noise: float = 1e-3,
    steps: int = 400,
    lr: float = 0.02,
    alpha: float | None = None,
    trace: Trace | None = None,
) -> Trace:
    """Fine-tune a LoRA update of rank ``r`` on a frozen ``W0`` to recover a planted change of
    rank ``r_star`` (see the module); one ``lora.finetune`` record. ``r >= r_star`` can recover
    it; with ``r < r_star`` the best the update can do is the planted change's best rank-``r``
    approximation, and the error stays at least the rest of its singular values' share."""
    if not (isinstance(r_star, int) and 1 <= r_star <= min(d_in, d_out)):
        raise ValueError(
            f"lora_finetune: r_star must be an int in [1, min(d_in, d_out) = "
            f"{min(d_in, d_out)}], got {r_star!r}"
        )
    tr = trace if trace is not None else Trace({"demo": "lora", "seed": seed})
    W0, delta, X, Y, gen = _task(seed, d_in, d_out, r_star, n, noise)
    params = lora_init(d_in, d_out, r, seed=gen)
    rates = cosine_warmup(np.arange(steps), a0=lr, total=steps, warmup=0)
    state = None
    loss, error = [], []
    for t in range(steps + 1):
        Yhat, cache = lora_linear(X, W0, params["A"], params["B"], alpha)
        loss.append(float(losses.mse(Yhat.T, Y.T)))  # the engine's losses are column-layout
        change = lora_delta(params["A"], params["B"], alpha)
        error.append(float(np.linalg.norm(change - delta) / np.linalg.norm(delta)))
        if t == steps:
            break
        dY = losses.mse_backward(Yhat.T, Y.T).T / n  # per-example dA over m = n rows: dJ/dY
        g = lora_linear_backward(dY, cache)
        grads = {"dA": g["dA"], "dB": g["dB"]}
        params, state = optimizers.step("adam", params, grads, state, {"lr": float(rates[t])})
    lstsq = np.linalg.lstsq(X, Y - X @ W0, rcond=None)[0]
    counts = lora_parameters(d_in, d_out, r)
    below = [t for t, e in enumerate(error) if e <= TARGET]
    FINETUNE.add(
        tr,
        seed=seed,
        d_in=d_in,
        d_out=d_out,
        r=r,
        r_star=r_star,
        alpha=alpha,
        scale=1.0 if alpha is None else alpha / r,
        n=n,
        noise=noise,
        lr=lr,
        steps=steps,
        trainable=counts["lora"],
        full=counts["full"],
        ratio=counts["ratio"],
        final_rel_error=error[-1],
        final_loss=loss[-1],
        first_below=below[0] if below else None,
        target=TARGET,
        lstsq_rel_error=float(np.linalg.norm(lstsq - delta) / np.linalg.norm(delta)),
        delta_norm=float(np.linalg.norm(delta)),
        w0_norm=float(np.linalg.norm(W0)),
        step=np.arange(steps + 1),
        loss=np.array(loss),
        rel_error=np.array(error),
        rate=rates,
        sv_learned=np.linalg.svd(change, compute_uv=False)[:r],
        sv_planted=np.linalg.svd(delta, compute_uv=False)[:r],
    )
    return tr


def lora_figure(seeds: Sequence[int] = tuple(range(5)), steps: int = 400) -> Trace:
    """The gallery's trace: :func:`parameter_counts` and one :func:`lora_finetune` (``steps``
    Adam steps, the other settings their defaults) per seed."""
    tr = parameter_counts(trace=Trace({"demo": "lora", "seeds": list(seeds)}))
    for seed in seeds:
        lora_finetune(seed, steps=steps, trace=tr)
    return tr
