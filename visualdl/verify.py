"""``visualdl verify``: every gradient and update rule of the engine, derived by SymPy, checked.

For each op, SymPy differentiates the op's *forward* expression (``sympy.diff``), the result is
evaluated in float64 on random inputs (``numpy.random.default_rng(20240601)``, away from kinks)
and compared with the engine's *hand-written* backward. The error is the largest entrywise
relative error ``|a - b| / max(|a| + |b|, 1e-300)``; an op passes when it is at most
``TOL = 1e-9`` (float64 rounding gives ~1e-16; a wrong formula gives ~1e-1). Symbolic
simplifications (sigmoid + BCE and softmax + CE to ``a - y``, the dense layer's matrix forms,
``E[a D / p] = a``) must hold too, or the row fails with an infinite error.

Then the optimizers (:data:`OPTIMIZER_ROWS`): each update rule, written from its definition
and run in exact rational arithmetic, must match the engine's ``step`` over several steps
(Nesterov against its look-ahead definition; momentum's two forms shown equivalent; Adam's
first step ``lr`` as eps -> 0), and the bias-correction identity ``v_t = (1 - beta^t) g``
(``sympy.rsolve``) must match ``ewa``. Last the 2-D test surfaces (:data:`SURFACE_ROWS`):
``sympy.diff`` of each ``f(x, y)`` against the engine's hand-written ``Surface.grad``.

Then the convolutional chapter (:data:`CONV_ROWS`): convolution, pooling and transposed
convolution written as sums of products (or ``Max``) on small symbolic shapes, and batch
normalization for one feature; ``sympy.diff`` of each against the engine's backward, and the
closed forms (dW the correlation of the input with dZ, dX the full convolution of dZ with the
flipped kernel, avg-pool's ``1/f^2`` shares, the transposed convolution as conv2d's
input-gradient, BN's ``dZ``) must hold.

Importing this module is cheap: SymPy loads inside :func:`run_all`.

Example
-------
>>> rows = run_all()
>>> [r.op for r in rows][:3], all(r.passed for r in rows)
(['sigmoid', 'tanh', 'relu'], True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

from visualdl.symbolic.check import TOL

__all__ = [
    "ALL",
    "CONV_ROWS",
    "OPS",
    "OPTIMIZER_ROWS",
    "SURFACE_ROWS",
    "TOL",
    "Row",
    "format_table",
    "run_all",
    "to_json",
]

OPS = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softmax",
    "identity",
    "dense",
    "bce",
    "cross_entropy",
    "mse",
    "l1_loss",
    "l2_penalty",
    "l1_penalty",
    "dropout",
)
EXTRA = ("chain_rule",)
OPTIMIZER_ROWS = (
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "ewa_bias_correction",
)
SURFACE_ROWS = ("bowl", "rosenbrock", "beale", "saddle", "logistic")
CONV_ROWS = ("conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d", "batch_norm")
ALL = OPS + EXTRA + OPTIMIZER_ROWS + SURFACE_ROWS + CONV_ROWS


@dataclass
class Row:
    """One verified op: its name, what was compared, the largest relative error, pass/fail."""

    op: str
    checked: str
    max_rel_error: float
    passed: bool


def _checks() -> dict[str, Callable]:
    from visualdl.symbolic import (
        activations,
        batchnorm,
        chain_rule,
        conv,
        dense,
        losses,
        optimizers,
        regularization,
        surfaces,
    )

    table: dict[str, Callable] = {}
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "identity"):
        table[name] = lambda name=name: activations.check(name)
    table["dense"] = dense.check
    for name in ("bce", "cross_entropy", "mse", "l1_loss"):
        table[name] = lambda name=name: losses.check(name)
    for name in ("l2_penalty", "l1_penalty"):
        table[name] = lambda name=name: regularization.check_penalty(name)
    table["dropout"] = regularization.check_dropout
    table["chain_rule"] = chain_rule.check
    for name in OPTIMIZER_ROWS[:-1]:
        table[name] = lambda name=name: optimizers.check(name)
    table["ewa_bias_correction"] = optimizers.check_ewa
    for name in SURFACE_ROWS:
        table[name] = lambda name=name: surfaces.check(name)
    table["conv2d"] = conv.check
    table["max_pool2d"] = conv.check_max_pool
    table["avg_pool2d"] = conv.check_avg_pool
    table["conv_transpose2d"] = conv.check_transpose
    table["batch_norm"] = batchnorm.check
    return table


def run_all(ops: tuple[str, ...] | None = None) -> list[Row]:
    """Run the cross-checks, one :class:`Row` per op: the 14 ops, ``chain_rule``, the
    optimizer rows, the surface rows and the conv rows (:data:`ALL`, in that order).

    Parameters
    ----------
    ops : tuple of str, optional
        A subset of :data:`ALL`; all of them by default.

    Returns
    -------
    list of Row
        In the order of ``ops``. A check that raises gives a failed row with NaN error.
    """
    from visualdl import backend

    checks = _checks()
    names = ops if ops is not None else ALL
    unknown = [n for n in names if n not in checks]
    if unknown:
        raise ValueError(f"verify: expected ops among {sorted(checks)}, got {unknown}")
    rows = []
    with backend.use("numpy"):  # float64 on the host, whatever backend the user selected
        for name in names:
            try:
                result = checks[name]()
            except Exception as exc:  # noqa: BLE001 - a broken op is a failed row, not a crash
                rows.append(Row(name, f"error: {type(exc).__name__}: {exc}", math.nan, False))
                continue
            err = float(result.max_rel_error)
            rows.append(Row(name, result.checked, err, bool(err <= TOL)))
    return rows


def format_table(rows: list[Row]) -> str:
    """Aligned text table: ``op``, ``checked``, ``max rel error`` (``%.1e``), ``PASS``/``FAIL``.

    Example
    -------
    >>> print(format_table([Row("relu", "derivative", 0.0, True)]))
    op    checked     max rel error  result
    relu  derivative  0.0e+00        PASS
    """
    header = ("op", "checked", "max rel error", "result")
    body = [
        (r.op, r.checked, f"{r.max_rel_error:.1e}", "PASS" if r.passed else "FAIL") for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line[:3], widths, strict=True)) + "  " + line[3]
        for line in [header, *body]
    )


def to_json(rows: list[Row]) -> str:
    """JSON list of ``{"op", "checked", "max_rel_error", "passed"}``; a NaN or infinite error is
    written as ``null`` so the output stays strict JSON."""
    items = []
    for r in rows:
        item = asdict(r)
        if not math.isfinite(item["max_rel_error"]):
            item["max_rel_error"] = None
        items.append(item)
    return json.dumps(items, indent=2)
