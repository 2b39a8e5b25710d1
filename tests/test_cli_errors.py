"""Every failure of the ``visualdl`` command is one line on stderr naming what to change, with
no traceback: exit 2 for a usage mistake, 1 at run time, 130 for Ctrl-C, 141 for a closed
stdout; ``--debug`` shows the traceback. Renders that run at once, or are stopped, leave only
whole files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from visualdl import verify
from visualdl.cli import main
from visualdl.gallery.__main__ import main as gallery_main

CHEAP_SCENE = "conv-transpose"  # the quickest scene to render (and it shows formulas)


def run(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "visualdl.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        **kw,
    )


def one_line(stderr: str, prog: str = "visualdl") -> str:
    """The one ``PROG: error:`` line of ``stderr``, asserting that it is the only one."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{prog}: error: ") and "Traceback" not in stderr
    return lines[0]


def fail_in(monkeypatch: pytest.MonkeyPatch, err: BaseException) -> None:
    """Make ``visualdl verify`` raise ``err`` as if from deep in the library."""

    def boom():
        raise err

    monkeypatch.setattr(verify, "run_all", boom)


# -- output folders, checked before any work ----------------------------------------------------
@pytest.mark.parametrize("command", ["render", "gallery", "demo"])
@pytest.mark.parametrize(
    "where, words",
    [
        ("a-file", "is a file, not a folder"),
        ("a-file/sub", "Not a directory"),
        ("x" * 300, "File name too long"),
        ("/proc/visualdl-out", "cannot create files in this folder"),
    ],
)
def test_an_output_folder_that_cannot_be_written_is_one_line(
    command, where, words, tmp_path: Path, capsys
) -> None:
    (tmp_path / "a-file").write_text("")
    args = [command, CHEAP_SCENE] if command == "render" else [command]
    assert main([*args, "--out", str(tmp_path / where)]) == 1
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert words in line and line.endswith("choose another --out")
    assert captured.out == ""  # nothing done


@pytest.mark.parametrize(
    "where, words",
    [("a-file", "is a file, not a folder"), ("/proc/visualdl-out", "cannot create files")],
)
def test_the_gallery_module_reports_an_output_folder_in_one_line(
    where, words, tmp_path: Path, capsys
) -> None:
    (tmp_path / "a-file").write_text("")
    assert gallery_main(["output-size", "--out", str(tmp_path / where)]) == 1
    captured = capsys.readouterr()
    line = one_line(captured.err, "python -m visualdl.gallery")
    assert words in line and line.endswith("choose another --out") and captured.out == ""


def test_the_gallery_module_run_as_a_program_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    cmd = [sys.executable, "-m", "visualdl.gallery", "output-size", "--out"]
    out = subprocess.run([*cmd, str(tmp_path / "a-file")], capture_output=True, text=True)
    assert out.returncode == 1 and out.stdout == ""
    assert "a-file: is a file" in one_line(out.stderr, "python -m visualdl.gallery")


