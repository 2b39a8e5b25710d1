"""Make gallery figures on their own, without the index page.

``python -m visualdl.gallery NAME [NAME ...] --out DIR``: ``NAME`` is a figure's registry
name (``visualdl list``: ``gradient-check``) or its module name (``gradient_check``); the
written paths are printed, one a line. ``visualdl gallery`` makes every figure and the index
page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from visualdl import registry
from visualdl.gallery import make_figure


def main(argv: list[str] | None = None) -> int:
    known = [e.name for e in registry.figures()]
    parser = argparse.ArgumentParser(
        prog="python -m visualdl.gallery", description=__doc__.splitlines()[0]
    )
    parser.add_argument("names", nargs="+", metavar="NAME", help=f"one of: {', '.join(known)}")
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n.replace("_", "-") not in known]
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(map(repr, unknown))}")
    for name in args.names:
        for path in make_figure(name, args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
