"""Shared test helpers: central differences and relative error, written independently of the
engine's own gradient checker so that the checker is tested too; and the work the suite does
once and inspects many times (``visualdl demo``, ``visualdl verify``), as session fixtures.

Tiers: ``pytest -m "not slow"`` is the quick edit loop; the whole suite (``bash
scripts/test.sh``) adds the ``slow`` tests, which share one run of the demo.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

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


def seeds(first: int, *more: int) -> list:
    """Parametrize values: ``first`` in every tier, ``more`` (the multi-seed sweep) in the
    slow tier only."""
    return [first, *(pytest.param(s, marks=pytest.mark.slow) for s in more)]


def path_without_latex() -> str:
    """PATH without any directory that holds ``latex``: pictures must not need it."""
    keep = [
        p
        for p in os.environ.get("PATH", "").split(os.pathsep)
        if p and not (Path(p) / "latex").exists()
    ]
    return os.pathsep.join(keep)


@pytest.fixture
def no_latex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_without_latex())
    assert shutil.which("latex") is None


@dataclass
class DemoRun:
    """What one in-process ``visualdl demo --quality low --jobs 1`` wrote and recorded."""

    out: Path
    exit_code: int
    stdout: str
    traces: list  # every Trace made during the run (demos, sections, loaded ones)
    layouts: list = field(default_factory=list)  # (stem, layout problems) per figure saved


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``visualdl demo`` once per session, LaTeX hidden, with every Trace it made kept (one
    job: the scenes render in this process, so their traces are kept too)."""
    from visualdl.cli import main
    from visualdl.trace import Trace

    out = tmp_path_factory.mktemp("demo")
    traces: list = []
    init = Trace.__init__

    def keep(self, *args, **kwargs):
        init(self, *args, **kwargs)
        traces.append(self)

    capture = tmp_path_factory.mktemp("demo-log") / "stdout.txt"
    with pytest.MonkeyPatch.context() as mp, open(capture, "w") as log:
        mp.setattr(Trace, "__init__", keep)
        mp.setenv("PATH", path_without_latex())
        mp.setattr("sys.stdout", log)
        layouts = _check_layouts(mp)
        code = main(["demo", "--out", str(out), "--quality", "low", "--jobs", "1"])
    return DemoRun(out, code, capture.read_text(), traces, layouts)


def _check_layouts(mp: pytest.MonkeyPatch) -> list:
    """Wrap ``visualdl.viz.figures.save`` (and the copies modules imported) so that every
    figure saved is first checked by ``visualdl.viz.layout.layout_problems``; returns the list
    it fills with ``(stem, problems)``."""
    import sys

    from visualdl.viz import figures
    from visualdl.viz.layout import layout_problems

    found: list = []
    save = figures.save

    def checked(fig, stem, formats=("png",)):
        found.append((Path(stem).name, layout_problems(fig)))
        return save(fig, stem, formats)

    for module in list(sys.modules.values()):  # their __dict__: no lazy __getattr__ runs
        if getattr(module, "__dict__", {}).get("save") is save:
            mp.setattr(module, "save", checked)
    return found


@pytest.fixture(scope="session")
def verify_rows() -> list:
    """``visualdl.verify.run_all()`` once per session."""
    from visualdl import verify

    return verify.run_all()


def assert_op_gradients(
    forward,
    backward,
    inputs: dict[str, np.ndarray],
    *,
    scale: dict[str, float] | None = None,
    tol: float = 1e-7,
    rng: np.random.Generator | None = None,
    d_out=None,
    eps: float = 1e-6,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Assert that an op's hand-written backward matches central differences (float64).

    The first-order summed loss is ``S = sum(d_out * out)``; each gradient the backward returns
    must equal ``scale[k] * dS/d inputs[k]`` within ``rel_err < tol``, with ``inputs[k]``'s
    shape. ``tests/test_coverage.py`` reads the calls of this helper (statically) to see which
    engine ``*_backward`` has a finite-difference test, so name the backward in the call.

    Parameters
    ----------
    forward : callable
        ``forward(**inputs)`` returns ``(out, cache)`` or ``out``.
    backward : callable
        ``backward(d_out, cache)`` returns the gradients, one per input in the order of
        ``inputs`` (a bare array when there is one). Called once, right after the first
        forward, before the differences (so a layer's own cache is the right one).
    inputs : dict of str to ndarray
        The float64 inputs to differentiate; anything else is closed over by ``forward``.
    scale : dict of str to float, optional
        The op's gradient convention, 1 where not given: parameter gradients of the mean cost
        carry ``1/m`` (``{"W": 1 / m, "b": 1 / m}``); a loss's per-example ``dA`` is
        ``m dJ/dA`` (``{"A": m}``).
    tol : float
        Largest ``rel_err`` allowed per gradient.
    rng : numpy.random.Generator, optional
        Draws ``d_out`` (standard normal, ``out``'s shape) after the first forward.
    d_out : array, optional
        The upstream gradient to use instead of a random one.
    eps : float
        The central-difference step.

    Returns
    -------
    dict
        ``{name: (gradient, dS/d input)}``, the central differences unscaled, for more asserts.

    Example
    -------
    >>> W = np.array([[2.0, -1.0]])  # out = W x: dS/dx = W^T d_out
    >>> got = assert_op_gradients(lambda x: W @ x, lambda d, _: W.T @ d, {"x": np.ones((2, 3))})
    >>> got["x"][0].shape
    (2, 3)
    """
    scale = scale or {}
    unknown = set(scale) - set(inputs)
    assert not unknown, f"scale names no input: {sorted(unknown)}"
    inputs = {k: np.array(v, dtype=np.float64) for k, v in inputs.items()}

    def run(values):
        result = forward(**values)
        return result if isinstance(result, tuple) else (result, None)

    out, cache = run(inputs)
    if d_out is None:
        d_out = (rng or np.random.default_rng(0)).standard_normal(np.shape(out))
    grads = backward(d_out, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(inputs), f"backward gave {len(grads)} gradients for {list(inputs)}"

    def S(name, value):
        return float(np.sum(d_out * run({**inputs, name: value})[0]))

    found = {}
    for (name, x), grad in zip(inputs.items(), grads, strict=True):
        grad = np.asarray(grad, dtype=np.float64)
        assert grad.shape == x.shape, f"d{name}: shape {grad.shape}, input {x.shape}"
        numeric = central_diff(lambda v, name=name: S(name, v), x, eps)
        err = rel_err(grad, scale.get(name, 1.0) * numeric)
        assert err < tol, f"d{name}: rel_err {err:.2e} >= {tol:.0e} against central differences"
        found[name] = (grad, numeric)
    return found


def starter_function(name: str, *fixes: tuple[str, str]):
    """The function that exercise ``name``'s starter code defines, after each ``(old, new)`` of
    ``fixes`` is replaced in the code (``old`` must appear exactly once)."""
    from visualdl.exercises import EXERCISES

    ex = EXERCISES[name]
    code = ex.starter
    for old, new in fixes:
        assert code.count(old) == 1, old
        code = code.replace(old, new)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - the package's own starter code
    return namespace[ex.function]
