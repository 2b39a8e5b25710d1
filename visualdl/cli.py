"""The ``visualdl`` command.

    visualdl [--debug] list [--json]
    visualdl [--debug] render NAME [--quality low|medium|high] [--format mp4|gif|png] [--out DIR]
    visualdl [--debug] gallery [--out DIR]
    visualdl [--debug] verify [--json]
    visualdl [--debug] slides NAME|--all [--to html pdf pptx] [--quality ...] [--out DIR]
    visualdl [--debug] demo [--out DIR] [--quality low|medium|high] [--jobs N]
    visualdl [--debug] bench [NAME ...] [--quick] [--json]
    visualdl [--debug] exercise list [--json] | show NAME [--starter] |
                       check NAME FILE.py [--json] | status [--json]

Every failure prints one line on stderr, ``visualdl: error: ...``, naming what to change, and
no traceback (``--debug`` shows it): a user mistake (unknown name, bad option, an empty
``--out``, a bad ``$VISUALDL_BACKEND``) exits 2; a failure at run time (an output folder that
cannot be written, a backend this machine cannot run, a ``ValueError``/``KeyError`` of the
library, a floating-point error) exits 1. The backend and the output folders are checked
before any work starts. ``demo`` renders its scenes in ``--jobs`` worker processes (an error in
one is reported as if it happened here) and skips the scenes whose files are up to date
(:mod:`visualdl.videos`). ``Ctrl-C`` exits 130 and a closed stdout (``visualdl list | head -1``)
141, quietly.

Another entry point (``python -m visualdl.gallery``) reports the same way by building its
parser with :func:`new_parser`, its options with :func:`out_dir`, and running with :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from visualdl import registry
from visualdl.files import writable_dir
from visualdl.render import FORMATS, QUALITIES  # Manim is imported only when rendering

__all__ = ["UsageError", "check_backend", "check_pace", "main", "new_parser", "out_dir", "run"]


class UsageError(Exception):
    """A mistake in how the command was called: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes raise :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _CommandParser(_Parser):
    """A sub-command's parser: its mistakes name the command (``render: ...``)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog.rsplit(' ', 1)[-1]}: {message}")


def new_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An entry point's parser for :func:`run`: a mistake is a :class:`UsageError`, and it
    takes ``--debug`` (show the traceback of a failure)."""
    p = _Parser(prog=prog, description=description)
    p.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    return p


