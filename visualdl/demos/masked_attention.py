"""Masks in attention on a toy translation batch: the data of the ``masked-attention`` scene
and the ``attention-masks`` figure.

Two padded batches of ``B = 2`` sentences, pad id 0 (:data:`SOURCE`, :data:`TARGET`): the
decoder's input is the target shifted right (``<s>`` first, teacher forcing), the second
sentence of each batch is shorter and padded at the end. Each position's row is its token's
embedding plus the sinusoidal positional encoding, ``X = E[ids] + P``
(:func:`~visualdl.engine.embedding.embedding_forward`,
:func:`~visualdl.engine.positional.positional_encoding`); one head of width ``d_k`` projects
it, ``Q = X W_Q``, ``K = X W_K``, ``V = X W_V`` (:func:`~visualdl.engine.rows.linear_forward`,
no biases, as the notes' code). The weights are random (seeded), not trained: the masks, not
the meaning, are the point.

:func:`masked_attention_trace` (the scene) narrates the decoder's self-attention with the
engine's loop :func:`~visualdl.engine.attention_loops.scaled_dot_product_attention_loop`
(records ``attention.query``, one per query, ``-inf`` in ``masked`` where the mask is False),
in three sections:

- ``case="causal"``: the first target sentence with :func:`~visualdl.engine.attention.causal_mask`;
- ``case="unmasked"``: the same sentence without a mask (the row "before" the mask);
- ``case="padded"``: the whole target batch with the notes' ``tgt_mask``, the padding mask
  of the keys and the causal mask together (``batch`` in the info);

and :data:`MATRIX` stacks each section's query records into the matrices a picture shows,
:data:`ROW` walks one query's row from before to after the mask.

:func:`attention_masks_trace` (the figure) builds the notes' masks of the whole batch
(:data:`MASK`: ``src_mask`` (B, 1, n_src), the target's padding mask, the causal mask,
``tgt_mask`` (B, n_tgt, n_tgt)), runs the fast op in the three places the notes' mask table
names (:data:`WEIGHTS`: encoder self-attention and decoder cross-attention with ``src_mask``,
decoder masked self-attention with ``tgt_mask``), compares the notes' code,
``masked_fill(mask == 0, -1e9)`` then softmax, with the engine's ``-inf`` on the target batch
(:data:`FILL`), and on a left-padded sentence whose first rows have no key left (:data:`LEFT`):
there ``-1e9`` gives a uniform row and the engine raises its error, kept as text.

Example
-------
>>> from visualdl.demos.masked_attention import masked_attention_trace
>>> tr = masked_attention_trace()
>>> [r.info["i"] for r in tr.find("attention.query", case="causal")]
[0, 1, 2, 3, 4]
>>> tr.last("masked_attention.matrix", case="causal")["weights"][0].tolist()
[1.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.attention import (
    causal_mask,
    masked_fill,
    padding_mask,
    scaled_dot_product_attention,
)
from visualdl.engine.attention_loops import scaled_dot_product_attention_loop
from visualdl.engine.embedding import embedding_forward
from visualdl.engine.positional import positional_encoding
from visualdl.engine.rows import linear_forward, softmax_rows
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = [
    "FILL",
    "LEFT",
    "LEFT_PADDED",
    "MASK",
    "MATRIX",
    "PAD",
    "ROW",
    "SOURCE",
    "TARGET",
    "TOKENS",
    "WEIGHTS",
    "attention_masks_trace",
    "embed",
    "heads",
    "ids_of",
    "masked_attention_trace",
]

PAD = "<pad>"
#: the source batch (what the encoder reads), padded at the end
SOURCE = (("le", "chat", "était", "assis"), ("un", "chien", PAD, PAD))
#: the decoder's input batch: the target shifted right, ``<s>`` first, padded at the end
TARGET = (("<s>", "the", "cat", "sat", "down"), ("<s>", "a", "dog", PAD, PAD))
#: a sentence padded at the front (as batched generation pads): under the causal mask its
#: first two queries have no key left
LEFT_PADDED = (PAD, PAD, "<s>", "a", "dog")

TOKENS = declare(
    "masked_attention.tokens",
    arrays={"ids": "(B, n) token ids, 0 the padding"},
    info={
        "side": "source or target (or left_padded)",
        "tokens": "the words, B lists of n",
        "vocab": "the vocabulary, in id order (id 0 is <pad>)",
        "pad": "the padding id",
    },
)
INPUTS = declare(
    "masked_attention.inputs",
    arrays={
        "Q": "(B, n, d_k) X W_Q, one query per row",
        "K": "(B, n, d_k) X W_K",
        "V": "(B, n, d_k) X W_V",
    },
    info={"side": "source or target", "d_model": "width of X", "d_k": "the head's width"},
)
MATRIX = declare(
    "masked_attention.matrix",
    arrays={
        "scores": "(n, n) Q K^T / sqrt(d_k), the query records' scores stacked",
        "M": "(n, n) the formula's additive mask: 0 where kept, -inf where masked",
        "masked": "(n, n) scores + M, the records' masked rows",
        "weights": "(n, n) softmax of each masked row (the records' weights)",
    },
    info={"case": "causal, unmasked or padded", "batch": "the sentence of the batch, 0-based"},
)
ROW = declare(
    "masked_attention.row",
    arrays={
        "before": "(n,) the row's weights without the mask (sum 1)",
        "kept": "(n,) the same weights where the causal mask keeps the key, 0 elsewhere",
        "after": "(n,) the row's weights with the mask (the causal records')",
    },
    info={
        "i": "the query, 0-based",
        "kept_sum": "the sum of the kept weights before the mask",
        "ratio": "after / before on every kept key (the same for each: 1 / kept_sum)",
    },
)
MASK = declare(
    "attention_masks.mask",
    arrays={"keep": "bool keep array, True where the key may be attended (its shape in info)"},
    info={"mask": "src_mask, tgt_padding, causal or tgt_mask", "shape": "the mask's shape"},
)
WEIGHTS = declare(
    "attention_masks.weights",
    arrays={
        "keep": "(B, n_q, n_k) the mask broadcast to the scores",
        "weights": "(B, n_q, n_k) the fast op's attention weights",
    },
    info={
        "attention": "encoder_self, decoder_self or cross",
        "mask": "which mask (src_mask or tgt_mask)",
        "queries": "source or target",
        "keys": "source or target",
    },
)
FILL = declare(
    "attention_masks.fill",
    arrays={
        "scores": "(B, n, n) the decoder's scaled scores, before the mask",
        "filled": "(B, n, n) masked_fill(scores, tgt_mask, -1e9), the notes' code",
        "weights_fill": "(B, n, n) softmax of filled",
        "weights_inf": "(B, n, n) the engine's weights (-inf where masked)",
    },
    info={
        "max_difference": "the largest |weights_fill - weights_inf|",
        "masked_max": "the largest weight -1e9 leaves on a masked key",
    },
)
LEFT = declare(
    "attention_masks.left_padded",
    arrays={
        "keep": "(n, n) its padding mask and the causal mask together",
        "scores": "(n, n) its scaled scores",
        "weights_fill": "(n, n) softmax of masked_fill(scores, keep, -1e9)",
    },
    info={
        "tokens": "the words",
        "empty_rows": "the queries with no key kept",
        "error": "the engine's ValueError on the same scores and mask",
    },
)


def vocabulary() -> tuple[str, ...]:
    """Every word of :data:`SOURCE`, :data:`TARGET` and :data:`LEFT_PADDED`, ``<pad>`` first
    (id 0), then in order of first appearance."""
    words = [PAD]
    for sentence in (*SOURCE, *TARGET, LEFT_PADDED):
        words += [w for w in sentence if w not in words]
    return tuple(words)


def ids_of(sentences) -> np.ndarray:
    """Token ids ``(B, n)`` of equally long sentences (lists of words)."""
    vocab = vocabulary()
    return np.array([[vocab.index(w) for w in s] for s in sentences], dtype=np.int64)


def embed(ids: np.ndarray, E: np.ndarray) -> np.ndarray:
    """``X = E[ids] + P``: each token's embedding plus its position's code, ``(..., n, d)``."""
    X, _ = embedding_forward(ids, E)
    return X + positional_encoding(ids.shape[-1], E.shape[1])


def heads(X: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Q = X W_Q``, ``K = X W_K``, ``V = X W_V`` (no biases)."""
    return tuple(linear_forward(X, params[f"W_{k}"])[0] for k in "QKV")


