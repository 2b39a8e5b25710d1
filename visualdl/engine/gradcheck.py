"""Gradient checking with two-sided differences.

``dtheta_approx[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)`` and the relative error
``||a - b|| / max(||a|| + ||b||, tiny)``; below about 1e-7 the backward is right, above 1e-3 it
is almost certainly wrong.

Example
-------
>>> from visualdl.engine import data, mlp
>>> from visualdl.engine.gradcheck import check_model
>>> X, Y = data.two_moons(20, seed=0)
>>> errors = check_model(mlp([2, 3, 1], init="he", seed=0), X, Y)
>>> max(errors.values()) < 1e-7
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from visualdl.backend import from_host, to_host
from visualdl.engine.checks import check_same_shape, named, number, real_array, scalar
from visualdl.engine.model import Sequential

__all__ = ["check_model", "numerical_gradient", "relative_error"]

TINY = 1e-300
EPS_RANGE = "[1e-10, 0.1]"  # the steps central differences can take in float64


def _scalar(v: Any) -> float:
    """``f(x)`` as a finite float: a number or a 0-d array, nothing else."""
    return number("numerical_gradient", "f(x)", scalar("numerical_gradient", "f(x)", v))


def relative_error(a: Any, b: Any) -> float:
    """``||a - b|| / max(||a|| + ||b||, tiny)`` (0 when both are zero); a and b of one shape."""
    a = to_host(real_array("relative_error", "a", a)).astype(np.float64)
    b = to_host(real_array("relative_error", "b", b)).astype(np.float64)
    check_same_shape("relative_error", "b", b, "a", a)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if scale > 0 and np.isfinite(scale):  # the ratio is the same; the norms do not overflow
        a, b = a / scale, b / scale
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), TINY))


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6):
    """Central differences of the scalar ``f`` at the host array ``x`` (same shape as x);
    ``eps`` in [1e-10, 0.1]: below it the two costs round to the same number."""
    eps = number("numerical_gradient", "eps", eps, EPS_RANGE)
    if not callable(f):
        raise ValueError(f"numerical_gradient: f must be a function of x, got {f!r:.80}")
    x = np.array(to_host(real_array("numerical_gradient", "x", x)), dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        x[i] = old
        grad[i] = (_scalar(plus) - _scalar(minus)) / (2 * eps)
    return grad


@named("check_model")
def check_model(
    model: Any, X: Any, Y: Any, eps: float = 1e-5, training: bool = False
) -> dict[str, float]:
    """Relative error between the backward pass and central differences, per parameter.

    By default the forward is the inference one (no dropout; batch norm with its running
    statistics). ``training=True`` checks the training forward instead (batch norm with the
    batch's statistics); it needs a model without dropout, whose masks are random.
    The model must compute in float64 (in float32 the differences themselves are off by about
    1e-3, which would read as a bug). Returns ``{"W1": err, "b1": err, ...}``.
    """
    if not isinstance(model, Sequential):
        raise ValueError(f"check_model: model must be a Sequential, got {model!r:.80}")
    if model.dtype != np.float64:
        raise ValueError(
            f"check_model: the model computes in {model.dtype}; central differences need "
            "float64 to resolve 1e-7 (make it with dtype='float64')"
        )
    if training and any(getattr(layer, "keep_prob", 1.0) < 1.0 for layer in model.layers):
        raise ValueError(
            "check_model: training=True needs a model without dropout (its masks are random, "
            "so the differences would compare different networks); check with training=False"
        )
    eps = number("check_model", "eps", eps, EPS_RANGE)
    AL = model.forward(X, training)
    grads = {k: to_host(v) for k, v in model.backward(AL, Y).items()}
    params = model.params
    errors = {}
    for key, value in params.items():

        def J(theta: np.ndarray, key: str = key, like: Any = value) -> float:
            model.set_params({key: from_host(theta, like=like)})
            return model.cost(model.forward(X, training), Y)

        approx = numerical_gradient(J, to_host(value), eps)
        model.set_params({key: value})
        errors[key] = relative_error(approx, grads["d" + key])
    return errors
