"""One encoder block of a trained Transformer, followed on one input: the data of the
``transformer-block`` scene.

A tiny :class:`~visualdl.engine.transformer.Transformer` (``d_model = 8``, ``h = 2`` heads of
``d_k = 4``, ``d_ff = 32``, one encoder and one decoder block) is trained by the engine
(:meth:`~visualdl.engine.transformer.Transformer.fit`, Adam, teacher forcing) to reverse
3-digit strings (:func:`~visualdl.engine.digit_tasks.digit_task_split`: 800 training strings,
200 held out, never seen in training): :func:`train_model`. Its held-out sequence accuracy is
that of greedy decoding (measured by one teacher-forced forward, which gets the same strings
right); the input's answer is the engine's :func:`~visualdl.engine.decoding.greedy_decode`.

One input string (``"731"`` by default, a held-out string for the default seed) then goes
through the trained encoder (:func:`follow`), its ``n = 4`` positions (three digits and
``EOS``) as rows::

    X  = E[ids] sqrt(d_model) + P                        (n, d_model)   embedding_forward,
                                                                        positional_encoding
    X1 = X  + MHA(LN1(X))                                (n, d_model)   Pre-LN, as the notes'
    Y  = X1 + FFN(LN2(X1))                               (n, d_model)   code (E25: not their
    enc = LN(Y)                                          (n, d_model)   prose formula)

The block itself is the engine's :func:`~visualdl.engine.transformer.encoder_block_forward`
on ``X`` with the trained parameters; the values between its steps are read from its cache
(``LN1(X)`` is the input of the ``W_Q`` projection, ``LN2(X1)`` the FFN's input, ``H`` its
ReLU layer). The two sub-layer outputs the cache does not keep are the engine's own
functions on those cached inputs: ``S = multi_head_attention(LN1(X), LN1(X))`` and
``F = ffn_forward(LN2(X1))``; the residual stream is ``X1 = X + S``, and the block's output
is ``Y = X1 + F`` (the tests check both against the engine's ``Y`` and cache). The final
LayerNorm is the encoder's ``enc.ln`` (:func:`~visualdl.engine.layer_norm.layer_norm`), and
``enc`` equals :meth:`Transformer.encode`'s output.

Records:

- :data:`MODEL` (``transformer_block.model``): the training losses and the model's sizes, the
  held-out accuracy, the input and what the model decodes for it;
- :data:`EMBED` (``transformer_block.embed``): ``ids``, ``E_x = E[ids]``, ``scaled``
  ``= E_x sqrt(d_model)``, ``P``, ``X``;
- :data:`BLOCK` (``transformer_block.block``): ``X, LN1, S, X1, LN2, Z1, H, F, Y, enc`` and
  the attention ``weights (h, n, n)``;
- ``encoder1.attention``, ``decoder1.self_attention``, ``decoder1.cross_attention``: the
  engine's own records of one :meth:`Transformer.forward` on the input and its target.

Example
-------
>>> from visualdl.demos.transformer_block import transformer_block_trace
>>> tr = transformer_block_trace()
>>> b = tr.last("transformer_block.block")
>>> b["X"].shape, b["H"].shape, b["weights"].shape
((4, 8), (4, 32), (2, 4, 4))
>>> info = tr.last("transformer_block.model").info
>>> info["string"], info["output"], info["held_out_accuracy"]
('731', '137', 1.0)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from visualdl.engine.attention import multi_head_attention, padding_mask
from visualdl.engine.decoding import greedy_decode
from visualdl.engine.digit_tasks import (
    BOS,
    EOS,
    VOCAB,
    digit_task_split,
    digits_of,
    target_of,
    tokens_of,
)
from visualdl.engine.embedding import embedding_forward
from visualdl.engine.feedforward import FFN_KEYS, ffn_forward
from visualdl.engine.layer_norm import layer_norm
from visualdl.engine.positional import positional_encoding
from visualdl.engine.transformer import ENCODER_KEYS, Transformer, encoder_block_forward
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = [
    "BLOCK",
    "EMBED",
    "KIND",
    "LENGTH",
    "MODEL",
    "Trained",
    "block_parameters",
    "decode",
    "follow",
    "train_model",
    "transformer_block_trace",
]

KIND = "reverse"  #: the digit task the model learns
LENGTH = 3  #: digits per string
N_TRAIN, N_HELD_OUT = 800, 200  #: training and held-out strings
STEPS, BATCH, LR = 300, 64, 1e-2  #: Adam steps, strings per step, peak learning rate
_N = "(n, d_model) one row per position"
_MHA = ("W_Q", "W_K", "W_V", "W_O")

MODEL = declare(
    "transformer_block.model",
    arrays={"losses": "(steps,) the training loss (mean cross-entropy) of every step"},
    info={
        "task": "the digit task (copy, reverse, sort)",
        "length": "digits per string",
        "n_train": "training strings",
        "n_held_out": "held-out strings (none of them in training)",
        "d_model": "model width",
        "h": "attention heads",
        "d_k": "columns per head, d_model / h",
        "d_ff": "the FFN's hidden width",
        "vocab": "token vocabulary size (13: PAD, BOS, EOS, ten digits)",
        "steps": "Adam steps",
        "batch_size": "strings per step",
        "lr": "peak learning rate",
        "seed": "seed of the data, the initial weights and the batches",
        "held_out_accuracy": "share of held-out strings greedy decoding gets exactly right",
        "string": "the input followed through the block",
        "target": "its reverse, the right answer",
        "output": "what the trained model decodes for it (greedy)",
        "held_out": "whether the input is one of the held-out strings",
        "tokens": "the input's positions as names: its digits and <eos>",
        "digits": "the input's digits as numbers",
        "position": "the position (row, 0-based as pos in the encoding) the scene follows",
    },
)
EMBED = declare(
    "transformer_block.embed",
    arrays={
        "ids": "(n,) the source token ids: the digits (3..12) and EOS (2)",
        "E_x": f"{_N}: E[ids], the embedding rows of the tokens",
        "scaled": f"{_N}: E[ids] sqrt(d_model)",
        "P": f"{_N}: the sinusoidal positional encoding",
        "X": f"{_N}: the block's input, E[ids] sqrt(d_model) + P",
    },
    info={"sqrt_d": "sqrt(d_model), the embedding's scale"},
)
BLOCK = declare(
    "transformer_block.block",
    arrays={
        "X": f"{_N}: the block's input",
        "LN1": f"{_N}: LN1(X), the attention's input (from the block's cache)",
        "weights": "(h, n, n) every head's attention weights (from the block's cache)",
        "S": f"{_N}: MHA(LN1(X)), the attention sub-layer's output",
        "X1": f"{_N}: X + S, the residual stream after attention",
        "LN2": f"{_N}: LN2(X1), the FFN's input (from the block's cache)",
        "Z1": "(n, d_ff) LN2(X1) W1 + b1 (from the block's cache)",
        "H": "(n, d_ff) ReLU(Z1), the FFN's hidden layer (from the block's cache)",
        "F": f"{_N}: FFN(LN2(X1)) = H W2 + b2",
        "Y": f"{_N}: X1 + F, the block's output (encoder_block_forward's)",
        "enc": f"{_N}: LN(Y), the encoder's output after its final LayerNorm",
    },
    info={"relu_zeros": "entries of H that ReLU set to 0, per position (a list of n)"},
)


class Trained(NamedTuple):
    """A model trained by :func:`train_model`, with what its training measured."""

    model: Transformer
    losses: list[float]  #: the loss of every step
    accuracy: float  #: held-out sequence accuracy under greedy decoding
    held_out: frozenset[str]  #: the held-out strings


def train_model(seed: int = 0, steps: int = STEPS) -> Trained:
    """Train the tiny Transformer on reversing :data:`LENGTH`-digit strings (a few seconds).

    The held-out sequence accuracy is the share of held-out strings whose every target token,
    EOS included, is the model's argmax with the right target prefix fed in (one batched
    teacher-forced forward): exactly the strings greedy decoding gets right, since greedy's
    prefix then is the right one at every step, and at the first wrong step it is not (the
    tests check this against :func:`~visualdl.engine.decoding.greedy_decode`).
    """
    train, held = digit_task_split(KIND, N_TRAIN, N_HELD_OUT, LENGTH, seed=seed)
    model = Transformer(VOCAB, VOCAB, d_model=8, h=2, d_ff=32, max_len=LENGTH + 1, seed=seed)
    losses = model.fit(*train, steps=steps, batch_size=BATCH, lr=LR, warmup=30, seed=seed)
    best = np.argmax(model.forward(held.src, held.tgt_in), axis=-1)
    right = np.all((best == held.tgt_out) | (held.tgt_out == model.pad), axis=1)
    strings = frozenset(digits_of(s) for s in held.src)
    return Trained(model, losses, float(np.mean(right)), strings)


def decode(model: Transformer, s: str) -> str:
    """The model's greedy answer for the digit string ``s``
    (:func:`~visualdl.engine.decoding.greedy_decode`)."""
    src = np.array([*tokens_of(s), EOS])
    out = greedy_decode(lambda p: model.next_log_probs(src, p), BOS, EOS, LENGTH + 1)
    return digits_of(out)


def block_parameters(model: Transformer, l: int = 1) -> dict[str, np.ndarray]:
    """Encoder block ``l``'s parameters, keyed as :data:`ENCODER_KEYS` (``W_Q``, ``ln1.gamma``)."""
    return {k: model.params[f"enc{l}.{k}"] for k in ENCODER_KEYS}


