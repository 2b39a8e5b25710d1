"""The ``visualdl`` command.

    visualdl list [--json]
    visualdl render NAME [--quality low|medium|high] [--format mp4|gif|png] [--out DIR]
    visualdl gallery [--out DIR]
    visualdl verify [--json]
    visualdl demo [--out DIR] [--quality low|medium|high]

A user mistake (unknown name, bad option) prints one line and exits 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from visualdl import registry

__all__ = ["main"]

QUALITIES = ("low", "medium", "high")
FORMATS = ("mp4", "gif", "png")


class UsageError(Exception):
    """A mistake in how the command was called: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


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

    path = render(entry.name, quality=args.quality, fmt=args.format, out=Path(args.out))
    print(path)
    return 0


def _cmd_gallery(args: argparse.Namespace) -> int:
    from visualdl.gallery import build

    print(build(Path(args.out)))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from visualdl.verify import format_table, run_all, to_json

    rows = run_all()
    print(to_json(rows) if args.json else format_table(rows))
    return 0 if all(r.passed for r in rows) else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from visualdl.gallery import build
    from visualdl.render import render

    out = Path(args.out)
    index = build(out / "gallery")
    videos = [
        render(name, quality=args.quality, fmt="mp4", out=out / "videos")
        for name in registry.DEFAULT_SCENES
    ]
    print(f"gallery: {index}")
    for v in videos:
        print(f"video:   {v}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="visualdl", description="See and check how deep learning works.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("list", help="list scenes and figures")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.set_defaults(run=_cmd_list)

    s = sub.add_parser("render", help="render a scene to video or a last-frame PNG")
    s.add_argument("name", help="scene name (see `visualdl list`)")
    s.add_argument("--quality", choices=QUALITIES, default="low")
    s.add_argument("--format", choices=FORMATS, default="mp4")
    s.add_argument("--out", default="out", help="output folder (default: out)")
    s.set_defaults(run=_cmd_render)

    s = sub.add_parser("gallery", help="write every figure and an index page")
    s.add_argument("--out", default="out/gallery", help="output folder (default: out/gallery)")
    s.set_defaults(run=_cmd_gallery)

    s = sub.add_parser("verify", help="check every gradient against its SymPy derivation")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.set_defaults(run=_cmd_verify)

    s = sub.add_parser("demo", help="render the default scenes and the gallery")
    s.add_argument("--out", default="out", help="output folder (default: out)")
    s.add_argument("--quality", choices=QUALITIES, default="low")
    s.set_defaults(run=_cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        return args.run(args)
    except UsageError as err:
        print(f"visualdl: error: {err}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as err:
        if err.name and err.name.split(".")[0] in ("manim", "cupy"):
            extra = "anim" if err.name.startswith("manim") else "gpu"
            print(
                f"visualdl: error: {err.name} is not installed; pip install 'visualdl[{extra}]'",
                file=sys.stderr,
            )
            return 2
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
