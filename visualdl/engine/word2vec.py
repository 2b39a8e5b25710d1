"""Word embeddings: skip-gram with negative sampling and CBOW, on a corpus whose structure is
planted, so that the learned neighbours can be checked against it.

Two matrices, rows are words (the chapter's row layout): ``E: (V, d)`` the input (centre)
vectors ``e_c`` and ``Theta: (V, d)`` the output (context) vectors ``theta_t``, as the notes
write ``p(t | c) = exp(theta_t^T e_c) / sum_j exp(theta_j^T e_c)``. (The seed notes use one
``v`` for both; standard word2vec, and the notes' A28, keep two.)

- **Skip-gram with negative sampling** (notes A28): for each (centre ``c``, context ``t``)
  pair and its ``k`` negatives ``n_1 .. n_k`` drawn from ``P(w) = f(w)^(3/4) / sum_j
  f(w_j)^(3/4)``::

      J = (1/P) sum_pairs [ -log sigma(theta_t . e_c) - sum_k log sigma(-theta_{n_k} . e_c) ]

  With ``s = theta_t . e_c``, ``s_k = theta_{n_k} . e_c``: ``dJ/ds = (sigma(s) - 1) / P``,
  ``dJ/ds_k = sigma(s_k) / P``; then ``de_c = dJ/ds theta_t + sum_k dJ/ds_k theta_{n_k}``,
  ``dtheta_t = dJ/ds e_c``, ``dtheta_{n_k} = dJ/ds_k e_c``, scatter-added into the rows.
- **CBOW** (notes A53): ``h = (1/C) sum of the C context vectors e``, logits ``z = Theta h``,
  ``J = mean over samples of -log softmax(z)[centre]`` (full softmax over ``V``); ``dz = P -
  onehot``, ``dTheta = dz^T h``, ``dh = dz Theta``, each context row gets ``dh / C``.

Both backwards return gradients of the mean cost ``J`` (like
:func:`~visualdl.engine.rows.cross_entropy_rows_backward`, the one ``1/N`` is in the loss).

Data preparation is the notes' (A53): ``window_size = 2``, a sample for every position with a
full window (``i in range(window, len - window)``). Their vocabulary was ``set(words)``, whose
order depends on ``PYTHONHASHSEED`` (index 0 was ``'good'`` with seed 0, ``'天'`` with seed 1);
here it is ``sorted(set(words))``, the same in every run. On the generated corpus windows never
cross a sentence (the notes' window straddles their two unrelated texts).

Example
-------
>>> words = notes_words()
>>> idx_to_word, word_to_idx = build_vocab(words)
>>> len(words), len(idx_to_word), len(get_cbow_data(words)), len(get_skip_gram_data(words))
(28, 23, 24, 24)
>>> get_cbow_data(words)[0]
(['天', '青', '等', '烟'], '色')
>>> import numpy as np
>>> params = {"E": np.eye(3, 2), "Theta": np.ones((3, 2))}
>>> J, cache = skip_gram_loss([0], [1], [[2]], params)
>>> round(J, 4)  # -log sigma(1) - log sigma(-1)
1.6265
>>> sorted(skip_gram_backward(cache))
['dE', 'dTheta']
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from visualdl.backend import array_module
from visualdl.engine import optimizers
from visualdl.engine.checks import choice, integer, number, real_array
from visualdl.engine.embedding import embedding_backward, embedding_forward
from visualdl.engine.rows import cross_entropy_rows, cross_entropy_rows_backward, token_ids

__all__ = [
    "METHODS",
    "NOTES_PUNCTUATION",
    "NOTES_TEXT1",
    "NOTES_TEXT2",
    "Corpus",
    "analogy",
    "build_vocab",
    "cbow_arrays",
    "cbow_backward",
    "cbow_loss",
    "cosine_similarity",
    "decoder",
    "encoder",
    "get_cbow_data",
    "get_skip_gram_data",
    "init_params",
    "nearest",
    "negative_distribution",
    "neighbour_accuracy",
    "notes_words",
    "pca_2d",
    "planted_corpus",
    "sample_negatives",
    "skip_gram_backward",
    "skip_gram_loss",
    "skip_gram_pairs",
    "train",
]

Array = Any
Params = dict[str, Array]

NOTES_TEXT1 = "天青色等烟雨，而我在等你。炊烟袅袅升起，隔江千万里。"
NOTES_TEXT2 = "good good study, day day up."
NOTES_PUNCTUATION = ",.，。"
METHODS = ("skip_gram", "cbow")


# -- the notes' data preparation -------------------------------------------------------------
def notes_words(text1: str = NOTES_TEXT1, text2: str = NOTES_TEXT2) -> list[str]:
    """The notes' token list: punctuation ``",.，。"`` removed, ``text1`` split into characters,
    ``text2`` at whitespace, one list (22 characters + 6 words = 28 tokens)."""
    table = str.maketrans("", "", NOTES_PUNCTUATION)
    return list(text1.translate(table)) + text2.translate(table).split()


def build_vocab(words: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    """``(idx_to_word, word_to_idx)`` with ``idx_to_word = sorted(set(words))``.

    The notes' ``set(words)`` order changes with ``PYTHONHASHSEED``; sorting makes the ids the
    same in every run.
    """
    idx_to_word = sorted(set(words))
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


def encoder(words: Sequence[str], word_to_idx: dict[str, int]) -> list[int]:
    """Word -> id for each word; ``ValueError`` for a word outside the vocabulary."""
    missing = [w for w in words if w not in word_to_idx]
    if missing:
        raise ValueError(f"encoder: words not in the vocabulary: {missing[:5]}")
    return [word_to_idx[w] for w in words]


def decoder(ids: Sequence[int], idx_to_word: Sequence[str]) -> list[str]:
    """Id -> word for each id (``decoder(encoder(words)) == words``)."""
    ids = token_ids("decoder", "ids", np.asarray(ids, dtype=np.int64), len(idx_to_word))
    return [idx_to_word[int(i)] for i in ids]


def _window(op: str, window_size: Any) -> int:
    return integer(op, "window_size", window_size, 1)


def get_cbow_data(words: Sequence[Any], window_size: int = 2) -> list[tuple[list[Any], Any]]:
    """The notes' CBOW samples ``(context, centre)``: for ``i in range(w, len - w)`` the ``2w``
    words around ``words[i]`` (left then right) and ``words[i]``."""
    w = _window("get_cbow_data", window_size)
    words = list(words)
    return [
        (words[i - w : i] + words[i + 1 : i + w + 1], words[i]) for i in range(w, len(words) - w)
    ]


def get_skip_gram_data(words: Sequence[Any], window_size: int = 2) -> list[tuple[Any, list[Any]]]:
    """The notes' skip-gram samples ``(centre, context)``: the same windows as
    :func:`get_cbow_data`, centre first."""
    return [(c, ctx) for ctx, c in get_cbow_data(words, _window("get_skip_gram_data", window_size))]


def _sentences(op: str, sentences: Any, window_size: Any) -> tuple[list[np.ndarray], int]:
    w = _window(op, window_size)
    if isinstance(sentences, np.ndarray) and sentences.ndim == 1:
        sentences = [sentences]
    out = []
    for s in sentences:
        a = np.asarray(s)
        if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise ValueError(
                f"{op}: each sentence must be a 1-D list of integer ids, got {s!r:.60}"
            )
        out.append(a.astype(np.int64))
    if not any(a.size > 2 * w for a in out):
        raise ValueError(
            f"{op}: no sentence has more than 2 * window_size = {2 * w} words, so no full window"
        )
    return out, w


def cbow_arrays(sentences: Sequence[Sequence[int]], window_size: int = 2) -> tuple[Array, Array]:
    """CBOW samples of integer sentences as arrays ``contexts: (n, 2w)``, ``centres: (n,)``:
    every position with a full window inside its sentence (windows never cross sentences)."""
    sents, w = _sentences("cbow_arrays", sentences, window_size)
    offsets = np.r_[np.arange(-w, 0), np.arange(1, w + 1)]
    ctx, cen = [], []
    for a in sents:
        i = np.arange(w, a.size - w)
        ctx.append(a[i[:, None] + offsets])
        cen.append(a[i])
    return np.concatenate(ctx), np.concatenate(cen)


def skip_gram_pairs(
    sentences: Sequence[Sequence[int]], window_size: int = 2
) -> tuple[Array, Array]:
    """The (centre, context) pairs of the same windows as :func:`cbow_arrays`, flattened:
    ``centres: (n 2w,)``, ``contexts: (n 2w,)``."""
    with_name = "skip_gram_pairs"
    try:
        contexts, centres = cbow_arrays(sentences, window_size)
    except ValueError as err:
        raise ValueError(str(err).replace("cbow_arrays", with_name)) from None
    return np.repeat(centres, contexts.shape[1]), contexts.reshape(-1)


# -- a corpus with planted clusters ----------------------------------------------------------
@dataclass(frozen=True)
class Corpus:
    """A generated corpus and its known structure.

    Attributes
    ----------
    sentences : list of list of str
    idx_to_word : list of str, the sorted vocabulary (``V`` words)
    word_to_idx : dict, word -> id
    ids : list of (length,) int64 arrays, the sentences encoded
    cluster : (V,) int64, each word's planted cluster, ``-1`` for the shared function words
    topics : (n_sentences,) int64, the cluster each sentence was drawn from
    counts : (V,) int64, how often each word occurs
    n_clusters, words_per_cluster, n_function, p_function : the generator's settings
    """

    sentences: list[list[str]]
    idx_to_word: list[str]
    word_to_idx: dict[str, int]
    ids: list[np.ndarray]
    cluster: np.ndarray
    topics: np.ndarray
    counts: np.ndarray
    n_clusters: int
    words_per_cluster: int
    n_function: int
    p_function: float
    p_noise: float

    @property
    def V(self) -> int:
        """The vocabulary size."""
        return len(self.idx_to_word)

    def cbow_entropy(self, window_size: int = 2) -> float:
        """``H(centre | context)`` of the generating process, in nats: the floor of CBOW's
        expected cost (no model predicts the centre better than the process that drew it).

        A word's *class* is a function word (probability ``p = p_function``) or cluster ``j``
        (``(1 - p) ((1 - q) [j = topic] + q / K)``, ``q = p_noise``); within its class it is
        uniform. Over every pattern of classes of the ``C = 2 window_size`` context words
        (``(K + 1)^C`` of them), Bayes' rule gives the posterior of the sentence's topic and
        from it the predictive distribution of the centre; ``H`` is the entropy of that
        prediction averaged over the patterns' probabilities (exact, no sampling).
        """
        C = 2 * _window("Corpus.cbow_entropy", window_size)
        p, q, K = self.p_function, self.p_noise, self.n_clusters
        sizes = np.array([self.words_per_cluster] * K + [max(self.n_function, 1)], float)
        like = np.zeros((K, K + 1))  # P(class | topic)
        like[:, :K] = (1 - p) * ((1 - q) * np.eye(K) + q / K)
        like[:, K] = p
        patterns = np.array(list(itertools.product(range(K + 1), repeat=C)))  # (N, C)
        joint = np.prod(like[:, patterns], axis=2) / K  # (K, N): P(topic, pattern)
        marginal = joint.sum(axis=0)
        keep = marginal > 0
        post = joint[:, keep] / marginal[keep]  # P(topic | pattern)
        pi = post.T @ like  # (N, K + 1): P(centre's class | pattern)
        with np.errstate(divide="ignore", invalid="ignore"):
            H = -np.sum(np.where(pi > 0, pi * np.log(pi / sizes), 0.0), axis=1)
        return float(marginal[keep] @ H)


FUNCTION_WORDS = ("the", "of", "and", "to", "in", "is")


def planted_corpus(
    n_clusters: int = 4,
    words_per_cluster: int = 8,
    n_sentences: int = 1000,
    sentence_length: int = 8,
    n_function: int = 2,
    p_function: float = 0.2,
    p_noise: float = 0.1,
    seed: int = 0,
) -> Corpus:
    """Sentences whose words co-occur only within their planted cluster.

    Cluster ``k`` has the words ``a0 .. a7`` (letter ``k``: ``a``, ``b``, ...). Each sentence
    picks a cluster uniformly, then each of its ``sentence_length`` words is, with probability
    ``p_function``, one of ``n_function`` shared function words (``the``, ``of``, ...), else
    with probability ``p_noise`` a uniform word of any cluster (noise that crosses the
    clusters), and otherwise a uniform word of its cluster. All draws from
    ``default_rng(seed)``.

    Example
    -------
    >>> c = planted_corpus(n_clusters=2, words_per_cluster=3, n_sentences=4, seed=0)
    >>> c.idx_to_word
    ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'of', 'the']
    >>> c.cluster.tolist()
    [0, 0, 0, 1, 1, 1, -1, -1]
    """
    op = "planted_corpus"
    K = integer(op, "n_clusters", n_clusters, 2)
    if K > 26:
        raise ValueError(f"{op}: n_clusters must be <= 26 (one letter each), got {K}")
    n_w = integer(op, "words_per_cluster", words_per_cluster, 2)
    if n_w > 10:
        raise ValueError(f"{op}: words_per_cluster must be <= 10 (one digit each), got {n_w}")
    n_s = integer(op, "n_sentences", n_sentences)
    L = integer(op, "sentence_length", sentence_length, 2)
    n_f = integer(op, "n_function", n_function, 0)
    if n_f > len(FUNCTION_WORDS):
        raise ValueError(f"{op}: n_function must be <= {len(FUNCTION_WORDS)}, got {n_f}")
    p = number(op, "p_function", p_function, "[0, 1)")
    p_noise = number(op, "p_noise", p_noise, "[0, 1]")
    seed = integer(op, "seed", seed, 0)
    gen = np.random.default_rng(seed)
    words = [[f"{chr(97 + k)}{j}" for j in range(n_w)] for k in range(K)]
    function = list(FUNCTION_WORDS[:n_f])
    topics = gen.integers(0, K, n_s)
    is_function = gen.random((n_s, L)) < p if n_f else np.zeros((n_s, L), bool)
    pick_word = gen.integers(0, n_w, (n_s, L))
    pick_function = gen.integers(0, max(n_f, 1), (n_s, L))
    noisy = gen.random((n_s, L)) < p_noise
    home = np.where(noisy, gen.integers(0, K, (n_s, L)), topics[:, None])  # the word's cluster
    sentences = [
        [
            function[pick_function[i, j]]
            if is_function[i, j]
            else words[home[i, j]][pick_word[i, j]]
            for j in range(L)
        ]
        for i in range(n_s)
    ]
    idx_to_word, word_to_idx = build_vocab([w for group in words for w in group] + function)
    cluster = np.array(
        [ord(w[0]) - 97 if w not in function else -1 for w in idx_to_word], dtype=np.int64
    )
    ids = [np.array(encoder(s, word_to_idx), dtype=np.int64) for s in sentences]
    counts = np.bincount(np.concatenate(ids), minlength=len(idx_to_word)).astype(np.int64)
    return Corpus(
        sentences,
        idx_to_word,
        word_to_idx,
        ids,
        cluster,
        topics.astype(np.int64),
        counts,
        K,
        n_w,
        n_f,
        p if n_f else 0.0,
        p_noise,
    )


# -- negative sampling -----------------------------------------------------------------------
def negative_distribution(counts: Any, power: float = 0.75) -> np.ndarray:
    """``P(w) = f(w)^power / sum_j f(w_j)^power`` from word counts ``(V,)`` (notes A28:
    ``power = 3/4`` lifts rare words above their frequency and lowers frequent ones)."""
    op = "negative_distribution"
    f = real_array(op, "counts", counts)
    if f.ndim != 1 or f.size == 0 or not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ValueError(f"{op}: counts must be a (V,) array of counts >= 0, got {f!r:.60}")
    power = number(op, "power", power, "[0, inf)")
    w = np.where(f > 0, f**power, 0.0)
    if w.sum() == 0:
        raise ValueError(f"{op}: every count is 0")
    return w / w.sum()


def sample_negatives(
    distribution: Any, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """``shape`` word ids drawn independently from ``distribution`` ``(V,)`` with ``rng`` (an
    explicit ``numpy.random.Generator``)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"sample_negatives: rng must be a numpy Generator, got {rng!r:.60}")
    P = np.asarray(distribution, dtype=np.float64)
    return rng.choice(P.size, size=shape, p=P).astype(np.int64)


