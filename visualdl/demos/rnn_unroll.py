"""A small character RNN unrolled along time, forward and back: the data of the ``rnn-unroll``
scene.

The language is a :class:`~visualdl.engine.sequence_data.MarkovSource` over ``"abc"`` of
order 2 (each character depends on the two before it, so the state has something to carry).
A :class:`~visualdl.engine.recurrent_layers.SimpleRNN` with ``n_a`` units and a per-step softmax
(:class:`~visualdl.engine.recurrent_layers.TimeDense`) is trained by the engine with Adam on
next-character prediction (not recorded), then one sequence ``x: (3, 1, T)`` of one-hot
characters is run through the engine's narrating loops inside ``record()``:

- section ``case="unroll"`` (``T`` steps): ``rnn.step`` per step (``x_t``, ``a_prev``, ``z``,
  ``a``) from :func:`~visualdl.engine.recurrent_loops.rnn_forward_loop`; the output ``y_hat_t =
  softmax(W_y a_t + b_y)`` with each step's cross-entropy ``L_t`` and the output's gradient
  ``da_t = W_y^T (y_hat_t - y_t)`` (:data:`OUTPUT`, from
  :func:`~visualdl.engine.sequence.time_dense_forward`, ``softmax``, ``cross_entropy``,
  ``output_dZ`` and :func:`~visualdl.engine.sequence.time_dense_backward`); then BPTT:
  ``rnn.step_backward`` per step, latest first (``da`` the output's share, ``da_next`` the
  later steps' share ``W_aa^T dz_{t+1}``, ``dz``, ``da_prev``, ``dxt``) from
  :func:`~visualdl.engine.recurrent_loops.rnn_backward_loop`, its summed gradients
  (:data:`GRADS`) and the sizes of what each step passes back (:data:`FLOW`);
- section ``case="reach"`` (``T_long`` steps of a longer sequence, same weights): the loss of
  the *last* step alone (the earlier labels are all-zero columns, the engine's padding, so
  ``output_dZ`` is 0 there), BPTT again, and ``||dL_T / da_t||`` at every step (:data:`REACH`):
  how far back one loss reaches.

Also :data:`PARAMS` (the trained weights, the characters and the training costs).

Example
-------
>>> from visualdl.demos.rnn_unroll import rnn_unroll_trace
>>> tr = rnn_unroll_trace()
>>> [r.info["t"] for r in tr.find("rnn.step", case="unroll")]
[0, 1, 2, 3, 4]
>>> [r.info["t"] for r in tr.find("rnn.step_backward", case="unroll")]
[4, 3, 2, 1, 0]
>>> reach = tr.last("rnn_unroll_demo.reach")["norm"]
>>> bool(reach[0] < 1e-3 * reach[-1])
True
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import Sequential, SimpleRNN, TimeDense
from visualdl.engine.activations import softmax
from visualdl.engine.losses import cross_entropy, output_dZ
from visualdl.engine.recurrent_loops import rnn_backward_loop, rnn_forward_loop
from visualdl.engine.sequence import time_dense_backward, time_dense_forward
from visualdl.engine.sequence_data import MarkovSource, one_hot_sequences
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["ALPHABET", "FLOW", "GRADS", "OUTPUT", "PARAMS", "REACH", "rnn_unroll_trace"]

ALPHABET = "abc"

PARAMS = declare(
    "rnn_unroll_demo.params",
    arrays={
        "Wax": "(n_a, n_x) input weights",
        "Waa": "(n_a, n_a) recurrent weights",
        "ba": "(n_a, 1)",
        "Wy": "(n_y, n_a) output weights",
        "by": "(n_y, 1)",
    },
    info={
        "alphabet": "the characters, one per one-hot row",
        "chars": "the T input characters of the unrolled sequence",
        "targets": "the T characters to predict (the input one step ahead)",
        "long_chars": "the T_long input characters of the longer sequence",
        "order": "the source's order: characters a next one depends on",
        "iterations": "Adam steps of the training",
        "cost_before": "mean cost per step before training",
        "cost_after": "mean cost per step after training",
        "entropy_rate": "the source's entropy rate in nats: the floor of the cost per step",
    },
)
OUTPUT = declare(
    "rnn_unroll_demo.output",
    arrays={
        "Z": "(n_y, m, T) W_y a_t + b_y",
        "y_hat": "(n_y, m, T) softmax of Z at every step",
        "Y": "(n_y, m, T) one-hot labels: the next characters",
        "L": "(T,) each step's cross-entropy L_t",
        "dZ": "(n_y, m, T) y_hat - Y",
        "da": "(n_a, m, T) W_y^T dZ_t: the output's gradient at each a_t",
    },
    info={"J": "the summed loss sum_t L_t (m = 1)"},
)
GRADS = declare(
    "rnn_unroll_demo.grads",
    arrays={"dWax": "(n_a, n_x)", "dWaa": "(n_a, n_a)", "dba": "(n_a, 1)", "da0": "(n_a, m)"},
)
FLOW = declare(
    "rnn_unroll_demo.flow",
    arrays={
        "t": "(T,) time steps, 0-based",
        "da_norm": "(T,) ||da_t||: the output's share at step t",
        "da_prev_norm": "(T,) ||da_prev||: what step t passes back, W_aa^T dz_t",
    },
)
REACH = declare(
    "rnn_unroll_demo.reach",
    arrays={
        "t": "(T,) time steps, 0-based",
        "norm": "(T,) ||dL_T / da_t||, the last loss's gradient at every a_t",
        "ratio": "(T,) norm / norm at the last step",
    },
    info={"T": "steps of the longer sequence"},
)


def _per_step_loss(y_hat: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``(T,)``: the engine's cross-entropy of each step alone."""
    return np.array(
        [float(cross_entropy(y_hat[:, :, [t]], Y[:, :, [t]])) for t in range(Y.shape[2])]
    )


