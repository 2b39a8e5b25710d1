"""A ``Sequential`` model: forward, cost, backward and training with an optimizer.

Parameters, gradients and optimizer state are dicts keyed as in the notes: ``W1``, ``b1``, ...;
``dW1``, ``db1``, ...; ``VdW1``, .... Every update goes through
:class:`~visualdl.engine.optimizers.Optimizer` (plain gradient descent ``W := W - alpha dW`` is
``Optimizer("gd")``), recorded as ``optimizer.step``. With sigmoid + BCE or softmax +
cross-entropy at the output the backward starts from ``dZ[L] = A[L] - Y``, as in the notes.

Example
-------
>>> from visualdl.engine import data, mlp
>>> X, Y = data.xor()
>>> model = mlp([2, 8, 1], init="he", seed=0)
>>> history = model.fit(X, Y, learning_rate=0.5, num_iterations=2000)
>>> model.accuracy(X, Y)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from visualdl.backend import array_module, to_host
from visualdl.engine import losses
from visualdl.engine._checks import check_finite
from visualdl.engine.data import mini_batches
from visualdl.engine.initializers import Rng, make_rng
from visualdl.engine.layers import Dense, Dropout, Layer
from visualdl.engine.optimizers import Optimizer
from visualdl.engine.regularization import (
    check_keep_prob,
    l1_penalty,
    l1_penalty_grads,
    l2_penalty,
    l2_penalty_grads,
)
from visualdl.schema import declare

__all__ = ["Sequential", "mlp"]

Array = Any
PENALTIES = {"l2": (l2_penalty, l2_penalty_grads), "l1": (l1_penalty, l1_penalty_grads)}
COST = declare(
    "model.cost",
    arrays={"AL": "(k, m) the output A[L]", "Y": "(k, m) the labels"},
    info={"J": "the cost, penalty included"},
)


class Sequential:
    """Layers applied in order, with a loss and an optional weight penalty.

    Parameters
    ----------
    layers : the layers; every layer with parameters (``Dense``, ``Conv2D``, ``BatchNorm``, also
        inside a ``Residual`` block) is numbered 1..L in order (``W1``, ``W2``, ...,
        ``gamma3``, ...), so an MLP's dense layers are 1..L as in the notes.
    loss : ``"bce"``, ``"cross_entropy"``, ``"mse"`` or ``"l1_loss"``.
    lambd : penalty strength lambda (0 for none).
    penalty : ``"l2"`` (lambda/2m sum ||W||_F^2) or ``"l1"`` (lambda/2m sum |W|).

    Inputs are ``X: (n_x, m)`` (dense layout) or ``X: (m, n_H, n_W, n_C)`` (conv layout; a
    ``Flatten`` or ``GlobalAvgPool`` turns it into the dense layout before the dense layers).
    Labels are always ``Y: (k, m)``.
    """

    def __init__(
        self, layers: Sequence[Layer], loss: str = "bce", lambd: float = 0.0, penalty: str = "l2"
    ) -> None:
        self.layers = list(layers)
        self.loss = losses.get(loss)
        if penalty not in PENALTIES:
            raise ValueError(f"penalty: expected one of {sorted(PENALTIES)}, got {penalty!r}")
        if lambd < 0:
            raise ValueError(f"penalty: lambd must be >= 0, got {lambd}")
        self.lambd, self.penalty = float(lambd), penalty
        _number(self.layers)
        self.dense = [layer for layer in _parametric(self.layers) if isinstance(layer, Dense)]
        self._m = 0

    # -- parameters ---------------------------------------------------------------------
    @property
    def layer_dims(self) -> list[int]:
        """``[n0, n1, ..., nL]``."""
        return [self.dense[0].shape[1]] + [d.shape[0] for d in self.dense]

    @property
    def params(self) -> dict[str, Array]:
        """``{"W1": ..., "b1": ..., ...}`` (the layers' own arrays)."""
        return {k: v for layer in self.layers for k, v in layer.params().items()}

    def set_params(self, params: dict[str, Array]) -> None:
        """Replace parameters by key (missing keys keep their value)."""
        for layer in self.layers:
            layer.set_params(params)

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients from the last :meth:`backward`: ``{"dW1": ..., "db1": ..., ...}``."""
        return {k: v for layer in self.layers for k, v in layer.grads.items()}

    # -- passes -------------------------------------------------------------------------
    def forward(self, X: Array, training: bool = False) -> Array:
        """``A[L]`` for inputs ``X: (n_x, m)`` or ``(m, n_H, n_W, n_C)``; dropout is active and
        batch norm uses batch statistics only when ``training``."""
        check_finite("forward", "X", X)
        self._m = X.shape[1] if X.ndim == 2 else X.shape[0] if X.ndim == 4 else 0
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def cost(self, AL: Array, Y: Array) -> float:
        """J = loss(A[L], Y) + penalty; recorded as ``model.cost``."""
        J = self.loss.cost(AL, Y)
        if self.lambd:
            J = J + PENALTIES[self.penalty][0](self.params, self.lambd, Y.shape[1])
        J = float(J)
        COST.log(J=J, AL=AL, Y=Y)
        return J

    def backward(self, AL: Array, Y: Array) -> dict[str, Array]:
        """Gradients of J for the last forward pass, keyed ``dW1``, ``db1``, ..."""
        if tuple(AL.shape) != tuple(Y.shape):
            raise ValueError(
                f"backward: labels Y must have the output's shape {tuple(AL.shape)}, "
                f"got {tuple(Y.shape)}"
            )
        out = self.layers[-1]
        if isinstance(out, Dense) and out.g.name == self.loss.fused_with:
            dA = out.backward(dZ=AL - Y)  # sigmoid+BCE, softmax+CE: dZ[L] = A[L] - Y
        else:
            dA = out.backward(self.loss.backward(AL, Y))
        for layer in reversed(self.layers[:-1]):
            dA = layer.backward(dA)
        grads = self.grads
        if self.lambd:
            extra = PENALTIES[self.penalty][1](self.params, self.lambd, Y.shape[1])
            grads = {k: v + extra[k] if k in extra else v for k, v in grads.items()}
        return grads

    def train_step(self, X: Array, Y: Array, learning_rate: float) -> float:
        """One forward, cost, backward and gradient-descent step ``W := W - alpha dW``
        (``Optimizer("gd")``); returns the cost before the step."""
        return self._step(X, Y, Optimizer("gd", lr=learning_rate), None)

    def fit(
        self,
        X: Array,
        Y: Array,
        learning_rate: float = 0.01,
        num_iterations: int = 1000,
        every: int = 100,
        print_cost: bool = False,
        callback: Callable[[int, Sequential], None] | None = None,
        *,
        optimizer: str | Optimizer = "gd",
        batch_size: int | None = None,
        seed: int = 0,
        schedule: Callable[[int], float] | None = None,
    ) -> dict[str, list]:
        """Train for ``num_iterations`` passes over the data (epochs).

        With ``batch_size=None`` each pass is one full-batch step (batch gradient descent);
        otherwise the columns are shuffled with ``default_rng(seed)`` every pass and cut into
        mini-batches of ``batch_size`` (the last one smaller): ``m`` gives batch, ``64``
        mini-batch and ``1`` stochastic gradient descent. ``optimizer`` is a name (with
        ``learning_rate``) or an :class:`Optimizer`; ``schedule(epoch)`` sets the rate per pass.

        Returns ``{"iteration", "cost"}`` every ``every`` passes (and the last), the cost being
        the example-weighted mean of the pass's mini-batch costs, plus ``"step_cost"`` with the
        cost of every step. ``callback(i, model)`` runs at the recorded passes. Raises
        ``FloatingPointError`` naming the pass and step if the cost stops being finite.
        """
        if num_iterations < 1 or every < 1:
            raise ValueError("fit: num_iterations and every must be >= 1")
        opt = (
            optimizer
            if isinstance(optimizer, Optimizer)
            else Optimizer(optimizer, lr=learning_rate)
        )
        rng = make_rng(seed)
        history: dict[str, list] = {"iteration": [], "cost": [], "step_cost": []}
        for i in range(num_iterations):
            lr = None if schedule is None else float(schedule(i))
            total = 0.0
            for Xb, Yb in mini_batches(X, Y, batch_size, rng):
                J = self._step(Xb, Yb, opt, lr)
                if not math.isfinite(J):
                    raise FloatingPointError(
                        f"fit: cost became {J} at iteration {i}, step "
                        f"{len(history['step_cost'])}; lower the learning rate"
                    )
                history["step_cost"].append(J)
                total += J * Yb.shape[1]
            if i % every == 0 or i == num_iterations - 1:
                J = total / Y.shape[1]
                history["iteration"].append(i)
                history["cost"].append(J)
                if print_cost:
                    print(f"Cost after iteration {i}: {J}")
                if callback is not None:
                    callback(i, self)
        return history

    def _step(self, X: Array, Y: Array, opt: Optimizer, lr: float | None) -> float:
        """Forward, cost, backward and one optimizer step; the cost before the step."""
        AL = self.forward(X, training=True)
        J = self.cost(AL, Y)
        grads = self.backward(AL, Y)
        self.set_params(opt.step(self.params, grads, lr=lr, loss=J))
        return J

    # -- prediction ---------------------------------------------------------------------
    def predict(self, X: Array) -> Array:
        """Labels: ``A[L] > 0.5`` for one output unit, else the arg-max class per column."""
        AL = self.forward(X)
        xp = array_module(AL)
        if AL.shape[0] == 1:
            return xp.astype(AL > 0.5, xp.int64)
        return xp.argmax(AL, axis=0)

    def accuracy(self, X: Array, Y: Array) -> float:
        """Fraction of examples predicted right; ``Y`` as labels (1, m) or one-hot (k, m)."""
        pred = to_host(self.predict(X))
        Yh = to_host(Y)
        labels = Yh.reshape(-1) if Yh.shape[0] == 1 else Yh.argmax(axis=0)
        return float((pred.reshape(-1) == labels).mean())


def _parametric(layers: Sequence[Layer]) -> list[Layer]:
    """The layers holding parameters, in order, looking inside blocks (``children``)."""
    return [layer for layer in _flat(layers) if _holds_params(layer)]


def _holds_params(layer: Layer) -> bool:
    return bool(layer.params()) and not hasattr(layer, "children")


def _flat(layers: Sequence[Layer]) -> list[Layer]:
    """Every layer in order, a block's ``children`` before the block itself."""
    found: list[Layer] = []
    for layer in layers:
        found += _flat(getattr(layer, "children", [])) + [layer]
    return found


def _number(layers: Sequence[Layer]) -> None:
    """Layers with parameters get 1..L in order; every other layer (dropout, pool, a residual
    block) the number of the layer with parameters before it."""
    l = 0
    for layer in _flat(layers):
        l += _holds_params(layer)
        layer.l = l


def mlp(
    layer_dims: Sequence[int],
    hidden: str = "relu",
    output: str = "sigmoid",
    init: str = "he",
    seed: int | Rng | None = None,
    loss: str | None = None,
    keep_prob: float = 1.0,
    lambd: float = 0.0,
    penalty: str = "l2",
) -> Sequential:
    """A multilayer perceptron ``layer_dims = [n_x, n1, ..., nL]``.

    Hidden layers use ``hidden``, the output ``output``; weights are drawn layer by layer from
    one generator (``numpy.random.RandomState(1)`` gives the notes' numbers). The loss defaults
    to bce for a sigmoid output, cross-entropy for softmax and mse otherwise. With
    ``keep_prob < 1`` an inverted dropout follows every hidden layer.
    """
    if len(layer_dims) < 2 or min(layer_dims) < 1:
        raise ValueError(f"mlp: layer_dims needs >= 2 positive sizes, got {list(layer_dims)}")
    check_keep_prob(keep_prob)
    rng = make_rng(seed)
    layers: list[Layer] = []
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        g = output if l == L else hidden
        layers.append(Dense(layer_dims[l - 1], layer_dims[l], g, init, rng, l))
        if l < L and keep_prob < 1.0:
            layers.append(Dropout(keep_prob, rng))
    if loss is None:
        loss = {"sigmoid": "bce", "softmax": "cross_entropy"}.get(output, "mse")
    return Sequential(layers, loss, lambd, penalty)
