"""A small LSTM trained on the first-bit memory task, and its gates over time.

The model is the engine's ``Sequential([LSTM(1, n_a, return_sequences=False), Dense(n_a, 1,
"sigmoid")])`` with the binary cross-entropy, trained with Adam on
:func:`~visualdl.engine.sequence_data.memory_task`: ``T`` random bits ``+-1``, the label the
first one. Only ``x_1`` tells the label, so the cell must carry one bit across ``T - 1`` steps
of noise.

After training, one held-out sequence and its copy with the first bit flipped (every later
bit the same) go through the trained model once, inside ``record()``: the layer's own
``lstm1.forward`` record holds every gate ``f_t, i_t, o_t``, the candidate ``cc_t`` and the
cell ``c_t``, each ``(n_a, 2, T)``, sequence 0 the one whose first bit is 0 (``x_1 = -1``).

The demo adds ``lstm_gate_activations.model`` (:data:`MODEL`: the training's costs and the
held-out accuracy) and ``lstm_gate_activations.memory`` (:data:`MEMORY`): the unit whose
``c_T`` differs most between the two sequences, how well the sign of that unit's ``c_T``
alone tells the label of the held-out set, its forget gate after the first step along the
sequence where it holds the larger value, and from which step its cell and candidate have
the first bit's sign in both sequences.

Example
-------
>>> from visualdl.demos.lstm_gate_activations import lstm_gate_activations
>>> tr = lstm_gate_activations(T=6, n_a=2, m=32, epochs=2)
>>> tr.last("lstm1.forward")["f"].shape
(2, 2, 6)
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential
from visualdl.engine.recurrent_layers import LSTM
from visualdl.engine.sequence_data import memory_task
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["MEMORY", "MODEL", "lstm_gate_activations", "memory_model"]

MODEL = declare(
    "lstm_gate_activations.model",
    arrays={"cost": "(epochs,) the training cost after every pass"},
    info={
        "seed": "seed of the weights, the data and the shuffling",
        "T": "sequence length",
        "n_a": "LSTM units",
        "m": "training sequences",
        "m_test": "held-out sequences",
        "epochs": "passes over the training set",
        "batch_size": "mini-batch size",
        "learning_rate": "Adam's learning rate",
        "accuracy": "held-out accuracy of the trained model",
    },
)
MEMORY = declare(
    "lstm_gate_activations.memory",
    arrays={"p": "(2,) the model's P(first bit = 1) for the two shown sequences"},
    info={
        "unit": "0-based unit whose c_T differs most between the two shown sequences",
        "c_T": "that unit's c_T for the first bit 0 and 1",
        "sign_accuracy": "held-out accuracy of the sign of that unit's c_T alone as the label",
        "held": "the shown sequence (0 or 1) where that unit's |c_T| is larger",
        "f_mean": "that unit's mean forget gate over t >= 2 in the held sequence",
        "f_min": "that unit's smallest forget gate over t >= 2 in the held sequence",
        "f_max": "that unit's largest forget gate over t >= 2 in the held sequence",
        "c_apart_from": "1-based step from which that unit's c_t has opposite signs in the "
        "two sequences up to T (None if not at T)",
        "cc_apart_from": "the same for its candidate cc_t",
        "cc_min_abs": "that unit's smallest |cc_t| from cc_apart_from on, both sequences",
    },
)


def _apart_from(v: np.ndarray) -> int | None:
    """The 1-based step from which the two rows of ``v: (2, T)`` have opposite signs up to
    the end (None when they do not at the end)."""
    apart = np.sign(v[0]) != np.sign(v[1])
    if not apart[-1]:
        return None
    together = np.flatnonzero(~apart)
    return int(together[-1]) + 2 if together.size else 1


def memory_model(n_a: int, seed: int) -> Sequential:
    """The LSTM classifier of the module, weights drawn with ``seed``."""
    return Sequential(
        [
            LSTM(1, n_a, return_sequences=False, rng=seed),
            Dense(n_a, 1, "sigmoid", "xavier", rng=seed + 1),
        ],
        loss="bce",
    )


def lstm_gate_activations(
    seed: int = 7,
    T: int = 20,
    n_a: int = 6,
    m: int = 256,
    epochs: int = 150,
    batch_size: int = 64,
    learning_rate: float = 0.01,
    m_test: int = 500,
) -> Trace:
    """Train the model, then record its gates on a held-out sequence and its first-bit twin
    (see the module)."""
    X, Y = memory_task(m, T, seed=seed)
    X_test, Y_test = memory_task(m_test, T, seed=seed + 100)
    model = memory_model(n_a, seed)
    history = model.fit(
        X,
        Y,
        optimizer="adam",
        learning_rate=learning_rate,
        num_iterations=epochs,
        batch_size=batch_size,
        seed=seed,
        every=1,
    )
    twins = np.repeat(X_test[:, :1, :], 2, axis=1)
    twins[0, :, 0] = (-1.0, 1.0)  # first bit 0, then 1; every later bit the same
    with record() as tr:
        p = model.forward(twins)
    tr.meta = {"demo": "lstm_gate_activations", "seed": seed, "T": T, "n_a": n_a}
    MODEL.add(
        tr,
        seed=seed,
        T=T,
        n_a=n_a,
        m=m,
        m_test=m_test,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        accuracy=model.accuracy(X_test, Y_test),
        cost=np.array(history["cost"]),
    )
    gates = tr.last("lstm1.forward")
    c, f, cc = gates["c"], gates["f"], gates["cc"]
    unit = int(np.argmax(np.abs(c[:, 1, -1] - c[:, 0, -1])))
    with record() as held_out:
        model.forward(X_test)
    c_test = held_out.last("lstm1.forward")["c"][unit, :, -1]
    says_one = c_test > 0 if c[unit, 1, -1] > c[unit, 0, -1] else c_test < 0
    held = int(np.argmax(np.abs(c[unit, :, -1])))
    cc_from = _apart_from(cc[unit])
    MEMORY.add(
        tr,
        unit=unit,
        c_T=[float(c[unit, 0, -1]), float(c[unit, 1, -1])],
        sign_accuracy=float(np.mean(says_one == (Y_test[0] == 1))),
        held=held,
        f_mean=float(f[unit, held, 1:].mean()),
        f_min=float(f[unit, held, 1:].min()),
        f_max=float(f[unit, held, 1:].max()),
        c_apart_from=_apart_from(c[unit]),
        cc_apart_from=cc_from,
        cc_min_abs=None if cc_from is None else float(np.abs(cc[unit, :, cc_from - 1 :]).min()),
        p=p[0],
    )
    return tr