def out_dir(text: str) -> Path:
    """The ``type`` of an ``--out`` option: the folder as a ``Path``; an empty or blank name
    is a usage error (it would silently mean the current folder, or one named by spaces)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a folder name, got {text!r}")
    return Path(text)


def _cmd_list(args: argparse.Namespace) -> int:
    entries = list(registry.ENTRIES.values())
    if args.json:
        print(json.dumps([{"name": e.name, "kind": e.kind, "title": e.title} for e in entries]))
        return 0
    width = max(len(e.name) for e in entries)
    for e in entries:
        print(f"{e.name:<{width}}  {e.kind:<6}  {e.title}")
    return 0


def _scene(name: str) -> registry.Entry:
    try:
        return registry.get(name, "scene")
    except KeyError as err:
        raise UsageError(err.args[0]) from None


def _cmd_render(args: argparse.Namespace) -> int:
    entry = _scene(args.name)
    from visualdl.render import render

    path = render(entry.name, quality=args.quality, fmt=args.format, out=args.out)
    print(path)
    return 0


def _cmd_slides(args: argparse.Namespace) -> int:
    from visualdl.render import destination
    from visualdl.slides import make_slides, slide_files

    if (args.name is None) == (not args.all):
        raise UsageError("slides: expected a scene NAME or --all (see `visualdl list`)")
    names = registry.DEFAULT_SCENES if args.all else (_scene(args.name).name,)
    formats = list(dict.fromkeys(args.to))
    for name in names:  # every output checked before any work
        for file in slide_files(name, formats):
            destination(name, file.removeprefix(f"{name}."), args.out)
    for name in names:
        for path in make_slides(name, formats, args.out, args.quality):
            print(path)
    return 0


def _cmd_gallery(args: argparse.Namespace) -> int:
    from visualdl.gallery import build

    print(build(args.out))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from visualdl.verify import format_table, run_all, to_json

    rows = run_all()
    print(to_json(rows) if args.json else format_table(rows))
    return 0 if all(r.passed for r in rows) else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    from visualdl import bench

    unknown = [n for n in args.names if n not in bench.NAMES]
    if unknown:
        raise UsageError(
            f"bench: unknown benchmark {unknown[0]!r}; one of {', '.join(bench.NAMES)}"
        )
    report = bench.run(args.names, quick=args.quick)
    print(json.dumps(report) if args.json else bench.table(report))
    return 0 if bench.agree(report) else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from visualdl import gallery
    from visualdl.render import destination
    from visualdl.videos import Progress, render_scenes, video_files

    out = writable_dir(args.out)
    videos, pages = out / "videos", out / "gallery"
    for name in registry.DEFAULT_SCENES:  # before the gallery's work, not after it
        for file in video_files(name):
            destination(name, file.removeprefix(f"{name}."), videos)
    writable_dir(pages)
    progress = Progress(len(registry.DEFAULT_SCENES) + len(registry.figures()))
    figures: list = []

    def make_figures() -> None:  # while the workers render the scenes
        figures.extend(gallery.make_figures(pages, report=progress.done))

    try:
        paths = render_scenes(
            registry.DEFAULT_SCENES, args.quality, videos, args.jobs, progress, make_figures
        )
    finally:
        progress.close()
    index = gallery.write_index(pages, figures, videos)
    print(f"gallery: {index}")
    for path in paths:
        print(f"video:   {path}")
    return 0


def _exercise(name: str):
    from visualdl import exercises

    try:
        return exercises.get(name)
    except KeyError as err:  # a name the user typed: a usage mistake
        raise UsageError(err.args[0]) from None


def _cmd_exercise_list(args: argparse.Namespace) -> int:
    from visualdl.exercises import EXERCISES, progress

    done = progress.passed()
    rows = [
        {"name": e.name, "chapter": e.chapter, "title": e.title, "passed": e.name in done}
        for e in EXERCISES.values()
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    width = max(len(r["name"]) for r in rows)
    for chapter in registry.CHAPTERS:
        print(chapter)
        for r in (r for r in rows if r["chapter"] == chapter):
            print(f"  {'✓' if r['passed'] else ' '} {r['name']:<{width}}  {r['title']}")
    return 0


def _cmd_exercise_show(args: argparse.Namespace) -> int:
    from visualdl import exercises

    ex = _exercise(args.name)
    print(ex.starter if args.starter else exercises.show(ex.name), end="")
    return 0


def _cmd_exercise_check(args: argparse.Namespace) -> int:
    from visualdl import exercises

    ex = _exercise(args.name)
    if not args.file.is_file():
        raise UsageError(
            f"check: expected a Python file with def {ex.function}(...), got {str(args.file)!r}"
        )
    result = exercises.check_file(ex.name, args.file)
    print(json.dumps(result.to_json()) if args.json else result.message)
    return 0 if result.passed else 1


def _cmd_exercise_status(args: argparse.Namespace) -> int:
    from visualdl.exercises import EXERCISES, progress

    done = {k: v for k, v in progress.passed().items() if k in EXERCISES}
    if args.json:
        print(json.dumps({"passed": done, "total": len(EXERCISES), "file": str(progress.path())}))
        return 0
    print(f"{len(done)} of {len(EXERCISES)} exercises passed ({progress.path()})")
    for name, when in done.items():
        print(f"  ✓ {name}  {when}")
    return 0


def _exercise_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exercise", help="exercises a learner can check (list, show, check)")
    actions = p.add_subparsers(dest="action", parser_class=_CommandParser)
    p.set_defaults(run=lambda args: _missing_action())
    s = actions.add_parser("list", help="every exercise, by chapter, ✓ when passed")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.set_defaults(run=_cmd_exercise_list)
    s = actions.add_parser("show", help="the task and the code to start from")
    s.add_argument("name", help="exercise name (see `visualdl exercise list`)")
    s.add_argument("--starter", action="store_true", help="print only the starter code")
    s.set_defaults(run=_cmd_exercise_show)
    s = actions.add_parser("check", help="check your function; exit 1 when it is wrong")
    s.add_argument("name", help="exercise name")
    s.add_argument("file", type=Path, help="your Python file, defining the exercise's function")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(run=_cmd_exercise_check)
    s = actions.add_parser("status", help="which exercises you have passed")
    s.add_argument("--json", action="store_true", help="print a JSON object")
    s.set_defaults(run=_cmd_exercise_status)


def _missing_action() -> int:
    raise UsageError("exercise: expected an action: list, show, check or status")


def _jobs(text: str) -> int:
    """The ``type`` of ``--jobs``: a whole number of processes, at least 1."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return jobs


