"""Exercises of the chapter "Sequence models: RNN, LSTM and GRU".

The column layout of the notes: one step's input is ``xt: (n_x, m)``, a state
``a_prev: (n_a, m)``, a gate's weights act on the concatenation ``[a_prev; xt]``
(``W: (n_a, n_a + n_x)``, ``b: (n_a, 1)``), a sequence is ``(n, m, T)``. Every case has ``m``
different from every width (and from ``n_a + n_x``), and ``n_x != n_a``, so a transpose, a
broadcast over the wrong axis or the concatenation in the wrong order cannot pass by accident.

Example
-------
>>> [ex.name for ex in EXERCISES]
['rnn_cell_backward', 'lstm_cell_forward', 'lstm_backward_bug_hunt', 'gru_cell_forward']
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import gru, lstm, rnn
from visualdl.engine.activations import sigmoid, softmax
from visualdl.engine.losses import output_dZ
from visualdl.engine.sequence import time_dense_backward
from visualdl.exercises.exercise import Exercise, Mistake
from visualdl.registry import RNN

__all__ = ["EXERCISES"]

SHAPES = ((3, 5, 7), (4, 2, 9), (2, 6, 5))
"""(n_x, n_a, m) of the cell cases: m differs from n_x, n_a and n_a + n_x."""

SEQUENCES = ((3, 4, 2, 5, 6), (2, 3, 4, 7, 5), (4, 5, 3, 2, 6))
"""(n_x, n_a, n_y, m, T) of the sequence cases: m and T differ from every width."""


def _gates(rng: np.random.Generator, gates: str, n_x: int, n_a: int) -> dict:
    return {f"W{g}": rng.standard_normal((n_a, n_a + n_x)) for g in gates} | {
        f"b{g}": rng.standard_normal((n_a, 1)) for g in gates
    }


# -- rnn_cell_backward ---------------------------------------------------------------------


def _rnn_cell(rng: np.random.Generator) -> list[dict]:
    cases = []
    for n_x, n_a, m in SHAPES:
        p = {
            "Wax": rng.standard_normal((n_a, n_x)),
            "Waa": rng.standard_normal((n_a, n_a)),
            "ba": rng.standard_normal((n_a, 1)),
        }
        xt, a_prev = rng.standard_normal((n_x, m)), np.tanh(rng.standard_normal((n_a, m)))
        a_next, _ = rnn.rnn_cell_forward(xt, a_prev, p)
        cases.append(
            {
                "da_next": rng.standard_normal((n_a, m)),
                "xt": xt,
                "a_prev": a_prev,
                "a_next": a_next,
                "Wax": p["Wax"],
                "Waa": p["Waa"],
            }
        )
    return cases


def _rnn_cell_backward(da_next, xt, a_prev, a_next, Wax, Waa):
    cache = {"a": a_next, "xt": xt, "a_prev": a_prev, "Wax": Wax, "Waa": Waa}
    d = rnn.rnn_cell_backward(da_next, cache)
    return d["dxt"], d["da_prev"], d["dWax"], d["dWaa"], d["dba"]


def _rnn_backward_from_dz(dz, xt, a_prev, Wax, Waa, transpose_dWaa=False, m=None):
    m = m or xt.shape[1]
    dWaa = (a_prev @ dz.T if transpose_dWaa else dz @ a_prev.T) / m
    return Wax.T @ dz, Waa.T @ dz, dz @ xt.T / m, dWaa, dz.sum(axis=1, keepdims=True) / m


def _rnn_tanh_prime_of_a_prev(da_next, xt, a_prev, a_next, Wax, Waa):
    return _rnn_backward_from_dz(da_next * (1 - a_prev**2), xt, a_prev, Wax, Waa)


def _rnn_no_tanh_prime(da_next, xt, a_prev, a_next, Wax, Waa):
    return _rnn_backward_from_dz(da_next, xt, a_prev, Wax, Waa)


def _rnn_tanh_of_a_next(da_next, xt, a_prev, a_next, Wax, Waa):
    return _rnn_backward_from_dz(da_next * (1 - np.tanh(a_next) ** 2), xt, a_prev, Wax, Waa)


def _rnn_dWaa_transposed(da_next, xt, a_prev, a_next, Wax, Waa):
    dz = da_next * (1 - a_next**2)
    return _rnn_backward_from_dz(dz, xt, a_prev, Wax, Waa, transpose_dWaa=True)


def _rnn_no_mean(da_next, xt, a_prev, a_next, Wax, Waa):
    return _rnn_backward_from_dz(da_next * (1 - a_next**2), xt, a_prev, Wax, Waa, m=1)


# -- lstm_cell_forward ---------------------------------------------------------------------


def _lstm_cell(rng: np.random.Generator) -> list[dict]:
    return [
        {
            "xt": rng.standard_normal((n_x, m)),
            "a_prev": rng.standard_normal((n_a, m)),
            "c_prev": rng.standard_normal((n_a, m)),
        }
        | _gates(rng, "fico", n_x, n_a)
        for n_x, n_a, m in SHAPES
    ]


def _lstm_cell_forward(xt, a_prev, c_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo):
    p = {"Wf": Wf, "bf": bf, "Wi": Wi, "bi": bi, "Wc": Wc, "bc": bc, "Wo": Wo, "bo": bo}
    a_next, c_next, _ = lstm.lstm_cell_forward(xt, a_prev, c_prev, p)
    return a_next, c_next


def _lstm_variant(how: str):
    """The LSTM step with one mistake, ``how``, and everything else right."""

    def lstm_cell_forward(xt, a_prev, c_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo):
        concat = np.concatenate([xt, a_prev] if how == "concat_order" else [a_prev, xt])
        f, i, o = (sigmoid(W @ concat + b) for W, b in ((Wf, bf), (Wi, bi), (Wo, bo)))
        cc = (sigmoid if how == "candidate_sigmoid" else np.tanh)(Wc @ concat + bc)
        if how == "forget_and_input_swapped":
            f, i = i, f
        c_next = f * c_prev + (cc if how == "input_gate_missing" else i * cc)
        a_next = o * (c_next if how == "no_tanh_on_c" else np.tanh(c_next))
        return a_next, c_next

    return lstm_cell_forward


# -- lstm_backward_bug_hunt ----------------------------------------------------------------


def _lstm_output(rng: np.random.Generator) -> list[dict]:
    """A real LSTM run forward with a softmax output layer; ``dh_next`` by the engine's cell
    backward, step by step from the last one, as the rest of the notes' loop computes it."""
    cases = []
    for n_x, n_a, n_y, m, T in SEQUENCES:
        p = _gates(rng, "fico", n_x, n_a)
        Wy, by = rng.standard_normal((n_y, n_a)), rng.standard_normal((n_y, 1))
        x = rng.standard_normal((n_x, m, T))
        Y = np.moveaxis(np.eye(n_y)[rng.integers(0, n_y, (m, T))], -1, 0)
        a_t, c_t, a, caches = np.zeros((n_a, m)), np.zeros((n_a, m)), np.zeros((n_a, m, T)), []
        for t in range(T):
            a_t, c_t, cache = lstm.lstm_cell_forward(x[:, :, t], a_t, c_t, p)
            a[:, :, t] = a_t
            caches.append(cache)
        Y_hat = np.stack([softmax(Wy @ a[:, :, t] + by) for t in range(T)], axis=-1)
        dh_next, dc_next = np.zeros((n_a, m, T)), np.zeros((n_a, m))
        for t in reversed(range(1, T)):
            dh = Wy.T @ (Y_hat[:, :, t] - Y[:, :, t]) + dh_next[:, :, t]
            d = lstm.lstm_cell_backward(dh, dc_next, caches[t])
            dh_next[:, :, t - 1], dc_next = d["da_prev"], d["dc_prev"]
        cases.append({"a": a, "Y_hat": Y_hat, "Y": Y, "Wy": Wy, "dh_next": dh_next})
    return cases


