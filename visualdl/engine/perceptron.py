"""The perceptron learning rule (Rosenblatt, 1958): one step unit, trained example by example.

Shapes (examples are columns): ``X: (n_x, m)``, labels ``Y: (1, m)`` of 0 and 1, weights
``W: (1, n_x)``, bias ``b: (1, 1)``.

Forward: ``y_hat = step(W x + b)``, with ``step(z) = 1`` for ``z >= 0`` and ``0`` otherwise.
Rule, for each example ``(x, y)`` in turn: ``W := W + alpha (y - y_hat) x^T`` and
``b := b + alpha (y - y_hat)``; a right answer (``y_hat = y``) changes nothing, a wrong one
moves the line ``W x + b = 0`` towards the example. An epoch is one pass over the ``m``
examples. Training stops after the first epoch without a mistake (``converged``: the unit then
separates every example) or after ``max_epochs`` (not converged).

The perceptron convergence theorem: on linearly separable data (AND, OR, NAND) the rule makes
finitely many updates and stops. On XOR no line separates the classes, so every epoch makes a
mistake and the rule never stops on its own. This is the classic reason for hidden layers.

Example
-------
>>> import numpy as np
>>> from visualdl.engine.perceptron import perceptron_fit, perceptron_predict
>>> X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
>>> run = perceptron_fit(X, np.array([[0, 0, 0, 1]]))  # AND
>>> run.converged, run.errors.tolist()
(True, [2, 3, 3, 2, 1, 0])
>>> perceptron_predict(run.W, run.b, X).tolist()
[[0.0, 0.0, 0.0, 1.0]]
>>> perceptron_fit(X, np.array([[0, 1, 1, 0]]), max_epochs=20).converged  # XOR
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from visualdl.backend import to_host
from visualdl.engine.checks import (
    check_batch,
    check_binary,
    check_finite,
    check_ndim,
    check_same_shape,
    integer,
    named,
    number,
    real_array,
)
from visualdl.engine.initializers import Rng, make_rng

__all__ = ["PerceptronRun", "perceptron_fit", "perceptron_predict", "step"]


@dataclass
class PerceptronRun:
    """What :func:`perceptron_fit` did.

    ``W: (1, n_x)`` and ``b: (1, 1)`` at the end; ``errors: (epochs,)`` the mistakes (=
    updates) made in each epoch; ``W_history: (epochs + 1, n_x)`` and ``b_history:
    (epochs + 1,)`` the weights at the start and after every epoch; ``converged`` whether the
    last epoch made no mistake (then ``W, b`` classify every example right).
    """

    W: np.ndarray
    b: np.ndarray
    errors: np.ndarray
    W_history: np.ndarray
    b_history: np.ndarray
    converged: bool

    @property
    def epochs(self) -> int:
        """The number of epochs run."""
        return len(self.errors)


def step(Z: Any) -> np.ndarray:
    """The step activation: ``1.0`` where ``Z >= 0``, ``0.0`` elsewhere (same shape as Z).

    >>> step(np.array([-0.5, 0.0, 2.0])).tolist()
    [0.0, 1.0, 1.0]
    """
    Z = to_host(real_array("step", "Z", Z))
    return (Z >= 0).astype(np.float64)


def _inputs(op: str, X: Any) -> np.ndarray:
    """``X: (n_x, m)`` as finite host float64 with ``m >= 1``."""
    X = to_host(real_array(op, "X", X)).astype(np.float64)
    check_ndim(op, "X", X, 2, "(n_x, m)")
    check_batch(op, "X", X, 1)
    check_finite(op, "X", X)
    return X


def _weights(op: str, W: Any, b: Any, n_x: int) -> tuple[np.ndarray, np.ndarray]:
    """``W: (1, n_x)`` and ``b: (1, 1)`` as finite host float64 copies."""
    W = to_host(real_array(op, "W", W)).astype(np.float64)
    b = to_host(real_array(op, "b", b)).astype(np.float64)
    check_same_shape(op, "W", W, "(1, n_x)", (1, n_x))
    check_same_shape(op, "b", b, "(1, 1)", (1, 1))
    check_finite(op, "W", W)
    check_finite(op, "b", b)
    return W.copy(), b.copy()


@named("perceptron_predict")
def perceptron_predict(W: Any, b: Any, X: Any) -> np.ndarray:
    """Labels ``step(W X + b): (1, m)`` for ``X: (n_x, m)``, ``W: (1, n_x)``, ``b: (1, 1)``."""
    X = _inputs("perceptron_predict", X)
    W, b = _weights("perceptron_predict", W, b, X.shape[0])
    return step(W @ X + b)


@named("perceptron_fit")
def perceptron_fit(
    X: Any,
    Y: Any,
    lr: float = 1.0,
    max_epochs: int = 100,
    W: Any = None,
    b: Any = None,
    seed: int | Rng | None = None,
) -> PerceptronRun:
    """Train a perceptron on ``X: (n_x, m)``, ``Y: (1, m)`` (labels 0/1) with the rule
    ``W := W + lr (y - y_hat) x^T``, ``b := b + lr (y - y_hat)`` (see the module).

    Parameters
    ----------
    lr : the learning rate alpha, a finite number > 0.
    max_epochs : the most passes over the data (an int >= 1).
    W, b : the start, ``(1, n_x)`` and ``(1, 1)``; zeros by default.
    seed : None visits the examples in their order every epoch; a seed or a
        ``numpy.random.Generator`` shuffles them every epoch.
    """
    op = "perceptron_fit"
    X = _inputs(op, X)
    n_x, m = X.shape
    Y = to_host(real_array(op, "Y", Y)).astype(np.float64)
    check_same_shape(op, "labels Y", Y, "(1, m)", (1, m))
    check_binary(op, "labels Y", Y)
    lr = number(op, "lr", lr, "(0, inf)")
    max_epochs = integer(op, "max_epochs", max_epochs)
    W = np.zeros((1, n_x)) if W is None else W
    W, b = _weights(op, W, np.zeros((1, 1)) if b is None else b, n_x)
    rng = None if seed is None else make_rng(seed)
    errors: list[int] = []
    W_hist, b_hist = [W[0].copy()], [float(b[0, 0])]
    for _ in range(max_epochs):
        order = range(m) if rng is None else rng.permutation(m)
        mistakes = 0
        for i in order:
            x, y = X[:, i : i + 1], Y[0, i]
            delta = y - step(W @ x + b)[0, 0]  # 0 when right, +1 or -1 when wrong
            if delta != 0:
                W = W + lr * delta * x.T
                b = b + lr * delta
                mistakes += 1
        errors.append(mistakes)
        W_hist.append(W[0].copy())
        b_hist.append(float(b[0, 0]))
        if mistakes == 0:
            break
    return PerceptronRun(
        W=W,
        b=b,
        errors=np.array(errors, dtype=np.int64),
        W_history=np.array(W_hist),
        b_history=np.array(b_hist),
        converged=errors[-1] == 0,
    )
