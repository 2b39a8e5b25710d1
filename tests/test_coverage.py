"""Coverage, not copies: every engine backward has a verify row and a finite-difference test,
and every deliberate mistake fails its row.

- *Engine backwards*: every public function named ``*_backward`` defined in a module of the
  ``visualdl.engine`` package (found by importing each with ``pkgutil``), as
  ``"module.function"``.
- *Verify rows*: each row's :class:`~visualdl.symbolic.check.Op` says which of them it
  ``covers``. A backward may go without a row only through :data:`EXEMPT`, with a reason.
- *Finite-difference tests*: read statically (``ast``), so the answer does not depend on which
  tests ran or in what order. A backward is tested when a ``test_*`` function in ``tests/``
  calls ``assert_op_gradients`` (``conftest.py``) with a ``backward`` argument that names it,
  directly (``conv2d_backward``, ``losses.mse_backward``, inside a lambda), or through a name
  the same function binds to it (an assignment, or its ``pytest.mark.parametrize`` values).
  Functions are matched by name, so a new backward needs a test that names it.
- *Mistakes*: each entry of ``visualdl.symbolic.mistakes.MISTAKES`` run through its row's
  check must give at least its margin of error.

Adding an engine backward therefore takes one ``covers`` entry in its symbolic module's
``CHECKS`` and one ``assert_op_gradients`` test; the fake backward below shows the check fails
without them.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import visualdl.engine
from visualdl import verify
from visualdl.engine import losses as engine_losses
from visualdl.engine import optimizers as engine_optimizers
from visualdl.symbolic.mistakes import MISTAKES

TESTS = Path(__file__).resolve().parent

# engine backward ("module.function") -> why it has no verify row; it still needs an FD test
EXEMPT: dict[str, str] = {
    block: "a composition of verified rows (multi_head_attention, layer_norm, feed_forward, "
    "linear_rows); the whole block is checked by finite differences"
    for block in ("transformer.encoder_block_backward", "transformer.decoder_block_backward")
}
# an engine *_notes variant -> why it is not in MISTAKES (a mistake must fail a verify row)
NOT_DECLARED: dict[str, str] = {}


def engine_backwards() -> set[str]:
    """``"module.function"`` for every public ``*_backward`` function of ``visualdl.engine``."""
    found = set()
    for info in pkgutil.iter_modules(visualdl.engine.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"visualdl.engine.{info.name}")
        for name, obj in vars(module).items():
            if (
                name.endswith("_backward")
                and not name.startswith("_")
                and inspect.isfunction(obj)
                and obj.__module__ == module.__name__  # defined here, not imported
            ):
                found.add(f"{info.name}.{name}")
    return found


def verify_covers() -> dict[str, list[str]]:
    """Engine backward -> the verify rows that declare they cover it."""
    covers: dict[str, list[str]] = {}
    for row, op in verify.table().items():
        for backward in op.covers:
            covers.setdefault(backward, []).append(row)
    return covers


def _identifiers(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _bindings(fn: ast.FunctionDef) -> list[tuple[set[str], ast.AST]]:
    """(names bound, the expression they are bound from) for the function's assignments and
    its ``parametrize(argnames, values)`` decorators."""
    out: list[tuple[set[str], ast.AST]] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            targets = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            out.append((targets, node.value))
    for dec in fn.decorator_list:
        if (
            isinstance(dec, ast.Call)
            and _identifiers(dec.func) >= {"parametrize"}
            and len(dec.args) >= 2
            and isinstance(dec.args[0], ast.Constant)
            and isinstance(dec.args[0].value, str)
        ):
            out.append(({a.strip() for a in dec.args[0].value.split(",")}, dec.args[1]))
    return out


def _backward_argument(call: ast.Call) -> ast.AST | None:
    if len(call.args) >= 2:
        return call.args[1]
    return next((k.value for k in call.keywords if k.arg == "backward"), None)


def fd_tested(sources: dict[str, str]) -> dict[str, set[str]]:
    """Identifier -> the tests (``"file::function"``) that give it to ``assert_op_gradients``
    as (part of) the ``backward`` argument, directly or through a name they bind to it.

    Example
    -------
    >>> src = "def test_a():\\n    b = m.x_backward\\n    assert_op_gradients(f, b, {})\\n"
    >>> sorted(fd_tested({"t.py": src}))
    ['b', 'm', 'x_backward']
    """
    found: dict[str, set[str]] = {}
    for file, source in sources.items():
        for fn in ast.parse(source).body:
            if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith("test")):
                continue
            for call in ast.walk(fn):
                if not (
                    isinstance(call, ast.Call)
                    and _identifiers(call.func) & {"assert_op_gradients"}
                    and (arg := _backward_argument(call)) is not None
                ):
                    continue
                names, bindings = _identifiers(arg), _bindings(fn)
                grew = True
                while grew:  # follow names bound in the test to what they are bound from
                    before = len(names)
                    for bound, value in bindings:
                        if bound & names:
                            names |= _identifiers(value)
                    grew = len(names) > before
                for name in names:
                    found.setdefault(name, set()).add(f"{file}::{fn.name}")
    return found


def read_test_sources() -> dict[str, str]:
    """``{"path under tests/": source}`` of every ``test_*.py``."""
    return {
        p.relative_to(TESTS).as_posix(): p.read_text() for p in sorted(TESTS.rglob("test_*.py"))
    }


def coverage_gaps(exempt: dict[str, str] = EXEMPT) -> dict[str, list[str]]:
    """The engine backwards without a verify row (and not exempt), without a finite-difference
    test, and the declared ``covers`` that name no engine backward (stale)."""
    backwards, covers = engine_backwards(), verify_covers()
    tested = fd_tested(read_test_sources())
    return {
        "no verify row": sorted(b for b in backwards if b not in covers and b not in exempt),
        "no finite-difference test": sorted(
            b for b in backwards if b.rpartition(".")[2] not in tested
        ),
        "stale": sorted((set(covers) | set(exempt)) - backwards),
    }


def test_every_engine_backward_has_a_verify_row_and_a_finite_difference_test():
    backwards = engine_backwards()
    assert {"conv.conv2d_backward", "losses.mse_backward", "batchnorm.batch_norm_backward"} <= (
        backwards
    )
    gaps = coverage_gaps()
    assert gaps == {"no verify row": [], "no finite-difference test": [], "stale": []}, gaps


def test_exemptions_say_why():
    assert all(isinstance(why, str) and why.strip() for why in EXEMPT.values())


def test_a_new_backward_without_a_row_or_a_test_is_reported(monkeypatch):
    def fake_backward(dout, cache):
        return dout

    fake_backward.__module__ = engine_losses.__name__  # as if written in engine/losses.py
    monkeypatch.setattr(engine_losses, "fake_backward", fake_backward, raising=False)
    gaps = coverage_gaps()
    assert gaps["no verify row"] == ["losses.fake_backward"]
    assert gaps["no finite-difference test"] == ["losses.fake_backward"]
    # an exemption excuses the row, never the finite-difference test
    gaps = coverage_gaps(EXEMPT | {"losses.fake_backward": "a fake, for this test"})
    assert gaps["no verify row"] == [] and gaps["no finite-difference test"] == [
        "losses.fake_backward"
    ]


def test_a_covers_entry_naming_no_backward_is_stale(monkeypatch):
    from visualdl.symbolic import losses as symbolic_losses
    from visualdl.symbolic.check import Op

    mse = symbolic_losses.CHECKS["mse"]
    renamed = Op(mse.check, mse.args, ("losses.mean_squared_backward",), mse.override)
    monkeypatch.setitem(symbolic_losses.CHECKS, "mse", renamed)
    gaps = coverage_gaps()
    assert gaps["stale"] == ["losses.mean_squared_backward"]
    assert gaps["no verify row"] == ["losses.mse_backward"]


FD_SAMPLE = """
@pytest.mark.parametrize("backward", [engine.a_backward])
def test_parametrized(backward):
    assert_op_gradients(f, backward, {})