def rnn_unroll_trace(
    T: int = 5,
    T_long: int = 20,
    n_a: int = 3,
    seed: int = 1,
    iterations: int = 100,
    learning_rate: float = 0.02,
) -> Trace:
    """Train a character RNN briefly, then narrate one ``T``-step sequence forward and
    back and the reach of the last loss over ``T_long`` steps (records in the module
    docstring).

    Parameters
    ----------
    T : steps of the unrolled sequence (the scene draws one copy of the cell per step).
    T_long : steps of the longer sequence whose last loss is followed back.
    n_a : hidden units.
    seed : seed of the source's probabilities, of the weights and of the sampled sequences.
    iterations : Adam steps of the training on 64 sequences of 8 characters.
    learning_rate : Adam's rate.
    """
    src = MarkovSource(ALPHABET, order=2, seed=seed)
    V = src.V
    X_train, Y_train = src.next_character_task(m=64, T=8, seed=seed + 1)
    model = Sequential(
        [SimpleRNN(V, n_a, rng=seed), TimeDense(n_a, V, "softmax", rng=seed + 1)],
        loss="cross_entropy",
    )
    history = model.fit(
        X_train, Y_train, learning_rate, iterations, every=iterations, optimizer="adam"
    )
    P = model.params
    params = {"Wax": P["Wax1"], "Waa": P["Waa1"], "ba": P["ba1"]}
    Wy, by = P["W2"], P["b2"]
    s = src.sample(m=1, T=max(T, T_long) + 1, seed=seed + 2)
    x_all, y_all = one_hot_sequences(s[:, :-1], V), one_hot_sequences(s[:, 1:], V)
    chars = src.text(s)[0]
    meta = {"demo": "rnn_unroll", "seed": seed, "n_a": n_a, "n_x": V, "m": 1, "T": T}
    with record(**meta) as tr:
        PARAMS.log(
            Wax=params["Wax"], Waa=params["Waa"], ba=params["ba"], Wy=Wy, by=by,
            alphabet=ALPHABET, chars=chars[:T], targets=chars[1 : T + 1],
            long_chars=chars[:T_long], order=src.order, iterations=iterations,
            cost_before=history["step_cost"][0] / 8, cost_after=history["step_cost"][-1] / 8,
            entropy_rate=src.entropy_rate(),
        )  # fmt: skip
        with record(case="unroll") as unroll:
            x, Y = x_all[:, :, :T], y_all[:, :, :T]
            a, caches = rnn_forward_loop(x, None, params)
            Z, cache = time_dense_forward(a, Wy, by)
            y_hat = softmax(Z)
            L = _per_step_loss(y_hat, Y)
            dZ = output_dZ(y_hat, Y)
            da = time_dense_backward(dZ, cache)[0]
            OUTPUT.log(Z=Z, y_hat=y_hat, Y=Y, L=L, dZ=dZ, da=da, J=float(cross_entropy(y_hat, Y)))
            grads = rnn_backward_loop(da, caches)
            GRADS.log(**{k: grads[k] for k in ("dWax", "dWaa", "dba", "da0")})
            back = sorted(unroll.find("rnn.step_backward"), key=lambda r: r.info["t"])
            FLOW.log(
                t=np.arange(T),
                da_norm=np.array([np.linalg.norm(r["da"]) for r in back]),
                da_prev_norm=np.array([np.linalg.norm(r["da_prev"]) for r in back]),
            )
        with record(case="reach") as reach:
            x, Y = x_all[:, :, :T_long], y_all[:, :, :T_long].copy()
            Y[:, :, :-1] = 0.0  # padding: only the last step's label counts
            a, caches = rnn_forward_loop(x, None, params)
            Z, cache = time_dense_forward(a, Wy, by)
            da = time_dense_backward(output_dZ(softmax(Z), Y), cache)[0]
            rnn_backward_loop(da, caches)
            back = sorted(reach.find("rnn.step_backward"), key=lambda r: r.info["t"])
            norm = np.array([np.linalg.norm(r["da"] + r["da_next"]) for r in back])
            REACH.log(t=np.arange(T_long), norm=norm, ratio=norm / norm[-1], T=T_long)
    return tr
