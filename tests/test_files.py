"""Files: output folders checked before work, work folders that never outlive their owner, and
a formula cache that another user cannot poison."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from visualdl import files
from visualdl.files import OWNER_FILE, private_dir, read_own_file, work_dir, writable_dir

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")
NOT_ROOT = pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def plant(out: Path, name: str, pid: int | None, key: str | None = None) -> Path:
    """A work folder as a (possibly killed) process ``pid`` leaves it; no owner file if None."""
    folder = out / name
    folder.mkdir(parents=True)
    (folder / "frame.png").write_bytes(b"half")
    if pid is not None:
        (folder / OWNER_FILE).write_text(json.dumps({"pid": pid, "key": key}))
    return folder


# -- output folders -----------------------------------------------------------------------------
def test_writable_dir_makes_missing_folders_and_leaves_nothing(tmp_path: Path) -> None:
    assert writable_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert list((tmp_path / "a" / "b").iterdir()) == []


@pytest.mark.parametrize(
    "where, words",
    [
        ("file", "is a file, not a folder"),
        ("file/sub", "Not a directory"),
        ("x" * 300, "File name too long"),
        ("/proc/visualdl-out", "cannot create files in this folder"),
    ],
)
def test_writable_dir_names_the_folder_and_the_reason(tmp_path: Path, where, words) -> None:
    (tmp_path / "file").write_text("not a folder")
    out = tmp_path / where
    with pytest.raises(OSError) as err:
        writable_dir(out)
    assert err.value.filename == str(out) and words in err.value.strerror


@NOT_ROOT
def test_writable_dir_refuses_a_read_only_folder(tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir(mode=0o500)
    with pytest.raises(PermissionError, match="cannot create files"):
        writable_dir(tmp_path / "ro")


# -- work folders -------------------------------------------------------------------------------
def test_work_dir_is_owned_and_removed_after_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), work_dir(tmp_path, ".job-") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".job-")
        assert json.loads((tmp / OWNER_FILE).read_text())["pid"] == os.getpid()
        (tmp / "half.mp4").write_bytes(b"x")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_stale_folders_of_dead_owners_go_and_live_ones_stay(tmp_path: Path) -> None:
    dead = plant(tmp_path, ".chain-rule-dead", dead_pid())
    alive = plant(tmp_path, ".chain-rule-alive", os.getpid(), files._process_key(os.getpid()))
    unowned = plant(tmp_path, ".tmp-unowned", None)  # being made right now, or not ours
    with work_dir(tmp_path, ".chain-rule-") as tmp:
        assert not dead.exists()
        assert alive.exists() and unowned.exists() and tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, unowned.name]


@pytest.mark.skipif(files._process_key(os.getpid()) is None, reason="needs /proc")
def test_a_reused_pid_does_not_keep_a_stale_folder(tmp_path: Path) -> None:
    reused = plant(tmp_path, ".tmp-reused", os.getpid(), "another-boot 12345")
    assert files.remove_stale(tmp_path) == [reused]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_handlers_are_installed_inside_and_restored(tmp_path: Path, sig) -> None:
    before = signal.getsignal(sig)
    with work_dir(tmp_path, ".job-"):
        assert signal.getsignal(sig) is not before
    assert signal.getsignal(sig) is before


def test_work_dir_works_off_the_main_thread(tmp_path: Path) -> None:
    made: list[Path] = []

    def job() -> None:
        with work_dir(tmp_path, ".job-") as tmp:
            made.append(tmp)

    t = threading.Thread(target=job)
    t.start()
    t.join()
    assert made and list(tmp_path.iterdir()) == []


WORKER = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from visualdl import files
    out, mode = Path(sys.argv[1]), sys.argv[2]
    files.STOP_GRACE_S = 0.5
    if mode == "hang":  # a worker thread that a stop leaves waiting (Manim's encoder can)
        threading.Thread(target=threading.Event().wait).start()
    with files.work_dir(out, ".job-") as tmp:
        (tmp / "partial.mp4").write_bytes(b"x")
        print(files.process_dir("visualdl-test-"), flush=True)
        try:
            time.sleep(60)
        except SystemExit:
            if mode != "lost":
                raise  # "lost": as Python drops an exception raised in a __del__
        files.move_into(tmp / "partial.mp4", out / "whole.mp4")
    """
)


def start_worker(out: Path, mode: str = "plain") -> tuple[subprocess.Popen, Path]:
    """A process working in a work folder in ``out``, and its per-process folder."""
    child = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(out), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    own = Path(child.stdout.readline().strip())
    assert own.is_dir(), child.stderr.read()
    return child, own


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, -signal.SIGINT)])
def test_an_interrupted_worker_removes_its_folders(tmp_path: Path, sig, code) -> None:
    child, own = start_worker(tmp_path)
    child.send_signal(sig)
    assert child.wait(timeout=30) == code  # SIGINT: KeyboardInterrupt
    assert list(tmp_path.iterdir()) == [] and not own.exists()


def test_a_stop_lost_in_a_finalizer_still_stops_before_the_result_moves(tmp_path: Path) -> None:
    child, own = start_worker(tmp_path, "lost")
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 143
    assert list(tmp_path.iterdir()) == [] and not own.exists()


def test_a_thread_left_waiting_does_not_hold_a_terminated_process(tmp_path: Path) -> None:
    child, own = start_worker(tmp_path, "hang")
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 143  # ended STOP_GRACE_S after the signal
    assert list(tmp_path.iterdir()) == [] and not own.exists()


