"""Writing files so that nothing half-written, stale or planted is ever used.

- :func:`atomic_write`: a file appears whole or not at all.
- :func:`writable_dir`: an output folder checked before any work starts.
- :func:`work_dir`: a temporary work folder inside an output folder, owned by this process,
  removed when the work ends (also on ``SIGINT`` and ``SIGTERM``) and, after a ``SIGKILL``,
  by the next run in the same folder once its owner is gone; :func:`move_into` moves its
  results into place.
- :func:`process_dir`: a private temporary folder that lives as long as this process.
- :func:`private_dir`, :func:`read_own_file`: a per-user cache that another user cannot
  poison (no symlinks followed, owner and mode checked).

Example
-------
>>> import pathlib, tempfile
>>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> with atomic_write(target) as tmp:
...     _ = tmp.write_text("done")
>>> target.read_text()
'done'
>>> with work_dir(target.parent, ".job-") as tmp:
...     tmp.name.startswith(".job-")
True
>>> sorted(p.name for p in target.parent.iterdir())
['note.txt']
"""

from __future__ import annotations

import atexit
import errno
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "OWNER_FILE",
    "atomic_write",
    "move_into",
    "private_dir",
    "process_dir",
    "read_own_file",
    "remove_stale",
    "user_cache",
    "work_dir",
    "writable_dir",
]

#: the file inside a :func:`work_dir` that names the process working there
OWNER_FILE = ".visualdl-owner"


def _default_mode() -> int:
    """0o666 less the process umask: the mode ``open()`` would give a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _default_mode()


@contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, rename it onto ``path``.

    If the block raises, the temporary file is removed and ``path`` is left as it was. The
    rename replaces whatever ``path`` was (a symlink is replaced, never followed).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def writable_dir(out: str | os.PathLike) -> Path:
    """Make the folder ``out`` (and its parents) when missing and check that this process can
    create files in it; returns it as a ``Path``.

    Raises an ``OSError`` whose ``filename`` is ``out`` and whose ``strerror`` says what is
    wrong (a file in the way, no permission, a name too long, a read-only or virtual file
    system): the check to run before any long work.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=out))
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(out)) from None
    except OSError as err:
        why = f"cannot create files in this folder ({err.strerror or err})"
        raise OSError(err.errno, why, str(out)) from err
    return out


# -- work folders -------------------------------------------------------------------------------
def _process_key(pid: int) -> str | None:
    """``"<boot id> <start time>"`` of process ``pid`` (Linux), telling a live process from a
    later one that reuses its number; ``None`` where ``/proc`` does not say."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{boot} {fields[19]}"  # field 22 of stat: start time since boot, in clock ticks


def _owner_alive(owner: Path) -> bool:
    """Whether the process an owner file names still runs; ``True`` when in doubt (a file
    that cannot be read or parsed, a process of another user)."""
    try:
        stamp = json.loads(owner.read_text())
        pid, key = int(stamp["pid"]), stamp.get("key")
    except (OSError, ValueError, TypeError, KeyError):
        return True
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    now = _process_key(pid)
    return key is None or now is None or now == key


def remove_stale(out: Path) -> list[Path]:
    """Remove the work folders in ``out`` whose owner process is gone (killed before it could
    clean up); returns them. Folders without an owner file, or whose owner lives, are kept."""
    removed = []
    for entry in out.glob(".*"):
        owner = entry / OWNER_FILE
        if entry.is_dir() and not entry.is_symlink() and owner.is_file():
            if not _owner_alive(owner):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


#: the signals a work folder's handlers have caught and not yet acted on
_caught: list[int] = []
#: what each signal handled inside a work folder did before (its default: stop the program)
_DEFAULTS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
#: how long a process stopped by ``SIGTERM`` may take to end before it is ended at once
STOP_GRACE_S = 5.0
#: folders to remove however this process ends (open work folders, per-process folders),
#: each with the id of the process that made it
_doomed: dict[Path, int] = {}


def _remove_doomed() -> None:
    for path, pid in list(_doomed.items()):
        if pid == os.getpid():  # not a forked child's business
            shutil.rmtree(path, ignore_errors=True)
            _doomed.pop(path, None)


atexit.register(_remove_doomed)


def process_dir(prefix: str) -> Path:
    """A new private folder (mode 0700) in the system's temporary folder, removed when this
    process ends (normally, or by ``SIGTERM`` during a :func:`work_dir`)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _doomed[path] = os.getpid()
    return path


def _hard_exit(code: int) -> None:
    _remove_doomed()
    os._exit(code)


def _end_within(code: int, seconds: float) -> None:
    """End this process with ``code`` if it still runs after ``seconds``: a library's worker
    thread that the stop left waiting (Manim's encoder) must not hold the exit forever."""
    timer = threading.Timer(seconds, _hard_exit, (code,))
    timer.daemon = True
    timer.start()


