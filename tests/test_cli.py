"""The ``visualdl`` command: listing, verify, user mistakes, and the demo end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

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
        (["demo", "--jobs", "0"], "argument --jobs: expected a whole number >= 1, got '0'"),
        (["demo", "--jobs", "two"], "argument --jobs: expected a whole number >= 1, got 'two'"),
        (["demo", "--quality", "ultra"], "invalid choice: 'ultra'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: command"),
        (["--unknown"], "unrecognized arguments: --unknown"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(args, words):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("visualdl: error:")
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args, line",
    [
        (["render"], "visualdl: error: render: the following arguments are required: name"),
        (["gallery", "--bogus"], "visualdl: error: unrecognized arguments: --bogus"),
        (["--unknown", "list"], "visualdl: error: unrecognized arguments: --unknown"),
        (["render", "x", "--quality", "u"], "visualdl: error: render: argument --quality: "),
    ],
)
def test_a_usage_error_names_the_program_once(args, line, capsys):
    assert main(args) == 2
    assert capsys.readouterr().err.startswith(line)


def test_demo_renders_720p30_with_one_job_per_core_by_default() -> None:
    from visualdl.cli import _parser

    args = _parser().parse_args(["demo"])
    assert (args.quality, args.jobs, str(args.out)) == ("medium", None, "out")
    assert _parser().parse_args(["demo", "--jobs", "3", "--quality", "low"]).jobs == 3
    help_text = " ".join(run("demo", "--help").stdout.split())
    assert "720p30" in help_text and f"default: {os.cpu_count()}" in help_text
