"""Recurrent layers for ``Sequential``: ``SimpleRNN``, ``LSTM``, ``GRU``, ``Bidirectional`` and
the per-step output layer ``TimeDense``.

A recurrent layer reads a sequence ``x: (n_x, m, T)`` and returns every hidden state
``a: (n_a, m, T)`` (``return_sequences=True``: a per-step generator, or the input of another
recurrent layer: stacking is two layers in a row) or only the last ``a_T: (n_a, m)`` (a
sequence classifier, followed by ``Dense`` layers). ``Bidirectional`` runs a second copy on the
reversed sequence and stacks both states, ``(2 n_a, m, T)``. ``TimeDense`` applies one dense
layer at every step, ``Z_t = W a_t + b``, ``A_t = g(Z_t)``: with a softmax and the
cross-entropy it is the language model's output, a distribution over the vocabulary at every
step (padded steps are all-zero label columns; see :mod:`visualdl.engine.losses`).

Parameters are keyed as in the course with the layer's number: ``Wax1, Waa1, ba1`` (RNN),
``Wf1, bf1, Wi1, bi1, Wc1, bc1, Wo1, bo1`` (LSTM), ``Wu1, ..., bc1`` (GRU), ``W2, b2``
(TimeDense); gradients ``dWf1``, .... Gradient convention as everywhere: per-example ``da``,
mean-cost ``dW``. Inside ``with visualdl.trace.record()`` a layer records
``{cell}{l}.forward`` (the input, the states and, for the LSTM and GRU, the gates over time)
and ``{cell}{l}.backward``; ``TimeDense`` records ``time_dense{l}.forward`` / ``.backward``.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.model import Sequential
>>> model = Sequential([LSTM(3, 8, rng=0), TimeDense(8, 5, "softmax", rng=1)],
...                    loss="cross_entropy")
>>> model.forward(np.zeros((3, 2, 7))).shape                   # (vocabulary, m, T)
(5, 2, 7)
>>> Sequential([GRU(3, 8, return_sequences=False, rng=0)], loss="mse").forward(
...     np.zeros((3, 2, 7))).shape                             # the last state
(8, 2)
"""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module, from_host, xp
from visualdl.engine.checks import float_dtype, gradient, integer, named, real_array
from visualdl.engine.gru import GATES as GRU_GATES
from visualdl.engine.gru import _flags, gru_backward, gru_forward
from visualdl.engine.initializers import Rng, make_rng
from visualdl.engine.layers import Dense, Layer, WeightLayer
from visualdl.engine.lstm import GATES as LSTM_GATES
from visualdl.engine.lstm import lstm_backward, lstm_forward
from visualdl.engine.rnn import rnn_backward, rnn_forward
from visualdl.engine.sequence import sequence, time_dense_backward, time_dense_forward
from visualdl.schema import declare

__all__ = ["GRU", "LSTM", "Bidirectional", "Recurrent", "SimpleRNN", "TimeDense"]

Array = Any
_SEQ = "(n_a, m, T)"


def _declare(cell: str, gates: str) -> tuple:
    forward = declare(
        f"{cell}{{l}}.forward",
        arrays={"x": "(n_x, m, T)", "a": _SEQ, **{g: _SEQ for g in gates}},
        info={"return_sequences": "every a_t (True) or the last (False)"},
    )
    backward = declare(
        f"{cell}{{l}}.backward",
        arrays={"da": _SEQ + " from the outputs", "dx": "(n_x, m, T)", "*": "parameter grads"},
    )
    return forward, backward


RNN_FORWARD, RNN_BACKWARD = _declare("rnn", ())
LSTM_FORWARD, LSTM_BACKWARD = _declare("lstm", ("f", "i", "cc", "o", "c"))
GRU_FORWARD, GRU_BACKWARD = _declare("gru", ("u", "r", "cc"))
RECORDS = {
    "rnn": (RNN_FORWARD, RNN_BACKWARD),
    "lstm": (LSTM_FORWARD, LSTM_BACKWARD),
    "gru": (GRU_FORWARD, GRU_BACKWARD),
}
TIME_DENSE_FORWARD = declare(
    "time_dense{l}.forward",
    arrays={"A_prev": "(n[l-1], m, T)", "W": "(n[l], n[l-1])", "b": "(n[l], 1)", "Z": "", "A": ""},
    info={"activation": "name of g"},
)
TIME_DENSE_BACKWARD = declare(
    "time_dense{l}.backward",
    arrays={
        "dA": "(n[l], m, T)",
        "dZ": "(n[l], m, T)",
        "dW": "(n[l], n[l-1])",
        "db": "(n[l], 1)",
        "dA_prev": "",
    },
    optional=("dA",),  # absent when the output layer starts from dZ = A - Y
)