# -- the two losses and their backwards ------------------------------------------------------
def _params(op: str, params: Any) -> tuple[Array, Array]:
    if not isinstance(params, dict) or not {"E", "Theta"} <= set(params):
        raise ValueError(f"{op}: params must be a dict with E and Theta, got {params!r:.60}")
    E, Theta = real_array(op, "E", params["E"]), real_array(op, "Theta", params["Theta"])
    if E.ndim != 2 or tuple(Theta.shape) != tuple(E.shape):
        raise ValueError(
            f"{op}: E and Theta must both be (V, d), got {tuple(E.shape)} and {tuple(Theta.shape)}"
        )
    return E, Theta


def _log_sigmoid(x: Array) -> Array:
    """``log sigma(x) = -log(1 + exp(-x))``, stable for large ``|x|``."""
    return -array_module(x).logaddexp(0.0, -x)


def _sigmoid(x: Array) -> Array:
    xp = array_module(x)
    return xp.exp(_log_sigmoid(x))


def skip_gram_loss(
    centers: Any, contexts: Any, negatives: Any, params: Params
) -> tuple[float, dict]:
    """Skip-gram's negative-sampling cost over ``P`` pairs.

    Parameters
    ----------
    centers, contexts : (P,) integer ids ``c`` and ``t`` in ``[0, V)``.
    negatives : (P, k) integer ids, ``k >= 0`` negatives per pair.
    params : ``{"E": (V, d), "Theta": (V, d)}``.

    Returns
    -------
    J : float
        ``(1/P) sum [-log sigma(theta_t . e_c) - sum_k log sigma(-theta_{n_k} . e_c)]``.
    cache : dict for :func:`skip_gram_backward`.
    """
    op = "skip_gram_loss"
    E, Theta = _params(op, params)
    V = E.shape[0]
    centers = token_ids(op, "centers", centers, V)
    contexts = token_ids(op, "contexts", contexts, V)
    negatives = token_ids(op, "negatives", negatives, V)
    if centers.ndim != 1 or centers.size == 0:
        raise ValueError(f"{op}: centers must be (P,) with P >= 1, got {tuple(centers.shape)}")
    P = centers.shape[0]
    if tuple(contexts.shape) != (P,):
        raise ValueError(f"{op}: contexts must be ({P},) like centers, got {tuple(contexts.shape)}")
    if negatives.ndim != 2 or negatives.shape[0] != P:
        raise ValueError(f"{op}: negatives must be ({P}, k), got {tuple(negatives.shape)}")
    xp = array_module(E)
    e_c, c_cache = embedding_forward(centers, E)  # (P, d)
    theta_t, t_cache = embedding_forward(contexts, Theta)  # (P, d)
    theta_n, n_cache = embedding_forward(negatives, Theta)  # (P, k, d)
    s = xp.sum(theta_t * e_c, axis=-1)  # (P,)
    s_neg = xp.sum(theta_n * e_c[:, None, :], axis=-1)  # (P, k)
    J = float(xp.sum(-_log_sigmoid(s)) + xp.sum(-_log_sigmoid(-s_neg))) / P
    cache = {
        "e_c": e_c,
        "theta_t": theta_t,
        "theta_n": theta_n,
        "s": s,
        "s_neg": s_neg,
        "P": P,
        "caches": (c_cache, t_cache, n_cache),
    }
    return J, cache


