"""Two mistakes of the recurrent notes, computed: the LSTM's ``dw_hy`` and the cell-path claim
``dc_t/dc_{t-1} >= f_t``.

- **dw_hy.** The notes' LSTM backward writes the output layer's weight gradient as
  ``dw_hy = dy_t @ dh_next.T`` (and overwrites it at every step); the right one is
  ``dW_y = (1/m) sum_t dy_t a_t^T``. :func:`visualdl.symbolic.recurrent.dw_hy_gradient_check`
  gradient-checks both on a random LSTM with a softmax output at every step (central
  differences of the engine's cost, float64): the relative error
  ``||num - analytic|| / (||num|| + ||analytic||)`` of the engine's ``dWy`` and of the notes'.
  Below about ``1e-7`` a backward is right.
- **The cell path.** For a scalar LSTM whose ``h_{t-1} = o_{t-1} tanh(c_{t-1})`` feeds the
  gates, SymPy's ``diff`` of ``c_t`` with ``h_{t-1}`` held fixed (the direct term) is exactly
  ``f_t``, but the total derivative, with ``h_{t-1}`` moving with ``c_{t-1}``, can be smaller:
  :func:`visualdl.symbolic.recurrent.cell_path_counterexamples` evaluates the notes' two
  counterexamples.

Records: ``recurrent_mistakes.dw_hy`` (:data:`DW_HY`, one per seed) and
``recurrent_mistakes.cell_path`` (:data:`CELL_PATH`, one per counterexample, ``a`` then ``b``).

Example
-------
>>> from visualdl.demos.recurrent_mistakes import recurrent_mistakes
>>> tr = recurrent_mistakes(seeds=(0,))
>>> r = tr.last("recurrent_mistakes.dw_hy")
>>> r.info["engine"] < 1e-7 < 0.3 < r.info["notes"]
True
>>> [round(c.info["total"], 3) for c in tr.find("recurrent_mistakes.cell_path")]
[0.201, 0.057]
"""

from __future__ import annotations

from collections.abc import Sequence

from visualdl.schema import declare
from visualdl.symbolic.recurrent import (
    cell_path_counterexamples,
    cell_path_derivation,
    dw_hy_gradient_check,
)
from visualdl.trace import Trace

__all__ = ["CELL_PATH", "DW_HY", "recurrent_mistakes"]

DW_HY = declare(
    "recurrent_mistakes.dw_hy",
    info={
        "seed": "seed of the random LSTM, its inputs and labels",
        "engine": "gradient-check relative error of the engine's dWy",
        "notes": "gradient-check relative error of the notes' dw_hy = dy_t @ dh_next.T",
    },
)
CELL_PATH = declare(
    "recurrent_mistakes.cell_path",
    info={
        "case": "the notes' counterexample, a or b",
        "inputs": "the case's values: c_prev, o_prev, x_t and the nonzero weights (U_g: the "
        "recurrent weight of gate g on h_{t-1})",
        "f_t": "the forget gate",
        "direct": "dc_t/dc_{t-1} with h_{t-1} held fixed",
        "total": "dc_t/dc_{t-1} with h_{t-1} = o_{t-1} tanh(c_{t-1})",
        "direct_is_f": "SymPy simplifies direct - f_t to 0",
    },
)


def recurrent_mistakes(seeds: Sequence[int] = tuple(range(5))) -> Trace:
    """The ``dw_hy`` gradient check for every seed and the two cell-path counterexamples
    (see the module)."""
    tr = Trace({"demo": "recurrent_mistakes", "seeds": list(seeds)})
    for seed in seeds:
        errors = dw_hy_gradient_check(seed)
        DW_HY.add(tr, seed=seed, engine=errors["engine"], notes=errors["notes"])
    direct_is_f = bool(cell_path_derivation()["direct_is_f"])
    for case, values in cell_path_counterexamples().items():
        inputs = {k: v for k, v in values.items() if k not in ("f_t", "direct", "total")}
        CELL_PATH.add(
            tr,
            case=case,
            inputs=inputs,
            f_t=values["f_t"],
            direct=values["direct"],
            total=values["total"],
            direct_is_f=direct_is_f,
        )
    return tr