def _parameters(rng: np.random.Generator, d_model: int, d_k: int, gain: float) -> dict:
    """One head's projections, entries normal with standard deviation ``gain / sqrt(d_model)``."""
    return {f"W_{k}": rng.normal(0, gain / np.sqrt(d_model), (d_model, d_k)) for k in "QKV"}


def _setup(seed: int, d_model: int, d_k: int, gain: float) -> dict:
    """Embeddings (one matrix per language) and the three heads' projections, from ``seed``."""
    rng = np.random.default_rng(seed)
    V = len(vocabulary())
    return {
        "E_src": rng.normal(0, 1, (V, d_model)),
        "E_tgt": rng.normal(0, 1, (V, d_model)),
        "encoder": _parameters(rng, d_model, d_k, gain),
        "decoder": _parameters(rng, d_model, d_k, gain),
        "cross": _parameters(rng, d_model, d_k, gain),
    }


def _tokens(side: str, sentences) -> np.ndarray:
    ids = ids_of(sentences)
    TOKENS.log(
        side=side, ids=ids, tokens=[list(s) for s in sentences], vocab=list(vocabulary()), pad=0
    )
    return ids


def _stacked(tr: Trace, case: str, batch: int, keep: np.ndarray) -> None:
    """The query records of section ``case`` (sentence ``batch``) as matrices."""
    where = {"case": case} if case != "padded" else {"case": case, "batch": batch}
    rows = sorted(tr.find("attention.query", **where), key=lambda r: r.info["i"])
    MATRIX.log(
        case=case,
        batch=batch,
        scores=np.stack([r["scores"] for r in rows]),
        M=np.where(keep, 0.0, -np.inf),
        masked=np.stack([r["masked"] for r in rows]),
        weights=np.stack([r["weights"] for r in rows]),
    )


