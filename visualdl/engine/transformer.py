"""The Transformer, as the notes' code builds it: Pre-LN encoder and decoder blocks, a
sequence-to-sequence model with its explicit backward, and training by teacher forcing.

Rows are positions, ``X: (B, n, d_model)``. A block wraps each sub-layer in a residual
connection around a LayerNorm **before** it (the notes' ``ResidualConnection``,
``x + dropout(sublayer(norm(x)))``, Pre-LN; their prose formula ``Norm(MultiHead) + Input``
is neither Pre- nor Post-LN, E25). No dropout here::

    encoder block:  X1 = X + MHA(LN1(X), LN1(X), mask)          self-attention
                    Y  = X1 + FFN(LN2(X1))
    decoder block:  Y1 = Y + MHA(LN1(Y), LN1(Y), self_mask)     masked self-attention
                    Y2 = Y1 + MHA(LN2(Y1), enc, cross_mask)     cross: Q from the decoder,
                    Y3 = Y2 + FFN(LN3(Y2))                      K and V from the encoder

The model (the notes' ``build_transformer`` at toy size)::

    enc    = LN(encoder blocks(src_E[src] sqrt(d_model) + P))
    dec    = LN(decoder blocks(tgt_E[tgt_in] sqrt(d_model) + P, enc))
    logits = dec out.W + out.b                                (B, n_tgt, V_tgt)

with a final LayerNorm after each stack (needed with Pre-LN), ``P`` the sinusoidal positional
encoding, separate source and target embeddings (no weight tying). Masks (the notes' table):
the source padding mask in the encoder's self-attention and in the cross-attention, causal and
padding in the decoder's self-attention. Training is teacher forcing: ``tgt_in = BOS t`` goes
in, every position predicts the next token ``tgt_out = t EOS`` at once, and the loss is the
mean cross-entropy over non-padding labels (:func:`visualdl.engine.rows.cross_entropy_rows`).

Every backward returns gradients of the summed loss (the row layout's convention), keyed
``"d" + name``; the model's come from the mean cross-entropy, whose backward holds the ``1/N``.

Parameter names (``n_layers = 1``): ``src_E, tgt_E``; ``enc1.ln1.gamma, enc1.ln1.beta,
enc1.W_Q, enc1.W_K, enc1.W_V, enc1.W_O, enc1.ln2.*, enc1.W1, enc1.b1, enc1.W2, enc1.b2``;
``enc.ln.gamma, enc.ln.beta``; ``dec1.ln1.*, dec1.self.W_Q .. W_O, dec1.ln2.*,
dec1.cross.W_Q .. W_O, dec1.ln3.*, dec1.W1 .. b2``; ``dec.ln.*``; ``out.W, out.b``. Matrices
start Xavier-uniform, as ``build_transformer``'s ``nn.init.xavier_uniform_`` on every
parameter with ``dim() > 1``; biases start at 0 (PyTorch's ``nn.Linear`` draws them small and
uniform), LayerNorm's gamma at 1 and beta at 0.

Inside ``with visualdl.trace.record()``, each forward records every attention's weights
``(B, h, n_q, n_k)``: ``encoder{l}.attention``, ``decoder{l}.self_attention`` and
``decoder{l}.cross_attention`` (the notes keep them as ``self.attention_scores`` "for
visualization"); the last forward's are also in :attr:`Transformer.attention_weights`.

Example
-------
>>> import numpy as np
>>> model = Transformer(src_vocab=13, tgt_vocab=13, d_model=8, h=2, d_ff=16, max_len=8)
>>> src, tgt_in = np.array([[3, 4, 5]]), np.array([[1, 5, 4]])
>>> model.forward(src, tgt_in).shape
(1, 3, 13)
>>> sorted(model.attention_weights)
['decoder1.cross_attention', 'decoder1.self_attention', 'encoder1.attention']
>>> model.attention_weights["decoder1.self_attention"][0, 0].round(2).tolist()[0]  # causal
[1.0, 0.0, 0.0]
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from visualdl import trace
from visualdl.backend import array_module, to_host
from visualdl.engine.attention import (
    causal_mask,
    multi_head_attention,
    multi_head_attention_backward,
    padding_mask,
)
from visualdl.engine.checks import float_dtype, gradient, integer, named, number
from visualdl.engine.digit_tasks import PAD
from visualdl.engine.embedding import embedding_backward, embedding_forward
from visualdl.engine.feedforward import FFN_KEYS, ffn_backward, ffn_forward
from visualdl.engine.initializers import Rng, make_rng
from visualdl.engine.layer_norm import layer_norm, layer_norm_backward
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.positional import positional_encoding
from visualdl.engine.rows import (
    cross_entropy_rows,
    cross_entropy_rows_backward,
    linear_backward,
    linear_forward,
    token_ids,
)
from visualdl.schema import declare

__all__ = [
    "DECODER_KEYS",
    "ENCODER_KEYS",
    "Transformer",
    "decoder_block_backward",
    "decoder_block_forward",
    "decoder_block_parameters",
    "encoder_block_backward",
    "encoder_block_forward",
    "encoder_block_parameters",
    "xavier_uniform",
]

Array = Any
_MHA = ("W_Q", "W_K", "W_V", "W_O")
_LN = ("gamma", "beta")
#: one encoder block's parameter names
ENCODER_KEYS = (
    *(f"ln1.{k}" for k in _LN),
    *_MHA,
    *(f"ln2.{k}" for k in _LN),
    *FFN_KEYS,
)
#: one decoder block's parameter names
DECODER_KEYS = (
    *(f"ln1.{k}" for k in _LN),
    *(f"self.{k}" for k in _MHA),
    *(f"ln2.{k}" for k in _LN),
    *(f"cross.{k}" for k in _MHA),
    *(f"ln3.{k}" for k in _LN),
    *FFN_KEYS,
)

_W = {"weights": "(B, h, n_q, n_k) attention weights of every head; each row sums to 1"}
ENCODER_ATTENTION = declare("encoder{l}.attention", arrays=_W)
DECODER_SELF_ATTENTION = declare("decoder{l}.self_attention", arrays=_W)
DECODER_CROSS_ATTENTION = declare("decoder{l}.cross_attention", arrays=_W)


# -- parameters ------------------------------------------------------------------------------


def xavier_uniform(shape: tuple[int, int], rng: Rng) -> np.ndarray:
    """``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))`` (``nn.init.xavier_uniform_``;
    for a 2-D shape the two fans are its two sizes)."""
    a = math.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-a, a, size=shape)


def _block_parameters(keys: Sequence[str], d_model: int, d_ff: int, rng: Rng) -> dict:
    shapes = {"W1": (d_model, d_ff), "b1": (d_ff,), "W2": (d_ff, d_model), "b2": (d_model,)}
    out = {}
    for k in keys:
        leaf = k.rsplit(".", 1)[-1]
        if leaf == "gamma":
            out[k] = np.ones(d_model)
        elif leaf in ("beta", "b2", "b1"):
            out[k] = np.zeros(shapes.get(leaf, (d_model,)))
        else:
            out[k] = xavier_uniform(shapes.get(leaf, (d_model, d_model)), rng)
    return out


def encoder_block_parameters(d_model: int, d_ff: int, rng: Rng) -> dict[str, np.ndarray]:
    """One encoder block's parameters (:data:`ENCODER_KEYS`), float64 on the host."""
    return _block_parameters(ENCODER_KEYS, d_model, d_ff, rng)


