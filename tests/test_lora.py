"""LoRA and the scaling laws: the LoRA layer's backward against finite differences and SymPy,
its parameter counts, a fine-tune that recovers a planted low-rank change on several seeds;
the published scaling-law constants, the closed-form compute optimum against a brute-force
search; both figures' captions against their traces, their layout, and bad input."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from conftest import assert_op_gradients

from visualdl import schema
from visualdl.demos.lora import TARGET, lora_figure, lora_finetune, parameter_counts
from visualdl.demos.scaling_laws import scaling_laws
from visualdl.engine import lora, scaling
from visualdl.symbolic import lora as symbolic_lora
from visualdl.viz.layout import layout_problems
from visualdl.viz.lora import plot_lora
from visualdl.viz.scaling_laws import plot_scaling_laws

_TRACES: dict[str, object] = {}


def trace(name: str):
    """The default trace of figure ``name``, made once."""
    if name not in _TRACES:
        _TRACES[name] = lora_figure() if name == "lora" else scaling_laws()
    return _TRACES[name]


def caption(module: str) -> str:
    return importlib.import_module(f"visualdl.gallery.{module}").CAPTION


def e1(v: float) -> str:
    """``3.4e−4``: one decimal, as the captions write it."""
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "−")


# -- the LoRA layer ----------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [None, 3.0])
@pytest.mark.parametrize("x_shape", [(5, 4), (2, 3, 4)])
def test_lora_linear_backward_matches_central_differences(rng, alpha, x_shape):
    W = rng.standard_normal((4, 3))
    inputs = {
        "X": rng.standard_normal(x_shape),
        "A": rng.standard_normal((4, 2)),
        "B": rng.standard_normal((2, 3)),  # not 0, so that dA is not 0 either
    }
    keys = ("dX", "dA", "dB")
    got = assert_op_gradients(
        lambda X, A, B: lora.lora_linear(X, W, A, B, alpha),
        lambda d, c: tuple(lora.lora_linear_backward(d, c)[k] for k in keys),
        inputs,
        rng=rng,
    )
    assert all(np.abs(g).max() > 1e-3 for g, _ in got.values())


def test_forward_is_the_formula_and_alpha_none_means_scale_one(rng):
    X, W = rng.standard_normal((6, 5)), rng.standard_normal((5, 4))
    A, B = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    Y, cache = lora.lora_linear(X, W, A, B, alpha=6.0)
    np.testing.assert_allclose(Y, X @ W + 2.0 * X @ A @ B, rtol=1e-12)
    np.testing.assert_allclose(lora.lora_linear(X, W, A, B)[0], X @ W + X @ A @ B, rtol=1e-12)
    np.testing.assert_array_equal(
        lora.lora_linear(X, W, A, B, alpha=3.0)[0], lora.lora_linear(X, W, A, B)[0]
    )
    assert "dW" not in lora.lora_linear_backward(np.ones_like(Y), cache)  # W is frozen
    np.testing.assert_allclose(lora.lora_delta(A, B, 6.0), 2.0 * A @ B, rtol=1e-12)


def test_init_is_a_random_and_b_zero_so_the_layer_starts_pretrained(rng):
    p = lora.lora_init(6, 4, 2, seed=3)
    assert p["A"].shape == (6, 2) and p["B"].shape == (2, 4)
    assert np.all(p["B"] == 0) and np.all(p["A"] != 0)
    np.testing.assert_array_equal(p["A"], lora.lora_init(6, 4, 2, seed=3)["A"])
    assert not np.array_equal(p["A"], lora.lora_init(6, 4, 2, seed=4)["A"])
    X, W = rng.standard_normal((3, 6)), rng.standard_normal((6, 4))
    Y, cache = lora.lora_linear(X, W, p["A"], p["B"], alpha=16.0)
    np.testing.assert_array_equal(Y, X @ W)
    g = lora.lora_linear_backward(rng.standard_normal(Y.shape), cache)
    assert np.all(g["dA"] == 0) and np.abs(g["dB"]).max() > 0  # B moves first


def test_symbolic_row_passes_and_fails_for_a_wrong_backward():
    row = symbolic_lora.CHECKS["lora_linear"]
    assert row.covers == ("lora.lora_linear_backward",)
    assert row().passed and symbolic_lora.closed_form_holds()

    def no_scale_in_dA(X, W, A, B, dY, alpha):  # forgets alpha / r in dA
        _, c = lora.lora_linear(X, W, A, B, alpha)
        g = lora.lora_linear_backward(dY, c)
        return {**g, "dA": g["dA"] / c["s"]}

    def no_update_in_dX(X, W, A, B, dY, alpha):  # dX = dY W^T only, as for a plain layer
        _, c = lora.lora_linear(X, W, A, B, alpha)
        return {**lora.lora_linear_backward(dY, c), "dX": dY @ W.T}

    for wrong in (no_scale_in_dA, no_update_in_dX):
        result = row(wrong)
        assert not result.passed and result.max_rel_error > 1e-3, wrong.__name__


def test_parameter_counts_the_notes_example():
    assert lora.lora_parameters(4096, 4096, 8) == {
        "full": 16_777_216,
        "lora": 65_536,
        "ratio": 256.0,
    }
    assert lora.lora_parameters(768, 3072, 4)["lora"] == 4 * (768 + 3072)
    rec = parameter_counts([(4096, 4096, "notes")]).last("lora.parameters")
    i = int(np.flatnonzero(rec["r"] == 8)[0])
    assert (rec["lora"][i], rec.info["full"], rec["ratio"][i]) == (65_536, 16_777_216, 256.0)
    assert rec["r"][-1] == 4096 and rec["ratio"][rec["r"] == 2048][0] == 1.0  # break-even d/2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finetune_recovers_the_planted_change(seed):
    tr = lora_finetune(seed=seed)
    assert not schema.validate(tr)
    r = tr.last("lora.finetune")
    err, loss = r["rel_error"], r["loss"]
    assert err[0] == pytest.approx(1.0)  # B = 0: the update starts at 0
    assert r.info["final_rel_error"] == err[-1] <= TARGET
    assert err[-1] < 0.1 * TARGET and loss[-1] < 1e-3 * loss[0]
    assert r.info["first_below"] is not None and err[r.info["first_below"]] <= TARGET
    # the r - r* spare directions stay near 0; the planted singular values are found
    r_star = r.info["r_star"]
    assert r["sv_learned"][r_star:].max() < 1e-3 * r["sv_learned"][0]
    np.testing.assert_allclose(r["sv_learned"][:r_star], r["sv_planted"][:r_star], rtol=1e-3)
    assert (r.info["trainable"], r.info["full"]) == (4 * (32 + 24), 32 * 24)


def test_finetune_is_deterministic():
    a = lora_finetune(seed=5, steps=30).last("lora.finetune")
    b = lora_finetune(seed=5, steps=30).last("lora.finetune")
    np.testing.assert_array_equal(a["rel_error"], b["rel_error"])


def test_a_rank_below_the_planted_one_cannot_recover_it():
    """The recovery is a fact about the rank, not a threshold any run meets: rank 1 on a
    rank-2 change keeps at least the second singular value's share of the error."""
    r = lora_finetune(seed=0, r_star=2, r=1, steps=200).last("lora.finetune")
    sv = r["sv_planted"]
    planted = lora_finetune(seed=0, r_star=2, r=2, steps=1).last("lora.finetune")["sv_planted"]
    floor = planted[1] / np.linalg.norm(planted)
    assert sv.shape == (1,) and r.info["final_rel_error"] >= 0.99 * floor > 10 * TARGET
    with pytest.raises(ValueError, match="r_star"):
        lora_finetune(r_star=0)


