"""A tiny trained LSTM remembers the first bit: the data of the ``lstm-gates`` scene.

A 2-unit LSTM (``n_x = 1``, ``return_sequences=False``) under a ``Dense(n_a, 1, sigmoid)``
output is trained by the engine (``Sequential``, BCE, Adam) on the memory task
(:func:`~visualdl.engine.sequence_data.memory_task`: ``T`` bits ``+-1``, the label is the
first one, so the cell has to carry ``x_1`` through ``T - 1`` steps of noise). Then the
trained layer's parameters are copied into the engine's narrating loop version and run on one
test sequence ``bits`` (``m = 1``):
:func:`~visualdl.engine.recurrent_loops.lstm_forward_loop` records every gate at every step,
the trained ``Dense`` layer reads the last state, the model's cost and the output layer's
backward give ``da_T`` (``dZ = y_hat - y`` through ``W^T``), and
:func:`~visualdl.engine.recurrent_loops.lstm_backward_loop` carries it back through time.

Records:

- ``lstm.step`` (``t = 0 .. T-1``: ``x_t, a_prev, c_prev``, every gate's ``z`` and value,
  ``c``, ``a``) and ``lstm.step_backward`` (``t = T-1 .. 0``: ``da, dc, ..., dc_prev = dc * f``,
  ``da_prev``), from the loops;
- ``dense2.forward``, ``model.cost`` and ``dense2.backward`` (its ``dA_prev`` is ``da_T``), from
  the trained output layer and the model;
- ``lstm_gates_demo.params`` (:data:`PARAMS`): the trained gates' ``W{f,i,c,o}``,
  ``b{f,i,c,o}`` the loop ran with;
- ``lstm_gates_demo.sequence`` (:data:`SEQUENCE`): the test sequence ``x: (1, 1, T)``, its
  label, and the loops' per-step arrays side by side over time, ``(n_a, T)`` (``f``, ``c``,
  ``dc``, ``dc_prev``, ``da``), for the pictures that show a whole row of steps;
- ``lstm_gates_demo.model`` (:data:`MODEL`): how the model was trained and what it learned:
  its accuracy on ``n_fresh`` fresh sequences, and per unit how often the sign of ``c_T`` tells
  the first bit and its mean forget gate; ``holder`` is the unit with the highest mean forget
  gate, the one that keeps its cell;
- ``lstm_gates_demo.scale`` (:data:`SCALE`): the colour ranges of the cell states and of the
  gradients along the cell path (``dc``) and the hidden path (``da``).

Example
-------
>>> from visualdl.demos.lstm_gates import lstm_gates_trace
>>> tr = lstm_gates_trace()
>>> [r.info["t"] for r in tr.find("lstm.step")], tr.last("lstm_gates_demo.model").info["accuracy"]
([0, 1, 2, 3, 4], 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import LSTM, Dense, Sequential
from visualdl.engine.losses import output_dZ
from visualdl.engine.lstm import GATES, lstm_forward
from visualdl.engine.recurrent_loops import lstm_backward_loop, lstm_forward_loop
from visualdl.engine.sequence_data import memory_task
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["BITS", "MODEL", "PARAMS", "SCALE", "SEQUENCE", "lstm_gates_trace"]

#: The test sequence: the first bit is the label; the later bits disagree with it twice.
BITS = (1, -1, -1, 1, -1)

_S = "(n_a, T) over time, column t is the loop's step t"
PARAMS = declare(
    "lstm_gates_demo.params",
    arrays={
        **{f"W{g}": "(n_a, n_a + n_x) the trained gate's weights" for g in GATES},
        **{f"b{g}": "(n_a, 1) the trained gate's bias" for g in GATES},
    },
)
SEQUENCE = declare(
    "lstm_gates_demo.sequence",
    arrays={
        "x": "(1, 1, T) the test bits",
        "y": "(1, 1) its label, the first bit as 0/1",
        "f": _S + ": lstm.step's f",
        "c": _S + ": lstm.step's c",
        "dc": _S + ": lstm.step_backward's dc",
        "dc_prev": _S + ": lstm.step_backward's dc_prev = dc * f",
        "da": _S + ": lstm.step_backward's da",
    },
)
MODEL = declare(
    "lstm_gates_demo.model",
    info={
        "seed": "seed of the weights, the training data and the mini-batches",
        "T": "steps per sequence",
        "n_a": "hidden units",
        "m": "training sequences",
        "num_iterations": "epochs of Adam",
        "learning_rate": "Adam's alpha",
        "batch_size": "mini-batch size",
        "cost": "the last epoch's cost",
        "n_fresh": "fresh sequences the model is tested on",
        "accuracy": "fraction of the fresh sequences classified right",
        "tells": "per unit: fraction of fresh sequences whose first bit sign(c_T) tells "
        "(either way round)",
        "f_mean": "per unit: the mean forget gate over the fresh sequences' steps 2..T",
        "holder": "0-based index of the unit with the highest f_mean: it keeps its cell",
        "prediction": "the model's label for the test sequence (y_hat > 0.5)",
    },
)
SCALE = declare(
    "lstm_gates_demo.scale",
    info={
        "cell": "the largest |c_t| of the test sequence: the cell states' colour range",
        "dc": "the largest |dc| or |dc_prev| of the backward: the cell path's colour range",
        "da": "the largest |da| or |da_prev| of the backward: the hidden path's colour range",
    },
)


def _train(T: int, n_a: int, seed: int, m: int, num_iterations: int, learning_rate: float,
           batch_size: int) -> tuple[Sequential, float]:  # fmt: skip
    """The model, trained on ``m`` sequences of the memory task, and its last cost."""
    X, Y = memory_task(m, T, seed=seed)
    model = Sequential(
        [LSTM(1, n_a, return_sequences=False, rng=seed), Dense(n_a, 1, "sigmoid", "xavier", seed)],
        loss="bce",
    )
    history = model.fit(
        X, Y, learning_rate, num_iterations, optimizer="adam", batch_size=batch_size, seed=seed
    )
    return model, float(history["cost"][-1])


def _largest(arrays: list) -> float:
    """The largest ``|v|`` over ``arrays`` (1 when all are 0)."""
    top = max(float(np.abs(a).max()) for a in arrays)
    return top if top > 0 else 1.0


def _lstm_params(model: Sequential) -> dict[str, np.ndarray]:
    """The LSTM layer's parameters without the layer number: ``Wf, bf, ...``."""
    p = model.params
    return {f"{w}{g}": p[f"{w}{g}1"].copy() for g in GATES for w in "Wb"}


