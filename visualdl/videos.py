"""The demo's videos: every scene as an mp4 with a poster frame, a GIF, its slides and its
handout, rendered in parallel, and skipped when what is there is up to date.

For a scene ``NAME`` the videos folder holds (:func:`video_files`) ``NAME.mp4``,
``NAME.poster.png`` (:func:`visualdl.render.poster_from_mp4`), ``NAME.gif``
(:func:`visualdl.render.gif_from_mp4`), ``NAME.slides.html`` and ``NAME.handout.pdf``
(:mod:`visualdl.slides`, from the same render) and ``.NAME.key``, a JSON file naming what they were
made from (:func:`cache_inputs`): the scene, quality, formats, the versions of visualdl,
Python and the libraries that draw or compute (Manim, manim-slides, NumPy, SymPy, matplotlib,
PyAV, Pillow), a hash of the package's source (``visualdl`` and its scenes) and the pace setting
``$VISUALDL_PACE``. The scenes make
their traces inside ``construct`` from seeded demos of that same source, so the source and
the library versions determine the trace: it is not hashed again. A scene is skipped when its
key file names the same inputs and its files are there with the sizes it recorded.

:func:`render_scenes` renders the rest in a pool of worker processes (``spawn``: Manim is not
fork-safe) into a work folder inside the videos folder (:func:`visualdl.files.work_dir`); the
main process moves each finished file into place and writes its key file last
(:func:`visualdl.files.atomic_write`). Workers ignore ``Ctrl-C``: the main process stops them
(``SIGTERM``, which removes their own work folders) and its work folder goes with whatever
they left, so a stopped demo leaves only whole, up-to-date files. An error in a worker is
raised again in the main process, as if the scene had been rendered there.

Example
-------
>>> video_files("pooling")
('pooling.mp4', 'pooling.poster.png', 'pooling.gif', 'pooling.slides.html', 'pooling.handout.pdf')
>>> cache_inputs("pooling", "low")["quality"]
'low'
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from visualdl.files import atomic_write, move_into, work_dir, writable_dir

__all__ = [
    "Progress",
    "cache_inputs",
    "render_scenes",
    "source_digest",
    "up_to_date",
    "video_files",
]

#: What each scene's entry in the videos folder is made of, after its name (and the cache key's).
FILES = ("mp4", "poster.png", "gif", "slides.html", "handout.pdf")
FORMATS = "+".join(FILES)
#: The slides each scene gets beside its video (:data:`visualdl.slides.FILES`).
SLIDES = ("html", "pdf")
#: The libraries whose versions are part of the cache key (they draw, encode or compute).
LIBRARIES = ("manim", "manim-slides", "numpy", "sympy", "matplotlib", "av", "pillow")
#: The packages whose source is hashed into the cache key (not the gallery: no scene uses it).
SOURCES = ("visualdl", "visualdl.scenes")


def video_files(name: str) -> tuple[str, ...]:
    """The file names of scene ``name`` in the videos folder: video, poster, GIF, slides,
    handout (:data:`FILES`)."""
    return tuple(f"{name}.{ext}" for ext in FILES)


def _key_file(out: Path, name: str) -> Path:
    return out / f".{name}.key"


@lru_cache(maxsize=1)
def source_digest() -> str:
    """SHA-256 over the path and bytes of every file of :data:`SOURCES` (caches left out)."""
    digest = hashlib.sha256()
    for package in SOURCES:
        spec = importlib.util.find_spec(package)
        for root in spec.submodule_search_locations or ():
            for path in sorted(Path(root).rglob("*")):
                rel = path.relative_to(root)
                if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
                    digest.update(f"{package}/{rel.as_posix()}\0".encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def cache_inputs(name: str, quality: str) -> dict[str, str]:
    """Everything scene ``name``'s files at ``quality`` are made from (see the module)."""
    return {
        "scene": name,
        "quality": quality,
        "formats": FORMATS,
        "visualdl": _version("visualdl"),
        "python": sys.version.split()[0],
        **{lib: _version(lib) for lib in LIBRARIES},
        "source": source_digest(),
        "pace": os.environ.get("VISUALDL_PACE", ""),  # visualdl.anim.pace.ENV_VAR: the holds
    }


