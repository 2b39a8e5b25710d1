"""Convolution output size over a grid of padding and stride, by the engine's ``output_size``.

For an input of ``n`` pixels and an ``f``-wide kernel the engine gives
``n_out = floor((n + 2p - f) / s) + 1`` and raises ``ValueError`` when the kernel is wider than
the padded input (``f > n + 2p``): such cells are marked invalid. Beside it the demo records the
notes' formula without the floor, ``(n + 2p - f) / s + 1`` (not an integer where the last step
would cross the border and is dropped), and the notes' stride-"same" padding
``p = ((n - 1) s - n + f) / 2`` for each stride (A31: ``n = 7, f = 3, s = 2`` gives ``p = 4``).

Records: ``output_size.grid`` (:data:`GRID`, one per ``(n, f)``).

Example
-------
>>> from visualdl.demos.output_size import output_size_grid
>>> rec = output_size_grid(((6, 3),)).last("output_size.grid")
>>> rec["size"][0].tolist()  # p = 0, s = 1..4
[4, 2, 2, 1]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.conv import output_size
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["DEFAULT_CASES", "GRID", "output_size_grid"]

#: ``(n, f)`` pairs: the notes' stride-"same" example (n = 7, f = 3) and a kernel wider than its
#: input (n = 5, f = 7), which needs p >= 1 before it fits at all.
DEFAULT_CASES: tuple[tuple[int, int], ...] = ((7, 3), (5, 7))

GRID = declare(
    "output_size.grid",
    arrays={
        "p": "(P,)",  # paddings
        "s": "(S,)",  # strides
        "size": "(P, S)",  # the engine's output size, 0 where invalid
        "valid": "(P, S)",  # bool, whether the kernel fits
        "no_floor": "(P, S)",  # (n + 2p - f) / s + 1, nan where invalid
        "same_p": "(S,)",  # the notes' stride-same padding ((n - 1) s - n + f) / 2
    },
    info={"n": "input side", "f": "kernel side"},
)


def output_size_grid(
    cases: tuple[tuple[int, int], ...] = DEFAULT_CASES,
    paddings: tuple[int, ...] = (0, 1, 2, 3, 4),
    strides: tuple[int, ...] = (1, 2, 3, 4),
) -> Trace:
    """One ``output_size.grid`` record per ``(n, f)`` in ``cases`` (see the module docstring).

    Shapes: ``size, valid, no_floor: (len(paddings), len(strides))``.
    """
    if not paddings or not strides or min(paddings) < 0 or min(strides) < 1:
        raise ValueError(
            f"output_size_grid: need paddings >= 0 and strides >= 1, got {paddings}, {strides}"
        )
    tr = Trace({"demo": "output-size", "cases": [list(c) for c in cases]})
    p = np.array(paddings)
    s = np.array(strides)
    for n, f in cases:
        size = np.zeros((len(p), len(s)), dtype=np.int64)
        valid = np.zeros((len(p), len(s)), dtype=bool)
        no_floor = np.full((len(p), len(s)), np.nan)
        for i, pi in enumerate(paddings):
            for j, sj in enumerate(strides):
                try:
                    size[i, j] = output_size(n, f, pi, sj)
                except ValueError:
                    continue
                valid[i, j] = True
                no_floor[i, j] = (n + 2 * pi - f) / sj + 1
        same_p = ((n - 1) * s - n + f) / 2
        GRID.add(
            tr,
            n=n,
            f=f,
            p=p,
            s=s,
            size=size,
            valid=valid,
            no_floor=no_floor,
            same_p=same_p,
        )
    return tr