def _parser() -> argparse.ArgumentParser:
    p = new_parser("visualdl", "See and check how deep learning works.")
    # not required=True: argparse would report a missing command before an unknown option
    sub = p.add_subparsers(dest="command", parser_class=_CommandParser)

    s = sub.add_parser("list", help="list scenes and figures")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.set_defaults(run=_cmd_list)

    s = sub.add_parser("render", help="render a scene to video or a last-frame PNG")
    s.add_argument("name", help="scene name (see `visualdl list`)")
    s.add_argument("--quality", choices=QUALITIES, default="low")
    s.add_argument("--format", choices=FORMATS, default="mp4")
    s.add_argument("--out", type=out_dir, default="out", help="output folder (default: out)")
    s.set_defaults(run=_cmd_render)

    s = sub.add_parser(
        "slides", help="a scene as slides, one per beat, with notes (HTML, PPTX) and a handout"
    )
    s.add_argument("name", nargs="?", help="scene name (see `visualdl list`)")
    s.add_argument("--all", action="store_true", help="every scene")
    s.add_argument(
        "--to",
        nargs="+",
        choices=("html", "pdf", "pptx"),
        default=["html"],
        help="html: reveal.js, one offline file; pptx: PowerPoint; pdf: the handout, one A4 "
        "page per beat (default: html)",
    )
    s.add_argument("--quality", choices=QUALITIES, default="medium")
    s.add_argument("--out", type=out_dir, default="out", help="output folder (default: out)")
    s.set_defaults(run=_cmd_slides)

    s = sub.add_parser(
        "gallery", help="write every figure and the gallery page (with the videos in OUT/../videos)"
    )
    s.add_argument(
        "--out", type=out_dir, default="out/gallery", help="output folder (default: out/gallery)"
    )
    s.set_defaults(run=_cmd_gallery)

    s = sub.add_parser("verify", help="check every gradient against its SymPy derivation")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.set_defaults(run=_cmd_verify)

    s = sub.add_parser(
        "bench", help="time every fast op against its loop oracle and PyTorch CPU (if installed)"
    )
    s.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    s.add_argument("--quick", action="store_true", help="small cases once: check, do not time")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(run=_cmd_bench)

    s = sub.add_parser(
        "demo", help="render every scene (mp4, poster, GIF) and the gallery page with them"
    )
    s.add_argument("--out", type=out_dir, default="out", help="output folder (default: out)")
    s.add_argument(
        "--quality",
        choices=QUALITIES,
        default="medium",
        help="low 480p15, medium 720p30, high 1080p60 (default: medium)",
    )
    s.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help=f"scenes rendered at once, each in its own process (default: {os.cpu_count()}, "
        "the number of cores); 1 renders them one by one in this process",
    )
    s.set_defaults(run=_cmd_demo)
    _exercise_parser(sub)
    return p


