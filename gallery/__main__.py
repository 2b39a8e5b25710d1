"""Make gallery figures on their own, without the index page.

``python -m visualdl.gallery NAME [NAME ...] --out DIR``: ``NAME`` is a figure's registry
name (``visualdl list``: ``gradient-check``) or its module name (``gradient_check``); the
written paths are printed, one a line. ``visualdl gallery`` makes every figure and the index
page. Failures are reported as by ``visualdl`` (:func:`visualdl.cli.run`): one line, exit 2
for a mistake in the call, 1 at run time, the traceback with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from visualdl import cli, registry
from visualdl.files import writable_dir
from visualdl.gallery import make_figure


def _parser() -> argparse.ArgumentParser:
    known = ", ".join(e.name for e in registry.figures())
    p = cli.new_parser("python -m visualdl.gallery", __doc__.splitlines()[0])
    p.add_argument("names", nargs="+", metavar="NAME", help=f"one of: {known}")
    p.add_argument("--out", type=cli.out_dir, default=Path("gallery-out"), help="output folder")
    return p


def _make(args: argparse.Namespace) -> int:
    """Check the names, the backend and ``--out`` before any work, then make the figures."""
    known = {e.name for e in registry.figures()}
    unknown = [n for n in args.names if n.replace("_", "-") not in known]
    if unknown:
        raise cli.UsageError(
            f"unknown figure(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}"
        )
    cli.check_backend()
    out = writable_dir(args.out)
    for name in args.names:
        for path in make_figure(name, out):
            print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m visualdl.gallery``; returns the exit status."""
    return cli.run(_parser(), _make, argv)


if __name__ == "__main__":
    sys.exit(main())
