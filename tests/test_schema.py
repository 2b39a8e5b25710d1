"""The record schema: every demo's trace matches the declarations, a broken record is caught,
and the declarations themselves follow the naming rule (DESIGN.md, "Trace").

The demos are found, not listed: every public function of a :mod:`visualdl.demos` module that
returns a trace (or is called ``*_trace``) runs once, with its size parameters made small.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import visualdl.demos
import visualdl.engine
from visualdl import registry, schema
from visualdl.schema import Kind
from visualdl.trace import Trace, record


def _modules(pkg) -> list:
    return [
        importlib.import_module(f"{pkg.__name__}.{m.name}")
        for m in pkgutil.iter_modules(pkg.__path__)
    ]


DEMO_MODULES = _modules(visualdl.demos)
ENGINE_MODULES = _modules(visualdl.engine)


def _returns_trace(name: str, fn) -> bool:
    return name.endswith("_trace") or "Trace" in str(inspect.signature(fn).return_annotation)


DEMOS = {
    f"{mod.__name__.rsplit('.', 1)[1]}.{name}": fn
    for mod in DEMO_MODULES
    for name, fn in vars(mod).items()
    if not name.startswith("_")
    and inspect.isfunction(fn)
    and fn.__module__ == mod.__name__
    and _returns_trace(name, fn)
    and all(  # a demo runs with its defaults; a helper that takes a model or data is not one
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in inspect.signature(fn).parameters.values()
    )
}

#: Size parameters (by name, wherever a demo has one) made small, so that every demo runs in
#: well under a second or two; the rest keep their defaults.
SMALL = {
    "epochs": 2,  # digits_trace, minibatch, schedules
    "k": 2,  # digits_trace: test digits shown
    "steps": 20,  # race, races, adam_mistake, momentum_trace
    "grid": 9,  # contour grids
    "N": 50,  # adam_mistake: steps of the step-size series
    "m": 50,  # batchnorm_histograms: examples
    "num_iterations": 50,  # xor runs
    "grid_n": 5,  # xor decision-surface grid
    "he_seeds": (0, 1),  # xor_training
    "sizes": (100, 1000),  # vectorization
    "repeats": 1,
    "every": 10,  # transformer_demo: parameters kept every 10 steps
    "checkpoint": 10,  # transformer_demo: the early model whose beam search is drawn
}


def _small_kwargs(fn) -> dict:
    return {k: v for k, v in SMALL.items() if k in inspect.signature(fn).parameters}


def _traces(out) -> list[Trace]:
    return list(out.values()) if isinstance(out, dict) else [out]


def test_the_demos_are_found():
    assert len(DEMOS) >= 20
    assert {"xor.xor_training", "momentum.momentum_trace", "optimizer_race.races"} <= set(DEMOS)


def _demo_imports(entry: registry.Entry) -> set[str]:
    """``module.function`` of every demo function the entry's module imports (read, not run:
    a scene module needs Manim)."""
    origin = Path(importlib.util.find_spec(entry.module).origin)
    found = set()
    for node in ast.walk(ast.parse(origin.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("visualdl.demos."):
            found |= {f"{node.module.rsplit('.', 1)[1]}.{a.name}" for a in node.names}
    return found


@pytest.mark.parametrize("entry", registry.ENTRIES.values(), ids=lambda e: e.name)
def test_every_registered_picture_draws_a_demo_checked_here(entry):
    assert _demo_imports(entry) & set(DEMOS), f"{entry.module} calls no demo found here"


@pytest.mark.parametrize("name", DEMOS)
def test_every_record_of_every_demo_matches_its_declaration(name):
    fn = DEMOS[name]
    traces = _traces(fn(**_small_kwargs(fn)))
    assert all(tr.records for tr in traces), name
    assert [p for tr in traces for p in schema.validate(tr)] == []


# -- a broken record is caught ------------------------------------------------------------


@pytest.fixture
def race_trace() -> Trace:
    from visualdl.demos.optimizers import race

    return race("bowl", ("gd",), steps=5, lrs={"gd": 0.1}, grid=5)


def test_a_record_with_an_undeclared_name_is_reported(race_trace):
    assert schema.validate(race_trace) == []
    race_trace.add("surface", {"name": "bowl"}, X=np.zeros((2, 2)))  # the name before prefixes
    assert schema.validate(race_trace) == ["surface: no declared kind"]


def test_a_declared_kind_with_a_missing_or_extra_array_is_reported(race_trace):
    path = race_trace.last("optimizers.path")
    info, arrays = dict(path.info), dict(path.arrays)
    race_trace.add(path.name, info, **{k: v for k, v in arrays.items() if k != "loss"})
    race_trace.add(path.name, info, **arrays, velocity=np.zeros(5))
    race_trace.add(path.name, {**info, "beta1": 0.9}, **arrays)
    assert schema.validate(race_trace) == [
        "optimizers.path: arrays extra [], missing ['loss']",
        "optimizers.path: arrays extra ['velocity'], missing []",
        "optimizers.path: info extra ['beta1'], missing []",
    ]


def test_an_array_with_the_wrong_number_of_axes_is_reported():
    from visualdl.demos.edges import KERNEL

    tr = Trace()
    KERNEL.add(tr, name="vertical", label="vertical", K=np.ones(9))
    assert schema.validate(tr) == ["edges.kernel.K: 1 axes, declared (3, 3)"]


def test_writing_through_a_kind_refuses_unknown_and_missing_keys():
    from visualdl.demos.activations import CURVE
    from visualdl.demos.optimizers import PATH

    z = np.linspace(-1.0, 1.0, 5)
    with record() as tr:
        CURVE.log(name="relu", kink=False, z=z, g=z, dg=z)
        with pytest.raises(ValueError, match=r"unknown keys \['bogus'\]"):
            CURVE.log(name="relu", kink=False, z=z, g=z, dg=z, bogus=1)
        with pytest.raises(ValueError, match=r"missing keys \['dg'\]"):
            CURVE.log(name="relu", kink=False, z=z, g=z)
    with pytest.raises(ValueError, match="unknown keys"):
        PATH.add(tr, optimizer="gd", lr=0.1, diverged_at=None, x=z, y=z, loss=z, momentum=0.9)
    assert tr.names() == ["activations.curve"] and schema.validate(tr) == []


# -- the declarations ---------------------------------------------------------------------

#: ``{kind}{l}.{phase}`` (``dense{l}.forward``) or ``prefix.name`` (``xor.run``): one dot.
NAME_RULE = re.compile(r"[a-z][a-z0-9_]*(\{l\})?\.[a-z][a-z0-9_]*(\{l\})?")


def _owned(modules) -> dict[str, Kind]:
    """pattern -> kind, for the kinds the modules hold (directly or in a dict)."""
    out = {}
    for mod in modules:
        for value in vars(mod).values():
            for kind in value.values() if isinstance(value, dict) else [value]:
                if isinstance(kind, Kind):
                    out[kind.pattern] = kind
    return out


def test_every_pattern_follows_the_naming_rule():
    off = sorted(p for p in schema.KINDS if not NAME_RULE.fullmatch(p))
    assert not off


def test_declaring_a_pattern_twice_is_refused():
    before = dict(schema.KINDS)
    with pytest.raises(ValueError, match="declared twice"):
        schema.declare("optimizers.path", arrays={"x": "(n,)"})
    assert schema.KINDS == before and schema.KINDS["optimizers.path"].arrays["x"] == "(T + 1,)"


def test_every_name_has_one_kind():
    """No two declarations claim the same record name (kind_of would pick one by import order)."""
    for pattern, kind in schema.KINDS.items():
        sample = re.sub(r"\{l\}", "1", pattern)
        sample = re.sub(r"\{\w+\}", "x", sample)
        assert [k.pattern for k in schema.KINDS.values() if k.matches(sample)] == [pattern]
        assert schema.kind_of(sample) is kind


def test_demo_kinds_carry_their_own_prefix_never_an_engine_one():
    demo, engine = _owned(DEMO_MODULES), _owned(ENGINE_MODULES)
    assert set(demo) | set(engine) == set(schema.KINDS)  # every kind is owned by a module
    assert not set(demo) & set(engine)
    prefix = {p: re.sub(r"\{l\}$", "", p.split(".")[0]) for p in schema.KINDS}
    assert not {prefix[p] for p in demo} & {prefix[p] for p in engine}


# -- what a learner can pass by mistake ---------------------------------------------------------
@pytest.mark.parametrize("tr", [None, [], "trace.npz"])
def test_validate_of_no_trace_is_a_value_error(tr):
    with pytest.raises(ValueError, match="schema.validate: expected a Trace, got "):
        schema.validate(tr)


@pytest.mark.parametrize("kinds", ["abc", [None], 5, schema.KINDS])
def test_kinds_that_are_no_kinds_are_a_value_error(kinds):
    tr = Trace()
    tr.add("dense1.forward", Z=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"schema.validate: kinds must be an iterable of"):
        schema.validate(tr, kinds)
    with pytest.raises(ValueError, match=r"schema.kind_of: kinds must be an iterable of"):
        schema.kind_of("dense1.forward", kinds)


@pytest.mark.parametrize("name", [None, 5])
def test_kind_of_a_name_that_is_no_string_is_a_value_error(name):
    with pytest.raises(ValueError, match="schema.kind_of: name must be a str, got "):
        schema.kind_of(name)
