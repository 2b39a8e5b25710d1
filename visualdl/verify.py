"""``visualdl verify``: every gradient and update rule of the engine, derived by SymPy, checked.

For each op, SymPy differentiates the op's *forward* expression (``sympy.diff``), the result is
evaluated in float64 on random inputs (``numpy.random.default_rng(20240601)``, away from kinks)
and compared with the engine's *hand-written* backward. The error is the largest entrywise
relative error ``|a - b| / max(|a| + |b|, 1e-300)``; an op passes when it is at most
``TOL = 1e-9`` (float64 rounding gives ~1e-16; a wrong formula gives ~1e-1). Symbolic
simplifications (sigmoid + BCE and softmax + CE to ``a - y``, the dense layer's matrix forms,
``E[a D / p] = a``) must hold too, or the row fails with an infinite error.

Each symbolic module declares its rows once, in its ``CHECKS`` (row name ->
:class:`~visualdl.symbolic.check.Op`: the check and the engine backwards it covers); the table
is those dicts concatenated in the order of :data:`MODULES`:

- activations, the dense layer, the losses, the penalties and dropout, and ``chain_rule``;
- the optimizers: each update rule, written from its definition and run in exact rational
  arithmetic, must match the engine's ``step`` over several steps (Nesterov against its
  look-ahead definition; momentum's two forms shown equivalent; Adam's first step ``lr`` as
  eps -> 0), and the bias-correction identity ``v_t = (1 - beta^t) g`` (``sympy.rsolve``) must
  match ``ewa``;
- the 2-D test surfaces: ``sympy.diff`` of each ``f(x, y)`` against ``Surface.grad``;
- the convolutional chapter: convolution, pooling and transposed convolution written as sums of
  products (or ``Max``) on small symbolic shapes, and batch normalization for one feature;
  ``sympy.diff`` of each against the engine's backward, and the closed forms (dW the
  correlation of the input with dZ, dX the full convolution of dZ with the flipped kernel,
  avg-pool's ``1/f^2`` shares, the transposed convolution as conv2d's input-gradient, BN's
  ``dZ``) must hold;
- the recurrent chapter: the RNN, LSTM and GRU cells (``sympy.diff`` of one step, the GRU in
  its four update x reset conventions) and their backward through time (the notes' softmax +
  cross-entropy model over three steps, the total derivative assembled forward in time from
  SymPy's one-step Jacobians) against the engine's cells, BPTT and ``time_dense_backward``,
  and the cell path: ``dc_t/dc_{t-1}``'s direct term is ``f_t`` but the total is not ``>= f_t``;
- the row layout: the linear layer, the embedding lookup (a one-hot product), cross-entropy
  over a vocabulary with padding, and the softmax Jacobian ``diag(s) - s s^T``;
- the attention chapter: scaled dot-product attention (no mask, causal, padding), additive and
  multi-head attention, LayerNorm (the notes' variant differs by ``sqrt((d - 1)/d)``), the FFN,
  the positional encoding's dot product depending only on the offset (proved for symbolic
  ``p`` and ``k``), Nadaraya-Watson kernel regression, skip-gram with negative sampling and
  CBOW, and the LoRA linear layer.

Importing this module is cheap: SymPy loads inside :func:`run_all` (and :func:`table`).

Example
-------
>>> rows = run_all(("sigmoid", "dense"))
>>> [r.op for r in rows], all(r.passed for r in rows)
(['sigmoid', 'dense'], True)
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from visualdl.symbolic.check import TOL

if TYPE_CHECKING:
    from visualdl.symbolic.check import Op

__all__ = [
    "MODULES",
    "TOL",
    "Row",
    "format_table",
    "names",
    "run_all",
    "table",
    "to_json",
]

# the symbolic modules whose ``CHECKS`` make the table, in the order verify prints them
MODULES = (
    "activations",
    "dense",
    "losses",
    "regularization",
    "chain_rule",
    "optimizers",
    "surfaces",
    "conv",
    "batchnorm",
    "recurrent",
    "rows",
    "attention",
    "kernel_regression",
    "word2vec",
    "lora",
)


@dataclass
class Row:
    """One verified op: its name, what was compared, the largest relative error, pass/fail."""

    op: str
    checked: str
    max_rel_error: float
    passed: bool


def table() -> dict[str, Op]:
    """Every row's declaration: the ``CHECKS`` of the :data:`MODULES`, concatenated in order.

    Imports the symbolic modules (and so SymPy). A row name declared twice is an error.

    Example
    -------
    >>> ops = table()
    >>> list(ops)[:2], ops["mse"].covers
    (['sigmoid', 'tanh'], ('losses.mse_backward',))
    """
    ops: dict[str, Op] = {}
    for module in MODULES:
        for name, op in import_module(f"visualdl.symbolic.{module}").CHECKS.items():
            if name in ops:
                raise ValueError(f"verify: row {name!r} is declared twice (again in {module})")
            ops[name] = op
    return ops


def names() -> tuple[str, ...]:
    """The row names, in the order verify prints them (imports SymPy).

    Example
    -------
    >>> names()[-1]
    'lora_linear'
    """
    return tuple(table())


def run_all(ops: tuple[str, ...] | None = None) -> list[Row]:
    """Run the cross-checks, one :class:`Row` per op (every row of :func:`table` by default).

    Parameters
    ----------
    ops : tuple of str, optional
        A subset of :func:`names`; all of them by default.

    Returns
    -------
    list of Row
        In the order of ``ops``. A check that raises gives a failed row with NaN error.
    """
    from visualdl import backend

    checks = table()
    wanted = ops if ops is not None else tuple(checks)
    unknown = [n for n in wanted if n not in checks]
    if unknown:
        raise ValueError(f"verify: expected ops among {sorted(checks)}, got {unknown}")
    rows = []
    with backend.use("numpy"):  # float64 on the host, whatever backend the user selected
        for name in wanted:
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