def test_a_killed_workers_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    child, own = start_worker(tmp_path)
    child.kill()
    child.wait(timeout=30)
    (left,) = tmp_path.iterdir()
    assert (left / "partial.mp4").exists()
    with work_dir(tmp_path, ".job-"):
        assert not left.exists()
    assert list(tmp_path.iterdir()) == []
    shutil.rmtree(own)  # a killed process cannot remove its own temporary folder


def test_a_live_workers_folder_survives_a_parallel_run(tmp_path: Path) -> None:
    child, _ = start_worker(tmp_path)
    try:
        (theirs,) = tmp_path.iterdir()
        with work_dir(tmp_path, ".job-"):
            pass
        assert (theirs / "partial.mp4").exists()
    finally:
        child.terminate()
        child.wait(timeout=30)
    assert list(tmp_path.iterdir()) == []


# -- private folders and files ------------------------------------------------------------------
def test_private_dir_is_made_with_mode_700(tmp_path: Path) -> None:
    path = private_dir(tmp_path / "cache")
    assert (path.stat().st_mode & 0o777) == 0o700
    assert private_dir(path) == path  # trusted the second time


def test_private_dir_refuses_a_symlink_and_a_folder_others_can_write(tmp_path: Path) -> None:
    private_dir(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(PermissionError, match="not a private folder"):
        private_dir(tmp_path / "link")
    (tmp_path / "open").mkdir()
    (tmp_path / "open").chmod(0o777)
    with pytest.raises(PermissionError, match="not a private folder"):
        private_dir(tmp_path / "open")


@ROOT_ONLY
def test_private_dir_refuses_someone_elses_folder(tmp_path: Path) -> None:
    (tmp_path / "theirs").mkdir(mode=0o700)
    os.chown(tmp_path / "theirs", 12345, 12345)
    with pytest.raises(PermissionError, match="not a private folder"):
        private_dir(tmp_path / "theirs")


def test_read_own_file_reads_only_regular_files_of_ours(tmp_path: Path) -> None:
    (tmp_path / "f.svg").write_bytes(b"<?xml ok")
    (tmp_path / "link.svg").symlink_to(tmp_path / "f.svg")
    os.mkfifo(tmp_path / "fifo.svg")
    assert read_own_file(tmp_path / "f.svg") == b"<?xml ok"
    assert read_own_file(tmp_path / "link.svg") is None
    assert read_own_file(tmp_path / "fifo.svg") is None  # and does not block
    assert read_own_file(tmp_path / "missing.svg") is None


# -- the formula cache --------------------------------------------------------------------------
@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("manim")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    return tmp_path / "cache-home"


def test_formula_cache_is_private_per_user(cache_home: Path, no_latex) -> None:
    from visualdl.anim.formula import cache_dir, formula_path

    tex = rf"c = {len(str(cache_home))} + \sigma(z)"
    local = formula_path(tex)
    cache = cache_dir()
    assert cache == cache_home / "visualdl" / "mathtext"
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert (cache / local.name).read_bytes() == local.read_bytes()
    assert local.parent != cache  # Manim writes beside the file it loads: not in the cache


def test_planted_symlinks_in_the_cache_are_replaced_not_followed(
    cache_home: Path, tmp_path: Path, no_latex
) -> None:
    from visualdl.anim import formula as fm

    tex = rf"\frac{{\partial L}}{{\partial w_{{{tmp_path.name[-6:]}}}}}"
    name = fm.svg_name(tex)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    cache = fm.cache_dir()
    (cache / name).symlink_to(victim)  # where the formula would be cached
    (cache / name.replace(".svg", "_.svg")).symlink_to(victim)  # where Manim would write beside it
    mob = fm.formula(tex)
    assert victim.read_text() == "precious"
    assert not (cache / name).is_symlink()
    assert read_own_file(cache / name).startswith(b"<?xml")
    with pytest.MonkeyPatch.context() as mp:  # the same formula made with no cache at all
        mp.setattr(fm, "cache_dir", lambda: None)
        mp.setattr(fm, "_process_dir", lambda pid: Path(tmp_path / "fresh"))
        (tmp_path / "fresh").mkdir()
        fresh = fm.formula(tex)
    assert len(mob.family_members_with_points()) == len(fresh.family_members_with_points())
    assert mob.width == pytest.approx(fresh.width) and mob.height == pytest.approx(fresh.height)


@pytest.mark.parametrize("spoil", ["symlink", "world-writable"])
def test_an_untrusted_cache_folder_is_not_used(
    cache_home: Path, tmp_path: Path, spoil: str, no_latex
) -> None:
    from visualdl.anim.formula import cache_dir, formula

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "mathtext").mkdir(parents=True, mode=0o700)
    cache_home.mkdir()
    if spoil == "symlink":
        (cache_home / "visualdl").symlink_to(elsewhere)
    else:
        (cache_home / "visualdl" / "mathtext").mkdir(parents=True, mode=0o700)
        (cache_home / "visualdl" / "mathtext").chmod(0o777)
    assert cache_dir() is None
    assert formula(rf"u_{{{spoil[0]}}} = 1").height > 0  # made afresh, not cached
    assert list((elsewhere / "mathtext").iterdir()) == []


@ROOT_ONLY
def test_a_cached_formula_someone_else_owns_is_rewritten(cache_home: Path, no_latex) -> None:
    from visualdl.anim import formula as fm

    tex = r"v_{owned} = 2"
    first = fm.formula_path(tex)
    cached = fm.cache_dir() / first.name
    cached.write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
    os.chown(cached, 12345, 12345)
    first.unlink()  # as if a new process
    assert fm.formula_path(tex).stat().st_size > 1000
    assert cached.stat().st_uid == os.geteuid()