def test_bound_then_wrapped():
    b = engine.b_backward if k else c_backward
    assert_op_gradients(f, lambda d, cache: b(d, cache), {}, scale={})


def test_keyword():
    assert_op_gradients(forward=f, backward=engine.e_backward, inputs={})


def test_named_but_not_given():
    engine.d_backward(1)
    assert_op_gradients(f, engine.e_backward, {})


def helper_not_a_test():
    assert_op_gradients(f, engine.f_backward, {})
"""


def test_the_static_reader_follows_bindings_and_ignores_other_mentions():
    tested = fd_tested({"sample.py": FD_SAMPLE})
    assert {"a_backward", "b_backward", "c_backward", "e_backward"} <= set(tested)
    assert "d_backward" not in tested and "f_backward" not in tested
    assert tested["e_backward"] == {
        "sample.py::test_keyword",
        "sample.py::test_named_but_not_given",
    }


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_every_declared_mistake_fails_its_row_by_its_margin(name):
    mistake = MISTAKES[name]
    assert mistake.row in verify.names() and mistake.margin > 1e3 * verify.TOL
    result = mistake.check()
    assert not result.passed
    assert result.max_rel_error >= mistake.margin, (name, result)


def test_every_notes_variant_of_the_engine_is_a_declared_mistake():
    # the engine's deliberate wrong formulas are named *_notes (functions, optimizer names)
    notes = {n for n in engine_optimizers.DEFAULTS if n.endswith("_notes")}
    for info in pkgutil.iter_modules(visualdl.engine.__path__):
        module = importlib.import_module(f"visualdl.engine.{info.name}")
        notes |= {n for n in vars(module) if n.endswith("_notes") and not n.startswith("_")}
    assert {"adam_notes", "batch_norm_notes"} <= notes
    assert notes - set(MISTAKES) == set(NOT_DECLARED), sorted(notes - set(MISTAKES))
    assert all(why.strip() for why in NOT_DECLARED.values())
