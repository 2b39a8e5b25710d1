"""How much gradient reaches each earlier hidden state: a vanilla RNN, an LSTM and a GRU.

The three cells read the same ``m`` sequences of ``T`` random bits ``+-1``
(:func:`~visualdl.engine.sequence_data.memory_task`) with ``n_a`` units each, at
initialization: the weights of the engine's own ``SimpleRNN``, ``LSTM`` and ``GRU`` layers
drawn with the same ``seed`` (every matrix Xavier, ``randn / sqrt(fan_in)``; biases 0, the
LSTM's forget bias 1, the layers' defaults). The loss reads only the last state,
``L = w . a_T`` with one random unit vector ``w`` per seed, the same for the three cells, so
``dL/da_T = w`` for every sequence and nothing enters at an earlier step.

The gradient is walked back by the engine's narrating loop versions
(:mod:`visualdl.engine.recurrent_loops`): each ``{cell}.step_backward`` record holds the
step's whole gradient ``dL/da_t`` (``da`` for the LSTM and GRU, ``da + da_next`` for the
RNN, whose ``da`` is its own output's share only, zero here before ``T``). The demo keeps,
per step, its size over the batch,

    ||dL/da_t|| = sqrt( (1/m) sum_i ||dL/da_t^(i)||^2 ),

against the distance ``T - 1 - t`` from the loss (0 at the last step, where it is 1).

Records: ``gradient_through_time.run`` (:data:`RUN`, one per cell and seed, ``rnn`` first).

Example
-------
>>> from visualdl.demos.gradient_through_time import gradient_through_time
>>> tr = gradient_through_time(seeds=(0,), T=20, n_a=8, m=4)
>>> [(r.info["cell"], round(float(r["norm"][0]), 12)) for r in tr.find("gradient_through_time.run")]
[('rnn', 1.0), ('lstm', 1.0), ('gru', 1.0)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.recurrent_layers import GRU, LSTM, Recurrent, SimpleRNN
from visualdl.engine.recurrent_loops import (
    gru_backward_loop,
    gru_forward_loop,
    lstm_backward_loop,
    lstm_forward_loop,
    rnn_backward_loop,
    rnn_forward_loop,
)
from visualdl.engine.sequence_data import memory_task
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["CELLS", "GATES", "RUN", "gradient_through_time", "step_gradients"]

#: cell name -> the engine's layer class, in the order drawn
CELLS: dict[str, type[Recurrent]] = {"rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}

RUN = declare(
    "gradient_through_time.run",
    arrays={
        "distance": "(T,) steps from the loss, T - 1 - t: 0, 1, ..., T - 1",
        "norm": "(T,) ||dL/da_t||, root mean square over the sequences, at each distance",
    },
    info={
        "cell": "rnn, lstm or gru",
        "seed": "seed of the weights and of the readout w",
        "T": "sequence length",
        "n_a": "hidden units",
        "m": "sequences",
        "at_50": "||dL/da_t|| at distance 50 (None when T <= 50)",
        "gate": "the gate on the old state: f (LSTM), u (GRU), None (RNN)",
        "gate_mean": "that gate's mean over units, sequences and steps (None for the RNN)",
    },
)


def _params(layer: Recurrent) -> dict[str, np.ndarray]:
    """The layer's parameters keyed as the cell functions want them (``Wax``, not ``Wax1``)."""
    return {k.rstrip("0123456789"): v for k, v in layer.params().items()}


#: the gate that multiplies the old state on the direct path back (the GRU's default update
#: convention, "candidate", keeps ``1 - u`` of ``a_prev``)
GATES = {"rnn": None, "lstm": "f", "gru": "u"}


def step_gradients(
    cell: str, layer: Recurrent, x: np.ndarray, da: np.ndarray
) -> tuple[np.ndarray, float | None]:
    """``(dL/da_t, gate_mean)``: every step's whole gradient, ``(n_a, m, T)``, from the
    ``{cell}.step_backward`` records of the engine's loop version run on ``x`` with the
    outputs' gradient ``da``; and the mean of the cell's :data:`GATES` gate in the forward
    pass (None for the RNN)."""
    p = _params(layer)
    if cell == "rnn":
        _, caches = rnn_forward_loop(x, None, p)
        with record() as tr:
            rnn_backward_loop(da, caches)
    elif cell == "lstm":
        _, caches = lstm_forward_loop(x, None, p)
        with record() as tr:
            lstm_backward_loop(da, caches)
    else:
        _, caches = gru_forward_loop(x, None, p, layer.update, layer.reset)
        with record() as tr:
            gru_backward_loop(da, caches)
    steps = sorted(tr.find(f"{cell}.step_backward"), key=lambda r: r.info["t"])
    whole = [r["da"] + r["da_next"] if cell == "rnn" else r["da"] for r in steps]
    gate = GATES[cell]
    mean = None if gate is None else float(np.mean([c[gate] for c in caches]))
    return np.stack(whole, axis=2), mean


def gradient_through_time(
    seeds: Sequence[int] = tuple(range(6)), T: int = 60, n_a: int = 32, m: int = 32
) -> Trace:
    """``||dL/da_t||`` against the distance from the loss for every cell and seed (see the
    module)."""
    X, _ = memory_task(m, T, seed=0)
    tr = Trace({"demo": "gradient_through_time", "seeds": list(seeds), "T": T, "n_a": n_a, "m": m})
    for seed in seeds:
        w = np.random.default_rng(seed).standard_normal((n_a, 1))
        da = np.zeros((n_a, m, T))
        da[:, :, -1] = w / np.linalg.norm(w)
        for cell, make in CELLS.items():
            g, gate_mean = step_gradients(cell, make(1, n_a, rng=seed), X, da)
            norm = np.sqrt(np.mean(np.sum(g * g, axis=0), axis=0))[::-1]  # by distance
            RUN.add(
                tr,
                cell=cell,
                seed=seed,
                T=T,
                n_a=n_a,
                m=m,
                at_50=float(norm[50]) if T > 50 else None,
                gate=GATES[cell],
                gate_mean=gate_mean,
                distance=np.arange(T),
                norm=norm,
            )
    return tr