def masked_attention_trace(
    seed: int = 1, d_model: int = 8, d_k: int = 4, gain: float = 1.0, row: int = 2
) -> Trace:
    """The decoder's self-attention on :data:`TARGET`, narrated by the engine's loop with the
    causal mask, without a mask, and with ``tgt_mask`` on the padded batch (records in the
    module docstring).

    Parameters
    ----------
    seed : seed of the embeddings and the projections.
    d_model : width of ``X = E[ids] + P``.
    d_k : the head's width (``Q, K, V: (B, n, d_k)``).
    gain : the projections' entries have standard deviation ``gain / sqrt(d_model)``.
    row : the query (0-based) walked from before to after the mask (:data:`ROW`).
    """
    p = _setup(seed, d_model, d_k, gain)
    meta = {"demo": "masked_attention", "seed": seed, "d_model": d_model, "d_k": d_k}
    with record(**meta) as tr:
        ids = _tokens("target", TARGET)
        Q, K, V = heads(embed(ids, p["E_tgt"]), p["decoder"])
        INPUTS.log(side="target", Q=Q, K=K, V=V, d_model=d_model, d_k=d_k)
        n = ids.shape[1]
        causal = causal_mask(n)
        tgt_mask = padding_mask(ids, 0) & causal
        with record(case="causal"):
            scaled_dot_product_attention_loop(Q[0], K[0], V[0], causal)
        with record(case="unmasked"):
            scaled_dot_product_attention_loop(Q[0], K[0], V[0])
        with record(case="padded"):
            scaled_dot_product_attention_loop(Q, K, V, tgt_mask)
        _stacked(tr, "causal", 0, causal)
        _stacked(tr, "unmasked", 0, np.ones((n, n), dtype=bool))
        for b in range(ids.shape[0]):
            _stacked(tr, "padded", b, tgt_mask[b])
        before = tr.last("attention.query", case="unmasked", i=row)["weights"]
        after = tr.last("attention.query", case="causal", i=row)["weights"]
        kept = np.where(causal[row], before, 0.0)
        ROW.log(
            i=row,
            before=before,
            kept=kept,
            after=after,
            kept_sum=float(kept.sum()),
            ratio=float(after[0] / before[0]),
        )
    return tr


