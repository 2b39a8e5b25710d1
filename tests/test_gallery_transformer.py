"""The transformer-heads and beam-search figures: one demo trains the tiny Transformer once;
it is deterministic and declared, its helpers agree with the engine's decoders, every number
the two captions state is the trace's, and each script writes a legible PNG from that
trace."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest
from conftest import assert_same_trace

from visualdl import schema
from visualdl.demos.transformer_demo import (
    TOKENS,
    Checkpointed,
    transformer_demo,
)
from visualdl.engine import decoding
from visualdl.engine.digit_tasks import BOS, EOS, VOCAB, digit_task, digit_task_split, digits_of
from visualdl.engine.transformer import Transformer
from visualdl.trace import Trace
from visualdl.viz.beam_search import PRUNED_SHOWN, tree
from visualdl.viz.layout import layout_problems

#: figure -> its gallery module
MODULES = {"transformer-heads": "gallery.transformer_heads", "beam-search": "gallery.beam_search"}
SMALL = {"n_train": 64, "n_held_out": 16, "steps": 4, "every": 2, "checkpoint": 2}
_CACHE: dict[str, Trace] = {}


def default_trace() -> Trace:
    """The trace both figures draw (the demo with its defaults, about 10 s), made once."""
    if "default" not in _CACHE:
        _CACHE["default"] = transformer_demo()
    return _CACHE["default"]


def module(name: str):
    """The gallery module of figure ``name`` (``gallery/`` ships as ``visualdl.gallery``)."""
    try:
        return importlib.import_module("visualdl." + MODULES[name])
    except ModuleNotFoundError:
        return importlib.import_module(MODULES[name])


def caption(name: str) -> str:
    return " ".join(module(name).CAPTION.split())


def minus(text: str) -> str:
    return text.replace("-", "−")


def assert_in_caption(name: str, *texts: str) -> None:
    cap = caption(name)
    for text in texts:
        assert text in cap, f"{name}: the caption should say {text!r} (from the trace)"


def f2(v: float) -> str:
    return minus(f"{v:.2f}")


NUMBER = r"(−?\d+(?:\.\d+)?(?:e−?\d+)?)"


def assert_near_in_caption(name: str, pattern: str, values, tol: float, log: bool = False):
    """The caption says ``pattern`` with its ``{}`` numbers within ``tol`` of ``values`` (of
    their log10 when ``log``): the float32 training rounds differently on another processor
    (its BLAS kernel, its SIMD), which moves trained weights in their second decimal."""
    cap = caption(name)
    found = re.search(re.escape(pattern).replace(re.escape("{}"), NUMBER), cap)
    assert found, f"{name}: the caption should say {pattern!r} (numbers from the trace)"
    said = [float(g.replace("−", "-")) for g in found.groups()]
    for s, v in zip(said, np.ravel(values), strict=True):
        gap = abs(np.log10(s / v)) if log else abs(s - v)
        assert gap <= tol, f"{name}: {pattern!r} says {s}, the trace {v:.4g}"


def words(ids) -> str:
    return " ".join(TOKENS[int(t)] for t in ids)


# -- the demo, fast ----------------------------------------------------------------------------


def test_demo_is_deterministic_and_declared():
    a, b = transformer_demo(**SMALL), transformer_demo(**SMALL)
    assert_same_trace(a, b)
    assert a.records and not schema.validate(a), schema.validate(a)
    assert {"transformer_demo.training", "decoder1.cross_attention", "beam_search.step"} <= set(
        a.names()
    )
    steps = a.find("beam_search.step", model_step=SMALL["checkpoint"])
    assert steps and [r.info["t"] for r in steps] == list(range(1, len(steps) + 1))


def test_demo_refuses_a_checkpoint_it_does_not_keep():
    with pytest.raises(ValueError, match="transformer_demo: checkpoint must be a multiple"):
        transformer_demo(**{**SMALL, "checkpoint": 3})
    with pytest.raises(ValueError, match="transformer_demo: heads_input must be"):
        transformer_demo(**{**SMALL, "heads_input": "123456"})


def test_checkpoints_do_not_change_the_training():
    train = digit_task("reverse", 32, 3, seed=0, min_length=2)
    plain = Transformer(VOCAB, VOCAB, d_model=8, h=2, d_ff=8, max_len=4, seed=0)
    kept = Checkpointed(VOCAB, VOCAB, d_model=8, h=2, d_ff=8, max_len=4, seed=0, every=2)
    start = {k: v.copy() for k, v in kept.params.items()}
    fit = {"steps": 5, "batch_size": 8, "lr": 1e-2, "warmup": 2, "seed": 0}
    assert plain.fit(*train, **fit) == kept.fit(*train, **fit)
    assert sorted(kept.snapshots) == [0, 2, 4]
    for k in start:
        np.testing.assert_array_equal(kept.snapshots[0][k], start[k])
        np.testing.assert_array_equal(kept.params[k], plain.params[k])
    assert any(not np.array_equal(kept.snapshots[4][k], start[k]) for k in start)


def test_batched_greedy_is_the_engines_greedy_decode_row_by_row():
    model = Transformer(VOCAB, VOCAB, d_model=8, h=2, d_ff=8, max_len=5, seed=3)
    task = digit_task("reverse", 6, 4, seed=1, min_length=2)
    batch = model.greedy(task.src, 5)
    for row, got in zip(task.src, batch, strict=True):
        one = decoding.greedy_decode(lambda p, row=row: model.next_log_probs(row, p), BOS, EOS, 5)
        assert one == got[: len(one)].tolist()
    right = model.sequences_right(task.src, batch)  # its own output is right, padding aside
    assert right.all() and model.sequence_accuracy(task.src, batch) == 1.0
    wrong = batch.copy()
    wrong[0, 0] = (wrong[0, 0] + 1) % VOCAB or 3
    assert model.sequences_right(task.src, wrong).tolist() == [False] + [True] * 5


# -- the default trace: what the captions state (slow: one training) -------------------------


@pytest.mark.slow
def test_the_trained_model_is_right_on_every_held_out_string():
    tr = default_trace()
    training = tr.last("transformer_demo.training")
    info = training.info
    assert info["final_accuracy"] == 1.0 and training["accuracy"][-1] == 1.0
    acc = dict(zip(training["eval_step"].tolist(), training["accuracy"].tolist(), strict=True))
    assert_in_caption(
        "transformer-heads",
        f"{info['parameters']:,} parameters",
        f"d_model = {info['d_model']}, {info['h']} heads of d_k = {info['d_model'] // info['h']}",
        f"d_ff = {info['d_ff']}",
        f"from seed {info['seed']}",
        f"{info['n_train']} training strings of {info['min_length']} to {info['length']} digits",
        f"{info['steps']} Adam steps on batches of {info['batch_size']}",
        f"{info['n_held_out']} held-out strings",
    )
    assert_near_in_caption("transformer-heads", "the loss falls to {}", info["final_loss"], 0.3, 1)
    assert_near_in_caption(
        "transformer-heads",
        "gets {}% of the held-out strings entirely right after 100 steps, {}% after 200 and 100%",
        [100 * acc[100], 100 * acc[200]],
        5,
    )
    # none of the held-out strings is a training string (the split's promise, on this data)
    train, held_out = digit_task_split("reverse", 3000, 500, 5, seed=0, min_length=3)
    assert not {digits_of(r) for r in train.src} & {digits_of(r) for r in held_out.src}


@pytest.mark.slow
def test_heads_caption_states_the_traces_weights():
    tr = default_trace()
    heads = tr.last("transformer_demo.heads")
    src, source = heads["src"], heads.info["source"]
    n = len(source)
    assert heads.info["held_out"] and heads.info["step"] == 800
    assert words(heads["prediction"]) == words(heads["tgt_out"]) == "5 1 4 1 3 <eos>"
    assert words(heads["tgt_in"]) == "<bos> 5 1 4 1 3"
    assert_in_caption(
        "transformer-heads",
        f"on “{source}”, a string not in the training set",
        "outputs 5 1 4 1 3 <eos>",
    )
    enc = tr.last("encoder1.attention")["weights"][0]
    np.testing.assert_allclose(enc.sum(axis=-1), 1, rtol=1e-5)
    to_eos = enc[1, 2:n, n]  # head 2, queries 4, 1, 5 -> the source's <eos>
    assert_near_in_caption("transformer-heads", "source's <eos> ({}, {}, {})", to_eos, 0.05)
    assert to_eos.min() > 0.8 and all(enc[k].max() < 0.75 for k in (0, 2, 3))  # others spread
    dec = tr.last("decoder1.self_attention")["weights"][0]
    np.testing.assert_array_equal(np.triu(dec, k=1), 0.0)
    cross = tr.last("decoder1.cross_attention")["weights"][0]
    t = np.arange(n)
    in_box = cross[:, t, n - 1 - t]  # (h, n): each head's weight on the mirrored position
    np.testing.assert_allclose(in_box.mean(axis=1), heads["mirror"], rtol=1e-6)
    rows = cross[:, t, : n + 1].argmax(axis=2)  # (h, n): each digit row's largest key
    ok = [k + 1 for k in range(4) if (rows[k] == n - 1 - t).all()]
    (bad,) = [k for k in range(4) if k + 1 not in ok]  # one head slips, once, to a neighbour
    (slip,) = np.flatnonzero(rows[bad] != n - 1 - t)
    assert abs(rows[bad][slip] - (n - 1 - slip)) == 1
    heads_ok = ", ".join(map(str, ok[:-1])) + f" and {ok[-1]}"
    assert_in_caption(
        "transformer-heads",
        f"in heads {heads_ok} every digit row's largest weight is in its box (head {bad + 1} "
        f"slips at t = {slip}, where it favours the neighbour)",
    )
    mirror, held = heads["mirror"], heads["mirror_held_out"]
    assert np.argmax(mirror) == np.argmax(held) == 2  # head 3
    training = tr.last("transformer_demo.training").info
    uniform = (1 / (training["length"] + 1), 1 / (training["min_length"] + 1))
    assert_near_in_caption(
        "transformer-heads",
        "Head 3 is the sharpest: {} of its weight lies in the boxes on this input (heads 1, 2, 4: "
        "{}, {}, {}) and {} on average over the 500 held-out strings ({}, {}, {})",
        [mirror[2], mirror[0], mirror[1], mirror[3], held[2], held[0], held[1], held[3]],
        0.08,
    )
    assert_in_caption("transformer-heads", "1/(n + 1), {:.2f} to {:.2f}".format(*uniform))
    assert held.min() > 0.5  # far above 1/(n + 1) in every head
    # the two 1s: output t = 1 is the source's second 1 (position 3), not its first
    assert TOKENS[src[1]] == TOKENS[src[3]] == TOKENS[heads["tgt_out"][1]] == "1"
    assert cross[2, 1].argmax() == 3
    assert cross[2, 1, 3] > 0.5 > cross[2, 1, 1]
    assert_in_caption(
        "transformer-heads",
        "head 3 puts most of its weight on source position 3, not on position 1",
    )
    eos_row, first = cross[:, n, n], cross[:, n, 0]
    assert (cross[:, n, 1:n].sum(axis=1) < 0.15).all()  # the rest of the row is small
    assert_near_in_caption(
        "transformer-heads",
        "reads the source's <eos> ({} to {}) and its first digit ({} to {})",
        [eos_row.min(), eos_row.max(), first.min(), first.max()],
        0.1,
    )


@pytest.mark.slow
def test_beam_caption_states_the_traces_tree():
    tr = default_trace()
    early, late = tr.find("transformer_demo.beam")
    cp = early.info["model_step"]
    assert (cp, late.info["model_step"]) == (200, 800)
    info = early.info
    assert info["shown"].startswith("the first held-out string greedy gets wrong and beam")
    assert not info["greedy_right"] and info["beam_right"]
    late_lp = tr.last("beam_search.result", model_step=800)["log_prob"]
    assert_in_caption(
        "beam-search",
        f"greedy decoding gets {100 * info['accuracy']:.1f}% of the 500 held-out strings right",
        f"“{info['source']}”, reversed “{info['target']}”",
        f"of the {info['greedy_wrong']} held-out strings greedy decoding gets wrong at this step, "
        f"it gets {info['beam_fixes']} right",
    )
    assert_near_in_caption("beam-search", "log-probability {} and", late_lp[0], 0.01)
    assert_near_in_caption("beam-search", "the runner-up {}", late_lp[1], 2)
    steps = tr.find("beam_search.step", model_step=cp)
    assert [r["node"].size for r in steps] == [13] + [39] * 5
    assert all(r["kept"].sum() == 3 for r in steps)
    nodes = tree(steps)
    by_step = {
        t: sorted((n for n in nodes.values() if n.step == t), key=lambda n: -n.log_prob)
        for t in range(1, 7)
    }
    k1 = [n for n in by_step[1] if n.kept]
    seven = k1[0]
    assert TOKENS[seven.token] == "7" and k1[1].log_prob < -5 and k1[2].log_prob < -5
    a, b = TOKENS[k1[1].token], TOKENS[k1[2].token]
    assert_near_in_caption(
        "beam-search", f"{a} and {b} at t = 1 ({{}}, {{}})", [k1[1].log_prob, k1[2].log_prob], 0.3
    )
    k2 = [n for n in by_step[2] if n.kept]
    assert all(n.parent == seven.node for n in k2)  # the other two's children all pruned
    assert [TOKENS[n.token] for n in k2[:2]] == ["7", "8"]
    assert early["greedy"][1] == k2[0].token
    assert_near_in_caption(
        "beam-search", "greedy takes 7 ({}) over 8 ({})", [k2[0].log_prob, k2[1].log_prob], 0.1
    )
    best3 = by_step[3][0]
    sevens = [n for n in by_step[3] if prefix(nodes, n).startswith("7 7")]
    assert prefix(nodes, best3) == "7 8 1" and prefix(nodes, sevens[0]) == "7 7 8"
    assert_near_in_caption(
        "beam-search",
        "“7 8 1” ({}) is ahead of the best “7 7 …” (7 7 8, {})",
        [best3.log_prob, sevens[0].log_prob],
        0.1,
    )
    result = tr.last("beam_search.result", model_step=cp)
    winner = int(result["node"][0])
    for t in range(3, 7):  # and stays ahead
        assert by_step[t][0].node in _path_nodes(nodes, winner)
    assert result["finished"].all() and (result["length"] == 6).all()
    ranked = [words(_path_tokens(nodes, int(i))) for i in result["node"]]
    assert ranked[1] == words(early["greedy"])
    assert_near_in_caption(
        "beam-search",
        f"{ranked[0]} ({{}}, score {{}}) beats greedy's {ranked[1]} ({{}}, {{}}) and {ranked[2]} "
        "({}, {})",
        [[result["log_prob"][k], result["score"][k]] for k in range(3)],
        0.1,
    )
    np.testing.assert_allclose(
        result["score"], result["log_prob"] / result["length"] ** 0.7, rtol=1e-12
    )
    assert PRUNED_SHOWN == 2 and "the best 2 drawn grey" in caption("beam-search")


@pytest.mark.slow
def test_beam_caption_states_the_bleu():
    tr = default_trace()
    scores = {
        r.info["decoder"]: r.info
        for r in tr.find("transformer_demo.bleu")
        if r.info["model_step"] in (200, None)
    }
    g, b, notes = scores["greedy"], scores["beam"], scores["notes"]
    assert b["bleu"] == 1.0 and g["bleu"] == 0.0 and g["clipped"][3] == 0
    p = [f"p_{n + 1} = {g['clipped'][n]}/{g['total'][n]}" for n in range(3)]
    assert_in_caption(
        "beam-search",
        "beam search's output scores 1, greedy's 0",
        f"({p[0]}, {p[1]}, {p[2]})",
        f"none of its {g['total'][3]} 4-grams",
        f"has p_1 = {notes['clipped'][0]}/{notes['total'][0]}",
    )
    assert (notes["clipped"][0], notes["total"][0]) == (2, 7)


def prefix(nodes, n) -> str:
    """A tree node's tokens after <bos>, as text."""
    return words(_path_tokens(nodes, n.node))


