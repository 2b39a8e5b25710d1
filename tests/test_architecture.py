"""Import-direction rules (DESIGN.md): scenes/gallery -> demos -> engine -> trace,
scenes/gallery -> viz/anim -> trace. Read from the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# layer -> module prefixes it must never import
FORBIDDEN = {
    "engine": [
        "matplotlib",
        "manim",
        "sympy",
        "visualdl.viz",
        "visualdl.anim",
        "visualdl.demos",
        "visualdl.scenes",
        "visualdl.gallery",
        "visualdl.symbolic",
    ],
    "core": [
        "matplotlib",
        "manim",
        "sympy",
        "visualdl.engine",
        "visualdl.viz",
        "visualdl.anim",
        "visualdl.demos",
        "visualdl.symbolic",
    ],
    "demos": [
        "matplotlib",
        "manim",
        "visualdl.viz",
        "visualdl.anim",
        "visualdl.scenes",
        "visualdl.gallery",
    ],
    "viz": [
        "visualdl.engine",
        "visualdl.demos",
        "manim",
        "visualdl.anim",
        "visualdl.scenes",
        "visualdl.gallery",
    ],
    "anim": ["visualdl.engine", "visualdl.demos", "visualdl.scenes", "visualdl.gallery"],
    "symbolic": [
        "matplotlib",
        "manim",
        "visualdl.viz",
        "visualdl.anim",
        "visualdl.demos",
        "visualdl.scenes",
        "visualdl.gallery",
    ],
    "pictures": ["numpy", "visualdl.engine"],
}


def layer_of(path: Path) -> str | None:
    rel = path.relative_to(ROOT).as_posix()
    if rel.startswith(("scenes/", "gallery/")):
        return "pictures"
    for name in ("engine", "demos", "viz", "anim", "symbolic"):
        if rel.startswith(f"visualdl/{name}/"):
            return name
    if rel in (
        "visualdl/trace.py",
        "visualdl/schema.py",
        "visualdl/backend.py",
        "visualdl/files.py",
    ):
        return "core"
    return None


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


SOURCES = sorted(
    p for d in ("visualdl", "scenes", "gallery") for p in (ROOT / d).rglob("*.py") if layer_of(p)
)


def test_there_are_sources_in_every_layer():
    assert {layer_of(p) for p in SOURCES} >= {
        "engine",
        "core",
        "demos",
        "viz",
        "symbolic",
        "pictures",
    }


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_imports_point_the_right_way(path):
    bad = sorted(
        name
        for name in imports(path)
        for prefix in FORBIDDEN[layer_of(path)]
        if name == prefix or name.startswith(prefix + ".")
    )
    assert not bad, f"{path.relative_to(ROOT)} ({layer_of(path)}) must not import {bad}"


def test_the_checker_sees_a_wrong_arrow(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\nfrom visualdl.engine import mlp\n")
    assert {"numpy", "visualdl.engine"} <= imports(bad)