def test_the_gallery_module_shows_the_traceback_with_debug(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        gallery_main(["--debug", "output-size", "--out", str(tmp_path / "a-file")])


@pytest.mark.parametrize(
    "args, words",
    [
        (["no-such-figure"], "unknown figure(s) 'no-such-figure'; known: activations"),
        ([], "the following arguments are required: NAME"),
        (["output-size", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_the_gallery_module_reports_a_usage_error_exit_2(args, words, capsys) -> None:
    assert gallery_main(args) == 2
    assert words in one_line(capsys.readouterr().err, "python -m visualdl.gallery")


@pytest.mark.parametrize(
    "main_, args, prog",
    [
        (main, ["render", CHEAP_SCENE], "visualdl"),
        (main, ["gallery"], "visualdl"),
        (main, ["demo"], "visualdl"),
        (gallery_main, ["output-size"], "python -m visualdl.gallery"),
    ],
    ids=["render", "gallery", "demo", "gallery-module"],
)
@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_out_is_a_usage_error(
    main_, args, prog, blank, tmp_path: Path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main_([*args, "--out", blank]) == 2
    captured = capsys.readouterr()
    line = one_line(captured.err, prog)
    assert f"argument --out: expected a folder name, got {blank!r}" in line
    assert captured.out == "" and list(tmp_path.iterdir()) == []  # nothing written here


def test_render_onto_a_folder_fails_before_work(tmp_path: Path, capsys) -> None:
    (tmp_path / f"{CHEAP_SCENE}.png").mkdir()
    start = time.perf_counter()
    assert main(["render", CHEAP_SCENE, "--format", "png", "--out", str(tmp_path)]) == 1
    assert time.perf_counter() - start < 1.0  # refused before the scene is even imported
    line = one_line(capsys.readouterr().err)
    assert f"{CHEAP_SCENE}.png: is a folder; remove it" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{CHEAP_SCENE}.png"]


def test_demo_checks_its_video_folder_before_the_gallery(tmp_path: Path, capsys) -> None:
    (tmp_path / "videos").write_text("")
    assert main(["demo", "--out", str(tmp_path)]) == 1
    assert "videos: is a file, not a folder" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "gallery").exists()


@pytest.mark.parametrize(
    "err, words",
    [
        (IsADirectoryError(21, "Is a directory", "out/.tmp/x.mp4", "out/x.mp4"), "x.mp4: Is a"),
        (PermissionError(13, "Permission denied", "/out/x.png"), "/out/x.png: Permission denied"),
        (OSError(28, "No space left on device"), "No space left on device"),
    ],
)
def test_an_os_error_during_work_is_one_line(err, words, tmp_path: Path, capsys, monkeypatch):
    import visualdl.render

    def boom(*args, **kwargs):
        raise err

    monkeypatch.setattr(visualdl.render, "render", boom)
    assert main(["render", CHEAP_SCENE, "--out", str(tmp_path)]) == 1
    assert words in one_line(capsys.readouterr().err)


# -- errors of the library ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "err, line",
    [
        (ValueError("conv2d: bad shape\n  expected (m, n_H, n_W, n_C)"), "conv2d: bad shape"),
        (KeyError("trace has no record 'x'"), "visualdl: error: trace has no record 'x'"),
        (FloatingPointError("overflow encountered in exp"), "overflow encountered in exp"),
        (RuntimeError("unexpected"), "internal error: RuntimeError: unexpected"),
    ],
)
def test_a_library_error_is_one_line_exit_1(err, line, monkeypatch, capsys) -> None:
    fail_in(monkeypatch, err)
    assert main(["verify"]) == 1
    assert line in one_line(capsys.readouterr().err)


def test_debug_shows_the_traceback(monkeypatch) -> None:
    fail_in(monkeypatch, ValueError("conv2d: bad shape"))
    with pytest.raises(ValueError, match="bad shape"):
        main(["--debug", "verify"])


def test_a_missing_manim_keeps_its_install_hint(monkeypatch, capsys) -> None:
    fail_in(monkeypatch, ModuleNotFoundError("No module named 'manim'", name="manim"))
    assert main(["verify"]) == 2
    assert "manim is not installed; pip install 'visualdl[anim]'" in one_line(
        capsys.readouterr().err
    )


def test_ctrl_c_exits_130_quietly(monkeypatch, capsys) -> None:
    fail_in(monkeypatch, KeyboardInterrupt())
    assert main(["verify"]) == 130
    assert capsys.readouterr().err == ""


# -- the backend, checked before any work -------------------------------------------------------
def test_a_bad_backend_name_is_a_usage_error_before_any_output() -> None:
    out = run("verify", env={"VISUALDL_BACKEND": "tpu"})
    assert out.returncode == 2 and out.stdout == ""
    assert "VISUALDL_BACKEND='tpu' names no backend; set it to one of numpy, cupy" in one_line(
        out.stderr
    )


def test_an_unavailable_backend_is_one_line_exit_1(monkeypatch, capsys) -> None:
    from visualdl import backend

    monkeypatch.setenv("VISUALDL_BACKEND", "cupy")
    monkeypatch.setattr(backend, "cupy_available", lambda: False)
    assert main(["verify"]) == 1
    captured = capsys.readouterr()
    assert "CuPy cannot run here" in one_line(captured.err) and captured.out == ""


def test_a_bad_pace_setting_is_a_usage_error_before_any_render(tmp_path: Path) -> None:
    out = run("render", "chain-rule", "--out", str(tmp_path), env={"VISUALDL_PACE": "fast"})
    assert out.returncode == 2 and out.stdout == "" and list(tmp_path.iterdir()) == []
    assert (
        "VISUALDL_PACE must be a number > 0 (1 is the default pace), got 'fast', or unset it"
        in (one_line(out.stderr))
    )


# -- stdout closed early ------------------------------------------------------------------------
def test_list_into_a_closed_pipe_is_quiet() -> None:
    cli = f"'{sys.executable}' -m visualdl.cli"
    script = f"for i in 1 2 3; do {cli} list | true; {cli} list --json | head -c 1; done"
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stderr == ""


def test_a_broken_pipe_in_process_returns_141(monkeypatch, capsys) -> None:
    class Closed:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["list"]) == 141
    assert capsys.readouterr().err == ""


# -- renders at once, and renders stopped -------------------------------------------------------
def render_cmd(out: Path, fmt: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "visualdl.cli",
        "render",
        CHEAP_SCENE,
        "--format",
        fmt,
        "--out",
    ] + [str(out)]


@pytest.mark.slow
def test_two_renders_of_one_scene_at_once_both_succeed(tmp_path: Path, no_latex) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # both fill one new cache
    procs = [
        subprocess.Popen(
            render_cmd(out, "png"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]
    assert [p.name for p in out.iterdir()] == [f"{CHEAP_SCENE}.png"]
    assert (out / f"{CHEAP_SCENE}.png").stat().st_size > 1000


@pytest.mark.slow
def test_sigterm_mid_render_leaves_nothing_behind(tmp_path: Path, no_latex) -> None:
    child = subprocess.Popen(render_cmd(tmp_path, "mp4"), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(f".{CHEAP_SCENE}-") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    time.sleep(1.0)  # well into the render
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 143 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
