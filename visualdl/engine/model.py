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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from visualdl.backend import array_module, to_host
from visualdl.engine import losses
from visualdl.engine.checks import (
    check_batch,
    check_binary,
    check_distributions,
    check_finite,
    check_same_shape,
    choice,
    gradient,
    integer,
    named,
    number,
    real_array,
)
from visualdl.engine.clipping import clip_by_norm, clip_by_value, global_norm
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

    Inputs are ``X: (n_x, m)`` (dense layout), ``X: (m, n_H, n_W, n_C)`` (conv layout; a
    ``Flatten`` or ``GlobalAvgPool`` turns it into the dense layout before the dense layers) or
    a sequence ``X: (n_x, m, T)`` (recurrent layers, :mod:`visualdl.engine.recurrent_layers`).
    Labels are ``Y: (k, m)``, or ``(k, m, T)`` for a per-step output (all-zero columns mark
    padded steps).
    """

    @named("Sequential")
    def __init__(
        self, layers: Sequence[Layer], loss: str = "bce", lambd: float = 0.0, penalty: str = "l2"
    ) -> None:
        self.layers = _layers(layers)
        self.loss = losses.get(loss)
        choice("Sequential", "penalty", penalty, PENALTIES)
        self.lambd = number("Sequential", "lambd", lambd, "[0, inf)")
        self.penalty = penalty
        _number(self.layers)
        self.dense = [layer for layer in _parametric(self.layers) if isinstance(layer, Dense)]

    # -- parameters ---------------------------------------------------------------------
    @property
    def layer_dims(self) -> list[int]:
        """``[n0, n1, ..., nL]`` of the dense layers."""
        if not self.dense:
            raise ValueError("Sequential.layer_dims: the model has no Dense layer")
        return [self.dense[0].shape[1]] + [d.shape[0] for d in self.dense]

    @property
    def params(self) -> dict[str, Array]:
        """``{"W1": ..., "b1": ..., ...}`` (the layers' own arrays)."""
        return {k: v for layer in self.layers for k, v in layer.params().items()}

    def set_params(self, params: dict[str, Array]) -> None:
        """Replace parameters by key (missing keys keep their value); each new value must be a
        real array of the old one's shape, and every key one of the model's."""
        op, old = "Sequential.set_params", self.params
        if not isinstance(params, Mapping):
            raise ValueError(f"{op}: expected a dict keyed like W1, b1, got {params!r:.80}")
        unknown = sorted(set(params) - set(old))
        if unknown:
            raise ValueError(f"{op}: unknown key(s) {unknown}; the model has {sorted(old)}")
        new = {k: gradient(op, k, v, f"the current {k}", old[k]) for k, v in params.items()}
        for layer in self.layers:
            layer.set_params(new)

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients from the last :meth:`backward`: ``{"dW1": ..., "db1": ..., ...}``."""
        return {k: v for layer in self.layers for k, v in layer.grads.items()}

    @property
    def dtype(self) -> Any:
        """The parameters' dtype (float64 unless the layers were made with another; None for a
        model without parameters); inputs and labels are converted to it."""
        return next((v.dtype for v in self.params.values()), None)

    def no_decay(self) -> set[str]:
        """The keys weight decay leaves alone, as the layers declare them (``b1``, ``gamma2``)."""
        return set().union(*(layer.no_decay() for layer in _parametric(self.layers)))

    # -- passes -------------------------------------------------------------------------
    @named("Sequential.forward")
    def forward(self, X: Array, training: bool = False) -> Array:
        """``A[L]`` for inputs ``X: (n_x, m)``, ``(n_x, m, T)`` or ``(m, n_H, n_W, n_C)``;
        dropout is active and batch norm uses batch statistics only when ``training``."""
        X, _ = self._inputs("Sequential.forward", X)
        check_finite("Sequential.forward", "X", X)
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def _inputs(self, op: str, X: Any) -> tuple[Array, int]:
        """``(X, m)``: ``X`` in the model's dtype, ``(n_x, m)``, ``(n_x, m, T)`` or
        ``(m, n_H, n_W, n_C)`` with ``m >= 1``."""
        X = real_array(op, "X", X, self.dtype)
        if X.ndim not in (2, 3, 4):
            raise ValueError(
                f"{op}: X must be (n_x, m), (n_x, m, T) or (m, n_H, n_W, n_C), "
                f"got shape {tuple(X.shape)}"
            )
        return X, check_batch(op, "X", X, 0 if X.ndim == 4 else 1)

    def _labels(self, op: str, AL: Any, Y: Any) -> tuple[Array, Array]:
        """``(AL, Y)`` in the model's dtype, Y exactly AL's shape."""
        AL, Y = real_array(op, "AL", AL, self.dtype), real_array(op, "Y", Y, self.dtype)
        check_same_shape(op, "labels Y", Y, "the output AL", AL)
        return AL, Y

    def _logits(self, AL: Array) -> Array | None:
        """``Z[L]`` when ``AL`` is the output of the last forward through a sigmoid (bce) or
        softmax (cross-entropy) layer, so that the cost can be taken from the logits."""
        out = self.layers[-1]
        fused = isinstance(out, Dense) and out.g.name == self.loss.fused_with
        if fused and out._cache is not None and out._cache[2] is AL:
            return out._cache[1]
        return None

    @named("Sequential.cost")
    def cost(self, AL: Array, Y: Array) -> float:
        """J = loss(A[L], Y) + penalty; recorded as ``model.cost``.

        When ``AL`` is the output of the last forward through a sigmoid or softmax layer the
        loss is computed from its logits ``Z[L]`` (:func:`~visualdl.engine.losses.bce_with_logits`,
        :func:`~visualdl.engine.losses.cross_entropy_with_logits`), exact even where ``AL`` has
        rounded to 0 or 1.
        """
        AL_in = AL
        AL, Y = self._labels("Sequential.cost", AL, Y)
        Z = self._logits(AL_in)
        J = self.loss.cost(AL, Y) if Z is None else self.loss.from_logits(Z, Y)
        if self.lambd:
            J = J + PENALTIES[self.penalty][0](self.params, self.lambd, Y.shape[1])
        J = float(J)
        COST.log(J=J, AL=AL, Y=Y)
        return J

    @named("Sequential.backward")
    def backward(self, AL: Array, Y: Array) -> dict[str, Array]:
        """Gradients of J for the last forward pass, keyed ``dW1``, ``db1``, ..."""
        AL, Y = self._labels("Sequential.backward", AL, Y)
        out, first = self.layers[-1], self.layers[0]
        if isinstance(out, Dense) and out.g.name == self.loss.fused_with:
            dA, given = None, {"dZ": losses.output_dZ(AL, Y)}  # sigmoid+BCE, softmax+CE: A - Y
        else:
            dA, given = self.loss.backward(AL, Y), {}
        for layer in reversed(self.layers):
            if layer is first and type(layer) is Dense:
                given["dA_prev"] = False  # the gradient for X: nothing reads it
            dA, given = layer.backward(dA, **given), {}
        grads = self.grads
        if self.lambd:
            extra = PENALTIES[self.penalty][1](self.params, self.lambd, Y.shape[1])
            grads = {k: v + extra[k] if k in extra else v for k, v in grads.items()}
        return grads

    @named("Sequential.train_step")
    def train_step(self, X: Array, Y: Array, learning_rate: float) -> float:
        """One forward, cost, backward and gradient-descent step ``W := W - alpha dW``
        (``Optimizer("gd")``); returns the cost before the step."""
        return self._step(X, Y, Optimizer("gd", lr=learning_rate), None)[0]

    @named("Sequential.fit")
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
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> dict[str, list]:
        """Train for ``num_iterations`` passes over the data (epochs).

        With ``batch_size=None`` each pass is one full-batch step (batch gradient descent);
        otherwise the columns are shuffled with ``default_rng(seed)`` every pass and cut into
        mini-batches of ``batch_size`` (the last one smaller): ``m`` gives batch, ``64``
        mini-batch and ``1`` stochastic gradient descent. ``optimizer`` is a name (with
        ``learning_rate``) or an :class:`Optimizer`; ``schedule(epoch)`` sets the rate per pass.
        ``clip_value`` clips every gradient entry into ``[-clip_value, clip_value]``, then
        ``clip_norm`` rescales the gradients to a global norm of at most ``clip_norm``
        (:mod:`visualdl.engine.clipping`).

        Returns ``{"iteration", "cost"}`` every ``every`` passes (and the last), the cost being
        the example-weighted mean of the pass's mini-batch costs, plus ``"step_cost"`` with the
        cost of every step and ``"grad_norm"`` with every step's global gradient norm before
        clipping. ``callback(i, model)`` runs at the recorded passes. Raises
        ``ValueError`` for parameters that are not finite before training, and
        ``FloatingPointError`` naming the pass and step where the cost or a parameter stops
        being finite.
        """
        op = "Sequential.fit"
        num_iterations = integer(op, "num_iterations", num_iterations)
        every = integer(op, "every", every)
        if batch_size is not None:
            batch_size = integer(op, "batch_size", batch_size)
        X, m = self._inputs(op, X)
        Y = real_array(op, "Y", Y, self.dtype)
        if Y.ndim not in (2, 3):
            raise ValueError(f"{op}: Y must be (k, m) or (k, m, T), got shape {tuple(Y.shape)}")
        if Y.shape[1] != m:
            raise ValueError(f"{op}: X has m = {m} examples but Y {tuple(Y.shape)}")
        bad = _not_finite(self.params)
        if bad:
            raise ValueError(f"{op}: parameter {bad} holds NaN or infinity before training")
        opt = (
            optimizer
            if isinstance(optimizer, Optimizer)
            else Optimizer(optimizer, lr=learning_rate)
        )
        for what, f in (("schedule", schedule), ("callback", callback)):
            if f is not None and not callable(f):
                raise ValueError(f"{op}: {what} must be a function or None, got {f!r:.80}")
        clip = {
            k: None if v is None else number(op, k, v, "(0, inf)")
            for k, v in (("clip_value", clip_value), ("clip_norm", clip_norm))
        }
        rng = make_rng(seed)
        history: dict[str, list] = {"iteration": [], "cost": [], "step_cost": [], "grad_norm": []}
        for i in range(num_iterations):
            lr = None if schedule is None else number(op, f"schedule({i})", schedule(i), "(0, inf)")
            total = 0.0
            for Xb, Yb in mini_batches(X, Y, batch_size, rng):
                J, norm = self._step(Xb, Yb, opt, lr, clip)
                key = _not_finite(self.params)
                if not math.isfinite(J) or key:
                    what = f"cost became {J}" if not math.isfinite(J) else f"{key} became inf/NaN"
                    raise FloatingPointError(
                        f"{op}: {what} at iteration {i}, step {len(history['step_cost'])}; "
                        "lower the learning rate"
                    )
                history["step_cost"].append(J)
                history["grad_norm"].append(norm)
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

    def _step(
        self, X: Array, Y: Array, opt: Optimizer, lr: float | None, clip: dict | None = None
    ) -> tuple[float, float]:
        """Forward, cost, backward, clipping and one optimizer step; the cost before the step
        and the gradients' global norm before clipping."""
        AL = self.forward(X, training=True)
        J = self.cost(AL, Y)
        grads = self.backward(AL, Y)
        norm = global_norm(grads)
        clip = clip or {}
        if clip.get("clip_value") is not None:
            grads = clip_by_value(grads, clip["clip_value"])
        if clip.get("clip_norm") is not None:
            grads, _ = clip_by_norm(grads, clip["clip_norm"])
        self.set_params(opt.step(self.params, grads, lr=lr, loss=J, no_decay=self.no_decay()))
        return J, norm

    # -- prediction ---------------------------------------------------------------------
    @named("Sequential.predict")
    def predict(self, X: Array) -> Array:
        """Labels: ``A[L] > 0.5`` for one output unit, else the arg-max class per column."""
        return self._predicted("Sequential.predict", self.forward(X))

    @named("Sequential.accuracy")
    def accuracy(self, X: Array, Y: Array) -> float:
        """Fraction of examples predicted right; ``Y`` as labels (1, m) or one-hot (k, m)."""
        op = "Sequential.accuracy"
        AL = self.forward(X)
        Yh = to_host(real_array(op, "Y", Y))
        if AL.ndim != 2:
            raise ValueError(
                f"{op}: the output must be (k, m), got {tuple(AL.shape)}; for a per-step output "
                "use losses.perplexity"
            )
        k, m = AL.shape
        if Yh.ndim != 2 or Yh.shape[0] not in (1, k) or Yh.shape[1] != m:
            raise ValueError(
                f"{op}: Y must be labels (1, {m}) or one-hot ({k}, {m}), "
                f"got shape {tuple(Yh.shape)}"
            )
        _check_labels(op, Yh, k)
        pred = to_host(self._predicted(op, AL))
        labels = Yh.reshape(-1) if Yh.shape[0] == 1 else Yh.argmax(axis=0)
        return float((pred.reshape(-1) == labels).mean())

    @staticmethod
    def _predicted(op: str, AL: Array) -> Array:
        check_finite(op, "the output A[L]", AL)
        xp = array_module(AL)
        if AL.shape[0] == 1:
            return xp.astype(AL > 0.5, xp.int64)
        return xp.argmax(AL, axis=0)


