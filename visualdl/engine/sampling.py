"""Sampling from a trained per-step character model, with a temperature.

The model is a :class:`~visualdl.engine.model.Sequential` that reads one-hot symbols
``x: (V, m, T)`` and ends in a ``TimeDense(n_a, V, "softmax")``: at every step it gives the
logits ``Z_t = W_y a_t + b_y`` of the next symbol. To generate, the model reads the text so far
(the start, then every symbol drawn), and the next symbol is drawn from

    p_tau(s) = exp(z_s / tau) / sum_j exp(z_j / tau),    z = Z at the last step,

the softmax of the logits divided by the temperature ``tau > 0``. ``tau = 1`` is the model's
own distribution; ``tau < 1`` sharpens it (``tau -> 0``: always the most probable symbol, the
greedy choice, ``greedy=True``); ``tau > 1`` flattens it towards the uniform ``1/V``. The
division happens on the logits, not the probabilities, and the softmax subtracts the column
maximum first (log-sum-exp), so a small ``tau`` never overflows.

The model is run on the whole growing prefix at every step (its state starts from
``a_0 = 0`` each time): quadratic in the length, plain and exact for short samples.

Example
-------
>>> from visualdl.engine import LSTM, Sequential, TimeDense
>>> model = Sequential([LSTM(4, 8, rng=0), TimeDense(8, 4, "softmax", rng=1)],
...                    loss="cross_entropy")
>>> s = sample(model, [0, 1], length=5, temperature=0.5, seed=0, m=3)
>>> s.shape, s[:, :2].tolist()                      # the start, then 5 drawn symbols
((3, 7), [[0, 1], [0, 1], [0, 1]])
>>> bool((sample(model, [0], 4, greedy=True) == sample(model, [0], 4, greedy=True, seed=9)).all())
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from visualdl.backend import to_host
from visualdl.engine.checks import integer, is_int, named, number
from visualdl.engine.initializers import Rng, make_rng
from visualdl.engine.model import Sequential
from visualdl.engine.recurrent_layers import TimeDense
from visualdl.engine.sequence import time_dense_forward
from visualdl.engine.sequence_data import one_hot_sequences

__all__ = ["next_logits", "sample", "temperature_softmax"]

OP = "sample"


def _vocabulary(op: str, model: Any) -> int:
    """``V``, the number of symbols: the last layer must be a softmax ``TimeDense``."""
    if not isinstance(model, Sequential):
        raise ValueError(f"{op}: model must be a Sequential, got {model!r:.80}")
    out = model.layers[-1]
    if not isinstance(out, TimeDense) or out.g.name != "softmax":
        raise ValueError(
            f"{op}: the model's last layer must be a TimeDense with a softmax over the "
            f"vocabulary, got {out!r:.80}"
        )
    return int(out.W.shape[0])


def _indices(op: str, start: Any, V: int, alphabet: str | None = None) -> list[int]:
    """The start as a list of whole numbers in ``0..V-1`` (at least one); a string is read
    through ``alphabet`` (character ``alphabet[k]`` is symbol ``k``)."""
    if isinstance(start, str):
        if alphabet is None or len(alphabet) != V:
            raise ValueError(
                f"{op}: a start string needs the model's alphabet of {V} characters "
                f"(alphabet=...), got {alphabet!r:.80}"
            )
        unknown = sorted(set(start) - set(alphabet))
        if unknown:
            raise ValueError(f"{op}: start holds characters {unknown} not in {alphabet!r}")
        start = [alphabet.index(ch) for ch in start]
    if not isinstance(start, Sequence | np.ndarray):
        raise ValueError(f"{op}: start must be a list of symbol indices, got {start!r:.80}")
    got = list(np.asarray(start).reshape(-1)) if isinstance(start, np.ndarray) else list(start)
    if not got:
        raise ValueError(f"{op}: start must hold at least one symbol index")
    for i in got:
        if not is_int(i) or not 0 <= int(i) < V:
            raise ValueError(f"{op}: start indices must be whole numbers in 0..{V - 1}, got {i!r}")
    return [int(i) for i in got]


@named("next_logits")
def next_logits(model: Sequential, indices: np.ndarray) -> np.ndarray:
    """``z: (V, m)``, the logits of the symbol after the prefixes ``indices: (m, t)``.

    The layers before the output read the one-hot prefixes ``(V, m, t)``; the output layer's
    own ``W_y, b_y`` give ``Z_t = W_y a_t + b_y`` (:func:`~visualdl.engine.sequence.
    time_dense_forward`), of which the last step is returned (on the host)."""
    V = _vocabulary("next_logits", model)
    A = one_hot_sequences(np.asarray(indices), V)
    for layer in model.layers[:-1]:
        A = layer.forward(A)
    out = model.layers[-1]
    Z, _ = time_dense_forward(A, out.W, out.b, op="next_logits")
    return to_host(Z[:, :, -1])


def temperature_softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``p = softmax(z / tau)`` per column of ``z: (V, m)``, computed as
    ``exp(z/tau - max) / sum exp(z/tau - max)``; ``tau > 0``.

    Example
    -------
    >>> z = np.log(np.array([[0.5], [0.25], [0.25]]))
    >>> temperature_softmax(z, 1.0).ravel().tolist()      # tau = 1: the model's own p
    [0.5, 0.25, 0.25]
    >>> temperature_softmax(z, 0.5).ravel().round(4).tolist()  # p^2, renormalised
    [0.6667, 0.1667, 0.1667]
    """
    tau = number("temperature_softmax", "temperature", temperature, "(0, inf)")
    s = np.asarray(z, dtype=np.float64) / tau
    E = np.exp(s - s.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def sample(
    model: Sequential,
    start: Sequence[int],
    length: int,
    temperature: float = 1.0,
    seed: int | Rng | None = None,
    m: int = 1,
    greedy: bool = False,
    alphabet: str | None = None,
) -> np.ndarray:
    """Draw ``length`` symbols after ``start`` from a trained character model.

    Parameters
    ----------
    model : a ``Sequential`` on one-hot inputs ``(V, m, T)`` whose last layer is a
        ``TimeDense(n_a, V, "softmax")``.
    start : the symbol indices to begin with (at least one, each in ``0..V-1``), or a string
        of characters of ``alphabet``.
    length : how many symbols to draw.
    temperature : ``tau > 0``; each next symbol is drawn from ``softmax(z / tau)`` of the
        model's logits ``z`` at the last step.
    seed : the generator (``default_rng(seed)``) of the draws.
    m : how many samples, drawn side by side.
    greedy : take the arg-max ``z`` at every step (the limit ``tau -> 0``) instead of drawing.
    alphabet : the ``V`` characters, symbol ``k`` being ``alphabet[k]``; needed only for a
        string ``start``.

    Returns
    -------
    ``(m, len(start) + length)`` integer indices: the start, then the drawn symbols.
    """
    V = _vocabulary(OP, model)
    first = _indices(OP, start, V, alphabet)
    length, m = integer(OP, "length", length, 0), integer(OP, "m", m)
    tau = number(OP, "temperature", temperature, "(0, inf)")
    rng = make_rng(seed)
    out = np.tile(np.array(first, dtype=np.int64), (m, 1))
    for _ in range(length):
        z = next_logits(model, out)
        if greedy:
            s = z.argmax(axis=0)
        else:
            cdf = np.cumsum(temperature_softmax(z, tau), axis=0)
            s = (rng.random(m)[None] > cdf).sum(axis=0).clip(0, V - 1)  # inverse CDF
        out = np.concatenate([out, s[:, None].astype(np.int64)], axis=1)
    return out
