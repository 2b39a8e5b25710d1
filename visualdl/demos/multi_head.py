"""Two attention heads that look at different things: the data of the ``multi-head`` scene.

Five tokens, *the cat saw the dog*, as rows of ``X: (n, d_model) = (5, 4)``. Columns 1-2 are a
position code, ``(cos(i a), sin(i a))`` with ``a = angle`` degrees per position (a
two-column sinusoidal encoding); columns 3-4 a word-type code, one unit vector per type (the
three types 120 degrees apart: the same type has dot product 1, another -0.5). The
projections are chosen by hand so that each head reads one of the two codes, with ``h = 2``
heads of ``d_k = d_model / h = 2`` columns (head ``k`` owns columns ``2k, 2k + 1`` of ``Q, K,
V``, so its own ``W_Q^(k)`` is those columns of ``W_Q``, the notes' mistake E23a put right):

- head 1: ``W_Q^(1)`` turns the position code back by one step (``q_i`` is position
  ``i - 1``'s code, times ``pos_gain``) and ``W_K^(1)`` keeps it (times ``pos_gain``), so
  ``q_i . k_j / sqrt(d_k) = pos_gain^2 cos((i - 1 - j) a) / sqrt(2)``: the largest at the
  previous token (the first token, with none before it, looks at itself);
- head 2: ``W_Q^(2) = W_K^(2) = type_gain I`` on the type code, so each token looks at the
  tokens of its own type (*the* at both *the*, *cat* at *cat* and *dog*, *saw* at itself);
- ``W_V`` hands head 1 the type code and head 2 the position code; ``W_O`` (the only place
  where the heads' outputs meet) is drawn from ``N(0, 0.5^2)`` with ``seed``.

The numbers come from the engine's narrating
:func:`~visualdl.engine.attention_loops.multi_head_attention_loop` inside ``record()``:

- :data:`INPUTS` (``multi_head.inputs``): ``X``, ``W_Q, W_K, W_V, W_O`` and the tokens;
- ``attention.query`` per head and query, ``mha.head`` per head (``Q_h, K_h, V_h, weights,
  out_h``), from the loop;
- :data:`MERGED` (``multi_head.merged``): the heads put back together by the engine's
  :func:`~visualdl.engine.attention.merge_heads` (``Q, K, V`` from the heads' ``Q_h, K_h,
  V_h``; ``concat`` from their outputs), the loop's ``out = concat W_O`` and ``weights``.

Example
-------
>>> from visualdl.demos.multi_head import multi_head_trace
>>> tr = multi_head_trace()
>>> [r.info["head"] for r in tr.find("mha.head")], tr.last("multi_head.merged")["concat"].shape
([0, 1], (5, 4))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.attention import merge_heads
from visualdl.engine.attention_loops import multi_head_attention_loop
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["INPUTS", "MERGED", "TOKENS", "TYPES", "multi_head_trace", "type_code"]

TOKENS = ("the", "cat", "saw", "the", "dog")
TYPES = ("det", "noun", "verb", "det", "noun")
#: the direction (degrees) of each word type's unit vector: 120 degrees apart
TYPE_ANGLE = {"det": 90.0, "noun": 210.0, "verb": 330.0}

INPUTS = declare(
    "multi_head.inputs",
    arrays={
        "X": "(n, d_model) columns 1-2 the position code, 3-4 the word-type code",
        "W_Q": "(d_model, d_model) head k's W_Q^(k) is its d_k columns",
        "W_K": "(d_model, d_model)",
        "W_V": "(d_model, d_model)",
        "W_O": "(d_model, d_model) mixes the concatenated heads",
    },
    info={
        "tokens": "the words, one per row of X",
        "types": "each word's type (det, noun, verb)",
        "h": "number of heads",
        "d_k": "columns per head, d_model / h",
        "angle": "degrees per position in the position code",
        "pos_gain": "head 1's gain on the position code (in W_Q and W_K)",
        "type_gain": "head 2's gain on the type code (in W_Q and W_K)",
    },
)
MERGED = declare(
    "multi_head.merged",
    arrays={
        "Q": "(n, d_model) merge_heads of the heads' Q_h: X W_Q",
        "K": "(n, d_model) merge_heads of the heads' K_h: X W_K",
        "V": "(n, d_model) merge_heads of the heads' V_h: X W_V",
        "concat": "(n, d_model) Concat(head_1, ..., head_h): merge_heads of the heads' out_h",
        "out": "(n, d_model) concat W_O, the loop's output",
        "weights": "(h, n, n) every head's attention weights",
    },
)


def type_code(kind: str) -> np.ndarray:
    """The unit vector ``(2,)`` of a word type (:data:`TYPE_ANGLE`).

    >>> type_code("det").round(3).tolist()
    [0.0, 1.0]
    """
    angle = np.deg2rad(TYPE_ANGLE[kind])
    return np.array([np.cos(angle), np.sin(angle)])


def _inputs(
    types: Sequence[str], angle: float, pos_gain: float, type_gain: float, seed: int
) -> tuple[np.ndarray, dict]:
    """``X (n, 4)`` and the hand-made ``W_Q, W_K, W_V`` (block-diagonal: head 1 on the
    position code, head 2 on the type code) with a random ``W_O``."""
    a = np.deg2rad(angle)
    i = np.arange(len(types))
    X = np.concatenate(
        [np.stack([np.cos(i * a), np.sin(i * a)], axis=1), np.stack([type_code(t) for t in types])],
        axis=1,
    )
    back = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])  # p_i back = p_{i-1}
    Z, I = np.zeros((2, 2)), np.eye(2)
    params = {
        "W_Q": np.block([[pos_gain * back, Z], [Z, type_gain * I]]),
        "W_K": np.block([[pos_gain * I, Z], [Z, type_gain * I]]),
        "W_V": np.block([[Z, I], [I, Z]]),  # head 1 carries the type, head 2 the position
        "W_O": np.random.default_rng(seed).normal(0.0, 0.5, (4, 4)),
    }
    return X, params


def multi_head_trace(
    seed: int = 0,
    angle: float = 45.0,
    pos_gain: float = 3.3,
    type_gain: float = 1.8,
    types: Sequence[str] = TYPES,
    tokens: Sequence[str] = TOKENS,
) -> Trace:
    """Run two hand-made heads on *the cat saw the dog* with the engine's loop (records in the
    module docstring).

    Parameters
    ----------
    seed : seed of ``W_O``.
    angle : degrees per position in the position code; below 72 so that, over 5 positions,
        the previous token is the only key at offset 0.
    pos_gain : head 1's gain on the position code (in ``W_Q`` and ``W_K``): larger, sharper.
    type_gain : head 2's gain on the type code.
    types, tokens : the words' types (keys of :data:`TYPE_ANGLE`) and the words shown.
    """
    if len(types) != len(tokens):
        raise ValueError(
            f"multi_head_trace: one type per token, got {len(types)} types and {len(tokens)} tokens"
        )
    X, params = _inputs(types, angle, pos_gain, type_gain, seed)
    h = 2
    n, d_model = X.shape
    meta = {"demo": "multi_head", "seed": seed, "n": n, "d_model": d_model, "h": h}
    with record(**meta, d_k=d_model // h) as tr:
        INPUTS.log(
            **params, X=X, tokens=list(tokens), types=list(types), h=h, d_k=d_model // h,
            angle=angle, pos_gain=pos_gain, type_gain=type_gain,
        )  # fmt: skip
        with record() as loop:
            out, weights = multi_head_attention_loop(X, X, params, h)
        heads = sorted(loop.find("mha.head"), key=lambda r: r.info["head"])

        def merged(key: str) -> np.ndarray:
            return merge_heads(np.stack([r[key] for r in heads]))

        MERGED.log(
            Q=merged("Q_h"), K=merged("K_h"), V=merged("V_h"), concat=merged("out_h"), out=out,
            weights=weights,
        )  # fmt: skip
    return tr