def skip_gram_backward(cache: dict) -> dict[str, Array]:
    """``{"dE": (V, d), "dTheta": (V, d)}``, the gradient of the mean cost ``J`` of
    :func:`skip_gram_loss`: ``dJ/ds = (sigma(s) - 1)/P``, ``dJ/ds_k = sigma(s_k)/P``, then
    the rows' gradients scatter-added (a word that is centre, context and negative gets all
    three)."""
    e_c, theta_t, theta_n = cache["e_c"], cache["theta_t"], cache["theta_n"]
    c_cache, t_cache, n_cache = cache["caches"]
    g = (_sigmoid(cache["s"]) - 1.0) / cache["P"]  # (P,)
    g_neg = _sigmoid(cache["s_neg"]) / cache["P"]  # (P, k)
    xp = array_module(e_c)
    de_c = g[:, None] * theta_t + xp.sum(g_neg[:, :, None] * theta_n, axis=1)
    dtheta_t = g[:, None] * e_c
    dtheta_n = g_neg[:, :, None] * e_c[:, None, :]
    dE = embedding_backward(de_c, c_cache)
    dTheta = embedding_backward(dtheta_t, t_cache) + embedding_backward(dtheta_n, n_cache)
    return {"dE": dE, "dTheta": dTheta}


def cbow_loss(contexts: Any, centers: Any, params: Params) -> tuple[float, dict]:
    """CBOW's cost with the full softmax over the vocabulary.

    Parameters
    ----------
    contexts : (n, C) integer ids, the ``C = 2 window_size`` context words of each sample.
    centers : (n,) integer ids, the word to predict.
    params : ``{"E": (V, d), "Theta": (V, d)}``.

    Returns
    -------
    J : float
        ``-(1/n) sum log softmax(Theta h)[centre]`` with ``h = (1/C) sum_j e_{context_j}``
        (the notes' ``h-bar``, which they leave undefined: the mean of the context vectors).
    cache : dict for :func:`cbow_backward`.
    """
    op = "cbow_loss"
    E, Theta = _params(op, params)
    V = E.shape[0]
    contexts = token_ids(op, "contexts", contexts, V)
    centers = token_ids(op, "centers", centers, V)
    if contexts.ndim != 2 or contexts.shape[0] == 0 or contexts.shape[1] == 0:
        raise ValueError(
            f"{op}: contexts must be (n, C) with n, C >= 1, got {tuple(contexts.shape)}"
        )
    if tuple(centers.shape) != (contexts.shape[0],):
        raise ValueError(
            f"{op}: centers must be ({contexts.shape[0]},), one per context row, got "
            f"{tuple(centers.shape)}"
        )
    xp = array_module(E)
    X, e_cache = embedding_forward(contexts, E)  # (n, C, d)
    h = xp.mean(X, axis=1)  # (n, d)
    logits = h @ Theta.T  # (n, V)
    J, ce_cache = cross_entropy_rows(logits, centers)
    return J, {"h": h, "Theta": Theta, "C": contexts.shape[1], "caches": (e_cache, ce_cache)}


