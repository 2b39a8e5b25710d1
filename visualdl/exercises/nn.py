"""Exercises of the chapter "Neural networks: forward, backward, the chain rule".

The column layout of the notes: an example is a column, ``A_prev: (n_prev, m)``,
``W: (n, n_prev)``, ``b: (n, 1)``. Every case has ``m`` different from every layer width, so a
transpose or a broadcast over the wrong axis cannot pass by accident.

Example
-------
>>> [ex.name for ex in EXERCISES][:2]
['sigmoid_derivative', 'relu_derivative']
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import activations, losses
from visualdl.engine.dense import dense_backward, dense_forward
from visualdl.exercises.exercise import Exercise, Mistake
from visualdl.registry import NN

__all__ = ["EXERCISES"]

SHAPES = ((3, 4, 7), (5, 2, 9), (1, 6, 4))
"""(n, n_prev, m) of the cases: m differs from both widths."""


def _Z(rng: np.random.Generator) -> list[dict]:
    return [{"Z": 2 * rng.standard_normal((n, m))} for n, _, m in SHAPES]


def _dense(rng: np.random.Generator) -> list[dict]:
    return [
        {
            "A_prev": rng.standard_normal((n_prev, m)),
            "W": rng.standard_normal((n, n_prev)),
            "b": rng.standard_normal((n, 1)),
        }
        for n, n_prev, m in SHAPES
    ]


def _dense_grads(rng: np.random.Generator) -> list[dict]:
    return [
        {k: v for k, v in case.items() if k != "b"} | {"dZ": rng.standard_normal((n, m))}
        for case, (n, _, m) in zip(_dense(rng), SHAPES, strict=True)
    ]


def _logits(rng: np.random.Generator) -> list[dict]:
    return [
        {"Z": 4 * rng.standard_normal((1, m)), "Y": rng.integers(0, 2, (1, m)).astype(float)}
        for m in (7, 12, 5)
    ] + [{"Z": np.array([[800.0, -800.0, 30.0]]), "Y": np.array([[0.0, 1.0, 1.0]])}]


def _dense_backward(dZ, A_prev, W):
    return dense_backward(dZ, {"A_prev": A_prev, "W": W})


def _no_mean(dZ, A_prev, W):
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


def _db_over_all(dZ, A_prev, W):
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.full((dZ.shape[0], 1), dZ.sum() / m)


def _dA_with_mean(dZ, A_prev, W):
    dA_prev, dW, db = _dense_backward(dZ, A_prev, W)
    return dA_prev / A_prev.shape[1], dW, db


def _softmax_unshifted(Z):
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True)


def _softmax_over_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _bce_naive(Z, Y):
    A = 1 / (1 + np.exp(-Z))
    return -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))


def _bce_summed(Z, Y):
    return losses.bce_with_logits(Z, Y) * Z.shape[1]


def _sigmoid_prime_of_A(Z):
    s = activations.sigmoid(Z)
    return activations.sigmoid(s) * (1 - activations.sigmoid(s))


def _sigmoid_prime_plus(Z):
    return activations.sigmoid(Z) * (1 + activations.sigmoid(Z))


EXERCISES = (
    Exercise(
        "sigmoid_derivative",
        NN,
        "The derivative of the sigmoid",
        "Given Z: (n, m), return g'(Z) for g = sigma, elementwise:\n"
        "    sigma(z) = 1 / (1 + e^-z),   sigma'(z) = sigma(z) (1 - sigma(z)).",
        "def sigmoid_derivative(Z)",
        activations.sigmoid_prime,
        _Z,
        (
            Mistake(
                "sigma_of_sigma",
                "sigma'(z) = s (1 - s) with s = sigma(z) itself, not sigma applied to s again",
                _sigmoid_prime_of_A,
            ),
            Mistake("plus_sign", "it is s (1 - s), not s (1 + s)", _sigmoid_prime_plus),
        ),
        ("g'(Z)",),
        row="sigmoid",
    ),
    Exercise(
        "relu_derivative",
        NN,
        "The derivative of ReLU",
        "Given Z: (n, m), return g'(Z) for g(z) = max(0, z): 1 where z > 0, else 0 (the "
        "notes take g'(0) = 0). Return floats, the same shape as Z.",
        "def relu_derivative(Z)",
        activations.relu_prime,
        _Z,
        (Mistake("relu_itself", "that is max(0, z), not its derivative", activations.relu),),
        ("g'(Z)",),
        row="relu",
    ),
    Exercise(
        "dense_forward",
        NN,
        "One dense layer forward: Z = W A_prev + b",
        "Given A_prev: (n_prev, m), W: (n, n_prev), b: (n, 1), return Z = W A_prev + b, "
        "shape (n, m): b broadcasts over the m columns.",
        "def dense_forward(A_prev, W, b)",
        lambda A_prev, W, b: dense_forward(A_prev, W, b)[0],
        _dense,
        (
            Mistake(
                "no_bias",
                "the bias b is missing: Z = W A_prev + b",
                lambda A_prev, W, b: W @ A_prev,
            ),
        ),
        ("Z",),
        row="dense",
    ),
    Exercise(
        "dense_backward",
        NN,
        "One dense layer backward: dA_prev, dW, db from dZ",
        "Given dZ: (n, m) (the gradient of the loss of each example, one per column), "
        "A_prev: (n_prev, m) and W: (n, n_prev), return the gradients of the cost "
        "J = (1/m) sum of the m losses:\n"
        "    dW = (1/m) dZ A_prev^T              (n, n_prev)\n"
        "    db = (1/m) sum(dZ, axis=1, keepdims=True)   (n, 1)\n"
        "    dA_prev = W^T dZ                    (n_prev, m)   (per example: no 1/m)\n"
        "Return (dA_prev, dW, db).",
        "def dense_backward(dZ, A_prev, W)",
        _dense_backward,
        _dense_grads,
        (
            Mistake(
                "missing_1_over_m",
                "dW and db are the sum over the m examples, not the mean: divide them by m",
                _no_mean,
            ),
            Mistake(
                "db_sum_over_all",
                "db sums over every entry of dZ; sum over the examples only (axis=1, "
                "keepdims=True), one value per unit",
                _db_over_all,
            ),
            Mistake(
                "1_over_m_in_dA_prev",
                "dA_prev is per example, W^T dZ: the 1/m belongs to dW and db only",
                _dA_with_mean,
            ),
        ),
        ("dA_prev", "dW", "db"),
        row="dense",
    ),
    Exercise(
        "stable_softmax",
        NN,
        "The softmax, stable for large logits",
        "Given Z: (k, m), one column per example, return A: (k, m) with\n"
        "    A_i = e^(Z_i - max_j Z_j) / sum_l e^(Z_l - max_j Z_j)   per column,\n"
        "so every column sums to 1 and no exp overflows (cases include logits of 1000).",
        "def stable_softmax(Z)",
        activations.softmax,
        lambda rng: _Z(rng) + [{"Z": np.array([[1000.0, 1.0], [999.0, 2.0], [0.0, 3.0]])}],
        (
            Mistake(
                "no_shift",
                "e^Z overflows for large logits: subtract each column's max before exp",
                _softmax_unshifted,
            ),
            Mistake(
                "wrong_axis",
                "the sum runs over the classes of one example, axis=0 (a column), not axis=1",
                _softmax_over_rows,
            ),
        ),
        ("A",),
        row="softmax",
    ),
    Exercise(
        "bce_from_logits",
        NN,
        "Binary cross-entropy straight from the logits",
        "Given the logits Z: (1, m) and labels Y: (1, m) in {0, 1}, return the cost\n"
        "    J = (1/m) sum( max(Z, 0) - Z Y + log(1 + e^-|Z|) ),\n"
        "which equals the mean of -(Y log sigma(Z) + (1 - Y) log(1 - sigma(Z))) but is finite "
        "for any finite Z (a case has Z = 800).",
        "def bce_from_logits(Z, Y)",
        losses.bce_with_logits,
        _logits,
        (
            Mistake(
                "through_sigmoid",
                "log(sigma(Z)) underflows for large |Z|: use max(Z, 0) - Z Y + log1p(e^-|Z|)",
                _bce_naive,
            ),
            Mistake(
                "missing_1_over_m", "J is the mean over the m examples: divide by m", _bce_summed
            ),
        ),
        ("J",),
        row="bce",
    ),
)
