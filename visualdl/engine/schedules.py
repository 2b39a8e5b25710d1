"""Learning-rate schedules: pure functions of the epoch (or step) number.

==================  ===========================================================
``inverse_time``    ``a0 / (1 + decay * epoch)`` (the notes: decay 0.05)
``exponential``     ``base**epoch * a0`` (the notes: base 0.95)
``inverse_sqrt``    ``k / sqrt(epoch) * a0``, for epoch >= 1 (undefined at 0)
``staircase``       ``a0 * drop**floor(epoch / every)``: constant on each stair
``cosine_warmup``   linear warm-up from 0 to a0 over ``warmup`` steps, then a cosine
                    from a0 down to ``a_min`` at ``total`` (an extension)
==================  ===========================================================

Each accepts an int or a NumPy array of epochs.

Example
-------
>>> from visualdl.engine.schedules import inverse_time
>>> [float(inverse_time(i, a0=1.0, decay=0.05)) for i in (0, 20)]
[1.0, 0.5]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.backend import to_host
from visualdl.engine.checks import integer, number, real_array

__all__ = ["SCHEDULES", "cosine_warmup", "exponential", "inverse_sqrt", "inverse_time", "staircase"]


def _epochs(name: str, epoch: Any, start: int = 0) -> np.ndarray:
    e = to_host(real_array(name, "epoch", epoch)).astype(np.float64)
    bad = e[~(np.isfinite(e) & (e >= start))]
    if bad.size:
        raise ValueError(f"{name}: epoch must be a finite number >= {start}, got {bad.flat[0]}")
    return e


def _positive(name: str, **values: float) -> list[float]:
    return [number(name, key, v, "(0, inf)") for key, v in values.items()]


def inverse_time(epoch: Any, a0: float = 1.0, decay: float = 0.05) -> Any:
    """alpha = a0 / (1 + decay * epoch)."""
    (a0,) = _positive("inverse_time", a0=a0)
    decay = number("inverse_time", "decay", decay, "[0, inf)")
    return a0 / (1 + decay * _epochs("inverse_time", epoch))


def exponential(epoch: Any, a0: float = 1.0, base: float = 0.95) -> Any:
    """alpha = base**epoch * a0, with 0 < base <= 1."""
    (a0,) = _positive("exponential", a0=a0)
    base = number("exponential", "base", base, "(0, 1]")
    return base ** _epochs("exponential", epoch) * a0


def inverse_sqrt(epoch: Any, a0: float = 1.0, k: float = 1.0) -> Any:
    """alpha = k / sqrt(epoch) * a0, defined from epoch 1 on."""
    a0, k = _positive("inverse_sqrt", a0=a0, k=k)
    return k / np.sqrt(_epochs("inverse_sqrt", epoch, start=1)) * a0


def staircase(epoch: Any, a0: float = 1.0, drop: float = 0.5, every: int = 10) -> Any:
    """alpha = a0 * drop**floor(epoch / every): the rate is cut by ``drop`` every ``every``."""
    a0, drop = _positive("staircase", a0=a0, drop=drop)
    every = integer("staircase", "every", every)
    return a0 * drop ** np.floor(_epochs("staircase", epoch) / every)


def cosine_warmup(
    step: Any, a0: float = 1.0, total: int = 100, warmup: int = 10, a_min: float = 0.0
) -> Any:
    """Linear warm-up ``a0 * step / warmup`` for ``step < warmup``, then
    ``a_min + (a0 - a_min) (1 + cos(pi (step - warmup) / (total - warmup))) / 2`` up to
    ``total`` (and ``a_min`` after)."""
    (a0,) = _positive("cosine_warmup", a0=a0)
    total = integer("cosine_warmup", "total", total)
    warmup = integer("cosine_warmup", "warmup", warmup, 0)
    a_min = number("cosine_warmup", "a_min", a_min, f"[0, {a0}]")
    if not warmup < total:
        raise ValueError(f"cosine_warmup: need 0 <= warmup < total, got {warmup}, {total}")
    s = _epochs("cosine_warmup", step)
    progress = np.clip((s - warmup) / (total - warmup), 0.0, 1.0)
    cosine = a_min + (a0 - a_min) * (1 + np.cos(np.pi * progress)) / 2
    return np.where(s < warmup, a0 * s / max(warmup, 1), cosine)


SCHEDULES = {
    "inverse_time": inverse_time,
    "exponential": exponential,
    "inverse_sqrt": inverse_sqrt,
    "staircase": staircase,
    "cosine_warmup": cosine_warmup,
}
