"""Decoding a sequence from a model's next-token log-probabilities: greedy search and beam
search with length normalisation (the notes' §A29, after Ng).

The model is a function ``next_log_probs(prefixes) -> L``: ``prefixes`` a list of ``k`` token
lists, each starting with ``bos``; ``L: (k, V)`` with ``L[i, v] = log P(v | prefixes[i])``,
every row a distribution (``logsumexp(L[i]) = 0`` within :data:`TOL`; ``-inf`` is a token of
probability 0). A seq2seq model wraps its source in it:
``lambda p: model.next_log_probs(src, p)``.

- **Greedy**: append ``argmax_v L[0, v]`` (the first of equals) until ``eos`` or ``max_len``
  tokens.
- **Beam search** (width ``B``): at step ``t`` every alive hypothesis is extended by every token,
  each candidate scored by its cumulative log-probability ``sum_{t' <= t} log P(y<t'> | x,
  y<1..t'-1>)`` (sums of logs, not products of probabilities, which underflow). The ``B`` best
  candidates are **kept** (the first of equals; never one of probability 0), the rest **pruned**.
  A kept candidate ending in ``eos`` is **finished** and leaves the beam; the others are alive at
  step ``t + 1``. The search stops when no hypothesis is alive or after ``max_len`` tokens
  (hypotheses still alive then end there, unfinished). Every finished or truncated hypothesis
  is ranked by the length-normalised score

      score = (1 / T_y^alpha) sum_{t=1}^{T_y} log P(y<t> | x, y<1>, ..., y<t-1>),

  ``T_y`` the number of tokens after ``bos``, ``eos`` included; ``alpha = 0.7`` as the notes
  (``alpha = 0``: the raw sum, which favours short outputs; ``alpha = 1``: the mean). As in
  Ng's lecture, the hypotheses of every length compete together. ``B = 1`` is greedy search.

Returned sequences hold the tokens after ``bos`` (``eos`` included when it was produced).
:func:`beam_search` also returns its whole search tree (:class:`Node`: every candidate
considered, kept or pruned). Inside ``with visualdl.trace.record()`` it records one
``beam_search.step`` per step (the candidates, their cumulative log-probabilities, which were
kept and which finished) and one ``beam_search.result`` (the ranked hypotheses).

Example
-------
>>> import numpy as np
>>> P = {(0,): [0, 0, 0.6, 0.4], (0, 2): [0, 0.4, 0.3, 0.3], (0, 3): [0, 0.9, 0.05, 0.05]}
>>> def lm(prefixes):  # tokens 0 bos, 1 eos, 2 a, 3 b; log 0 = -inf
...     with np.errstate(divide="ignore"):
...         return np.log([P.get(tuple(p), [0, 1, 0, 0]) for p in prefixes])
>>> greedy_decode(lm, bos=0, eos=1, max_len=5)
[2, 1]
>>> result = beam_search(lm, bos=0, eos=1, beam=2, max_len=5)
>>> result.sequence, round(float(np.exp(result.best.log_prob)), 2)
([3, 1], 0.36)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from visualdl import trace
from visualdl.backend import to_host
from visualdl.engine.checks import integer, number
from visualdl.schema import declare

__all__ = [
    "TOL",
    "BeamSearch",
    "Hypothesis",
    "Node",
    "beam_search",
    "greedy_decode",
    "sequence_log_prob",
]

NextLogProbs = Callable[[list[list[int]]], Any]

#: How far a row's logsumexp may stray from 0 (float32 models included).
TOL = 1e-5

_C = "(n_cand,) one entry per candidate: alive hypotheses x V tokens"
BEAM_STEP = declare(
    "beam_search.step",
    arrays={
        "node": _C + ", its id in the search tree",
        "parent": _C + ", the id of the hypothesis it extends (0: the root, bos)",
        "token": _C,
        "token_log_prob": _C + ", log P(token | parent's prefix)",
        "log_prob": _C + ", cumulative: the parent's + token_log_prob",
        "kept": _C + ", among the beam's B best log_prob",
        "finished": _C + ", kept and ending in eos",
    },
    info={"t": "step, 1-based: the candidates' length after bos", "beam": "the width B"},
)
BEAM_RESULT = declare(
    "beam_search.result",
    arrays={
        "node": "(n_hyp,) each hypothesis' last node, best first",
        "log_prob": "(n_hyp,) cumulative log-probability",
        "length": "(n_hyp,) T_y, tokens after bos (eos included)",
        "score": "(n_hyp,) log_prob / T_y^alpha",
        "finished": "(n_hyp,) ends in eos (False: cut at max_len)",
    },
    info={
        "beam": "the width B",
        "alpha": "the length-normalisation exponent",
        "bos": "the root's token",
        "eos": "the end token",
        "tokens": "the best hypothesis, tokens after bos",
    },
)


@dataclass(frozen=True)
class Node:
    """One node of the search tree: a candidate of ``step`` tokens after ``bos``.

    ``parent`` is the id (index in :attr:`BeamSearch.nodes`) of the hypothesis it extends,
    ``-1`` for the root (node 0: ``bos``, step 0); ``log_prob`` is cumulative, ``token_log_prob``
    its last factor; ``kept`` among the step's ``B`` best, ``finished`` kept and ``eos``.
    """

    step: int
    parent: int
    token: int
    token_log_prob: float
    log_prob: float
    kept: bool
    finished: bool


@dataclass(frozen=True)
class Hypothesis:
    """A complete hypothesis: ``tokens`` after ``bos``, its cumulative ``log_prob``, its
    length-normalised ``score``, whether it ends in ``eos`` and its last ``node``."""

    tokens: list[int]
    log_prob: float
    score: float
    finished: bool
    node: int


@dataclass
class BeamSearch:
    """What :func:`beam_search` found: ``hypotheses`` ranked by score (best first) and the
    search tree ``nodes`` (node 0 is the root)."""

    hypotheses: list[Hypothesis]
    nodes: list[Node]
    beam: int
    alpha: float

    @property
    def best(self) -> Hypothesis:
        """The hypothesis of the highest length-normalised score."""
        return self.hypotheses[0]

    @property
    def sequence(self) -> list[int]:
        """The best hypothesis' tokens after ``bos``."""
        return list(self.best.tokens)

    @property
    def score(self) -> float:
        """The best hypothesis' length-normalised score."""
        return self.best.score

    def step(self, t: int) -> list[Node]:
        """The candidates of step ``t`` (1-based), in the order they were considered."""
        return [n for n in self.nodes if n.step == t]

    def tree(self) -> dict[str, np.ndarray]:
        """The tree as arrays, one entry per node (root first): ``step, parent, token,
        token_log_prob, log_prob, kept, finished``."""
        fields = ("step", "parent", "token", "token_log_prob", "log_prob", "kept", "finished")
        return {f: np.array([getattr(n, f) for n in self.nodes]) for f in fields}