# -- scaling laws --------------------------------------------------------------------------------


def test_constants_are_the_published_ones():
    assert scaling.KAPLAN == {
        "N_c": 8.8e13,
        "alpha_N": 0.076,
        "D_c": 5.4e13,
        "alpha_D": 0.095,
        "C_c": 3.1e8,
        "alpha_C": 0.050,
    }
    assert scaling.CHINCHILLA == {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    assert scaling.CHINCHILLA_MODEL == {"N": 70e9, "D": 1.4e12}
    assert scaling.TOKENS_PER_PARAMETER == 20.0
    assert scaling.kaplan_loss_n(8.8e13) == pytest.approx(1.0)
    assert scaling.kaplan_loss_d(5.4e13) == pytest.approx(1.0)
    assert scaling.kaplan_loss_c(3.1e8) == pytest.approx(1.0)
    assert scaling.kaplan_loss_n(8.8e13 / 2**10) == pytest.approx(2 ** (10 * 0.076))
    assert scaling.chinchilla_loss(70e9, 1.4e12) == pytest.approx(
        1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28, rel=1e-14
    )


def test_compute_is_6_n_d():
    N, D = np.array([1e6, 70e9]), np.array([2e7, 1.4e12])
    np.testing.assert_allclose(scaling.training_flops(N, D), 6 * N * D, rtol=1e-15)
    assert scaling.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)
    opt = scaling.compute_optimal(1e22)
    assert 6 * opt["N"] * opt["D"] == pytest.approx(1e22, rel=1e-12)
    assert opt["ratio"] == pytest.approx(opt["D"] / opt["N"])


