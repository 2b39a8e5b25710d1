"""Exercises of the chapter "Attention and the Transformer".

The row layout of the notes: rows are positions. Queries ``Q: (n_q, d_k)``, keys
``K: (n_k, d_k)``, values ``V: (n_k, d_v)``, a layer's input ``X: (n, d)``. Every case has
``n_q``, ``n_k``, ``d_k`` and ``d_v`` different where the layout lets them differ, so a
transpose or a sum over the wrong axis cannot pass by accident.

Example
-------
>>> [ex.name for ex in EXERCISES]
['masked_attention', 'positional_encoding', 'layer_norm_bug_hunt']
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.attention import causal_mask, padding_mask, scaled_dot_product_attention
from visualdl.engine.layer_norm import layer_norm, layer_norm_notes
from visualdl.engine.positional import positional_encoding
from visualdl.exercises.exercise import Exercise, Mistake
from visualdl.registry import ATTN

__all__ = ["EXERCISES"]


# -- masked_attention ----------------------------------------------------------------------


def _attention(rng: np.random.Generator) -> list[dict]:
    """A causal mask (n_q = n_k), a padding mask (n_q != n_k, the last keys padding), and
    both at once."""

    def qkv(n_q, n_k, d_k, d_v):
        return {
            "Q": rng.standard_normal((n_q, d_k)),
            "K": rng.standard_normal((n_k, d_k)),
            "V": rng.standard_normal((n_k, d_v)),
        }

    ids = np.array([4, 9, 2, 7, 0, 0, 0])  # three pads at the end, pad id 0
    pads = np.broadcast_to(padding_mask(ids, pad=0)[0], (3, 7)).copy()
    ids6 = np.array([5, 3, 8, 1, 0, 0])
    both = causal_mask(6) & padding_mask(ids6, pad=0)[0]
    return [
        qkv(5, 5, 4, 3) | {"mask": causal_mask(5)},
        qkv(3, 7, 8, 2) | {"mask": pads},
        qkv(6, 6, 2, 5) | {"mask": both},
    ]


def _masked_attention(Q, K, V, mask):
    out, cache = scaled_dot_product_attention(Q, K, V, mask)
    return out, cache["weights"]


def _softmax(S, axis=-1):
    E = np.exp(S - S.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _attention_variant(how: str):
    """Scaled dot-product attention with one mistake, ``how``."""

    def masked_attention(Q, K, V, mask):
        S = Q @ K.T / (1.0 if how == "no_scaling" else np.sqrt(Q.shape[1]))
        if how == "mask_after_softmax":
            A = _softmax(S) * mask
        else:
            keep = ~mask if how == "mask_inverted" else mask
            A = _softmax(np.where(keep, S, -np.inf), axis=0 if how == "wrong_axis" else -1)
        return A @ V, A

    return masked_attention


# -- positional_encoding -------------------------------------------------------------------


def _pe_variant(how: str):
    """The sinusoidal encoding with one mistake, ``how``."""

    def pe(n, d):
        pos, j = np.arange(n)[:, None], np.arange(d)
        two_i = j - j % 2  # the 2i of column j: 0, 0, 2, 2, 4, ...
        if how == "exponent_i_over_d":
            two_i = j // 2  # i, not 2i
        elif how == "odd_column_exponent":
            two_i = j
        rate = 10000.0 ** (two_i / d)
        angle = pos * rate if how == "multiplies" else pos / rate
        sine = j % 2 == (1 if how == "sin_cos_swapped" else 0)
        return np.where(sine, np.sin(angle), np.cos(angle))

    return pe


# -- layer_norm_bug_hunt -------------------------------------------------------------------


def _layer_norm_cases(rng: np.random.Generator) -> list[dict]:
    """eps large enough (or the variance small enough) that where it goes shows."""

    def case(shape, scale, eps):
        d = shape[-1]
        X = scale * rng.standard_normal(shape) + rng.standard_normal(d)
        return {"X": X, "alpha": 1 + rng.standard_normal(d), "bias": rng.standard_normal(d)} | {
            "eps": eps
        }

    return [case((5, 4), 1.0, 1e-2), case((3, 8), 0.01, 1e-5), case((2, 3, 6), 1.0, 1e-1)]


def _layer_norm(X, alpha, bias, eps):
    return layer_norm(X, alpha, bias, eps)[0]


def _normalise(X, alpha, bias, mu, var, eps, eps_outside=False):
    scale = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return alpha * (X - mu) / scale + bias


def _layer_norm_unbiased(X, alpha, bias, eps):
    mu = X.mean(axis=-1, keepdims=True)
    return _normalise(X, alpha, bias, mu, X.var(axis=-1, ddof=1, keepdims=True), eps)


def _layer_norm_eps_outside(X, alpha, bias, eps):
    mu, var = X.mean(axis=-1, keepdims=True), X.var(axis=-1, keepdims=True)
    return _normalise(X, alpha, bias, mu, var, eps, eps_outside=True)


def _layer_norm_over_positions(X, alpha, bias, eps):
    mu, var = X.mean(axis=0, keepdims=True), X.var(axis=0, keepdims=True)
    return _normalise(X, alpha, bias, mu, var, eps)


LAYER_NORM_NOTES = '''\
import numpy as np


def layer_norm(X, alpha, bias, eps):
    """The notes' LayerNormalization. It is not (X - mu) / sqrt(var + eps): find why, fix it."""
    mean = X.mean(axis=-1, keepdims=True)
    std = X.std(axis=-1, ddof=1, keepdims=True)  # the notes: x.std(dim=-1)
    return alpha * (X - mean) / (std + eps) + bias
