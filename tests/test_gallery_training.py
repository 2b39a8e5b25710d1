"""The training figures of issue 9 (linear-collapse, vanishing-gradients, input-normalization,
lr-decay, perceptron, hyperparameter-search): each demo holds the facts its caption states,
over several seeds where the claim is a behaviour, and each script writes a legible PNG from
exactly that trace."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from conftest import assert_same_trace, seeds

from visualdl import registry, schema
from visualdl.demos.hyperparameter_search import hyperparameter_search
from visualdl.demos.input_normalization import input_normalization
from visualdl.demos.linear_collapse import linear_collapse
from visualdl.demos.lr_decay import lr_decay
from visualdl.demos.perceptron import perceptron_demo
from visualdl.demos.vanishing import vanishing
from visualdl.trace import Trace
from visualdl.viz.layout import layout_problems

#: figure -> (its demo, the demo's name in the gallery module)
DEMOS = {
    "linear-collapse": (linear_collapse, "linear_collapse"),
    "vanishing-gradients": (vanishing, "vanishing"),
    "input-normalization": (input_normalization, "input_normalization"),
    "lr-decay": (lr_decay, "lr_decay"),
    "perceptron": (perceptron_demo, "perceptron_demo"),
    "hyperparameter-search": (hyperparameter_search, "hyperparameter_search"),
}
_CACHE: dict[str, Trace] = {}


def default_trace(name: str) -> Trace:
    """The trace the figure ``name`` draws (its demo with the defaults), made once."""
    if name not in _CACHE:
        _CACHE[name] = DEMOS[name][0]()
    return _CACHE[name]


def caption(name: str) -> str:
    return importlib.import_module(registry.get(name, "figure").module).CAPTION


def minus(text: str) -> str:
    """A number as the captions write it, with a real minus sign."""
    return text.replace("-", "−")


def sci(v: float, digits: int = 0) -> str:
    """``3e−9``, ``4.8e−4``: scientific notation as the captions write it."""
    return minus(f"{v:.{digits}e}".replace("e-0", "e-").replace("e+0", "e+"))


def assert_in_caption(name: str, *texts: str) -> None:
    cap = caption(name)
    for text in texts:
        assert text in cap, f"{name}: the caption should say {text!r} (from the trace)"


# -- the scripts ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEMOS))
def test_script_writes_a_legible_png_from_the_checked_trace(name, tmp_path, monkeypatch):
    module = importlib.import_module(registry.get(name, "figure").module)
    demo, attr = DEMOS[name]
    made: list[Trace] = []
    figures = []
    monkeypatch.setattr(module, attr, lambda: made.append(demo()) or made[-1])
    import visualdl.gallery as gallery

    save = gallery.save
    monkeypatch.setattr(
        gallery, "save", lambda fig, *a, **k: figures.append(fig) or save(fig, *a, **k)
    )
    paths = module.make(tmp_path)
    assert [p.name for p in paths] == [f"{name}.png"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 20_000
    (tr,) = made
    assert_same_trace(tr, default_trace(name))  # the facts below were checked on this trace
    assert not schema.validate(tr)
    assert tr.reads and tr.reads <= set(tr.names()), sorted(tr.reads - set(tr.names()))
    problems = layout_problems(figures[0])
    assert not problems, "\n".join(map(str, problems))


def test_figures_are_registered_with_a_chapter():
    for name in DEMOS:
        entry = registry.get(name, "figure")
        assert entry.chapter in registry.CHAPTERS
        assert caption(name).strip()


# -- linear-collapse -----------------------------------------------------------------------


def test_linear_collapse_is_the_product_and_the_same_line():
    tr = default_trace("linear-collapse")
    layers = sorted(tr.find("linear_collapse.layer"), key=lambda r: r.info["l"])
    product = tr.last("linear_collapse.product")
    W = np.linalg.multi_dot([r["W"] for r in reversed(layers)])
    np.testing.assert_allclose(product["W"], W, rtol=1e-12)
    b = layers[0]["b"]
    for r in layers[1:]:
        b = r["W"] @ b + r["b"]
    np.testing.assert_allclose(product["b"], b, rtol=1e-12, atol=1e-15)
    nets = {r.info["hidden"]: r for r in tr.find("linear_collapse.net")}
    gap = np.max(np.abs(nets["identity"]["P"] - product["P"]))
    assert gap == product.info["max_gap"] < 1e-15  # rounding; its last digit varies with BLAS
    assert product.info["accuracy"] == nets["identity"].info["accuracy"]
    for g in ("tanh", "relu"):
        assert nets[g].info["accuracy"] > nets["identity"].info["accuracy"] + 0.05
    Wc, bc = product["W"][0], product["b"][0, 0]
    assert_in_caption(
        "linear-collapse",
        minus(f"({Wc[0]:.2f}, {Wc[1]:.2f})"),
        f"b = {bc:.2f}",
        f"{100 * nets['identity'].info['accuracy']:.0f} %",
        f"{100 * nets['tanh'].info['accuracy']:.1f} %",
        "less than 1e−15",
        f"{nets['relu'].info['accuracy'] * 100:g} % with ReLU",
    )


@pytest.mark.parametrize("seed", seeds(1, 2, 3))
def test_linear_collapse_holds_for_other_seeds(seed):
    tr = linear_collapse(seed=seed, grid=21)
    product = tr.last("linear_collapse.product")
    assert product.info["max_gap"] < 1e-12
    nets = {r.info["hidden"]: r.info["accuracy"] for r in tr.find("linear_collapse.net")}
    assert nets["identity"] + 0.05 < min(nets["tanh"], nets["relu"])


# -- vanishing-gradients -------------------------------------------------------------------


def test_plain_gradients_vanish_and_residual_ones_do_not():
    tr = default_trace("vanishing-gradients")
    plain = tr.find("vanishing.run", net="plain")
    res = tr.find("vanishing.run", net="residual")
    assert len(plain) == len(res) >= 5
    for p, r in zip(plain, res, strict=True):
        assert p.info["seed"] == r.info["seed"]
        assert p["norm"][0] <= p["norm"][-2] / 100  # first vs last hidden layer
        assert p["norm"][0] <= p["norm"][-1] / 100  # and vs the output layer
        assert r["norm"][0] >= r["norm"][-2] / 10
        assert p.info["ratio"] == p["norm"][0] / p["norm"][-2]
    ratios = {
        n: [r.info["ratio"] for r in tr.find("vanishing.run", net=n)] for n in ("plain", "residual")
    }
    res_norms = np.concatenate([r["norm"] for r in res])
    assert all(p["norm"][0] < 1e-9 for p in plain)
    assert_in_caption(
        "vanishing-gradients",
        f"{sci(min(ratios['plain']))} to {sci(max(ratios['plain']))}",
        f"{min(ratios['residual']):.2f} to {max(ratios['residual']):.2f}",
        f"between {res_norms.min():.2f} and {res_norms.max():.1f}",
    )
    per_pair = [
        (1 / r) ** (1 / p.info["blocks"]) for r, p in zip(ratios["plain"], plain, strict=True)
    ]
    assert 4 <= min(per_pair) and max(per_pair) <= 5.5  # "a factor of 4 to 5 per pair"


def test_both_networks_hold_the_same_weights():
    from visualdl.demos.vanishing import network

    a, b = network("plain", blocks=3, seed=4), network("residual", blocks=3, seed=4)
    for k, v in a.params.items():
        np.testing.assert_array_equal(v, b.params[k])


# -- input-normalization -------------------------------------------------------------------


def _paths(tr):
    return {p.info["case"]: p for p in tr.find("input_normalization.path")}


def _turns(x: np.ndarray) -> int:
    """How often the direction of a coordinate's steps flips: the zig-zag."""
    d = np.sign(np.diff(x))
    d = d[d != 0]
    return int(np.sum(d[1:] != d[:-1]))


