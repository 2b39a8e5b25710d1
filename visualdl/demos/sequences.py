"""Trained recurrent models on the generated sequence tasks of
:mod:`visualdl.engine.sequence_data`: a character model against its source's entropy floor, the
first-bit memory task, and next-value prediction of sine waves.

- :func:`char_model`: a :class:`~visualdl.engine.sequence_data.MarkovSource` of order 2 over
  the 8 characters ``" aeilnst"`` (concentration 0.2: peaked next-character tables, a language
  with structure to learn). Each cell (LSTM, GRU, vanilla RNN, all with ``n_a = 32``) is followed
  by ``TimeDense(32, 8, softmax)`` and trained with the per-step cross-entropy by Adam
  (``Sequential.fit``). After every epoch its perplexity ``exp(-(1/N) sum_t log a_t[y_t])`` is
  taken on held-out sequences, over the steps that have a whole context behind them
  (``t >= order``, 1-based: the first step has seen one character of the two that the source's
  next draw depends on). No model beats the source's own probabilities, whose perplexity is the
  floor ``exp(H)`` (``H`` the entropy rate, :meth:`MarkovSource.perplexity_floor`); the source's
  own perplexity on the same held-out steps is recorded beside it (a finite sample scatters
  around ``exp(H)`` by about 1%). The first cell is then sampled
  (:func:`visualdl.engine.sampling.sample`) at each temperature, from the same ``order``
  characters that the source's own samples begin with (the source's samples are drawn and kept
  when they begin so: the source given its start).
- :func:`memory`: :func:`~visualdl.engine.sequence_data.memory_task`, a recurrent layer with
  ``return_sequences=False`` and ``Dense(n_a, 1, sigmoid)``, BCE, Adam with ``clip_norm``; the
  LSTM starts its forget gate's bias at ``forget_bias = 3`` (``f = sigma(3) = 0.95``: the cell
  keeps what it holds from the start). Accuracy on fresh test sequences after every epoch.
- :func:`sine`: :func:`~visualdl.engine.sequence_data.sine_task`, an LSTM or GRU and
  ``TimeDense(n_a, 1, identity)``, the mse; the predictions for a few test waves, the test mse
  per step and, beside it, the mse of predicting ``x_{t+1} = x_t`` (the value again).

BLAS runs on one thread while training: these matrices are small (a few dozen rows), and one
thread is faster than several (measured on two cores).

Records: ``sequences.char_source``, ``sequences.char_curve`` (one per cell),
``sequences.char_sample`` (one per temperature), ``sequences.memory_run``,
``sequences.sine_run``.

Example
-------
>>> from visualdl.demos.sequences import memory, sine
>>> run = memory("lstm", T=5, m=200, epochs=3).last("sequences.memory_run")
>>> run["accuracy"].shape, 0.0 <= run.info["test_accuracy"] <= 1.0
((3,), True)
>>> s = sine(epochs=2, m=50).last("sequences.sine_run")
>>> s["y"].shape == s["yhat"].shape, s.info["baseline_mse"] > 0
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from visualdl.engine import losses
from visualdl.engine.checks import choice
from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential
from visualdl.engine.recurrent_layers import GRU, LSTM, Recurrent, SimpleRNN, TimeDense
from visualdl.engine.sampling import sample
from visualdl.engine.sequence_data import MarkovSource, memory_task, one_hot_sequences, sine_task
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = [
    "CELLS",
    "CHAR_CURVE",
    "CHAR_SAMPLE",
    "CHAR_SOURCE",
    "MEMORY_RUN",
    "SINE_RUN",
    "char_model",
    "memory",
    "recurrent_layer",
    "sine",
]

#: The cells by name, as the records and the figures call them.
CELLS = {"lstm": LSTM, "gru": GRU, "rnn": SimpleRNN}

CHAR_SOURCE = declare(
    "sequences.char_source",
    arrays={
        "P": "(contexts, V) the next-character probabilities of every context",
        "pi": "(contexts,) the stationary frequency of every context",
    },
    info={
        "alphabet": "the V characters, symbol k is alphabet[k]",
        "order": "characters of context",
        "concentration": "of the Dirichlet the rows of P were drawn from",
        "seed": "the source's seed",
        "entropy_rate": "H in nats per character",
        "floor": "exp(H), the perplexity no model beats",
        "heldout_perplexity": "the source's own perplexity on the held-out steps",
        "m": "training sequences",
        "m_test": "held-out sequences",
        "T": "steps per sequence",
        "texts": "the source's own samples, as text",
    },
)
CHAR_CURVE = declare(
    "sequences.char_curve",
    arrays={
        "epoch": "(E + 1,) 0 (before training), 1, ..., E",
        "perplexity": "(E + 1,) held-out perplexity after each epoch",
        "cost": "(E,) training cost (mean cross-entropy summed over the steps) of each epoch",
    },
    info={
        "cell": "lstm, gru or rnn",
        "n_a": "hidden units",
        "params": "number of parameters",
        "epochs": "passes over the training set",
        "batch_size": "mini-batch size",
        "learning_rate": "Adam's rate",
        "final": "held-out perplexity after the last epoch",
        "final_all_steps": "the same over every step, the first included",
        "ratio": "final / floor",
    },
)
CHAR_SAMPLE = declare(
    "sequences.char_sample",
    arrays={"indices": "(k, L) the samples' symbols, the start included"},
    info={
        "cell": "the sampled model",
        "temperature": "tau",
        "start": "the characters every sample begins with",
        "texts": "the samples, as text",
    },
)
MEMORY_RUN = declare(
    "sequences.memory_run",
    arrays={
        "epoch": "(E,) 1, ..., E",
        "cost": "(E,) training cost (BCE) of each epoch",
        "accuracy": "(E,) test accuracy after each epoch",
        "grad_norm": "(steps,) global gradient norm of every step, before clipping",
    },
    info={
        "cell": "lstm, gru or rnn",
        "T": "steps per sequence",
        "seed": "seed of the weights, the data and the shuffling",
        "n_a": "hidden units",
        "m": "training sequences",
        "m_test": "test sequences",
        "epochs": "passes over the training set",
        "batch_size": "mini-batch size",
        "learning_rate": "Adam's rate",
        "clip_norm": "largest global gradient norm (None: no clipping)",
        "forget_bias": "the LSTM's initial b_f (None for the other cells)",
        "test_accuracy": "fraction of test sequences whose first bit is told right",
    },
)
SINE_RUN = declare(
    "sequences.sine_run",
    arrays={
        "x": "(k, T) a few test waves, the inputs x_t",
        "y": "(k, T) their next values x_{t+1}",
        "yhat": "(k, T) the model's predictions of y",
        "cost": "(E,) training cost of each epoch",
    },
    info={
        "cell": "lstm or gru",
        "seed": "seed of the weights, the data and the shuffling",
        "n_a": "hidden units",
        "m": "training waves",
        "m_test": "test waves",
        "T": "steps per wave",
        "epochs": "passes over the training set",
        "learning_rate": "Adam's rate",
        "mse": "test mse per step, mean of (yhat - y)^2",
        "baseline_mse": "mean of (x_t - x_{t+1})^2 on the same test waves",
    },
)


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent generators from one seed (data, held-out data, sampling, ...)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def recurrent_layer(
    cell: str,
    n_x: int,
    n_a: int,
    return_sequences: bool = True,
    rng: int | np.random.Generator | None = None,
    forget_bias: float = 1.0,
) -> Recurrent:
    """``LSTM``, ``GRU`` or ``SimpleRNN`` by name (``forget_bias`` for the LSTM only)."""
    choice("recurrent_layer", "cell", cell, CELLS)
    extra = {"forget_bias": forget_bias} if cell == "lstm" else {}
    return CELLS[cell](n_x, n_a, return_sequences=return_sequences, rng=rng, **extra)


def _heldout(A: np.ndarray, Y: np.ndarray, order: int) -> float:
    """Perplexity over the steps with a whole context (0-based ``t >= order - 1``)."""
    return losses.perplexity(A[:, :, order - 1 :], Y[:, :, order - 1 :])


def _source_perplexity(src: MarkovSource, s: np.ndarray) -> float:
    """The source's own perplexity on the next symbols of ``s: (m, T + 1)`` at the steps with a
    whole context: ``exp(-mean log P(s_{t+1} | s_{t-order+1..t}))``."""
    V, k = src.V, src.order
    ctx = np.zeros((s.shape[0], s.shape[1] - k), dtype=np.int64)
    for j in range(k):  # the context's index, oldest character first (MarkovSource.contexts)
        ctx = ctx * V + s[:, j : s.shape[1] - k + j]
    return float(np.exp(-np.log(src.P[ctx, s[:, k:]]).mean()))


def _own_samples(src: MarkovSource, k: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``(k, length)`` samples of the source that all begin with the first sample's ``order``
    characters (the source conditioned on its start: drawn, and kept when they begin so)."""
    first = src.sample(1, length, rng)
    keep = [first]
    while sum(len(s) for s in keep) < k:
        more = src.sample(50 * k, length, rng)
        keep.append(more[(more[:, : src.order] == first[0, : src.order]).all(axis=1)])
    return np.concatenate(keep)[:k]