def _weights(rng: Rng, n_a: int, n_in: int, dtype: Any) -> Array:
    """``W: (n_a, n_in)`` drawn as Xavier, ``randn * sqrt(1 / n_in)`` (the course's tanh init)."""
    return from_host((rng.standard_normal((n_a, n_in)) / n_in**0.5).astype(dtype))


class Recurrent(WeightLayer):
    """What the three cells share: the input check, ``return_sequences`` and the records.
    Subclasses set ``cell`` and ``keys`` and implement ``_forward(x) -> (a, cache, gates)`` and
    ``_backward(da, cache) -> grads``."""

    cell = ""

    def __init__(
        self, n_x: int, n_a: int, return_sequences: bool, rng: Any, l: int, dtype: Any
    ) -> None:
        self.l = l
        self.n_x, self.n_a = integer(self.op, "n_x", n_x), integer(self.op, "n_a", n_a)
        self.return_sequences = bool(return_sequences)
        self._rng, self._dtype = make_rng(rng), float_dtype(self.op, dtype)
        self._cache: Any = None
        for k in self.keys:
            setattr(self, f"d{k}", None)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        x = sequence(self.op, "x", real_array(self.op, "x", A_prev, self._dtype), self.n_x)
        a, cache, gates = self._forward(x)
        self._cache = (x, a, cache)
        RECORDS[self.cell][0].log(
            l=self.l, return_sequences=self.return_sequences, x=x, a=a, **gates
        )
        return a if self.return_sequences else a[:, :, -1]

    def backward(self, dA: Array) -> Array:
        x, a, cache = self._cached(self._cache)
        if self.return_sequences:
            da = gradient(self.op, "dA", dA, "a", a)
        else:
            last = gradient(self.op, "dA", dA, "the last state a_T", a[:, :, -1])
            da = array_module(last).zeros_like(a)
            da[:, :, -1] = last
        grads = self._backward(da, cache)
        for k in self.keys:
            setattr(self, f"d{k}", grads[f"d{k}"])
        RECORDS[self.cell][1].log(l=self.l, da=da, dx=grads["dx"], **self.grads)
        return grads["dx"]

    def _gates(self, gates: str) -> None:
        """``W{g}: (n_a, n_a + n_x)`` (Xavier) and ``b{g} = 0`` for every gate ``g``, drawn in
        order from the layer's generator."""
        for g in gates:
            setattr(self, f"W{g}", _weights(self._rng, self.n_a, self.n_a + self.n_x, self._dtype))
            setattr(self, f"b{g}", xp().zeros((self.n_a, 1), dtype=self._dtype))

    def _params(self) -> dict[str, Array]:
        return {k: getattr(self, k) for k in self.keys}


class SimpleRNN(Recurrent):
    """The vanilla RNN, ``a_t = tanh(W_ax x_t + W_aa a_{t-1} + b_a)`` from ``a_0 = 0``
    (:mod:`visualdl.engine.rnn`); ``W_ax: (n_a, n_x)``, ``W_aa: (n_a, n_a)``, ``b_a: (n_a, 1)``."""

    cell, keys, decayed = "rnn", ("Wax", "Waa", "ba"), ("Wax", "Waa")

    @named("SimpleRNN")
    def __init__(
        self,
        n_x: int,
        n_a: int,
        return_sequences: bool = True,
        rng: int | Rng | None = None,
        l: int = 1,
        dtype: Any = "float64",
    ) -> None:
        super().__init__(n_x, n_a, return_sequences, rng, l, dtype)
        self.Wax = _weights(self._rng, n_a, n_x, self._dtype)
        self.Waa = _weights(self._rng, n_a, n_a, self._dtype)
        self.ba = xp().zeros((n_a, 1), dtype=self._dtype)

    def _forward(self, x: Array) -> tuple[Array, dict, dict]:
        a, cache = rnn_forward(x, None, self._params())
        return a, cache, {}

    def _backward(self, da: Array, cache: dict) -> dict:
        return rnn_backward(da, cache)


class LSTM(Recurrent):
    """The LSTM of :mod:`visualdl.engine.lstm` (gates ``f, i, c~, o`` on ``[a_{t-1}; x_t]``)
    from ``a_0 = c_0 = 0``; every ``W{g}: (n_a, n_a + n_x)``, ``b{g}: (n_a, 1)``.
    ``forget_bias`` starts ``b_f`` there (1 keeps the cell open early in training)."""

    cell = "lstm"
    keys = tuple(f"{w}{g}" for g in LSTM_GATES for w in "Wb")
    decayed = tuple(f"W{g}" for g in LSTM_GATES)

    @named("LSTM")
    def __init__(
        self,
        n_x: int,
        n_a: int,
        return_sequences: bool = True,
        rng: int | Rng | None = None,
        l: int = 1,
        dtype: Any = "float64",
        forget_bias: float = 1.0,
    ) -> None:
        super().__init__(n_x, n_a, return_sequences, rng, l, dtype)
        self._gates(LSTM_GATES)
        self.bf = self.bf + float(forget_bias)

    def _forward(self, x: Array) -> tuple[Array, dict, dict]:
        a, cache = lstm_forward(x, None, self._params())
        return a, cache, {k: cache[k] for k in ("f", "i", "cc", "o", "c")}

    def _backward(self, da: Array, cache: dict) -> dict:
        return lstm_backward(da, cache)


