"""Toy sequence-to-sequence tasks on digit strings, generated here: copy, reverse and sort.

Tokens: ``PAD = 0``, ``BOS = 1`` (the notes' ``[SOS]``), ``EOS = 2``, digits ``0..9`` are
``3..12`` (``VOCAB = 13``). A source string ``s`` of length ``k`` (``min_length <= k <= length``)
gives the target ``t``: ``s`` itself (copy), ``s`` backwards (reverse) or its digits in
increasing order (sort). As in the notes' training flow (teacher forcing, the target shifted
right; the source ends with EOS, as the encoder input ``[SOS] src [EOS]`` of the notes'
training code, so that the encoder sees where a short string ends)::

    src     = s    EOS       PAD ...      (n, length + 1)
    tgt_in  = BOS t          PAD ...      (n, length + 1)   the decoder's input
    tgt_out = t    EOS       PAD ...      (n, length + 1)   the labels, PAD ignored by the loss

Every string of one call is distinct, and :func:`digit_task_split` draws the training and the
held-out strings together, so no held-out string was ever seen in training (the accuracy on
them measures the rule learned, not a memorized table). Lengths are spread evenly over
``min_length .. length`` (short lengths, which have only ``10^k`` strings, pass their surplus
on to longer ones).

Example
-------
>>> task = digit_task("reverse", n=2, length=3, seed=0)
>>> task.src.shape, task.tgt_in.shape, task.tgt_out.shape
((2, 4), (2, 4), (2, 4))
>>> s, t = digits_of(task.src[0]), digits_of(task.tgt_out[0])
>>> t == s[::-1]
True
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from visualdl.engine.checks import choice, integer
from visualdl.engine.initializers import Rng, make_rng

__all__ = [
    "BOS",
    "DIGIT0",
    "EOS",
    "KINDS",
    "PAD",
    "VOCAB",
    "DigitTask",
    "digit_task",
    "digit_task_split",
    "digits_of",
    "target_of",
    "tokens_of",
]

PAD, BOS, EOS, DIGIT0 = 0, 1, 2, 3
VOCAB = DIGIT0 + 10
KINDS = ("copy", "reverse", "sort")


class DigitTask(NamedTuple):
    """One data set: ``src``, ``tgt_in`` and ``tgt_out``, each ``(n, length + 1)`` integer
    token arrays, padded with ``PAD``."""

    src: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray


def target_of(kind: str, s: str) -> str:
    """The target string of source ``s`` for task ``kind`` (copy, reverse, sort)."""
    choice("target_of", "kind", kind, KINDS)
    return {"copy": s, "reverse": s[::-1], "sort": "".join(sorted(s))}[kind]


def tokens_of(s: str) -> list[int]:
    """Digit string -> token ids (``"07"`` -> ``[3, 10]``)."""
    if not isinstance(s, str) or not s.isdigit() or not s.isascii():
        raise ValueError(f"tokens_of: expected a string of digits 0-9, got {s!r:.40}")
    return [DIGIT0 + int(c) for c in s]


def digits_of(ids: Any) -> str:
    """Token ids -> the digit string they hold, stopping at the first ``EOS`` or ``PAD``
    (``BOS`` is skipped): ``[1, 3, 10, 2, 0]`` -> ``"07"``."""
    out = []
    for t in np.asarray(ids).ravel().tolist():
        if t in (EOS, PAD):
            break
        if t != BOS:
            out.append(str(int(t) - DIGIT0))
    return "".join(out)


def _length_counts(n: int, lengths: range, rng: Rng) -> list[int]:
    """How many strings of each length: as even as possible, a length with only ``10^k``
    strings passing its surplus to the next; ``ValueError`` when ``n`` exceeds them all."""
    capacity = [10**k for k in lengths]
    if n > sum(capacity):
        raise ValueError(
            f"digit_task: only {sum(capacity)} distinct strings of length "
            f"{lengths.start}..{lengths.stop - 1} exist, asked for n = {n}"
        )
    counts = [n // len(lengths)] * len(lengths)
    for i in rng.choice(len(lengths), size=n % len(lengths), replace=False).tolist():
        counts[i] += 1
    for i in range(len(counts) - 1):
        surplus = max(0, counts[i] - capacity[i])
        counts[i] -= surplus
        counts[i + 1] += surplus
    return counts


def _strings(n: int, length: int, min_length: int, rng: Rng) -> list[str]:
    """``n`` distinct digit strings, lengths spread over ``min_length .. length``, shuffled."""
    lengths = range(min_length, length + 1)
    out: list[str] = []
    for k, c in zip(lengths, _length_counts(n, lengths, rng), strict=True):
        out += [str(i).zfill(k) for i in rng.choice(10**k, size=c, replace=False).tolist()]
    return [out[i] for i in rng.permutation(len(out)).tolist()]


def _encode(kind: str, strings: list[str], length: int) -> DigitTask:
    """Token arrays of the source strings and their targets, padded to ``length``."""
    n = len(strings)
    src = np.full((n, length + 1), PAD, dtype=np.int64)
    tgt_in = np.full((n, length + 1), PAD, dtype=np.int64)
    tgt_out = np.full((n, length + 1), PAD, dtype=np.int64)
    for r, s in enumerate(strings):
        t = tokens_of(target_of(kind, s))
        src[r, : len(s) + 1] = [*tokens_of(s), EOS]
        tgt_in[r, : len(t) + 1] = [BOS, *t]
        tgt_out[r, : len(t) + 1] = [*t, EOS]
    return DigitTask(src, tgt_in, tgt_out)


def _check(op: str, kind: str, length: Any, min_length: Any) -> tuple[int, int]:
    choice(op, "kind", kind, KINDS)
    length = integer(op, "length", length)
    min_length = length if min_length is None else integer(op, "min_length", min_length)
    if min_length > length:
        raise ValueError(f"{op}: min_length must be <= length = {length}, got {min_length}")
    return length, min_length


def digit_task(
    kind: str,
    n: int,
    length: int,
    seed: int | Rng | None = 0,
    min_length: int | None = None,
) -> DigitTask:
    """``n`` distinct strings of ``min_length..length`` digits (``min_length=None``: all
    ``length``) and their ``kind`` targets, as :class:`DigitTask` token arrays."""
    op = "digit_task"
    length, min_length = _check(op, kind, length, min_length)
    n = integer(op, "n", n)
    return _encode(kind, _strings(n, length, min_length, make_rng(seed)), length)


def digit_task_split(
    kind: str,
    n_train: int,
    n_held_out: int,
    length: int,
    seed: int | Rng | None = 0,
    min_length: int | None = None,
) -> tuple[DigitTask, DigitTask]:
    """``(train, held_out)``: ``n_train + n_held_out`` distinct strings drawn at once and
    split, so that no held-out source string occurs in training."""
    op = "digit_task_split"
    length, min_length = _check(op, kind, length, min_length)
    n_train, n_held_out = integer(op, "n_train", n_train), integer(op, "n_held_out", n_held_out)
    strings = _strings(n_train + n_held_out, length, min_length, make_rng(seed))
    return _encode(kind, strings[:n_train], length), _encode(kind, strings[n_train:], length)