def _fit_char(
    model: Sequential, train: tuple, held: tuple, order: int, epochs: int, fit: dict
) -> tuple[list[float], dict]:
    """Adam for ``epochs`` passes; the held-out perplexity before training and after every
    pass, and the history of :meth:`Sequential.fit`."""
    Xv, Yv = held
    ppl = [_heldout(model.forward(Xv), Yv, order)]
    history = model.fit(
        *train,
        num_iterations=epochs,
        every=1,
        callback=lambda i, mod: ppl.append(_heldout(mod.forward(Xv), Yv, order)),
        optimizer="adam",
        **fit,
    )
    return ppl, history


def char_model(
    cells: Sequence[str] = ("lstm", "gru", "rnn"),
    alphabet: str = " aeilnst",
    order: int = 2,
    concentration: float = 0.2,
    seed: int = 0,
    m: int = 3000,
    T: int = 25,
    n_a: int = 32,
    epochs: int = 5,
    batch_size: int = 32,
    learning_rate: float = 0.02,
    m_test: int = 1000,
    temperatures: Sequence[float] = (0.5, 1.0, 1.5),
    samples: int = 3,
    length: int = 48,
) -> Trace:
    """Character models trained on a Markov source (see the module): the held-out perplexity
    of each cell per epoch against the floor ``exp(H)``, and samples of the first cell at each
    temperature beside the source's own. ``seed`` draws the source, the data and the
    weights."""
    cells = [choice("char_model", "cell", c, CELLS) for c in cells]
    src = MarkovSource(alphabet, order=order, seed=seed, concentration=concentration)
    V = src.V
    data, test, show, draw = _streams(seed, 4)
    train = src.sample(m, T + 1, data)
    X, Y = one_hot_sequences(train[:, :-1], V), one_hot_sequences(train[:, 1:], V)
    held = src.sample(m_test, T + 1, test)
    Xv, Yv = one_hot_sequences(held[:, :-1], V), one_hot_sequences(held[:, 1:], V)
    own = _own_samples(src, samples, length, show)
    tr = Trace({"demo": "sequences.char_model", "seed": seed, "cells": cells})
    CHAR_SOURCE.add(
        tr,
        alphabet=alphabet,
        order=order,
        concentration=concentration,
        seed=seed,
        entropy_rate=src.entropy_rate(),
        floor=src.perplexity_floor(),
        heldout_perplexity=_source_perplexity(src, held),
        m=m,
        m_test=m_test,
        T=T,
        texts=src.text(own),
        P=src.P,
        pi=src.stationary(),
    )
    models = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for cell in cells:
            rng = np.random.default_rng(seed)
            model = Sequential(
                [recurrent_layer(cell, V, n_a, rng=rng), TimeDense(n_a, V, "softmax", rng=rng)],
                loss="cross_entropy",
            )
            fit = {"learning_rate": learning_rate, "batch_size": batch_size, "seed": seed}
            ppl, history = _fit_char(model, (X, Y), (Xv, Yv), order, epochs, fit)
            CHAR_CURVE.add(
                tr,
                cell=cell,
                n_a=n_a,
                params=int(sum(v.size for v in model.params.values())),
                epochs=epochs,
                batch_size=batch_size,
                learning_rate=learning_rate,
                final=ppl[-1],
                final_all_steps=losses.perplexity(model.forward(Xv), Yv),
                ratio=ppl[-1] / src.perplexity_floor(),
                epoch=np.arange(epochs + 1),
                perplexity=np.array(ppl),
                cost=np.array(history["cost"]),
            )
            models[cell] = model
        start = [int(i) for i in own[0, :order]]
        for tau in temperatures:
            s = sample(models[cells[0]], start, length - order, tau, draw, m=samples)
            CHAR_SAMPLE.add(
                tr,
                cell=cells[0],
                temperature=float(tau),
                start=src.text([start])[0],
                texts=src.text(s),
                indices=s,
            )
    return tr


