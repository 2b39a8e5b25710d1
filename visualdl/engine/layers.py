"""Layers: ``Dense`` (Z = W A_prev + b, A = g(Z)), inverted ``Dropout`` and ``BatchNorm``.

Examples are columns. A layer's ``forward(A_prev, training)`` returns A and keeps what its
``backward`` needs; ``backward(dA)`` returns ``dA_prev`` and leaves the parameter gradients in
``grads``. Layers call the functional core (:mod:`visualdl.engine.dense`) and own their records:
inside ``with visualdl.trace.record()`` each pass is recorded as ``dense{l}.forward`` /
``dense{l}.backward`` (``dropout{l}.forward`` for the mask on ``A[l]``, ``bn{l}.forward`` /
``bn{l}.backward``).

Example
-------
>>> import numpy as np
>>> from visualdl.engine.layers import Dense
>>> layer = Dense(2, 3, "relu", rng=np.random.default_rng(0), l=1)
>>> layer.forward(np.ones((2, 5))).shape
(3, 5)
"""

from __future__ import annotations

from typing import Any

from visualdl import trace
from visualdl.backend import array_module, from_host, xp
from visualdl.engine import activations
from visualdl.engine.batchnorm import (
    _check_eps,
    batch_norm,
    batch_norm_backward,
    batch_norm_inference,
)
from visualdl.engine.checks import (
    check_finite,
    choice,
    float_dtype,
    gradient,
    integer,
    named,
    number,
    real_array,
)
from visualdl.engine.dense import dense_backward, dense_forward
from visualdl.engine.initializers import Rng, initialize, make_rng
from visualdl.engine.regularization import check_keep_prob, dropout_backward, dropout_forward
from visualdl.schema import declare

__all__ = ["BatchNorm", "Dense", "Dropout", "Layer", "WeightLayer"]

Array = Any

DENSE_FORWARD = declare(
    "dense{l}.forward",
    arrays={
        "A_prev": "(n[l-1], m)",
        "W": "(n[l], n[l-1])",
        "b": "(n[l], 1)",
        "Z": "(n[l], m)",
        "A": "(n[l], m)",
    },
    info={"activation": "name of g"},
)
DENSE_BACKWARD = declare(
    "dense{l}.backward",
    arrays={
        "dA": "(n[l], m)",
        "dZ": "(n[l], m)",
        "dW": "(n[l], n[l-1])",
        "db": "(n[l], 1)",
        "dA_prev": "(n[l-1], m)",
    },
    optional=("dA",),  # absent when the output layer starts from dZ = A - Y
)
DROPOUT_FORWARD = declare(
    "dropout{l}.forward",
    arrays={"D": "(n[l], m) mask of kept units", "A": "(n[l], m) A * D / keep_prob"},
    info={"keep_prob": "probability of keeping a unit"},
)

BN_FORWARD = declare(
    "bn{l}.forward",
    arrays={
        "Z": "(n, m) or (m, n_H, n_W, n_C)",
        "Z_norm": "Z's shape: (Z - mu) / sqrt(var + eps)",
        "gamma": "(n, 1) or (n_C,)",
        "beta": "(n, 1) or (n_C,)",
        "out": "Z's shape: gamma Z_norm + beta",
        "running_mean": "(n, 1) or (n_C,), after this pass",
        "running_var": "(n, 1) or (n_C,), after this pass",
    },
    info={"training": "batch statistics (True) or running ones", "momentum": "", "eps": ""},
)
BN_BACKWARD = declare(
    "bn{l}.backward",
    arrays={"dA": "Z's shape", "dZ": "Z's shape", "dgamma": "gamma's shape", "dbeta": "beta's"},
)