def cbow_backward(cache: dict) -> dict[str, Array]:
    """``{"dE": (V, d), "dTheta": (V, d)}`` of the mean cost of :func:`cbow_loss`:
    ``dz = (P - onehot)/n``, ``dTheta = dz^T h``, ``dh = dz Theta``, and each of the ``C``
    context rows of a sample gets ``dh / C`` (scatter-added)."""
    e_cache, ce_cache = cache["caches"]
    h, Theta, C = cache["h"], cache["Theta"], cache["C"]
    xp = array_module(h)
    dz = cross_entropy_rows_backward(ce_cache)  # (n, V)
    dTheta = dz.T @ h
    dh = dz @ Theta  # (n, d)
    dX = xp.broadcast_to(dh[:, None, :] / C, (dh.shape[0], C, dh.shape[1]))
    return {"dE": embedding_backward(dX, e_cache), "dTheta": dTheta}


# -- training --------------------------------------------------------------------------------
def init_params(V: int, d: int, seed: int = 0) -> Params:
    """word2vec's start: ``E ~ U(-0.5/d, 0.5/d)``, ``Theta = 0`` (float64)."""
    V, d = integer("init_params", "V", V), integer("init_params", "d", d)
    gen = np.random.default_rng(integer("init_params", "seed", seed, 0))
    return {"E": gen.uniform(-0.5 / d, 0.5 / d, (V, d)), "Theta": np.zeros((V, d))}


