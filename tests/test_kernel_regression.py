"""Nadaraya–Watson kernel regression: the engine against central differences and SymPy, the
leave-one-out fit of ``w`` over several seeds, clear errors, and the figure's demo, caption
and layout."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from conftest import assert_op_gradients, assert_same_trace

from visualdl import schema
from visualdl.demos.nadaraya_watson import nadaraya_watson_demo
from visualdl.engine.kernel_regression import (
    fit_bandwidth,
    loo_mse,
    nadaraya_watson,
    nadaraya_watson_backward,
    toy_data,
    toy_function,
)
from visualdl.symbolic import kernel_regression as symbolic
from visualdl.viz.layout import layout_problems

GALLERY = "visualdl.gallery.nadaraya_watson"
_TRACE: list = []


def default_trace():
    """The trace the figure draws (the demo with its defaults), made once."""
    if not _TRACE:
        _TRACE.append(nadaraya_watson_demo())
    return _TRACE[0]


def _pair(grads: dict) -> tuple:
    return grads["dw"], grads["dy_train"]


# -- the engine ------------------------------------------------------------------------------


@pytest.mark.parametrize(("w", "exclude_self"), [(1.0, False), (-2.3, False), (1.7, True)])
def test_backward_matches_central_differences(w, exclude_self):
    rng = np.random.default_rng(5)
    x_train = np.sort(rng.uniform(0.0, 3.0, 6))
    x = x_train.copy() if exclude_self else rng.uniform(-0.5, 3.5, 4)

    def forward(w, y_train):
        return nadaraya_watson(x, x_train, y_train, float(w), exclude_self=exclude_self)

    inputs = {"w": np.array(w), "y_train": rng.standard_normal(6)}
    got = assert_op_gradients(
        forward, lambda d, c: _pair(nadaraya_watson_backward(d, c)), inputs, rng=rng
    )
    assert abs(float(got["w"][0])) > 1e-3  # the score path carries a real gradient


def test_weights_are_a_softmax_of_the_scores_and_the_gaussian_kernel_ratio():
    x_train, y_train = toy_data(12, seed=3)
    x = np.linspace(-1.0, 6.0, 9)
    f, cache = nadaraya_watson(x, x_train, y_train, w=1.0)
    A = cache["weights"]
    assert A.shape == (9, 12)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    K = np.exp(-((x[:, None] - x_train[None, :]) ** 2) / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(A, K / K.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(f, A @ y_train, rtol=1e-12)
    # w = 0: every key the same weight, the plain average (the notes' average pooling)
    f0, _ = nadaraya_watson(x, x_train, y_train, w=0.0)
    np.testing.assert_allclose(f0, np.full(9, y_train.mean()), rtol=1e-12)


def test_leave_one_out_masks_the_diagonal_and_predicts_each_point_from_the_others():
    x_train, y_train = toy_data(7, seed=1)
    f, cache = nadaraya_watson(x_train, x_train, y_train, w=2.0, exclude_self=True)
    A = cache["weights"]
    assert np.all(np.diag(A) == 0.0)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    for i in range(7):
        rest = np.arange(7) != i
        f_i, _ = nadaraya_watson(x_train[i : i + 1], x_train[rest], y_train[rest], w=2.0)
        np.testing.assert_allclose(f[i], f_i[0], rtol=1e-12)
    assert loo_mse(x_train, y_train, 2.0) == pytest.approx(np.mean((f - y_train) ** 2))


def test_a_larger_w_sharpens_the_weights():
    x_train, y_train = toy_data(30, seed=2)
    x = np.linspace(0.0, 5.0, 20)
    peaks = [
        nadaraya_watson(x, x_train, y_train, w)[1]["weights"].max(1).mean() for w in (0.5, 2, 8)
    ]
    assert peaks[0] < peaks[1] < peaks[2]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_learning_w_lowers_the_leave_one_out_error_and_the_error_against_the_truth(seed):
    x_train, y_train = toy_data(50, seed=seed)
    h = fit_bandwidth(x_train, y_train, w0=1.0, lr=5.0, steps=100)
    assert h["w"].shape == h["loss"].shape == (101,) and h["dw"].shape == (100,)
    assert h["loss"][0] == pytest.approx(loo_mse(x_train, y_train, 1.0))
    assert h["loss"][-1] == pytest.approx(loo_mse(x_train, y_train, h["w"][-1]))
    assert h["loss"][-1] < 0.75 * h["loss"][0]
    assert np.all(np.diff(h["loss"]) <= 1e-12)  # each step lowers it
    grid = np.geomspace(0.1, 100.0, 200)
    assert h["loss"][-1] <= min(loo_mse(x_train, y_train, w) for w in grid) + 1e-3
    x = np.linspace(0.0, 5.0, 100)
    truth = toy_function(x)
    err = {
        w: np.mean((nadaraya_watson(x, x_train, y_train, w)[0] - truth) ** 2)
        for w in (1.0, h["w"][-1])
    }
    assert err[h["w"][-1]] < 0.5 * err[1.0]


def test_the_gradient_is_the_derivative_of_the_leave_one_out_error():
    x_train, y_train = toy_data(20, seed=4)
    h = fit_bandwidth(x_train, y_train, w0=1.5, lr=1e-3, steps=1)
    eps = 1e-6
    numeric = (loo_mse(x_train, y_train, 1.5 + eps) - loo_mse(x_train, y_train, 1.5 - eps)) / (
        2 * eps
    )
    assert h["dw"][0] == pytest.approx(numeric, rel=1e-6)
    assert h["w"][1] == pytest.approx(1.5 - 1e-3 * h["dw"][0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nadaraya_watson(np.ones(3), np.ones(4), np.ones(5)), "y_train must have"),
        (lambda: nadaraya_watson(np.ones((3, 1)), np.ones(4), np.ones(4)), "x must be a 1-D"),
        (lambda: nadaraya_watson(np.ones(3), np.ones(4), np.ones(4), w=math.nan), "w must be"),
        (
            lambda: nadaraya_watson(np.ones(3), np.ones(4), np.ones(4), exclude_self=True),
            "exclude_self",
        ),
        (
            lambda: nadaraya_watson(np.ones(1), np.ones(1), np.ones(1), exclude_self=True),
            "at least 2",
        ),
        (lambda: fit_bandwidth(np.arange(4.0), np.ones(4), steps=0), "steps must be"),
        (lambda: fit_bandwidth(np.arange(4.0), np.ones(4), steps=-3), "steps must be"),
        (lambda: fit_bandwidth(np.arange(4.0), np.ones(4), steps=2.5), "steps must be"),
        (lambda: fit_bandwidth(np.arange(4.0), np.ones(4), lr=0.0), "lr must be"),
        (lambda: fit_bandwidth(np.arange(4.0), np.ones(3)), "same length"),
        (lambda: toy_data(0), "n_train must be"),
    ],
)
def test_bad_inputs_are_value_errors_naming_the_op(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert str(err.value).split(":")[0] in {"nadaraya_watson", "fit_bandwidth", "toy_data"}


def test_backward_refuses_a_gradient_of_the_wrong_shape():
    _, cache = nadaraya_watson(np.ones(3), np.arange(4.0), np.ones(4))
    with pytest.raises(ValueError, match="nadaraya_watson_backward: df must have the shape"):
        nadaraya_watson_backward(np.ones(4), cache)


# -- the symbolic row ------------------------------------------------------------------------


def test_symbolic_row_passes_and_covers_the_backward():
    op = symbolic.CHECKS["nadaraya_watson"]
    assert op.covers == ("kernel_regression.nadaraya_watson_backward",)
    result = op()
    assert result.passed, result
    assert symbolic.kernel_is_softmax()


def _no_softmax_jacobian(df, cache):
    """dscore = A df y (forgets the ``- f_q`` of the softmax's Jacobian)."""
    A, y, diff, w = cache["weights"], cache["y_train"], cache["diff"], cache["w"]
    dw = float(np.sum(A * df[:, None] * y[None, :] * (-w * diff**2)))
    return {"dw": dw, "dy_train": df @ A}


def _dy_without_df(df, cache):
    """dy_train = the weights' column sums: forgets to weight each query by its df."""
    return {**nadaraya_watson_backward(df, cache), "dy_train": cache["weights"].sum(axis=0)}


@pytest.mark.parametrize("wrong", [_no_softmax_jacobian, _dy_without_df])
def test_symbolic_row_fails_for_a_wrong_backward(wrong):
    result = symbolic.CHECKS["nadaraya_watson"](wrong)
    assert not result.passed and result.max_rel_error > 1e-3


# -- the demo, the caption, the figure -------------------------------------------------------


def test_demo_is_deterministic_declared_and_prefixed():
    kwargs = {"n_train": 12, "n_test": 10, "steps": 5, "sweep": 5}
    a, b = nadaraya_watson_demo(**kwargs), nadaraya_watson_demo(**kwargs)
    assert_same_trace(a, b)
    assert not schema.validate(a), schema.validate(a)
    assert all(r.name.startswith("nadaraya_watson.") for r in a.records)
    fits = a.find("nadaraya_watson.fit")
    assert [f.info["kind"] for f in fits].count("learned") == 1
    assert [f.info["w"] for f in fits] == sorted(f.info["w"] for f in fits)
    for fit in fits:
        assert fit["weights"].shape == (10, 12)
        np.testing.assert_allclose(fit["weights"].sum(axis=1), 1.0, atol=1e-12)


def test_caption_states_the_trace():
    tr = default_trace()
    cap = importlib.import_module(GALLERY).CAPTION
    data = tr.last("nadaraya_watson.data")
    found = tr.find("nadaraya_watson.fit")
    fits = {f.info["w"] if f.info["kind"] == "fixed" else f.info["kind"]: f for f in found}
    training = tr.last("nadaraya_watson.training")
    sweep = tr.last("nadaraya_watson.sweep").info
    ws = [f"{f.info['w']:.3g}" for f in found]
    keys = [f"{f.info['effective_keys']:.1f}" for f in found]
    n = data.info["n_train"]
    x_test = data["x_test"]
    learned, plain = fits["learned"], fits["non-parametric"]
    wide, sharp = found[0], found[-1]
    expected = [
        f"{n} training points x_i uniform on [0, {data.info['high']:g}) (seed {data.info['seed']})",
        f"noise of σ = {data.info['noise']:g}",
        f"{x_test.size} queries x = {x_test[0]:g}, {x_test[1]:g}, …, {x_test[-1]:g}",
        f"the fits for w = {ws[0]}, {ws[1]}, {ws[2]} (learned) and {ws[3]}",
        f"listens to {keys[0]}, {keys[1]}, {keys[2]} and {keys[3]} of the {n} keys",
        f"w = {ws[0]} is nearly the plain average (leave-one-out MSE {wide.info['loo_mse']:.3f})",
        f"w = {ws[3]} nearly copies the nearest point, noise and all ({sharp.info['loo_mse']:.3f})",
        f"from the other {n - 1}",
        f"from w = {training.info['w0']:g} at rate {training.info['lr']:g} for "
        f"{training.info['steps']} steps",
        f"takes w to {training.info['w_learned']:.3g} and the error from "
        f"{training.info['loss_start']:.3f} to {training.info['loss_end']:.3f}",
        f"the first step alone jumps to w = {training['w'][1]:.3g}",
        f"lowest point on the sweep's grid is w = {sweep['best_w']:.3g}",
        f"the learned fit's MSE is {learned.info['test_mse']:.3f}, against "
        f"{plain.info['test_mse']:.3f} at w = 1 and {sharp.info['test_mse']:.3f} at w = 25",
    ]
    for text in expected:
        assert text in cap, f"the caption should say {text!r} (from the trace)"
    assert plain.info["w"] == 1.0 and learned.info["w"] == training.info["w_learned"]
    assert [f.info["kind"] for f in found] == ["fixed", "non-parametric", "learned", "fixed"]
    spread = [f.info["effective_keys"] for f in found]
    assert spread == sorted(spread, reverse=True)  # the weights sharpen as w grows


@pytest.mark.slow
def test_script_writes_a_legible_png_and_svg_from_the_checked_trace(tmp_path, monkeypatch):
    """The gallery module's make() draws the trace the caption test checked; the figure it
    saves passes the layout checks and reads only records its demo writes."""
    import visualdl.gallery as gallery

    module = importlib.import_module(GALLERY)
    tr = default_trace()
    monkeypatch.setattr(module, "nadaraya_watson_demo", lambda: tr)
    figures = []
    save = gallery.save
    monkeypatch.setattr(
        gallery, "save", lambda fig, *a, **k: figures.append(fig) or save(fig, *a, **k)
    )
    paths = module.make(tmp_path)
    assert [p.name for p in paths] == ["nadaraya-watson.png", "nadaraya-watson.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 20_000
    assert paths[1].read_text().lstrip().startswith("<?xml")
    assert tr.reads and tr.reads <= set(tr.names()), sorted(tr.reads - set(tr.names()))
    (fig,) = figures
    problems = layout_problems(fig)
    assert not problems, "\n".join(map(str, problems))