def _lstm_output_backward(a, Y_hat, Y, Wy, dh_next):
    da, dWy, dby = time_dense_backward(output_dZ(Y_hat, Y), {"a": a, "Wy": Wy})
    return dWy, dby, da + dh_next


LSTM_NOTES = '''\
import numpy as np


def lstm_backward(a, Y_hat, Y, Wy, dh_next):
    """The notes' LSTM backward, output layer part (A43). dWy and dby are wrong: find why."""
    n_a, m, T = a.shape
    dh = np.zeros_like(a)
    for t in reversed(range(T)):
        dy_t = Y_hat[:, :, t] - Y[:, :, t]
        dWy = dy_t @ dh_next[:, :, t].T / m  # the notes: dw_hy = dy_t @ dh_next.T
        dby = np.sum(dy_t, axis=1, keepdims=True) / m  # the notes: db_y = dy_t
        dh[:, :, t] = Wy.T @ dy_t + dh_next[:, :, t]  # dh_t = w_hy^T dy_t + dh_next
    return dWy, dby, dh
'''
"""The starter: the notes' pseudo-code made to run (the mistake ``lstm_dw_hy_notes``,
``_lstm_variant_backward("dh_next", accumulate=False)``, computes the same)."""


def _lstm_variant_backward(operand: str, accumulate: bool, mean: bool = True):
    """The output layer's backward with ``dWy`` from ``dy_t @ operand_t^T``, added up over the
    steps (``accumulate``) or overwritten at each one (the value of step 0 is left), as
    :data:`LSTM_NOTES` with ``("dh_next", False)``."""

    def lstm_backward(a, Y_hat, Y, Wy, dh_next):
        n_a, m, T = a.shape
        m = m if mean else 1
        dWy, dby, dh = 0.0, 0.0, np.zeros_like(a)
        for t in reversed(range(T)):
            dy_t = Y_hat[:, :, t] - Y[:, :, t]
            step_W = dy_t @ (dh_next if operand == "dh_next" else a)[:, :, t].T / m
            step_b = np.sum(dy_t, axis=1, keepdims=True) / m
            dWy = dWy + step_W if accumulate else step_W
            dby = dby + step_b if accumulate else step_b
            dh[:, :, t] = Wy.T @ dy_t + dh_next[:, :, t]
        return dWy, dby, dh

    return lstm_backward


