"""The three scenes of the notes' missing pictures: ``xor-folding``, ``dropout`` and
``conv-volume``. Their demos' facts (what each picture claims, checked on the trace it draws,
over several seeds) and a last frame of each, rendered at low quality without LaTeX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import assert_same_trace, seeds

from visualdl.demos.conv_volume import conv_volume_trace
from visualdl.demos.dropout import dropout_trace
from visualdl.demos.xor_folding import xor_folding_trace
from visualdl.engine.conv import conv2d

NEW_SCENES = ("xor-folding", "dropout", "conv-volume")


def linearly_separable(P: np.ndarray, Y: np.ndarray) -> bool:
    """Whether some ``w, b`` puts the columns of ``P: (n, m)`` with ``Y = 1`` strictly on one
    side of ``w . p + b = 0`` and the rest on the other: the linear program
    ``s_i (w . p_i + b) >= 1`` (``s = 2 Y - 1``) is feasible (scipy's HiGHS decides)."""
    linprog = pytest.importorskip("scipy.optimize").linprog
    n, m = P.shape
    s = 2 * Y.ravel() - 1
    A_ub = -s[:, None] * np.hstack([P.T, np.ones((m, 1))])  # -s (w . p + b) <= -1
    res = linprog(np.zeros(n + 1), A_ub=A_ub, b_ub=-np.ones(m), bounds=[(None, None)] * (n + 1))
    return res.status == 0


def test_the_separability_check_tells_and_from_xor() -> None:
    X = np.array([[0.0, 0, 1, 1], [0, 1, 0, 1]])
    assert linearly_separable(X, np.array([[0, 0, 0, 1]]))  # AND
    assert not linearly_separable(X, np.array([[0, 1, 1, 0]]))  # XOR


# -- xor-folding ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3))
def test_xor_is_learned_and_separable_in_hidden_space_only(seed: int) -> None:
    tr = xor_folding_trace(seed=seed)
    grid = tr.last("xor_folding.grid")
    points = tr.last("dense1.forward", case="points")
    out = tr.last("dense2.forward", case="points")
    Y = grid["Y"]
    assert grid.info["accuracy"] == 1.0
    assert ((out["A"] > 0.5) == (Y == 1)).all()  # the engine's outputs, not only its count
    assert not linearly_separable(points["A_prev"], Y)  # the input plane: no line
    assert linearly_separable(points["A"], Y)  # hidden space: some plane ...
    z = out["W"] @ points["A"] + out["b"]  # ... and the output layer's is one of them
    np.testing.assert_allclose(z, out["Z"], rtol=1e-12)
    assert ((z > 0) == (Y == 1)).all()


@pytest.mark.parametrize("seed", seeds(0, 1, 2))
def test_xor_views_are_honest_projections(seed: int) -> None:
    """``Z[1]``'s view keeps every distance (the plane W[1] x seen face on); ``A[1]``'s view
    reads exactly what the output unit reads along its first axis, so the drawn line at
    ``boundary`` separates the drawn points as the network does."""
    tr = xor_folding_trace(seed=seed)
    view, grid = tr.last("xor_folding.view"), tr.last("dense1.forward", case="grid")
    out = tr.last("dense2.forward", case="points")
    for basis in (view["basis"], view["basis_Z"]):
        np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(view["Z_grid"], view["basis_Z"] @ grid["Z"], rtol=1e-12)
    Zc = grid["Z"] - grid["Z"][:, :1]
    np.testing.assert_allclose(
        np.linalg.norm(view["basis_Z"] @ Zc, axis=0), np.linalg.norm(Zc, axis=0), atol=1e-9
    )
    w = out["W"][0]
    np.testing.assert_allclose(view["basis"][0], w / np.linalg.norm(w), rtol=1e-12)
    drawn_z = view.info["w_norm"] * (view["A_points"][0] - view.info["boundary"])
    np.testing.assert_allclose(drawn_z, out["Z"][0], rtol=1e-9)


def test_xor_grid_and_plane_are_what_the_scene_says() -> None:
    tr = xor_folding_trace()
    info = tr.last("xor_folding.grid").info
    G = tr.last("dense1.forward", case="grid")["A_prev"]
    k, L = info["n_per_line"], info["n_lines"]
    assert G.shape == (2, 2 * L * k)
    first, last = G[:, :k], G[:, -k:]
    assert np.ptp(first[0]) == 0 and np.ptp(last[1]) == 0  # a line x1 = c, then x2 = c
    assert G.min() == info["low"] and G.max() == info["high"]
    # the pulled-back boundary: Z[2] over the plane changes sign, with each XOR point's sign
    mesh, Y = info["mesh"], tr.last("xor_folding.grid")["Y"][0]
    plane = tr.last("dense1.forward", case="plane")["A_prev"]
    Z2 = tr.last("dense2.forward", case="plane")["Z"][0]
    X = tr.last("dense1.forward", case="points")["A_prev"]
    for i in range(4):
        at = np.flatnonzero(np.all(np.isclose(plane, X[:, i : i + 1]), axis=0))
        assert len(at) == 1 and (Z2[at[0]] > 0) == (Y[i] == 1)
    assert Z2.reshape(mesh, mesh).shape == (mesh, mesh)


# -- dropout ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", seeds(0, 1, 2, 3, 4))
def test_dropout_draws_a_new_mask_each_step_and_scales_the_kept(seed: int) -> None:
    tr = dropout_trace(seed=seed)
    p = tr.meta["keep_prob"]
    steps = sorted({r.context["step"] for r in tr.find("dropout1.forward")})
    assert steps == [1, 2, 3]
    masks = [tr.last("dropout1.forward", step=t)["D"] for t in steps]
    assert all(set(np.unique(D)) <= {0.0, 1.0} for D in masks)
    assert all(not np.array_equal(a, b) for a, b in zip(masks[:-1], masks[1:], strict=True))
    for t in steps:
        A = tr.last("dense1.forward", step=t)["A"]
        drop = tr.last("dropout1.forward", step=t)
        kept = drop["D"] == 1
        assert np.array_equal(drop["A"][kept], A[kept] / p)  # exactly A / keep_prob
        assert np.all(drop["A"][~kept] == 0)
        # the output layer reads the dropped, scaled values
        np.testing.assert_array_equal(tr.last("dense2.forward", step=t)["A_prev"], drop["A"])


@pytest.mark.parametrize("seed", seeds(0, 1))
def test_dropout_masks_are_fresh_draws_that_keep_keep_prob_of_the_units(seed: int) -> None:
    """Over 60 steps: masks repeat only by chance, and about ``keep_prob`` of the units stay
    (within five standard deviations of a Bernoulli count)."""
    tr = dropout_trace(seed=seed, steps=60, n_masks=10)
    p = tr.meta["keep_prob"]
    masks = np.stack([r["D"].ravel() for r in tr.find("dropout1.forward")])
    assert masks.shape == (60, 8)
    # 60 draws of 2**8 equally likely masks: about 53 distinct ones (a few repeat by chance)
    assert len({m.tobytes() for m in masks}) >= 40
    assert abs(masks.mean() - p) <= 5 * np.sqrt(p * (1 - p) / masks.size)


@pytest.mark.parametrize("seed", seeds(0, 1, 2))
def test_dropout_test_pass_has_no_mask_and_keeps_the_mean(seed: int) -> None:
    tr = dropout_trace(seed=seed)
    p = tr.meta["keep_prob"]
    assert tr.find("dropout1.forward", case="test") == []
    A = tr.last("dense1.forward", case="test")["A"]
    np.testing.assert_array_equal(tr.last("dense2.forward", case="test")["A_prev"], A)
    mean = tr.last("dropout_demo.mean")
    n = mean.info["n_masks"]
    np.testing.assert_array_equal(mean["A"], A)
    sigma = np.abs(A) * np.sqrt((1 - p) / (p * n))  # the spread of a mean of n masks
    assert np.all(np.abs(mean["mean"] - A) <= 5 * sigma + 1e-12)


# -- conv-volume --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", seeds(2, 0, 1, 3))
def test_conv_volume_equals_the_fast_conv_and_the_walked_window(seed: int) -> None:
    tr = conv_volume_trace(seed=seed)
    fwd = tr.last("conv2d.forward")
    X, W, b, Z = fwd["X"], fwd["W"], fwd["b"], fwd["Z"]
    assert X.shape[3] == W.shape[2] == 3 and Z.shape == (1, 3, 3, W.shape[3])
    fast, _ = conv2d(X, W, b)
    np.testing.assert_allclose(Z, fast, rtol=1e-12)
    first = tr.find("conv2d.window", c=0)[0]  # the window the scene walks through
    f = W.shape[0]
    assert (first.info["h"], first.info["w"]) == (0, 0)
    np.testing.assert_array_equal(first["window"], X[0, :f, :f, :])
    np.testing.assert_array_equal(first["products"], first["window"] * W[:, :, :, 0])
    assert first["products"].size == f * f * 3
    assert first["channel_sums"].sum() == first["sum"] == first["products"].sum()
    assert first["sum"] + b[0] == Z[0, 0, 0, 0]
    for r in tr.find("conv2d.window"):  # every cell the scene fills, map by map
        i = r.info
        assert r["sum"] + b[i["c"]] == Z[0, i["h"], i["w"], i["c"]]


def test_conv_volume_parameter_count_is_the_formula_shown() -> None:
    sp = pytest.importorskip("sympy")
    from visualdl.symbolic.formulas import CONV

    tr = conv_volume_trace()
    size, W = tr.last("conv_volume.size").info, tr.last("conv2d.forward")["W"]
    f, k, n_C = sp.symbols("f k n_C")
    tex = CONV["params"].replace(r"n_C^{[l-1]}", "k").replace(r"\cdot", "*")
    count = sp.sympify(tex, locals={"f": f, "k": k, "n_C": n_C})
    at = {f: size["f"], k: size["n_C_prev"], n_C: size["n_C"]}
    assert int(count.subs(at)) == size["n_params"] == W.size + W.shape[3]
    assert size["z_ends"] == [-size["z_scale"], size["z_scale"]]


@pytest.mark.parametrize("make", [xor_folding_trace, dropout_trace, conv_volume_trace])
def test_new_demo_traces_are_deterministic_and_declared(make) -> None:
    from visualdl import schema

    a, b = make(), make()
    assert_same_trace(a, b)
    assert schema.validate(a) == []


# -- the scenes ---------------------------------------------------------------------------------
def test_new_scenes_are_registered_in_their_chapters() -> None:
    from visualdl import registry

    chapters = {"xor-folding": registry.NN, "dropout": registry.TRAIN, "conv-volume": registry.CNN}
    for name, chapter in chapters.items():
        entry = registry.get(name, "scene")
        assert entry.module == "visualdl.scenes." + name.replace("-", "_")
        assert entry.chapter == chapter


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_SCENES)
def test_new_scene_renders_its_last_frame(name: str, tmp_path: Path, no_latex) -> None:
    pytest.importorskip("manim")
    from PIL import Image

    from visualdl.render import render

    out = render(name, "low", "png", tmp_path, progress=False)
    assert out == tmp_path / f"{name}.png"
    frame = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert frame.shape == (480, 854, 3)
    background = np.median(frame.reshape(-1, 3), axis=0)
    drawn = (np.abs(frame - background).sum(axis=-1) > 60).mean()
    assert drawn > 0.03, f"{name}: last frame nearly blank ({drawn:.3f} drawn)"


@pytest.mark.slow
def test_dropout_scene_shows_each_steps_mask_and_scaled_values(no_latex) -> None:
    """At each step's hold the mask and the scaled column on screen are that step's."""
    pytest.importorskip("manim")
    from scene_probe import probe

    from visualdl.anim.numbers import format_array

    p = probe("dropout")
    tr = p.traces[0]
    shown = {tuple(tuple(r) for r in g.rows()) for m in p.key_frames for g in m.grids}
    for t in (1, 2, 3):
        drop = tr.last("dropout1.forward", step=t)
        assert tuple(tuple(r) for r in format_array(drop["D"])) in shown
        assert tuple(tuple(r) for r in format_array(drop["A"])) in shown
    test = tr.last("dense1.forward", case="test")["A"]
    assert tuple(tuple(r) for r in format_array(test)) in shown