def _stop_error(signum: int) -> BaseException:
    """``KeyboardInterrupt`` for ``SIGINT``, ``SystemExit(128 + signum)`` otherwise."""
    return KeyboardInterrupt() if signum == signal.SIGINT else SystemExit(128 + signum)


def _on_signal(signum: int, frame: object) -> None:
    if signum == signal.SIGTERM and signum not in _caught:  # a request to end: no way back
        _end_within(128 + signum, STOP_GRACE_S)
    _caught.append(signum)
    raise _stop_error(signum)


def _raise_if_stopped() -> None:
    """Raise the exception of a signal caught inside a :func:`work_dir` and lost on the way
    (raised where Python ignores exceptions: a ``__del__``, a weakref callback)."""
    if _caught:
        raise _stop_error(_caught[0])


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Inside the block ``SIGINT`` and ``SIGTERM`` raise (``KeyboardInterrupt``,
    ``SystemExit(143)``), so ``finally`` clauses run, and are remembered for
    :func:`_raise_if_stopped`. Only in the main thread, and only for a signal that has its
    default action; the previous handlers are restored at the end. After ``SIGTERM`` the
    process ends within :data:`STOP_GRACE_S` seconds, its folders removed, whatever hangs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ours = [s for s, default in _DEFAULTS.items() if signal.getsignal(s) is default]
    if not ours:
        yield
        return
    _caught.clear()  # the outermost work folder: what earlier ones caught is done with
    for s in ours:
        signal.signal(s, _on_signal)
    hook, sys.unraisablehook = sys.unraisablehook, _quiet_about_stops(sys.unraisablehook)
    try:
        yield
    finally:
        sys.unraisablehook = hook
        for s in ours:
            signal.signal(s, _DEFAULTS[s])


def _quiet_about_stops(hook: Callable[[Any], None]) -> Callable[[Any], None]:
    """``hook``, except for the stop a signal raised where Python can only report it (a
    ``__del__``, a weakref callback): that one is remembered (:func:`_raise_if_stopped`) and
    raised again, so its "Exception ignored" traceback would only alarm."""

    def report(unraisable: Any) -> None:
        if not (_caught and isinstance(unraisable.exc_value, KeyboardInterrupt | SystemExit)):
            hook(unraisable)

    return report


def move_into(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Move a finished file from a :func:`work_dir` onto ``dest`` with ``os.replace`` (atomic
    on one file system), unless the work was stopped by a signal meanwhile."""
    _raise_if_stopped()
    os.replace(src, dest)


@contextmanager
def work_dir(out: str | os.PathLike, prefix: str) -> Iterator[Path]:
    """Yield a new private folder ``out/<prefix>XXXXXXXX`` (on the same file system as the
    results, so they can be moved into ``out`` atomically); it is removed when the block ends,
    however it ends: an exception, ``Ctrl-C`` or ``SIGTERM`` (see :func:`_signals_raise`).
    Move results out of it with :func:`move_into`.

    ``out`` is made when missing (:func:`writable_dir`). The folder holds an owner file
    (:data:`OWNER_FILE`: this process's id and start time), so that a later work folder in
    ``out`` removes it if this process is killed outright (:func:`remove_stale`), while the
    work folders of other live processes (parallel renders) are never touched.
    """
    out = writable_dir(out)
    with _signals_raise():
        remove_stale(out)
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=out))
        _doomed[tmp] = os.getpid()
        try:
            stamp = {"pid": os.getpid(), "key": _process_key(os.getpid())}
            (tmp / OWNER_FILE).write_text(json.dumps(stamp))
            yield tmp
            _raise_if_stopped()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            _doomed.pop(tmp, None)


# -- private caches -----------------------------------------------------------------------------
def private_dir(path: str | os.PathLike) -> Path:
    """Make the folder ``path`` with mode 0700 (its parent must exist), or check the one
    there: a real folder, not a symlink, owned by this user, writable by no one else.

    Raises ``PermissionError`` naming ``path`` when the folder there cannot be trusted.
    """
    path = Path(path)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if (
        not stat.S_ISDIR(st.st_mode)
        or st.st_uid != os.geteuid()
        or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise PermissionError(
            errno.EPERM,
            "not a private folder of this user (a symlink, someone else's, or writable by others)",
            str(path),
        )
    return path


def user_cache(name: str) -> Path:
    """This user's private cache folder ``$XDG_CACHE_HOME/visualdl/NAME`` (``~/.cache`` when
    the variable is unset), made with mode 0700 (:func:`private_dir`, which raises
    ``PermissionError`` when a folder there cannot be trusted)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    base.mkdir(parents=True, exist_ok=True)
    return private_dir(private_dir(base / "visualdl") / name)


def read_own_file(path: str | os.PathLike) -> bytes | None:
    """The bytes of ``path`` when it is a regular file owned by this user, read without
    following a symlink; ``None`` otherwise (missing, a symlink, a FIFO, someone else's)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            return None
        return f.read()