def _path_nodes(nodes, i):
    out = []
    while i > 0:
        out.append(i)
        i = nodes[i].parent
    return out[::-1]


def _path_tokens(nodes, i):
    return [nodes[j].token for j in _path_nodes(nodes, i)]


@pytest.mark.slow
def test_other_seeds_learn_the_mirror_and_beam_search_fixes_some_greedy_errors():
    for seed in (1, 2):
        tr = transformer_demo(seed=seed, every=200)
        assert tr.last("transformer_demo.training").info["final_accuracy"] == 1.0
        assert tr.last("transformer_demo.heads")["mirror_held_out"].min() > 0.4, seed
        early = tr.find("transformer_demo.beam")[0]
        assert early.info["greedy_wrong"] > 0 and early.info["beam_fixes"] >= 1, seed


# -- the scripts -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODULES))
def test_script_writes_a_legible_png_from_the_checked_trace(name, tmp_path, monkeypatch):
    mod = module(name)
    made: list[Trace] = []

    def run() -> Trace:
        made.append(default_trace())
        return made[-1]

    monkeypatch.setattr(mod, "transformer_demo", run)
    import visualdl.gallery as gallery

    figures = []
    save = gallery.save
    monkeypatch.setattr(
        gallery, "save", lambda fig, *a, **k: figures.append(fig) or save(fig, *a, **k)
    )
    paths = mod.make(tmp_path)
    assert [p.name for p in paths] == [f"{name}.png", f"{name}.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 20_000
    (tr,) = made
    assert not schema.validate(tr)
    assert tr.reads and tr.reads <= set(tr.names()), sorted(tr.reads - set(tr.names()))
    problems = layout_problems(figures[0])
    assert not problems, "\n".join(map(str, problems))