@pytest.mark.parametrize("C", [1e17, 1e20, 5.88e23, 1e26])
def test_closed_form_optimum_equals_a_brute_force_search(C):
    closed, found = scaling.compute_optimal(C), scaling.compute_optimal_search(C)
    assert closed["N"] == pytest.approx(found["N"], rel=1e-6)
    assert closed["loss"] == pytest.approx(found["loss"], rel=1e-13)
    assert closed["loss"] <= found["loss"] + 1e-14
    # a cruder, independent check: a plain grid of 200,001 points around it
    n = closed["N"] * np.logspace(-1, 1, 200_001)
    best = n[np.argmin(scaling.iso_flop_loss(C, n))]
    assert best == pytest.approx(closed["N"], rel=1e-3)
    e = scaling.exponents()
    assert e["a"] + e["b"] == pytest.approx(1.0)


def test_the_fits_ratio_is_not_20_and_grows_with_compute():
    ratios = [scaling.compute_optimal(C)["ratio"] for C in (1e18, 1e21, 5.88e23, 1e26)]
    assert all(a < b for a, b in zip(ratios, ratios[1:], strict=False))
    assert 80 < ratios[2] < 100  # at Chinchilla's budget: ~93, not 20
    C20 = scaling.budget_for_ratio(20.0)
    assert scaling.compute_optimal(C20)["ratio"] == pytest.approx(20.0, rel=1e-10)
    assert C20 < 1e17


# -- the figures: captions from the traces, layout --------------------------------------------


def test_lora_caption_states_the_trace():
    tr = trace("lora")
    assert not schema.validate(tr)
    cap = caption("lora_parameters")
    layers = {r.info["d_in"]: r for r in tr.find("lora.parameters")}
    for d in (768, 4096, 12288):
        rec = layers[d]
        i = int(np.flatnonzero(rec["r"] == 8)[0])
        assert f"{rec['lora'][i]:,} vs {rec.info['full']:,} ({rec['ratio'][i]:g}×" in cap
    runs = tr.find("lora.finetune")
    assert len(runs) == 5 and f"all {len(runs)} seeds" in cap
    assert all(r.info["final_rel_error"] <= TARGET for r in runs)

    def spread(values, fmt=e1):
        return f"{fmt(min(values))} … {fmt(max(values))}"

    info = runs[0].info
    below = [r.info["first_below"] for r in runs]
    assert f"step {min(below)} … {max(below)}" in cap
    assert f"ends at {spread([r.info['final_rel_error'] for r in runs])}" in cap
    assert f"the {spread([r.info['lstsq_rel_error'] for r in runs])} of the full-rank" in cap
    assert f"ends at {spread([r.info['final_loss'] for r in runs])}" in cap
    noise = info["d_out"] * info["noise"] ** 2
    assert f"{info['d_out']} outputs × σ² = {e1(noise)}" in cap
    spare = max(r["sv_learned"][info["r_star"] :].max() for r in runs)
    assert f"at most {f'{spare:.0e}'.replace('e-0', 'e−')}" in cap
    planted = [v for r in runs for v in r["sv_planted"][: info["r_star"]]]
    assert f"{min(planted):.2g} … {max(planted):.2g} for the planted" in cap
    assert f"({info['trainable']} numbers beside the frozen {info['full']})" in cap
    assert f"{info['steps']} full-batch steps" in cap and f"σ = {info['noise']:g}" in cap


def test_scaling_caption_states_the_trace():
    tr = trace("scaling")
    assert not schema.validate(tr)
    cap = caption("scaling_laws")
    k = tr.last("scaling_laws.kaplan").info
    low, high = k["L_N_studied"]
    assert f"(L = {low:.2f} … {high:.2f})" in cap
    curves = {r.info["C"]: r.info for r in tr.find("scaling_laws.iso_flop")}
    worst = max(abs(c["N_search"] / c["N_opt"] - 1) for c in curves.values())
    assert f"same N* to {e1(worst)}" in cap
    assert f"D*/N* = {curves[1e19]['ratio_opt']:.1f} at 1e19" in cap
    assert f"{curves[1e21]['ratio_opt']:.1f} at 1e21" in cap
    assert f"{curves[1e26]['ratio_opt']:.0f} at 1e26" in cap
    p = tr.last("scaling_laws.chinchilla").info
    assert p["ratio"] == 20.0 and p["C"] == pytest.approx(5.88e23)
    assert f"{p['fit_ratio']:.1f} at Chinchilla's budget" in cap
    assert f"({p['fit_N'] / 1e9:.1f}B parameters on {p['fit_D'] / 1e12:.2f}T tokens)" in cap
    assert f"L = {p['loss']:.4f}, only {p['loss_gap']:.4f} above" in cap
    assert f"optimum {p['fit_loss']:.4f}" in cap
    f = tr.last("scaling_laws.frontier").info
    assert f"reaches 20 only at {f['C_ratio_20']:.1e}".replace("e+", "e") in cap
    assert f"(N* = {f['N_ratio_20'] / 1e6:.0f}M)" in cap
    assert f"(C/6)^{f['a']:.3f}" in cap and f"(C/6)^{f['b']:.3f}" in cap
    assert f"= {f['G']:.3f}" in cap


