"""Grid and random hyper-parameter search: the points they try, seeded draws, log ranges, the
best score, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from visualdl.engine.search import (
    Search,
    grid_points,
    grid_search,
    random_points,
    random_search,
)

RANGES = {"lr": (1e-4, 1.0, "log"), "beta": (0.8, 0.99)}


def bowl(point: dict[str, float]) -> float:
    """A score that depends on log10(lr) much more than on beta; best at lr = 0.01."""
    return -((math.log10(point["lr"]) + 2) ** 2) - 0.01 * (point["beta"] - 0.9) ** 2


def test_grid_is_every_combination_of_the_axis_values() -> None:
    p = grid_points(RANGES, per_axis=3)
    assert len(p["lr"]) == 9
    np.testing.assert_allclose(np.unique(p["lr"]), [1e-4, 1e-2, 1.0])  # geometric, ends in
    np.testing.assert_allclose(np.unique(p["beta"]), [0.8, 0.895, 0.99])  # linear
    pairs = {(round(a, 12), round(b, 12)) for a, b in zip(p["lr"], p["beta"], strict=True)}
    assert len(pairs) == 9
    q = grid_points(RANGES, per_axis={"lr": 4, "beta": 2})
    assert len(q["lr"]) == 8 and np.unique(q["lr"]).size == 4 and np.unique(q["beta"]).size == 2
    assert q["lr"][0] == q["lr"][1]  # the first range varies slowest


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_random_points_see_a_new_value_every_time_and_stay_in_range(seed: int) -> None:
    p = random_points(RANGES, n=9, seed=seed)
    for name, (low, high, *_) in RANGES.items():
        assert np.unique(p[name]).size == 9
        assert np.all((p[name] >= low) & (p[name] <= high))
    same = random_points(RANGES, n=9, seed=np.random.default_rng(seed))
    for name in RANGES:
        np.testing.assert_array_equal(p[name], same[name])


def test_log_range_gives_each_decade_the_same_share() -> None:
    lr = random_points({"lr": (1e-4, 1.0, "log")}, n=20_000, seed=0)["lr"]
    shares = np.histogram(np.log10(lr), bins=4, range=(-4, 0))[0] / lr.size
    np.testing.assert_allclose(shares, 0.25, atol=0.015)
    linear = random_points({"x": (0.0, 1.0)}, n=20_000, seed=0)["x"]
    assert abs(np.mean(linear) - 0.5) < 0.01


def test_searches_score_every_point_and_find_the_best() -> None:
    g = grid_search(bowl, RANGES, per_axis=3)
    assert isinstance(g, Search) and g.scores.shape == (9,)
    for i in range(9):
        assert g.scores[i] == bowl({k: v[i] for k, v in g.points.items()})
    assert g.best["lr"] == pytest.approx(1e-2) and g.best_score == g.scores.max()
    assert g.distinct("lr") == 3 and g.distinct("beta") == 3
    low = grid_search(lambda p: -bowl(p), RANGES, per_axis=3, goal="min")
    assert low.best == g.best
    r = random_search(bowl, RANGES, n=9, seed=0)
    assert r.distinct("lr") == 9 and r.best_score == r.scores.max()


def test_non_finite_scores_are_kept_but_never_best() -> None:
    r = grid_search(lambda p: math.inf if p["lr"] > 0.5 else p["lr"], RANGES, 3, goal="max")
    assert np.isinf(r.scores).sum() == 3 and r.best["lr"] == pytest.approx(1e-2)
    nan = Search({"lr": np.array([1.0])}, np.array([math.nan]))
    with pytest.raises(ValueError, match="Search.best_index: no point has a finite score"):
        _ = nan.best_index


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: grid_search(bowl, {}), r"grid_search: grid_points: ranges must be a dict"),
        (lambda: grid_search(bowl, {"lr": (1.0,)}), "range 'lr' must be"),
        (lambda: grid_search(bowl, {"lr": (1.0, 0.5)}), "range 'lr' needs low < high"),
        (lambda: grid_search(bowl, {"lr": (0.0, 1.0, "log")}), "lr low must be > 0"),
        (lambda: grid_search(bowl, {"lr": (1e-3, 1.0, "ln")}), "scale of range 'lr' must be"),
        (lambda: grid_search(bowl, {"lr": (0.0, math.inf)}), "lr high must be a finite number"),
        (lambda: grid_search(bowl, RANGES, per_axis=0), "per_axis must be an int >= 1"),
        (lambda: grid_search(bowl, RANGES, per_axis={"lr": 3}), r"per_axis has no count for"),
        (lambda: grid_search(bowl, RANGES, goal="best"), "goal must be one of"),
        (lambda: grid_search("f", RANGES), "grid_search: score must be a function"),
        (lambda: grid_search(lambda p: "x", RANGES), r"score\(point\) must be a number"),
        (lambda: random_search(bowl, RANGES, n=0), "random_points: n must be an int >= 1"),
        (lambda: random_search(bowl, RANGES, seed=-2), "seed must be an int >= 0"),
        (lambda: Search({"a": np.ones(2)}, np.ones(2)).distinct("b"), "Search.distinct"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
