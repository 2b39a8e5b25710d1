"""The slow, obviously-correct loop versions of the dense op: the test oracles of
:mod:`visualdl.engine.dense`, and the narrators of a worked entry.

:func:`dense_forward_loop` computes every entry of ``Z = W A_prev + b`` as one row of ``W``
times one column of ``A_prev`` plus one bias; inside ``with visualdl.trace.record()`` it records
each entry as ``dense.entry`` (the products ``W[i, k] * A_prev[k, j]``, the bias, ``z``), row
by row. :func:`dense_dW_loop` computes every entry of ``dW = (1/m) dZ A_prev^T`` as one row of
``dZ`` times one row of ``A_prev`` (a column of ``A_prev^T``), over ``m``, and records
``dense.dw_entry``. The fast op and the layers never narrate. Both take the array namespace
from their inputs and write only through ``x[i, j] = ...``, so they run under array-api-strict
as well.

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
from visualdl.engine.checks import check_batch, real_array
from visualdl.engine.dense import dense_forward
from visualdl.schema import declare

__all__ = ["dense_dW_loop", "dense_forward_loop"]

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
DW_ENTRY = declare(
    "dense.dw_entry",
    arrays={
        "products": "(m,) dZ[i, j] * A_prev[k, j] for each example j",
        "dW": "() dW[i, k] = sum of the products / m",
    },
    info={"i": "row of dZ and dW (unit)", "k": "row of A_prev, column of dW", "m": "examples"},
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


def dense_dW_loop(dZ: Array, A_prev: Array) -> Array:
    """``dW[i, k] = (1/m) sum_j dZ[i, j] A_prev[k, j]``, one entry at a time.

    Shapes ``dZ: (n, m)``, ``A_prev: (n_prev, m)`` -> ``dW: (n, n_prev)``, the ``dW`` of
    :func:`~visualdl.engine.dense.dense_backward`; ``ValueError`` naming ``dense_dW_loop`` for
    arrays whose examples do not match.
    """
    op = "dense_dW_loop"
    dZ, A_prev = real_array(op, "dZ", dZ), real_array(op, "A_prev", A_prev)
    if dZ.ndim != 2 or A_prev.ndim != 2 or dZ.shape[1] != A_prev.shape[1]:
        raise ValueError(
            f"{op}: expected dZ (n, m) and A_prev (n_prev, m) with the same m, got "
            f"{tuple(dZ.shape)} and {tuple(A_prev.shape)}"
        )
    check_batch(op, "dZ", dZ, 1)
    xp = array_module(dZ)
    (n, m), n_prev = dZ.shape, A_prev.shape[0]
    dW = xp.zeros((n, n_prev), dtype=xp.result_type(dZ.dtype, A_prev.dtype))
    narrate = trace.current() is not None
    for i in range(n):
        for k in range(n_prev):
            products = dZ[i, :] * A_prev[k, :]
            dW[i, k] = xp.sum(products) / m
            if narrate:
                DW_ENTRY.log(i=i, k=k, m=m, products=products, dW=dW[i, k])
    return dW
