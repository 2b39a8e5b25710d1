"""The demo's videos: the cache key and when a scene counts as up to date; the pool of worker
processes (rendered once, skipped when up to date, a worker's error in one line); and a demo
stopped by Ctrl-C or SIGTERM leaving only whole files and no process behind."""

from __future__ import annotations

import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from visualdl import registry, videos
from visualdl.cli import main
from visualdl.videos import cache_inputs, up_to_date, video_files

CHEAP_SCENE = "conv-transpose"  # the quickest scene to render


def fake_scene(out: Path, name: str, quality: str = "low") -> None:
    """Files for scene ``name`` as the demo leaves them, with their key."""
    out.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(video_files(name)):
        (out / f).write_bytes(bytes(100 + i))
    videos._write_key(out, name, quality)


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch):
    """Pin the source hash (other work in this checkout must not change it mid-test); call
    the fixture's value with a new text to change it."""

    def pin(text: str) -> None:
        monkeypatch.setattr(videos, "source_digest", lambda: text)

    pin("source one")
    return pin


def test_the_key_names_what_the_files_are_made_from() -> None:
    inputs = cache_inputs(CHEAP_SCENE, "medium")
    assert inputs["scene"] == CHEAP_SCENE and inputs["quality"] == "medium"
    assert inputs["manim"] == importlib.metadata.version("manim")
    assert inputs["numpy"] == importlib.metadata.version("numpy")
    assert inputs["visualdl"] == importlib.metadata.version("visualdl")
    assert inputs["formats"] == videos.FORMATS
    assert len(inputs["source"]) == 64 and inputs["source"] == videos.source_digest()


