"""The word-embeddings figure: skip-gram's and CBOW's learned vectors against the corpus's
planted clusters, as a 2-D projection and as the cosine-similarity matrix; the training cost;
the negative-sampling distribution.

Reads the trace of :func:`visualdl.demos.word_embeddings.word_embeddings` (records
``word_embeddings.corpus``, ``.run``, ``.sweep``); draws, computes nothing about the model.

Example
-------
>>> from visualdl.demos.word_embeddings import word_embeddings
>>> from visualdl.viz.word_embeddings import plot_word_embeddings
>>> tr = word_embeddings(seeds=(0,), epochs=1, n_sentences=200)
>>> len(plot_word_embeddings(tr).axes)  # 2 projections, 2 matrices + colour bar, 2 panels
7
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from visualdl.trace import Record, Trace
from visualdl.viz.figures import new_figure, styled
from visualdl.viz.style import COLORS, diverging_cmap

__all__ = ["CLUSTER_COLORS", "METHOD_COLORS", "NAMES", "cluster_color", "plot_word_embeddings"]

#: one colour per planted cluster (then repeated); the function words are muted grey
CLUSTER_COLORS = (
    COLORS["class0"],
    COLORS["class1"],
    COLORS["activation"],
    COLORS["preactivation"],
    COLORS["diverged"],
    COLORS["update"],
    COLORS["loss"],
    COLORS["text"],
)
METHOD_COLORS = {"skip_gram": COLORS["weight"], "cbow": "#2F4858"}
NAMES = {"skip_gram": "skip-gram", "cbow": "CBOW"}


def cluster_color(k: int) -> str:
    """The colour of planted cluster ``k`` (``-1``, the function words: grey)."""
    return COLORS["muted"] if k < 0 else CLUSTER_COLORS[k % len(CLUSTER_COLORS)]


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def _title(run: Record) -> str:
    i = run.info
    how = f"k = {i['negatives']} negatives" if i["method"] == "skip_gram" else "full softmax"
    return (
        f"{NAMES[i['method']]} ({how})\n{i['words_all_in']} of {i['n_words']} words: all "
        f"{i['k']} nearest in their cluster\n(mean {_pct(i['mean_accuracy'])}; at the start "
        f"{_pct(i['start_mean_accuracy'])})"
    )


def _projection(ax: Axes, run: Record, corpus: Record, legend: bool) -> None:
    xy, cluster, vocab = run["xy"], corpus["cluster"], corpus.info["vocab"]
    for k in sorted(set(cluster.tolist()), key=lambda k: (k < 0, k)):
        mine = cluster == k
        words = [w for w, m in zip(vocab, mine, strict=True) if m]
        label = f"{words[0]} … {words[-1]}" if k >= 0 else "function: " + ", ".join(words)
        ax.scatter(
            xy[mine, 0],
            xy[mine, 1],
            s=46 if k >= 0 else 70,
            marker="o" if k >= 0 else "D",
            color=cluster_color(k),
            edgecolor=COLORS["text"],
            linewidth=0.5,
            label=label,
            zorder=3,
        )
    ex = run.info["explained"]
    ax.set_xlabel(f"principal axis 1 ({_pct(ex[0])} of the variance)")
    ax.set_ylabel(f"principal axis 2 ({_pct(ex[1])})")
    ax.set_title(_title(run), loc="left", fontsize=11, color=METHOD_COLORS[run.info["method"]])
    ax.set_aspect("equal", adjustable="datalim")
    ax.margins(0.12)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=10, ncol=3, frameon=False)


def _matrix(ax: Axes, run: Record, corpus: Record):
    S, cluster = run["similarity"], corpus["cluster"]
    image = ax.imshow(S, cmap=diverging_cmap(), vmin=-1, vmax=1, interpolation="nearest")
    # block edges and one label per cluster, centred on its block (words are sorted by cluster)
    starts = [0] + [i for i in range(1, cluster.size) if cluster[i] != cluster[i - 1]]
    ends = [*starts[1:], cluster.size]
    for edge in starts[1:]:
        ax.axhline(edge - 0.5, color=COLORS["text"], lw=0.6)
        ax.axvline(edge - 0.5, color=COLORS["text"], lw=0.6)
    centres = [(a + b - 1) / 2 for a, b in zip(starts, ends, strict=True)]
    names = [f"{corpus.info['vocab'][a][0]}·" if cluster[a] >= 0 else "fn" for a in starts]
    ax.set_xticks(centres, names)
    ax.set_yticks(centres, names)
    for tick, a in zip([*ax.get_xticklabels(), *ax.get_yticklabels()], starts * 2, strict=True):
        tick.set_color(cluster_color(int(cluster[a])))
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_title(
        f"{NAMES[run.info['method']]}: cosine similarity of the rows of E",
        loc="left",
        fontsize=10.5,
    )
    return image


def _costs(ax: Axes, runs: list[Record], corpus: Record) -> None:
    for run in runs:
        i = run.info
        color = METHOD_COLORS[i["method"]]
        epoch = (np.arange(run["step_cost"].size) + 1) / i["steps_per_epoch"]
        ax.plot(epoch, run["step_cost"], color=color, lw=0.8, alpha=0.55)
        ends = np.arange(1, run["epoch_cost"].size + 1)
        ax.plot(ends, run["epoch_cost"], "o-", color=color, lw=1.8, ms=4, label=NAMES[i["method"]])
        ax.plot(
            [ends[-1]], [i["held_out_cost"]], marker="*", ms=12, color=color, ls="none", zorder=4
        )
    floor = corpus.info["cbow_entropy"]
    ax.axhline(
        floor,
        color=METHOD_COLORS["cbow"],
        lw=1.2,
        ls="--",
        label=f"CBOW's floor H(centre | context) = {floor:.2f}",
    )
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J (nats)")
    ax.set_title(
        "training cost: each batch (thin), epoch means (dots),\nheld-out corpus (stars); "
        "two different costs",
        loc="left",
        fontsize=10.5,
    )
    top = max(float(np.max(r["step_cost"])) for r in runs)
    low = min(float(np.min(r["step_cost"])) for r in runs)
    ax.set_ylim(min(low, floor) - 0.1, top + 0.45 * (top - min(low, floor)))
    ax.legend(loc="upper right", fontsize=10)


def _noise(ax: Axes, corpus: Record) -> None:
    cluster, f, P = corpus["cluster"], corpus["frequency"], corpus["noise"]
    x = np.arange(cluster.size)
    ax.bar(x - 0.2, f, width=0.4, color=COLORS["input"], label="unigram f(w)")
    ax.bar(x + 0.2, P, width=0.4, color=COLORS["weight"], label="P(w) ∝ f(w)^(3/4)")
    starts = [0] + [i for i in range(1, cluster.size) if cluster[i] != cluster[i - 1]]
    ends = [*starts[1:], cluster.size]
    vocab = corpus.info["vocab"]
    names = [
        vocab[a][0] if cluster[a] >= 0 else " ".join(vocab[a:b])
        for a, b in zip(starts, ends, strict=True)
    ]
    ax.set_xticks([(a + b - 1) / 2 for a, b in zip(starts, ends, strict=True)], names)
    for tick, a in zip(ax.get_xticklabels(), starts, strict=True):
        tick.set_color(cluster_color(int(cluster[a])))
    ax.set_xlabel("the words, cluster by cluster, then the function words")
    ax.set_ylabel("probability")
    ax.set_title(
        "negative sampling draws from f^(3/4):\nfrequent words less, rare ones more",
        loc="left",
        fontsize=10.5,
    )
    ax.legend(loc="upper left", fontsize=10)


def plot_word_embeddings(trace: Trace) -> Figure:
    """Top: the 2-D projection of each method's ``E``, coloured by planted cluster, and the
    training cost. Bottom: each method's cosine-similarity matrix (words grouped by cluster)
    and the negative-sampling distribution."""
    corpus = trace.last("word_embeddings.corpus")
    runs = trace.find("word_embeddings.run")
    fig = new_figure(13.5, 10.5)
    with styled():
        grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.05])
        matrices = []
        for j, run in enumerate(runs):
            _projection(fig.add_subplot(grid[0, j]), run, corpus, legend=j == 0)
            matrices.append(fig.add_subplot(grid[1, j]))
            image = _matrix(matrices[-1], run, corpus)
        fig.colorbar(image, ax=matrices, shrink=0.6, label="cos(e_i, e_j)", location="bottom")
        _costs(fig.add_subplot(grid[0, 2]), runs, corpus)
        _noise(fig.add_subplot(grid[1, 2]), corpus)
        i = corpus.info
        kept = ", ".join(
            f"{NAMES[r.info['method']]} {_pct(sum(r.info['explained']))}" for r in runs
        )
        fig.suptitle(
            f"Word embeddings on a corpus with {i['n_clusters']} planted clusters of "
            f"{i['words_per_cluster']} words ({i['n_sentences']} sentences of "
            f"{i['sentence_length']}, window {i['window_size']}, seed {i['seed']}), "
            f"d = {runs[0]['E'].shape[1]}\ntop: the rows of E on their first two principal "
            f"axes, which keep {kept} of the variance\n(clusters that meet in 2-D can be apart "
            f"in d = {runs[0]['E'].shape[1]}); bottom: every pair's cosine similarity",
            fontsize=12,
        )
    return fig