def _model(op: str, next_log_probs: Any) -> None:
    if not callable(next_log_probs):
        raise ValueError(
            f"{op}: next_log_probs must be a function prefixes -> (len(prefixes), V) "
            f"log-probabilities, got {type(next_log_probs).__name__}"
        )


def _token(op: str, name: str, v: Any) -> int:
    return integer(op, name, v, low=0)


def _log_probs(
    op: str, next_log_probs: NextLogProbs, prefixes: list[list[int]], vocab: int | None, ids: dict
) -> np.ndarray:
    """``next_log_probs(prefixes)`` as a float64 host array ``(len(prefixes), V)``, checked:
    the shape (``V`` the same at every call), the token ids in ``ids`` below ``V``, every row a
    log-distribution."""
    got = next_log_probs([list(p) for p in prefixes])
    try:
        L = np.asarray(to_host(got), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{op}: next_log_probs must return an array of numbers, got {type(got).__name__}"
        ) from None
    k = len(prefixes)
    if L.ndim != 2 or L.shape[0] != k or L.shape[1] < 1 or L.shape[1] != (vocab or L.shape[1]):
        want = f"({k}, {vocab})" if vocab else f"({k}, V)"
        raise ValueError(
            f"{op}: next_log_probs must return {want}, one row of log-probabilities per prefix, "
            f"got shape {L.shape}"
        )
    V = L.shape[1]
    for name, v in ids.items():
        if v >= V:
            raise ValueError(f"{op}: {name} must be a token id in [0, {V}), got {v}")
    bad = np.isnan(L).any(axis=1) | (L > TOL).any(axis=1)
    top = np.max(L, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = top + np.log(np.sum(np.exp(L - top[:, None]), axis=1))
    bad |= ~(np.abs(lse) <= TOL)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{op}: next_log_probs must return log-probabilities (each row <= 0 with "
            f"logsumexp 0 within {TOL:g}), but row {i} (prefix {prefixes[i]}) has logsumexp "
            f"{lse[i]:.6g} and max {top[i]:.6g}; pass log_softmax(logits), not logits or "
            "probabilities"
        )
    return L


def _arguments(op: str, next_log_probs: Any, bos: Any, eos: Any, max_len: Any) -> tuple:
    _model(op, next_log_probs)
    return _token(op, "bos", bos), _token(op, "eos", eos), integer(op, "max_len", max_len)


def greedy_decode(next_log_probs: NextLogProbs, bos: int, eos: int, max_len: int) -> list[int]:
    """Greedy search: ``y<t> = argmax_v log P(v | bos, y<1..t-1>)`` until ``eos`` or
    ``max_len`` tokens; returns the tokens after ``bos`` (``eos`` included when produced).

    ``next_log_probs(prefixes) -> (len(prefixes), V)`` log-probabilities (module docstring).
    """
    op = "greedy_decode"
    bos, eos, max_len = _arguments(op, next_log_probs, bos, eos, max_len)
    tokens: list[int] = []
    for _ in range(max_len):
        L = _log_probs(op, next_log_probs, [[bos, *tokens]], None, {"bos": bos, "eos": eos})
        tokens.append(int(np.argmax(L[0])))
        if tokens[-1] == eos:
            break
    return tokens


def sequence_log_prob(next_log_probs: NextLogProbs, bos: int, tokens: list[int]) -> float:
    """``sum_t log P(y<t> | bos, y<1..t-1>)`` of ``tokens`` (the tokens after ``bos``) under
    the model: how a decoded output scores, to compare greedy's with beam search's."""
    op = "sequence_log_prob"
    _model(op, next_log_probs)
    bos, tokens = _token(op, "bos", bos), [_token(op, "tokens", v) for v in tokens]
    if not tokens:
        return 0.0
    prefixes = [[bos, *tokens[:t]] for t in range(len(tokens))]
    ids = {"bos": bos, **{f"tokens[{t}]": v for t, v in enumerate(tokens)}}
    L = _log_probs(op, next_log_probs, prefixes, None, ids)
    return float(np.sum(L[np.arange(len(tokens)), tokens]))


def _normalised(log_prob: float, length: int, alpha: float) -> float:
    return log_prob / length**alpha


def _tokens(nodes: list[Node], i: int) -> list[int]:
    """The tokens after ``bos`` on the path from the root to node ``i``."""
    out = []
    while nodes[i].parent >= 0:
        out.append(nodes[i].token)
        i = nodes[i].parent
    return out[::-1]


def _expand(
    nodes: list[Node], alive: list[int], L: np.ndarray, t: int, beam: int, eos: int
) -> np.ndarray:
    """Add step ``t``'s candidates (every alive hypothesis x every token) to ``nodes``; the
    indices (into this step's candidates, best first) of the ``beam`` kept ones."""
    V = L.shape[1]
    cum = np.array([nodes[i].log_prob for i in alive])[:, None] + L
    flat = cum.ravel()
    order = np.argsort(-flat, kind="stable")  # the first of equals: parent order, then token
    top = order[np.isfinite(flat[order])][:beam]
    kept = np.zeros(flat.size, dtype=bool)
    kept[top] = True
    for j in range(flat.size):
        p, tok = divmod(j, V)
        fin = bool(kept[j] and tok == eos)
        nodes.append(Node(t, alive[p], tok, float(L[p, tok]), float(flat[j]), bool(kept[j]), fin))
    return top


def _log_step(nodes: list[Node], first: int, t: int, beam: int) -> None:
    step = nodes[first:]
    BEAM_STEP.log(
        t=t,
        beam=beam,
        node=np.arange(first, len(nodes)),
        **{
            f: np.array([getattr(n, f) for n in step])
            for f in ("parent", "token", "token_log_prob", "log_prob", "kept", "finished")
        },
    )


def beam_search(
    next_log_probs: NextLogProbs,
    bos: int,
    eos: int,
    beam: int,
    max_len: int,
    alpha: float = 0.7,
) -> BeamSearch:
    """Beam search of width ``beam`` (``B``), at most ``max_len`` tokens after ``bos``,
    hypotheses ranked by ``(1 / T_y^alpha) sum log P`` (module docstring).

    Returns a :class:`BeamSearch`: ``.sequence`` the best tokens after ``bos``, ``.best`` its
    :class:`Hypothesis`, ``.hypotheses`` all finished or truncated ones ranked, ``.nodes`` the
    search tree. Records ``beam_search.step`` per step and ``beam_search.result``.
    """
    op = "beam_search"
    bos, eos, max_len = _arguments(op, next_log_probs, bos, eos, max_len)
    beam = integer(op, "beam", beam)
    alpha = number(op, "alpha", alpha, "[0, inf)")
    nodes = [Node(0, -1, bos, 0.0, 0.0, True, False)]
    alive, complete, V = [0], [], None
    for t in range(1, max_len + 1):
        prefixes = [[bos, *_tokens(nodes, i)] for i in alive]
        L = _log_probs(op, next_log_probs, prefixes, V, {"bos": bos, "eos": eos})
        V, first = L.shape[1], len(nodes)
        top = _expand(nodes, alive, L, t, beam, eos)
        if trace.current() is not None:
            _log_step(nodes, first, t, beam)
        complete += [first + int(j) for j in top if nodes[first + j].finished]
        alive = [first + int(j) for j in top if not nodes[first + j].finished]
        if not alive:
            break
    complete += alive  # cut at max_len, unfinished
    hyps = [
        Hypothesis(
            _tokens(nodes, i),
            nodes[i].log_prob,
            _normalised(nodes[i].log_prob, nodes[i].step, alpha),
            nodes[i].finished,
            i,
        )
        for i in complete
    ]
    hyps.sort(key=lambda h: -h.score)  # stable: the first found of equals
    if trace.current() is not None:
        BEAM_RESULT.log(
            node=np.array([h.node for h in hyps]),
            log_prob=np.array([h.log_prob for h in hyps]),
            length=np.array([len(h.tokens) for h in hyps]),
            score=np.array([h.score for h in hyps]),
            finished=np.array([h.finished for h in hyps]),
            beam=beam,
            alpha=alpha,
            bos=bos,
            eos=eos,
            tokens=hyps[0].tokens,
        )
    return BeamSearch(hyps, nodes, beam, alpha)