def _check(op: str, string: str, position: int) -> np.ndarray:
    """The source ids of ``string`` (its digits and EOS); ``ValueError`` for a bad input."""
    ids = np.array([*tokens_of(string), EOS])
    if len(string) != LENGTH:
        raise ValueError(f"{op}: string must have {LENGTH} digits, got {string!r}")
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= LENGTH:
        raise ValueError(f"{op}: position must be an int in 0..{LENGTH}, got {position!r}")
    return ids


def transformer_block_trace(
    string: str = "731", position: int = 1, seed: int = 0, steps: int = STEPS
) -> Trace:
    """Train the model (:func:`train_model`), then follow ``string`` through its encoder
    block (:func:`follow`; records in the module docstring). ``position`` is the row the
    scene follows (0-based, as ``pos``)."""
    _check("transformer_block_trace", string, position)
    return follow(train_model(seed=seed, steps=steps), string, position, seed)


def follow(trained: Trained, string: str = "731", position: int = 1, seed: int = 0) -> Trace:
    """The records of ``string`` through the encoder block of ``trained.model`` (``seed``:
    the one it was trained with, for the record)."""
    ids = _check("follow", string, position)
    model = trained.model
    d, h = model.d_model, model.h
    src = ids[None]
    meta = {"demo": "transformer_block", "seed": seed, "n": len(ids), "d_model": d, "h": h}
    with record(**meta) as tr:
        MODEL.log(
            losses=np.array(trained.losses),
            task=KIND,
            length=LENGTH,
            n_train=N_TRAIN,
            n_held_out=N_HELD_OUT,
            d_model=d,
            h=h,
            d_k=d // h,
            d_ff=model.d_ff,
            vocab=model.src_vocab,
            steps=len(trained.losses),
            batch_size=BATCH,
            lr=LR,
            seed=seed,
            held_out_accuracy=trained.accuracy,
            string=string,
            target=target_of(KIND, string),
            output=decode(model, string),
            held_out=string in trained.held_out,
            tokens=[*string, "<eos>"],
            digits=[int(c) for c in string],
            position=position,
        )
        # the input: the model's embedding, scaled, plus the positional encoding
        E_x, _ = embedding_forward(src, model.params["src_E"])
        scaled = E_x * math.sqrt(d)
        P = positional_encoding(len(ids), d)
        X = scaled + P
        EMBED.log(ids=ids, E_x=E_x[0], scaled=scaled[0], P=P, X=X[0], sqrt_d=math.sqrt(d))
        # the block, as the engine runs it; what lies between its steps, from its cache
        params = block_parameters(model)
        keep = padding_mask(src, model.pad)
        Y, cache = encoder_block_forward(X, params, h, keep)
        LN1 = cache["att"]["Q"]["X"]  # the input of Q = LN1(X) W_Q
        S, _ = multi_head_attention(LN1, LN1, {k: params[k] for k in _MHA}, h, keep)
        X1 = X + S
        LN2 = cache["ffn"]["c1"]["X"]  # the FFN's input
        F, _ = ffn_forward(LN2, {k: params[k] for k in FFN_KEYS})
        H = cache["ffn"]["c2"]["X"]  # the FFN's hidden layer, ReLU(LN2 W1 + b1)
        enc, _ = layer_norm(Y, model.params["enc.ln.gamma"], model.params["enc.ln.beta"])
        BLOCK.log(
            X=X[0],
            LN1=LN1[0],
            weights=cache["weights"][0],
            S=S[0],
            X1=X1[0],
            LN2=LN2[0],
            Z1=cache["ffn"]["Z1"][0],
            H=H[0],
            F=F[0],
            Y=Y[0],
            enc=enc[0],
            relu_zeros=[int(v) for v in np.sum(H[0] == 0, axis=1)],
        )
        # the engine's own attention records, of one forward with the right target
        tgt_in = np.array([[BOS, *tokens_of(target_of(KIND, string))]])
        model.forward(src, tgt_in)
    return tr
