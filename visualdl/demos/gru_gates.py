"""A small GRU that remembers the first bit of a sequence: the data of the ``gru-gates`` scene.

A :class:`~visualdl.engine.recurrent_layers.GRU` with ``n_a`` units (the engine's default
conventions: ``update="candidate"``, the course's ``Gamma_u``, and ``reset="before"``) and a
sigmoid output on its last state is trained by the engine with Adam on
:func:`~visualdl.engine.sequence_data.memory_task` (the label is the first of ``T`` bits
``+-1``; the others are noise to carry it through), not recorded. Then one sequence
``x: (1, 1, T)`` runs through the engine's narrating loop inside ``record()``:

- ``gru.step`` per step from :func:`~visualdl.engine.recurrent_loops.gru_forward_loop`
  (``x_t``, ``a_prev``, the gates' pre-activations ``z_u, z_r, z_c`` and ``u`` = Gamma_u,
  ``r`` = Gamma_r, ``cc`` = c~, ``a``); :data:`MASKED` holds each step's ``r * a_prev``, the
  history the candidate reads (the engine's cell multiplies it inside ``W_c [r * a_prev;
  x_t]`` and does not record it);
- section ``case="pytorch"``: the same loop with ``update="state"`` and ``W_u, b_u``
  negated, PyTorch's reading of the same gate (``sigma(-s) = 1 - sigma(s)``): its ``gru.step``
  ``u`` is PyTorch's ``z = 1 - Gamma_u`` and its states are the same;
- section ``case="model"``: the trained model's forward pass on ``x`` (``gru1.forward`` with
  the gates over time, ``dense2.forward`` with the prediction ``y_hat``);
- :data:`READINGS`: ``Gamma_u`` and PyTorch's ``z`` over the steps, ``(n_a, T)``, from the
  two runs' records, and :data:`PARAMS`: the trained weights, the bits and the model's
  accuracy on fresh sequences.

Example
-------
>>> from visualdl.demos.gru_gates import gru_gates_trace
>>> tr = gru_gates_trace()
>>> [r.info["t"] for r in tr.find("gru.step", update="candidate")]
[0, 1, 2, 3, 4]
>>> tr.last("gru_gates_demo.params").info["accuracy"]
1.0
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import GRU, Dense, Sequential
from visualdl.engine.recurrent_loops import gru_forward_loop
from visualdl.engine.sequence_data import memory_task
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["MASKED", "PARAMS", "READINGS", "gru_gates_trace"]

PARAMS = declare(
    "gru_gates_demo.params",
    arrays={
        **{f"W{g}": f"(n_a, n_a + n_x) W_{g} on [a_prev; x_t]" for g in "urc"},
        **{f"b{g}": "(n_a, 1)" for g in "urc"},
        "W": "(1, n_a) the output's weights",
        "b": "(1, 1) the output's bias",
        "x": "(n_x, m, T) the bits shown",
        "y": "(1, m) the label: the first bit as 0/1",
    },
    info={
        "update": "the engine's convention for u (candidate: the course's Gamma_u)",
        "reset": "where r acts (before: on a_prev, inside W_c)",
        "iterations": "Adam steps of the training",
        "cost": "the training cost at the end",
        "accuracy": "accuracy on fresh sequences",
        "n_test": "fresh sequences the accuracy counts",
    },
)
MASKED = declare(
    "gru_gates_demo.masked",
    arrays={"masked": "(n_a, m) r * a_prev: the history the candidate reads"},
    info={"t": "time step, 0-based"},
)
READINGS = declare(
    "gru_gates_demo.readings",
    arrays={
        "u": "(n_a, T) Gamma_u at every step (update='candidate')",
        "z": "(n_a, T) PyTorch's z at every step (update='state', W_u and b_u negated)",
        "a": "(n_a, T) the states (the same in both runs)",
    },
)


def gru_gates_trace(
    T: int = 5,
    n_a: int = 2,
    seed: int = 0,
    example: int = 8,
    iterations: int = 200,
    learning_rate: float = 0.05,
) -> Trace:
    """Train a GRU on the first-bit memory task, then narrate one sequence (records in the
    module docstring).

    Parameters
    ----------
    T : bits per sequence.
    n_a : hidden units.
    seed : seed of the training data and of the weights.
    example : seed of the one sequence narrated (``memory_task(1, T, example)``).
    iterations : Adam steps on 128 sequences.
    learning_rate : Adam's rate.
    """
    X, Y = memory_task(m=128, T=T, seed=seed)
    model = Sequential(
        [GRU(1, n_a, return_sequences=False, rng=seed), Dense(n_a, 1, "sigmoid", rng=seed + 1)],
        loss="bce",
    )
    history = model.fit(X, Y, learning_rate, iterations, every=iterations, optimizer="adam")
    X_test, Y_test = memory_task(m=512, T=T, seed=seed + 100)
    accuracy = model.accuracy(X_test, Y_test)
    P = model.params
    params = {k[:-1]: P[k] for k in P if k[-1] == "1"}
    x, y = memory_task(m=1, T=T, seed=example)
    pytorch = {**params, "Wu": -params["Wu"], "bu": -params["bu"]}
    meta = {"demo": "gru_gates", "seed": seed, "n_a": n_a, "n_x": 1, "m": 1, "T": T}
    with record(**meta) as tr:
        PARAMS.log(
            **{k: params[k] for k in ("Wu", "bu", "Wr", "br", "Wc", "bc")}, W=P["W2"], b=P["b2"],
            x=x, y=y, update="candidate", reset="before", iterations=iterations,
            cost=history["cost"][-1], accuracy=accuracy, n_test=Y_test.shape[1],
        )  # fmt: skip
        with record() as course:
            gru_forward_loop(x, None, params, update="candidate", reset="before")
        for r in course.find("gru.step"):
            MASKED.log(t=r.info["t"], masked=r["r"] * r["a_prev"])
        with record(case="pytorch") as torch:
            gru_forward_loop(x, None, pytorch, update="state", reset="before")
        with record(case="model"):
            model.forward(x)
        steps = (course.find("gru.step"), torch.find("gru.step"))
        u, z = (np.concatenate([r["u"] for r in run], axis=1) for run in steps)
        READINGS.log(u=u, z=z, a=np.concatenate([r["a"] for r in steps[0]], axis=1))
    return tr