def test_normalized_descent_goes_straight_to_a_lower_cost():
    tr = default_trace("input-normalization")
    p = _paths(tr)
    raw, std = p["unscaled"], p["standardized"]
    assert len(raw["J"]) == len(std["J"]) == 31
    assert std["J"][-1] < raw["J"][-1]
    assert std["J"][-1] - std.info["J_star"] < 1e-15 < raw["J"][-1] - raw.info["J_star"]
    assert std.info["lr"] > 100 * raw.info["lr"]
    assert raw.info["diverging_lr"] > raw.info["lr"] and std.info["diverging_lr"] > std.info["lr"]
    assert _turns(raw["w2"]) >= 5 > _turns(std["w2"])  # zig-zag vs direct
    reached = int(np.argmax(std["J"] - std.info["J_star"] <= 1e-16))
    assert reached <= 20
    info = tr.last("input_normalization.features").info
    assert_in_caption(
        "input-normalization",
        f"α = {raw.info['lr']:.2g}",
        f"next one, {raw.info['diverging_lr']:.2g}, diverges",
        f"α = {std.info['lr']:.2g} is best (α = {std.info['diverging_lr']:.2g} diverges)",
        sci(raw["J"][-1] - raw.info["J_star"], 1),
        f"std {info['sigma'][0]:.1f}",
        f"std {info['sigma'][1]:.1f}",
        f"about {round(std.info['lr'] / raw.info['lr'], -2):.0f} times",
    )


@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3))
def test_normalized_descent_wins_from_random_starts(seed):
    p = _paths(input_normalization(seed=seed, grid=5))
    raw, std = p["unscaled"], p["standardized"]
    assert raw["J"][0] == pytest.approx(std["J"][0])  # the same start line
    assert std["J"][-1] - std.info["J_star"] < (raw["J"][-1] - raw.info["J_star"]) / 100


