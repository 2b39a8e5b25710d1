"""Word embeddings: the notes' data preparation, the planted corpus, skip-gram's and CBOW's
backwards (finite differences and the SymPy rows), the learned neighbours against the planted
clusters over several seeds, and the figure's demo and caption."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import assert_op_gradients, seeds

from visualdl import schema
from visualdl.demos.word_embeddings import word_embeddings
from visualdl.engine import word2vec as w2v
from visualdl.engine.word2vec import cbow_backward, skip_gram_backward
from visualdl.symbolic import word2vec as sym


# -- the notes' data preparation (A53) ---------------------------------------------------------
def test_the_notes_counts():
    words = w2v.notes_words()
    idx_to_word, word_to_idx = w2v.build_vocab(words)
    cbow, skip = w2v.get_cbow_data(words, 2), w2v.get_skip_gram_data(words, 2)
    assert (len(words), len(idx_to_word), len(cbow), len(skip)) == (28, 23, 24, 24)
    assert words[:22] == list("天青色等烟雨而我在等你炊烟袅袅升起隔江千万里")
    assert words[22:] == ["good", "good", "study", "day", "day", "up"]
    assert cbow[0] == (["天", "青", "等", "烟"], "色")
    assert cbow[-1] == (["good", "study", "day", "up"], "day")
    assert skip[0] == ("色", ["天", "青", "等", "烟"])
    assert w2v.decoder(w2v.encoder(words, word_to_idx), idx_to_word) == words
    assert idx_to_word == sorted(idx_to_word) and idx_to_word[0] == "day"


_ORDER = (
    "import sys; sys.path.insert(0, {root!r}); from visualdl.engine.word2vec import "
    "notes_words, build_vocab; w = notes_words(); print(list(set(w))[0], build_vocab(w)[0][0])"
)


def test_the_notes_set_order_depends_on_pythonhashseed_and_ours_does_not():
    import os
    from pathlib import Path

    root = str(Path(w2v.__file__).resolve().parents[2])
    found = set()
    for seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _ORDER.format(root=root)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.split()
        found.add(tuple(out))
    assert len({first for first, _ in found}) > 1  # set(): index 0 changes with the seed
    assert {ours for _, ours in found} == {"day"}  # sorted: the same in every run


def test_windows_stay_inside_their_sentence():
    sentences = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9, 10], [11, 12]]  # the last has no full window
    contexts, centres = w2v.cbow_arrays(sentences, 2)
    assert centres.tolist() == [2, 7, 8]
    assert contexts.tolist() == [[0, 1, 3, 4], [5, 6, 8, 9], [6, 7, 9, 10]]
    c, t = w2v.skip_gram_pairs(sentences, 2)
    assert c.tolist() == [2] * 4 + [7] * 4 + [8] * 4 and t.tolist() == contexts.ravel().tolist()
    # one sentence: the same samples as the notes' list version
    ids = list(range(9))
    listed = w2v.get_cbow_data(ids, 3)
    a, b = w2v.cbow_arrays([ids], 3)
    assert a.tolist() == [ctx for ctx, _ in listed] and b.tolist() == [c for _, c in listed]


# -- the planted corpus ------------------------------------------------------------------------
def test_the_corpus_is_seeded_sorted_and_clustered():
    a, b = w2v.planted_corpus(seed=3), w2v.planted_corpus(seed=3)
    assert a.sentences == b.sentences and a.sentences != w2v.planted_corpus(seed=4).sentences
    assert a.idx_to_word == sorted(a.idx_to_word) and a.V == 34
    assert a.cluster.tolist() == [k for k in range(4) for _ in range(8)] + [-1, -1]
    assert (
        a.counts.sum() == 8000 and a.counts.tolist() == np.bincount(np.concatenate(a.ids)).tolist()
    )
    clean = w2v.planted_corpus(p_noise=0.0, seed=1)
    for s, topic in zip(clean.ids, clean.topics, strict=True):
        k = clean.cluster[s]
        assert set(k[k >= 0].tolist()) <= {int(topic)}  # content words only from the topic


def test_the_cbow_floor_meets_its_closed_forms():
    p, n_f, n_w, K, C = 0.2, 2, 8, 4, 4

    def H(n):
        return -p * math.log(p / n_f) - (1 - p) * math.log((1 - p) / n)

    clean = w2v.planted_corpus(p_noise=0.0, n_sentences=5)  # the topic is known unless all
    want = (1 - p**C) * H(n_w) + p**C * H(K * n_w)  # C context words are function words
    assert clean.cbow_entropy(2) == pytest.approx(want, rel=1e-12)
    blind = w2v.planted_corpus(p_noise=1.0, n_sentences=5)  # context says nothing
    assert blind.cbow_entropy(2) == pytest.approx(H(K * n_w), rel=1e-12)
    noisy = w2v.planted_corpus(n_sentences=5)
    assert want < noisy.cbow_entropy(2) < H(K * n_w)
    assert noisy.cbow_entropy(1) > noisy.cbow_entropy(2)  # a wider window knows more


def test_negative_sampling_uses_f_to_the_three_quarters():
    counts = np.array([100, 10, 1, 0])
    P = w2v.negative_distribution(counts)
    want = counts**0.75 / np.sum(counts**0.75)
    np.testing.assert_allclose(P, want, rtol=1e-12)
    assert P[0] < counts[0] / counts.sum() and P[2] > counts[2] / counts.sum() and P[3] == 0
    draws = w2v.sample_negatives(P, (20000, 5), np.random.default_rng(0))
    freq = np.bincount(draws.ravel(), minlength=4) / draws.size
    assert np.all(np.abs(freq - P) <= 4 * np.sqrt(P * (1 - P) / draws.size))
    again = w2v.sample_negatives(P, (3, 2), np.random.default_rng(5))
    assert again.tolist() == w2v.sample_negatives(P, (3, 2), np.random.default_rng(5)).tolist()


# -- the backwards ---------------------------------------------------------------------------
def _params(rng, V=5, d=3):
    return {"E": rng.standard_normal((V, d)), "Theta": rng.standard_normal((V, d))}


def test_skip_gram_backward_meets_central_differences(rng):
    centers, contexts = np.array([0, 2, 2, 4]), np.array([1, 0, 3, 2])
    negatives = np.array([[2, 3], [2, 2], [0, 1], [4, 4]])  # a centre its own negative, repeats
    p = _params(rng)

    def forward(E, Theta):
        return w2v.skip_gram_loss(centers, contexts, negatives, {"E": E, "Theta": Theta})

    got = assert_op_gradients(
        forward,
        lambda d, c: tuple(d * g for g in skip_gram_backward(c).values()),
        p,
        rng=rng,
    )
    assert np.all(got["E"][0][1] == 0)  # word 1 is never a centre: no gradient in E


def test_cbow_backward_meets_central_differences(rng):
    contexts = np.array([[0, 1, 3, 4], [2, 2, 0, 1], [4, 3, 3, 0]])
    centers = np.array([2, 0, 2])
    p = _params(rng)

    def forward(E, Theta):
        return w2v.cbow_loss(contexts, centers, {"E": E, "Theta": Theta})

    assert_op_gradients(
        forward, lambda d, c: tuple(d * g for g in cbow_backward(c).values()), p, rng=rng
    )


def test_the_losses_at_known_values():
    params = {"E": np.eye(3, 2), "Theta": np.ones((3, 2))}
    J, _ = w2v.skip_gram_loss([0], [1], [[2]], params)  # s = 1, s_1 = 1
    assert J == pytest.approx(math.log(1 + math.exp(-1)) + math.log(1 + math.exp(1)))
    J, _ = w2v.cbow_loss([[0, 1]], [2], {"E": np.eye(3, 2), "Theta": np.zeros((3, 2))})
    assert J == pytest.approx(math.log(3))  # all logits 0: uniform over V = 3


def _sigma(x):
    return 1 / (1 + np.exp(-x))


def test_the_symbolic_rows_pass_and_catch_wrong_backwards():
    assert sym.check_skip_gram().passed and sym.check_cbow().passed
    assert set(sym.CHECKS) == {"skip_gram", "cbow"}
    assert sym.CHECKS["skip_gram"].covers == ("word2vec.skip_gram_backward",)
    assert sym.CHECKS["cbow"].covers == ("word2vec.cbow_backward",)

    def no_negatives(centers, contexts, negatives, params):  # forgets the k negatives' rows
        J, cache = w2v.skip_gram_loss(centers, contexts, negatives[:, :0], params)
        return skip_gram_backward(cache)

    def overwrite(centers, contexts, negatives, params):  # E[ids] = rows, no scatter-add
        _, cache = w2v.skip_gram_loss(centers, contexts, negatives, params)
        g = skip_gram_backward(cache)
        dE = np.zeros_like(params["E"])
        de_c = (_sigma(cache["s"]) - 1)[:, None] * cache["theta_t"] / cache["P"]
        dE[centers] = de_c + np.sum(
            (_sigma(cache["s_neg"]) / cache["P"])[:, :, None] * cache["theta_n"], axis=1
        )
        return {"dE": dE, "dTheta": g["dTheta"]}

    def sum_not_mean(contexts, centers, params):  # h = sum of the context rows' gradient
        g = cbow_backward(w2v.cbow_loss(contexts, centers, params)[1])
        return {"dE": g["dE"] * contexts.shape[1], "dTheta": g["dTheta"]}

    for wrong, op in (
        (no_negatives, "skip_gram"),
        (overwrite, "skip_gram"),
        (sum_not_mean, "cbow"),
    ):
        result = sym.CHECKS[op](wrong)
        assert not result.passed and result.max_rel_error > 1e-3, wrong.__name__
    assert sym.closed_forms_hold()


# -- what is learned -------------------------------------------------------------------------
@pytest.mark.parametrize("method", w2v.METHODS)
@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3, 4))
def test_each_words_neighbours_lie_in_its_planted_cluster(method, seed):
    corpus = w2v.planted_corpus(seed=seed)
    params, history = w2v.train(method, corpus, seed=seed)
    acc = w2v.neighbour_accuracy(params["E"], corpus.cluster)
    clustered = acc[corpus.cluster >= 0]
    assert np.all(clustered >= 0.9), (method, seed, clustered.min())  # the bar, per word
    assert np.all(np.isnan(acc[corpus.cluster < 0]))
    start = w2v.neighbour_accuracy(history["start"], corpus.cluster)[corpus.cluster >= 0]
    assert start.mean() < 0.4  # the untrained E is near chance, (8 - 1) / (34 - 1) = 0.21
    assert history["loss"][-1] < history["loss"][0]
    # the measure can fail: against clusters that were not planted it is near chance
    fake = np.random.default_rng(seed).permutation(corpus.cluster)
    assert np.nanmean(w2v.neighbour_accuracy(params["E"], fake)) < 0.5


def test_training_is_deterministic():
    corpus = w2v.planted_corpus(n_sentences=100, seed=2)
    a, _ = w2v.train("skip_gram", corpus, epochs=1, seed=7)
    b, _ = w2v.train("skip_gram", corpus, epochs=1, seed=7)
    c, _ = w2v.train("skip_gram", corpus, epochs=1, seed=8)
    np.testing.assert_array_equal(a["E"], b["E"])
    assert not np.array_equal(a["E"], c["E"])


def test_nearest_cosine_analogy_and_pca_on_made_up_vectors():
    vocab = ["man", "woman", "king", "queen", "apple"]
    E = np.array([[1.0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [-1, 0, 0.2]])
    assert w2v.analogy(E, "man", "king", "woman", vocab)[0] == "queen"
    assert [w for w, _ in w2v.nearest(E, "man", 2, vocab)] == ["woman", "king"]
    assert [j for j, _ in w2v.nearest(E, 0, 1)] == [1]
    assert w2v.cosine_similarity([1.0, 0], [0.0, 2]) == 0.0
    assert w2v.cosine_similarity([3.0, 4], [6.0, 8]) == pytest.approx(1.0)
    line = np.outer(np.arange(5.0) + 1, [1.0, 2.0, 0.0]) + [0, 0, 1e-9]
    Y, ex = w2v.pca_2d(line, normalize=False)
    assert ex[0] == pytest.approx(1.0) and abs(ex[1]) < 1e-12
    np.testing.assert_allclose(np.abs(Y[:, 0]), np.abs(np.arange(5) - 2) * math.sqrt(5))
    np.testing.assert_array_equal(w2v.pca_2d(E)[0], w2v.pca_2d(E.copy())[0])


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: w2v.skip_gram_loss([0, 5], [1, 1], [[0], [1]], p), "skip_gram_loss: centers"),
        (lambda p: w2v.skip_gram_loss([0], [-1], [[0]], p), "skip_gram_loss: contexts"),
        (lambda p: w2v.skip_gram_loss([0], [1], [[9]], p), "skip_gram_loss: negatives"),
        (lambda p: w2v.skip_gram_loss([0], [1], [0], p), r"skip_gram_loss: negatives must be"),
        (lambda p: w2v.skip_gram_loss([0.5], [1], [[0]], p), "integer token ids"),
        (lambda p: w2v.cbow_loss([[0, 7]], [1], p), "cbow_loss: contexts"),
        (lambda p: w2v.cbow_loss([[0, 1]], [1, 2], p), "cbow_loss: centers must be"),
        (lambda p: w2v.cbow_loss([[0, 1]], [1], {"E": p["E"]}), "cbow_loss: params"),
        (lambda p: w2v.cbow_loss([[0]], [1], {"E": p["E"], "Theta": p["E"][:2]}), "both be"),
        (lambda p: w2v.get_cbow_data(list("abcde"), 0), "get_cbow_data: window_size"),
        (lambda p: w2v.get_skip_gram_data(list("abcde"), 1.5), "window_size must be an int"),
        (lambda p: w2v.cbow_arrays([[0, 1, 2]], 2), "cbow_arrays: no sentence"),
        (lambda p: w2v.skip_gram_pairs([[0, 1, 2, 3, 4]], 0), "skip_gram_pairs: window_size"),
        (lambda p: w2v.sample_negatives([1.0], (2,), 0), "sample_negatives: rng"),
        (lambda p: w2v.negative_distribution([1, -1]), "negative_distribution: counts"),
        (lambda p: w2v.nearest(p["E"], 0, 5), "nearest: k must be <= V - 1 = 4"),
        (lambda p: w2v.nearest(p["E"], 5, 1), "nearest: word must lie in"),
        (lambda p: w2v.nearest(p["E"], "x", 1), "nearest: word 'x' is not in"),
        (lambda p: w2v.planted_corpus(n_clusters=1), "planted_corpus: n_clusters"),
        (lambda p: w2v.planted_corpus(p_function=1.0), "planted_corpus: p_function"),
        (lambda p: w2v.train("glove", w2v.planted_corpus(n_sentences=5)), "train: method"),
        (lambda p: w2v.decoder([3], ["a"]), "decoder: ids"),
        (lambda p: w2v.encoder(["zz"], {"a": 0}), "encoder: words not in"),
        (lambda p: word_embeddings(seeds=()), "word_embeddings: seeds"),
    ],
)
def test_bad_input_is_a_value_error(call, message, rng):
    with pytest.raises(ValueError, match=message):
        call(_params(rng))


# -- the demo and the figure -----------------------------------------------------------------
def test_the_small_demo_matches_its_schema_and_repeats():
    a = word_embeddings(seeds=(0, 1), epochs=1, n_sentences=150)
    b = word_embeddings(seeds=(0, 1), epochs=1, n_sentences=150)
    assert schema.validate(a) == []
    assert [r.name for r in a.records].count("word_embeddings.run") == 2
    assert len(a.find("word_embeddings.sweep")) == 4
    for ra, rb in zip(a.records, b.records, strict=True):
        assert ra.info == rb.info
        for k in ra.arrays:
            np.testing.assert_array_equal(ra[k], rb[k])
    run = a.last("word_embeddings.run", method="cbow")
    np.testing.assert_allclose(np.diag(run["similarity"]), 1.0)
    assert run["xy"].shape == (34, 2) and run["neighbours"].shape == (34, 7)


@pytest.fixture(scope="module")
def default_trace():
    return word_embeddings()


def _num(v: float, digits: int = 2) -> str:
    return f"{v:.{digits}f}"


@pytest.mark.slow
def test_the_caption_states_the_traces_numbers(default_trace):
    from visualdl.gallery.word_embeddings import CAPTION

    tr = default_trace
    c = tr.last("word_embeddings.corpus")
    sg, cb = (tr.last("word_embeddings.run", method=m) for m in w2v.METHODS)
    i = c.info
    fn = c["cluster"] < 0
    want = [
        f"{i['n_clusters']} planted clusters of {i['words_per_cluster']} words",
        f"{i['n_sentences']} sentences of {i['sentence_length']} words",
        f"{i['tokens']} tokens, V = {i['V']}",
        f"{i['skip_gram_pairs']} (centre, context) pairs and {i['cbow_samples']} CBOW samples",
        f"d = {sg['E'].shape[1]} by Adam at rate {sg.info['lr']:g}",
        f"({sg.info['steps']} and {cb.info['steps']} steps)",
        f"k = {sg.info['negatives']} negatives",
        "f = {} and {} to {} and {}".format(
            *(_num(v, 3) for v in (*c["frequency"][fn], *c["noise"][fn]))
        ),
        f"(mean {_num(c['frequency'][~fn].mean(), 3)} to {_num(c['noise'][~fn].mean(), 3)})",
        f"all {sg.info['words_all_in']} of {sg.info['n_words']} words have all {sg.info['k']}",
        f"({sg.info['start_mean_accuracy']:.0%} at the start, {i['chance']:.0%} by chance)",
        f"less similar than {_num(sg.info['within_min'])} (skip-gram) and "
        f"{_num(cb.info['within_min'])} (CBOW)",
        f"reaches {_num(sg.info['across_max'])} and {_num(cb.info['across_max'])}",
        f"keep only {sum(sg.info['explained']):.0%} and {sum(cb.info['explained']):.0%}",
        f"CBOW's cost, {_num(cb.info['final_cost'])} over its last epoch and "
        f"{_num(cb.info['held_out_cost'])} on a fresh corpus",
        f"H(centre | context) = {_num(i['cbow_entropy'])} nats",
        f"ends at {_num(sg.info['final_cost'])} ({_num(sg.info['held_out_cost'])} held out)",
        f"every one of the {len(tr.meta['seeds'])} seeds swept",
    ]
    for text in want:
        assert text in CAPTION, text
    assert cb.info["words_all_in"] == sg.info["words_all_in"] == i["n_clusters"] * 8
    sweep = tr.find("word_embeddings.sweep")
    assert all(r.info["words_all_in"] == r.info["n_words"] for r in sweep)
    assert cb.info["held_out_cost"] > i["cbow_entropy"]  # no model beats the process's floor
    assert re.search(r"PYTHONHASHSEED", CAPTION)


@pytest.mark.slow
def test_the_figure_is_legible(default_trace, tmp_path):
    from visualdl.viz.layout import layout_problems
    from visualdl.viz.word_embeddings import plot_word_embeddings

    fig = plot_word_embeddings(default_trace)
    assert layout_problems(fig) == []
    assert len(fig.axes) == 7


def test_the_gallery_module_writes_its_files(tmp_path, monkeypatch):
    import visualdl.gallery.word_embeddings as g

    small = word_embeddings(seeds=(0,), epochs=1, n_sentences=150)
    monkeypatch.setattr(g, "word_embeddings", lambda: small)
    paths = g.make(tmp_path)
    assert sorted(p.name for p in paths) == ["word-embeddings.png", "word-embeddings.svg"]
    assert all(p.stat().st_size > 10_000 for p in paths)
