"""Learning-rate schedules over 100 epochs, with the notes' parameters.

Each schedule is the engine's pure function (:mod:`visualdl.engine.schedules`) evaluated at
every epoch, all with ``a0 = 1``:

==================  ==================================================  ================
``inverse_time``    ``a0 / (1 + 0.05 epoch)`` (the notes' code)         0.5 at epoch 20
``exponential``     ``0.95^epoch a0``
``inverse_sqrt``    ``k / sqrt(epoch) a0``, k = 1, from epoch 1          undefined at 0
``staircase``       ``a0 0.5^floor(epoch / 20)``
``cosine_warmup``   linear warm-up over 10 epochs, cosine down to 0 at 100 (an extension)
==================  ==================================================  ================

Records: ``schedules.schedule`` (:data:`SCHEDULE`, one per schedule, in the order above).

Example
-------
>>> from visualdl.demos.schedules import schedules
>>> rec = schedules().find("schedules.schedule")[0]
>>> rec.info["name"], float(rec["lr"][20])
('inverse_time', 0.5)
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.schedules import SCHEDULES
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["PARAMS", "SCHEDULE", "schedules"]

#: name -> (keyword arguments, first epoch, label for a legend)
PARAMS: dict[str, tuple[dict[str, float], int, str]] = {
    "inverse_time": ({"a0": 1.0, "decay": 0.05}, 0, "a0 / (1 + 0.05·epoch)"),
    "exponential": ({"a0": 1.0, "base": 0.95}, 0, "0.95^epoch · a0"),
    "inverse_sqrt": ({"a0": 1.0, "k": 1.0}, 1, "k / √epoch · a0  (k = 1, from epoch 1)"),
    "staircase": ({"a0": 1.0, "drop": 0.5, "every": 20}, 0, "a0 · 0.5^⌊epoch / 20⌋  (staircase)"),
    "cosine_warmup": (
        {"a0": 1.0, "total": 100, "warmup": 10, "a_min": 0.0},
        0,
        "cosine with 10-epoch warm-up",
    ),
}

SCHEDULE = declare(
    "schedules.schedule",
    arrays={
        "epoch": "(n,)",  # first..epochs
        "lr": "(n,)",  # the rate at each epoch
    },
    info={"name": "SCHEDULES key", "label": "legend label", "params": "the keyword arguments"},
)


def schedules(epochs: int = 100) -> Trace:
    """Every schedule of :data:`PARAMS` at epochs ``first..epochs`` (see the module)."""
    if epochs < 2:
        raise ValueError(f"schedules: epochs must be >= 2, got {epochs}")
    tr = Trace({"demo": "lr-schedules", "epochs": epochs})
    for name, (kwargs, first, label) in PARAMS.items():
        epoch = np.arange(first, epochs + 1)
        if name == "cosine_warmup":
            kwargs = {**kwargs, "total": epochs, "warmup": min(kwargs["warmup"], epochs - 1)}
        lr = np.asarray(SCHEDULES[name](epoch, **kwargs), dtype=np.float64)
        SCHEDULE.add(tr, name=name, label=label, params=kwargs, epoch=epoch, lr=lr)
    return tr