def memory(
    cell: str = "lstm",
    T: int = 50,
    seed: int = 0,
    m: int = 2000,
    n_a: int = 8,
    epochs: int = 12,
    batch_size: int = 64,
    learning_rate: float = 0.005,
    clip_norm: float | None = 1.0,
    forget_bias: float = 3.0,
    m_test: int = 500,
) -> Trace:
    """The first-bit memory task at length ``T`` (see the module): the training curve and the
    accuracy on ``m_test`` fresh sequences after every epoch. ``seed`` draws the weights, the
    training and test sequences and the mini-batches."""
    choice("memory", "cell", cell, CELLS)
    data, test, weights = _streams(seed, 3)
    X, Y = memory_task(m, T, data)
    Xt, Yt = memory_task(m_test, T, test)
    model = Sequential(
        [
            recurrent_layer(cell, 1, n_a, False, weights, forget_bias),
            Dense(n_a, 1, "sigmoid", "xavier", weights),
        ],
        loss="bce",
    )
    accuracy: list[float] = []
    with threadpool_limits(limits=1, user_api="blas"):
        history = model.fit(
            X,
            Y,
            learning_rate=learning_rate,
            num_iterations=epochs,
            every=1,
            callback=lambda i, mod: accuracy.append(mod.accuracy(Xt, Yt)),
            optimizer="adam",
            batch_size=batch_size,
            seed=seed,
            clip_norm=clip_norm,
        )
    tr = Trace({"demo": "sequences.memory", "cell": cell, "T": T, "seed": seed})
    MEMORY_RUN.add(
        tr,
        cell=cell,
        T=T,
        seed=seed,
        n_a=n_a,
        m=m,
        m_test=m_test,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        clip_norm=clip_norm,
        forget_bias=forget_bias if cell == "lstm" else None,
        test_accuracy=accuracy[-1],
        epoch=np.arange(1, epochs + 1),
        cost=np.array(history["cost"]),
        accuracy=np.array(accuracy),
        grad_norm=np.array(history["grad_norm"]),
    )
    return tr


