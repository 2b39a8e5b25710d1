"""The slow, obviously-correct loop version of the dense op: the test oracle of
:func:`visualdl.engine.dense.dense_forward`, and the narrator of a worked entry.

:func:`dense_forward_loop` computes every entry of ``Z = W A_prev + b`` as one row of ``W``
times one column of ``A_prev`` plus one bias; inside ``with visualdl.trace.record()`` it records
each entry as ``dense.entry`` (the products ``W[i, k] * A_prev[k, j]``, the bias, ``z``), row
by row. The fast op and the layers never narrate. It takes the array namespace from its inputs
and writes only through ``Z[i, j] = ...``, so it runs under array-api-strict as well.

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record
>>> with record() as tr:
...     Z = dense_forward_loop(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]), np.array([[0.5]]))
>>> Z.tolist()
[[11.5]]
>>> r = tr.last("dense.entry")
>>> r["products"].tolist(), float(r["b"]), float(r["z"])
([3.0, 8.0], 0.5, 11.5)
"""

from __future__ import annotations

from typing import Any

from visualdl import trace
from visualdl.backend import array_module
from visualdl.engine.checks import real_array
from visualdl.engine.dense import dense_forward
from visualdl.schema import declare

__all__ = ["dense_forward_loop"]

Array = Any

ENTRY = declare(
    "dense.entry",
    arrays={
        "products": "(n_prev,) W[i, k] * A_prev[k, j] for each k",
        "b": "() b[i]",
        "z": "() Z[i, j] = sum of the products + b[i]",
    },
    info={"i": "row of W and Z (unit)", "j": "column of A_prev and Z (example)"},
)


def dense_forward_loop(W: Array, A_prev: Array, b: Array) -> Array:
    """``Z[i, j] = sum_k W[i, k] A_prev[k, j] + b[i]``, one entry at a time.

    Shapes ``W: (n, n_prev)``, ``A_prev: (n_prev, m)``, ``b: (n, 1)`` -> ``Z: (n, m)``; the
    same checks as :func:`~visualdl.engine.dense.dense_forward` (a ``ValueError`` naming
    ``dense_forward_loop``).
    """
    op = "dense_forward_loop"
    _, cache = dense_forward(A_prev, W, b, op=op)  # the fast op's checks, its result unused
    A_prev, W, b = cache["A_prev"], cache["W"], real_array(op, "b", b)
    xp = array_module(A_prev)
    n, m = W.shape[0], A_prev.shape[1]
    Z = xp.zeros((n, m), dtype=xp.result_type(W.dtype, A_prev.dtype, b.dtype))
    narrate = trace.current() is not None
    for i in range(n):
        for j in range(m):
            products = W[i, :] * A_prev[:, j]
            Z[i, j] = xp.sum(products) + b[i, 0]
            if narrate:
                ENTRY.log(i=i, j=j, products=products, b=b[i, 0], z=Z[i, j])
    return Z