class Layer:
    """Base class: no parameters, identity forward/backward.

    ``l`` is the layer's number: a layer with parameters is numbered 1..L in order; one
    without takes the number of the layer before it (the dropout on ``A[1]`` is ``dropout1``,
    the pool after ``conv2`` is ``pool2``), as :class:`~visualdl.engine.model.Sequential`
    numbers them.
    """

    l: int = 0

    @property
    def op(self) -> str:
        """The layer's name in error messages: ``"Dense layer 2"``."""
        return f"{type(self).__name__} layer {self.l}"

    def _cached(self, cache: Any) -> Any:
        """``cache`` from the last forward; ``ValueError`` when there was none."""
        if cache is None:
            raise ValueError(f"{self.op}: backward called before forward")
        return cache

    def params(self) -> dict[str, Array]:
        """Parameters keyed as in the notes (``W1``, ``b1``)."""
        return {}

    def set_params(self, params: dict[str, Array]) -> None:
        """Take new values for this layer's keys from ``params``."""

    def no_decay(self) -> set[str]:
        """The parameter keys weight decay leaves alone (biases, batch norm's gamma, beta)."""
        return set()

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients of the last backward, keyed ``dW1``, ``db1``."""
        return {}

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        return A_prev

    def backward(self, dA: Array) -> Array:
        return dA


class WeightLayer(Layer):
    """A layer whose parameters are attributes named in ``keys``, keyed ``W{l}``, ``b{l}``
    (grads ``dW{l}``, ``db{l}``, from the attributes ``dW``, ``db``); Dense and Conv2D are such
    layers, and BatchNorm with ``keys = ("gamma", "beta")``."""

    keys: tuple[str, ...] = ("W", "b")
    #: the keys whose role is a weight: AdamW decays them, the others (a bias, batch norm's
    #: scale and shift) it leaves alone
    decayed: tuple[str, ...] = ("W",)
    W: Array
    b: Array
    dW: Array = None
    db: Array = None

    def params(self) -> dict[str, Array]:
        return {f"{k}{self.l}": getattr(self, k) for k in self.keys}

    def set_params(self, params: dict[str, Array]) -> None:
        for k in self.keys:
            setattr(self, k, params.get(f"{k}{self.l}", getattr(self, k)))

    @property
    def grads(self) -> dict[str, Array]:
        return {f"d{k}{self.l}": getattr(self, f"d{k}") for k in self.keys}

    def no_decay(self) -> set[str]:
        return {f"{k}{self.l}" for k in self.keys if k not in self.decayed}


class Dense(WeightLayer):
    """Fully connected layer ``l``.

    Shapes: ``W: (n, n_prev)``, ``b: (n, 1)``, ``A_prev: (n_prev, m)`` -> ``Z, A: (n, m)``.

    Forward: ``Z = W A_prev + b``, ``A = g(Z)``.
    Backward (per-example dA in, mean-cost gradients out):
    ``dZ = dA * g'(Z)``, ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum(dZ, axis=1)``,
    ``dA_prev = W^T dZ``.

    ``dtype`` (float64 by default) is the dtype of ``W`` and ``b``; inputs are converted to it,
    so a float32 layer computes in float32 end to end.
    """

    #: the fast op pair and the record kinds (``TimeDense`` swaps in its per-step ones)
    forward_op = staticmethod(dense_forward)
    backward_op = staticmethod(dense_backward)
    records = (DENSE_FORWARD, DENSE_BACKWARD)

    @named("Dense")
    def __init__(
        self,
        n_prev: int,
        n: int,
        activation: str = "relu",
        init: str = "he",
        rng: int | Rng | None = None,
        l: int = 1,
        dtype: Any = "float64",
    ) -> None:
        self.l = l
        self.g = activations.get(activation)
        W = initialize(init, n, n_prev, make_rng(rng))
        self.W = from_host(W.astype(float_dtype("Dense", dtype)))
        self.b = xp().zeros((n, 1), dtype=self.W.dtype)
        self._cache: tuple[dict, Array, Array] | None = None
        self.dW: Array = None
        self.db: Array = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n_prev)``."""
        return tuple(self.W.shape)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = real_array(self.op, "A_prev", A_prev, self.W.dtype)
        Z, cache = self.forward_op(A_prev, self.W, self.b, op=self.op)
        A = self.g.forward(Z)
        self._cache = (cache, Z, A)
        self.records[0].log(
            l=self.l, activation=self.g.name, A_prev=A_prev, W=self.W, b=self.b, Z=Z, A=A
        )
        return A

    def backward(
        self, dA: Array | None = None, dZ: Array | None = None, *, dA_prev: bool = True
    ) -> Array | None:
        """Backward from ``dA`` (or straight from ``dZ`` for a fused output layer).
        ``dA_prev=False`` (a model's input layer) skips ``W^T dZ`` and returns None, unless a
        trace is recording (its ``dense{l}.backward`` record holds dA_prev)."""
        cache, Z, A = self._cached(self._cache)
        if dZ is None:
            dZ = self.g.backward(gradient(self.op, "dA", dA, "A", A), Z, A)
        else:
            dZ = gradient(self.op, "dZ", dZ, "A", A)
        if dA_prev or trace.current() is not None:
            dA_prev, self.dW, self.db = self.backward_op(dZ, cache)
        else:
            dA_prev, self.dW, self.db = self.backward_op(dZ, cache, dA_prev=False)
        given = {} if dA is None else {"dA": dA}
        self.records[1].log(l=self.l, dZ=dZ, dW=self.dW, db=self.db, dA_prev=dA_prev, **given)
        return dA_prev