def _check_labels(op: str, Y: Any, k: int) -> None:
    """Labels of a ``k``-output model: whole numbers in 0..k-1 (0/1 for one output) in a row,
    or one-hot columns."""
    if Y.shape[0] == k and k > 1:
        check_binary(op, "one-hot Y", Y)
        check_distributions(op, "one-hot Y", Y)
    elif not np.all((Y == np.round(Y)) & (Y >= 0) & (Y <= max(k - 1, 1))):
        raise ValueError(f"{op}: labels Y must be whole numbers in 0..{max(k - 1, 1)}")


def _layers(layers: Any) -> list[Layer]:
    """The layers as a list: at least one, each a :class:`Layer`, none twice (a layer holds
    one set of parameters and one cache)."""
    if isinstance(layers, Layer) or not isinstance(layers, Sequence) or not layers:
        raise ValueError(f"a list of at least one layer is needed, got {layers!r:.80}")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise ValueError(f"layer {i} must be a Layer (Dense, Conv2D, ...), got {layer!r:.80}")
    flat = _flat(layers)
    for i, layer in enumerate(flat):
        if any(layer is other for other in flat[:i]):
            raise ValueError(
                f"one {type(layer).__name__} object appears twice; make a new layer for each "
                "place ([Dense(...)] * 2 repeats one layer)"
            )
    return list(layers)


