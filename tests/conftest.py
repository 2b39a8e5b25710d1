"""Shared test helpers: central differences and relative error, written independently of the
engine's own gradient checker so that the checker is tested too."""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


def central_diff(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by (f(x + eps) - f(x - eps)) / 2 eps, entry by entry (f returns a float)."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def rel_err(a, b) -> float:
    """||a - b|| / max(||a|| + ||b||, tiny), the gradient-check measure."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def assert_same_trace(a, b, skip: tuple[str, ...] = ()) -> None:
    """Two traces hold the same meta, records (names, info, keys) and arrays; arrays named in
    ``skip`` (timings) are not compared."""
    assert a.meta == b.meta
    assert [r.name for r in a.records] == [r.name for r in b.records]
    for ra, rb in zip(a.records, b.records, strict=True):
        assert ra.info == rb.info, ra.name
        assert ra.arrays.keys() == rb.arrays.keys(), ra.name
        for k in ra.arrays:
            if k not in skip:
                np.testing.assert_array_equal(ra[k], rb[k], err_msg=f"{ra.name}.{k}")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
