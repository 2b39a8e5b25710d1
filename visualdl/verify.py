"""``visualdl verify``: every gradient the engine uses, derived by SymPy and checked.

For each op, SymPy differentiates the op's *forward* expression (``sympy.diff``), the result is
evaluated in float64 on random inputs (``numpy.random.default_rng(20240601)``, away from kinks)
and compared with the engine's *hand-written* backward. The error is the largest entrywise
relative error ``|a - b| / max(|a| + |b|, 1e-300)``; an op passes when it is at most
``TOL = 1e-9`` (float64 rounding gives ~1e-16; a wrong formula gives ~1e-1). Symbolic
simplifications (sigmoid + BCE and softmax + CE to ``a - y``, the dense layer's matrix forms,
``E[a D / p] = a``) must hold too, or the row fails with an infinite error.

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

__all__ = ["OPS", "TOL", "Row", "format_table", "run_all", "to_json"]

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


@dataclass
class Row:
    """One verified op: its name, what was compared, the largest relative error, pass/fail."""

    op: str
    checked: str
    max_rel_error: float
    passed: bool


def _checks() -> dict[str, Callable]:
    from visualdl.symbolic import activations, chain_rule, dense, losses, regularization

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
    return table


def run_all(ops: tuple[str, ...] | None = None) -> list[Row]:
    """Run the cross-checks, one :class:`Row` per op (the 14 ops, then ``chain_rule``).

    Parameters
    ----------
    ops : tuple of str, optional
        A subset of :data:`OPS` + ``("chain_rule",)``; all of them by default.

    Returns
    -------
    list of Row
        In the order of ``ops``. A check that raises gives a failed row with NaN error.
    """
    from visualdl import backend

    checks = _checks()
    names = ops if ops is not None else OPS + EXTRA
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