def decoder_block_parameters(d_model: int, d_ff: int, rng: Rng) -> dict[str, np.ndarray]:
    """One decoder block's parameters (:data:`DECODER_KEYS`), float64 on the host."""
    return _block_parameters(DECODER_KEYS, d_model, d_ff, rng)


def _sub(params: dict, prefix: str, keys: Sequence[str]) -> dict:
    """``{key: params[prefix + key]}`` for ``keys``."""
    return {k: params[prefix + k] for k in keys}


def _check_block(op: str, params: Any, keys: Sequence[str]) -> None:
    if not isinstance(params, dict):
        raise ValueError(f"{op}: params must be a dict keyed {list(keys)}, got {type(params)}")
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"{op}: params is missing {missing} (expected keys {list(keys)})")


# -- blocks ----------------------------------------------------------------------------------


def _residual_ln(X: Array, params: dict, ln: str) -> tuple[Array, dict]:
    return layer_norm(X, params[f"{ln}.gamma"], params[f"{ln}.beta"])


def encoder_block_forward(
    X: Array, params: dict[str, Array], h: int, mask: Any = None
) -> tuple[Array, dict[str, Any]]:
    """One Pre-LN encoder block: ``X1 = X + MHA(LN1(X), LN1(X))``, ``Y = X1 + FFN(LN2(X1))``.

    Parameters
    ----------
    X : (..., n, d_model) positions in rows.
    params : the keys :data:`ENCODER_KEYS` (``ln1.gamma``, ``W_Q`` .. ``W_O``, ``W1`` ..).
    h : number of heads, dividing ``d_model``.
    mask : bool keep mask broadcastable to (..., n, n): the source padding mask.

    Returns
    -------
    Y : (..., n, d_model); cache with ``weights`` (..., h, n, n).
    """
    op = "encoder_block_forward"
    _check_block(op, params, ENCODER_KEYS)
    with named(op):
        A, c_ln1 = _residual_ln(X, params, "ln1")
        S, c_att = multi_head_attention(A, A, _sub(params, "", _MHA), h, mask)
        X1 = X + S
        B, c_ln2 = _residual_ln(X1, params, "ln2")
        F, c_ffn = ffn_forward(B, _sub(params, "", FFN_KEYS))
    cache = {"ln1": c_ln1, "att": c_att, "ln2": c_ln2, "ffn": c_ffn, "weights": c_att["weights"]}
    return X1 + F, cache


