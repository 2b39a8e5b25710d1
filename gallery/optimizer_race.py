"""Every optimizer on every test surface: paths and loss per step (figure ``optimizer-race``).

Data: :func:`visualdl.demos.optimizer_race.races` (the engine's optimizers, a fair
learning-rate budget); drawing: :func:`visualdl.viz.optimizers.plot_race`.

Run on its own: ``python -m visualdl.gallery.optimizer_race --out DIR``.

Example
-------
>>> import pathlib, tempfile
>>> from visualdl.gallery.optimizer_race import make
>>> [p.name for p in make(pathlib.Path(tempfile.mkdtemp()))]
['optimizer-race.png']
"""

from __future__ import annotations

import argparse
from pathlib import Path

from visualdl.demos.optimizer_race import races
from visualdl.viz.figures import save
from visualdl.viz.optimizers import plot_race

__all__ = ["CAPTION", "make"]

CAPTION = (
    "Gradient descent, momentum (β 0.9), Nesterov, AdaGrad, RMSprop (β 0.9), Adam "
    "(β1 0.9, β2 0.999) and AdamW (weight decay 0.01), run by the engine on five test "
    "surfaces: an ill-conditioned bowl, Rosenbrock's valley, Beale, the saddle x² − y² and the "
    "logistic-regression cost J(w, b) on the breast-cancer data. Left: contours, the paths "
    "(white circle: the common start, dot: the end, star: the minimum); a path that leaves "
    "the window for good is drawn to the frame and marked with a triangle, a diverged run "
    "with a cross. Right: the loss per step (log scale). The race is fair: on each surface "
    "every optimizer takes the same 300 steps from the same start, and its learning rate "
    "is the one of the same grid 0.0001, 0.0003, …, 0.3, 1 with the lowest final loss "
    "(never a diverged run); the legend gives each optimizer's rate. Rates are tuned per "
    'surface, so read the figure as "how good can each get", not as a ranking for every '
    "problem. The saddle has no minimum (its loss falls without bound), so there all get "
    "the same fixed lr 0.1 and 40 steps from just off the saddle point (y = 0.01), and the "
    "legend says at which step each leaves the window: RMSprop and Adam divide the tiny "
    "gradient along y by its own size and leave first; GD's distance from the ridge grows "
    "by 1.2 a step, slow at first, then fast; momentum in the notes' averaged form is still "
    "near the saddle after 40 steps."
)


def make(out: Path) -> list[Path]:
    """Race on every surface, then write ``optimizer-race.png`` into ``out``."""
    return save(plot_race(races()), Path(out) / "optimizer-race", ("png",))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gallery-out"), help="output folder")
    for path in make(parser.parse_args().out):
        print(path)