class GRU(Recurrent):
    """The GRU of :mod:`visualdl.engine.gru` from ``a_0 = 0``, with its two conventions:
    ``update`` ("candidate": the course's Gamma_u; "state": PyTorch's z) and ``reset``
    ("before" or "after" the matmul); every ``W{g}: (n_a, n_a + n_x)``, ``b{g}: (n_a, 1)``."""

    cell = "gru"
    keys = tuple(f"{w}{g}" for g in GRU_GATES for w in "Wb")
    decayed = tuple(f"W{g}" for g in GRU_GATES)

    @named("GRU")
    def __init__(
        self,
        n_x: int,
        n_a: int,
        return_sequences: bool = True,
        rng: int | Rng | None = None,
        l: int = 1,
        dtype: Any = "float64",
        update: str = "candidate",
        reset: str = "before",
    ) -> None:
        self.update, self.reset = _flags("GRU", update, reset)
        super().__init__(n_x, n_a, return_sequences, rng, l, dtype)
        self._gates(GRU_GATES)

    def _forward(self, x: Array) -> tuple[Array, dict, dict]:
        a, cache = gru_forward(x, None, self._params(), self.update, self.reset)
        return a, cache, {k: cache[k] for k in ("u", "r", "cc")}

    def _backward(self, da: Array, cache: dict) -> dict:
        return gru_backward(da, cache)


class Bidirectional(Layer):
    """Two recurrent layers over one sequence, the second on the sequence reversed in time;
    their states stacked: ``[a_fwd_t; a_bwd_t]``, ``(2 n_a, m, T)`` (or the two last states,
    ``(2 n_a, m)``, each read after its own last step, when the layers return the last state).

    Example
    -------
    >>> import numpy as np
    >>> Bidirectional(LSTM(3, 4, rng=0), LSTM(3, 4, rng=1)).forward(np.ones((3, 2, 5))).shape
    (8, 2, 5)
    """

    def __init__(self, forward_layer: Recurrent, backward_layer: Recurrent) -> None:
        for name, layer in (("forward_layer", forward_layer), ("backward_layer", backward_layer)):
            if not isinstance(layer, Recurrent):
                raise ValueError(f"Bidirectional: {name} must be a recurrent layer, got {layer!r}")
        if forward_layer.return_sequences != backward_layer.return_sequences:
            raise ValueError("Bidirectional: both layers must agree on return_sequences")
        self.layers = [forward_layer, backward_layer]
        self._n: int | None = None

    @property
    def children(self) -> list[Layer]:
        return list(self.layers)

    def params(self) -> dict[str, Array]:
        return {k: v for layer in self.layers for k, v in layer.params().items()}

    def set_params(self, params: dict[str, Array]) -> None:
        for layer in self.layers:
            layer.set_params(params)

    def no_decay(self) -> set[str]:
        return set().union(*(layer.no_decay() for layer in self.layers))

    @property
    def grads(self) -> dict[str, Array]:
        return {k: v for layer in self.layers for k, v in layer.grads.items()}

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        x = sequence(self.op, "x", A_prev)
        ahead = self.layers[0].forward(x, training)
        back = self.layers[1].forward(x[:, :, ::-1], training)
        if back.ndim == 3:
            back = back[:, :, ::-1]  # back in the input's time order
        self._n = int(ahead.shape[0])
        return array_module(ahead).concat([ahead, back], axis=0)

    def backward(self, dA: Array) -> Array:
        if self._n is None:
            raise ValueError(f"{self.op}: backward called before forward")
        dA = real_array(self.op, "dA", dA)
        d_ahead, d_back = dA[: self._n], dA[self._n :]
        if d_back.ndim == 3:
            d_back = d_back[:, :, ::-1]
        return self.layers[0].backward(d_ahead) + self.layers[1].backward(d_back)[:, :, ::-1]


class TimeDense(Dense):
    """One dense layer at every step: ``Z_t = W a_t + b``, ``A_t = g(Z_t)``; ``A_prev:
    (n_prev, m, T) -> Z, A: (n, m, T)``. Backward: ``dW = (1/m) sum_t dZ_t a_t^T`` (each step's
    own input), ``db = (1/m) sum_t sum_i dZ_t``, ``dA_prev_t = W^T dZ_t``
    (:func:`~visualdl.engine.sequence.time_dense_backward`)."""

    forward_op = staticmethod(time_dense_forward)
    backward_op = staticmethod(time_dense_backward)
    records = (TIME_DENSE_FORWARD, TIME_DENSE_BACKWARD)