def _key(inputs: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def up_to_date(out: str | os.PathLike, name: str, quality: str) -> bool:
    """Whether ``out`` holds scene ``name``'s files made from the current inputs at ``quality``
    (its key file matches and every file is there with the size it recorded)."""
    out = Path(out)
    try:
        stored = json.loads(_key_file(out, name).read_text())
        if stored["key"] != _key(cache_inputs(name, quality)):
            return False
        return all((out / f).stat().st_size == size for f, size in stored["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _write_key(out: Path, name: str, quality: str) -> None:
    inputs = cache_inputs(name, quality)
    files = {f: (out / f).stat().st_size for f in video_files(name)}
    with atomic_write(_key_file(out, name)) as tmp:
        tmp.write_text(json.dumps({"key": _key(inputs), "inputs": inputs, "files": files}))


# -- progress ------------------------------------------------------------------------------------
class Progress:
    """The demo's progress on stderr (tqdm): one bar over the whole demo (``total`` steps:
    each scene and each figure), one bar per scene being rendered (its animations counted),
    and lines written above them. With ``show=False`` nothing is printed."""

    def __init__(self, total: int, show: bool = True, desc: str = "demo") -> None:
        self.show = show
        self._scenes: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._bar = None
        if show:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=" step", file=sys.stderr)

    def start(self, name: str, desc: str) -> None:
        """A bar for scene ``name``'s animations."""
        if self.show:
            from tqdm import tqdm

            with self._lock:
                self._scenes[name] = tqdm(
                    desc=desc, unit=" animations", file=sys.stderr, leave=False
                )

    def tick(self, name: str) -> None:
        """One more animation of scene ``name``."""
        with self._lock:
            bar = self._scenes.get(name)
            if bar is not None:
                bar.update()

    def done(self, line: str, name: str | None = None) -> None:
        """One step of the demo done (scene ``name``'s bar closed), ``line`` written."""
        with self._lock:
            bar = self._scenes.pop(name, None) if name else None
            if bar is not None:
                bar.close()
            if self._bar is not None:
                self._bar.update()
        self.write(line)

    def write(self, line: str) -> None:
        """Write ``line`` on stderr above the bars."""
        if self.show:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stderr)

    def close(self) -> None:
        with self._lock:
            for bar in self._scenes.values():
                bar.close()
            self._scenes.clear()
            if self._bar is not None:
                self._bar.close()
                self._bar = None


# -- one scene ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Done:
    name: str
    seconds: float


def _make_scene(name: str, quality: str, stage: Path, tick: Callable[[], object]) -> _Done:
    """Render ``name`` into ``stage`` (the demo's work folder, so a half-written file there
    is never used), its slides and handout from the same render, and derive its poster and
    GIF there."""
    from visualdl.render import gif_from_mp4, poster_from_mp4, render
    from visualdl.slides import write_slides

    start = time.perf_counter()
    mp4, poster, gif = (stage / f for f in video_files(name)[:3])
    render(
        name,
        quality=quality,
        fmt="mp4",
        out=stage,
        progress=tick,
        then=lambda scene: write_slides(scene, name, SLIDES, stage),
    )
    poster_from_mp4(mp4, poster)
    gif_from_mp4(mp4, gif)
    return _Done(name, time.perf_counter() - start)


#: In a worker process: the queue to the main process's :class:`Progress`.
_events: Any = None
#: In a worker process: set once it was stopped; it then takes on no other scene.
_stopped = False


def _worker_init(events: Any) -> None:
    """A worker ignores ``Ctrl-C`` (the main process stops it with ``SIGTERM``) and reports
    its progress on ``events``."""
    global _events
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _events = events


def _worker(name: str, quality: str, stage: str) -> _Done:
    """What a worker process runs for one scene. Once stopped by ``SIGTERM`` (its work
    folder removed on the way) it refuses the scenes already queued to it, so the pool's
    shutdown ends it soon, normally: its per-process folders are removed at exit."""
    global _stopped
    if _stopped:
        raise SystemExit(143)
    _events.put(("start", name, os.getpid()))
    try:
        return _make_scene(name, quality, Path(stage), lambda: _events.put(("tick", name, None)))
    except SystemExit:
        _stopped = True
        raise


# -- many scenes ----------------------------------------------------------------------------------
def render_scenes(
    names: Iterable[str],
    quality: str,
    out: str | os.PathLike,
    jobs: int | None = None,
    progress: Progress | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[Path]:
    """Make the files of the scenes ``names`` at ``quality`` in the videos folder ``out``,
    skipping those :func:`up_to_date`; returns the videos' paths, in the order of ``names``.

    ``jobs`` worker processes render at once (default ``os.cpu_count()``); with ``jobs=1``
    the scenes render one by one in this process (no pool: the recorded traces stay here).
    ``meanwhile`` runs in this process while the workers render (with ``jobs=1``: before the
    scenes). ``progress`` gets a step per scene and a bar per scene being rendered.
    """
    names = list(names)
    out = writable_dir(out)
    jobs = jobs or os.cpu_count() or 1
    progress = progress or Progress(len(names), show=False)
    todo = []
    for name in names:
        if up_to_date(out, name, quality):
            progress.done(f"video {out / video_files(name)[0]}: up to date", name)
        else:
            todo.append(name)
    desc = f"({quality})"
    with work_dir(out, ".demo-") as stage:
        if jobs == 1 or not todo:
            if meanwhile is not None:
                meanwhile()
            for name in todo:
                progress.start(name, f"{name} {desc}")
                done = _make_scene(name, quality, stage, lambda n=name: progress.tick(n))
                _publish(done, quality, stage, out, progress)
        else:
            _in_pool(todo, quality, stage, out, min(jobs, len(todo)), progress, meanwhile, desc)
    return [out / video_files(name)[0] for name in names]


def _publish(done: _Done, quality: str, stage: Path, out: Path, progress: Progress) -> None:
    """Move a finished scene's files from ``stage`` into ``out``; its key file last."""
    for f in video_files(done.name):
        move_into(stage / f, out / f)
    _write_key(out, done.name, quality)
    progress.done(f"video {out / video_files(done.name)[0]} ({done.seconds:.1f} s)", done.name)


class _Workers:
    """Which worker process renders which scene, as their events and results tell."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pids: dict[str, int] = {}
        self._ended: set[str] = set()

    def started(self, name: str, pid: int) -> bool:
        """Note the worker of ``name``; ``False`` when its result came already (late event)."""
        with self._lock:
            if name in self._ended:
                return False
            self._pids[name] = pid
            return True

    def ended(self, name: str) -> None:
        with self._lock:
            self._ended.add(name)
            self._pids.pop(name, None)

    def stop(self) -> None:
        """``SIGTERM`` to every worker still rendering: it removes its work folder and ends."""
        with self._lock:
            for pid in self._pids.values():
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass


def _in_pool(
    todo: list[str],
    quality: str,
    stage: Path,
    out: Path,
    jobs: int,
    progress: Progress,
    meanwhile: Callable[[], object] | None,
    desc: str,
) -> None:
    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    workers = _Workers()
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init, initargs=(events,))
    try:
        with _listening(events, progress, workers, desc):
            futures = {pool.submit(_worker, n, quality, str(stage)): n for n in todo}
            if meanwhile is not None:
                meanwhile()
            pending: set[Future] = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    workers.ended(futures[future])
                    _publish(future.result(), quality, stage, out, progress)  # errors raise here
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        workers.stop()
        pool.shutdown(wait=True)
        events.close()


@contextmanager
def _listening(events: Any, progress: Progress, workers: _Workers, desc: str) -> Iterator[None]:
    """While the block runs, a thread moves the workers' events onto ``progress``."""
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                kind, name, pid = events.get(timeout=0.1)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                return
            if kind == "start" and workers.started(name, pid):
                progress.start(name, f"{name} {desc}")
            elif kind == "tick":
                progress.tick(name)

    thread = threading.Thread(target=listen, name="visualdl-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