def encoder_block_backward(dY: Array, cache: dict[str, Any]) -> tuple[Array, dict[str, Array]]:
    """``(dX, grads)`` of the summed loss: ``grads`` keyed ``"d" + key`` of
    :data:`ENCODER_KEYS`. Through the residuals: ``dX1 = dY + LN2'(FFN'(dY))``,
    ``dX = dX1 + LN1'(dX_q + dX_kv)`` (self-attention uses ``LN1(X)`` twice)."""
    g: dict[str, Array] = {}
    f = ffn_backward(dY, cache["ffn"])
    dB = f.pop("dX")
    g.update(f)
    dX1_ln, g["dln2.gamma"], g["dln2.beta"] = layer_norm_backward(dB, cache["ln2"])
    dX1 = dY + dX1_ln
    a = multi_head_attention_backward(dX1, cache["att"])
    dA = a.pop("dX_q") + a.pop("dX_kv")
    g.update(a)
    dX_ln, g["dln1.gamma"], g["dln1.beta"] = layer_norm_backward(dA, cache["ln1"])
    return dX1 + dX_ln, {"d" + k: g["d" + k] for k in ENCODER_KEYS}


def decoder_block_forward(
    Y: Array,
    enc: Array,
    params: dict[str, Array],
    h: int,
    self_mask: Any = None,
    cross_mask: Any = None,
) -> tuple[Array, dict[str, Any]]:
    """One Pre-LN decoder block: masked self-attention, cross-attention on ``enc``, FFN.

    Parameters
    ----------
    Y : (..., n_t, d_model) the target positions.
    enc : (..., n_s, d_model) the encoder's output (the cross-attention's K and V).
    params : the keys :data:`DECODER_KEYS`.
    h : number of heads.
    self_mask : bool keep mask broadcastable to (..., n_t, n_t): causal (and target padding).
    cross_mask : bool keep mask broadcastable to (..., n_t, n_s): the source padding.

    Returns
    -------
    Y3 : (..., n_t, d_model); cache with ``self_weights`` (..., h, n_t, n_t) and
    ``cross_weights`` (..., h, n_t, n_s).
    """
    op = "decoder_block_forward"
    _check_block(op, params, DECODER_KEYS)
    with named(op):
        A, c_ln1 = _residual_ln(Y, params, "ln1")
        S, c_self = multi_head_attention(A, A, _sub(params, "self.", _MHA), h, self_mask)
        Y1 = Y + S
        B, c_ln2 = _residual_ln(Y1, params, "ln2")
        C, c_cross = multi_head_attention(B, enc, _sub(params, "cross.", _MHA), h, cross_mask)
        Y2 = Y1 + C
        D, c_ln3 = _residual_ln(Y2, params, "ln3")
        F, c_ffn = ffn_forward(D, _sub(params, "", FFN_KEYS))
    cache = {"ln1": c_ln1, "self": c_self, "ln2": c_ln2, "cross": c_cross, "ln3": c_ln3}
    cache |= {"ffn": c_ffn, "self_weights": c_self["weights"], "cross_weights": c_cross["weights"]}
    return Y2 + F, cache