def lstm_gates_trace(
    bits: Sequence[int] = BITS,
    n_a: int = 2,
    seed: int = 0,
    m: int = 256,
    num_iterations: int = 20,
    learning_rate: float = 0.02,
    batch_size: int = 64,
    n_fresh: int = 2000,
) -> Trace:
    """Train the model on sequences as long as ``bits``, test it on ``n_fresh`` fresh ones,
    then record the narrating loops on ``bits`` (records in the module docstring).

    Parameters
    ----------
    bits : the test sequence, each ``+1`` or ``-1``; its length is ``T`` for the training too.
    n_a : hidden units of the LSTM.
    seed : seed of the weights, of the training sequences and of the mini-batches (the fresh
        sequences use ``seed + 10000``).
    m, num_iterations, learning_rate, batch_size : the training (Adam, mini-batches).
    n_fresh : fresh sequences for the accuracy and the units' statistics.
    """
    if isinstance(bits, str) or not len(bits) or any(b not in (-1, 1) for b in bits):
        raise ValueError(
            f"lstm_gates_trace: bits must be a non-empty sequence of +1 and -1, got {bits!r:.80}"
        )
    bits = [int(b) for b in bits]
    T = len(bits)
    model, cost = _train(T, n_a, seed, m, num_iterations, learning_rate, batch_size)
    params = _lstm_params(model)
    X_fresh, Y_fresh = memory_task(n_fresh, T, seed=seed + 10_000)
    accuracy = model.accuracy(X_fresh, Y_fresh)
    _, fresh = lstm_forward(X_fresh, None, params)  # the fast op: nothing recorded
    first = X_fresh[0, :, 0] > 0
    agree = ((fresh["c"][:, :, -1] > 0) == first).mean(axis=1)
    tells = np.maximum(agree, 1.0 - agree)
    f_mean = fresh["f"][:, :, 1:].mean(axis=(1, 2))
    x = np.array(bits, dtype=float).reshape(1, 1, T)
    y = np.array([[1.0 if bits[0] > 0 else 0.0]])
    out = model.layers[-1]
    meta = {"demo": "lstm_gates", "seed": seed, "T": T, "n_a": n_a, "bits": bits}
    with record(**meta) as tr:
        PARAMS.add(tr, **params)
        a, caches = lstm_forward_loop(x, None, params)
        AL = out.forward(a[:, :, -1])
        model.cost(AL, y)
        da_T = out.backward(dZ=output_dZ(AL, y))
        da = np.zeros_like(a)
        da[:, :, -1] = da_T
        lstm_backward_loop(da, caches)
    steps = tr.find("lstm.step")
    back = sorted(tr.find("lstm.step_backward"), key=lambda r: r.info["t"])

    def over_time(records: list, key: str) -> np.ndarray:
        return np.concatenate([r[key] for r in records], axis=1)

    SEQUENCE.add(
        tr,
        x=x,
        y=y,
        f=over_time(steps, "f"),
        c=over_time(steps, "c"),
        **{k: over_time(back, k) for k in ("dc", "dc_prev", "da")},
    )
    MODEL.add(
        tr,
        seed=seed,
        T=T,
        n_a=n_a,
        m=m,
        num_iterations=num_iterations,
        learning_rate=learning_rate,
        batch_size=batch_size,
        cost=cost,
        n_fresh=n_fresh,
        accuracy=accuracy,
        tells=tells.tolist(),
        f_mean=f_mean.tolist(),
        holder=int(np.argmax(f_mean)),
        prediction=int(model.predict(x)[0, 0]),
    )
    cells = [r[k] for r in steps for k in ("c", "c_prev")]
    SCALE.add(
        tr,
        cell=_largest(cells),
        dc=_largest([r[k] for r in back for k in ("dc", "dc_prev")]),
        da=_largest([r[k] for r in back for k in ("da", "da_prev")]),
    )
    return tr
