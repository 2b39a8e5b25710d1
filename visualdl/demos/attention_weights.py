"""Scaled dot-product attention on one short sentence: the data of the ``attention-weights``
scene.

The sentence is the notes' example (§3.4.6), "I have an Apple phone": five tokens, each a row
of hand-picked toy embeddings ``E`` with ``d_model = 4`` features that can be read (person,
action, name, device; learned embeddings are not this readable). The projections are
hand-picked too, so that the story can be checked by eye: ``W_Q`` says what a token looks for
(a person looks for an action, an action for its person and its device, a name for a device,
a device for a name), ``W_K = 2 I`` what it offers (its own features), ``W_V`` what it passes
on (person, action, device: the name feature alone carries no meaning). The engine then
computes everything the scene shows:

- ``X = E[ids]`` by :func:`~visualdl.engine.embedding.embedding_forward`; ``Q = X W_Q``,
  ``K = X W_K``, ``V = X W_V`` by :func:`~visualdl.engine.rows.linear_forward` (no bias, as the
  notes' code);
- inside ``record()``, :func:`~visualdl.engine.attention_loops.scaled_dot_product_attention_loop`
  narrates ``attention.query`` for every query ``i`` (``q``, ``scores = q . k_j / sqrt(d_k)``,
  ``weights``, ``out``);
- per query, :data:`QUERY` holds the steps the scene writes out between them, taken from that
  record: ``qk = q . k_j`` (the row of ``Q K^T`` before the scale), ``exps = e^{s_j}`` with
  their sum, and ``weighted = w_j v_j`` (its column sums are ``out``);
- :data:`RESULT`: the fast :func:`~visualdl.engine.attention.scaled_dot_product_attention` on
  the same ``Q, K, V`` (``Q K^T``, ``S = Q K^T / sqrt(d_k)``, ``A = softmax(S)``, ``A V``).

With these numbers "Apple" puts 0.66 of its attention on "phone", and its output's device
feature is 0.79 where its own value's is 0.10: the context says which Apple is meant.

Records: ``attention_weights.sentence``, ``attention.query`` (5), ``attention_weights.query``
(5, info ``i``), ``attention_weights.result``.

Example
-------
>>> from visualdl.demos.attention_weights import attention_weights_trace
>>> tr = attention_weights_trace()
>>> s = tr.last("attention_weights.sentence")
>>> s.info["tokens"], s["Q"].shape, s["V"].shape
(['I', 'have', 'an', 'Apple', 'phone'], (5, 4), (5, 3))
>>> w = tr.last("attention.query", i=3)["weights"]
>>> s.info["tokens"][int(w.argmax())], round(float(w.max()), 2)
('phone', 0.66)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from visualdl.engine.attention import scaled_dot_product_attention
from visualdl.engine.attention_loops import scaled_dot_product_attention_loop
from visualdl.engine.embedding import embedding_forward
from visualdl.engine.rows import linear_forward
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = [
    "EMBEDDINGS",
    "FEATURES",
    "QUERY",
    "RESULT",
    "SENTENCE",
    "VALUE_FEATURES",
    "W_K",
    "W_Q",
    "W_V",
    "attention_weights_trace",
]

SENTENCE = ("I", "have", "an", "Apple", "phone")
FEATURES = ("person", "action", "name", "device")  #: the columns of E (d_model = 4)
VALUE_FEATURES = ("person", "action", "device")  #: the columns of V (d_v = 3)
#: one toy embedding per token (rows of E), hand-picked: "Apple" is a name (a fruit or a firm)
EMBEDDINGS = {
    "I": (1.0, 0.1, 0.0, 0.0),
    "have": (0.0, 1.0, 0.0, 0.2),
    "an": (0.1, 0.0, 0.2, 0.6),
    "Apple": (0.0, 0.0, 1.0, 0.1),
    "phone": (0.0, 0.4, 0.1, 1.0),
}
#: what a token looks for: row = its feature, column = the key feature sought
W_Q = np.array(
    [
        [0.0, 2.0, 0.0, 0.0],  # a person looks for an action
        [1.0, 0.0, 0.0, 2.0],  # an action looks for its person and its device
        [0.0, 0.0, 0.0, 3.0],  # a name looks for a device
        [0.0, 0.0, 2.0, 0.0],  # a device looks for a name
    ]
)
W_K = 2.0 * np.eye(4)  #: what a token offers: its own features
#: what a token passes on: person, action and device (a name alone says nothing)
W_V = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

SENTENCE_KIND = declare(
    "attention_weights.sentence",
    arrays={
        "ids": "(n,) token ids: positions in the vocabulary",
        "E": "(n_vocab, d_model) the toy embeddings, one row per token",
        "X": "(n, d_model) E[ids], one row per position",
        "W_Q": "(d_model, d_k)",
        "W_K": "(d_model, d_k)",
        "W_V": "(d_model, d_v)",
        "Q": "(n, d_k) X W_Q",
        "K": "(n, d_k) X W_K",
        "V": "(n, d_v) X W_V",
    },
    info={
        "tokens": "the sentence, one token per position",
        "vocab": "the vocabulary, one token per row of E",
        "features": "names of the columns of E and X",
        "value_features": "names of the columns of V",
        "d_k": "width of a query and a key",
        "sqrt_d_k": "sqrt(d_k), the divisor of the scores",
        "walked": "the position whose query the scene walks through",
    },
)
QUERY = declare(
    "attention_weights.query",
    arrays={
        "qk": "(n_k,) q . k_j, the query's row of Q K^T before the scale",
        "exps": "(n_k,) e^{s_j} of the loop's scores s_j",
        "weighted": "(n_k, d_v) w_j v_j, the loop's weights times the rows of V",
    },
    info={
        "i": "query index (row of Q), 0-based",
        "exp_sum": "sum_j e^{s_j}",
        "weights_sum": "sum_j w_j of the loop's weights (1 up to rounding)",
    },
)
RESULT = declare(
    "attention_weights.result",
    arrays={
        "QK": "(n, n) Q K^T",
        "scores": "(n, n) S = Q K^T / sqrt(d_k), the fast op's cache",
        "weights": "(n, n) A = softmax(S) row by row",
        "out": "(n, d_v) A V",
    },
)


def attention_weights_trace(sentence: Sequence[str] = SENTENCE, walked: str = "Apple") -> Trace:
    """The sentence through scaled dot-product self-attention, with every query narrated
    (records in the module docstring).

    Parameters
    ----------
    sentence : tokens, each a key of :data:`EMBEDDINGS`.
    walked : the token whose query the scene walks through (its first position).
    """
    vocab = list(EMBEDDINGS)
    unknown = [t for t in sentence if t not in EMBEDDINGS]
    if unknown or walked not in sentence:
        raise ValueError(
            f"attention_weights_trace: tokens must be among {vocab} and walked one of them, "
            f"got unknown {unknown}, walked {walked!r}"
        )
    E = np.array([EMBEDDINGS[t] for t in vocab])
    ids = np.array([vocab.index(t) for t in sentence])
    X, _ = embedding_forward(ids, E)
    Q, _ = linear_forward(X, W_Q)
    K, _ = linear_forward(X, W_K)
    V, _ = linear_forward(X, W_V)
    d_k = Q.shape[1]
    meta = {"demo": "attention_weights", "n": len(sentence), "d_k": d_k, "d_v": V.shape[1]}
    with record(**meta) as tr:
        SENTENCE_KIND.log(
            ids=ids, E=E, X=X, W_Q=W_Q, W_K=W_K, W_V=W_V, Q=Q, K=K, V=V,
            tokens=list(sentence), vocab=vocab, features=list(FEATURES),
            value_features=list(VALUE_FEATURES), d_k=d_k, sqrt_d_k=math.sqrt(d_k),
            walked=list(sentence).index(walked),
        )  # fmt: skip
        scaled_dot_product_attention_loop(Q, K, V)
    for rec in tr.find("attention.query"):
        i = rec.info["i"]
        exps = np.exp(rec["scores"])
        QUERY.add(
            tr, i=i, qk=K @ Q[i], exps=exps, weighted=rec["weights"][:, None] * V,
            exp_sum=float(exps.sum()), weights_sum=float(rec["weights"].sum()),
        )  # fmt: skip
    out, cache = scaled_dot_product_attention(Q, K, V)
    RESULT.add(tr, QK=Q @ K.T, scores=cache["scores"], weights=cache["weights"], out=out)
    return tr
