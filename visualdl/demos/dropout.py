"""Inverted dropout on a small hidden layer: the data of the ``dropout`` scene.

A 3-8-1 network (tanh hidden layer, sigmoid output, He initialization) built by the engine's
:func:`~visualdl.engine.mlp` with ``keep_prob``, so an inverted
:class:`~visualdl.engine.layers.Dropout` follows the hidden layer, its masks drawn from the
model's seeded Generator. It takes ``steps`` steps of gradient descent on one example
``(x, y)``; each step is a labelled section ``step=t`` (1-based) holding what the engine
records:

- ``dense1.forward`` (``A`` is ``A[1]`` before dropout), ``dropout1.forward`` (the mask ``D``
  and ``A = A[1] * D / keep_prob``), ``dense2.forward`` (the output ``A[2]`` from the dropped
  layer), ``model.cost``, both ``dense{l}.backward`` and ``optimizer.step``.

Then, in the section ``case="test"``, a test-time pass (``training=False``): ``dense1.forward``
and ``dense2.forward`` only, with no mask and no scaling. Last, ``dropout_demo.mean``
(:data:`MEAN`): the mean of ``A[1] * D / keep_prob`` over ``n_masks`` fresh masks of the same
layer beside the test-time ``A[1]``: inverted dropout keeps the expected activation,
``E[A * D / keep_prob] = A``; and ``dropout_demo.scale`` (:data:`SCALE`), the range of the
values the scene shades.

Example
-------
>>> from visualdl.demos.dropout import dropout_trace
>>> tr = dropout_trace()
>>> tr.last("dropout1.forward", step=1)["D"].ravel().tolist()
[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]
>>> tr.find("dropout1.forward", case="test")
[]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import Dropout, mlp
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["MEAN", "SCALE", "X_EXAMPLE", "Y_EXAMPLE", "dropout_trace"]

#: The one example the layer sees, ``x: (3, 1)``, and its label.
X_EXAMPLE = np.array([[0.8], [-0.5], [0.3]])
Y_EXAMPLE = np.array([[1.0]])

MEAN = declare(
    "dropout_demo.mean",
    arrays={
        "A": "(n[1], 1) the test-time A[1]",
        "mean": "(n[1], 1) the mean of A[1] * D / keep_prob over n_masks masks",
    },
    info={"n_masks": "masks averaged", "keep_prob": "probability of keeping a unit"},
)
SCALE = declare(
    "dropout_demo.scale",
    info={
        "scale": "the largest |A[1]| or |A[1] * D / keep_prob| of the steps and the test pass",
        "ends": "[-scale, scale]: the ends of the colour strip",
    },
)


def dropout_trace(
    keep_prob: float = 0.5,
    hidden_units: int = 8,
    steps: int = 3,
    seed: int = 0,
    learning_rate: float = 0.1,
    n_masks: int = 1000,
) -> Trace:
    """``steps`` training steps of a ``3-hidden_units-1`` network with inverted dropout
    (``keep_prob``) on :data:`X_EXAMPLE`, a test-time pass and the mean over ``n_masks``
    masks (records in the module docstring).

    Parameters
    ----------
    keep_prob : probability of keeping a hidden unit (the kept ones are divided by it).
    hidden_units : units of the hidden layer.
    steps : training steps recorded, each with its own mask.
    seed : seed of the model's Generator (``numpy.random.default_rng(seed)``): the weights,
        then every mask.
    learning_rate : alpha of the gradient-descent steps.
    n_masks : masks drawn for the mean.
    """
    X, Y = X_EXAMPLE, Y_EXAMPLE
    model = mlp(
        [X.shape[0], hidden_units, 1],
        hidden="tanh",
        output="sigmoid",
        init="he",
        seed=seed,
        keep_prob=keep_prob,
    )
    meta = {
        "demo": "dropout",
        "seed": seed,
        "keep_prob": keep_prob,
        "layer_dims": model.layer_dims,
        "learning_rate": learning_rate,
    }
    with record(**meta) as tr:
        for t in range(1, steps + 1):
            with record(step=t):
                model.train_step(X, Y, learning_rate)
        with record(case="test"):
            model.forward(X, training=False)
    # the mean is taken outside the recording: its masks are not part of the story
    A1 = tr.last("dense1.forward", case="test")["A"]
    dropout = next(layer for layer in model.layers if isinstance(layer, Dropout))
    mean = sum(dropout.forward(A1, training=True) for _ in range(n_masks)) / n_masks
    MEAN.add(tr, A=A1, mean=mean, n_masks=n_masks, keep_prob=keep_prob)
    shown = [r["A"] for name in ("dense1.forward", "dropout1.forward") for r in tr.find(name)]
    scale = max(float(np.abs(a).max()) for a in shown)
    SCALE.add(tr, scale=scale, ends=[-scale, scale])
    return tr