def decoder_block_backward(
    dY: Array, cache: dict[str, Any]
) -> tuple[Array, Array, dict[str, Array]]:
    """``(dY_in, denc, grads)`` of the summed loss: the gradient of the block's target input,
    of the encoder output (through the cross-attention's K and V), and of the parameters
    (keyed ``"d" + key`` of :data:`DECODER_KEYS`)."""
    g: dict[str, Array] = {}
    f = ffn_backward(dY, cache["ffn"])
    dD = f.pop("dX")
    g.update(f)
    dY2_ln, g["dln3.gamma"], g["dln3.beta"] = layer_norm_backward(dD, cache["ln3"])
    dY2 = dY + dY2_ln
    c = multi_head_attention_backward(dY2, cache["cross"])
    dB, denc = c.pop("dX_q"), c.pop("dX_kv")
    g.update({f"dcross.{k[1:]}": v for k, v in c.items()})
    dY1_ln, g["dln2.gamma"], g["dln2.beta"] = layer_norm_backward(dB, cache["ln2"])
    dY1 = dY2 + dY1_ln
    s = multi_head_attention_backward(dY1, cache["self"])
    dA = s.pop("dX_q") + s.pop("dX_kv")
    g.update({f"dself.{k[1:]}": v for k, v in s.items()})
    dY_ln, g["dln1.gamma"], g["dln1.beta"] = layer_norm_backward(dA, cache["ln1"])
    return dY1 + dY_ln, denc, {"d" + k: g["d" + k] for k in DECODER_KEYS}


# -- the model -------------------------------------------------------------------------------


