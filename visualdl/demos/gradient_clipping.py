"""An exploding recurrent run, trained three ways: without clipping, clipped by value, clipped
by norm.

The model is the engine's ``Sequential([SimpleRNN(1, n_a, return_sequences=False),
Dense(n_a, 1, "sigmoid")])`` with the binary cross-entropy, on the first-bit memory task
(:func:`~visualdl.engine.sequence_data.memory_task`: ``T`` random bits ``+-1``, the label the
first one). Its recurrent weights start large, the layer's Xavier ``W_aa`` times ``scale``,
and it is trained by full-batch gradient descent with a high learning rate. Near the weights
where the state starts to hold a bit for good, the loss has a cliff: the gradient through
``T`` steps of ``W_aa`` is suddenly many decades larger, and one plain step with it throws the
weights far away.

For every seed, three runs start from the same weights and data and differ only in
``Sequential.fit``'s clipping (:mod:`visualdl.engine.clipping`):

- ``none``: the gradient as it is;
- ``clip_value``: every entry clipped into ``[-clip_value, clip_value]``;
- ``clip_norm``: the whole gradient rescaled to a global norm of at most ``clip_norm``.

``fit``'s history gives each step's cost and global gradient norm *before* clipping (what
clipping sees). Whether one run meets the cliff, and where, turns on small differences, so
the demo runs several seeds: the picture is the sweep, not one lucky or unlucky run. A run
whose cost or weights stop being finite raises ``FloatingPointError`` in ``fit``; the demo
then keeps the engine's message (naming the step) and no history.

Records: ``gradient_clipping.run`` (:data:`RUN`, one per seed and way, the ways in
:data:`MODES` order).

Example
-------
>>> from visualdl.demos.gradient_clipping import gradient_clipping
>>> tr = gradient_clipping(seeds=(0,), T=5, n_a=3, m=8, steps=3)
>>> [(r.info["mode"], len(r["cost"])) for r in tr.find("gradient_clipping.run")]
[('none', 3), ('clip_value', 3), ('clip_norm', 3)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential
from visualdl.engine.recurrent_layers import SimpleRNN
from visualdl.engine.sequence_data import memory_task
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["MODES", "RUN", "exploding_model", "gradient_clipping"]

MODES = ("none", "clip_value", "clip_norm")

RUN = declare(
    "gradient_clipping.run",
    arrays={
        "step": "(n,) optimizer steps 0..n-1",
        "cost": "(n,) the cost J at each step, before its update",
        "grad_norm": "(n,) the global gradient norm at each step, before clipping",
    },
    info={
        "mode": "none, clip_value or clip_norm",
        "limit": "the clipping threshold (None without clipping)",
        "seed": "seed of the weights and the data",
        "scale": "factor on the layer's Xavier W_aa",
        "learning_rate": "gradient descent's rate",
        "T": "sequence length",
        "n_a": "RNN units",
        "m": "training sequences (one full batch per step)",
        "stopped": "fit's FloatingPointError message, None when the run finished",
        "final_cost": "the cost at the last step (None when stopped)",
        "max_grad_norm": "the largest gradient norm (None when stopped)",
        "max_step": "the step of the largest gradient norm (None when stopped)",
        "first_grad_norm": "the gradient norm at step 0, the same for the three ways",
        "Waa_start": "||W_aa||_F before training",
        "Waa_end": "||W_aa||_F after training (None when stopped)",
    },
)


def exploding_model(n_a: int, scale: float, seed: int) -> Sequential:
    """The classifier of the module, ``W_aa`` drawn with ``seed`` and multiplied by ``scale``."""
    model = Sequential(
        [
            SimpleRNN(1, n_a, return_sequences=False, rng=seed),
            Dense(n_a, 1, "sigmoid", "xavier", rng=seed + 1),
        ],
        loss="bce",
    )
    model.set_params({"Waa1": model.params["Waa1"] * scale})
    return model


def gradient_clipping(
    seeds: Sequence[int] = tuple(range(6)),
    T: int = 50,
    n_a: int = 16,
    m: int = 64,
    scale: float = 1.5,
    learning_rate: float = 3.0,
    steps: int = 250,
    clip_value: float = 0.1,
    clip_norm: float = 1.0,
) -> Trace:
    """Train the same model three ways for every seed (see the module)."""
    tr = Trace({"demo": "gradient_clipping", "seeds": list(seeds), "T": T, "n_a": n_a})
    for seed in seeds:
        _three_ways(tr, seed, T, n_a, m, scale, learning_rate, steps, clip_value, clip_norm)
    return tr


def _three_ways(
    tr: Trace,
    seed: int,
    T: int,
    n_a: int,
    m: int,
    scale: float,
    learning_rate: float,
    steps: int,
    clip_value: float,
    clip_norm: float,
) -> None:
    X, Y = memory_task(m, T, seed=seed)
    limits = {"none": None, "clip_value": clip_value, "clip_norm": clip_norm}
    for mode in MODES:
        model = exploding_model(n_a, scale, seed)
        start = float(np.linalg.norm(model.params["Waa1"]))
        clip = {} if limits[mode] is None else {mode: limits[mode]}
        try:
            history = model.fit(
                X, Y, learning_rate=learning_rate, num_iterations=steps, seed=seed, **clip
            )
            stopped = None
        except FloatingPointError as err:
            history, stopped = {"step_cost": [], "grad_norm": []}, str(err)
        cost, norm = np.array(history["step_cost"]), np.array(history["grad_norm"])
        RUN.add(
            tr,
            mode=mode,
            limit=limits[mode],
            seed=seed,
            scale=scale,
            learning_rate=learning_rate,
            T=T,
            n_a=n_a,
            m=m,
            stopped=stopped,
            final_cost=float(cost[-1]) if cost.size else None,
            max_grad_norm=float(norm.max()) if norm.size else None,
            max_step=int(norm.argmax()) if norm.size else None,
            first_grad_norm=float(norm[0]) if norm.size else None,
            Waa_start=start,
            Waa_end=None if stopped else float(np.linalg.norm(model.params["Waa1"])),
            step=np.arange(cost.size),
            cost=cost,
            grad_norm=norm,
        )
