"""Exponentially weighted averages, with and without bias correction.

``v_0 = 0``, ``v_t = beta v_{t-1} + (1 - beta) theta_t``; corrected ``v_t / (1 - beta^t)``.
Starting from 0, the raw average is too small for the first ~1/(1 - beta) steps; for a
constant series ``theta_t = g`` it is exactly ``(1 - beta^t) g``, which the correction undoes.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.averaging import ewa
>>> ewa(np.ones(3), 0.9).round(3).tolist()
[0.1, 0.19, 0.271]
>>> ewa(np.ones(3), 0.9, bias_correction=True).round(12).tolist()
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from visualdl.backend import to_host
from visualdl.engine.checks import number, real_array

__all__ = ["ewa"]


def ewa(series: np.ndarray, beta: float, bias_correction: bool = False) -> np.ndarray:
    """The averages ``v_1..v_T`` of ``series: (T,)`` (one per entry, same shape)."""
    beta = number("ewa", "beta", beta, "[0, 1)")
    theta = to_host(real_array("ewa", "series", series)).astype(np.float64)
    if theta.ndim != 1:
        raise ValueError(f"ewa: expected a 1-D series, got shape {theta.shape}")
    v = np.empty_like(theta)
    acc = 0.0
    for t, x in enumerate(theta):
        acc = beta * acc + (1 - beta) * x
        v[t] = acc
    if bias_correction:
        v = v / (1 - beta ** np.arange(1, len(theta) + 1))
    return v
