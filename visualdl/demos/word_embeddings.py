"""Word embeddings learned by skip-gram and CBOW on a corpus with planted clusters, checked
against the clusters.

The corpus is :func:`~visualdl.engine.word2vec.planted_corpus`: ``n_clusters`` topics of
``words_per_cluster`` words (``a0 .. a7``, ``b0 .. b7``, ...), each sentence drawn from one
topic, with shared function words (``the``, ``of``) and a little noise that crosses the
topics. Both methods train ``E`` and ``Theta`` on it with the same window (the notes'
``window_size = 2``), dimension, optimizer and seed
(:func:`~visualdl.engine.word2vec.train`); then every word's nearest neighbours by cosine
similarity in ``E`` are compared with its planted cluster
(:func:`~visualdl.engine.word2vec.neighbour_accuracy`), the rows of ``E`` are projected on
their first two principal axes (:func:`~visualdl.engine.word2vec.pca_2d`), and CBOW's cost on
a fresh corpus is set against the corpus's entropy floor
(:meth:`~visualdl.engine.word2vec.Corpus.cbow_entropy`).

The first seed is the one shown; every seed of ``seeds`` is trained for the sweep.

Records: ``word_embeddings.corpus`` (:data:`CORPUS`), ``word_embeddings.run`` (:data:`RUN`,
one per method for the first seed), ``word_embeddings.sweep`` (:data:`SWEEP`, one per seed and
method).

Example
-------
>>> from visualdl.demos.word_embeddings import word_embeddings
>>> tr = word_embeddings(seeds=(0,), epochs=1, n_sentences=200)
>>> [r.info["method"] for r in tr.find("word_embeddings.run")]
['skip_gram', 'cbow']
>>> tr.last("word_embeddings.corpus").info["V"]
34
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine import word2vec as w2v
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["CORPUS", "HELD_OUT_SEED", "RUN", "SWEEP", "word_embeddings"]

#: the held-out corpus of seed ``s`` is drawn with seed ``HELD_OUT_SEED + s``
HELD_OUT_SEED = 10_000

CORPUS = declare(
    "word_embeddings.corpus",
    arrays={
        "cluster": "(V,) each word's planted cluster, -1 for the function words",
        "counts": "(V,) how often each word occurs",
        "frequency": "(V,) f(w) = counts / tokens",
        "noise": "(V,) negative sampling's P(w) = f(w)^(3/4) / sum_j f(w_j)^(3/4)",
    },
    info={
        "seed": "the corpus's seed (the first of the sweep)",
        "vocab": "the V words, sorted (ids are positions in this list)",
        "V": "vocabulary size",
        "n_clusters": "planted clusters",
        "words_per_cluster": "words in each cluster",
        "function_words": "the shared function words",
        "p_function": "probability that a word is a function word",
        "p_noise": "probability that a content word comes from any cluster",
        "n_sentences": "sentences",
        "sentence_length": "words per sentence",
        "tokens": "words in the corpus",
        "window_size": "the context window (words on each side)",
        "skip_gram_pairs": "(centre, context) pairs",
        "cbow_samples": "(context, centre) samples",
        "cbow_entropy": "H(centre | context) of the generator, in nats: CBOW's cost floor",
        "chance": "expected in-cluster fraction of k random neighbours, (n_w - 1) / (V - 1)",
        "examples": "the first three sentences, as text",
    },
)

RUN = declare(
    "word_embeddings.run",
    arrays={
        "E": "(V, d) the learned input vectors",
        "Theta": "(V, d) the learned output vectors",
        "xy": "(V, 2) the rows of E (unit length, centred) on their first two principal axes",
        "similarity": "(V, V) cosine similarity of the rows of E",
        "neighbours": "(V, k) each word's k nearest words by cosine similarity, best first",
        "accuracy": "(V,) fraction of each word's k neighbours in its cluster (NaN: no cluster)",
        "start_accuracy": "(V,) the same for E at the start",
        "step_cost": "(steps,) each mini-batch's cost before its step",
        "epoch_cost": "(epochs,) mean cost per epoch",
    },
    info={
        "method": "skip_gram or cbow",
        "seed": "seed of the corpus and of the training",
        "embedding_dim": "d",
        "negatives": "negative samples per pair (skip-gram; None for CBOW)",
        "epochs": "passes over the samples",
        "batch_size": "samples per step",
        "lr": "the optimizer's rate",
        "optimizer": "optimizer name",
        "steps": "optimizer steps",
        "steps_per_epoch": "optimizer steps per epoch",
        "k": "neighbours compared with the cluster (words_per_cluster - 1)",
        "mean_accuracy": "mean of accuracy over the clustered words",
        "min_accuracy": "the smallest word's accuracy",
        "words_all_in": "clustered words whose k neighbours are all in their cluster",
        "n_words": "clustered words",
        "start_mean_accuracy": "mean accuracy of E at the start",
        "final_cost": "mean cost over the last epoch",
        "held_out_cost": "the cost on a fresh corpus of the same generator",
        "explained": "fraction of variance on each of the two principal axes",
        "within_min": "the smallest cosine similarity of two words of one cluster",
        "across_max": "the largest cosine similarity of two words of different clusters",
    },
)

SWEEP = declare(
    "word_embeddings.sweep",
    info={
        "method": "skip_gram or cbow",
        "seed": "seed of the corpus and of the training",
        "mean_accuracy": "mean neighbour accuracy over the clustered words",
        "min_accuracy": "the smallest word's accuracy",
        "words_all_in": "words whose k neighbours are all in their cluster",
        "n_words": "clustered words",
    },
)


def _held_out_cost(method: str, params: dict, corpus: w2v.Corpus, settings: dict) -> float:
    window, seed = settings["window_size"], settings["seed"]
    held = w2v.planted_corpus(**{**settings["corpus"], "seed": HELD_OUT_SEED + seed})
    if method == "cbow":
        return w2v.cbow_loss(*w2v.cbow_arrays(held.ids, window), params)[0]
    centers, contexts = w2v.skip_gram_pairs(held.ids, window)
    noise = w2v.negative_distribution(corpus.counts)
    neg = w2v.sample_negatives(
        noise, (centers.size, settings["negatives"]), np.random.default_rng(seed)
    )
    return w2v.skip_gram_loss(centers, contexts, neg, params)[0]


def _summary(acc: np.ndarray) -> dict:
    clustered = acc[~np.isnan(acc)]
    return {
        "mean_accuracy": float(clustered.mean()),
        "min_accuracy": float(clustered.min()),
        "words_all_in": int(np.sum(clustered == 1.0)),
        "n_words": int(clustered.size),
    }


def _run(tr: Trace, method: str, corpus: w2v.Corpus, settings: dict, shown: bool) -> None:
    train = {k: settings[k] for k in ("embedding_dim", "window_size", "negatives", "epochs")}
    train.update({k: settings[k] for k in ("batch_size", "lr", "optimizer", "seed")})
    params, history = w2v.train(method, corpus, **train)
    E, k = params["E"], corpus.words_per_cluster - 1
    acc = w2v.neighbour_accuracy(E, corpus.cluster, k)
    summary = _summary(acc)
    SWEEP.add(tr, method=method, seed=settings["seed"], **summary)
    if not shown:
        return
    xy, explained = w2v.pca_2d(E)
    similarity = np.asarray(w2v.cosine_similarity(E[:, None, :], E[None, :, :]))
    neighbours = np.array([[j for j, _ in w2v.nearest(E, i, k)] for i in range(corpus.V)])
    start = w2v.neighbour_accuracy(history["start"], corpus.cluster, k)
    steps = history["step_cost"].size
    c = corpus.cluster
    same = (c[:, None] == c[None, :]) & (c[:, None] >= 0) & ~np.eye(c.size, dtype=bool)
    across = (c[:, None] != c[None, :]) & (c[:, None] >= 0) & (c[None, :] >= 0)
    RUN.add(
        tr,
        method=method,
        seed=settings["seed"],
        embedding_dim=settings["embedding_dim"],
        negatives=settings["negatives"] if method == "skip_gram" else None,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
        optimizer=settings["optimizer"],
        steps=steps,
        steps_per_epoch=steps // settings["epochs"],
        k=k,
        **summary,
        start_mean_accuracy=float(np.nanmean(start)),
        final_cost=float(history["loss"][-1]),
        held_out_cost=float(_held_out_cost(method, params, corpus, settings)),
        explained=[float(v) for v in explained],
        within_min=float(similarity[same].min()),
        across_max=float(similarity[across].max()),
        E=E,
        Theta=params["Theta"],
        xy=xy,
        similarity=similarity,
        neighbours=neighbours,
        accuracy=acc,
        start_accuracy=start,
        step_cost=history["step_cost"],
        epoch_cost=history["loss"],
    )


def _corpus_record(tr: Trace, corpus: w2v.Corpus, settings: dict) -> None:
    c = settings["corpus"]
    window = settings["window_size"]
    tokens = int(corpus.counts.sum())
    function = [w for w, k in zip(corpus.idx_to_word, corpus.cluster, strict=True) if k < 0]
    CORPUS.add(
        tr,
        seed=settings["seed"],
        vocab=list(corpus.idx_to_word),
        V=corpus.V,
        n_clusters=c["n_clusters"],
        words_per_cluster=c["words_per_cluster"],
        function_words=function,
        p_function=c["p_function"],
        p_noise=c["p_noise"],
        n_sentences=c["n_sentences"],
        sentence_length=c["sentence_length"],
        tokens=tokens,
        window_size=window,
        skip_gram_pairs=int(w2v.skip_gram_pairs(corpus.ids, window)[0].size),
        cbow_samples=int(w2v.cbow_arrays(corpus.ids, window)[1].size),
        cbow_entropy=corpus.cbow_entropy(window),
        chance=(corpus.words_per_cluster - 1) / (corpus.V - 1),
        examples=[" ".join(s) for s in corpus.sentences[:3]],
        cluster=corpus.cluster,
        counts=corpus.counts,
        frequency=corpus.counts / tokens,
        noise=w2v.negative_distribution(corpus.counts),
    )


def word_embeddings(
    seeds: Sequence[int] = (0, 1, 2),
    n_clusters: int = 4,
    words_per_cluster: int = 8,
    n_sentences: int = 1000,
    sentence_length: int = 8,
    n_function: int = 2,
    p_function: float = 0.2,
    p_noise: float = 0.1,
    embedding_dim: int = 10,
    window_size: int = 2,
    negatives: int = 5,
    epochs: int = 4,
    batch_size: int = 128,
    lr: float = 0.01,
    optimizer: str = "adam",
) -> Trace:
    """Skip-gram and CBOW on the planted corpus of every seed (see the module); the first
    seed's corpus and runs are recorded in full, every seed's accuracy in the sweep."""
    if not seeds:
        raise ValueError("word_embeddings: seeds must name at least one seed, got none")
    corpus_settings = {
        "n_clusters": n_clusters,
        "words_per_cluster": words_per_cluster,
        "n_sentences": n_sentences,
        "sentence_length": sentence_length,
        "n_function": n_function,
        "p_function": p_function,
        "p_noise": p_noise,
    }
    tr = Trace({"demo": "word_embeddings", "seeds": list(seeds)})
    for i, seed in enumerate(seeds):
        settings = {
            "corpus": corpus_settings,
            "seed": seed,
            "embedding_dim": embedding_dim,
            "window_size": window_size,
            "negatives": negatives,
            "epochs": epochs,
            "batch_size": batch_size,
            "lr": lr,
            "optimizer": optimizer,
        }
        corpus = w2v.planted_corpus(**corpus_settings, seed=seed)
        if i == 0:
            _corpus_record(tr, corpus, settings)
        for method in w2v.METHODS:
            _run(tr, method, corpus, settings, shown=i == 0)
    return tr