def train(
    method: str,
    corpus: Corpus,
    embedding_dim: int = 10,
    window_size: int = 2,
    negatives: int = 5,
    epochs: int = 4,
    batch_size: int = 128,
    lr: float = 0.01,
    optimizer: str = "adam",
    seed: int = 0,
) -> tuple[Params, dict[str, Any]]:
    """Train ``E`` and ``Theta`` on ``corpus`` by mini-batch ``optimizer`` steps.

    ``method`` is ``"skip_gram"`` (pairs of :func:`skip_gram_pairs`, ``negatives`` draws per
    pair from :func:`negative_distribution` of the corpus's counts) or ``"cbow"`` (samples of
    :func:`cbow_arrays`). Every epoch shuffles the samples; the start, the order and the
    negatives all come from ``default_rng(seed)``.

    Returns
    -------
    params : ``{"E", "Theta"}`` after training, float64.
    history : ``{"loss": (epochs,) mean batch cost per epoch, "step_cost": (steps,) each
        batch's cost before its step, "start": E at the start, "samples": samples per epoch}``.
    """
    op = "train"
    method = choice(op, "method", method, METHODS)
    d = integer(op, "embedding_dim", embedding_dim)
    k = integer(op, "negatives", negatives, 1)
    epochs, batch = integer(op, "epochs", epochs), integer(op, "batch_size", batch_size)
    seed = integer(op, "seed", seed, 0)
    choice(op, "optimizer", optimizer, optimizers.DEFAULTS)
    gen = np.random.default_rng(seed)
    params = init_params(corpus.V, d, seed)
    start = params["E"].copy()
    if method == "skip_gram":
        a, b = skip_gram_pairs(corpus.ids, window_size)
        noise = negative_distribution(corpus.counts)
    else:
        a, b = cbow_arrays(corpus.ids, window_size)
    n, state, losses, step_cost = a.shape[0], None, [], []
    for _ in range(epochs):
        order, total = gen.permutation(n), 0.0
        for lo in range(0, n, batch):
            i = order[lo : lo + batch]
            if method == "skip_gram":
                neg = sample_negatives(noise, (i.size, k), gen)
                J, cache = skip_gram_loss(a[i], b[i], neg, params)
                grads = skip_gram_backward(cache)
            else:
                J, cache = cbow_loss(a[i], b[i], params)
                grads = cbow_backward(cache)
            params, state = optimizers.step(optimizer, params, grads, state, {"lr": lr})
            total = total + J * i.size
            step_cost.append(J)
        losses.append(total / n)
    history = {
        "loss": np.array(losses),
        "step_cost": np.array(step_cost),
        "start": start,
        "samples": n,
    }
    return params, history