# -- gru_cell_forward ----------------------------------------------------------------------


def _gru_cell(rng: np.random.Generator) -> list[dict]:
    return [
        {"xt": rng.standard_normal((n_x, m)), "a_prev": rng.standard_normal((n_a, m))}
        | _gates(rng, "urc", n_x, n_a)
        for n_x, n_a, m in SHAPES
    ]


def _gru(update: str = "candidate", reset: str = "before"):
    """The engine's GRU step with the conventions ``update`` and ``reset``."""

    def gru_cell_forward(xt, a_prev, Wu, bu, Wr, br, Wc, bc):
        p = {"Wu": Wu, "bu": bu, "Wr": Wr, "br": br, "Wc": Wc, "bc": bc}
        return gru.gru_cell_forward(xt, a_prev, p, update=update, reset=reset)[0]

    return gru_cell_forward


def _gru_no_reset(xt, a_prev, Wu, bu, Wr, br, Wc, bc):
    concat = np.concatenate([a_prev, xt])
    u, cc = sigmoid(Wu @ concat + bu), np.tanh(Wc @ concat + bc)
    return u * cc + (1 - u) * a_prev


EXERCISES = (
    Exercise(
        "rnn_cell_backward",
        RNN,
        "One step of the RNN cell backward",
        "The cell's forward was a_next = tanh(Waa a_prev + Wax xt + ba). Given da_next: "
        "(n_a, m) (the whole gradient reaching a_next, per example), and what the forward "
        "kept: xt: (n_x, m), a_prev: (n_a, m), a_next: (n_a, m), Wax: (n_a, n_x), "
        "Waa: (n_a, n_a), return the step's gradients; the weights' are of the mean cost "
        "(the 1/m is theirs):\n"
        "    dz = da_next * (1 - a_next^2)              tanh'(z) = 1 - tanh(z)^2\n"
        "    dxt = Wax^T dz                             (n_x, m)\n"
        "    da_prev = Waa^T dz                         (n_a, m)\n"
        "    dWax = (1/m) dz xt^T                       (n_a, n_x)\n"
        "    dWaa = (1/m) dz a_prev^T                   (n_a, n_a)\n"
        "    dba = (1/m) sum(dz, axis=1, keepdims=True)   (n_a, 1)\n"
        "Return (dxt, da_prev, dWax, dWaa, dba).",
        "def rnn_cell_backward(da_next, xt, a_prev, a_next, Wax, Waa)",
        _rnn_cell_backward,
        _rnn_cell,
        (
            Mistake(
                "tanh_prime_of_a_prev",
                "tanh' is taken at this step's output: dz = da_next * (1 - a_next^2), "
                "not 1 - a_prev^2",
                _rnn_tanh_prime_of_a_prev,
            ),
            Mistake(
                "no_tanh_prime",
                "the gradient goes through the tanh first: dz = da_next * (1 - a_next^2), "
                "then the products",
                _rnn_no_tanh_prime,
            ),
            Mistake(
                "tanh_of_a_next",
                "a_next is already tanh(z): tanh'(z) = 1 - a_next^2, not 1 - tanh(a_next)^2",
                _rnn_tanh_of_a_next,
            ),
            Mistake(
                "dWaa_transposed",
                "dWaa is dz a_prev^T, (n_a, n_a) either way round: the rows of dWaa belong to "
                "a_next, so dz comes first",
                _rnn_dWaa_transposed,
            ),
            Mistake(
                "missing_1_over_m",
                "dWax, dWaa and dba are the sum over the m examples, not the mean: divide "
                "them by m",
                _rnn_no_mean,
            ),
        ),
        ("dxt", "da_prev", "dWax", "dWaa", "dba"),
        row="rnn_cell",
    ),
    Exercise(
        "lstm_cell_forward",
        RNN,
        "One LSTM step forward",
        "Given xt: (n_x, m), a_prev, c_prev: (n_a, m), and for each gate g in f, i, c, o "
        "Wg: (n_a, n_a + n_x) and bg: (n_a, 1), with concat = [a_prev; xt] (a_prev on top, "
        "(n_a + n_x, m)):\n"
        "    f = sigma(Wf concat + bf)      forget gate\n"
        "    i = sigma(Wi concat + bi)      input (update) gate\n"
        "    c~ = tanh(Wc concat + bc)      candidate\n"
        "    o = sigma(Wo concat + bo)      output gate\n"
        "    c_next = f * c_prev + i * c~\n"
        "    a_next = o * tanh(c_next)\n"
        "Return (a_next, c_next), each (n_a, m).",
        "def lstm_cell_forward(xt, a_prev, c_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo)",
        _lstm_cell_forward,
        _lstm_cell,
        (
            Mistake(
                "no_tanh_on_c",
                "the output gate multiplies the squashed cell: a_next = o * tanh(c_next), "
                "not o * c_next",
                _lstm_variant("no_tanh_on_c"),
            ),
            Mistake(
                "input_gate_missing",
                "the input gate i selects the candidate: c_next = f * c_prev + i * c~",
                _lstm_variant("input_gate_missing"),
            ),
            Mistake(
                "forget_and_input_swapped",
                "the forget gate f multiplies the old cell c_prev and the input gate i the "
                "candidate c~, not the other way round",
                _lstm_variant("forget_and_input_swapped"),
            ),
            Mistake(
                "candidate_sigmoid",
                "the candidate c~ is a tanh (values in (-1, 1)), not a sigmoid like the gates",
                _lstm_variant("candidate_sigmoid"),
            ),
            Mistake(
                "concat_order",
                "the concatenation is [a_prev; xt], a_prev on top: the first n_a columns of "
                "each W act on a_prev",
                _lstm_variant("concat_order"),
            ),
        ),
        ("a_next", "c_next"),
        row="lstm_cell",
    ),
    Exercise(
        "lstm_backward_bug_hunt",
        RNN,
        "Bug hunt: the notes' dw_hy in the LSTM backward",
        "The LSTM ran T steps; at each its output layer read the state: "
        "y_hat_t = softmax(Wy a_t + by), with the cost J = (1/m) sum_t sum_examples "
        "CE(y_hat_t, y_t). The starter is the output-layer part of the notes' backward "
        "(A43), walking back from t = T-1 to 0. Given a: (n_a, m, T) the states, Y_hat, Y: "
        "(n_y, m, T) the outputs and the one-hot labels, Wy: (n_y, n_a), and dh_next: "
        "(n_a, m, T), where dh_next[:, :, t] is the gradient reaching a_t from step t+1 "
        "through the cells (the rest of the notes' loop; 0 at the last step), it should "
        "return\n"
        "    dy_t = y_hat_t - y_t\n"
        "    dWy = (1/m) sum_t dy_t a_t^T                    (n_y, n_a)\n"
        "    dby = (1/m) sum_t sum(dy_t, axis=1, keepdims=True)   (n_y, 1)\n"
        "    dh_t = Wy^T dy_t + dh_next_t  for every t         (n_a, m, T)\n"
        "in that order. dWy and dby are wrong (a gradient check of Wy fails, relative error about "
        "0.75 on a random LSTM): find why and fix the starter.",
        "def lstm_backward(a, Y_hat, Y, Wy, dh_next)",
        _lstm_output_backward,
        _lstm_output,
        (
            Mistake(
                "lstm_dw_hy_notes",
                "the notes' dw_hy = dy_t @ dh_next.T, db_y = dy_t: dWy multiplies dy_t by "
                "the state the output read, a_t, and dWy and dby add up over the T steps",
                _lstm_variant_backward("dh_next", accumulate=False),
            ),
            Mistake(
                "overwritten_each_step",
                "dWy and dby are sums over the T steps: add each step's share (+=) instead "
                "of overwriting it",
                _lstm_variant_backward("a", accumulate=False),
            ),
            Mistake(
                "dh_next_in_dWy",
                "the output layer read a_t, so dWy adds dy_t a_t^T, not dy_t dh_next_t^T",
                _lstm_variant_backward("dh_next", accumulate=True),
            ),
            Mistake(
                "missing_1_over_m",
                "dWy and dby are the sum over the m examples, not the mean: divide them by m",
                _lstm_variant_backward("a", accumulate=True, mean=False),
            ),
        ),
        ("dWy", "dby", "dh"),
        starter=LSTM_NOTES,
        row="lstm",
    ),
    Exercise(
        "gru_cell_forward",
        RNN,
        "One GRU step forward",
        "Given xt: (n_x, m), a_prev: (n_a, m), and for each of the update gate u, the reset "
        "gate r and the candidate c: Wg: (n_a, n_a + n_x), bg: (n_a, 1):\n"
        "    u = sigma(Wu [a_prev; xt] + bu)              update gate (the course's Gamma_u)\n"
        "    r = sigma(Wr [a_prev; xt] + br)              reset gate (Gamma_r)\n"
        "    c~ = tanh(Wc [r * a_prev; xt] + bc)          r resets a_prev before the product\n"
        "    a_next = u * c~ + (1 - u) * a_prev           u weights the NEW candidate\n"
        "Return a_next: (n_a, m). This is the engine's default and the course's convention "
        "(the notes' GRU section writes this u as z). Cho et al., PyTorch and the notes' "
        "survey chapter write z for the gate on the old state, a_next = (1 - z) * c~ + "
        "z * a_prev, i.e. z = 1 - u; PyTorch also resets after the product, r * (W a_prev). "
        "Here: the form above.",
        "def gru_cell_forward(xt, a_prev, Wu, bu, Wr, br, Wc, bc)",
        _gru(),
        _gru_cell,
        (
            Mistake(
                "update_swapped",
                "here u weights the new candidate: a_next = u * c~ + (1 - u) * a_prev (the "
                "other convention, z on a_prev, is z = 1 - u)",
                _gru(update="state"),
            ),
            Mistake(
                "reset_after_product",
                "r multiplies a_prev before the matrix product: Wc [r * a_prev; xt], not "
                "r * (W a_prev) (PyTorch's placement)",
                _gru(reset="after"),
            ),
            Mistake(
                "reset_missing",
                "the candidate reads the reset state: c~ = tanh(Wc [r * a_prev; xt] + bc)",
                _gru_no_reset,
            ),
        ),
        ("a_next",),
        row="gru_cell",
    ),
)