def _not_finite(params: dict[str, Array]) -> str | None:
    """The first key whose array holds NaN or infinity, or None."""
    for k, v in params.items():
        xp = array_module(v)
        if not bool(xp.all(xp.isfinite(v))):
            return k
    return None


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


@named("mlp")
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
    dtype: Any = "float64",
) -> Sequential:
    """A multilayer perceptron ``layer_dims = [n_x, n1, ..., nL]``.

    Hidden layers use ``hidden``, the output ``output``; weights are drawn layer by layer from
    one generator (``numpy.random.RandomState(1)`` gives the notes' numbers). The loss defaults
    to bce for a sigmoid output, cross-entropy for softmax and mse otherwise. With
    ``keep_prob < 1`` an inverted dropout follows every hidden layer. ``dtype`` (float64 by
    default, or float32) is the parameters' dtype; the model computes in it end to end.
    """
    if not isinstance(layer_dims, Sequence) or len(layer_dims) < 2:
        raise ValueError(f"mlp: layer_dims needs a list of >= 2 sizes, got {layer_dims!r:.80}")
    layer_dims = [integer("mlp", "each of layer_dims", n) for n in layer_dims]
    check_keep_prob(keep_prob, "mlp")
    rng = make_rng(seed)
    layers: list[Layer] = []
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        g = output if l == L else hidden
        layers.append(Dense(layer_dims[l - 1], layer_dims[l], g, init, rng, l, dtype))
        if l < L and keep_prob < 1.0:
            layers.append(Dropout(keep_prob, rng))
    if loss is None:
        loss = {"sigmoid": "bce", "softmax": "cross_entropy"}.get(output, "mse")
    return Sequential(layers, loss, lambd, penalty)
