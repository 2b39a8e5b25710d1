"""Exponentially weighted averages of a noisy series, raw and bias-corrected.

The series is a noisy "daily temperature" (a level of 10 plus a slow wave plus Gaussian noise,
drawn with ``default_rng(seed)``). For each ``beta`` the engine's
:func:`visualdl.engine.averaging.ewa` gives ``v_t = beta v_{t-1} + (1 - beta) theta_t`` from
``v_0 = 0`` (raw) and ``v_t / (1 - beta^t)`` (bias-corrected). The raw average starts near 0
and needs about ``1 / (1 - beta)`` steps to catch up; the corrected one starts on the data.

Records (in this order): ``ewa.series`` (:data:`SERIES`, the noisy series), then
``ewa.average`` (:data:`AVERAGE`, one per beta: raw, corrected and the factor ``1 - beta^t``,
the raw average of a constant 1).

Example
-------
>>> from visualdl.demos.ewa import ewa_demo
>>> tr = ewa_demo(T=30)
>>> [r.info["beta"] for r in tr.find("ewa.average")]
[0.9, 0.98]
>>> rec = tr.find("ewa.average")[0]
>>> bool(rec["raw"][0] < 0.2 * tr.last("ewa.series")["theta"][0])  # v_1 = 0.1 theta_1
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from visualdl.engine.averaging import ewa
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["AVERAGE", "BETAS", "SERIES", "ewa_demo", "noisy_series"]

BETAS = (0.9, 0.98)

SERIES = declare(
    "ewa.series",
    arrays={
        "t": "(T,)",  # 1..T
        "theta": "(T,)",  # the noisy series
    },
    info={"seed": "seed of the noise", "T": "length", "level": "mean level", "noise": "noise std"},
)
AVERAGE = declare(
    "ewa.average",
    arrays={
        "raw": "(T,)",  # v_t from v_0 = 0
        "corrected": "(T,)",  # v_t / (1 - beta^t)
        "factor": "(T,)",  # 1 - beta^t
    },
    info={"beta": "the averaging beta", "window": "1 / (1 - beta)"},
)


def noisy_series(
    T: int = 200, seed: int = 0, level: float = 10.0, noise: float = 2.0
) -> np.ndarray:
    """``theta: (T,)`` = ``level + 3 sin(2 pi t / T) + noise * N(0, 1)`` for t = 1..T.

    >>> noisy_series(T=5).shape
    (5,)
    """
    if T < 1:
        raise ValueError(f"noisy_series: T must be >= 1, got {T}")
    t = np.arange(1, T + 1)
    rng = np.random.default_rng(seed)
    return level + 3.0 * np.sin(2 * np.pi * t / T) + noise * rng.standard_normal(T)


def ewa_demo(
    T: int = 200,
    betas: Sequence[float] = BETAS,
    seed: int = 0,
    level: float = 10.0,
    noise: float = 2.0,
) -> Trace:
    """Average one noisy series with each ``beta``, raw and corrected (see the module)."""
    theta = noisy_series(T, seed, level, noise)
    tr = Trace({"demo": "ewa", "seed": seed})
    SERIES.add(tr, seed=seed, T=T, level=level, noise=noise, t=np.arange(1, T + 1), theta=theta)
    for beta in betas:
        AVERAGE.add(
            tr,
            beta=float(beta),
            window=1.0 / (1.0 - beta),
            raw=ewa(theta, beta),
            corrected=ewa(theta, beta, bias_correction=True),
            factor=ewa(np.ones(T), beta),
        )
    return tr
