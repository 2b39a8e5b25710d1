"""The XOR multilayer perceptron demo: one recorded training step of a 2-3-1 network.

A 2-3-1 network (tanh hidden layer, sigmoid output, He initialization, fixed seed) is
trained for a while on the notes' XOR data with full-batch gradient descent, then one more
step is recorded: forward, cost, backward and the gradient-descent step. Examples are columns,
so with the four XOR points ``X: (2, 4)``, ``A[1]: (3, 4)``, ``A[2], Y: (1, 4)``.

The trace holds, in order, in the section ``case="step"``: ``dense1.forward``,
``dense2.forward`` (``A_prev, W, b, Z, A``), ``model.cost`` (``AL, Y``; info ``J``),
``dense2.backward`` (``dZ, dW, db, dA_prev``), ``dense1.backward`` (also ``dA``),
``optimizer.step`` (``W1, b1, W2, b2``, their gradients and ``*_new``; info
``optimizer="gd"``, ``lr``) and, for each layer, ``mlp_xor.derivative{l}`` (:data:`DERIVATIVE`)
with ``gprime = g'(Z[l])`` (the factor in ``dZ = dA * g'(Z)``); then, labelled ``l``, the
``dense.entry`` records of :func:`~visualdl.engine.dense_loops.dense_forward_loop` for every
entry of ``Z[l]`` (a row of ``W`` times a column of ``A[l-1]``, plus ``b``) and the
``dense.dw_entry`` records of :func:`~visualdl.engine.dense_loops.dense_dW_loop` for every
entry of ``dW[l]`` (a row of ``dZ[l]`` times a row of ``A[l-1]``, over ``m``); then, in the
section ``case="again"``, the forward pass and ``model.cost`` once more with the updated
parameters (J after the step).

Example
-------
>>> from visualdl.demos.mlp import mlp_xor_trace
>>> tr = mlp_xor_trace()
>>> tr.last("dense1.forward", case="step")["Z"].shape
(3, 4)
>>> tr.last("model.cost", case="again").info["J"] < tr.last("model.cost", case="step").info["J"]
True
"""

from __future__ import annotations

from visualdl.engine import activations, data, mlp
from visualdl.engine.dense_loops import dense_dW_loop, dense_forward_loop
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["DERIVATIVE", "mlp_xor_trace"]

DERIVATIVE = declare(
    "mlp_xor.derivative{l}",
    arrays={"gprime": "(n[l], m) g'(Z[l])"},
    info={"activation": "name of g"},
)


def mlp_xor_trace(
    seed: int = 3,
    iterations: int = 40,
    learning_rate: float = 0.5,
    hidden: str = "tanh",
) -> Trace:
    """Train a 2-3-1 XOR network for ``iterations`` steps, then record one more step.

    Parameters
    ----------
    seed : seed of the He initialization (``numpy.random.default_rng(seed)``).
    iterations : gradient-descent steps taken before the recorded one (0 records the first).
    learning_rate : alpha in ``W := W - alpha dW``.
    hidden : the hidden activation (``"tanh"`` or ``"relu"``).

    Returns
    -------
    Trace with meta ``demo, seed, iterations, learning_rate, layer_dims, hidden, output`` and
    the records listed in the module docstring. Same arguments give identical arrays.
    """
    X, Y = data.xor()
    model = mlp([2, 3, 1], hidden=hidden, output="sigmoid", init="he", seed=seed)
    if iterations > 0:
        model.fit(X, Y, learning_rate=learning_rate, num_iterations=iterations)
    meta = {
        "demo": "mlp-xor",
        "seed": seed,
        "iterations": iterations,
        "learning_rate": learning_rate,
        "layer_dims": model.layer_dims,
        "hidden": hidden,
        "output": "sigmoid",
    }
    with record(**meta) as tr:
        with record(case="step") as step:
            model.train_step(X, Y, learning_rate)
            for layer in model.dense:
                Z = step.last(f"dense{layer.l}.forward")["Z"]
                DERIVATIVE.log(
                    l=layer.l,
                    activation=layer.g.name,
                    gprime=activations.get(layer.g.name).derivative(Z),
                )
        for layer in model.dense:  # every entry of Z[l] and dW[l], a row times a column
            f = tr.last(f"dense{layer.l}.forward", case="step")
            with record(l=layer.l):
                dense_forward_loop(f["W"], f["A_prev"], f["b"])
                dense_dW_loop(tr.last(f"dense{layer.l}.backward")["dZ"], f["A_prev"])
        with record(case="again"):  # the forward pass again, with the updated parameters
            model.cost(model.forward(X), Y)
    return tr
