"""The convolution chapter's figures (edge-detection, output-size, architectures,
inception-cost, cnn-features, batchnorm-histograms): each script runs headless, its demo is
deterministic and holds the numbers the caption states."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_same_trace
from matplotlib.figure import Figure
from matplotlib.text import Text

from visualdl.demos.architectures import architectures, inception
from visualdl.demos.batchnorm import batchnorm_histograms
from visualdl.demos.digits import dead_filters, digits_data, digits_trace, lenet_digits
from visualdl.demos.edges import edges
from visualdl.demos.output_size import output_size_grid
from visualdl.viz.architectures import plot_architectures, plot_inception
from visualdl.viz.cnn_features import plot_cnn_features
from visualdl.viz.conv import plot_edges, plot_output_size


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_demos_are_deterministic() -> None:
    assert_same_trace(edges(), edges())
    assert_same_trace(output_size_grid(), output_size_grid())
    assert_same_trace(architectures(), architectures())
    assert_same_trace(inception(), inception())
    assert_same_trace(batchnorm_histograms(m=100), batchnorm_histograms(m=100))


def test_notes_6x6_example_gives_the_band_of_30s() -> None:
    tr = edges(photo=False)
    Z = {r.info["name"]: r["Z"] for r in tr.find("edges.notes_edges")}
    band = np.array([0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(Z["vertical"], np.tile(30 * band, (4, 1)))
    np.testing.assert_array_equal(Z["horizontal"], np.zeros((4, 4)))
    np.testing.assert_array_equal(Z["sobel"], np.tile(40 * band, (4, 1)))
    np.testing.assert_array_equal(Z["scharr"], np.tile(160 * band, (4, 1)))
    K = {r.info["name"]: r["K"] for r in tr.find("edges.kernel")}
    assert K["scharr"].tolist() == [[3, 0, -3], [10, 0, -10], [3, 0, -3]]
    assert "band of 30s at the edge" in _texts(plot_edges(tr))


def test_photo_is_gray_shrunk_and_every_map_is_valid_size() -> None:
    tr = edges()
    P = tr.last("edges.photo_image")["X"]
    assert P.shape == (427 // 4, 640 // 4) and 0.0 <= P.min() and P.max() <= 1.0
    for rec in tr.find("edges.photo_edges"):
        assert rec["Z"].shape == (P.shape[0] - 2, P.shape[1] - 2)
        assert np.all(np.isfinite(rec["Z"])) and np.abs(rec["Z"]).max() > 0.1


def test_output_size_grid_follows_the_floor_formula_and_marks_misfits() -> None:
    tr = output_size_grid()
    for rec in tr.find("output_size.grid"):
        n, f = rec.info["n"], rec.info["f"]
        for i, p in enumerate(rec["p"]):
            for j, s in enumerate(rec["s"]):
                fits = f <= n + 2 * p
                assert rec["valid"][i, j] == fits
                if fits:
                    assert rec["size"][i, j] == (n + 2 * p - f) // s + 1
                    assert rec["no_floor"][i, j] == pytest.approx((n + 2 * p - f) / s + 1)
    first = tr.find("output_size.grid")[0]  # n = 7, f = 3: the notes' stride-same p = 4 at s = 2
    assert (first.info["n"], first.info["f"]) == (7, 3)
    assert first["same_p"][1] == 4.0 and first["size"][4, 1] == 7
    second = tr.find("output_size.grid")[1]  # n = 5, f = 7 does not fit without padding
    assert not second["valid"][0].any() and second["valid"][1:].all()
    assert "doesn't fit" in _texts(plot_output_size(tr))


def test_architecture_counts_come_from_the_engine_and_appear_in_the_figure() -> None:
    tr = architectures()
    nets = {r.info["net"]: r.info for r in tr.find("architectures.network")}
    assert {k: v["params"] for k, v in nets.items()} == {
        "lenet5": 61_706,
        "alexnet": 62_378_344,
        "vgg16": 138_357_544,
    }
    for net, info in nets.items():
        blocks = [b.info for b in tr.find("architectures.block") if b.info["net"] == net]
        assert sum(b["params"] for b in blocks) == info["params"]
        assert sum(b["multiplications"] for b in blocks) == info["multiplications"]
    vgg = [b.info for b in tr.find("architectures.block") if b.info["net"] == "vgg16"]
    assert [b["repeat"] for b in vgg if b["kind"] == "conv"] == [2, 2, 3, 3, 3]
    assert [b["shape"] for b in vgg if b["kind"] == "pool"][-1] == [7, 7, 512]
    lenet_pool = next(b.info for b in tr.find("architectures.block") if b.info["kind"] == "pool")
    assert lenet_pool["shape"] == [14, 14, 6] and lenet_pool["notes_size"] == 14.5
    text = _texts(plot_architectures(tr))
    for count in ("61,706", "62,378,344", "138,357,544"):
        assert f"{count} parameters" in text


def test_inception_ratio() -> None:
    tr = inception()
    info = tr.last("architectures.inception").info
    assert (info["direct"], info["bottleneck_cost"]) == (120_422_400, 12_443_648)
    assert info["reduce"] + info["conv"] == info["bottleneck_cost"]
    assert info["ratio"] == pytest.approx(9.68, abs=0.005)
    stages = tr.find("architectures.stage")
    assert [s.info["shape"] for s in stages if s.info["path"] == "bottleneck"] == [
        [28, 28, 192],
        [28, 28, 16],
        [28, 28, 32],
    ]
    assert "9.68× fewer" in _texts(plot_inception(tr))


def test_batchnorm_keeps_every_layer_spread_and_ignores_the_weight_scale() -> None:
    tr = batchnorm_histograms(m=300)
    by = {(r.info["case"], r.info["l"]): r for r in tr.find("batchnorm.layer")}
    depth = tr.meta["depth"]
    for l in range(1, depth + 1):
        assert 0.5 < by["batchnorm", l].info["std"] < 0.8
        assert by["plain_large", l].info["saturated"] > 0.5
        for case in ("plain_small", "plain_large", "batchnorm"):
            assert by[case, l]["counts"].sum() == pytest.approx(1.0)
    small = [by["plain_small", l].info["std"] for l in range(1, depth + 1)]
    assert all(b < 0.2 * a for a, b in zip(small, small[1:], strict=False))  # shrinks ~10x
    assert small[-1] < 1e-5
    assert tr.meta["bn_scale_gap"] < 0.05


@pytest.mark.slow  # trains a CNN and the baseline per seed (4 s each)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_cnn_beats_the_softmax_baseline_on_held_out_digits(seed: int) -> None:
    """The figure's CNN (its default training) against softmax regression on the raw pixels,
    both on the same held-out split and seed; its headline says both and the dead filters."""
    tr = digits_trace(seed=seed, k=2)
    fm, base = tr.last("digits.feature_maps"), tr.last("digits.baseline")
    assert fm.info["test_accuracy"] > base.info["test_accuracy"]
    assert fm.info["test_accuracy"] >= 0.975
    text = _texts(plot_cnn_features(tr))
    assert f"{fm.info['test_accuracy']:.1%}" in text and f"{base.info['test_accuracy']:.1%}" in text
    assert "dead filters" in text


def test_dead_filters_are_the_ones_zero_for_every_input() -> None:
    (_, _), (X_te, _) = digits_data()
    model = lenet_digits(seed=0)
    assert dead_filters(model, X_te) == [[], []]
    conv2 = model.layers[2]
    conv2.b = conv2.b.copy()
    conv2.b.reshape(-1)[[1, 5]] = -1e3  # these two can never be positive
    assert dead_filters(model, X_te) == [[], [1, 5]]