# -- lr-decay ------------------------------------------------------------------------------


def test_decayed_rate_settles_and_the_fixed_one_rattles():
    tr = default_trace("lr-decay")
    runs = tr.find("lr_decay.run")
    by = {(r.info["seed"], r.info["schedule"]): r for r in runs}
    seeds_ = sorted({r.info["seed"] for r in runs})
    assert len(seeds_) >= 3
    for s in seeds_:
        fixed, decayed = by[s, "fixed"], by[s, "decayed"]
        np.testing.assert_array_equal(fixed["w"][:37], decayed["w"][:37])  # same first epoch
        assert decayed.info["last_epoch_distance"] < fixed.info["last_epoch_distance"] / 3
        assert decayed.info["last_epoch_gap"] < fixed.info["last_epoch_gap"] / 10
        assert np.all(fixed["lr"] == 2.0) and decayed["lr"][-1] == pytest.approx(0.2)
        assert fixed.info["steps"] == 360 and fixed.info["steps_per_epoch"] == 36
    first = by[seeds_[0], "fixed"], by[seeds_[0], "decayed"]
    gaps = [by[s, "decayed"].info["last_epoch_gap"] for s in seeds_]
    assert_in_caption(
        "lr-decay",
        f"({first[0].info['last_epoch_distance']:.3f} from it",
        f"settles ({first[1].info['last_epoch_distance']:.3f})",
        f"{sci(min(gaps))} … {sci(max(gaps))}",
    )


# -- perceptron ----------------------------------------------------------------------------


def test_perceptron_separates_and_or_and_never_xor():
    tr = default_trace("perceptron")
    runs = tr.find("perceptron.run")
    assert len({r.info["seed"] for r in runs}) >= 5
    for r in runs:
        if r.info["problem"] in ("AND", "OR"):
            assert r.info["converged"] and r.info["wrong"] == 0 and r["errors"][-1] == 0
            np.testing.assert_array_equal(r["predicted"], r["Y"])
        else:
            assert not r.info["converged"] and r.info["epochs"] == r.info["max_epochs"]
            assert np.all(r["errors"] >= 1) and r.info["wrong"] >= 1
    longest = max(r.info["epochs"] for r in runs if r.info["problem"] != "XOR")
    main = {r.info["problem"]: r for r in tr.find("perceptron.run", seed=None)}
    texts = [f"within {longest} epochs", f"after {main['XOR'].info['epochs']} epochs"]
    for problem in ("AND", "OR"):
        r = main[problem]
        w, b = r["W_history"][-1], r["b_history"][-1]
        texts.append(minus(f"w = ({w[0]:g}, {w[1]:g}), b = {b:g} in {r.info['epochs']}"))
    assert_in_caption("perceptron", *texts)


# -- hyperparameter-search -----------------------------------------------------------------


def test_random_search_sees_more_values_and_wins_on_average():
    tr = default_trace("hyperparameter-search")
    grid = tr.last("hyperparameter_search.search", method="grid")
    rand = tr.find("hyperparameter_search.search", method="random")
    assert len(grid["J"]) == 9 and grid.info["distinct_lr"] == 3
    assert len(rand) >= 10
    for r in rand:
        assert len(r["J"]) == 9 and r.info["distinct_lr"] == 9
    best = np.array([r.info["best_J"] for r in rand])
    assert best.mean() < grid.info["best_J"]  # measured, over the seeds
    wins = int(np.sum(best < grid.info["best_J"]))
    s = tr.last("hyperparameter_search.surface")
    spread_lr = np.ptp(s["J_by_lr"])
    spread_beta2 = np.ptp(s["J_by_beta2"])
    assert spread_lr > 20 * spread_beta2  # one hyper-parameter matters much more
    assert_in_caption(
        "hyperparameter-search",
        f"J = {grid.info['best_J']:.3f} at α = {grid.info['best_lr']:.2g}",
        f"J = {rand[0].info['best_J']:.3f} at α = {rand[0].info['best_lr']:.2g}",
        f"{wins} of {len(rand)} seeds, mean {best.mean():.3f}",
    )


# -- determinism ---------------------------------------------------------------------------


def test_demos_are_deterministic():
    assert_same_trace(perceptron_demo(seeds=(0,), grid=5), perceptron_demo(seeds=(0,), grid=5))
    assert_same_trace(vanishing(seeds=(0,), blocks=2), vanishing(seeds=(0,), blocks=2))
    small = {"seeds": (1,), "fine": (3, 2), "steps": 4}
    assert_same_trace(hyperparameter_search(**small), hyperparameter_search(**small))
    assert_same_trace(
        lr_decay(seeds=(0,), epochs=1, grid=5), lr_decay(seeds=(0,), epochs=1, grid=5)
    )