@pytest.mark.parametrize("name", ["lora", "scaling"])
def test_figures_are_legible_and_read_only_what_the_demo_writes(name):
    tr = trace(name)
    tr.reads.clear()
    fig = (plot_lora if name == "lora" else plot_scaling_laws)(tr)
    problems = layout_problems(fig)
    assert not problems, "\n".join(map(str, problems))
    assert tr.reads and tr.reads <= set(tr.names())


@pytest.mark.slow
def test_gallery_scripts_write_their_files(tmp_path, monkeypatch):
    import visualdl.gallery.lora_parameters as lp
    import visualdl.gallery.scaling_laws as sl

    monkeypatch.setattr(lp, "lora_figure", lambda: trace("lora"))
    monkeypatch.setattr(sl, "scaling_laws", lambda: trace("scaling"))
    for module, stem in ((lp, "lora-parameters"), (sl, "scaling-laws")):
        paths = module.make(tmp_path)
        assert [p.name for p in paths] == [f"{stem}.png", f"{stem}.svg"]
        assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- bad input ----------------------------------------------------------------------------------

X4, W43 = np.ones((2, 4)), np.ones((4, 3))

BAD = [
    ("rank 0", lambda: lora.lora_linear(X4, W43, np.ones((4, 0)), np.ones((0, 3))), "lora_linear"),
    ("rank > min", lambda: lora.lora_linear(X4, W43, np.ones((4, 4)), np.ones((4, 3))), "min"),
    ("A rows", lambda: lora.lora_linear(X4, W43, np.ones((3, 2)), np.ones((2, 3))), "A must"),
    ("B shape", lambda: lora.lora_linear(X4, W43, np.ones((4, 2)), np.ones((2, 2))), "B must"),
    (
        "X width",
        lambda: lora.lora_linear(np.ones((2, 5)), W43, np.ones((4, 1)), np.ones((1, 3))),
        "X",
    ),
    ("W 1-D", lambda: lora.lora_linear(X4, np.ones(4), np.ones((4, 1)), np.ones((1, 3))), "W must"),
    ("alpha 0", lambda: lora.lora_linear(X4, W43, np.ones((4, 1)), np.ones((1, 3)), 0.0), "alpha"),
    (
        "alpha nan",
        lambda: lora.lora_linear(X4, W43, np.ones((4, 1)), np.ones((1, 3)), math.nan),
        "alpha",
    ),
    (
        "dY shape",
        lambda: lora.lora_linear_backward(
            np.ones((2, 4)), lora.lora_linear(X4, W43, np.ones((4, 1)), np.ones((1, 3)))[1]
        ),
        "lora_linear_backward",
    ),
    ("count r 0", lambda: lora.lora_parameters(8, 8, 0), "lora_parameters"),
    ("count r big", lambda: lora.lora_parameters(8, 4, 5), "min"),
    ("count r float", lambda: lora.lora_parameters(8, 8, 2.0), "lora_parameters"),
    ("count d 0", lambda: lora.lora_parameters(0, 8, 1), "d_in"),
    ("init r big", lambda: lora.lora_init(3, 2, 3), "lora_init"),
    ("delta r", lambda: lora.lora_delta(np.ones((3, 2)), np.ones((3, 2))), "lora_delta"),
    ("N 0", lambda: scaling.kaplan_loss_n(0.0), "kaplan_loss_n"),
    ("N negative", lambda: scaling.chinchilla_loss(-1.0, 1e9), "chinchilla_loss"),
    ("N nan", lambda: scaling.chinchilla_loss(math.nan, 1e9), "chinchilla_loss"),
    ("D 0", lambda: scaling.kaplan_loss_d(np.array([1e9, 0.0])), "kaplan_loss_d"),
    ("C inf", lambda: scaling.kaplan_loss_c(math.inf), "kaplan_loss_c"),
    ("flops", lambda: scaling.training_flops(1e9, -1.0), "training_flops"),
    ("C 0", lambda: scaling.compute_optimal(0.0), "compute_optimal"),
    ("iso N", lambda: scaling.iso_flop_loss(1e20, [0.0]), "iso_flop_loss"),
    (
        "search bounds",
        lambda: scaling.compute_optimal_search(1e20, low=1e9, high=1e3),
        "low < high",
    ),
    ("ratio 0", lambda: scaling.budget_for_ratio(0.0), "budget_for_ratio"),
    ("N text", lambda: scaling.kaplan_loss_n("many"), "kaplan_loss_n"),
]


@pytest.mark.parametrize("thunk, match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_value_error_naming_the_op(thunk, match):
    with pytest.raises(ValueError, match=match) as err:
        thunk()
    assert "\n" not in str(err.value)