'''
"""The starter: the notes' code in NumPy (the engine's :func:`layer_norm_notes`)."""


EXERCISES = (
    Exercise(
        "masked_attention",
        ATTN,
        "Scaled dot-product attention with a mask",
        "Given Q: (n_q, d_k), K: (n_k, d_k), V: (n_k, d_v) (one position per row) and a "
        "boolean keep mask: (n_q, n_k), True where query i may attend to key j (every row "
        "keeps at least one key), return\n"
        "    scores = Q K^T / sqrt(d_k)                       (n_q, n_k)\n"
        "    scores[i, j] = -inf where mask[i, j] is False    (the notes' additive M)\n"
        "    A = softmax(scores), row by row: each row sums to 1, masked weights are 0\n"
        "    out = A V                                        (n_q, d_v)\n"
        "Return (out, A). The cases: a causal mask (j <= i), a padding mask (the last keys "
        "are padding, n_q != n_k), and both.",
        "def masked_attention(Q, K, V, mask)",
        _masked_attention,
        _attention,
        (
            Mistake(
                "mask_after_softmax",
                "the mask goes into the scores, before the softmax: zeroing weights after it "
                "leaves rows that no longer sum to 1",
                _attention_variant("mask_after_softmax"),
            ),
            Mistake(
                "no_scaling",
                "the scores are divided by sqrt(d_k): Q K^T / sqrt(d_k)",
                _attention_variant("no_scaling"),
            ),
            Mistake(
                "wrong_axis",
                "the softmax runs over the keys of one query (each row, axis=-1), not over the "
                "queries (axis=0)",
                _attention_variant("wrong_axis"),
            ),
            Mistake(
                "mask_inverted",
                "mask is a KEEP mask: -inf goes where it is False (masked_fill(mask == 0, ...))",
                _attention_variant("mask_inverted"),
            ),
        ),
        ("out", "A"),
        row="scaled_dot_product_attention",
    ),
    Exercise(
        "positional_encoding",
        ATTN,
        "The sinusoidal positional encoding",
        "Given the number of positions n and the model width d (d_model), return P: (n, d) "
        "with, for pos = 0 .. n-1 and each column pair (2i, 2i+1):\n"
        "    P[pos, 2i]     = sin(pos / 10000^(2i/d))\n"
        "    P[pos, 2i + 1] = cos(pos / 10000^(2i/d))     (the same angle as its sine)\n"
        "An odd d must work: its last column 2i = d - 1 is a sine with no cosine after it "
        "(the notes' code crashes there, E21). A case has d odd.",
        "def positional_encoding(n, d)",
        lambda n, d: np.asarray(positional_encoding(n, d)),
        lambda rng: [{"n": 6, "d": 8}, {"n": 9, "d": 5}, {"n": 50, "d": 16}],
        (
            Mistake(
                "exponent_i_over_d",
                "the exponent is 2i/d, with 2i the pair's even column (0, 2, 4, ...), not the "
                "pair number i/d",
                _pe_variant("exponent_i_over_d"),
            ),
            Mistake(
                "odd_column_exponent",
                "the cosine column 2i+1 shares its sine's angle pos / 10000^(2i/d), not "
                "10000^((2i+1)/d)",
                _pe_variant("odd_column_exponent"),
            ),
            Mistake(
                "sin_cos_swapped",
                "the even columns 2i are the sines and the odd columns 2i+1 the cosines",
                _pe_variant("sin_cos_swapped"),
            ),
            Mistake(
                "multiplies",
                "pos is divided by 10000^(2i/d), not multiplied (the notes' comment slip, E20)",
                _pe_variant("multiplies"),
            ),
        ),
        ("P",),
        row="positional_encoding",
    ),
    Exercise(
        "layer_norm_bug_hunt",
        ATTN,
        "Bug hunt: the notes' LayerNorm",
        "Given X: (..., d) (one position per row, any leading axes), alpha, bias: (d,) (the "
        "notes' names for gamma, beta) and eps, LayerNorm normalises each row over its d "
        "features (the paper's formula, torch.nn.LayerNorm, the engine's layer_norm):\n"
        "    mu = (1/d) sum_j X_j,   var = (1/d) sum_j (X_j - mu)^2\n"
        "    Y = alpha * (X - mu) / sqrt(var + eps) + bias\n"
        "Return Y, the shape of X. The starter is the notes' LayerNormalization code; its "
        "output differs from this formula (by about sqrt((d - 1) / d) and in where eps "
        "goes): find why and fix it.",
        "def layer_norm(X, alpha, bias, eps)",
        _layer_norm,
        _layer_norm_cases,
        (
            Mistake(
                "layer_norm_notes",
                "the notes' code: x.std is the unbiased std (d - 1) and eps is added to it; "
                "use the variance over d with eps inside the square root",
                layer_norm_notes,
            ),
            Mistake(
                "unbiased_variance",
                "the variance divides by d, not d - 1 (numpy's var and std have ddof=0; "
                "torch's std is unbiased)",
                _layer_norm_unbiased,
            ),
            Mistake(
                "eps_outside_root",
                "eps goes inside the square root: sqrt(var + eps), not sqrt(var) + eps",
                _layer_norm_eps_outside,
            ),
            Mistake(
                "wrong_axis",
                "the statistics are per row, over its d features (axis=-1), not over the "
                "positions (axis=0, batch norm's)",
                _layer_norm_over_positions,
            ),
        ),
        ("Y",),
        starter=LAYER_NORM_NOTES,
        row="layer_norm",
    ),
)