def sine(
    cell: str = "lstm",
    seed: int = 0,
    m: int = 500,
    T: int = 30,
    n_a: int = 16,
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = 0.01,
    m_test: int = 500,
    waves: int = 3,
) -> Trace:
    """Next-value prediction of sine waves (see the module): the predictions for ``waves``
    test waves, the test mse per step and the mse of repeating the current value."""
    if cell not in ("lstm", "gru"):
        raise ValueError(f"sine: cell must be one of ['gru', 'lstm'], got {cell!r:.80}")
    data, test, weights = _streams(seed, 3)
    X, Y = sine_task(m, T, data)
    Xt, Yt = sine_task(m_test, T, test)
    model = Sequential(
        [recurrent_layer(cell, 1, n_a, rng=weights), TimeDense(n_a, 1, "identity", rng=weights)],
        loss="mse",
    )
    with threadpool_limits(limits=1, user_api="blas"):
        history = model.fit(
            X,
            Y,
            learning_rate=learning_rate,
            num_iterations=epochs,
            every=1,
            optimizer="adam",
            batch_size=batch_size,
            seed=seed,
        )
        A = model.forward(Xt)
    tr = Trace({"demo": "sequences.sine", "cell": cell, "seed": seed})
    SINE_RUN.add(
        tr,
        cell=cell,
        seed=seed,
        n_a=n_a,
        m=m,
        m_test=m_test,
        T=T,
        epochs=epochs,
        learning_rate=learning_rate,
        mse=float(np.mean((A - Yt) ** 2)),
        baseline_mse=float(np.mean((Xt - Yt) ** 2)),
        x=Xt[0, :waves],
        y=Yt[0, :waves],
        yhat=A[0, :waves],
        cost=np.array(history["cost"]),
    )
    return tr
