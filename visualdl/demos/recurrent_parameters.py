"""Parameter counts of the engine's ``SimpleRNN``, ``GRU`` and ``LSTM`` against the hidden size.

For each hidden size ``n_a`` (with a fixed input size ``n_x``) the demo builds the three real
layers of :mod:`visualdl.engine.recurrent_layers` and counts their parameters as the sum of
the sizes of the arrays the layer holds (``layer.params()``), nothing typed by hand:

- ``SimpleRNN``: ``W_ax (n_a, n_x)``, ``W_aa (n_a, n_a)``, ``b_a (n_a, 1)``, one block of
  ``n_a (n_a + n_x) + n_a``;
- ``GRU``: ``W_u, W_r, W_c (n_a, n_a + n_x)`` and ``b_u, b_r, b_c (n_a, 1)``, three such
  blocks (one bias per gate: the engine's GRU has no second, PyTorch-style ``b_hn``);
- ``LSTM``: ``W_f, W_i, W_c, W_o`` and their biases, four blocks.

So the counts stand exactly in the ratio ``RNN : GRU : LSTM = 1 : 3 : 4``, biases included;
the demo records each count and its ratio to the RNN's.

Records: ``recurrent_parameters.cell`` (:data:`CELL`, one per cell, ``rnn, gru, lstm``).

Example
-------
>>> from visualdl.demos.recurrent_parameters import recurrent_parameters
>>> tr = recurrent_parameters(n_x=3, sizes=(2, 4))
>>> [r["params"].tolist() for r in tr.find("recurrent_parameters.cell")]
[[12, 32], [36, 96], [48, 128]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.recurrent_layers import GRU, LSTM, Recurrent, SimpleRNN
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["CELL", "CELLS", "count", "recurrent_parameters"]

#: cell name -> the engine's layer class, in the order drawn
CELLS: dict[str, type[Recurrent]] = {"rnn": SimpleRNN, "gru": GRU, "lstm": LSTM}

CELL = declare(
    "recurrent_parameters.cell",
    arrays={
        "n_a": "(k,) hidden sizes",
        "params": "(k,) parameters of the layer, the sum of its arrays' sizes",
        "ratio": "(k,) params over the SimpleRNN's of the same n_a",
    },
    info={
        "cell": "rnn, gru or lstm",
        "layer": "the engine's layer class",
        "n_x": "input size",
        "shapes": "each parameter's shape at the largest n_a, keyed without the layer number",
    },
)


def count(layer: Recurrent) -> int:
    """The number of parameters ``layer`` holds: the sum of its arrays' sizes."""
    return int(sum(int(np.asarray(v).size) for v in layer.params().values()))


def recurrent_parameters(n_x: int = 64, sizes: Sequence[int] = (32, 64, 128, 256, 512)) -> Trace:
    """Count every cell's parameters at each hidden size in ``sizes`` (see the module)."""
    tr = Trace({"demo": "recurrent_parameters", "n_x": n_x, "sizes": list(sizes)})
    n_a = np.array(sizes, dtype=np.int64)
    counts: dict[str, np.ndarray] = {}
    shapes: dict[str, dict[str, list[int]]] = {}
    for cell, make in CELLS.items():
        layers = [make(n_x, int(n), rng=0) for n in sizes]
        counts[cell] = np.array([count(layer) for layer in layers], dtype=np.int64)
        shapes[cell] = {
            k.rstrip("0123456789"): list(np.asarray(v).shape)
            for k, v in layers[-1].params().items()
        }
    for cell, make in CELLS.items():
        CELL.add(
            tr,
            cell=cell,
            layer=make.__name__,
            n_x=n_x,
            shapes=shapes[cell],
            n_a=n_a,
            params=counts[cell],
            ratio=counts[cell] / counts["rnn"],
        )
    return tr
