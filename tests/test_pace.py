"""The pace rule: how long a scene holds what it shows, and the one setting that scales it."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")

from visualdl.anim import pace  # noqa: E402


def test_reading_time_is_the_rule_scaled_by_the_pace_setting(monkeypatch) -> None:
    monkeypatch.delenv(pace.ENV_VAR, raising=False)
    assert [pace.reading_time(n) for n in (0, 10, 12, 40)] == [2.5, 2.5, 3.0, 10.0]
    monkeypatch.setenv(pace.ENV_VAR, "1.5")
    assert pace.reading_time(0) == pytest.approx(3.75) and pace.reading_time(40) == 15.0


@pytest.mark.parametrize("raw", ["0", "-1", "fast", "inf", "nan"])
def test_a_bad_pace_setting_is_refused_naming_the_variable(monkeypatch, raw) -> None:
    monkeypatch.setenv(pace.ENV_VAR, raw)
    with pytest.raises(ValueError, match=rf"VISUALDL_PACE must be a number > 0.*{raw!r}"):
        pace.reading_time(0)


def test_entries_counts_the_numbers_of_every_grid_once(tmp_path) -> None:
    from manim import VGroup, tempconfig

    from visualdl.anim.grid import CellGrid
    from visualdl.anim.numbers import NumberGrid

    with tempconfig({"media_dir": str(tmp_path)}):  # Text caches its glyphs under media_dir
        a, b = NumberGrid(np.ones((2, 3))), CellGrid(np.zeros((4, 4)))
        assert pace.entries(a) == 6 and pace.entries(VGroup(a, b), a) == 22
        assert pace.entries(CellGrid(shape=(3, 3))) == 0  # empty cells show no number
