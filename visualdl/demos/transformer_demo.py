"""The tiny Transformer trained once on reversing digit strings, for two figures: its attention
heads on a held-out input (``transformer-heads``) and beam search on a real decode
(``beam-search``).

The model is the engine's :class:`~visualdl.engine.transformer.Transformer` (one Pre-LN
encoder block and one decoder block, ``d_model = 32``, 4 heads, ``d_ff = 64``, float32),
trained by :meth:`~visualdl.engine.transformer.Transformer.fit` with the recipe of the engine's
own test (Adam, warm-up then cosine decay, 800 steps of 64 strings) on
:func:`~visualdl.engine.digit_tasks.digit_task_split`'s reverse task: 3000 training strings of
3 to 5 digits, 500 held-out strings never seen in training. A copy of the parameters is kept
every ``every`` steps (:class:`Checkpointed`, which changes nothing in the training), so that
the held-out sequence accuracy of greedy decoding can be followed and an early checkpoint,
where the model is still unsure, can be decoded.

- **Heads**: one teacher-forced forward of the trained model on ``heads_input`` (default
  ``31415``, not a training string) records every attention's weights
  (``encoder1.attention``, ``decoder1.self_attention``, ``decoder1.cross_attention``, the
  engine's records). For reversal, output position ``t`` must read source position
  ``n - 1 - t``: each cross-attention head's mean weight there (``mirror``) is measured on this
  input and over every held-out string.
- **Beam search**: at the ``checkpoint`` step the held-out strings greedy decoding gets wrong
  are decoded by beam search (width ``beam``); the first that beam search gets right (in the
  held-out order) is shown, with its whole search tree (the engine's ``beam_search.step`` and
  ``beam_search.result`` records, in a section labelled ``model_step``), greedy's output, and
  the same input decoded by the trained model. Both outputs are scored against the reference
  with the notes' BLEU (:func:`~visualdl.engine.bleu.bleu`, ``N = 4``), and so is the notes'
  worked example (``p_1 = 2/7``).

Records: ``transformer_demo.training`` (:data:`TRAINING`), ``transformer_demo.heads``
(:data:`HEADS`) and the engine's attention records, ``transformer_demo.beam`` (:data:`BEAM`,
one per decoded model step) with the engine's beam-search records, ``transformer_demo.bleu``
(:data:`BLEU`, one per scored candidate).

Example
-------
>>> from visualdl.demos.transformer_demo import transformer_demo
>>> tr = transformer_demo(n_train=64, n_held_out=16, steps=4, every=2, checkpoint=2)
>>> tr.last("transformer_demo.training")["eval_step"].tolist()
[0, 2, 4]
>>> tr.last("decoder1.cross_attention")["weights"].shape  # (B, h, n_t, n_s)
(1, 4, 6, 6)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from visualdl.engine import bleu as bleu_score
from visualdl.engine import decoding
from visualdl.engine.digit_tasks import (
    BOS,
    DIGIT0,
    EOS,
    VOCAB,
    DigitTask,
    digit_task_split,
    digits_of,
    target_of,
    tokens_of,
)
from visualdl.engine.transformer import Transformer
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = [
    "BEAM",
    "BLEU",
    "HEADS",
    "NOTES_EXAMPLE",
    "TOKENS",
    "TRAINING",
    "Checkpointed",
    "transformer_demo",
]

#: every token id's text, as the figures print it
TOKENS = ["<pad>", "<bos>", "<eos>", *(str(d) for d in range(10))]
#: the notes' worked example of the modified precision (§A29): candidate, references
NOTES_EXAMPLE = (
    "the the the the the the the",
    ("the cat is on the mat", "there is a cat on the mat"),
)

TRAINING = declare(
    "transformer_demo.training",
    arrays={
        "loss": "(steps,) each step's batch mean cross-entropy, before its update",
        "eval_step": "(k,) optimizer steps done at each evaluation (0: the start)",
        "accuracy": "(k,) held-out sequence accuracy of greedy decoding after eval_step",
    },
    info={
        "kind": "the digit task (reverse)",
        "n_train": "training strings",
        "n_held_out": "held-out strings, none of them in training",
        "length": "longest string (digits)",
        "min_length": "shortest string (digits)",
        "seed": "seed of the data, the initial parameters and the batches",
        "steps": "optimizer steps",
        "batch_size": "strings per step",
        "lr": "Adam's peak rate",
        "warmup": "warm-up steps",
        "d_model": "model width",
        "h": "heads per attention",
        "d_ff": "the FFN's hidden width",
        "n_layers": "encoder and decoder blocks",
        "parameters": "number of trained parameters",
        "final_accuracy": "held-out sequence accuracy after the last step",
        "final_loss": "the last step's loss",
    },
)

HEADS = declare(
    "transformer_demo.heads",
    arrays={
        "src": "(n_s,) the source's token ids: its digits and EOS",
        "tgt_in": "(n_t,) the decoder's input: BOS and the reversed digits",
        "tgt_out": "(n_t,) the labels: the reversed digits and EOS",
        "prediction": "(T,) greedy_decode's tokens after BOS for this source",
        "mirror": "(h,) each cross-attention head's mean weight on source position n-1-t "
        "over the n digit outputs t of this input",
        "mirror_held_out": "(h,) the same, averaged over every held-out string",
    },
    info={
        "source": "the source digit string",
        "target": "its reverse",
        "step": "training steps of the model",
        "tokens": "every token id's text",
        "held_out": "True when the source is not one of the training strings",
    },
)

BEAM = declare(
    "transformer_demo.beam",
    arrays={
        "src": "(n_s,) the source's token ids",
        "reference": "(T_r,) the reference: the reversed digits and EOS",
        "greedy": "(T_g,) greedy_decode's tokens after BOS",
        "greedy_token_log_prob": "(T_g,) log P of each greedy token given its prefix",
    },
    info={
        "model_step": "training steps of the decoded model",
        "source": "the source digit string",
        "target": "its reverse",
        "beam": "beam search's width B",
        "alpha": "the length-normalisation exponent",
        "tokens": "every token id's text",
        "greedy_log_prob": "sum of greedy_token_log_prob",
        "greedy_score": "greedy's log-probability / T_g^alpha",
        "greedy_right": "greedy's output is the reference",
        "beam_right": "beam search's best is the reference",
        "accuracy": "held-out sequence accuracy of greedy decoding at this step",
        "greedy_wrong": "held-out strings greedy decoding gets wrong at this step",
        "beam_fixes": "of those, how many beam search gets right",
        "shown": "how the source was chosen",
    },
)

BLEU = declare(
    "transformer_demo.bleu",
    info={
        "model_step": "training steps of the model that decoded it (None: the notes' example)",
        "decoder": "greedy, beam or notes",
        "candidate": "the candidate, tokens joined by spaces",
        "references": "the references, each joined by spaces",
        "clipped": "clipped n-gram counts, n = 1..4",
        "total": "the candidate's n-gram counts, n = 1..4",
        "c": "candidate length",
        "r": "the reference length closest to c",
        "bp": "the brevity penalty",
        "bleu": "BLEU = BP exp(sum_n log p_n / 4), the notes' definition",
    },
)


class Checkpointed(Transformer):
    """A :class:`~visualdl.engine.transformer.Transformer` whose :meth:`fit` keeps a copy of
    the parameters every ``every`` steps in :attr:`snapshots` ``{steps done: params}``
    (the copy is taken before the step's update; the training is unchanged)."""

    def __init__(self, *args: Any, every: int = 50, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.every, self.done = every, 0
        self.snapshots: dict[int, dict[str, np.ndarray]] = {}

    def loss_and_grads(self, src: Any, tgt_in: Any, tgt_out: Any) -> tuple[float, dict]:
        if self.done % self.every == 0:
            self.snapshots[self.done] = {k: v.copy() for k, v in self.params.items()}
        self.done += 1
        return super().loss_and_grads(src, tgt_in, tgt_out)


def _until_eos(ids: Any) -> list[int]:
    """The tokens up to and including the first EOS."""
    out = []
    for t in np.asarray(ids).tolist():
        out.append(int(t))
        if t == EOS:
            break
    return out


def _model_fn(model: Transformer, src_row: np.ndarray):
    return lambda prefixes: model.next_log_probs(src_row, prefixes)


def _source(s: str) -> np.ndarray:
    return np.array([*tokens_of(s), EOS])


def _mirror(weights: np.ndarray, n_digits: np.ndarray) -> np.ndarray:
    """``(h,)`` the mean cross-attention weight of output position ``t`` on source position
    ``n - 1 - t``, over the ``t < n`` of each string and over the strings; ``weights``
    ``(B, h, n_t, n_s)``."""
    total, count = np.zeros(weights.shape[1]), 0
    for b, n in enumerate(n_digits.tolist()):
        t = np.arange(n)
        total += weights[b][:, t, n - 1 - t].sum(axis=-1)
        count += n
    return total / count


def _scored(candidate: list, references: list[list], decoder: str, step: int | None) -> dict:
    """The :data:`BLEU` record of ``candidate`` against ``references``."""
    p = [bleu_score.modified_precision(candidate, references, n) for n in range(1, 5)]
    c = len(candidate)
    r = bleu_score.closest_ref_length(c, [len(ref) for ref in references])
    return {
        "model_step": step,
        "decoder": decoder,
        "candidate": " ".join(map(str, candidate)),
        "references": [" ".join(map(str, ref)) for ref in references],
        "clipped": [q.clipped for q in p],
        "total": [q.total for q in p],
        "c": c,
        "r": r,
        "bp": bleu_score.brevity_penalty(c, r),
        "bleu": bleu_score.bleu(candidate, references),
    }


def _train(seed: int, train: DigitTask, fit: dict, every: int, size: dict) -> Checkpointed:
    model = Checkpointed(
        VOCAB, VOCAB, max_len=train.src.shape[1], seed=seed, dtype="float32", every=every, **size
    )
    model.losses = model.fit(*train, **fit, seed=seed, threads=None)
    model.snapshots[len(model.losses)] = {k: v.copy() for k, v in model.params.items()}
    return model


def _mirror_held_out(model: Transformer, held_out: DigitTask) -> np.ndarray:
    """:func:`_mirror` of the teacher-forced cross-attention over every held-out string."""
    model.forward(held_out.src, held_out.tgt_in)
    n_digits = np.sum(held_out.src >= DIGIT0, axis=1)
    return _mirror(model.attention_weights["decoder1.cross_attention"], n_digits)


def _heads(tr: Trace, model: Transformer, s: str, step: int, **info: Any) -> None:
    """The teacher-forced forward on ``s`` (recording the engine's attention records) and
    the :data:`HEADS` record."""
    src, target = _source(s), target_of("reverse", s)
    tgt_in = np.array([BOS, *tokens_of(target)])
    tgt_out = np.array([*tokens_of(target), EOS])
    prediction = decoding.greedy_decode(_model_fn(model, src), BOS, EOS, len(src))
    model.forward(src[None], tgt_in[None])
    cross = model.attention_weights["decoder1.cross_attention"]
    HEADS.add(
        tr,
        src=src,
        tgt_in=tgt_in,
        tgt_out=tgt_out,
        prediction=np.array(prediction),
        mirror=_mirror(cross, np.array([len(s)])),
        source=s,
        target=target,
        step=step,
        tokens=TOKENS,
        **info,
    )


def _pick(model: Transformer, held_out: DigitTask, beam: int, alpha: float) -> dict:
    """Which held-out strings greedy decoding gets wrong, how many of them beam search gets
    right, and the row shown: the first string beam search fixes (else the first wrong one,
    else the first string)."""
    n_out = held_out.tgt_out.shape[1]
    right = model.sequences_right(held_out.src, held_out.tgt_out)
    wrong = np.flatnonzero(~right).tolist()
    fixed = []
    for i in wrong:
        f = _model_fn(model, held_out.src[i])
        if decoding.beam_search(f, BOS, EOS, beam, n_out, alpha).sequence == _until_eos(
            held_out.tgt_out[i]
        ):
            fixed.append(i)
    if fixed:
        row, shown = fixed[0], "the first held-out string greedy gets wrong and beam search right"
    elif wrong:
        row, shown = wrong[0], "the first held-out string greedy gets wrong"
    else:
        row, shown = 0, "the first held-out string (greedy gets every one right)"
    return {"row": row, "greedy_wrong": len(wrong), "beam_fixes": len(fixed), "shown": shown}


def _decode(tr: Trace, model: Transformer, s: str, step: int, beam: int, alpha: float, **info):
    """Greedy and beam search on ``s`` (beam search recorded in a ``model_step`` section),
    both scored with BLEU."""
    src, target = _source(s), target_of("reverse", s)
    reference = [*tokens_of(target), EOS]
    f = _model_fn(model, src)
    greedy = decoding.greedy_decode(f, BOS, EOS, len(src))
    L = model.next_log_probs(src, [[BOS, *greedy[:t]] for t in range(len(greedy))])
    token_lp = np.asarray(L)[np.arange(len(greedy)), greedy].astype(np.float64)
    with record(model_step=step):
        result = decoding.beam_search(f, BOS, EOS, beam, len(src), alpha)
    BEAM.add(
        tr,
        src=src,
        reference=np.array(reference),
        greedy=np.array(greedy),
        greedy_token_log_prob=token_lp,
        model_step=step,
        source=s,
        target=target,
        beam=beam,
        alpha=alpha,
        tokens=TOKENS,
        greedy_log_prob=float(token_lp.sum()),
        greedy_score=float(token_lp.sum()) / len(greedy) ** alpha,
        greedy_right=greedy == reference,
        beam_right=result.sequence == reference,
        **info,
    )
    digits = [int(c) for c in target]
    for name, tokens in (("greedy", greedy), ("beam", result.sequence)):
        candidate = [t - DIGIT0 for t in tokens if t >= DIGIT0]
        BLEU.add(tr, **_scored(candidate, [digits], name, step))


def transformer_demo(
    seed: int = 0,
    n_train: int = 3000,
    n_held_out: int = 500,
    length: int = 5,
    min_length: int = 3,
    steps: int = 800,
    batch_size: int = 64,
    lr: float = 5e-3,
    warmup: int = 50,
    d_model: int = 32,
    h: int = 4,
    d_ff: int = 64,
    every: int = 100,
    heads_input: str = "31415",
    checkpoint: int = 200,
    beam: int = 3,
    alpha: float = 0.7,
) -> Trace:
    """Train the tiny Transformer on reversal once and record its heads and a beam search
    (see the module). ``checkpoint`` must be a multiple of ``every`` (or ``steps``)."""
    _check(checkpoint, every, steps, heads_input, length)
    train, held_out = digit_task_split(
        "reverse", n_train, n_held_out, length, seed=seed, min_length=min_length
    )
    fit = {"steps": steps, "batch_size": batch_size, "lr": lr, "warmup": warmup}
    size = {"d_model": d_model, "h": h, "d_ff": d_ff}
    with threadpool_limits(limits=1, user_api="blas"):
        # not recording: training, the accuracy curve and the searches for the shown string
        model = _train(seed, train, fit, every, size)
        done = len(model.losses)
        probe = Transformer(VOCAB, VOCAB, max_len=model.max_len, dtype="float32", **size)
        eval_steps, accuracy = sorted(model.snapshots), []
        for k in eval_steps:
            probe.params = model.snapshots[k]
            accuracy.append(probe.sequence_accuracy(held_out.src, held_out.tgt_out))
        mirror_held_out = _mirror_held_out(model, held_out)
        probe.params = model.snapshots[checkpoint]
        early, late = _pick(probe, held_out, beam, alpha), _pick(model, held_out, beam, alpha)
        shown = digits_of(held_out.src[early.pop("row")])
        late.pop("row")
        late["shown"] = "the same source, decoded by the trained model"
        meta = {"demo": "transformer_demo", "seed": seed, "steps": steps}
        with record(**meta) as tr:
            TRAINING.add(
                tr,
                loss=np.array(model.losses),
                eval_step=np.array(eval_steps),
                accuracy=np.array(accuracy),
                kind="reverse",
                n_train=n_train,
                n_held_out=n_held_out,
                length=length,
                min_length=min_length,
                seed=seed,
                steps=steps,
                batch_size=batch_size,
                lr=lr,
                warmup=warmup,
                d_model=d_model,
                h=h,
                d_ff=d_ff,
                n_layers=model.n_layers,
                parameters=int(sum(v.size for v in model.params.values())),
                final_accuracy=accuracy[-1],
                final_loss=float(model.losses[-1]),
            )
            seen = heads_input in {digits_of(r) for r in train.src}
            _heads(tr, model, heads_input, done, held_out=not seen, mirror_held_out=mirror_held_out)
            step_accuracy = dict(zip(eval_steps, accuracy, strict=True))
            for m, step, info in ((probe, checkpoint, early), (model, done, late)):
                _decode(tr, m, shown, step, beam, alpha, accuracy=step_accuracy[step], **info)
            candidate, refs = NOTES_EXAMPLE
            BLEU.add(tr, **_scored(candidate.split(), [r.split() for r in refs], "notes", None))
    return tr


def _check(checkpoint: int, every: int, steps: int, heads_input: str, length: int) -> None:
    op = "transformer_demo"
    if checkpoint % every and checkpoint != steps or not 0 <= checkpoint <= steps:
        raise ValueError(
            f"{op}: checkpoint must be a multiple of every = {every} (or steps = {steps}) "
            f"in [0, {steps}], got {checkpoint}"
        )
    if not (isinstance(heads_input, str) and heads_input.isdigit() and len(heads_input) <= length):
        raise ValueError(
            f"{op}: heads_input must be a string of at most length = {length} digits, got "
            f"{heads_input!r:.40}"
        )
