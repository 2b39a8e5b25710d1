"""Bad input, table-driven: every public op and layer of ``visualdl.engine`` (and
``visualdl.trace``) refuses what it cannot compute with a ``ValueError`` whose one-line message
names the op, and accepts (or propagates) what it should.

Two tables:

- ``REFUSED``: ``(id, thunk, op, exc)``; calling ``thunk()`` must raise ``exc`` (ValueError;
  FloatingPointError only for ``Sequential.fit`` diverging) with ``op`` in the message, on one
  line, without NumPy internals ("'NoneType'", "object has no attribute", "broadcast", ...).
- ``ACCEPTED``: ``(id, thunk)``; the thunk runs the op and asserts the result itself (lists and
  bool/int arrays accepted and made float64, float32 kept, NaN propagated, costs from logits).

Message convention: a function's errors contain its name (``bce_backward: ...``), a layer's
its class name and number (``Dense layer 1: ...``; standalone layers without an ``l`` argument
get ``l = 2`` here so the number is checked), a constructor its class (``Conv2D: ...``), a
model method ``Sequential.fit`` and so on, an optimizer its name (``adam: ...``).

Ids read ``{class}-{op}-{what}``; classes: empty, kind, bcast, label, nan, hyper, geom, f32,
logits, order, trace.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest

from visualdl.engine import (
    GRU,
    LSTM,
    Activation,
    AvgPool2D,
    BatchNorm,
    Bidirectional,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    MaxPool2D,
    Optimizer,
    Residual,
    Sequential,
    SimpleRNN,
    Standardizer,
    TimeDense,
    activations,
    architectures,
    averaging,
    batchnorm,
    clipping,
    conv,
    conv_loops,
    data,
    dense,
    descent,
    gradcheck,
    gru,
    initializers,
    losses,
    lstm,
    mlp,
    optimizers,
    recurrent_loops,
    regularization,
    rnn,
    schedules,
    sequence,
    sequence_data,
    surfaces,
)
from visualdl.trace import Trace, log, record

NAN, INF = float("nan"), float("inf")
INTERNALS = (
    "'NoneType'",
    "object has no attribute",
    "not subscriptable",
    "broadcast",
    "ufunc",
    "pickled data",
)

REFUSED: list = []
ACCEPTED: list = []
_IDS: set[str] = set()


def _new_id(case_id: str) -> str:
    assert case_id not in _IDS, f"duplicate case id {case_id}"
    _IDS.add(case_id)
    return case_id


def refuse(case_id: str, op: str, thunk, exc=ValueError, forbid: tuple[str, ...] = ()) -> None:
    """``thunk()`` must raise ``exc`` naming ``op`` (and mentioning none of ``forbid``)."""
    REFUSED.append(pytest.param(thunk, op, exc, INTERNALS + forbid, id=_new_id(case_id)))


def accept(case_id: str, thunk) -> None:
    """``thunk()`` must run; it asserts what it returns."""
    ACCEPTED.append(pytest.param(thunk, id=_new_id(case_id)))


def lab(v) -> str:
    """A readable id part for a bad value."""
    if isinstance(v, str):
        return f"str{v}"
    if isinstance(v, complex):
        return "complex"
    return str(v)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


# -- inputs (fresh arrays every call: no case can spoil another's) -----------------------------


def real(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def probs(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 0.9, size=shape)


def labels01(shape) -> np.ndarray:
    return (np.arange(int(np.prod(shape))).reshape(shape) % 2).astype(np.float64)


def onehot(k: int, m: int) -> np.ndarray:
    return np.eye(k)[:, np.arange(m) % k]


def colprobs(k: int, m: int) -> np.ndarray:
    E = np.exp(real((k, m)))
    return E / E.sum(axis=0, keepdims=True)


def bad_kind(kind: str, x: np.ndarray) -> np.ndarray:
    """``x`` as a complex, object (None or floats) or string array of the same shape."""
    if kind == "complex":
        return x + 0j
    if kind == "object":
        return np.full(x.shape, None, dtype=object)
    if kind == "object_floats":
        return x.astype(object)
    if kind == "str":
        return np.full(x.shape, "a")
    raise AssertionError(kind)


KINDS = ("complex", "object", "str")

X2 = (2, 4)  # dense inputs: n_x = 2, m = 4
IMG = (2, 4, 4, 1)  # conv inputs: m = 2, 4x4, 1 channel


def model() -> Sequential:
    return mlp([2, 3, 1], seed=0)


def xy() -> tuple[np.ndarray, np.ndarray]:
    return real(X2), labels01((1, 4))


# =============================================================================================
# activations
# =============================================================================================

ACT_NAMES = sorted(activations.ACTIVATIONS)  # identity, leaky_relu, relu, sigmoid, softmax, tanh
ELEMENTWISE = [n for n in ACT_NAMES if activations.get(n).derivative is not None]
ACT_FUNCS = {n: getattr(activations, n) for n in ACT_NAMES}

for name in ACT_NAMES:
    g = ACT_FUNCS[name]
    for kind in (*KINDS, "object_floats"):
        refuse(f"kind-{name}-{kind}", name, lambda g=g, kind=kind: g(bad_kind(kind, real((2, 3)))))
    # backward with a wrong kind of upstream gradient
    refuse(
        f"kind-{name}.backward-complex_dA",
        name,
        lambda name=name: activations.get(name).backward(
            real((2, 3)) + 1j, real((2, 3)), ACT_FUNCS[name](real((2, 3)))
        ),
    )
    # backward with dA of another shape than Z (would broadcast)
    for dshape in ((1, 3), (2, 1)):
        refuse(
            f"bcast-{name}.backward-dA{dshape[0]}x{dshape[1]}",
            name,
            lambda name=name, dshape=dshape: activations.get(name).backward(
                np.ones(dshape), real((2, 3)), ACT_FUNCS[name](real((2, 3)))
            ),
        )

for name in ELEMENTWISE:
    for kind in KINDS:
        refuse(
            f"kind-{name}.derivative-{kind}",
            name,
            lambda name=name, kind=kind: activations.get(name).derivative(
                bad_kind(kind, real((2, 3)))
            ),
        )


def _list_same_as_array(name):
    Z = [[-1.0, 0.5, 2.0], [0.0, -3.0, 1.0]]
    got = ACT_FUNCS[name](Z)
    want = ACT_FUNCS[name](np.array(Z))
    assert isinstance(got, np.ndarray), f"{name}(list) gave {type(got).__name__}"
    np.testing.assert_allclose(got, want)


def _float64_from(name, Z):
    out = ACT_FUNCS[name](Z)
    assert out.dtype == np.float64, f"{name}({Z.dtype}) has dtype {out.dtype}"


for name in ACT_NAMES:
    accept(f"kind-{name}-list_accepted", lambda name=name: _list_same_as_array(name))
    accept(
        f"kind-{name}-bool_float64",
        lambda name=name: _float64_from(name, np.array([[True, False], [False, True]])),
    )
    accept(
        f"kind-{name}-int_float64",
        lambda name=name: _float64_from(name, np.array([[1, 2], [-3, 0]])),
    )
for name in ELEMENTWISE:

    def _deriv_int(name=name):
        out = activations.get(name).derivative(np.array([[1, -2]]))
        assert out.dtype == np.float64, f"{name} derivative of int has dtype {out.dtype}"

    accept(f"kind-{name}.derivative-int_float64", _deriv_int)


def _literal_dtypes():
    out = activations.tanh(np.array([True, False]))
    assert out.dtype == np.float64, f"tanh(bool 1-D) has dtype {out.dtype}"
    out = activations.sigmoid(np.array([1, 2]))
    assert out.dtype == np.float64, f"sigmoid(int 1-D) has dtype {out.dtype}"


def _scalar_nan():
    for name in ("relu", "leaky_relu", "sigmoid", "tanh"):
        assert np.isnan(ACT_FUNCS[name](NAN)), f"{name}(nan) = {ACT_FUNCS[name](NAN)}"
    for name in ("relu", "leaky_relu"):
        d = activations.get(name).derivative(NAN)
        assert np.isnan(d), f"{name}_prime(nan) = {d}"


accept("kind-tanh_sigmoid-1d_bool_int_float64", _literal_dtypes)
accept("nan-relu_leaky_relu-scalar_nan_stays_nan", _scalar_nan)


# =============================================================================================
# losses
# =============================================================================================

# loss -> (good predictions of shape (k, m), good labels of shape (k, m)) makers
LOSS_INPUTS = {
    "bce": lambda m=4: (probs((1, m)), labels01((1, m))),
    "bce_with_logits": lambda m=4: (real((1, m)), labels01((1, m))),
    "cross_entropy": lambda m=4: (colprobs(3, m), onehot(3, m)),
    "cross_entropy_with_logits": lambda m=4: (real((3, m)), onehot(3, m)),
    "mse": lambda m=4: (real((1, m)), real((1, m), 1)),
    "l1_loss": lambda m=4: (real((1, m)), real((1, m), 1)),
}
LOSS_OPS = [op for base in LOSS_INPUTS for op in (base, base + "_backward")]


def _loss(op):
    return getattr(losses, op)


def _base(op):
    return op.removesuffix("_backward")


for op in LOSS_OPS:
    make = LOSS_INPUTS[_base(op)]
    f = _loss(op)
    k = make()[0].shape[0]
    refuse(f"empty-{op}", op, lambda f=f, k=k: f(np.zeros((k, 0)), np.zeros((k, 0))))
    for kind in (*KINDS, "object_floats"):
        refuse(
            f"kind-{op}-{kind}_predictions",
            op,
            lambda f=f, make=make, kind=kind: f(bad_kind(kind, make()[0]), make()[1]),
        )
    refuse(
        f"kind-{op}-complex_labels",
        op,
        lambda f=f, make=make: f(make()[0], make()[1] + 0j),
    )
    refuse(
        f"kind-{op}-str_labels",
        op,
        lambda f=f, make=make: f(make()[0], bad_kind("str", make()[1])),
    )
    # predictions (1, 4) against labels (4, 1): broadcasting would give a (4, 4) result
    refuse(
        f"bcast-{op}-1x4_vs_4x1",
        op,
        lambda f=f, make=make: f(make()[0][:1, :4], make()[1][:1, :4].T.copy()),
    )
    refuse(
        f"bcast-{op}-labels_one_column",
        op,
        lambda f=f, make=make: f(make()[0], make()[1][:, :1].copy()),
    )

    def _lists(f=f, make=make, op=op):
        A, Y = make()
        got, want = f(A.tolist(), Y.tolist()), f(A, Y)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), err_msg=op)

    accept(f"kind-{op}-list_accepted", _lists)

    def _ints(f=f, make=make, op=op):
        A, Y = make()
        out = np.asarray(f(A, np.round(Y).astype(np.int64)))
        assert out.dtype == np.float64 and np.all(np.isfinite(out)), (op, out.dtype)

    accept(f"kind-{op}-int_labels_float64", _ints)


# probabilities and labels
def _bce_pair(A, Y):
    return np.array([A], dtype=np.float64), np.array([Y], dtype=np.float64)


BAD_PROBS = {
    "A_above_1": ([1.5, 0.5], [1.0, 0.0]),
    "A_negative": ([-0.2, 0.5], [1.0, 0.0]),
    "A_nan": ([NAN, 0.5], [1.0, 0.0]),
    "A_inf": ([INF, 0.5], [1.0, 0.0]),
    "Y_half": ([0.3, 0.5], [0.5, 0.0]),
    "Y_two": ([0.3, 0.5], [2.0, 0.0]),
    "Y_negative": ([0.3, 0.5], [-1.0, 0.0]),
    "Y_nan": ([0.3, 0.5], [NAN, 0.0]),
}
for op in ("bce", "bce_backward"):
    for what, (A, Y) in BAD_PROBS.items():
        refuse(f"label-{op}-{what}", op, lambda op=op, A=A, Y=Y: _loss(op)(*_bce_pair(A, Y)))
for op in ("bce_with_logits", "bce_with_logits_backward"):
    for what in ("Y_half", "Y_two", "Y_negative", "Y_nan"):
        A, Y = BAD_PROBS[what]
        refuse(f"label-{op}-{what}", op, lambda op=op, A=A, Y=Y: _loss(op)(*_bce_pair(A, Y)))
    refuse(
        f"label-{op}-Z_inf",
        op,
        lambda op=op: _loss(op)(*_bce_pair([INF, 0.0], [1.0, 0.0])),
    )

CE_BAD = {
    "Y_two_hot": lambda: (colprobs(3, 4), 2 * onehot(3, 4)),
    "Y_cols_not_1": lambda: (colprobs(3, 4), np.full((3, 4), 0.2)),
    "Y_negative": lambda: (colprobs(3, 4), onehot(3, 4) - 0.5 * np.eye(3)[:, [1, 2, 0, 1]]),
    "Y_nan": lambda: (colprobs(3, 4), np.where(onehot(3, 4) == 1, NAN, 0.0)),
}
for op in ("cross_entropy", "cross_entropy_backward"):
    for what, make in {
        **CE_BAD,
        "A_above_1": lambda: (colprobs(3, 4) * 2, onehot(3, 4)),
        "A_negative": lambda: (colprobs(3, 4) - 0.5, onehot(3, 4)),
        "A_nan": lambda: (np.full((3, 4), NAN), onehot(3, 4)),
    }.items():
        refuse(f"label-{op}-{what}", op, lambda op=op, make=make: _loss(op)(*make()))
for op in ("cross_entropy_with_logits", "cross_entropy_with_logits_backward"):
    for what, make in CE_BAD.items():
        refuse(
            f"label-{op}-{what}",
            op,
            lambda op=op, make=make: _loss(op)(real((3, 4)), make()[1]),
        )

# one_hot
ONE_HOT_BAD = {
    "fractional": ([0.0, 1.7], 3),
    "negative": ([-1, 0], 3),
    "too_large": ([0, 3], 3),
    "nan": ([0.0, NAN], 3),
    "inf": ([0.0, INF], 3),
    "complex": (np.array([0, 1]) + 0j, 3),
    "str": (np.array(["0", "1"]), 3),
    "classes_0": ([0, 0], 0),
    "classes_negative": ([0], -2),
    "classes_float": ([0, 1], 2.5),
    "classes_bool": ([0], True),
    "classes_nan": ([0], NAN),
}
for what, (lbl, classes) in ONE_HOT_BAD.items():
    refuse(f"label-one_hot-{what}", "one_hot", lambda lbl=lbl, c=classes: data.one_hot(lbl, c))


def _one_hot_ok():
    np.testing.assert_array_equal(data.one_hot([0.0, 2.0], 3), [[1, 0], [0, 0], [0, 1]])
    np.testing.assert_array_equal(data.one_hot(np.array([[1, 0]]), 2), [[0, 1], [1, 0]])


accept("label-one_hot-integral_floats_accepted", _one_hot_ok)


def _bce_edges_ok():
    J = losses.bce(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]))
    assert math.isfinite(float(J)) and float(J) < 1e-6, J
    dA = losses.bce_backward(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.all(np.isfinite(dA)), dA


accept("label-bce-A_at_0_and_1_clipped", _bce_edges_ok)


# =============================================================================================
# dense
# =============================================================================================


def dense_args(m=4):
    return real((2, m)), real((3, 2), 1), real((3, 1), 2)


def dense_cache(m=4):
    return dense.dense_forward(*dense_args(m))[1]


refuse("empty-dense_forward", "dense_forward", lambda: dense.dense_forward(*dense_args(0)))
refuse(
    "empty-dense_backward",
    "dense_backward",
    lambda: dense.dense_backward(np.zeros((3, 0)), dense_cache()),
)
for kind in KINDS:
    refuse(
        f"kind-dense_forward-{kind}_A_prev",
        "dense_forward",
        lambda kind=kind: dense.dense_forward(bad_kind(kind, real((2, 4))), *dense_args()[1:]),
    )
    refuse(
        f"kind-dense_forward-{kind}_W",
        "dense_forward",
        lambda kind=kind: dense.dense_forward(
            real((2, 4)), bad_kind(kind, real((3, 2))), real((3, 1))
        ),
    )
    refuse(
        f"kind-dense_backward-{kind}_dZ",
        "dense_backward",
        lambda kind=kind: dense.dense_backward(bad_kind(kind, real((3, 4))), dense_cache()),
    )
refuse(
    "kind-dense_forward-complex_b",
    "dense_forward",
    lambda: dense.dense_forward(real((2, 4)), real((3, 2)), real((3, 1)) + 0j),
)
for what, shape in {"dZ_one_column": (3, 1), "dZ_one_row": (1, 4), "dZ_transposed": (4, 3)}.items():
    refuse(
        f"bcast-dense_backward-{what}",
        "dense_backward",
        lambda shape=shape: dense.dense_backward(np.ones(shape), dense_cache()),
    )
refuse(
    "geom-dense_forward-b_row",
    "dense_forward",
    lambda: dense.dense_forward(real((2, 4)), real((3, 2)), real((1, 3))),
)
refuse(
    "geom-dense_forward-b_scalar_shape",
    "dense_forward",
    lambda: dense.dense_forward(real((2, 4)), real((3, 2)), real((1, 1))),
)


def _dense_lists():
    A, W, b = dense_args()
    Z, _ = dense.dense_forward(A.tolist(), W.tolist(), b.tolist())
    np.testing.assert_allclose(Z, W @ A + b)


def _dense_ints():
    Z, _ = dense.dense_forward(
        np.ones((2, 3), dtype=int), np.ones((1, 2), dtype=int), np.zeros((1, 1), dtype=int)
    )
    assert Z.dtype == np.float64, Z.dtype


accept("kind-dense_forward-list_accepted", _dense_lists)
accept("kind-dense_forward-int_float64", _dense_ints)


# =============================================================================================
# conv, pooling and their loops
# =============================================================================================


def conv_args(m=2, c=1, f=3, n=2):
    return real((m, 4, 4, c)), real((f, f, c, n), 1), np.zeros(n)


def conv_cache():
    X, W, b = conv_args()
    return conv.conv2d(X, W, b, padding=1)[1]  # Z (2, 4, 4, 2)


def tconv_args(m=2):
    return real((m, 2, 2, 1)), real((2, 2, 1, 1), 1), np.zeros(1)


def tconv_cache():
    return conv.conv_transpose2d(*tconv_args(), stride=2)[1]  # Y (2, 4, 4, 1)


POOLS = {"max_pool2d": conv.max_pool2d, "avg_pool2d": conv.avg_pool2d}
POOL_BACK = {"max_pool2d": conv.max_pool2d_backward, "avg_pool2d": conv.avg_pool2d_backward}
POOL_LOOPS = {"max_pool2d": conv_loops.max_pool2d_loop, "avg_pool2d": conv_loops.avg_pool2d_loop}

# empty batch
refuse("empty-conv2d", "conv2d", lambda: conv.conv2d(*conv_args(m=0)))
refuse("empty-conv_transpose2d", "conv_transpose2d", lambda: conv.conv_transpose2d(*tconv_args(0)))
refuse(
    "empty-conv2d_backward",
    "conv2d_backward",
    lambda: conv.conv2d_backward(np.zeros((0, 4, 4, 2)), conv_cache()),
)
refuse(
    "empty-conv_transpose2d_backward",
    "conv_transpose2d_backward",
    lambda: conv.conv_transpose2d_backward(np.zeros((0, 4, 4, 1)), tconv_cache()),
)
for op, pool in POOLS.items():
    refuse(f"empty-{op}", op, lambda pool=pool: pool(np.zeros((0, 4, 4, 1))))
    refuse(
        f"empty-{op}_backward",
        f"{op}_backward",
        lambda op=op: POOL_BACK[op](np.zeros((0, 2, 2, 1)), POOLS[op](real(IMG))[1]),
    )
    refuse(f"empty-{op}_loop", f"{op}_loop", lambda op=op: POOL_LOOPS[op](np.zeros((0, 4, 4, 1))))
refuse("empty-conv2d_loop", "conv2d_loop", lambda: conv_loops.conv2d_loop(*conv_args(m=0)))
refuse(
    "empty-conv2d_backward_loop",
    "conv2d_backward_loop",
    lambda: conv_loops.conv2d_backward_loop(
        np.zeros((0, 2, 2, 2)), np.zeros((0, 4, 4, 1)), conv_args()[1]
    ),
)
refuse(
    "empty-conv_transpose2d_loop",
    "conv_transpose2d_loop",
    lambda: conv_loops.conv_transpose2d_loop(*tconv_args(0)),
)
refuse(
    "empty-max_pool2d_backward_loop",
    "max_pool2d_backward_loop",
    lambda: conv_loops.max_pool2d_backward_loop(np.zeros((0, 2, 2, 1)), np.zeros((0, 4, 4, 1))),
)
refuse(
    "empty-avg_pool2d_backward_loop",
    "avg_pool2d_backward_loop",
    lambda: conv_loops.avg_pool2d_backward_loop(np.zeros((0, 2, 2, 1)), (0, 4, 4, 1)),
)

# wrong kinds of array
for kind in KINDS:
    refuse(
        f"kind-conv2d-{kind}_X",
        "conv2d",
        lambda kind=kind: conv.conv2d(bad_kind(kind, real(IMG)), *conv_args()[1:]),
    )
    for op, pool in POOLS.items():
        refuse(
            f"kind-{op}-{kind}", op, lambda pool=pool, kind=kind: pool(bad_kind(kind, real(IMG)))
        )
refuse(
    "kind-conv2d-complex_W",
    "conv2d",
    lambda: conv.conv2d(real(IMG), conv_args()[1] + 0j, np.zeros(2)),
)
refuse(
    "kind-conv2d-complex_b",
    "conv2d",
    lambda: conv.conv2d(real(IMG), conv_args()[1], np.zeros(2) + 0j),
)
refuse(
    "kind-conv_transpose2d-complex_X",
    "conv_transpose2d",
    lambda: conv.conv_transpose2d(tconv_args()[0] + 0j, *tconv_args()[1:]),
)
refuse(
    "kind-conv2d_backward-complex_dZ",
    "conv2d_backward",
    lambda: conv.conv2d_backward(np.ones((2, 4, 4, 2)) + 0j, conv_cache()),
)
refuse(
    "kind-conv_transpose2d_backward-complex_dY",
    "conv_transpose2d_backward",
    lambda: conv.conv_transpose2d_backward(np.ones((2, 4, 4, 1)) + 0j, tconv_cache()),
)
for op in POOLS:
    refuse(
        f"kind-{op}_backward-complex_dA",
        f"{op}_backward",
        lambda op=op: POOL_BACK[op](np.ones((2, 2, 2, 1)) + 0j, POOLS[op](real(IMG))[1]),
    )
    refuse(
        f"kind-{op}_loop-complex",
        f"{op}_loop",
        lambda op=op: POOL_LOOPS[op](real(IMG) + 0j),
    )
refuse(
    "kind-conv2d_loop-complex_X",
    "conv2d_loop",
    lambda: conv_loops.conv2d_loop(conv_args()[0] + 0j, *conv_args()[1:]),
)
refuse(
    "kind-conv2d_loop-object_X",
    "conv2d_loop",
    lambda: conv_loops.conv2d_loop(bad_kind("object", conv_args()[0]), *conv_args()[1:]),
)
refuse(
    "kind-conv_transpose2d_loop-complex_X",
    "conv_transpose2d_loop",
    lambda: conv_loops.conv_transpose2d_loop(tconv_args()[0] + 0j, *tconv_args()[1:]),
)
refuse(
    "kind-conv2d_backward_loop-complex_dZ",
    "conv2d_backward_loop",
    lambda: conv_loops.conv2d_backward_loop(np.ones((2, 2, 2, 2)) + 0j, real(IMG), conv_args()[1]),
)
refuse(
    "kind-max_pool2d_backward_loop-complex_dA",
    "max_pool2d_backward_loop",
    lambda: conv_loops.max_pool2d_backward_loop(np.ones((2, 2, 2, 1)) + 0j, real(IMG)),
)
refuse(
    "kind-avg_pool2d_backward_loop-complex_dA",
    "avg_pool2d_backward_loop",
    lambda: conv_loops.avg_pool2d_backward_loop(np.ones((2, 2, 2, 1)) + 0j, IMG),
)

# upstream gradients of the wrong shape
for what, shape in {
    "dZ_one_channel": (2, 4, 4, 1),
    "dZ_one_example": (1, 4, 4, 2),
    "dZ_3d": (2, 4, 4),
}.items():
    refuse(
        f"bcast-conv2d_backward-{what}",
        "conv2d_backward",
        lambda shape=shape: conv.conv2d_backward(np.ones(shape), conv_cache()),
    )
for what, shape in {
    "dY_two_channels": (2, 4, 4, 2),
    "dY_one_example": (1, 4, 4, 1),
    "dY_small": (2, 3, 3, 1),
}.items():
    refuse(
        f"bcast-conv_transpose2d_backward-{what}",
        "conv_transpose2d_backward",
        lambda shape=shape: conv.conv_transpose2d_backward(np.ones(shape), tconv_cache()),
    )
for op in POOLS:
    for what, shape in {
        "dA_one_example": (1, 2, 2, 1),
        "dA_two_channels": (2, 2, 2, 2),
        "dA_input_size": (2, 4, 4, 1),
    }.items():
        refuse(
            f"bcast-{op}_backward-{what}",
            f"{op}_backward",
            lambda op=op, shape=shape: POOL_BACK[op](np.ones(shape), POOLS[op](real(IMG))[1]),
        )
for what, shape in {"dZ_one_example": (1, 2, 2, 2), "dZ_one_channel": (2, 2, 2, 1)}.items():
    refuse(
        f"bcast-conv2d_backward_loop-{what}",
        "conv2d_backward_loop",
        lambda shape=shape: conv_loops.conv2d_backward_loop(
            np.ones(shape), real(IMG), conv_args()[1]
        ),
    )
for what, shape in {"dA_one_example": (1, 2, 2, 1), "dA_small": (2, 1, 1, 1)}.items():
    refuse(
        f"bcast-max_pool2d_backward_loop-{what}",
        "max_pool2d_backward_loop",
        lambda shape=shape: conv_loops.max_pool2d_backward_loop(np.ones(shape), real(IMG)),
    )
    refuse(
        f"bcast-avg_pool2d_backward_loop-{what}",
        "avg_pool2d_backward_loop",
        lambda shape=shape: conv_loops.avg_pool2d_backward_loop(np.ones(shape), IMG),
    )

# geometry: output_size and friends
OUTPUT_SIZE_BAD = {
    "s_negative": (5, 3, 0, -1),
    "f_0": (5, 0),
    "f_negative": (5, -1),
    "s_0": (5, 3, 0, 0),
    "p_negative": (5, 3, -1),
    "d_0": (5, 3, 0, 1, 0),
    "n_0": (0, 1),
    "n_negative": (-3, 1),
    "n_float": (5.5, 3),
    "f_float": (5, 2.5),
    "p_float": (5, 3, 0.5),
    "s_float": (5, 3, 0, 1.5),
    "f_bool": (5, True),
    "p_bool": (5, 3, True),
    "s_bool": (5, 3, 0, True),
    "f_nan": (5, NAN),
    "kernel_too_big": (5, 7),
}
for what, args in OUTPUT_SIZE_BAD.items():
    refuse(f"geom-output_size-{what}", "output_size", lambda args=args: conv.output_size(*args))
for what, args in {
    "negative": (-1, 3),
    "float": (1.5, 3),
    "bool": (True, 3),
    "unknown_word": ("full", 3),
    "same_even_kernel": ("same", 2),
    "same_stride_2": ("same", 3, 2),
    "f_0": ("same", 0),
}.items():
    refuse(
        f"geom-resolve_padding-{what}",
        "resolve_padding",
        lambda args=args: conv.resolve_padding(*args),
    )
for what, args in {"f_0": (5, 0), "s_0": (5, 3, 0, 0), "p_negative": (5, 3, -1)}.items():
    refuse(
        f"geom-window_starts-{what}", "window_starts", lambda args=args: conv.window_starts(*args)
    )
    refuse(
        f"geom-windows-{what}",
        "windows",
        lambda args=args: conv.windows(args[0], args[0], *args[1:]),
    )

# geometry: convolution
CONV_GEOM = {
    "kernel_0x0": lambda: (real(IMG), np.zeros((0, 0, 1, 2)), np.zeros(2), {}),
    "kernel_not_square": lambda: (real(IMG), real((3, 2, 1, 2)), np.zeros(2), {}),
    "channel_mismatch": lambda: (real((2, 4, 4, 3)), real((3, 3, 1, 2)), np.zeros(2), {}),
    "b_wrong_size": lambda: (real(IMG), real((3, 3, 1, 2)), np.zeros(3), {}),
    "X_3d": lambda: (real((2, 4, 4)), real((3, 3, 1, 2)), np.zeros(2), {}),
    "kernel_too_big": lambda: (real(IMG), real((5, 5, 1, 2)), np.zeros(2), {}),
    "stride_0": lambda: (*conv_args(), {"stride": 0}),
    "stride_negative": lambda: (*conv_args(), {"stride": -1}),
    "stride_float": lambda: (*conv_args(), {"stride": 1.5}),
    "stride_bool": lambda: (*conv_args(), {"stride": True}),
    "padding_negative": lambda: (*conv_args(), {"padding": -1}),
    "padding_float": lambda: (*conv_args(), {"padding": 1.5}),
    "padding_bool": lambda: (*conv_args(), {"padding": True}),
    "padding_word": lambda: (*conv_args(), {"padding": "full"}),
    "dilation_0": lambda: (*conv_args(), {"dilation": 0}),
    "dilation_float": lambda: (*conv_args(), {"dilation": 1.5}),
}
for what, make in CONV_GEOM.items():

    def _conv(make=make):
        X, W, b, kw = make()
        return conv.conv2d(X, W, b, **kw)

    def _conv_loop(make=make):
        X, W, b, kw = make()
        return conv_loops.conv2d_loop(X, W, b, **kw)

    refuse(f"geom-conv2d-{what}", "conv2d", _conv)
    refuse(f"geom-conv2d_loop-{what}", "conv2d_loop", _conv_loop)

for what, make in CONV_GEOM.items():
    if what in ("b_wrong_size",) or what.startswith("dilation"):
        continue

    def _bloop(make=make):
        X, W, b, kw = make()
        return conv_loops.conv2d_backward_loop(np.ones((2, 2, 2, 2)), X, W, **kw)

    refuse(f"geom-conv2d_backward_loop-{what}", "conv2d_backward_loop", _bloop)

TCONV_GEOM = {
    "kernel_0x0": lambda: (real((2, 2, 2, 1)), np.zeros((0, 0, 1, 1)), np.zeros(1), {}),
    "kernel_not_square": lambda: (real((2, 2, 2, 1)), real((2, 3, 1, 1)), np.zeros(1), {}),
    "channel_mismatch": lambda: (real((2, 2, 2, 2)), real((2, 2, 1, 1)), np.zeros(1), {}),
    "X_3d": lambda: (real((2, 2, 2)), real((2, 2, 1, 1)), np.zeros(1), {}),
    "stride_0": lambda: (*tconv_args(), {"stride": 0}),
    "stride_negative": lambda: (*tconv_args(), {"stride": -2}),
    "stride_float": lambda: (*tconv_args(), {"stride": 1.5}),
    "stride_bool": lambda: (*tconv_args(), {"stride": True}),
    "padding_negative": lambda: (*tconv_args(), {"padding": -1}),
    "padding_float": lambda: (*tconv_args(), {"padding": 0.5}),
    "padding_bool": lambda: (*tconv_args(), {"padding": True}),
    "padding_eats_output": lambda: (*tconv_args(), {"padding": 2}),
}
for what, make in TCONV_GEOM.items():

    def _tconv(make=make):
        X, W, b, kw = make()
        return conv.conv_transpose2d(X, W, b, **kw)

    def _tconv_loop(make=make):
        X, W, b, kw = make()
        return conv_loops.conv_transpose2d_loop(X, W, b, **kw)

    refuse(f"geom-conv_transpose2d-{what}", "conv_transpose2d", _tconv)
    refuse(f"geom-conv_transpose2d_loop-{what}", "conv_transpose2d_loop", _tconv_loop)

POOL_GEOM = {
    "f_0": ({"f": 0}, IMG),
    "f_negative": ({"f": -2}, IMG),
    "f_float": ({"f": 1.5}, IMG),
    "f_bool": ({"f": True}, IMG),
    "stride_0": ({"stride": 0}, IMG),
    "stride_negative": ({"stride": -1}, IMG),
    "stride_float": ({"stride": 1.5}, IMG),
    "stride_bool": ({"stride": True}, IMG),
    "f_bigger_than_input": ({"f": 5}, IMG),
    "X_3d": ({}, (2, 4, 4)),
}
for op in POOLS:
    for what, (kw, shape) in POOL_GEOM.items():
        refuse(
            f"geom-{op}-{what}", op, lambda op=op, kw=kw, shape=shape: POOLS[op](real(shape), **kw)
        )
        refuse(
            f"geom-{op}_loop-{what}",
            f"{op}_loop",
            lambda op=op, kw=kw, shape=shape: POOL_LOOPS[op](real(shape), **kw),
        )
for what, kw in {"f_0": {"f": 0}, "stride_0": {"stride": 0}, "f_float": {"f": 1.5}}.items():
    refuse(
        f"geom-max_pool2d_backward_loop-{what}",
        "max_pool2d_backward_loop",
        lambda kw=kw: conv_loops.max_pool2d_backward_loop(np.ones((2, 2, 2, 1)), real(IMG), **kw),
    )
    refuse(
        f"geom-avg_pool2d_backward_loop-{what}",
        "avg_pool2d_backward_loop",
        lambda kw=kw: conv_loops.avg_pool2d_backward_loop(np.ones((2, 2, 2, 1)), IMG, **kw),
    )

# geometry: architectures
for what, args in {
    "f_0": (5, 0, 1),
    "s_0": (5, 2, 0),
    "s_negative": (5, 2, -1),
    "p_negative": (5, 2, 1, -1),
    "f_float": (5, 2.5, 1),
    "f_bool": (5, True, 1),
    "window_too_big": (1, 2, 1),
}.items():
    refuse(
        f"geom-pool_output_size-{what}",
        "pool_output_size",
        lambda args=args: architectures.pool_output_size(*args),
    )
for what, args in {"s_0": (5, 2, 0), "f_0": (5, 0, 1), "n_negative": (-4, 2, 2)}.items():
    refuse(
        f"geom-pool_output_size_notes-{what}",
        "pool_output_size_notes",
        lambda args=args: architectures.pool_output_size_notes(*args),
    )
for what, args in {
    "f_0": (5, 0),
    "s_0": (5, 3, 0),
    "s_negative": (5, 3, -1),
    "n_0": (0, 3),
    "f_float": (5, 1.5),
    "f_bool": (5, True),
}.items():
    refuse(
        f"geom-same_padding-{what}",
        "same_padding",
        lambda args=args: architectures.same_padding(*args),
    )
for what, (args, kw) in {
    "s_0": ((5, 3), {"s": 0}),
    "f_0": ((5, 0), {}),
    "p_negative": ((5, 3), {"p": -1}),
    "same_stride_2": ((5, 3), {"p": "same", "s": 2}),
    "kernel_too_big": ((5, 7), {}),
    "n_C_prev_0": ((5, 3), {"n_C_prev": 0}),
    "n_C_0": ((5, 3), {"n_C": 0}),
}.items():
    refuse(
        f"geom-conv_layer_summary-{what}",
        "conv_layer_summary",
        lambda args=args, kw=kw: architectures.conv_layer_summary(*args, **kw),
    )
for what, args in {
    "negative": (-1, 4, 3, 3, 2),
    "float": (4.5, 4, 3, 3, 2),
    "f_0": (4, 4, 3, 0, 2),
}.items():
    refuse(
        f"geom-conv_multiplications-{what}",
        "conv_multiplications",
        lambda args=args: architectures.conv_multiplications(*args),
    )
BAD_SPECS = {
    "conv_f_0": [{"kind": "conv", "f": 0, "s": 1, "p": 0, "n": 4}],
    "conv_s_0": [{"kind": "conv", "f": 3, "s": 0, "p": 0, "n": 4}],
    "conv_n_0": [{"kind": "conv", "f": 3, "s": 1, "p": 0, "n": 0}],
    "pool_s_0": [{"kind": "pool", "f": 2, "s": 0, "pool": "max"}],
    "fc_n_negative": [{"kind": "fc", "n": -3}],
}
for what, spec in BAD_SPECS.items():
    refuse(
        f"geom-shape_chain-{what}",
        "shape_chain",
        lambda spec=spec: architectures.shape_chain(spec, (8, 8, 1)),
    )
    refuse(
        f"geom-count_params-{what}",
        "count_params",
        lambda spec=spec: architectures.count_params(spec, (8, 8, 1)),
    )
refuse(
    "geom-shape_chain-input_0",
    "shape_chain",
    lambda: architectures.shape_chain(architectures.LENET5, (0, 32, 1)),
)
for what, kw in {
    "n_0": {"n": 0},
    "f_0": {"f": 0},
    "bottleneck_0": {"bottleneck": 0},
}.items():
    refuse(
        f"geom-inception_cost-{what}",
        "inception_cost",
        lambda kw=kw: architectures.inception_cost(**kw),
    )


# =============================================================================================
# batch norm (functional)
# =============================================================================================


def bn_args(m=4, layout="dense"):
    if layout == "dense":
        return real((3, m)), np.ones((3, 1)), np.zeros((3, 1))
    return real((m, 2, 2, 3)), np.ones(3), np.zeros(3)


def bn_inf_args(m=4):
    Z, g, b = bn_args(m)
    return Z, g, b, np.zeros((3, 1)), np.ones((3, 1))


def bn_cache():
    return batchnorm.batch_norm(*bn_args())[1]


refuse("empty-batch_norm-dense", "batch_norm", lambda: batchnorm.batch_norm(*bn_args(0)))
refuse("empty-batch_norm-conv", "batch_norm", lambda: batchnorm.batch_norm(*bn_args(0, "conv")))
refuse(
    "empty-batch_norm_inference",
    "batch_norm_inference",
    lambda: batchnorm.batch_norm_inference(*bn_inf_args(0)),
)
refuse(
    "empty-batch_norm_notes", "batch_norm_notes", lambda: batchnorm.batch_norm_notes(*bn_args(0))
)
refuse(
    "empty-batch_norm_backward",
    "batch_norm_backward",
    lambda: batchnorm.batch_norm_backward(np.zeros((3, 0)), bn_cache()),
)
for kind in KINDS:
    refuse(
        f"kind-batch_norm-{kind}_Z",
        "batch_norm",
        lambda kind=kind: batchnorm.batch_norm(bad_kind(kind, real((3, 4))), *bn_args()[1:]),
    )
refuse(
    "kind-batch_norm-complex_gamma",
    "batch_norm",
    lambda: batchnorm.batch_norm(real((3, 4)), np.ones((3, 1)) + 0j, np.zeros((3, 1))),
)
refuse(
    "kind-batch_norm_inference-complex_Z",
    "batch_norm_inference",
    lambda: batchnorm.batch_norm_inference(real((3, 4)) + 0j, *bn_inf_args()[1:]),
)
refuse(
    "kind-batch_norm_notes-complex_Z",
    "batch_norm_notes",
    lambda: batchnorm.batch_norm_notes(real((3, 4)) + 0j, *bn_args()[1:]),
)
refuse(
    "kind-batch_norm_backward-complex_dout",
    "batch_norm_backward",
    lambda: batchnorm.batch_norm_backward(np.ones((3, 4)) + 0j, bn_cache()),
)
for what, shape in {"dout_one_column": (3, 1), "dout_one_row": (1, 4)}.items():
    refuse(
        f"bcast-batch_norm_backward-{what}",
        "batch_norm_backward",
        lambda shape=shape: batchnorm.batch_norm_backward(np.ones(shape), bn_cache()),
    )
BN_EPS_BAD = [0, 0.0, -1e-5, NAN, INF, True, "1e-5"]
for v in BN_EPS_BAD:
    refuse(
        f"hyper-batch_norm-eps={lab(v)}",
        "batch_norm",
        lambda v=v: batchnorm.batch_norm(*bn_args(), eps=v),
    )
    refuse(
        f"hyper-batch_norm_inference-eps={lab(v)}",
        "batch_norm_inference",
        lambda v=v: batchnorm.batch_norm_inference(*bn_inf_args(), eps=v),
    )
for v in (-1e-8, NAN, INF, "1e-8"):
    refuse(
        f"hyper-batch_norm_notes-eps={lab(v)}",
        "batch_norm_notes",
        lambda v=v: batchnorm.batch_norm_notes(*bn_args(), eps=v),
    )
refuse(
    "hyper-batch_norm_inference-negative_running_var",
    "batch_norm_inference",
    lambda: batchnorm.batch_norm_inference(*bn_inf_args()[:4], -np.ones((3, 1))),
)
refuse(
    "geom-batch_norm-gamma_wrong_shape",
    "batch_norm",
    lambda: batchnorm.batch_norm(real((3, 4)), np.ones((1, 3)), np.zeros((3, 1))),
)
refuse(
    "geom-batch_norm-Z_3d",
    "batch_norm",
    lambda: batchnorm.batch_norm(real((3, 4, 2)), np.ones((3, 1)), np.zeros((3, 1))),
)
refuse(
    "geom-batch_norm_inference-running_mean_wrong_shape",
    "batch_norm_inference",
    lambda: batchnorm.batch_norm_inference(*bn_inf_args()[:3], np.zeros((1, 1)), np.ones((3, 1))),
)
refuse(
    "order-batch_norm-training_m_1",
    "batch_norm",
    lambda: batchnorm.batch_norm(*bn_args(1)),
)


def _bn_conv_m1_ok():
    out, _ = batchnorm.batch_norm(*bn_args(1, "conv"))  # N = 1 * 2 * 2 = 4 values per channel
    assert np.all(np.isfinite(out))


accept("order-batch_norm-conv_m_1_with_4_pixels_ok", _bn_conv_m1_ok)


# =============================================================================================
# layers: forward (empty, kinds), backward (shapes, before forward), constructors
# =============================================================================================

# name -> (factory, good input shape, op, training forward?)
LAYERS = {
    "Dense": (lambda: Dense(2, 3, "relu", rng=0, l=1), (2, 4), "Dense layer 1"),
    "Conv2D": (lambda: Conv2D(1, 2, 3, padding="same", rng=0, l=1), IMG, "Conv2D layer 1"),
    "MaxPool2D": (lambda: _numbered(MaxPool2D(2)), IMG, "MaxPool2D layer 2"),
    "AvgPool2D": (lambda: _numbered(AvgPool2D(2)), IMG, "AvgPool2D layer 2"),
    "GlobalAvgPool": (lambda: _numbered(GlobalAvgPool()), (2, 4, 4, 3), "GlobalAvgPool layer 2"),
    "Flatten": (lambda: _numbered(Flatten()), (2, 2, 2, 1), "Flatten layer 2"),
    "Activation": (lambda: _numbered(Activation("relu")), (2, 3), "Activation layer 2"),
    "Residual": (
        lambda: _numbered(Residual([Dense(3, 3, "identity", rng=0)], activation="relu")),
        (3, 4),
        "Residual layer 2",
    ),
    "BatchNorm": (lambda: BatchNorm(3, l=1), (3, 4), "BatchNorm layer 1"),
    "BatchNorm-conv": (lambda: BatchNorm(3, layout="conv", l=1), (2, 2, 2, 3), "BatchNorm layer 1"),
}


def _numbered(layer, l: int = 2):
    layer.l = l
    return layer


def _empty(shape):
    """``shape`` with m = 0 (axis 1 for the dense layout, axis 0 for the conv one)."""
    return (shape[0], 0) if len(shape) == 2 else (0, *shape[1:])


def _forward(name, X, training=False):
    make, _, _ = LAYERS[name]
    return make().forward(X, training)


def _forward_backward(name, dA_shape, training=True):
    make, shape, _ = LAYERS[name]
    layer = make()
    layer.forward(real(shape), training)
    return layer.backward(np.ones(dA_shape))


def _backward_first(name):
    make, shape, _ = LAYERS[name]
    layer = make()
    return layer.backward(np.ones(shape))


# wrong upstream gradient shapes, per layer (the output shape is noted)
WRONG_DA = {
    "Dense": [(3, 1), (1, 4)],  # out (3, 4)
    "Conv2D": [(2, 4, 4, 1), (1, 4, 4, 2)],  # out (2, 4, 4, 2)
    "MaxPool2D": [(1, 2, 2, 1), (2, 4, 4, 1)],  # out (2, 2, 2, 1)
    "AvgPool2D": [(1, 2, 2, 1), (2, 4, 4, 1)],
    "GlobalAvgPool": [(3, 1), (1, 2)],  # out (3, 2)
    "Flatten": [(4, 1), (2, 4)],  # out (4, 2); (2, 4) would reshape silently
    "Activation": [(1, 3), (2, 1)],  # out (2, 3)
    "Residual": [(1, 4), (3, 1)],  # out (3, 4)
    "BatchNorm": [(3, 1), (1, 4)],
    "BatchNorm-conv": [(1, 2, 2, 3), (2, 2, 2, 1)],
}

for name, (_make, shape, op) in LAYERS.items():
    training = name.startswith("BatchNorm")
    refuse(
        f"empty-{name}.forward",
        op,
        lambda name=name, shape=shape, t=training: _forward(name, np.zeros(_empty(shape)), t),
    )
    for kind in KINDS:
        refuse(
            f"kind-{name}.forward-{kind}",
            op,
            lambda name=name, shape=shape, kind=kind: _forward(name, bad_kind(kind, real(shape))),
        )
    for dshape in WRONG_DA[name]:
        refuse(
            f"bcast-{name}.backward-dA{'x'.join(map(str, dshape))}",
            op,
            lambda name=name, dshape=dshape: _forward_backward(name, dshape),
        )
    refuse(
        f"kind-{name}.backward-complex_dA",
        op,
        lambda name=name, shape=shape: _complex_backward(name),
    )
    refuse(f"order-{name}.backward_before_forward", op, lambda name=name: _backward_first(name))


def _complex_backward(name):
    make, shape, _ = LAYERS[name]
    layer = make()
    A = layer.forward(real(shape), True)
    return layer.backward(np.ones(A.shape) + 0j)


refuse(
    "empty-BatchNorm.forward-inference",
    "BatchNorm layer 1",
    lambda: BatchNorm(3, l=1).forward(np.zeros((3, 0)), training=False),
)
refuse(
    "order-BatchNorm.forward-training_m_1",
    "BatchNorm layer 1",
    lambda: BatchNorm(3, l=1).forward(real((3, 1)), training=True),
)
refuse(
    "geom-Conv2D.forward-channel_mismatch",
    "Conv2D layer 1",
    lambda: Conv2D(2, 2, 3, rng=0, l=1).forward(real(IMG)),
)
refuse(
    "geom-Conv2D.forward-kernel_too_big",
    "Conv2D layer 1",
    lambda: Conv2D(1, 2, 5, rng=0, l=1).forward(real(IMG)),
)
refuse(
    "geom-Dense.forward-wrong_n_prev",
    "Dense layer 1",
    lambda: Dense(2, 3, rng=0, l=1).forward(real((3, 4))),
)
for cls in ("MaxPool2D", "AvgPool2D"):
    refuse(
        f"geom-{cls}.forward-window_too_big",
        f"{cls} layer 2",
        lambda cls=cls: _numbered({"MaxPool2D": MaxPool2D, "AvgPool2D": AvgPool2D}[cls](5)).forward(
            real(IMG)
        ),
    )
    refuse(
        f"geom-{cls}.forward-dense_layout",
        f"{cls} layer 2",
        lambda cls=cls: _numbered({"MaxPool2D": MaxPool2D, "AvgPool2D": AvgPool2D}[cls](2)).forward(
            real((2, 4))
        ),
    )
refuse(
    "geom-Activation.forward-softmax_on_conv_layout",
    "Activation layer 2",
    lambda: _numbered(Activation("softmax")).forward(real(IMG)),
)
refuse(
    "geom-BatchNorm.forward-wrong_layout",
    "BatchNorm layer 1",
    lambda: BatchNorm(3, l=1).forward(real((2, 2, 2, 3)), training=True),
)
refuse(
    "geom-Residual.forward-shapes_differ",
    "Residual layer 2",
    lambda: _numbered(Residual([Dense(3, 2, "identity", rng=0)])).forward(real((3, 4))),
)

# Dropout (a layer with a mask only while training)
for dshape in ((3, 1), (1, 4)):
    refuse(
        f"bcast-Dropout.backward-dA{dshape[0]}x{dshape[1]}",
        "Dropout layer 2",
        lambda dshape=dshape: _dropout_backward(dshape),
    )


def _dropout_backward(dshape):
    layer = _numbered(Dropout(0.5, rng=0))
    layer.forward(real((3, 4)), training=True)
    return layer.backward(np.ones(dshape))


refuse(
    "kind-Dropout.forward-complex",
    "Dropout layer 2",
    lambda: _numbered(Dropout(0.5, rng=0)).forward(real((3, 4)) + 0j, training=True),
)

# constructors
SIZE_BAD = [0, -1, 1.5, True, NAN, "3"]
for i, arg in enumerate(("n_prev", "n")):
    for v in SIZE_BAD:

        def _dense_ctor(i=i, v=v):
            sizes = [2, 3]
            sizes[i] = v
            return Dense(*sizes, rng=0)

        refuse(f"hyper-Dense-{arg}={lab(v)}", "Dense", _dense_ctor)
refuse("hyper-Dense-activation_unknown", "Dense", lambda: Dense(2, 3, "swish", rng=0))
refuse("hyper-Dense-init_unknown", "Dense", lambda: Dense(2, 3, init="glorot", rng=0))

CONV_CTOR = {"n_C_prev": 1, "n_C": 2, "f": 3, "stride": 1, "dilation": 1}
for arg in CONV_CTOR:
    for v in (0, -1, 1.5, True, NAN, "2"):
        refuse(
            f"hyper-Conv2D-{arg}={lab(v)}",
            "Conv2D",
            lambda arg=arg, v=v: Conv2D(**{**CONV_CTOR, arg: v}, rng=0),
        )
for v in (-1, 1.5, True, "full"):
    refuse(
        f"hyper-Conv2D-padding={lab(v)}", "Conv2D", lambda v=v: Conv2D(1, 2, 3, padding=v, rng=0)
    )
refuse("hyper-Conv2D-same_even_kernel", "Conv2D", lambda: Conv2D(1, 2, 2, padding="same", rng=0))
refuse("hyper-Conv2D-init_unknown", "Conv2D", lambda: Conv2D(1, 2, 3, init="glorot", rng=0))
refuse(
    "hyper-Conv2D-activation_softmax",
    "Conv2D",
    lambda: Conv2D(1, 2, 3, activation="softmax", rng=0),
)
for cls in (MaxPool2D, AvgPool2D):
    for arg in ("f", "stride"):
        for v in (0, -1, 1.5, True, "2"):
            refuse(
                f"hyper-{cls.__name__}-{arg}={lab(v)}",
                cls.__name__,
                lambda cls=cls, arg=arg, v=v: cls(**{arg: v}),
            )
refuse("hyper-Residual-no_layers", "Residual", lambda: Residual([]))
for v in (0, -1, 1.5, True):
    refuse(f"hyper-BatchNorm-n={lab(v)}", "BatchNorm", lambda v=v: BatchNorm(v))
for v in (-0.1, 1.0, 1.5, NAN, INF, True, "0.9"):
    refuse(f"hyper-BatchNorm-momentum={lab(v)}", "BatchNorm", lambda v=v: BatchNorm(3, momentum=v))
for v in BN_EPS_BAD:
    refuse(f"hyper-BatchNorm-eps={lab(v)}", "BatchNorm", lambda v=v: BatchNorm(3, eps=v))
refuse("hyper-BatchNorm-layout_unknown", "BatchNorm", lambda: BatchNorm(3, layout="nhwc"))
for what, (mean, var) in {
    "negative_var": (np.zeros((3, 1)), -np.ones((3, 1))),
    "nan_var": (np.zeros((3, 1)), np.full((3, 1), NAN)),
    "inf_mean": (np.full((3, 1), INF), np.ones((3, 1))),
    "wrong_shape": (np.zeros((2, 1)), np.ones((2, 1))),
    "complex_mean": (np.zeros((3, 1)) + 0j, np.ones((3, 1))),
}.items():
    refuse(
        f"hyper-BatchNorm.set_running-{what}",
        "BatchNorm",
        lambda mean=mean, var=var: BatchNorm(3).set_running(mean, var),
    )
for v in (0, -0.5, 1.5, NAN, INF, True, "0.5"):
    refuse(f"hyper-Dropout-keep_prob={lab(v)}", "Dropout", lambda v=v: Dropout(v))


# =============================================================================================
# regularization
# =============================================================================================

LAMBD_BAD = [-1.0, NAN, INF, -INF, True, "0.1"]
M_BAD = [0, -1, 1.5, True, NAN, "4"]
PENALTY_FUNCS = ("l2_penalty", "l2_penalty_grads", "l1_penalty", "l1_penalty_grads")
for op in PENALTY_FUNCS:
    f = getattr(regularization, op)
    for v in LAMBD_BAD:
        refuse(
            f"hyper-{op}-lambd={lab(v)}",
            op,
            lambda f=f, v=v: f({"W1": np.ones((2, 2))}, v, 4),
        )
    for v in M_BAD:
        refuse(f"hyper-{op}-m={lab(v)}", op, lambda f=f, v=v: f({"W1": np.ones((2, 2))}, 0.1, v))
    refuse(
        f"kind-{op}-complex_W",
        op,
        lambda f=f: f({"W1": np.ones((2, 2)) + 0j}, 0.1, 4),
    )

KEEP_BAD = [0, 0.0, -0.5, 1.5, NAN, INF, True, "0.5"]
for v in KEEP_BAD:
    refuse(
        f"hyper-dropout_forward-keep_prob={lab(v)}",
        "dropout_forward",
        lambda v=v: regularization.dropout_forward(np.ones((3, 4)), v, np.random.default_rng(0)),
    )
for v in (0, NAN, 1.5):
    refuse(
        f"hyper-dropout_backward-keep_prob={lab(v)}",
        "dropout_backward",
        lambda v=v: regularization.dropout_backward(np.ones((3, 4)), np.ones((3, 4)), v),
    )
refuse(
    "bcast-dropout_backward-mask_one_column",
    "dropout_backward",
    lambda: regularization.dropout_backward(np.ones((3, 4)), np.ones((3, 1)), 0.5),
)
refuse(
    "kind-dropout_forward-complex",
    "dropout_forward",
    lambda: regularization.dropout_forward(np.ones((3, 4)) + 0j, 0.5, np.random.default_rng(0)),
)


# =============================================================================================
# model: Sequential and mlp
# =============================================================================================

for v in LAMBD_BAD:
    refuse(f"hyper-mlp-lambd={lab(v)}", "mlp", lambda v=v: mlp([2, 3, 1], seed=0, lambd=v))
    refuse(
        f"hyper-Sequential-lambd={lab(v)}",
        "Sequential",
        lambda v=v: Sequential([Dense(2, 1, "sigmoid", rng=0)], "bce", lambd=v),
    )
for v in KEEP_BAD:
    refuse(f"hyper-mlp-keep_prob={lab(v)}", "mlp", lambda v=v: mlp([2, 3, 1], seed=0, keep_prob=v))
for what, dims in {
    "size_0": [2, 0, 1],
    "size_negative": [2, -3, 1],
    "size_float": [2, 1.5, 1],
    "size_bool": [2, True, 1],
    "one_size": [2],
    "size_str": [2, "3", 1],
}.items():
    refuse(f"hyper-mlp-layer_dims_{what}", "mlp", lambda dims=dims: mlp(dims, seed=0))
refuse(
    "hyper-Sequential-loss_unknown",
    "Sequential",
    lambda: Sequential([Dense(2, 1, "sigmoid", rng=0)], "hinge"),
)
refuse(
    "hyper-Sequential-penalty_unknown",
    "Sequential",
    lambda: Sequential([Dense(2, 1, "sigmoid", rng=0)], "bce", 0.1, "l3"),
)


def _fit(**kw):
    X, Y = xy()
    return model().fit(X, Y, num_iterations=kw.pop("num_iterations", 2), **kw)


for v in (0, -0.1, NAN, INF, True, "0.1"):
    refuse(
        f"hyper-Sequential.fit-learning_rate={lab(v)}",
        "Sequential.fit",
        lambda v=v: _fit(learning_rate=v),
    )
for v in (0, -1, 1.5, True, NAN, "2"):
    refuse(
        f"hyper-Sequential.fit-num_iterations={lab(v)}",
        "Sequential.fit",
        lambda v=v: _fit(num_iterations=v),
    )
    refuse(
        f"hyper-Sequential.fit-batch_size={lab(v)}",
        "Sequential.fit",
        lambda v=v: _fit(batch_size=v),
    )
for v in (0, 1.5, True):
    refuse(f"hyper-Sequential.fit-every={lab(v)}", "Sequential.fit", lambda v=v: _fit(every=v))


def _fit_empty():
    return model().fit(np.zeros((2, 0)), np.zeros((1, 0)), num_iterations=1)


def _forward_empty():
    return model().forward(np.zeros((2, 0)))


def _cost_empty():
    return model().cost(np.zeros((1, 0)), np.zeros((1, 0)))


def _accuracy_empty():
    return model().accuracy(np.zeros((2, 0)), np.zeros((1, 0)))


refuse("empty-Sequential.fit", "Sequential.fit", _fit_empty)
refuse("empty-Sequential.forward", "Sequential.forward", _forward_empty)
refuse("empty-Sequential.cost", "Sequential.cost", _cost_empty)
refuse("empty-Sequential.accuracy", "Sequential.accuracy", _accuracy_empty)
refuse(
    "empty-Sequential.fit-minibatches",
    "Sequential.fit",
    lambda: model().fit(np.zeros((2, 0)), np.zeros((1, 0)), num_iterations=1, batch_size=2),
)
for kind in KINDS:
    refuse(
        f"kind-Sequential.forward-{kind}",
        "Sequential.forward",
        lambda kind=kind: model().forward(bad_kind(kind, real(X2))),
    )
    refuse(
        f"kind-Sequential.fit-{kind}_X",
        "Sequential.fit",
        lambda kind=kind: model().fit(bad_kind(kind, real(X2)), labels01((1, 4)), num_iterations=1),
    )
refuse(
    "kind-Sequential.fit-complex_Y",
    "Sequential.fit",
    lambda: model().fit(real(X2), labels01((1, 4)) + 0j, num_iterations=1),
)
refuse(
    "kind-Sequential.cost-complex_AL",
    "Sequential.cost",
    lambda: model().cost(probs((1, 4)) + 0j, labels01((1, 4))),
)


def _accuracy_one_label():
    X, Y = xy()
    return model().accuracy(X, Y[:, :1])


def _backward_wrong_Y(shape):
    X, _ = xy()
    m = model()
    AL = m.forward(X)
    return m.backward(AL, labels01(shape))


def _cost_wrong_Y():
    X, _ = xy()
    m = model()
    return m.cost(m.forward(X), labels01((4, 1)))


def _fit_wrong_Y():
    X, _ = xy()
    return model().fit(X, labels01((1, 3)), num_iterations=1)


refuse("bcast-Sequential.accuracy-one_label", "Sequential.accuracy", _accuracy_one_label)
refuse("bcast-Sequential.backward-Y_4x1", "Sequential.backward", lambda: _backward_wrong_Y((4, 1)))
refuse("bcast-Sequential.backward-Y_1x1", "Sequential.backward", lambda: _backward_wrong_Y((1, 1)))
refuse("bcast-Sequential.cost-Y_4x1", "Sequential.cost", _cost_wrong_Y)
refuse("bcast-Sequential.fit-Y_m_differs", "Sequential.fit", _fit_wrong_Y)


def _diverge():
    m = mlp([1, 1], output="identity", seed=0)  # mse
    X, Y = np.array([[1e3, -1e3]]), np.zeros((1, 2))
    return m.fit(X, Y, learning_rate=10.0, num_iterations=200)


refuse("nan-Sequential.fit-diverges", "Sequential.fit", _diverge, exc=FloatingPointError)


def _nan_W1_model():
    m = model()
    m.set_params({"W1": np.full((3, 2), NAN)})
    return m


def _fit_nan_W1():
    X, Y = xy()
    return _nan_W1_model().fit(X, Y, num_iterations=2)


refuse(
    "nan-Sequential.fit-W1_nan", "Sequential.fit", _fit_nan_W1, exc=(ValueError, FloatingPointError)
)


def _nan_or_refused(thunk, op):
    """The op propagates NaN (all of the result is NaN) or refuses naming ``op``."""
    try:
        out = thunk()
    except ValueError as err:
        assert op in str(err), f"refused without naming {op!r}: {_short(err)}"
        return
    out = np.asarray(out, dtype=np.float64)
    assert np.all(np.isnan(out)), f"NaN turned into a number: {_short(repr(out))}"


def _forward_nan_W1():
    X, _ = xy()
    _nan_or_refused(lambda: _nan_W1_model().forward(X), "Sequential.forward")


accept("nan-Sequential.forward-W1_nan_not_half", _forward_nan_W1)


# =============================================================================================
# optimizers
# =============================================================================================

OPT_NAMES = sorted(optimizers.DEFAULTS)
HYPER_BAD = {
    "lr": [INF, -INF, NAN, -0.1, 0, 0.0, True, "0.1", None],
    "beta": [INF, -INF, NAN, -0.1, 1.0, 1.5, True, "0.9"],
    "beta1": [INF, -INF, NAN, -0.1, 1.0, 1.5, True, "0.9"],
    "beta2": [INF, -INF, NAN, -0.1, 1.0, 1.5, True, "0.9"],
    "eps": [INF, -INF, NAN, -1e-8, 0, True, "1e-8"],
    "weight_decay": [INF, -INF, NAN, -0.01, True, "0.01"],
}
for name in OPT_NAMES:
    for key in optimizers.DEFAULTS[name]:
        for v in HYPER_BAD.get(key, []):
            refuse(
                f"hyper-Optimizer({name})-{key}={lab(v)}",
                name,
                lambda name=name, key=key, v=v: Optimizer(name, **{key: v}),
            )
    if "form" in optimizers.DEFAULTS[name]:
        refuse(
            f"hyper-Optimizer({name})-form_unknown",
            name,
            lambda name=name: Optimizer(name, form="heavy"),
        )
    refuse(
        f"hyper-Optimizer({name})-unknown_key",
        name,
        lambda name=name: Optimizer(name, momentum=0.9),
    )
    for v in (NAN, -1.0, 0.0, INF, True):
        refuse(
            f"hyper-{name}.step-lr_override={lab(v)}",
            name,
            lambda name=name, v=v: Optimizer(name).step(
                {"x": np.ones((2, 1))}, {"dx": np.ones((2, 1))}, lr=v
            ),
        )
    refuse(
        f"hyper-step({name})-lr=nan",
        name,
        lambda name=name: optimizers.step(
            name, {"x": np.ones(2)}, {"dx": np.ones(2)}, None, {"lr": NAN}
        ),
    )
    refuse(
        f"hyper-check_hyper({name})-lr=-1",
        name,
        lambda name=name: optimizers.check_hyper(name, {"lr": -1.0}),
    )
    for what, gshape in {"grad_2x2": (2, 2), "grad_1x1": (1, 1), "grad_1d": (2,)}.items():
        refuse(
            f"bcast-Optimizer({name}).step-{what}",
            name,
            lambda name=name, gshape=gshape: Optimizer(name).step(
                {"x": np.ones((2, 1))}, {"dx": np.ones(gshape)}
            ),
        )
    refuse(
        f"bcast-step({name})-grad_2x2",
        name,
        lambda name=name: optimizers.step(
            name, {"x": np.ones((2, 1))}, {"dx": np.ones((2, 2))}, None, {}
        ),
    )
    refuse(
        f"kind-Optimizer({name}).step-complex_grad",
        name,
        lambda name=name: Optimizer(name).step(
            {"x": np.ones((2, 1))}, {"dx": np.ones((2, 1)) + 0j}
        ),
    )
    refuse(
        f"kind-Optimizer({name}).step-object_param",
        name,
        lambda name=name: Optimizer(name).step(
            {"x": np.full((2, 1), None, dtype=object)}, {"dx": np.ones((2, 1))}
        ),
    )

    def _nan_grad(name=name):
        new = Optimizer(name).step({"x": np.ones((2, 1))}, {"dx": np.full((2, 1), NAN)})
        assert np.all(np.isnan(new["x"])), f"{name}: a NaN gradient gave {new['x'].ravel()}"

    accept(f"nan-Optimizer({name}).step-nan_grad_propagates", _nan_grad)

    def _np_scalar_lr(name=name):
        opt = Optimizer(name, lr=np.float32(0.01))
        new = opt.step({"x": np.ones((2, 1))}, {"dx": np.ones((2, 1))})
        assert new["x"].dtype == np.float64 and np.all(new["x"] < 1), new["x"]

    accept(f"hyper-Optimizer({name})-numpy_float32_lr_accepted", _np_scalar_lr)
refuse("hyper-Optimizer-unknown_name", "Optimizer", lambda: Optimizer("lion"))


# =============================================================================================
# data, preprocessing, initializers, schedules, averaging, descent, surfaces, gradcheck
# =============================================================================================

NOISE_BAD = [NAN, INF, -INF, -0.1, True, "0.1"]
DATA_M_BAD = [0, 1, -5, 2.5, True, NAN, "10"]
for gen in ("two_moons", "circles", "spirals"):
    f = getattr(data, gen)
    for v in NOISE_BAD:
        refuse(f"hyper-{gen}-noise={lab(v)}", gen, lambda f=f, v=v: f(20, noise=v))
    for v in DATA_M_BAD:
        refuse(f"hyper-{gen}-m={lab(v)}", gen, lambda f=f, v=v: f(v))
for v in (0, 1, -0.5, 1.5, NAN, INF, True, "0.5"):
    refuse(f"hyper-circles-factor={lab(v)}", "circles", lambda v=v: data.circles(20, factor=v))
for v in (1, 0, -1, 2.5, True, NAN, "3"):
    refuse(f"hyper-spirals-classes={lab(v)}", "spirals", lambda v=v: data.spirals(30, classes=v))

refuse(
    "empty-mini_batches",
    "mini_batches",
    lambda: data.mini_batches(np.zeros((2, 0)), np.zeros((1, 0)), 2, np.random.default_rng(0)),
)
refuse(
    "empty-mini_batches-full_batch",
    "mini_batches",
    lambda: data.mini_batches(np.zeros((2, 0)), np.zeros((1, 0)), None, np.random.default_rng(0)),
)
refuse(
    "empty-mini_batches-conv_layout",
    "mini_batches",
    lambda: data.mini_batches(
        np.zeros((0, 4, 4, 1)), np.zeros((1, 0)), 2, np.random.default_rng(0)
    ),
)
refuse(
    "bcast-mini_batches-m_differs",
    "mini_batches",
    lambda: data.mini_batches(np.zeros((2, 4)), np.zeros((1, 3)), 2, np.random.default_rng(0)),
)
for v in (0, -1, 1.5, True, NAN, "2"):
    refuse(
        f"hyper-mini_batches-batch_size={lab(v)}",
        "mini_batches",
        lambda v=v: data.mini_batches(real(X2), labels01((1, 4)), v, np.random.default_rng(0)),
    )

# Standardizer
refuse("empty-Standardizer.fit", "Standardizer.fit", lambda: Standardizer().fit(np.zeros((2, 0))))
for kind in KINDS:
    refuse(
        f"kind-Standardizer.fit-{kind}",
        "Standardizer.fit",
        lambda kind=kind: Standardizer().fit(bad_kind(kind, real(X2))),
    )
refuse("geom-Standardizer.fit-1d", "Standardizer.fit", lambda: Standardizer().fit(np.ones(4)))
refuse(
    "kind-Standardizer.transform-complex",
    "Standardizer.transform",
    lambda: Standardizer().fit(real(X2)).transform(real(X2) + 0j),
)
refuse(
    "geom-Standardizer.transform-wrong_features",
    "Standardizer.transform",
    lambda: Standardizer().fit(real(X2)).transform(real((3, 4))),
)
refuse(
    "order-Standardizer.transform-before_fit",
    "Standardizer.transform",
    lambda: Standardizer().transform(real(X2)),
)
for v in (-1e-8, NAN, INF, True, "1e-8"):
    refuse(f"hyper-Standardizer-eps={lab(v)}", "Standardizer", lambda v=v: Standardizer(eps=v))


def _standardizer_lists():
    got = Standardizer().fit([[1.0, 3.0], [10.0, 30.0]]).transform([[2.0], [20.0]])
    np.testing.assert_allclose(got, [[0.0], [0.0]], atol=1e-12)


accept("kind-Standardizer-lists_accepted", _standardizer_lists)

# initializers
for what, (n, n_prev) in {
    "n_0": (0, 2),
    "n_prev_0": (2, 0),
    "n_negative": (-1, 2),
    "n_float": (1.5, 2),
    "n_prev_bool": (2, True),
    "n_nan": (NAN, 2),
}.items():
    refuse(
        f"hyper-initialize-{what}",
        "initialize",
        lambda n=n, n_prev=n_prev: initializers.initialize(
            "he", n, n_prev, np.random.default_rng(0)
        ),
    )
refuse(
    "hyper-initialize-unknown_name",
    "initialize",
    lambda: initializers.initialize("glorot", 2, 2, np.random.default_rng(0)),
)
for v in (-1, 1.5, "seed"):
    refuse(f"hyper-make_rng-seed={lab(v)}", "make_rng", lambda v=v: initializers.make_rng(v))

# schedules
A0_BAD = [0, -1.0, INF, -INF, NAN, True, "1"]
EPOCH_BAD = [-1, NAN, INF, 1j, "3"]
SCHEDULE_BAD = {
    "inverse_time": {"decay": [-0.1, INF, NAN, True, "0.05"]},
    "exponential": {"base": [0, -0.5, 1.5, INF, NAN, True, "0.95"]},
    "inverse_sqrt": {"k": [0, -1.0, INF, NAN, True, "1"]},
    "staircase": {
        "drop": [0, -0.5, INF, NAN, True, "0.5"],
        "every": [0, -1, 1.5, INF, NAN, True, "10"],
    },
    "cosine_warmup": {
        "total": [0, -1, 1.5, INF, NAN, True, "100"],
        "warmup": [-1, 100, 200, 1.5, NAN, True, "10"],
        "a_min": [NAN, INF, "0"],
    },
}
for sched, bad in SCHEDULE_BAD.items():
    f = getattr(schedules, sched)
    start = 1 if sched == "inverse_sqrt" else 0
    for v in A0_BAD:
        refuse(f"hyper-{sched}-a0={lab(v)}", sched, lambda f=f, v=v, s=start: f(s + 5, a0=v))
    for key, values in bad.items():
        for v in values:
            refuse(
                f"hyper-{sched}-{key}={lab(v)}",
                sched,
                lambda f=f, key=key, v=v, s=start: f(s + 5, **{key: v}),
            )
    for v in EPOCH_BAD + ([0] if sched == "inverse_sqrt" else []):
        refuse(f"hyper-{sched}-epoch={lab(v)}", sched, lambda f=f, v=v: f(v))
    refuse(
        f"hyper-{sched}-epoch_array_with_nan",
        sched,
        lambda f=f, s=start: f(np.array([s + 1.0, NAN])),
    )

# averaging
for v in (NAN, INF, -0.1, 1.0, 1.5, True, "0.9"):
    refuse(f"hyper-ewa-beta={lab(v)}", "ewa", lambda v=v: averaging.ewa(np.ones(3), v))
for what, series in {
    "complex": np.ones(3) + 1j,
    "object": np.full(3, None, dtype=object),
    "str": np.array(["a", "b"]),
    "2d": np.ones((2, 3)),
}.items():
    refuse(f"kind-ewa-{what}", "ewa", lambda series=series: averaging.ewa(series, 0.9))


def _ewa_nan():
    v = averaging.ewa(np.array([1.0, NAN, 1.0]), 0.5)
    assert np.isnan(v[1]) and np.isnan(v[2]), v


accept("nan-ewa-propagates", _ewa_nan)

# descent
for v in (0, -1, 1.5, True, NAN, "5"):
    refuse(
        f"hyper-minimize-steps={lab(v)}",
        "minimize",
        lambda v=v: descent.minimize(surfaces.get("bowl"), Optimizer("gd", lr=0.1), steps=v),
    )
refuse(
    "kind-minimize-complex_start",
    "minimize",
    lambda: descent.minimize(
        surfaces.get("bowl"), Optimizer("gd", lr=0.1), 3, start={"x": 1j, "y": 0.0}
    ),
)
refuse(
    "kind-minimize-str_start",
    "minimize",
    lambda: descent.minimize(
        surfaces.get("bowl"), Optimizer("gd", lr=0.1), 3, start={"x": "1", "y": 0.0}
    ),
)
refuse(
    "kind-minimize-optimizer_name_not_object",
    "minimize",
    lambda: descent.minimize(surfaces.get("bowl"), "gd", 3),
)
refuse("hyper-surfaces.get-unknown", "surface", lambda: surfaces.get("himmelblau"))


def _minimize_diverges_ok():
    path = descent.minimize(surfaces.get("bowl"), Optimizer("gd", lr=100.0), steps=500)
    assert path.diverged_at is not None and np.all(np.isfinite(path.loss)), path.diverged_at


accept("nan-minimize-divergence_stops_the_path", _minimize_diverges_ok)

# gradcheck
refuse(
    "order-check_model-dropout_training",
    "check_model",
    lambda: gradcheck.check_model(mlp([2, 3, 1], seed=0, keep_prob=0.5), *xy(), training=True),
)
refuse(
    "empty-check_model",
    "check_model",
    lambda: gradcheck.check_model(model(), np.zeros((2, 0)), np.zeros((1, 0))),
)
for v in (0, -1e-5, NAN, INF, True):
    refuse(
        f"hyper-check_model-eps={lab(v)}",
        "check_model",
        lambda v=v: gradcheck.check_model(model(), *xy(), eps=v),
    )
    refuse(
        f"hyper-numerical_gradient-eps={lab(v)}",
        "numerical_gradient",
        lambda v=v: gradcheck.numerical_gradient(lambda x: float(np.sum(x * x)), np.ones(2), eps=v),
    )
refuse(
    "bcast-check_model-Y_wrong_shape",
    "check_model",
    lambda: gradcheck.check_model(model(), real(X2), labels01((4, 1))),
)
refuse(
    "kind-numerical_gradient-complex_x",
    "numerical_gradient",
    lambda: gradcheck.numerical_gradient(lambda x: float(np.sum(x.real)), np.ones(2) + 1j),
)
refuse(
    "bcast-relative_error-1x4_vs_4x1",
    "relative_error",
    lambda: gradcheck.relative_error(np.ones((1, 4)), np.ones((4, 1))),
)
refuse(
    "kind-relative_error-complex",
    "relative_error",
    lambda: gradcheck.relative_error(np.ones(2) + 1j, np.ones(2)),
)


# =============================================================================================
# NaN is never swallowed (ops propagate it)
# =============================================================================================


def _nan_through(name, which="forward"):
    Z = np.array([[NAN, 1.0], [-1.0, NAN]])
    g = activations.get(name)
    if which == "forward":
        out = g.forward(Z)
        assert np.isnan(out[0, 0]) and np.isnan(out[1, 1]), f"{name}({Z.tolist()}) = {out.tolist()}"
    elif which == "derivative":
        out = g.derivative(Z)
        assert np.isnan(out[0, 0]) and np.isnan(out[1, 1]), f"{name}'(NaN) = {out.tolist()}"
    else:
        out = g.backward(np.ones_like(Z), Z, g.forward(Z))
        assert np.isnan(out[0, 0]), f"{name} backward at NaN = {out.tolist()}"


for name in ACT_NAMES:
    accept(f"nan-{name}-forward_propagates", lambda name=name: _nan_through(name))
    if name != "identity":  # dZ = dA * 1: a NaN in Z rightly does not reach dZ
        accept(f"nan-{name}-backward_propagates", lambda name=name: _nan_through(name, "backward"))
for name in ELEMENTWISE:
    if name != "identity":  # g'(Z) = 1 for identity, whatever Z
        accept(
            f"nan-{name}-derivative_propagates", lambda name=name: _nan_through(name, "derivative")
        )
for op in ("bce_with_logits", "bce_with_logits_backward"):
    accept(
        f"nan-{op}-nan_logits_refused_or_nan",
        lambda op=op: _nan_or_refused(
            lambda: _loss(op)(np.array([[NAN, NAN]]), np.array([[1.0, 0.0]])), op
        ),
    )
for op in ("cross_entropy_with_logits", "cross_entropy_with_logits_backward"):
    accept(
        f"nan-{op}-nan_logits_refused_or_nan",
        lambda op=op: _nan_or_refused(lambda: _loss(op)(np.full((3, 2), NAN), onehot(3, 2)), op),
    )
for op in ("mse", "l1_loss"):
    accept(
        f"nan-{op}-nan_refused_or_nan",
        lambda op=op: _nan_or_refused(
            lambda: _loss(op)(np.array([[NAN, 1.0]]), np.array([[0.0, 0.0]])), op
        ),
    )


def _dense_nan():
    Z, _ = dense.dense_forward(np.array([[NAN], [1.0]]), np.ones((1, 2)), np.zeros((1, 1)))
    assert np.isnan(Z).all(), Z


def _conv_nan():
    X = np.ones(IMG)
    X[0, 0, 0, 0] = NAN
    Z, _ = conv.conv2d(X, np.ones((2, 2, 1, 1)), np.zeros(1))
    assert np.isnan(Z[0, 0, 0, 0]) and not np.isnan(Z[1]).any(), Z[:, :, :, 0]


def _maxpool_nan():
    X = np.ones(IMG)
    X[0, 0, 0, 0] = NAN
    A, _ = conv.max_pool2d(X)
    assert np.isnan(A[0, 0, 0, 0]), f"max pool dropped a NaN: {A[0, :, :, 0].tolist()}"


def _relu_layer_nan():
    layer = Dense(1, 1, "relu", rng=0)
    layer.set_params({"W1": np.array([[NAN]])})
    A = layer.forward(np.ones((1, 2)))
    assert np.isnan(A).all(), f"relu layer turned NaN into {A.tolist()}"


accept("nan-dense_forward-propagates", _dense_nan)
accept("nan-conv2d-propagates", _conv_nan)
accept("nan-max_pool2d-propagates", _maxpool_nan)
accept("nan-Dense.forward-relu_propagates", _relu_layer_nan)


# =============================================================================================
# float32 is kept
# =============================================================================================

F32 = np.float32


def _is32(x, what):
    assert getattr(x, "dtype", None) == F32, f"{what}: dtype {getattr(x, 'dtype', type(x))}"


def _bce32():
    A, Y = F32([[1.0]]), F32([[0.0]])
    J = losses.bce(A, Y)
    assert math.isfinite(float(J)), f"bce(float32 1, 0) = {J}"
    dA = losses.bce_backward(A, Y)
    assert np.all(np.isfinite(dA)), f"bce_backward(float32 1, 0) = {dA}"
    _is32(dA, "bce_backward")
    A, Y = F32([[0.0]]), F32([[1.0]])
    assert math.isfinite(float(losses.bce(A, Y))) and np.all(np.isfinite(losses.bce_backward(A, Y)))


def _ce32():
    A = F32([[1.0, 0.0], [0.0, 1.0]])
    Y = F32([[0.0, 1.0], [1.0, 0.0]])
    assert math.isfinite(float(losses.cross_entropy(A, Y)))
    dA = losses.cross_entropy_backward(A, Y)
    assert np.all(np.isfinite(dA)), dA
    _is32(dA, "cross_entropy_backward")


accept("f32-bce-saturated_finite", _bce32)
accept("f32-cross_entropy-saturated_finite", _ce32)
for name in ACT_NAMES:

    def _act32(name=name):
        Z = F32([[-200.0, 0.5], [3.0, 200.0]])
        A = ACT_FUNCS[name](Z)
        _is32(A, name)
        assert np.all(np.isfinite(A)), A
        _is32(activations.get(name).backward(np.ones_like(Z), Z, A), f"{name} backward")

    accept(f"f32-{name}-kept", _act32)
for name in ELEMENTWISE:
    accept(
        f"f32-{name}.derivative-kept",
        lambda name=name: _is32(activations.get(name).derivative(F32([[-1.0, 2.0]])), name),
    )
for op in LOSS_OPS:

    def _loss32(op=op):
        A, Y = LOSS_INPUTS[_base(op)]()
        out = _loss(op)(A.astype(F32), Y.astype(F32))
        assert np.all(np.isfinite(out)), out
        if op.endswith("_backward") or hasattr(out, "dtype"):
            _is32(out, op)

    accept(f"f32-{op}-kept", _loss32)


def _dense_op32():
    A, W, b = (x.astype(F32) for x in dense_args())
    Z, cache = dense.dense_forward(A, W, b)
    _is32(Z, "dense_forward")
    for g, what in zip(
        dense.dense_backward(np.ones_like(Z), cache), ("dA_prev", "dW", "db"), strict=True
    ):
        _is32(g, f"dense_backward {what}")


def _conv_op32():
    X, W, b = (x.astype(F32) for x in conv_args())
    Z, cache = conv.conv2d(X, W, b, padding=1)
    _is32(Z, "conv2d")
    for g, what in zip(
        conv.conv2d_backward(np.ones_like(Z), cache), ("dX", "dW", "db"), strict=True
    ):
        _is32(g, f"conv2d_backward {what}")
    for op, pool in POOLS.items():
        A, pc = pool(X)
        _is32(A, op)
        _is32(POOL_BACK[op](np.ones_like(A), pc), f"{op}_backward")


def _bn_op32():
    Z, g, b = (x.astype(F32) for x in bn_args())
    out, cache = batchnorm.batch_norm(Z, g, b)
    _is32(out, "batch_norm")
    for x, what in zip(
        batchnorm.batch_norm_backward(np.ones_like(out), cache),
        ("dZ", "dgamma", "dbeta"),
        strict=True,
    ):
        _is32(x, f"batch_norm_backward {what}")


def _mlp32():
    m = mlp([2, 3, 1], seed=0, dtype=F32)
    for k, v in m.params.items():
        _is32(v, k)
    X, Y = (x.astype(F32) for x in xy())
    AL = m.forward(X)
    _is32(AL, "forward")
    for k, v in m.backward(AL, Y).items():
        _is32(v, k)
    m.fit(X, Y, learning_rate=0.1, num_iterations=3)
    for k, v in m.params.items():
        _is32(v, f"{k} after fit")
    _is32(m.forward(X), "forward after fit")


def _mlp32_adam():
    m = mlp([2, 3, 1], seed=0, dtype=F32)
    X, Y = (x.astype(F32) for x in xy())
    m.fit(X, Y, optimizer=Optimizer("adam", lr=0.01), num_iterations=3, batch_size=2)
    for k, v in m.params.items():
        _is32(v, f"{k} after adam")


def _dense32():
    layer = Dense(2, 3, rng=0, dtype=F32)
    _is32(layer.W, "Dense W")
    _is32(layer.b, "Dense b")
    A = layer.forward(real((2, 4)).astype(F32))
    _is32(A, "Dense forward")
    _is32(layer.backward(np.ones_like(A)), "Dense backward")
    _is32(layer.dW, "Dense dW")


def _conv32():
    layer = Conv2D(1, 2, 3, padding="same", rng=0, dtype=F32)
    _is32(layer.W, "Conv2D W")
    _is32(layer.b, "Conv2D b")
    A = layer.forward(real(IMG).astype(F32))
    _is32(A, "Conv2D forward")
    _is32(layer.backward(np.ones_like(A)), "Conv2D backward")


def _bn32():
    layer = BatchNorm(3, dtype=F32)
    for k in ("gamma", "beta", "running_mean", "running_var"):
        _is32(getattr(layer, k), f"BatchNorm {k}")
    out = layer.forward(real((3, 4)).astype(F32), training=True)
    _is32(out, "BatchNorm forward")
    _is32(layer.running_mean, "BatchNorm running_mean after forward")
    _is32(layer.running_var, "BatchNorm running_var after forward")
    _is32(layer.backward(np.ones_like(out)), "BatchNorm backward")


accept("f32-dense_forward-kept", _dense_op32)
accept("f32-conv2d-kept", _conv_op32)
accept("f32-batch_norm-kept", _bn_op32)
accept("f32-mlp-dtype_kept_through_fit", _mlp32)
accept("f32-mlp-dtype_kept_through_adam_minibatches", _mlp32_adam)
accept("f32-Dense-dtype_kept", _dense32)
accept("f32-Conv2D-dtype_kept", _conv32)
accept("f32-BatchNorm-dtype_kept", _bn32)


# =============================================================================================
# costs from the logits (a saturated output still has its exact cost)
# =============================================================================================


def _sigmoid_cost(z, y):
    m = mlp([1, 1], output="sigmoid", seed=0)
    m.set_params({"W1": np.array([[1.0]]), "b1": np.array([[0.0]])})
    X, Y = np.array([[z]]), np.array([[y]])
    J = m.cost(m.forward(X), Y)
    want = float(np.logaddexp(0.0, z) - y * z)  # softplus(z) - y z, exact
    assert J == pytest.approx(want, rel=1e-6, abs=1e-12), (
        f"cost at logit {z}, label {y}: {J}, want {want}"
    )


for z, y in ((1000.0, 0.0), (1e4, 0.0), (-1e4, 1.0), (-1000.0, 1.0), (1000.0, 1.0), (2.0, 0.0)):
    accept(f"logits-sigmoid_bce-z={z:g}_y={y:g}", lambda z=z, y=y: _sigmoid_cost(z, y))


def _softmax_cost(w, label):
    k = len(w)
    m = mlp([1, k], output="softmax", seed=0)
    m.set_params({"W1": np.array(w, dtype=np.float64).reshape(k, 1), "b1": np.zeros((k, 1))})
    X = np.array([[1000.0]])
    Y = np.eye(k)[:, [label]]
    Z = 1000.0 * np.array(w, dtype=np.float64)
    want = float(np.logaddexp.reduce(Z) - Z[label])
    J = m.cost(m.forward(X), Y)
    assert J == pytest.approx(want, rel=1e-9), f"cost {J}, want log-sum-exp {want}"


accept("logits-softmax_ce-1000_0_0_label1", lambda: _softmax_cost([1.0, 0.0, 0.0], 1))
accept("logits-softmax_ce-1000_999_0_label2", lambda: _softmax_cost([1.0, 0.999, 0.0], 2))
accept("logits-softmax_ce-1000_0_0_0_label3", lambda: _softmax_cost([1.0, 0.0, 0.0, 0.0], 3))


# =============================================================================================
# trace
# =============================================================================================


def _save_bad(arr):
    with tempfile.TemporaryDirectory() as d:
        tr = Trace()
        tr.add("demo", A=arr)
        tr.save(Path(d) / "t.npz")


def _log_save_bad(arr):
    with tempfile.TemporaryDirectory() as d:
        with record() as tr:
            log("demo", A=arr)
        tr.save(Path(d) / "t.npz")


for what, arr in {
    "object": lambda: np.full((2,), None, dtype=object),
    "object_floats": lambda: np.ones(2).astype(object),
    "complex": lambda: np.ones(2) + 1j,
    "str": lambda: np.array(["a", "b"]),
}.items():
    refuse(f"trace-Trace.add_save-{what}_array", "Trace", lambda arr=arr: _save_bad(arr()))
    refuse(f"trace-log_save-{what}_array", "Trace", lambda arr=arr: _log_save_bad(arr()))


def _save_bad_info():
    with tempfile.TemporaryDirectory() as d:
        tr = Trace()
        tr.add("demo", info={"fn": object()}, A=np.ones(2))
        tr.save(Path(d) / "t.npz")


refuse("trace-Trace.add_save-object_info", "Trace", _save_bad_info)


def _load(write):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.npz"
        write(path)
        return Trace.load(path)


LOAD_BAD = {
    "random_bytes": lambda p: p.write_bytes(np.random.default_rng(0).bytes(256)),
    "empty_file": lambda p: p.write_bytes(b""),
    "text_file": lambda p: p.write_text("not a trace\n"),
    "other_npz": lambda p: np.savez(p, a=np.ones(3)),
    "npy_file": lambda p: np.save(open(p, "wb"), np.ones(3)),
    "pickled_npy": lambda p: np.save(open(p, "wb"), np.array([{"a": 1}], dtype=object)),
    "bad_header_json": lambda p: np.savez(p, __trace__=np.array("{not json")),
    "header_missing_records": lambda p: np.savez(p, __trace__=np.array('{"meta": {}}')),
}
for what, write in LOAD_BAD.items():
    refuse(
        f"trace-Trace.load-{what}",
        "Trace.load",
        lambda write=write: _load(write),
        forbid=("pickled", "allow_pickle"),
    )


def _roundtrip(tr):
    with tempfile.TemporaryDirectory() as d:
        path = tr.save(Path(d) / "t.npz")
        return Trace.load(path)


def _np_scalars_in_info():
    tr = Trace()
    tr.add(
        "demo", info={"lr": np.float32(0.1), "s": np.int64(2), "ok": np.bool_(True)}, A=np.ones(2)
    )
    back = _roundtrip(tr)
    info = back.last("demo").info
    assert info["lr"] == pytest.approx(0.1, rel=1e-6) and info["s"] == 2 and info["ok"] is True, (
        info
    )


def _optimizer_float32_lr_trace():
    with record() as tr:
        Optimizer("gd", lr=np.float32(0.1)).step({"x": np.ones((2, 1))}, {"dx": np.ones((2, 1))})
    back = _roundtrip(tr)
    assert back.last("optimizer.step").info["lr"] == pytest.approx(0.1, rel=1e-6)


def _conv_int64_stride_trace():
    with record() as tr:
        Conv2D(1, 1, 1, stride=np.int64(2), rng=0).forward(real(IMG))
    back = _roundtrip(tr)
    assert back.last("conv1.forward").info["s"] == 2


def _fit_float32_lr_trace():
    X, Y = xy()
    with record() as tr:
        model().fit(X, Y, learning_rate=np.float32(0.1), num_iterations=1)
    back = _roundtrip(tr)
    assert back.last("optimizer.step").info["lr"] == pytest.approx(0.1, rel=1e-6)


accept("trace-numpy_scalars_in_info_roundtrip", _np_scalars_in_info)
accept("trace-optimizer_float32_lr_roundtrip", _optimizer_float32_lr_trace)
accept("trace-conv_int64_stride_roundtrip", _conv_int64_stride_trace)
accept("trace-fit_float32_learning_rate_roundtrip", _fit_float32_lr_trace)


# =============================================================================================
# a second probe: state, labels, objects and callbacks of the wrong kind
# =============================================================================================


def _optimizer_reused(name):
    def thunk():
        X, Y = xy()
        opt = Optimizer(name, lr=0.01)
        model().fit(X, Y, num_iterations=1, optimizer=opt)
        mlp([2, 1, 1], seed=0).fit(X, Y, num_iterations=1, optimizer=opt)  # other shapes

    return thunk


for _name in optimizers.DEFAULTS:
    if _name != "gd":  # gd keeps no moments
        refuse(
            f"state-Sequential.fit-{_name}_reused_on_another_model", _name, _optimizer_reused(_name)
        )
refuse(
    "state-step-t_only",
    "momentum.step",
    lambda: optimizers.step("momentum", {"x": np.ones(2)}, {"dx": np.ones(2)}, {"t": 0}, {}),
)
refuse(
    "state-step-params_list",
    "adam.step",
    lambda: optimizers.step("adam", [1, 2], {"dx": np.ones(2)}, None, {}),
)
refuse(
    "state-step-hyper_none",
    "adam",
    lambda: optimizers.step("adam", {"x": np.ones(2)}, {"dx": np.ones(2)}, None, None),
)
refuse(
    "state-Optimizer.step-loss_str",
    "adam.step",
    lambda: Optimizer("adam").step({"x": np.ones(2)}, {"dx": np.ones(2)}, loss="abc"),
)
for _bad in ([1], {"a": 1}, None):
    refuse(
        f"hyper-activations.get-{type(_bad).__name__}",
        "activation",
        lambda b=_bad: activations.get(b),
    )
    refuse(f"hyper-losses.get-{type(_bad).__name__}", "loss", lambda b=_bad: losses.get(b))
    refuse(f"hyper-Optimizer-{type(_bad).__name__}", "Optimizer", lambda b=_bad: Optimizer(b))
    refuse(f"hyper-surfaces.get-{type(_bad).__name__}", "surface", lambda b=_bad: surfaces.get(b))

_shared = Dense(2, 2, "tanh", rng=0)
refuse(
    "model-Sequential-same_layer_twice",
    "Sequential",
    lambda: Sequential([_shared, _shared, Dense(2, 1, "sigmoid", rng=1)]),
)
refuse("model-Sequential-empty", "Sequential", lambda: Sequential([]))
refuse("model-Sequential-not_a_list", "Sequential", lambda: Sequential(Dense(2, 1)))
refuse("model-Sequential-not_layers", "Sequential", lambda: Sequential([1, 2]))
refuse("model-mlp-int", "mlp", lambda: mlp(3))
refuse(
    "model-set_params-unknown_key",
    "Sequential.set_params",
    lambda: model().set_params({"w1": np.ones((3, 2))}),
)
refuse(
    "model-set_params-wrong_shape",
    "Sequential.set_params",
    lambda: model().set_params({"W1": np.ones((2, 2))}),
)
refuse("model-set_params-str", "Sequential.set_params", lambda: model().set_params({"W1": "abc"}))
refuse("model-fit-schedule_not_callable", "Sequential.fit", lambda: _fit(schedule=0.1))
refuse("model-fit-schedule_nan", "Sequential.fit", lambda: _fit(schedule=lambda i: NAN))
refuse("model-fit-schedule_negative", "Sequential.fit", lambda: _fit(schedule=lambda i: -0.1))
refuse("model-fit-callback_not_callable", "Sequential.fit", lambda: _fit(callback=5))
for _lab, _Y in {
    "soft": np.full((1, 4), 0.5),
    "twos": np.array([[0, 2, 0, 2.0]]),
    "nan": np.full((1, 4), NAN),
}.items():
    refuse(
        f"label-Sequential.accuracy-{_lab}",
        "Sequential.accuracy",
        lambda Y=_Y: model().accuracy(xy()[0], Y),
    )


def _softmax_model():
    return mlp([2, 3, 3], output="softmax", seed=0)


refuse(
    "label-Sequential.accuracy-class_5_of_3",
    "Sequential.accuracy",
    lambda: _softmax_model().accuracy(real((2, 4)), np.array([[0, 1, 2, 5.0]])),
)
refuse(
    "label-Sequential.accuracy-not_one_hot",
    "Sequential.accuracy",
    lambda: _softmax_model().accuracy(real((2, 4)), np.ones((3, 4))),
)
refuse(
    "gradcheck-check_model-float32",
    "check_model",
    lambda: gradcheck.check_model(mlp([2, 3, 1], seed=0, dtype="float32"), *xy()),
)
refuse(
    "gradcheck-check_model-eps_tiny",
    "check_model",
    lambda: gradcheck.check_model(model(), *xy(), eps=1e-300),
)
refuse(
    "gradcheck-check_model-not_a_model", "check_model", lambda: gradcheck.check_model("mlp", *xy())
)
refuse(
    "gradcheck-numerical_gradient-f_none",
    "numerical_gradient",
    lambda: gradcheck.numerical_gradient(lambda x: None, np.ones(2)),
)
refuse("label-one_hot-2d", "one_hot", lambda: data.one_hot(np.array([[0, 1, 2], [2, 1, 0]]), 3))
refuse("hyper-Standardizer-eps_0", "Standardizer", lambda: Standardizer(eps=0))
refuse(
    "label-dropout_backward-mask_not_01",
    "dropout_backward",
    lambda: regularization.dropout_backward(np.ones((2, 2)), np.full((2, 2), 3.0), 0.5),
)
for _seed in (-1, 1.5, "a"):
    refuse(
        f"hyper-two_moons-seed_{lab(_seed)}", "make_rng", lambda s=_seed: data.two_moons(10, seed=s)
    )
refuse(
    "kind-mini_batches-rng_none",
    "mini_batches",
    lambda: data.mini_batches(real((2, 4)), labels01((1, 4)), 2, None),
)
refuse(
    "kind-dropout_forward-rng_int",
    "dropout_forward",
    lambda: regularization.dropout_forward(real((2, 2)), 0.5, 0),
)
refuse(
    "hyper-inverse_time-epochs_2d_negative",
    "inverse_time",
    lambda: schedules.inverse_time(np.array([[0, 1], [-2, 3]])),
)
refuse(
    "kind-minimize-no_start",
    "minimize",
    lambda: descent.minimize(
        type("Obj", (), {"loss": lambda s, p: 0.0, "gradients": lambda s, p: {}})(), Optimizer(), 1
    ),
)
refuse(
    "kind-minimize-start_list",
    "minimize",
    lambda: descent.minimize(surfaces.get("bowl"), Optimizer(), 1, start=[1.0, 2.0]),
)
refuse(
    "kind-minimize-start_nan",
    "minimize",
    lambda: descent.minimize(surfaces.get("bowl"), Optimizer(), 1, start={"x": NAN, "y": 0.0}),
)
refuse(
    "kind-minimize-schedule_none_value",
    "minimize",
    lambda: descent.minimize(surfaces.get("bowl"), Optimizer(), 2, schedule=lambda t: None),
)


def _float16_cost_is_right():
    X, Y = data.two_moons(70_000, seed=0)
    m16, m64 = mlp([2, 2, 1], seed=0, dtype="float32"), mlp([2, 2, 1], seed=0)
    J = m16.cost(m16.forward(np.float16(X)), Y)
    assert J == pytest.approx(m64.cost(m64.forward(X), Y), rel=1e-3)
    assert float(losses.mse(np.float16(np.full((1, 2000), 10.0)), np.zeros((1, 2000)))) == 100.0


def _float32_layers_convert():
    conv = Conv2D(3, 4, 3, dtype="float32", rng=0)
    A = conv.forward(real((1, 5, 5, 3)))  # float64 input
    assert A.dtype == np.float32 and conv.backward(np.ones(A.shape)).dtype == np.float32
    new = Optimizer("adam").step({"x": np.ones(2, np.float32)}, {"dx": np.ones(2)})
    assert new["x"].dtype == np.float32
    assert losses.mse(np.ones((1, 2), np.float32), np.zeros((1, 2))).dtype == np.float32


def _extreme_logits_ok():
    J = losses.cross_entropy_with_logits([[1e308], [-1e308]], [[1.0], [0.0]])
    assert float(J) == 0.0
    assert gradcheck.relative_error([1e308, 1e308], [-1e308, -1e308]) == 1.0


accept("f32-float16_data_costs_in_float32", _float16_cost_is_right)
accept("f32-layers_and_steps_convert_to_their_dtype", _float32_layers_convert)
accept("logits-extreme_finite_logits", _extreme_logits_ok)


# =============================================================================================
# the recurrent chapter: sequences (n_x, m, T), states (n_a, m), gate weights (n_a, n_a + n_x)
# =============================================================================================


def seq_params(cell: str, n_x: int = 3, n_a: int = 4) -> dict:
    """Parameters of an RNN (``Wax, Waa, ba``), LSTM (``fico``) or GRU (``urc``) cell."""
    if cell == "rnn":
        return {"Wax": real((n_a, n_x)), "Waa": real((n_a, n_a), 1), "ba": np.zeros((n_a, 1))}
    gates = "fico" if cell == "lstm" else "urc"
    return {f"W{g}": real((n_a, n_a + n_x), k) for k, g in enumerate(gates)} | {
        f"b{g}": np.zeros((n_a, 1)) for g in gates
    }


def seq_forward(cell: str):
    return getattr(recurrent_loops_modules()[cell], f"{cell}_forward")


def recurrent_loops_modules() -> dict:
    return {"rnn": rnn, "lstm": lstm, "gru": gru}


X_SEQ = lambda: real((3, 2, 5))  # noqa: E731 - n_x = 3, m = 2, T = 5

for _cell in ("rnn", "lstm", "gru"):
    _op = f"{_cell}_forward"
    refuse(
        f"geom-{_op}-x_2d", _op, lambda c=_cell: seq_forward(c)(real((3, 2)), None, seq_params(c))
    )
    refuse(
        f"empty-{_op}-no_steps",
        _op,
        lambda c=_cell: seq_forward(c)(real((3, 2, 0)), None, seq_params(c)),
    )
    refuse(
        f"empty-{_op}-no_examples",
        _op,
        lambda c=_cell: seq_forward(c)(real((3, 0, 5)), None, seq_params(c)),
    )
    refuse(
        f"geom-{_op}-a0_wrong_shape",
        _op,
        lambda c=_cell: seq_forward(c)(X_SEQ(), real((4, 3)), seq_params(c)),
    )
    refuse(
        f"geom-{_op}-hidden_sizes_mismatch",
        _op,
        lambda c=_cell: seq_forward(c)(
            X_SEQ(), None, seq_params(c) | {"Waa" if c == "rnn" else "Wc": real((5, 5))}
        ),
    )
    refuse(
        f"geom-{_op}-n_x_mismatch",
        _op,
        lambda c=_cell: seq_forward(c)(real((2, 2, 5)), None, seq_params(c)),
    )
    refuse(
        f"kind-{_op}-params_missing_key",
        _op,
        lambda c=_cell: seq_forward(c)(X_SEQ(), None, dict(list(seq_params(c).items())[1:])),
    )

    def _wrong_T(c=_cell):
        a, cache = seq_forward(c)(X_SEQ(), None, seq_params(c))
        getattr(recurrent_loops_modules()[c], f"{c}_backward")(real((4, 2, 4)), cache)

    refuse(f"bcast-{_cell}_backward-da_wrong_T", f"{_cell}_backward", _wrong_T)

    def _loop_wrong_T(c=_cell):
        _, caches = getattr(recurrent_loops, f"{c}_forward_loop")(X_SEQ(), None, seq_params(c))
        getattr(recurrent_loops, f"{c}_backward_loop")(real((4, 2, 6)), caches)

    refuse(f"bcast-{_cell}_backward_loop-da_wrong_T", f"{_cell}_backward_loop", _loop_wrong_T)

refuse(
    "geom-lstm_forward-c0_wrong_shape",
    "lstm_forward",
    lambda: lstm.lstm_forward(X_SEQ(), None, seq_params("lstm"), c0=real((4, 1))),
)
refuse(
    "geom-lstm_cell_forward-c_prev_wrong_shape",
    "lstm_cell_forward",
    lambda: lstm.lstm_cell_forward(real((3, 2)), None, real((2, 2)), seq_params("lstm")),
)
refuse(
    "geom-rnn_cell_forward-xt_3d",
    "rnn_cell_forward",
    lambda: rnn.rnn_cell_forward(X_SEQ(), None, seq_params("rnn")),
)
refuse(
    "geom-gru_cell_forward-a_prev_wrong_shape",
    "gru_cell_forward",
    lambda: gru.gru_cell_forward(real((3, 2)), real((4,)), seq_params("gru")),
)
refuse(
    "bcast-lstm_backward-dc_wrong_shape",
    "lstm_backward",
    lambda: lstm.lstm_backward(
        real((4, 2, 5)), lstm.lstm_forward(X_SEQ(), None, seq_params("lstm"))[1], real((4, 2, 1))
    ),
)
for _flag, _value in (("update", "z"), ("reset", "never")):
    refuse(
        f"hyper-gru_forward-{_flag}_{_value}",
        "gru_forward",
        lambda f=_flag, v=_value: gru.gru_forward(X_SEQ(), None, seq_params("gru"), **{f: v}),
    )
    refuse(f"hyper-GRU-{_flag}_{_value}", "GRU", lambda f=_flag, v=_value: GRU(3, 4, **{f: v}))
for _layer in (SimpleRNN, LSTM, GRU):
    _name = _layer.__name__
    refuse(
        f"geom-{_name}.forward-n_x_mismatch",
        f"{_name} layer 2",
        lambda L=_layer: L(2, 4, l=2, rng=0).forward(X_SEQ()),
    )
    refuse(
        f"geom-{_name}.forward-not_a_sequence",
        f"{_name} layer 2",
        lambda L=_layer: L(3, 4, l=2, rng=0).forward(real((3, 2))),
    )
    refuse(
        f"order-{_name}.backward-before_forward",
        f"{_name} layer 2",
        lambda L=_layer: L(3, 4, l=2, rng=0).backward(real((4, 2, 5))),
    )

    def _last_state_grad(L=_layer):
        layer = L(3, 4, return_sequences=False, l=2, rng=0)
        layer.forward(X_SEQ())
        layer.backward(real((4, 2, 5)))  # the sequence's gradient, where a_T's is expected

    refuse(f"bcast-{_name}.backward-da_of_every_step", f"{_name} layer 2", _last_state_grad)
    refuse(f"hyper-{_name}-n_a_zero", _name, lambda L=_layer: L(3, 0))
refuse(
    "kind-Bidirectional-dense_inside",
    "Bidirectional",
    lambda: Bidirectional(Dense(3, 4), LSTM(3, 4)),
)
refuse(
    "geom-Bidirectional-return_sequences_differ",
    "Bidirectional",
    lambda: Bidirectional(LSTM(3, 4), LSTM(3, 4, return_sequences=False)),
)
refuse(
    "geom-TimeDense.forward-not_a_sequence",
    "TimeDense layer 2",
    lambda: TimeDense(4, 5, "softmax", rng=0, l=2).forward(real((4, 2))),
)
refuse(
    "geom-time_dense_forward-n_a_mismatch",
    "time_dense_forward",
    lambda: sequence.time_dense_forward(real((3, 2, 5)), real((5, 4)), np.zeros((5, 1))),
)
refuse(
    "label-cross_entropy-sequence_column_half",
    "cross_entropy",
    lambda: losses.cross_entropy(np.full((2, 1, 3), 0.5), np.full((2, 1, 3), 0.25)),
)
refuse(
    "label-perplexity-all_padding",
    "perplexity",
    lambda: losses.perplexity(np.full((2, 1, 3), 0.5), np.zeros((2, 1, 3))),
)
refuse("geom-pad_mask-2d", "pad_mask", lambda: losses.pad_mask(onehot(3, 4)))
for _bad in (0, -1.0, NAN, INF):
    refuse(
        f"hyper-clip_by_value-{lab(_bad)}",
        "clip_by_value",
        lambda b=_bad: clipping.clip_by_value({"dW1": real((2, 2))}, b),
    )
    refuse(
        f"hyper-clip_by_norm-{lab(_bad)}",
        "clip_by_norm",
        lambda b=_bad: clipping.clip_by_norm({"dW1": real((2, 2))}, b),
    )
refuse(
    "hyper-Sequential.fit-clip_norm_zero",
    "Sequential.fit",
    lambda: Sequential([LSTM(3, 4, return_sequences=False, rng=0), Dense(4, 1, "sigmoid")]).fit(
        X_SEQ(), labels01((1, 2)), clip_norm=0
    ),
)
refuse(
    "geom-Sequential.accuracy-per_step_output",
    "Sequential.accuracy",
    lambda: Sequential([LSTM(3, 4, rng=0), TimeDense(4, 2, "softmax")], "cross_entropy").accuracy(
        X_SEQ(), np.ones((2, 2, 5)) / 2
    ),
)
refuse("empty-memory_task-m_zero", "memory_task", lambda: sequence_data.memory_task(0, 5))
refuse("hyper-sine_task-noise", "sine_task", lambda: sequence_data.sine_task(2, 5, noise=-1.0))
refuse("kind-MarkovSource-repeated", "MarkovSource", lambda: sequence_data.MarkovSource("aa"))
refuse(
    "kind-one_hot_sequences-floats",
    "one_hot_sequences",
    lambda: sequence_data.one_hot_sequences(np.zeros((2, 3)), 4),
)


def _padded_cost_is_the_labelled_steps():
    A, Y = np.full((2, 1, 3), 0.5), np.zeros((2, 1, 3))
    Y[0, 0, :2] = 1.0  # the third step is padding
    assert losses.cross_entropy(A, Y) == pytest.approx(2 * math.log(2))
    np.testing.assert_array_equal(losses.output_dZ(A, Y)[:, 0, 2], [0.0, 0.0])


accept("label-cross_entropy-padded_sequence", _padded_cost_is_the_labelled_steps)
accept(
    "kind-lstm_forward-lists",
    lambda: lstm.lstm_forward(X_SEQ().tolist(), None, seq_params("lstm"))[0].shape == (4, 2, 5),
)


# =============================================================================================
# the two tests
# =============================================================================================


@pytest.mark.parametrize("thunk, op, exc, forbidden", REFUSED)
def test_refused(thunk, op, exc, forbidden):
    """The op refuses with ``exc`` and a one-line message that names it."""
    expected = exc if isinstance(exc, tuple) else (exc,)
    names = "/".join(e.__name__ for e in expected)
    try:
        with np.errstate(all="ignore"):
            result = thunk()
    except expected as err:
        msg = str(err)
        assert op in msg, f"{type(err).__name__} does not name {op!r}: {_short(msg)}"
        assert "\n" not in msg.strip(), f"message is not one line: {_short(msg)}"
        for bad in forbidden:
            assert bad not in msg, f"message mentions {bad!r}: {_short(msg)}"
    except Exception as err:  # noqa: BLE001 - the wrong type is the finding
        pytest.fail(f"expected {names} naming {op!r}, got {type(err).__name__}: {_short(err)}")
    else:
        pytest.fail(
            f"expected {names} naming {op!r}, accepted: returned {_short(repr(result), 80)}"
        )


@pytest.mark.parametrize("thunk", ACCEPTED)
def test_accepted(thunk):
    """The op accepts the input and behaves (the thunk asserts)."""
    with np.errstate(all="ignore"):
        thunk()


def test_case_counts():
    """The tables are as large as intended (several hundred refusals)."""
    assert len(REFUSED) >= 400, len(REFUSED)
    assert len(ACCEPTED) >= 60, len(ACCEPTED)