# -- similarity, neighbours, projection ------------------------------------------------------
def cosine_similarity(u: Any, v: Any) -> Any:
    """``sim(u, v) = u . v / (||u|| ||v||)`` over the last axis (broadcasts); 0 for a zero
    vector."""
    u, v = real_array("cosine_similarity", "u", u), real_array("cosine_similarity", "v", v)
    xp = array_module(u)
    norm = xp.linalg.vector_norm(u, axis=-1) * xp.linalg.vector_norm(v, axis=-1)
    dot = xp.sum(u * v, axis=-1)
    return xp.where(norm > 0, dot / xp.where(norm > 0, norm, 1.0), 0.0)


def _word_id(op: str, word: Any, V: int, idx_to_word: Sequence[str] | None) -> int:
    if isinstance(word, str):
        if idx_to_word is None or word not in idx_to_word:
            raise ValueError(f"{op}: word {word!r} is not in the vocabulary (pass idx_to_word)")
        return list(idx_to_word).index(word)
    return int(token_ids(op, "word", np.asarray(word), V))


def nearest(
    E: Any, word: Any, k: int = 5, idx_to_word: Sequence[str] | None = None
) -> list[tuple[Any, float]]:
    """The ``k`` words whose rows of ``E`` have the highest cosine similarity to ``word``'s
    (the word itself excluded), best first, as ``(word or id, similarity)``; ``word`` is an
    id, or a string looked up in ``idx_to_word`` (then the neighbours are strings too).

    Example
    -------
    >>> import numpy as np
    >>> E = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    >>> [(w, round(s, 3)) for w, s in nearest(E, "x", 2, ["x", "y", "z"])]
    [('y', 0.994), ('z', 0.0)]
    """
    op = "nearest"
    E = real_array(op, "E", E)
    if E.ndim != 2:
        raise ValueError(f"{op}: E must be (V, d), got shape {tuple(E.shape)}")
    V = E.shape[0]
    k = integer(op, "k", k)
    if k > V - 1:
        raise ValueError(f"{op}: k must be <= V - 1 = {V - 1}, got {k}")
    i = _word_id(op, word, V, idx_to_word)
    sim = np.asarray(cosine_similarity(E, E[i]), dtype=np.float64)
    sim[i] = -np.inf
    top = np.argsort(-sim, kind="stable")[:k]
    name = (lambda j: idx_to_word[j]) if isinstance(word, str) else int
    return [(name(int(j)), float(sim[j])) for j in top]