class Transformer:
    """A sequence-to-sequence Transformer (the notes' ``build_transformer``, toy-sized).

    Parameters
    ----------
    src_vocab, tgt_vocab : vocabulary sizes (the digit tasks: 13 each).
    d_model : model width; ``h`` heads must divide it.
    h : number of attention heads.
    d_ff : the FFN's hidden width.
    n_layers : encoder blocks and decoder blocks (the notes' ``N``, 6 there).
    max_len : longest source or target sequence (the positional encoding's rows).
    seed : the initial parameters' generator seed.
    dtype : "float64" or "float32".
    pad : the padding token id (``digit_tasks.PAD = 0``).

    Attributes
    ----------
    params : dict of the parameters, keyed as the module docstring lists.
    attention_weights : dict ``{"encoder1.attention": (B, h, n_s, n_s), ...}``, the weights
        of the last forward (arrays of the backend; the trace holds host copies).
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        d_model: int = 32,
        h: int = 4,
        d_ff: int = 64,
        n_layers: int = 1,
        max_len: int = 32,
        seed: int | Rng | None = 0,
        dtype: str = "float64",
        pad: int = PAD,
    ) -> None:
        op = "Transformer"
        self.src_vocab, self.tgt_vocab = (
            integer(op, "src_vocab", src_vocab),
            integer(op, "tgt_vocab", tgt_vocab),
        )
        self.d_model, self.h = integer(op, "d_model", d_model), integer(op, "h", h)
        if self.d_model % self.h:
            raise ValueError(f"{op}: d_model = {d_model} is not divisible by h = {h} heads")
        self.d_ff, self.n_layers = integer(op, "d_ff", d_ff), integer(op, "n_layers", n_layers)
        self.max_len, self.pad = integer(op, "max_len", max_len), integer(op, "pad", pad, 0)
        self.dtype = float_dtype(op, dtype)
        rng = make_rng(seed)
        d = self.d_model
        p: dict[str, np.ndarray] = {
            "src_E": xavier_uniform((self.src_vocab, d), rng),
            "tgt_E": xavier_uniform((self.tgt_vocab, d), rng),
        }
        for l in range(1, self.n_layers + 1):
            blk = encoder_block_parameters(d, self.d_ff, rng)
            p |= {f"enc{l}.{k}": v for k, v in blk.items()}
        p |= {"enc.ln.gamma": np.ones(d), "enc.ln.beta": np.zeros(d)}
        for l in range(1, self.n_layers + 1):
            blk = decoder_block_parameters(d, self.d_ff, rng)
            p |= {f"dec{l}.{k}": v for k, v in blk.items()}
        p |= {"dec.ln.gamma": np.ones(d), "dec.ln.beta": np.zeros(d)}
        p |= {"out.W": xavier_uniform((d, self.tgt_vocab), rng), "out.b": np.zeros(self.tgt_vocab)}
        self.params = {k: v.astype(self.dtype) for k, v in p.items()}
        self.P = positional_encoding(self.max_len, d, dtype=self.dtype.name)
        self.attention_weights: dict[str, np.ndarray] = {}
        self._cache: dict[str, Any] | None = None

    # -- forward ---------------------------------------------------------------------------

    def _ids(self, op: str, name: str, ids: Any, vocab: int) -> np.ndarray:
        ids = token_ids(op, name, ids, vocab)
        if ids.ndim != 2 or ids.shape[1] < 1:
            raise ValueError(f"{op}: {name} must be (B, n) token ids, got shape {ids.shape}")
        if ids.shape[1] > self.max_len:
            raise ValueError(
                f"{op}: {name} has {ids.shape[1]} positions, more than max_len = {self.max_len}"
            )
        return ids

    def _embed(self, ids: np.ndarray, key: str) -> tuple[Array, dict]:
        X, cache = embedding_forward(ids, self.params[key])
        return X * math.sqrt(self.d_model) + self.P[: ids.shape[1]], cache

    def masks(self, src: Any, tgt_in: Any) -> tuple[Array, Array]:
        """``(src_keep (B, 1, n_s), tgt_keep (B, n_t, n_t))``: the source padding mask (for
        the encoder's self-attention and the cross-attention) and causal AND target padding
        (for the decoder's self-attention)."""
        src_keep = padding_mask(src, self.pad)
        tgt_keep = causal_mask(tgt_in.shape[1]) & padding_mask(tgt_in, self.pad)
        return src_keep, tgt_keep

    def encode(self, src: Any) -> tuple[Array, dict]:
        """The encoder stack: ``enc = LN(blocks(src_E[src] sqrt(d) + P))``, (B, n_s, d)."""
        op = "Transformer.encode"
        src = self._ids(op, "src", src, self.src_vocab)
        keep = padding_mask(src, self.pad)
        X, c_emb = self._embed(src, "src_E")
        blocks = []
        with named(op):
            for l in range(1, self.n_layers + 1):
                p = _sub(self.params, f"enc{l}.", ENCODER_KEYS)
                X, c = encoder_block_forward(X, p, self.h, keep)
                blocks.append(c)
            enc, c_ln = layer_norm(X, self.params["enc.ln.gamma"], self.params["enc.ln.beta"])
        return enc, {"src": src, "emb": c_emb, "blocks": blocks, "ln": c_ln, "keep": keep}

    def decode(self, enc: Array, src_keep: Array, tgt_in: Any) -> tuple[Array, dict]:
        """The decoder stack and the projection: logits ``(B, n_t, V_tgt)``."""
        op = "Transformer.decode"
        tgt_in = self._ids(op, "tgt_in", tgt_in, self.tgt_vocab)
        tgt_keep = causal_mask(tgt_in.shape[1]) & padding_mask(tgt_in, self.pad)
        Y, c_emb = self._embed(tgt_in, "tgt_E")
        blocks = []
        with named(op):
            for l in range(1, self.n_layers + 1):
                p = _sub(self.params, f"dec{l}.", DECODER_KEYS)
                Y, c = decoder_block_forward(Y, enc, p, self.h, tgt_keep, src_keep)
                blocks.append(c)
            D, c_ln = layer_norm(Y, self.params["dec.ln.gamma"], self.params["dec.ln.beta"])
            logits, c_out = linear_forward(D, self.params["out.W"], self.params["out.b"])
        return logits, {"emb": c_emb, "blocks": blocks, "ln": c_ln, "out": c_out}

    def forward(self, src: Any, tgt_in: Any) -> Array:
        """Logits ``(B, n_t, V_tgt)`` for sources ``src (B, n_s)`` and decoder inputs
        ``tgt_in (B, n_t)`` (teacher forcing: ``BOS`` and the target shifted right)."""
        src = self._ids("Transformer.forward", "src", src, self.src_vocab)
        tgt_in = self._ids("Transformer.forward", "tgt_in", tgt_in, self.tgt_vocab)
        if src.shape[0] != tgt_in.shape[0]:
            raise ValueError(
                f"Transformer.forward: src and tgt_in must have the same batch size, got "
                f"{src.shape} and {tgt_in.shape}"
            )
        enc, c_enc = self.encode(src)
        logits, c_dec = self.decode(enc, c_enc["keep"], tgt_in)
        self._cache = {"enc": c_enc, "dec": c_dec, "logits_shape": tuple(logits.shape)}
        self._record(c_enc, c_dec)
        return logits

    def _record(self, c_enc: dict, c_dec: dict) -> None:
        """Keep (and, when recording, log) every attention's weights."""
        w = {}
        for l, c in enumerate(c_enc["blocks"], start=1):
            w[f"encoder{l}.attention"] = c["weights"]
        for l, c in enumerate(c_dec["blocks"], start=1):
            w[f"decoder{l}.self_attention"] = c["self_weights"]
            w[f"decoder{l}.cross_attention"] = c["cross_weights"]
        self.attention_weights = w
        if trace.current() is not None:
            for l in range(1, self.n_layers + 1):
                ENCODER_ATTENTION.log(l=l, weights=w[f"encoder{l}.attention"])
                DECODER_SELF_ATTENTION.log(l=l, weights=w[f"decoder{l}.self_attention"])
                DECODER_CROSS_ATTENTION.log(l=l, weights=w[f"decoder{l}.cross_attention"])

    # -- backward --------------------------------------------------------------------------

    def backward(self, dlogits: Array) -> dict[str, Array]:
        """Gradients ``{"d" + key}`` of the summed loss ``sum(dlogits * logits)`` of the last
        forward (from :meth:`loss`'s ``dlogits``: the mean cross-entropy's)."""
        op = "Transformer.backward"
        if self._cache is None:
            raise ValueError(f"{op}: call forward first")
        c_enc, c_dec = self._cache["enc"], self._cache["dec"]
        dlogits = gradient(op, "dlogits", dlogits, "logits", self._cache["logits_shape"])
        g: dict[str, Array] = {}
        dD, g["dout.W"], g["dout.b"] = linear_backward(dlogits, c_dec["out"])
        dY, g["ddec.ln.gamma"], g["ddec.ln.beta"] = layer_norm_backward(dD, c_dec["ln"])
        denc = 0.0
        for l in range(self.n_layers, 0, -1):
            dY, de, gl = decoder_block_backward(dY, c_dec["blocks"][l - 1])
            denc = denc + de
            g |= {f"ddec{l}.{k[1:]}": v for k, v in gl.items()}
        g["dtgt_E"] = embedding_backward(dY * math.sqrt(self.d_model), c_dec["emb"])
        dX, g["denc.ln.gamma"], g["denc.ln.beta"] = layer_norm_backward(denc, c_enc["ln"])
        for l in range(self.n_layers, 0, -1):
            dX, gl = encoder_block_backward(dX, c_enc["blocks"][l - 1])
            g |= {f"denc{l}.{k[1:]}": v for k, v in gl.items()}
        g["dsrc_E"] = embedding_backward(dX * math.sqrt(self.d_model), c_enc["emb"])
        return {"d" + k: g["d" + k] for k in self.params}

    def loss(self, src: Any, tgt_in: Any, tgt_out: Any) -> tuple[float, Array]:
        """``(J, dlogits)``: the mean cross-entropy of the labels ``tgt_out (B, n_t)`` over
        non-padding positions, and its gradient for :meth:`backward`."""
        logits = self.forward(src, tgt_in)
        J, cache = cross_entropy_rows(logits, tgt_out, pad=self.pad)
        return J, cross_entropy_rows_backward(cache)

    def loss_and_grads(self, src: Any, tgt_in: Any, tgt_out: Any) -> tuple[float, dict]:
        """``(J, grads)``: :meth:`loss` then :meth:`backward`."""
        J, dlogits = self.loss(src, tgt_in, tgt_out)
        return J, self.backward(dlogits)

    # -- training --------------------------------------------------------------------------

    def fit(
        self,
        src: Any,
        tgt_in: Any,
        tgt_out: Any,
        steps: int = 1000,
        batch_size: int = 64,
        lr: float = 3e-3,
        warmup: int = 100,
        seed: int | Rng | None = 0,
        time_limit: float | None = None,
        threads: int | None = 1,
    ) -> list[float]:
        """Adam on mini-batches (teacher forcing); returns the loss of every step.

        The rate rises linearly over ``warmup`` steps to ``lr`` and then decays as a cosine
        to ``lr / 10`` at ``steps`` (a warm-up keeps Adam's first steps from throwing the
        attention into saturated softmaxes). Batches are drawn by shuffling each epoch with
        ``seed``. ``time_limit`` (seconds) stops early. ``threads`` caps the BLAS threads while
        training (``threadpoolctl``): at toy sizes one thread is several times faster than
        many fighting over small matrices; None leaves BLAS as it is.
        """
        op = "Transformer.fit"
        steps, batch_size = integer(op, "steps", steps), integer(op, "batch_size", batch_size)
        lr = number(op, "lr", lr, "(0, inf)")
        warmup = integer(op, "warmup", warmup, 0)
        src = self._ids(op, "src", src, self.src_vocab)
        tgt_in = self._ids(op, "tgt_in", tgt_in, self.tgt_vocab)
        tgt_out = token_ids(op, "tgt_out", tgt_out, self.tgt_vocab)
        if tgt_out.shape != tgt_in.shape or src.shape[0] != tgt_in.shape[0]:
            raise ValueError(
                f"{op}: expected src (B, n_s) and tgt_in, tgt_out (B, n_t) with one B, got "
                f"{src.shape}, {tgt_in.shape}, {tgt_out.shape}"
            )
        if threads is not None:
            with threadpool_limits(limits=integer(op, "threads", threads), user_api="blas"):
                return self.fit(
                    src, tgt_in, tgt_out, steps, batch_size, lr, warmup, seed, time_limit, None
                )
        rng = make_rng(seed)
        opt = Optimizer("adam", lr=lr, beta2=0.98)
        m = src.shape[0]
        order, at = rng.permutation(m), 0
        losses: list[float] = []
        start = time.perf_counter()
        for t in range(1, steps + 1):
            if at + batch_size > m:
                order, at = rng.permutation(m), 0
            idx = order[at : at + batch_size]
            at += batch_size
            J, grads = self.loss_and_grads(src[idx], tgt_in[idx], tgt_out[idx])
            losses.append(J)
            self.params = opt.step(self.params, grads, lr=self._rate(t, steps, lr, warmup))
            if time_limit is not None and time.perf_counter() - start > time_limit:
                break
        return losses

    @staticmethod
    def _rate(t: int, steps: int, lr: float, warmup: int) -> float:
        """Linear warm-up to ``lr`` over ``warmup`` steps, then a cosine down to ``lr / 10``."""
        if t <= warmup:
            return lr * t / warmup
        progress = (t - warmup) / max(steps - warmup, 1)
        return lr / 10 + (lr - lr / 10) * (1 + math.cos(math.pi * min(progress, 1.0))) / 2

    # -- decoding --------------------------------------------------------------------------

    def next_log_probs(self, src_row: Any, prefixes: Sequence[Sequence[int]]) -> Array:
        """``(len(prefixes), V_tgt)`` log-probabilities of the next token after each prefix
        (each starts with ``BOS``), for the source ``src_row (n_s,)``: the decoders of
        :mod:`visualdl.engine.decoding` call this. Prefixes of different lengths are padded;
        the causal mask keeps the padding out of each prefix's last position."""
        op = "Transformer.next_log_probs"
        src_row = np.asarray(src_row)
        if src_row.ndim != 1:
            raise ValueError(f"{op}: src_row must be (n_s,) token ids, got shape {src_row.shape}")
        if len(prefixes) == 0 or any(len(p) == 0 for p in prefixes):
            raise ValueError(f"{op}: prefixes must be a non-empty list of non-empty token lists")
        n = max(len(p) for p in prefixes)
        tgt = np.full((len(prefixes), n), self.pad, dtype=np.int64)
        for i, p in enumerate(prefixes):
            tgt[i, : len(p)] = p
        enc, c_enc = self.encode(src_row[None])
        xp = array_module(enc)
        B = len(prefixes)
        enc = xp.broadcast_to(enc, (B, *enc.shape[1:]))
        keep = xp.broadcast_to(c_enc["keep"], (B, *c_enc["keep"].shape[1:]))
        logits, _ = self.decode(enc, keep, tgt)
        last = logits[np.arange(B), np.array([len(p) - 1 for p in prefixes])]
        top = xp.max(last, axis=-1, keepdims=True)
        return last - top - xp.log(xp.sum(xp.exp(last - top), axis=-1, keepdims=True))

    def greedy(self, src: Any, steps: int, bos: int = 1) -> np.ndarray:
        """Greedy decoding of a batch: encode ``src (B, n_s)`` once, then ``steps`` times
        append each row's most likely next token after ``bos``; returns ``(B, steps)``, the
        tokens after ``bos`` (what follows an EOS is not cut). One string at a time with a
        beam: :func:`visualdl.engine.decoding.beam_search` on :meth:`next_log_probs`."""
        op = "Transformer.greedy"
        steps = integer(op, "steps", steps)
        enc, cache = self.encode(src)
        ys = np.full((enc.shape[0], 1), bos, dtype=np.int64)
        for _ in range(steps):
            logits, _ = self.decode(enc, cache["keep"], ys)
            ys = np.concatenate([ys, np.argmax(to_host(logits[:, -1]), axis=-1)[:, None]], axis=1)
        return ys[:, 1:]

    def sequences_right(self, src: Any, tgt_out: Any) -> np.ndarray:
        """``(B,)`` whether greedy decoding gets every target token of each string right, up to
        and including EOS (positions of ``tgt_out`` holding the padding id do not count)."""
        tgt_out = np.asarray(tgt_out)
        pred = self.greedy(src, tgt_out.shape[1])
        return np.all((pred == tgt_out) | (tgt_out == self.pad), axis=1)

    def sequence_accuracy(self, src: Any, tgt_out: Any) -> float:
        """The share of strings :meth:`sequences_right` counts as right."""
        return float(np.mean(self.sequences_right(src, tgt_out)))