def test_the_source_hash_changes_with_any_file_of_the_sources(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "vdl_hash_probe"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "scene.py").write_text("A = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(videos, "SOURCES", ("vdl_hash_probe",))
    digests = []
    for change in ("A = 1\n", "A = 2\n"):
        (package / "sub" / "scene.py").write_text(change)
        videos.source_digest.cache_clear()
        digests.append(videos.source_digest())
    (package / "sub" / "new.py").write_text("")
    videos.source_digest.cache_clear()
    digests.append(videos.source_digest())
    videos.source_digest.cache_clear()
    assert len(set(digests)) == 3


def test_the_sources_are_the_package_and_its_scenes() -> None:
    import visualdl.scenes

    assert videos.SOURCES == ("visualdl", "visualdl.scenes")
    assert (Path(visualdl.scenes.__file__).parent / "mlp_forward_backward.py").is_file()


def test_up_to_date_needs_the_same_inputs(tmp_path: Path, source, monkeypatch) -> None:
    fake_scene(tmp_path, "pooling")
    assert up_to_date(tmp_path, "pooling", "low")
    assert not up_to_date(tmp_path, "pooling", "medium")
    assert not up_to_date(tmp_path, "chain-rule", "low")  # no key file
    source("source two")
    assert not up_to_date(tmp_path, "pooling", "low")
    source("source one")
    real = videos._version
    monkeypatch.setattr(videos, "_version", lambda d: "9.9" if d == "manim" else real(d))
    assert not up_to_date(tmp_path, "pooling", "low")
    monkeypatch.setattr(videos, "_version", real)
    assert up_to_date(tmp_path, "pooling", "low")
    monkeypatch.setenv("VISUALDL_PACE", "1.5")  # a slower pace makes other videos
    assert not up_to_date(tmp_path, "pooling", "low")


@pytest.mark.parametrize("spoil", ["removed", "resized", "key-garbled", "key-removed"])
def test_up_to_date_needs_every_file_as_written(tmp_path: Path, source, spoil: str) -> None:
    fake_scene(tmp_path, "pooling")
    gif, key = tmp_path / video_files("pooling")[2], tmp_path / ".pooling.key"
    {
        "removed": lambda: gif.unlink(),
        "resized": lambda: gif.write_bytes(b"other"),
        "key-garbled": lambda: key.write_text("{not json"),
        "key-removed": lambda: key.unlink(),
    }[spoil]()
    assert not up_to_date(tmp_path, "pooling", "low")


def test_the_key_file_is_json_naming_the_files(tmp_path: Path, source) -> None:
    fake_scene(tmp_path, "pooling")
    stored = json.loads((tmp_path / ".pooling.key").read_text())
    assert stored["inputs"] == cache_inputs("pooling", "low")
    assert stored["files"] == {f: (tmp_path / f).stat().st_size for f in video_files("pooling")}


# -- the pool ---------------------------------------------------------------------------------
@pytest.fixture
def one_scene(monkeypatch: pytest.MonkeyPatch, no_latex) -> None:
    """The demo with one cheap scene and no figures."""
    monkeypatch.setattr(registry, "DEFAULT_SCENES", (CHEAP_SCENE,))
    monkeypatch.setattr(registry, "figures", lambda: [])


def stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_a_pooled_demo_renders_once_then_skips_what_is_up_to_date(
    tmp_path: Path, one_scene, source, capsys
) -> None:
    args = ["demo", "--out", str(tmp_path), "--quality", "low", "--jobs", "2"]
    assert main(args) == 0
    out = tmp_path / "videos"
    assert sorted(stamps(out)) == sorted([f".{CHEAP_SCENE}.key", *video_files(CHEAP_SCENE)])
    assert up_to_date(out, CHEAP_SCENE, "low")
    first = stamps(out)
    page = (tmp_path / "gallery" / "index.html").read_text()
    assert f'src="../videos/{CHEAP_SCENE}.mp4"' in page
    capsys.readouterr()
    assert main(args) == 0
    assert stamps(out) == first  # nothing rendered again
    assert f"{CHEAP_SCENE}.mp4: up to date" in capsys.readouterr().err
    source("the source changed")
    assert main(args) == 0
    assert all(stamps(out)[f] > first[f] for f in first)  # rendered again, key rewritten


@pytest.mark.slow
def test_an_error_in_a_worker_is_one_line(tmp_path: Path, monkeypatch, no_latex, capsys) -> None:
    monkeypatch.setattr(registry, "DEFAULT_SCENES", (CHEAP_SCENE, "no-such-scene"))
    monkeypatch.setattr(registry, "figures", lambda: [])
    assert main(["demo", "--out", str(tmp_path), "--quality", "low", "--jobs", "2"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("visualdl: error: unknown scene 'no-such-scene'; known: ")
    assert not any("Traceback" in line for line in lines)
    assert not [p for p in (tmp_path / "videos").iterdir() if p.is_dir()]  # work folders gone


STOPPED_DEMO = """
import sys
from visualdl import registry
from visualdl.cli import main
registry.DEFAULT_SCENES = ("optimizer-trajectories", "mlp-forward-backward", "pooling")
registry.figures = lambda: []
sys.exit(main(["demo", "--out", sys.argv[1], "--quality", "low", "--jobs", "2"]))
"""


def alive_in_group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that still run (zombies left out)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_stopped_demo_leaves_only_whole_files(tmp_path: Path, how: str) -> None:
    """Ctrl-C reaches the whole process group (workers too); SIGTERM only the demo."""
    from conftest import path_without_latex

    tmp = tmp_path / "tmp"  # the processes' own temporary folders go here
    tmp.mkdir()
    env = {**os.environ, "PATH": path_without_latex(), "TMPDIR": str(tmp)}
    cmd = [sys.executable, "-c", STOPPED_DEMO, str(tmp_path)]
    child = subprocess.Popen(
        cmd, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    out = tmp_path / "videos"
    deadline = time.monotonic() + 120
    while not [p for p in out.glob(".demo-*/.*-*") if p.is_dir()]:  # a worker renders
        assert time.monotonic() < deadline and child.poll() is None, child.stderr.read()
        time.sleep(0.1)
    time.sleep(1.0)
    if how == "ctrl-c":
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == (130 if how == "ctrl-c" else 143), err
    assert "Traceback" not in err and "leaked" not in err
    left = [p.name for p in out.iterdir()]
    assert not [n for n in left if n.startswith(".") and not n.endswith(".key")], left
    for name in registry.DEFAULT_SCENES:  # a scene is there whole, with its key, or not at all
        there = {f for f in video_files(name) if (out / f).exists()}
        assert there in (set(), set(video_files(name))), there
        assert (out / f".{name}.key").is_file() == bool(there)
    deadline = time.monotonic() + 10
    while alive_in_group(child.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive_in_group(child.pid) == []  # no worker left running
    assert list(tmp.iterdir()) == []  # nor a temporary folder of theirs