def neighbour_accuracy(E: Any, cluster: Any, k: int | None = None) -> np.ndarray:
    """For every word with a planted cluster (``cluster >= 0``), the fraction of its ``k``
    nearest neighbours (cosine, itself excluded) in its own cluster; NaN for the words of no
    cluster (``-1``). ``k`` defaults to the smallest cluster's size minus one, so 1.0 means
    the cluster's own words are exactly the nearest."""
    op = "neighbour_accuracy"
    E = real_array(op, "E", E)
    cluster = np.asarray(cluster)
    if E.ndim != 2 or cluster.shape != (E.shape[0],):
        raise ValueError(
            f"{op}: expected E (V, d) and cluster (V,), got {tuple(E.shape)} and {cluster.shape}"
        )
    sizes = np.bincount(cluster[cluster >= 0])
    k = int(sizes[sizes > 0].min()) - 1 if k is None else integer(op, "k", k)
    if k < 1 or k > E.shape[0] - 1:
        raise ValueError(f"{op}: k must lie in [1, V - 1 = {E.shape[0] - 1}], got {k}")
    En = np.asarray(E, dtype=np.float64)
    En = En / np.maximum(np.linalg.norm(En, axis=1, keepdims=True), 1e-300)
    sim = En @ En.T
    np.fill_diagonal(sim, -np.inf)
    top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    acc = np.mean(cluster[top] == cluster[:, None], axis=1)
    return np.where(cluster >= 0, acc, np.nan)