def check_backend() -> None:
    """Fail before any work when ``$VISUALDL_BACKEND`` names no backend (a usage error) or
    one this machine cannot run (``BackendUnavailable``)."""
    from visualdl import backend

    try:
        backend.name()
    except ValueError:
        raw = os.environ.get(backend.ENV_VAR, "")
        raise UsageError(
            f"{backend.ENV_VAR}={raw!r} names no backend; set it to one of "
            f"{', '.join(backend.BACKENDS)}, or unset it"
        ) from None


def check_pace() -> None:
    """Fail before any rendering when ``$VISUALDL_PACE`` is not a number > 0 (a usage
    error): the scenes' holds are scaled by it (:mod:`visualdl.anim.pace`)."""
    from visualdl.anim.pace import pace

    try:
        pace()
    except ValueError as err:
        raise UsageError(f"{err}, or unset it") from None


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _os_error(err: OSError, args: argparse.Namespace | None) -> str:
    where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
    why = err.strerror or str(err)
    hint = "; choose another --out" if getattr(args, "out", None) else ""
    return f"{where}: {why}{hint}" if where else f"{why}{hint}"


def _missing_module(err: ModuleNotFoundError) -> tuple[str, int]:
    top = (err.name or "").split(".")[0]
    extras = {"manim": "anim", "cupy": "gpu", "manim_slides": "slides", "pptx": "slides"}
    if top in extras:
        extra = extras[top]
        return f"{err.name} is not installed; pip install 'visualdl[{extra}]'", 2
    return f"{err.name} is not installed; reinstall visualdl (pip install 'visualdl[anim]')", 1


def _describe(err: Exception, args: argparse.Namespace | None) -> tuple[str, int]:
    """The one line that reports ``err`` and the exit status."""
    from visualdl.backend import BackendUnavailable

    if isinstance(err, ModuleNotFoundError):
        return _missing_module(err)
    if isinstance(err, OSError):
        return _os_error(err, args), 1
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0]), 1
    if isinstance(err, ValueError | BackendUnavailable):
        return str(err), 1
    if isinstance(err, FloatingPointError):
        return f"floating-point error: {err}; rerun with --debug to see where", 1
    return (
        f"internal error: {type(err).__name__}: {err}; rerun with --debug for the traceback "
        "and please report it",
        1,
    )


def _stdout_closed() -> int:
    """stdout's reader has gone (``visualdl list | head -1``): point stdout at the null
    device so that the interpreter's last flush is quiet (as the Python docs advise), and
    return 141, the status of a process ended by ``SIGPIPE``."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout has no file descriptor (tests)
        pass
    return 141


def _fail(prog: str, message: str, code: int) -> int:
    print(f"{prog}: error: {_one_line(message)}", file=sys.stderr)
    return code


def run(
    parser: argparse.ArgumentParser,
    act: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None = None,
) -> int:
    """Parse ``argv`` with ``parser`` (made by :func:`new_parser`) and return ``act(args)``,
    the exit status; every failure is one line on stderr, ``PROG: error: ...``, with the exit
    status of the module docstring (the traceback with ``--debug``)."""
    args = None
    try:
        args = parser.parse_args(argv)
        code = act(args)
        sys.stdout.flush()
        return code
    except UsageError as err:
        return _fail(parser.prog, str(err), 2)
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        if args is not None and args.debug:
            raise
        return _fail(parser.prog, *_describe(err, args))


def _run_command(args: argparse.Namespace) -> int:
    """Run the parsed ``visualdl`` command, the backend checked first (not for ``list``) and,
    before a render, the pace setting."""
    if args.command is None:
        raise UsageError("the following arguments are required: command (see visualdl --help)")
    if args.command != "list":
        check_backend()
    if args.command in ("render", "slides", "demo"):
        check_pace()
    return args.run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    return run(_parser(), _run_command, argv)


if __name__ == "__main__":
    sys.exit(main())
