"""The BLEU score of a candidate translation against reference translations (Papineni et al.,
2002), as the notes define it (§A29, after Ng).

- **Modified n-gram precision**: each n-gram of the candidate counts at most as often as it
  occurs in the one reference that has it most (its clipped count),

      p_n = sum_{n-gram in y_hat} Count_clip(n-gram) / sum_{n-gram in y_hat} Count(n-gram).

  The notes' example: "the the the the the the the" against "the cat is on the mat" and
  "there is a cat on the mat" has ``p_1 = 2/7`` ("the" occurs at most twice in a reference).
  A candidate shorter than ``n`` has no n-grams: ``p_n = 0/0``, taken as 0 (as NLTK).
- **Brevity penalty**: ``BP = 1 if c > r else exp(1 - r / c)``, ``c`` the candidate's length.
  The notes (one reference on Ng's slide) do not say which ``r`` several references give; this
  module takes Papineni's *best match length*: the reference length closest to ``c``, the
  shorter one on a tie (as NLTK's ``closest_ref_length``). ``c = 0`` gives ``BP = 0``.
- **BLEU** ``= BP * exp(sum_n w_n log p_n)``, ``w_n = 1 / N`` (the notes: ``N = 4``, weights
  1/4). One precision of 0 makes the geometric mean, and BLEU, exactly 0 (``log 0 = -inf``).
  ``smooth=True`` (off by default; not in the notes) adds 1 to the clipped count and to the
  total of every ``n >= 2`` (Lin & Och 2004, NLTK's ``method2``), so that a short sentence with
  no matching 4-gram still gets a score.

Tokens are strings or integers (a sentence as ``"the cat".split()``, or token ids).

Example
-------
>>> refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
>>> modified_precision("the the the the the the the".split(), refs, 1).fraction
Fraction(2, 7)
>>> bleu("the cat is on the mat".split(), refs)
1.0
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from typing import Any, NamedTuple

from visualdl.engine.checks import integer, is_int, number

__all__ = [
    "Precision",
    "bleu",
    "brevity_penalty",
    "closest_ref_length",
    "modified_precision",
    "ngrams",
]

Tokens = list[Any]


class Precision(NamedTuple):
    """A modified n-gram precision: ``clipped / total`` (unpacks as ``(clipped, total)``)."""

    clipped: int
    total: int

    @property
    def fraction(self) -> Fraction:
        """``Fraction(clipped, total)``, 0 when the candidate has no n-grams."""
        return Fraction(self.clipped, self.total) if self.total else Fraction(0)

    def __float__(self) -> float:
        return float(self.fraction)


def _tokens(op: str, name: str, tokens: Any) -> list:
    if isinstance(tokens, str):
        raise ValueError(
            f"{op}: {name} must be a list of tokens (split a sentence: 'the cat'.split()), "
            f"got the string {tokens!r:.60}"
        )
    try:
        out = list(tokens)
    except TypeError:
        raise ValueError(
            f"{op}: {name} must be a list of tokens, got {type(tokens).__name__}"
        ) from None
    for t in out:
        if not (isinstance(t, str) or is_int(t)):
            raise ValueError(
                f"{op}: {name} must hold str or int tokens, got {t!r:.40} ({type(t).__name__})"
            )
    return [int(t) if is_int(t) else t for t in out]


def _references(op: str, references: Any) -> list[list]:
    if isinstance(references, str) or not hasattr(references, "__iter__"):
        raise ValueError(
            f"{op}: references must be a list of token lists, got {type(references).__name__}"
        )
    refs = list(references)
    if not refs:
        raise ValueError(f"{op}: references must hold at least one reference, got none")
    if any(isinstance(r, str) or is_int(r) for r in refs):
        raise ValueError(
            f"{op}: references must be a list of token lists (one list per reference), got a "
            f"list of tokens {refs!r:.60}; wrap a single reference: [reference]"
        )
    return [_tokens(op, f"references[{i}]", r) for i, r in enumerate(refs)]


def ngrams(tokens: Tokens, n: int) -> list[tuple]:
    """The ``len(tokens) - n + 1`` n-grams of ``tokens`` in order, as tuples (none when the
    sequence is shorter than ``n``).

    >>> ngrams("the cat sat".split(), 2)
    [('the', 'cat'), ('cat', 'sat')]
    """
    tokens, n = _tokens("ngrams", "tokens", tokens), integer("ngrams", "n", n)
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def modified_precision(candidate: Tokens, references: list[Tokens], n: int) -> Precision:
    """``p_n = sum Count_clip / sum Count`` over the candidate's n-grams, where
    ``Count_clip = min(Count in the candidate, max over references of the count there)``.

    Returns a :class:`Precision` ``(clipped, total)``; ``.fraction`` is the exact ratio.

    >>> refs = [[1, 2, 3]]
    >>> modified_precision([1, 1, 2, 3], refs, 1), modified_precision([1, 1, 2, 3], refs, 2)
    (Precision(clipped=3, total=4), Precision(clipped=2, total=3))
    """
    op = "modified_precision"
    candidate, refs = _tokens(op, "candidate", candidate), _references(op, references)
    n = integer(op, "n", n)
    counts = Counter(ngrams(candidate, n))
    most: Counter = Counter()
    for ref in refs:
        most |= Counter(ngrams(ref, n))  # | keeps the larger count of each n-gram
    clipped = sum(min(c, most[g]) for g, c in counts.items())
    return Precision(clipped, sum(counts.values()))


def closest_ref_length(c: int, ref_lengths: list[int]) -> int:
    """Papineni's best match length: the reference length closest to ``c``, the shorter on a
    tie.

    >>> closest_ref_length(17, [18, 16, 20])
    16
    """
    op = "closest_ref_length"
    c = integer(op, "c", c, low=0)
    lengths = [integer(op, "ref_lengths", r, low=0) for r in ref_lengths]
    if not lengths:
        raise ValueError(f"{op}: ref_lengths must hold at least one length, got none")
    return min(lengths, key=lambda r: (abs(r - c), r))


def brevity_penalty(c: int, r: int) -> float:
    """``BP = 1 if c > r else exp(1 - r / c)``: ``c`` the candidate's length, ``r`` the
    reference length (see :func:`closest_ref_length`); ``c = 0`` gives 0 (the limit).

    >>> brevity_penalty(14, 16) == math.exp(1 - 16 / 14), brevity_penalty(20, 16)
    (True, 1.0)
    """
    op = "brevity_penalty"
    c, r = integer(op, "c", c, low=0), integer(op, "r", r, low=0)
    if c > r:
        return 1.0
    return 0.0 if c == 0 else math.exp(1.0 - r / c)


def _weights(op: str, weights: Any, max_n: int) -> list[float]:
    if weights is None:
        return [1.0 / max_n] * max_n
    if isinstance(weights, str) or not hasattr(weights, "__len__"):
        raise ValueError(f"{op}: weights must be {max_n} numbers, got {weights!r:.60}")
    w = [number(op, "weights", v, "[0, inf)") for v in weights]
    if len(w) != max_n or abs(sum(w) - 1.0) > 1e-9:
        raise ValueError(
            f"{op}: weights must be max_n = {max_n} numbers >= 0 summing to 1, got {w} "
            f"(length {len(w)}, sum {sum(w):.6g})"
        )
    return w


def bleu(
    candidate: Tokens,
    references: list[Tokens],
    max_n: int = 4,
    weights: Any = None,
    smooth: bool = False,
) -> float:
    """``BLEU = BP * exp(sum_{n=1}^{max_n} w_n log p_n)``, ``w_n = 1 / max_n`` by default
    (the notes' ``1/4 sum log p_n``); 0 when a precision with ``w_n > 0`` is 0 (unless
    ``smooth``, module docstring). ``BP`` uses the reference length closest to the candidate's.

    >>> round(bleu("the cat is on a mat".split(), ["the cat is on the mat".split()]), 4)
    0.5373
    """
    op = "bleu"
    candidate, refs = _tokens(op, "candidate", candidate), _references(op, references)
    max_n = integer(op, "max_n", max_n)
    w = _weights(op, weights, max_n)
    if not isinstance(smooth, bool):
        raise ValueError(f"{op}: smooth must be True or False, got {smooth!r:.40}")
    c = len(candidate)
    bp = brevity_penalty(c, closest_ref_length(c, [len(r) for r in refs]))
    log_mean = 0.0
    for n, w_n in enumerate(w, start=1):
        clipped, total = modified_precision(candidate, refs, n)
        if smooth and n >= 2:
            clipped, total = clipped + 1, total + 1
        if w_n == 0.0:
            continue
        if clipped == 0:
            return 0.0
        log_mean += w_n * math.log(clipped / total)
    return bp * math.exp(log_mean)