def analogy(E: Any, a: str, b: str, c: str, idx_to_word: Sequence[str]) -> tuple[str, float]:
    """``a : b :: c : ?`` (notes A28): ``argmax_w sim(e_w, e_b - e_a + e_c)`` over the words
    other than ``a, b, c`` (``man : king :: woman : queen``); returns the word and its
    similarity."""
    op = "analogy"
    E = real_array(op, "E", E)
    ia, ib, ic = (_word_id(op, w, E.shape[0], idx_to_word) for w in (a, b, c))
    sim = np.asarray(cosine_similarity(E, E[ib] - E[ia] + E[ic]), dtype=np.float64)
    sim[[ia, ib, ic]] = -np.inf
    j = int(np.argmax(sim))
    return idx_to_word[j], float(sim[j])


def pca_2d(E: Any, normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``E (V, d)`` projected on their first two principal axes.

    With ``normalize`` the rows are first scaled to unit length (cosine similarity is what
    the neighbours use), then centred; the axes are the top right-singular vectors, each
    signed so that its largest entry is positive (the same picture every run).

    Returns ``Y (V, 2)`` and the fraction of the variance each axis explains ``(2,)``.
    """
    E = np.asarray(real_array("pca_2d", "E", E), dtype=np.float64)
    if E.ndim != 2 or E.shape[1] < 2:
        raise ValueError(f"pca_2d: E must be (V, d) with d >= 2, got {E.shape}")
    if normalize:
        E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-300)
    X = E - E.mean(axis=0)
    _, S, Vt = np.linalg.svd(X, full_matrices=False)
    axes = Vt[:2] * np.sign(Vt[:2][np.arange(2), np.argmax(np.abs(Vt[:2]), axis=1)])[:, None]
    var = S**2
    return X @ axes.T, var[:2] / max(float(var.sum()), 1e-300)
