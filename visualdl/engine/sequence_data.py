"""Sequence data sets, generated here (never downloaded), in the layout ``(n, m, T)``.

- :class:`MarkovSource`: a character language whose true entropy is known. Each next character
  is drawn given the last ``order`` characters from a fixed table of probabilities, so the
  source's entropy rate ``H = sum_context pi(context) H(next | context)`` (``pi`` the
  stationary distribution of the contexts) is the floor of every model's mean cross-entropy:
  no model's perplexity beats ``exp(H)``.
- :func:`memory_task`: the label is the sequence's first bit, the rest is noise; a model must
  carry one bit across all ``T`` steps.
- :func:`sine_task`: sine waves of random phase and frequency, the target the next value.
- :func:`one_hot_sequences`: ``(m, T)`` symbol indices -> ``(V, m, T)`` one-hot columns.

Example
-------
>>> src = MarkovSource("ab", order=1, seed=0)
>>> X, Y = src.next_character_task(m=3, T=5, seed=1)
>>> X.shape, Y.shape, 0 < src.entropy_rate() <= 0.6932
((2, 3, 5), (2, 3, 5), True)
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from visualdl.engine.checks import integer, number
from visualdl.engine.initializers import Rng, make_rng

__all__ = ["MarkovSource", "memory_task", "one_hot_sequences", "sine_task"]


def one_hot_sequences(indices: np.ndarray, V: int) -> np.ndarray:
    """``(m, T)`` whole numbers in ``0..V-1`` -> ``(V, m, T)`` one-hot columns."""
    idx = np.asarray(indices)
    if idx.ndim != 2 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"one_hot_sequences: indices must be (m, T) integers, got {idx.shape}")
    V = integer("one_hot_sequences", "V", V)
    if idx.size and (idx.min() < 0 or idx.max() >= V):
        raise ValueError(f"one_hot_sequences: indices must lie in 0..{V - 1}")
    return np.eye(V)[idx].transpose(2, 0, 1)


class MarkovSource:
    """A stochastic character source of order ``order`` over ``alphabet``.

    Every context (the last ``order`` characters) has its own next-character distribution,
    drawn once from ``Dirichlet(concentration)`` with ``default_rng(seed)``: a small
    concentration gives peaked rows, a low entropy and a language with structure to learn.
    """

    def __init__(
        self, alphabet: str, order: int = 2, seed: int = 0, concentration: float = 0.3
    ) -> None:
        op = "MarkovSource"
        if not isinstance(alphabet, str) or len(set(alphabet)) != len(alphabet) or not alphabet:
            raise ValueError(f"{op}: alphabet must be a string of distinct characters")
        self.alphabet, self.order = alphabet, integer(op, "order", order)
        concentration = number(op, "concentration", concentration, "(0, inf)")
        V, rng = len(alphabet), make_rng(seed)
        self.contexts = list(itertools.product(range(V), repeat=self.order))
        self.P = rng.dirichlet([concentration] * V, size=len(self.contexts))  # (contexts, V)

    @property
    def V(self) -> int:
        """The vocabulary size."""
        return len(self.alphabet)

    def _next_context(self, c: int, symbol: int) -> int:
        return (c * self.V + symbol) % len(self.contexts)

    def stationary(self) -> np.ndarray:
        """``pi``: the long-run frequency of every context (power iteration on the chain)."""
        n = len(self.contexts)
        M = np.zeros((n, n))
        for c in range(n):
            for s in range(self.V):
                M[c, self._next_context(c, s)] += self.P[c, s]
        pi = np.full(n, 1.0 / n)
        for _ in range(10_000):
            new = pi @ M
            if np.abs(new - pi).max() < 1e-15:
                break
            pi = new
        return new / new.sum()

    def entropy_rate(self) -> float:
        """``H = sum_c pi(c) * -sum_s P(s | c) ln P(s | c)``, in nats per character."""
        P = self.P
        H_rows = -np.sum(np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0), axis=1)
        return float(self.stationary() @ H_rows)

    def perplexity_floor(self) -> float:
        """``exp(H)``: the perplexity of the source's own probabilities, which no model beats."""
        return math.exp(self.entropy_rate())

    def sample(self, m: int, T: int, seed: int | Rng | None = None) -> np.ndarray:
        """``(m, T)`` symbol indices: ``m`` sequences, each started from a context drawn from
        the stationary distribution (so every step is a draw of the stationary source)."""
        m, T = integer("MarkovSource.sample", "m", m), integer("MarkovSource.sample", "T", T)
        rng = make_rng(seed)
        c = rng.choice(len(self.contexts), size=m, p=self.stationary())
        out = np.zeros((m, T), dtype=np.int64)
        for t in range(T):
            u = rng.random(m)[:, None]
            s = (u > np.cumsum(self.P[c], axis=1)).sum(axis=1).clip(0, self.V - 1)
            out[:, t] = s
            c = (c * self.V + s) % len(self.contexts)
        return out

    def next_character_task(
        self, m: int, T: int, seed: int | Rng | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)``, each ``(V, m, T)`` one-hot: ``Y`` is ``X`` one step ahead (the
        language-model task)."""
        s = self.sample(m, T + 1, seed)
        return one_hot_sequences(s[:, :-1], self.V), one_hot_sequences(s[:, 1:], self.V)

    def text(self, indices: np.ndarray) -> list[str]:
        """Each row of ``(m, T)`` indices as a string."""
        return ["".join(self.alphabet[i] for i in row) for row in np.asarray(indices)]


def memory_task(m: int, T: int, seed: int | Rng | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)``: ``X: (1, m, T)`` random bits ``+-1``, ``Y: (1, m)`` the first bit as 0/1.

    Only ``x_1`` tells the label; the other ``T - 1`` steps are noise the model must carry the
    bit through. Guessing scores 50%.
    """
    m, T = integer("memory_task", "m", m), integer("memory_task", "T", T)
    bits = make_rng(seed).integers(0, 2, size=(m, T))
    return (2.0 * bits - 1.0)[None], bits[:, :1].T.astype(float)


def sine_task(
    m: int, T: int, seed: int | Rng | None = None, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)``, each ``(1, m, T)``: ``x_t = sin(w t + phi)`` with random phase ``phi`` and
    frequency ``w`` in ``[0.2, 0.6]`` rad per step (plus Gaussian ``noise``); ``y_t = x_{t+1}``
    (noise-free), the next value."""
    m, T = integer("sine_task", "m", m), integer("sine_task", "T", T)
    noise = number("sine_task", "noise", noise, "[0, inf)")
    rng = make_rng(seed)
    w, phi = rng.uniform(0.2, 0.6, size=(m, 1)), rng.uniform(0, 2 * np.pi, size=(m, 1))
    wave = np.sin(w * np.arange(T + 1) + phi)
    X = wave[:, :-1] + noise * rng.standard_normal((m, T))
    return X[None], wave[:, 1:][None]