def attention_masks_trace(
    seed: int = 1, d_model: int = 8, d_k: int = 4, gain: float = 1.0
) -> Trace:
    """The notes' masks on the padded batch, the weights they give in the three attentions,
    and the notes' ``-1e9`` against the engine's ``-inf`` (records in the module docstring);
    the parameters as in :func:`masked_attention_trace`, the same ``seed`` giving the same
    decoder weights."""
    p = _setup(seed, d_model, d_k, gain)
    meta = {"demo": "attention_masks", "seed": seed, "d_model": d_model, "d_k": d_k}
    with record(**meta) as tr:
        src, tgt = _tokens("source", SOURCE), _tokens("target", TARGET)
        left = _tokens("left_padded", [LEFT_PADDED])[0]
        src_mask = padding_mask(src, 0)
        tgt_padding = padding_mask(tgt, 0)
        causal = causal_mask(tgt.shape[1])
        tgt_mask = tgt_padding & causal
        for name, keep in (
            ("src_mask", src_mask),
            ("tgt_padding", tgt_padding),
            ("causal", causal),
            ("tgt_mask", tgt_mask),
        ):
            MASK.log(mask=name, keep=keep, shape=list(keep.shape))
        X_src, X_tgt = embed(src, p["E_src"]), embed(tgt, p["E_tgt"])
        Q_e, K_e, V_e = heads(X_src, p["encoder"])
        Q_d, K_d, V_d = heads(X_tgt, p["decoder"])
        Q_c = linear_forward(X_tgt, p["cross"]["W_Q"])[0]
        K_c = linear_forward(X_src, p["cross"]["W_K"])[0]
        V_c = linear_forward(X_src, p["cross"]["W_V"])[0]
        runs = (
            ("encoder_self", (Q_e, K_e, V_e), src_mask, "src_mask", "source", "source"),
            ("decoder_self", (Q_d, K_d, V_d), tgt_mask, "tgt_mask", "target", "target"),
            ("cross", (Q_c, K_c, V_c), src_mask, "src_mask", "target", "source"),
        )
        for attention, (Q, K, V), keep, mask, queries, keys in runs:
            _, cache = scaled_dot_product_attention(Q, K, V, keep)
            WEIGHTS.log(
                attention=attention,
                keep=np.broadcast_to(keep, cache["weights"].shape),
                weights=cache["weights"],
                mask=mask,
                queries=queries,
                keys=keys,
            )
        _, cache = scaled_dot_product_attention(Q_d, K_d, V_d, tgt_mask)
        filled = masked_fill(cache["scores"], tgt_mask, -1e9)
        weights_fill = softmax_rows(filled)
        FILL.log(
            scores=cache["scores"],
            filled=filled,
            weights_fill=weights_fill,
            weights_inf=cache["weights"],
            max_difference=float(np.abs(weights_fill - cache["weights"]).max()),
            masked_max=float(np.where(tgt_mask, 0.0, weights_fill).max()),
        )
        Q_l, K_l, V_l = heads(embed(left, p["E_tgt"]), p["decoder"])
        keep_l = padding_mask(left, 0)[0] & causal
        scores_l = scaled_dot_product_attention(Q_l, K_l, V_l)[1]["scores"]  # no mask yet
        try:
            scaled_dot_product_attention(Q_l, K_l, V_l, keep_l)
            error = ""
        except ValueError as exc:
            error = str(exc)
        LEFT.log(
            keep=keep_l,
            scores=scores_l,
            weights_fill=softmax_rows(masked_fill(scores_l, keep_l, -1e9)),
            tokens=list(LEFT_PADDED),
            empty_rows=[int(i) for i in np.flatnonzero(~keep_l.any(axis=1))],
            error=error,
        )
    return tr
