"""Greedy and beam-search decoding on hand-built toy models, and the BLEU score on the notes'
and Papineni's examples.

Toy models: tokens 0 = BOS, 1 = EOS, 2 = "a", 3 = "b" (V = 4); a model is a table of
next-token probabilities, read as log-probabilities (log 0 = -inf: a token never produced).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from visualdl import schema
from visualdl.engine import decoding
from visualdl.engine.bleu import (
    bleu,
    brevity_penalty,
    closest_ref_length,
    modified_precision,
    ngrams,
)
from visualdl.engine.decoding import beam_search, greedy_decode, sequence_log_prob
from visualdl.trace import record

BOS, EOS, A, B = 0, 1, 2, 3


def _log(p) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype=np.float64))


def markov(table) -> decoding.NextLogProbs:
    """A first-order Markov "model": row ``table[last token]`` is P(next | prefix)."""
    L = _log(table)
    return lambda prefixes: L[[p[-1] for p in prefixes]]


def prefix_model(table: dict, default=(0, 1, 0, 0)) -> decoding.NextLogProbs:
    """A model whose row is looked up by the whole prefix (``default`` elsewhere)."""
    return lambda prefixes: _log([table.get(tuple(p), default) for p in prefixes])


# Greedy is provably worse than beam B = 2 on this table. Rows: BOS, EOS, a, b.
#   greedy: P(a | BOS) = 0.6 > 0.4, then P(EOS | a) = 0.4 is a's largest: "a EOS", P = 0.24.
#   Every sequence that starts with "a" has P <= 0.6 * 0.4 = 0.24 (after "a", EOS is the likeliest
#   token and every other continuation multiplies by <= 0.3 * 1), while "b EOS" has
#   P = 0.4 * 0.9 = 0.36: the most likely sequence, which greedy never reaches.
#   Beam B = 2, step 1 keeps a (0.6) and b (0.4); step 2's candidates are a-EOS 0.24, a-a 0.18,
#   a-b 0.18, b-EOS 0.36, b-a 0.02, b-b 0.02: it keeps b-EOS and a-EOS, both finished.
GREEDY_TRAP = [
    [0.0, 0.0, 0.6, 0.4],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.4, 0.3, 0.3],
    [0.0, 0.9, 0.05, 0.05],
]


def _all_sequences(max_len: int):
    """Every sequence of tokens after BOS: ``k < max_len`` non-EOS tokens then EOS, or
    ``max_len`` non-EOS tokens (cut)."""
    for k in range(max_len + 1):
        for body in itertools.product([A, B], repeat=k):
            yield [*body, EOS] if k < max_len else list(body)


def test_greedy_is_worse_than_beam_2_on_the_trap_table():
    lm = markov(GREEDY_TRAP)
    greedy = greedy_decode(lm, BOS, EOS, max_len=5)
    result = beam_search(lm, BOS, EOS, beam=2, max_len=5)
    assert greedy == [A, EOS] and result.sequence == [B, EOS]
    assert sequence_log_prob(lm, BOS, greedy) == pytest.approx(math.log(0.24), abs=1e-12)
    assert result.best.log_prob == pytest.approx(math.log(0.36), abs=1e-12)
    # the beam's answer is the most likely sequence of all (exhaustive search, raw and normalised)
    seqs = list(_all_sequences(5))
    raw = [sequence_log_prob(lm, BOS, s) for s in seqs]
    assert seqs[int(np.argmax(raw))] == [B, EOS]
    norm = [r / len(s) ** 0.7 for r, s in zip(raw, seqs, strict=True)]
    assert max(norm) == pytest.approx(result.score, abs=1e-12)
    # step 2 kept exactly the two finished hypotheses, so the search stopped there
    assert [(n.token, n.finished) for n in result.step(2) if n.kept] == [(EOS, True)] * 2
    assert not result.step(3)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_beam_1_is_greedy(seed):
    rng = np.random.default_rng(seed)
    lm = markov(rng.dirichlet(np.ones(4), size=4))
    result = beam_search(lm, BOS, EOS, beam=1, max_len=8)
    assert len(result.hypotheses) == 1
    assert result.sequence == greedy_decode(lm, BOS, EOS, max_len=8)
    assert result.best.log_prob == pytest.approx(sequence_log_prob(lm, BOS, result.sequence))


def test_beam_1_breaks_ties_as_greedy():
    lm = markov([[0.0, 0.2, 0.4, 0.4], [0, 1, 0, 0], [0, 0.5, 0.5, 0], [0, 0.5, 0, 0.5]])
    assert greedy_decode(lm, BOS, EOS, 4) == [A, EOS]  # the first of equals: a, then EOS
    assert beam_search(lm, BOS, EOS, 1, 4).sequence == [A, EOS]


# Length normalisation changes the winner. With B = 2 the beam ends with (hand computed):
#   "a EOS":       P = 0.55 * 0.7 = 0.385,        log P = -0.9545, T = 2
#   "b b b EOS":   P = 0.45 * 0.9 * 0.9 * 0.9 = 0.328, log P = -1.1150, T = 4
# The raw sum (alpha = 0) prefers "a EOS"; divided by T^0.7 (2^0.7 = 1.625, 4^0.7 = 2.639):
#   -0.9545 / 1.625 = -0.587 < -1.1150 / 2.639 = -0.423, so alpha = 0.7 prefers "b b b EOS".
# The beam keeps "b b" at step 2 (0.405 > 0.385 of "a EOS", kept and finished).
LENGTHS = {
    (BOS,): [0.0, 0.0, 0.55, 0.45],
    (BOS, A): [0.0, 0.7, 0.15, 0.15],
    (BOS, B): [0.0, 0.05, 0.05, 0.9],
    (BOS, B, B): [0.0, 0.06, 0.04, 0.9],
    (BOS, B, B, B): [0.0, 0.9, 0.06, 0.04],
}


def test_length_normalisation_changes_the_winner():
    lm = prefix_model(LENGTHS, default=(0.0, 0.98, 0.01, 0.01))
    raw = beam_search(lm, BOS, EOS, beam=2, max_len=6, alpha=0.0)
    normed = beam_search(lm, BOS, EOS, beam=2, max_len=6, alpha=0.7)
    assert raw.sequence == [A, EOS] and normed.sequence == [B, B, B, EOS]
    assert raw.score == pytest.approx(math.log(0.55 * 0.7), abs=1e-12)
    assert normed.score == pytest.approx(math.log(0.45 * 0.9**3) / 4**0.7, abs=1e-12)
    # both searches found both hypotheses; only the ranking differs
    by_tokens = {tuple(h.tokens): h for h in normed.hypotheses}
    short, long_ = by_tokens[(A, EOS)], by_tokens[(B, B, B, EOS)]
    assert short.log_prob > long_.log_prob and short.score < long_.score
    assert {tuple(h.tokens) for h in raw.hypotheses} == set(by_tokens)


def test_the_recorded_tree_keeps_beam_candidates_per_step():
    V, beam = 4, 3  # Ng's B = 3
    lm = markov(np.random.default_rng(7).dirichlet(np.ones(V), size=V))
    with record() as tr:
        result = beam_search(lm, BOS, EOS, beam=beam, max_len=6)
    steps = tr.find("beam_search.step")
    assert schema.validate(tr, [decoding.BEAM_STEP, decoding.BEAM_RESULT]) == []
    assert [r.info["t"] for r in steps] == list(range(1, len(steps) + 1))
    alive, log_prob = {0}, {0: 0.0}
    for rec in steps:
        kept, fin = rec["kept"], rec["finished"]
        assert len(rec["node"]) == len(alive) * V  # every alive hypothesis x every token
        assert kept.sum() == beam and (~kept).sum() == len(kept) - beam  # kept / pruned
        assert set(rec["parent"].tolist()) == alive
        assert np.array_equal(fin, kept & (rec["token"] == EOS))
        assert rec["log_prob"][kept].min() >= rec["log_prob"][~kept].max()
        parents = np.array([log_prob[p] for p in rec["parent"]])
        np.testing.assert_allclose(rec["log_prob"], parents + rec["token_log_prob"], atol=1e-12)
        log_prob = dict(zip(rec["node"].tolist(), rec["log_prob"].tolist(), strict=True))
        alive = set(rec["node"][kept & ~fin].tolist())
    assert len(result.nodes) == 1 + sum(len(r["node"]) for r in steps)
    tree = result.tree()
    assert tree["kept"].sum() == 1 + beam * len(steps) and tree["parent"][0] == -1
    res = tr.last("beam_search.result")
    assert res["node"][0] == result.best.node and res.info["tokens"] == result.sequence
    assert np.all(np.diff(res["score"]) <= 0)  # ranked best first


def test_nothing_is_recorded_outside_a_record_block():
    with record() as tr:
        pass
    beam_search(markov(GREEDY_TRAP), BOS, EOS, 2, 4)
    assert tr.records == []


def test_hypotheses_cut_at_max_len_are_unfinished():
    lm = markov([[0.0, 0.0, 1.0, 0.0]] * 4)  # never EOS
    result = beam_search(lm, BOS, EOS, beam=2, max_len=3)
    assert result.sequence == [A, A, A] and not result.best.finished
    assert greedy_decode(lm, BOS, EOS, 3) == [A, A, A]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"beam": 0}, r"beam_search: beam must be an int >= 1, got 0"),
        ({"beam": 2.0}, r"beam_search: beam must be an int >= 1"),
        ({"max_len": 0}, r"beam_search: max_len must be an int >= 1, got 0"),
        ({"alpha": -0.5}, r"beam_search: alpha must be >= 0"),
        ({"eos": 4}, r"beam_search: eos must be a token id in \[0, 4\), got 4"),
        ({"bos": -1}, r"beam_search: bos must be an int >= 0, got -1"),
        ({"next_log_probs": "model"}, r"beam_search: next_log_probs must be a function"),
    ],
)
def test_bad_beam_search_arguments(kwargs, match):
    args = {"next_log_probs": markov(GREEDY_TRAP), "bos": BOS, "eos": EOS, "beam": 2}
    with pytest.raises(ValueError, match=match):
        beam_search(**{**args, "max_len": 4, **kwargs})


PROBS = np.array(GREEDY_TRAP)


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (lambda p: PROBS[[q[-1] for q in p]], r"must return log-probabilities .* row 0"),  # probs
        (lambda p: np.ones((len(p), 4)), r"logsumexp 2.38629"),  # logits
        (lambda p: np.full((len(p), 4), np.nan), r"must return log-probabilities"),
        (lambda p: np.full((len(p), 4), -np.inf), r"must return log-probabilities"),
        (lambda p: _log([0.25] * 4), r"must return \(1, V\), .* got shape \(4,\)"),
        (lambda p: _log([[0.25] * 4] * 2), r"must return \(1, V\), .* got shape \(2, 4\)"),
        (lambda p: [["x"] * 4], r"must return an array of numbers"),
    ],
)
def test_a_model_that_gives_no_log_probabilities_is_refused(model, match):
    for run in (lambda: greedy_decode(model, BOS, EOS, 3), lambda: beam_search(model, 0, 1, 2, 3)):
        with pytest.raises(ValueError, match=match):
            run()


def test_a_model_whose_vocabulary_changes_is_refused():
    calls = []

    def lm(prefixes):
        calls.append(1)
        V = 4 if len(calls) == 1 else 5
        return np.full((len(prefixes), V), -math.log(V))

    with pytest.raises(
        ValueError, match=r"beam_search: next_log_probs must return \(1, 4\), .* got shape \(1, 5\)"
    ):
        beam_search(lm, BOS, EOS, beam=2, max_len=3)


def test_greedy_bad_arguments():
    lm = markov(GREEDY_TRAP)
    with pytest.raises(ValueError, match=r"greedy_decode: max_len must be an int >= 1"):
        greedy_decode(lm, BOS, EOS, 0)
    uniform = lambda p: np.full((len(p), 4), -math.log(4))  # noqa: E731 (reads no token)
    with pytest.raises(ValueError, match=r"greedy_decode: bos must be a token id in \[0, 4\)"):
        greedy_decode(uniform, 9, EOS, 3)


# -- BLEU -------------------------------------------------------------------------------------

NG_REFS = ["the cat is on the mat".split(), "there is a cat on the mat".split()]


def test_the_notes_worked_example_is_two_sevenths():
    cand = "the the the the the the the".split()
    p1 = modified_precision(cand, NG_REFS, 1)
    assert tuple(p1) == (2, 7) and p1.fraction == Fraction(2, 7)
    assert ngrams(cand, 1).count(("the",)) == 7
    # plain precision would be 7/7; the bigram "the the" never occurs in a reference, so BLEU = 0
    assert modified_precision(cand, NG_REFS, 2) == (0, 6) and bleu(cand, NG_REFS) == 0.0
    # c = 7 matches the second reference's length exactly: BP = 1, and BLEU-1 = p_1
    assert bleu(cand, NG_REFS, max_n=1) == pytest.approx(2 / 7, abs=1e-15)


def test_a_perfect_match_scores_one():
    assert bleu(NG_REFS[1], NG_REFS) == 1.0
    ids = {w: i for i, w in enumerate(sorted({w for r in NG_REFS for w in r}))}
    assert bleu([ids[w] for w in NG_REFS[0]], [[ids[w] for w in r] for r in NG_REFS]) == 1.0


def test_brevity_penalty_values():
    assert brevity_penalty(14, 16) == pytest.approx(math.exp(-1 / 7), abs=1e-15)  # 0.8669
    assert brevity_penalty(16, 16) == 1.0 and brevity_penalty(17, 16) == 1.0
    assert brevity_penalty(8, 16) == pytest.approx(math.exp(-1.0), abs=1e-15)
    assert brevity_penalty(0, 5) == 0.0
    # r is the closest reference length, the shorter on a tie (16 and 18 are both 1 from 17)
    assert closest_ref_length(17, [18, 16]) == 16 and closest_ref_length(14, [16, 18, 16]) == 16
    assert brevity_penalty(17, closest_ref_length(17, [18, 16])) == 1.0  # not exp(1 - 18/17)


# Papineni et al. (2002), Example 1 (as tokenised in NLTK's documentation).
PAP_REFS = [
    "It is a guide to action that ensures that the military will forever heed Party commands",
    "It is the guiding principle which guarantees the military forces always being under the "
    "command of the Party",
    "It is the practical guide for the army always to heed the directions of the party",
]
PAP_REFS = [r.split() for r in PAP_REFS]  # lengths 16, 18, 16
CAND1 = "It is a guide to action which ensures that the military always obeys the commands of "
CAND1 = (CAND1 + "the party").split()  # 18 tokens
CAND2 = "It is to insure the troops forever hearing the activity guidebook that party direct"
CAND2 = CAND2.split()  # 14 tokens


def test_papinenis_example_by_hand():
    # Candidate 1, by hand. Unigrams: all 18 but "obeys" occur in some reference ("the" 3 times,
    # reference 2 has it 4 times; "party" lower-case only in reference 3): 17/18.
    # Bigrams (17): It is, is a, a guide, guide to, to action, ensures that, that the,
    # the military, of the, the party occur: 10/17 (the paper's numbers).
    # Trigrams (16): It is a, is a guide, a guide to, guide to action, ensures that the,
    # that the military, of the party: 7/16. 4-grams (15): It is a guide, is a guide to,
    # a guide to action, ensures that the military: 4/15.
    # c = 18 equals reference 2's length: BP = 1, and
    # BLEU = (17/18 * 10/17 * 7/16 * 4/15)^(1/4) = 0.50457 (NLTK's docs: 0.5045666840058485).
    want = [Fraction(17, 18), Fraction(10, 17), Fraction(7, 16), Fraction(4, 15)]
    got = [modified_precision(CAND1, PAP_REFS, n).fraction for n in (1, 2, 3, 4)]
    assert got == want
    expected = math.exp(sum(math.log(p) for p in want) / 4)
    assert bleu(CAND1, PAP_REFS) == pytest.approx(expected, abs=1e-15)
    assert bleu(CAND1, PAP_REFS) == pytest.approx(0.5045666840058485, abs=1e-12)
    # Candidate 2: 8/14 unigrams (It, is, to, the x2, forever, that, party), 1/13 bigrams
    # (It is), no trigram: BLEU = 0 (a zero precision); with smoothing (+1 for n >= 2):
    # BP * (8/14 * 2/14 * 1/13 * 1/12)^(1/4), BP = exp(1 - 16/14) (closest reference: 16).
    assert [modified_precision(CAND2, PAP_REFS, n) for n in (1, 2, 3)] == [
        (8, 14),
        (1, 13),
        (0, 12),
    ]
    assert bleu(CAND2, PAP_REFS) == 0.0
    smoothed = math.exp(1 - 16 / 14) * (8 / 14 * 2 / 14 * 1 / 13 * 1 / 12) ** 0.25
    assert bleu(CAND2, PAP_REFS, smooth=True) == pytest.approx(smoothed, abs=1e-15)


def test_weights_and_max_n():
    w = [0.5, 0.5, 0.0, 0.0]
    expected = math.sqrt(17 / 18 * 10 / 17)
    assert bleu(CAND1, PAP_REFS, weights=w) == pytest.approx(expected, abs=1e-15)
    assert bleu(CAND1, PAP_REFS, max_n=2) == pytest.approx(expected, abs=1e-15)
    assert bleu(["It"], PAP_REFS) == 0.0  # no 2-grams: p_2 = 0/0, taken as 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bleu("the cat", NG_REFS), r"bleu: candidate must be a list of tokens \(split"),
        (lambda: bleu(["the"], ["the", "cat"]), r"bleu: references must be a list of token lists"),
        (lambda: bleu(["the"], []), r"bleu: references must hold at least one reference"),
        (lambda: bleu([1.5], [[1]]), r"bleu: candidate must hold str or int tokens"),
        (lambda: bleu(["a"], [["a"]], max_n=0), r"bleu: max_n must be an int >= 1"),
        (lambda: bleu(["a"], [["a"]], weights=[1.0]), r"bleu: weights must be max_n = 4"),
        (lambda: bleu(["a"], [["a"]], weights=[0.5] * 4), r"sum 2"),
        (lambda: bleu(["a"], [["a"]], smooth="yes"), r"bleu: smooth must be True or False"),
        (lambda: brevity_penalty(-1, 3), r"brevity_penalty: c must be an int >= 0"),
        (lambda: ngrams(["a"], 0), r"ngrams: n must be an int >= 1"),
        (lambda: modified_precision(["a"], [["a"]], 1.0), r"modified_precision: n must be"),
    ],
)
def test_bad_bleu_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bleu_agrees_with_nltk():
    bleu_score = pytest.importorskip("nltk.translate.bleu_score")
    for cand, refs in [
        (CAND1, PAP_REFS),
        (NG_REFS[0], NG_REFS),
        ("the cat is on a mat".split(), NG_REFS),
    ]:
        assert bleu(cand, refs) == pytest.approx(bleu_score.sentence_bleu(refs, cand), abs=1e-12)
