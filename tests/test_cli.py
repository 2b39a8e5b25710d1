"""The ``visualdl`` command: listing, verify, user mistakes, and the demo end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_verify import OPS as ISSUE_OPS

from visualdl import registry
from visualdl.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "visualdl.cli", *args], capture_output=True, text=True, timeout=600
    )


def test_list_json_names_every_scene_and_figure(capsys):
    assert main(["list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {(e["name"], e["kind"]) for e in entries} == {
        (e.name, e.kind) for e in registry.ENTRIES.values()
    }
    assert {"mlp-forward-backward", "chain-rule"} <= {e["name"] for e in entries}
    assert {e["kind"] for e in entries} == {"scene", "figure"}


def test_list_does_not_import_manim():
    code = (
        "import sys; from visualdl.cli import main; main(['list']); print('manim' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")


@pytest.mark.parametrize(
    "args, words",
    [
        (["render", "no-such-scene"], "unknown scene 'no-such-scene'"),
        (["render", "activations"], "unknown scene 'activations'"),
        (["render", "chain-rule", "--quality", "ultra"], "invalid choice: 'ultra'"),
        (["render", "chain-rule", "--format", "avi"], "invalid choice: 'avi'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: command"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(args, words):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("visualdl: error:")
    assert "Traceback" not in out.stderr


def test_verify_json_lists_every_op_and_passes():
    out = run("verify", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {r["op"] for r in rows} >= set(ISSUE_OPS)
    assert all(r["passed"] and r["max_rel_error"] < 1e-6 for r in rows)


def test_verify_table_has_one_row_per_op():
    out = run("verify")
    assert out.returncode == 0, out.stderr
    assert sum(" PASS" in line for line in out.stdout.splitlines()) == len(
        json.loads(run("verify", "--json").stdout)
    )


@pytest.mark.slow
def test_demo_writes_gallery_and_videos_at_the_lowest_quality(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quality", "low"]) == 0
    index = tmp_path / "gallery" / "index.html"
    assert index.is_file()
    html = index.read_text()
    for entry in registry.figures():
        pngs = list((tmp_path / "gallery").glob(f"{entry.name}*.png"))
        assert pngs and all(p.stat().st_size > 10_000 for p in pngs), entry.name
        assert pngs[0].name in html
    for name in registry.DEFAULT_SCENES:
        video = tmp_path / "videos" / f"{name}.mp4"
        assert video.is_file() and video.stat().st_size > 10_000
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".") or "tmp" in p.name]
    assert not leftovers
