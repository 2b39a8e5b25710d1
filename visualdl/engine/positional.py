"""Sinusoidal positional encoding: the code each position adds to its token's embedding.

For ``pos = 0 .. n-1`` and ``i = 0 .. ceil(d/2) - 1``::

    P[pos, 2i]     = sin(pos / base^(2i/d))
    P[pos, 2i + 1] = cos(pos / base^(2i/d))          (base = 10000)

Column pair ``(2i, 2i + 1)`` is a point turning on the unit circle at frequency
``omega_i = base^(-2i/d)``: wavelengths run from ``2 pi`` (i = 0) towards ``base * 2 pi``.
So ``P[pos + k]`` is ``P[pos]`` with each pair rotated by the angle ``k omega_i``, and for an
even ``d`` the dot product ``P[p] . P[p + k] = sum_i cos(k omega_i)`` depends on the offset
``k`` only, not on ``p`` (an odd ``d``'s lone last sine column breaks this by its own term).

The notes' code (``div_term = exp(arange(0, d, 2) * -log(10000) / d)``) divides, as their
formula does; its comments say ``pos * 10000^(2i/d)`` (multiply), a slip (E20). For an odd
``d`` their code crashes (E21): ``pe[:, 1::2]`` has ``floor(d/2)`` columns but ``div_term``
``ceil(d/2)``. Here the last column of an odd ``d`` is a sine, and its cosine is dropped.

Example
-------
The notes' numbers for ``d = 4``:

>>> import numpy as np
>>> np.round(positional_encoding(3, 4), 4).tolist()
[[0.0, 1.0, 0.0, 1.0], [0.8415, 0.5403, 0.01, 1.0], [0.9093, -0.4161, 0.02, 0.9998]]
>>> positional_encoding(2, 5).shape  # odd d works
(2, 5)
"""

from __future__ import annotations

import numpy as np

from visualdl import backend
from visualdl.engine.checks import integer, number

__all__ = ["positional_encoding"]


def positional_encoding(n: int, d: int, base: float = 10000.0, dtype: str = "float64") -> object:
    """``P: (n, d)`` with ``P[pos, 2i] = sin(pos / base^(2i/d))``, ``P[pos, 2i+1] = cos(...)``.

    Parameters
    ----------
    n : number of positions (rows), >= 1.
    d : model width (columns), >= 1; odd works (the last column is a sine).
    base : the wavelength base, > 0 (10000 in the paper and the notes).
    dtype : "float32" or "float64".

    Returns
    -------
    P : (n, d) array of the selected backend (:func:`visualdl.backend.xp`); no gradient (it is
        a fixed buffer, not a parameter).
    """
    op = "positional_encoding"
    n, d = integer(op, "n", n), integer(op, "d", d)
    base = number(op, "base", base, "(0, inf)")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"{op}: dtype must be 'float32' or 'float64', got {dtype!r}")
    pos = np.arange(n, dtype=np.float64)[:, None]
    two_i = np.arange(0, d, 2, dtype=np.float64)  # 2i for i = 0 .. ceil(d/2) - 1
    angle = pos / base ** (two_i / d)  # (n, ceil(d/2))
    P = np.zeros((n, d))
    P[:, 0::2] = np.sin(angle)
    P[:, 1::2] = np.cos(angle[:, : d // 2])  # floor(d/2) cosine columns
    return backend.from_host(P.astype(dtype))