class Dropout(Layer):
    """Inverted dropout: ``A = A_prev * D / keep_prob`` while training, identity otherwise.

    The mask ``D`` is drawn on the host from ``rng`` and kept for backward:
    ``dA_prev = dA * D / keep_prob``.
    """

    def __init__(self, keep_prob: float, rng: int | Rng | None = None) -> None:
        self.keep_prob = check_keep_prob(keep_prob, "Dropout")
        self.rng = make_rng(rng)
        self.D: Array = None
        self._cache: tuple | None = None

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = real_array(self.op, "A_prev", A_prev)
        self._cache = (tuple(A_prev.shape),)
        if not training or self.keep_prob == 1.0:
            self.D = None
            return A_prev
        A, self.D = dropout_forward(A_prev, self.keep_prob, self.rng)
        DROPOUT_FORWARD.log(l=self.l, keep_prob=self.keep_prob, D=self.D, A=A)
        return A

    def backward(self, dA: Array) -> Array:
        (shape,) = self._cached(self._cache)
        dA = gradient(self.op, "dA", dA, "A", shape)
        if self.D is None:
            return dA
        return dropout_backward(dA, self.D, self.keep_prob)


class BatchNorm(WeightLayer):
    """Batch-norm layer ``l`` with learned ``gamma{l}``, ``beta{l}`` and running statistics.

    Parameters
    ----------
    n : features (dense) or channels (conv).
    layout : ``"dense"`` (``Z: (n, m)``, ``gamma: (n, 1)``) or ``"conv"``
        (``Z: (m, n_H, n_W, n_C)``, ``gamma: (n_C,)``).
    momentum : ``running = momentum running + (1 - momentum) batch`` after every training
        forward (mean and biased variance; start 0 and 1). PyTorch's ``momentum`` is the other
        weight, ``1 - momentum`` here, and its running variance the unbiased one.
    eps : inside the square root, a finite number > 0.
    dtype : of gamma, beta and the running statistics (float64 by default); inputs are
        converted to it.
    l : the layer number (:class:`~visualdl.engine.model.Sequential` renumbers it).

    Training forward uses the batch statistics (:func:`batch_norm`); ``training=False`` uses
    the running ones (:func:`batch_norm_inference`). Gradients ``dgamma{l}``, ``dbeta{l}``
    carry ``1/m``; the layer's ``backward`` returns the per-example ``dZ``.

    Example
    -------
    >>> import numpy as np
    >>> bn = BatchNorm(3, layout="conv", l=2)
    >>> A = bn.forward(np.random.default_rng(0).normal(size=(4, 5, 5, 3)), training=True)
    >>> sorted(bn.params()), tuple(bn.running_mean.shape)
    (['beta2', 'gamma2'], (3,))
    """

    keys = ("gamma", "beta")
    decayed = ()

    def __init__(
        self,
        n: int,
        layout: str = "dense",
        momentum: float = 0.9,
        eps: float = 1e-5,
        l: int = 1,
        dtype: Any = "float64",
    ) -> None:
        choice("BatchNorm", "layout", layout, ("dense", "conv"))
        n = integer("BatchNorm", "n", n)
        self.momentum = number("BatchNorm", "momentum", momentum, "[0, 1)")
        self.eps = _check_eps("BatchNorm", eps)
        self.l, self.layout = l, layout
        shape = (n, 1) if layout == "dense" else (n,)
        mod = xp()
        dt = float_dtype("BatchNorm", dtype)
        self.gamma, self.beta = mod.ones(shape, dtype=dt), mod.zeros(shape, dtype=dt)
        self.running_mean, self.running_var = mod.zeros(shape, dtype=dt), mod.ones(shape, dtype=dt)
        self._cache: dict[str, Any] | None = None
        self.dgamma: Array = None
        self.dbeta: Array = None

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        A_prev = real_array(self.op, "A_prev", A_prev, self.gamma.dtype)
        want = 2 if self.layout == "dense" else 4
        if A_prev.ndim != want:
            raise ValueError(
                f"{self.op}: layout {self.layout!r} expects a {want}-D input, "
                f"got shape {tuple(A_prev.shape)}"
            )
        out, cache = self._normalize(A_prev, training)
        self._cache = cache
        BN_FORWARD.log(
            l=self.l,
            training=bool(training),
            momentum=self.momentum,
            eps=self.eps,
            Z=A_prev,
            Z_norm=cache["Z_norm"],
            gamma=self.gamma,
            beta=self.beta,
            out=out,
            running_mean=self.running_mean,
            running_var=self.running_var,
        )
        return out

    def _normalize(self, A_prev: Array, training: bool) -> tuple[Array, dict]:
        """``(out, cache)`` with the batch's statistics (updating the running ones) or with the
        running ones."""
        if not training:
            return batch_norm_inference(
                A_prev,
                self.gamma,
                self.beta,
                self.running_mean,
                self.running_var,
                self.eps,
                return_cache=True,
                op=self.op,
            )
        out, cache = batch_norm(A_prev, self.gamma, self.beta, self.eps, op=self.op)
        shape, mod = tuple(self.gamma.shape), array_module(A_prev)
        mu, var = mod.reshape(cache["mu"], shape), mod.reshape(cache["var"], shape)
        b = self.momentum
        self.running_mean = b * self.running_mean + (1 - b) * mu
        self.running_var = b * self.running_var + (1 - b) * var
        return out, cache

    def backward(self, dA: Array) -> Array:
        cache = self._cached(self._cache)
        dA = real_array(self.op, "dA", dA, self.gamma.dtype)
        dZ, self.dgamma, self.dbeta = batch_norm_backward(dA, cache, op=self.op)
        BN_BACKWARD.log(l=self.l, dA=dA, dZ=dZ, dgamma=self.dgamma, dbeta=self.dbeta)
        return dZ

    def set_running(self, mean: Array, var: Array) -> None:
        """Set the running statistics (host arrays are moved to gamma's backend); the variance
        must be finite and >= 0."""
        mod, shape, dt = array_module(self.gamma), tuple(self.gamma.shape), self.gamma.dtype
        op = f"{self.op}.set_running"
        mean = real_array(op, "mean", from_host(mean, like=self.gamma), dt)
        var = real_array(op, "var", from_host(var, like=self.gamma), dt)
        for name, v in (("mean", mean), ("var", var)):
            if v.size != self.gamma.size:
                raise ValueError(f"{op}: {name} needs {self.gamma.size} entries, got {v.size}")
        mean, var = mod.reshape(mean, shape), mod.reshape(var, shape)
        check_finite(op, "mean", mean)
        check_finite(op, "var", var)
        if not bool(mod.all(var >= 0)):
            raise ValueError(f"{op}: var must be >= 0, got a negative variance")
        self.running_mean, self.running_var = mean, var
