"""A LeNet-style CNN on scikit-learn's 8x8 handwritten digits (shipped inside scikit-learn, so
nothing is downloaded), its training run, and a trace of what it learned.

Data: 1,797 images ``8 x 8``, pixels 0..16 scaled to [0, 1], in the conv layout
``X: (m, 8, 8, 1)`` with one-hot labels ``Y: (10, m)``; a fixed stratified split
(``train_test_split(test_size=0.25, random_state=0)``): 1,347 training and 450 test images.

Network (LeNet's pattern at 8x8: conv, pool, conv, pool, dense, dense, softmax)::

    8x8x1 -> conv f3 p1 n8, relu -> 8x8x8 -> maxpool f2 s2 -> 4x4x8
          -> conv f3 p1 n16, relu -> 4x4x16 -> maxpool f2 s2 -> 2x2x16 -> flatten 64
          -> fc 64, relu -> fc 10, softmax

Training (:func:`train_digits`): Adam, lr 0.003, mini-batches of 32, 30 epochs, the rate
ramped up linearly over the first :data:`WARMUP` epochs (``lr * min(1, (epoch + 1) / 5)``),
which keeps Adam's large first steps from pushing a conv filter to a ReLU that is 0 for every
input (a "dead" filter). The baseline it must beat, :func:`softmax_regression`: the engine's
softmax layer alone on the 64 raw pixels (logistic regression for 10 classes), Adam lr 0.01
for 100 epochs on the same split.

Example
-------
>>> from visualdl.demos.digits import digits_data, lenet_digits
>>> (X_train, Y_train), (X_test, Y_test) = digits_data()
>>> X_train.shape, Y_train.shape, X_test.shape
((1347, 8, 8, 1), (10, 1347), (450, 8, 8, 1))
>>> lenet_digits(seed=0).forward(X_test[:5]).shape
(10, 5)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from visualdl.engine.cnn_layers import Conv2D, Flatten, MaxPool2D
from visualdl.engine.layers import Dense
from visualdl.engine.model import Sequential, mlp
from visualdl.engine.optimizers import Optimizer
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = [
    "BASELINE",
    "EPOCHS",
    "FEATURE_MAPS",
    "KERNELS",
    "LR",
    "WARMUP",
    "dead_filters",
    "digits_data",
    "digits_trace",
    "lenet_digits",
    "one_hot",
    "softmax_regression",
    "train_digits",
]

EPOCHS = 30
LR = 0.003
WARMUP = 5

KERNELS = declare(
    "digits.kernels",
    arrays={
        "W": "(3, 3, 1, n1)",  # first conv layer's kernels
        "b": "(n1,)",  # its biases
    },
    info={"layer": "conv layer number (1)"},
)
FEATURE_MAPS = declare(
    "digits.feature_maps",
    arrays={
        "X": "(k, 8, 8, 1)",  # test digits
        "conv1": "(k, 8, 8, n1)",  # after conv 1 and ReLU
        "pool1": "(k, 4, 4, n1)",  # after pool 1
        "conv2": "(k, 4, 4, n2)",  # after conv 2 and ReLU
        "pool2": "(k, 2, 2, n2)",  # after pool 2
        "labels": "(k,)",  # true digits
        "predictions": "(k,)",  # predicted digits
        "probabilities": "(10, k)",  # softmax outputs
    },
    info={
        "test_accuracy": "fraction right on the test split",
        "train_accuracy": "fraction right on the training split",
        "dead_conv1": "conv1 filters (0-based) whose ReLU output is 0 on every test image",
        "dead_conv2": "the same for conv2",
    },
)
BASELINE = declare(
    "digits.baseline",
    info={
        "model": "what the baseline is",
        "test_accuracy": "fraction right on the test split",
        "epochs": "training epochs",
    },
)


def one_hot(labels: np.ndarray, k: int = 10) -> np.ndarray:
    """``(k, m)`` one-hot columns for integer labels ``(m,)``."""
    Y = np.zeros((k, len(labels)))
    Y[labels, np.arange(len(labels))] = 1.0
    return Y


def digits_data(
    test_size: float = 0.25, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``((X_train, Y_train), (X_test, Y_test))``: ``X (m, 8, 8, 1)`` in [0, 1], ``Y (10, m)``.

    The split is ``train_test_split(..., test_size, random_state=seed, stratify=labels)``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.images.astype(np.float64)[..., None] / 16.0
    y = digits.target
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    return (X_tr, one_hot(y_tr)), (X_te, one_hot(y_te))


def lenet_digits(seed: int = 0, n1: int = 8, n2: int = 16, hidden: int = 64) -> Sequential:
    """The module's network, He-initialized from ``numpy.random.default_rng(seed)``.

    Parameters are numbered ``W1, b1`` (conv 3x3x1x``n1``), ``W2, b2`` (conv 3x3x``n1``x``n2``),
    ``W3, b3`` (dense ``hidden`` x ``4 n2``), ``W4, b4`` (dense 10 x ``hidden``).
    """
    rng = np.random.default_rng(seed)
    return Sequential(
        [
            Conv2D(1, n1, 3, padding=1, activation="relu", rng=rng),
            MaxPool2D(2, 2),
            Conv2D(n1, n2, 3, padding=1, activation="relu", rng=rng),
            MaxPool2D(2, 2),
            Flatten(),
            Dense(4 * n2, hidden, "relu", rng=rng),
            Dense(hidden, 10, "softmax", rng=rng),
        ],
        loss="cross_entropy",
    )


def train_digits(
    epochs: int = EPOCHS,
    batch_size: int = 32,
    lr: float = LR,
    optimizer: str = "adam",
    seed: int = 0,
    n_train: int | None = None,
    warmup: int = WARMUP,
) -> tuple[Sequential, dict[str, list], dict[str, float]]:
    """Train :func:`lenet_digits` with mini-batches and return ``(model, history, accuracies)``.

    ``history`` is :meth:`Sequential.fit`'s (cost per epoch); ``accuracies`` holds
    ``train``, ``test`` (fractions) and ``seconds`` (training time). ``n_train`` keeps only the
    first training images (a smaller budget). The rate of epoch ``e`` is
    ``lr * min(1, (e + 1) / warmup)`` (``warmup <= 1``: ``lr`` throughout).
    """
    (X_tr, Y_tr), (X_te, Y_te) = digits_data()
    if n_train is not None:
        X_tr, Y_tr = X_tr[:n_train], Y_tr[:, :n_train]
    model = lenet_digits(seed)
    start = time.perf_counter()
    history = model.fit(
        X_tr,
        Y_tr,
        num_iterations=epochs,
        every=1,
        optimizer=Optimizer(optimizer, lr=lr),
        batch_size=batch_size,
        seed=seed,
        schedule=lambda e: lr * min(1.0, (e + 1) / max(warmup, 1)),
    )
    seconds = time.perf_counter() - start
    accuracies = {
        "train": model.accuracy(X_tr, Y_tr),
        "test": model.accuracy(X_te, Y_te),
        "seconds": seconds,
    }
    return model, history, accuracies


def softmax_regression(epochs: int = 100, seed: int = 0) -> float:
    """The baseline: a softmax layer ``[64, 10]`` on the flattened pixels, trained with Adam
    (lr 0.01, batches of 32) on the same split; returns its test accuracy."""
    (X_tr, Y_tr), (X_te, Y_te) = digits_data()
    flat_tr, flat_te = X_tr.reshape(len(X_tr), -1).T, X_te.reshape(len(X_te), -1).T
    model = mlp([64, 10], output="softmax", seed=seed)
    model.fit(
        flat_tr,
        Y_tr,
        num_iterations=epochs,
        optimizer=Optimizer("adam", lr=0.01),
        batch_size=32,
        seed=seed,
    )
    return model.accuracy(flat_te, Y_te)


def dead_filters(model: Sequential, X: np.ndarray) -> list[list[int]]:
    """For each conv layer of ``model``, the filters (0-based) whose output after ReLU is 0 for
    every image of ``X`` (``(m, 8, 8, 1)``): "dead" ReLUs, which no gradient can revive."""
    dead, A = [], X
    for layer in model.layers:
        A = layer.forward(A)
        if isinstance(layer, Conv2D):
            dead.append(np.flatnonzero(A.max(axis=(0, 1, 2)) <= 0).tolist())
    return dead


def digits_trace(
    epochs: int = EPOCHS,
    batch_size: int = 32,
    lr: float = LR,
    seed: int = 0,
    k: int = 6,
    baseline_epochs: int = 100,
) -> Trace:
    """Train the CNN, then record its first-layer kernels and the feature maps of ``k`` test
    digits (the first ``k`` of the test split), and the baseline's test accuracy.

    Records
    -------
    ``digits.kernels`` (:data:`KERNELS`): the first conv layer's ``W`` and ``b``.
    ``digits.feature_maps`` (:data:`FEATURE_MAPS`): the test digits, the activations after
    each conv layer (ReLU) and pool, labels, predictions and probabilities; the accuracies and
    the dead filters (:func:`dead_filters` on the whole test split).
    ``digits.baseline`` (:data:`BASELINE`): :func:`softmax_regression`'s test accuracy after
    ``baseline_epochs`` (same seed, same split).
    Meta: ``demo, seed, epochs, batch_size, lr, warmup``.

    Example
    -------
    >>> tr = digits_trace(epochs=1, k=2, baseline_epochs=1)
    >>> tr.last("digits.kernels")["W"].shape, tr.last("digits.feature_maps")["conv2"].shape
    ((3, 3, 1, 8), (2, 4, 4, 16))
    """
    model, _, acc = train_digits(epochs, batch_size, lr, "adam", seed)
    (_, _), (X_te, Y_te) = digits_data()
    X = X_te[:k]
    maps: dict[str, Any] = {}
    A = X
    names = iter(["conv1", "pool1", "conv2", "pool2"])
    for layer in model.layers:
        A = layer.forward(A)
        if isinstance(layer, Conv2D | MaxPool2D):
            maps[next(names)] = A
    probs = model.forward(X)
    dead1, dead2 = dead_filters(model, X_te)
    tr = Trace({"demo": "digits-cnn", "seed": seed, "epochs": epochs, "batch_size": batch_size})
    tr.meta.update({"lr": lr, "warmup": WARMUP})
    conv1 = model.layers[0]
    KERNELS.add(tr, layer=1, W=conv1.W, b=conv1.b)
    FEATURE_MAPS.add(
        tr,
        test_accuracy=acc["test"],
        train_accuracy=acc["train"],
        dead_conv1=dead1,
        dead_conv2=dead2,
        X=X,
        **maps,
        labels=Y_te[:, :k].argmax(axis=0),
        predictions=probs.argmax(axis=0),
        probabilities=probs,
    )
    BASELINE.add(
        tr,
        model="softmax regression on the 64 pixels (no hidden layer), Adam lr 0.01",
        test_accuracy=softmax_regression(baseline_epochs, seed),
        epochs=baseline_epochs,
    )
    return tr
