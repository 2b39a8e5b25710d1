"""The backend switch, and proof that the ops use no NumPy-only behaviour (array-api-strict)."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from visualdl import backend
from visualdl.engine import (
    activations,
    attention_loops,
    batchnorm,
    conv,
    conv_loops,
    dense,
    dense_loops,
    gru,
    losses,
    lstm,
    recurrent_loops,
    regularization,
    rnn,
)
from visualdl.engine.layers import Dense
from visualdl.engine.optimizers import Optimizer

xps = pytest.importorskip("array_api_strict")


def test_numpy_is_the_default(monkeypatch):
    monkeypatch.delenv(backend.ENV_VAR, raising=False)
    assert backend.name() == "numpy" and backend.xp() is np


def test_use_selects_within_a_block_only(monkeypatch):
    monkeypatch.setenv(backend.ENV_VAR, "numpy")
    with backend.use("numpy") as mod:
        assert mod is np
    assert backend.name() == "numpy"


def test_unknown_backend_is_a_value_error(monkeypatch):
    with pytest.raises(ValueError, match="backend: expected one of"):
        with backend.use("jax"):
            pass
    monkeypatch.setenv(backend.ENV_VAR, "torch")
    with pytest.raises(ValueError, match="got 'torch'"):
        backend.xp()


@pytest.mark.parametrize("value", [None, 5, ["numpy"]])
def test_a_backend_that_is_no_name_is_the_same_value_error(value):
    with pytest.raises(
        ValueError, match=rf"backend: expected one of .*, got {re.escape(repr(value))}$"
    ):
        with backend.use(value):
            pass


@pytest.mark.skipif(backend.cupy_available(), reason="CuPy runs here")
def test_cupy_without_a_gpu_is_a_clear_error(monkeypatch):
    with pytest.raises(backend.BackendUnavailable, match=r"install the \[gpu\] extra"):
        with backend.use("cupy"):
            pass
    monkeypatch.setenv(backend.ENV_VAR, "cupy")
    with pytest.raises(backend.BackendUnavailable):
        backend.xp()


def _families(rng: np.random.Generator) -> dict:
    """Every op family's fast path, forward then backward, as ``{name: run(xp_asarray)}``:
    each ``run`` puts its inputs on a backend and returns its outputs."""
    X, W = rng.standard_normal((2, 6, 6, 3)), rng.standard_normal((3, 3, 3, 4))
    A_prev, Wd, bd = rng.standard_normal((3, 5)), rng.standard_normal((2, 3)), np.zeros((2, 1))
    Zb = rng.standard_normal((4, 5))

    def _dense(put):
        Z, cache = dense.dense_forward(put(A_prev), put(Wd), put(bd))
        return (Z, *dense.dense_backward(Z, cache))

    def _conv(put):
        Z, cache = conv.conv2d(put(X), put(W), put(np.zeros(4)), 2, 1)
        return (Z, *conv.conv2d_backward(Z, cache))

    def _transpose(put):
        Y, cache = conv.conv_transpose2d(put(X), put(W[:, :, :, :3]), put(np.zeros(3)), 2, 1)
        return (Y, *conv.conv_transpose2d_backward(Y, cache))

    def _pool(forward, backward):
        def run(put):
            A, cache = forward(put(X), 2, 2)
            return A, backward(A, cache)

        return run

    def _bn(put):
        out, cache = batchnorm.batch_norm(put(Zb), put(np.ones((4, 1))), put(np.zeros((4, 1))))
        return (out, *batchnorm.batch_norm_backward(out, cache))

    def _elementwise(put):
        Z = put(Zb)
        g = activations.get("tanh")
        return g.forward(Z), losses.get("mse").backward(Z, Z * 0.5)

    def _adam(put):
        params, grads = {"W1": put(Wd)}, {"dW1": put(Wd * 0.1)}
        opt = Optimizer("adam", lr=0.1)
        return opt.step(params, grads)["W1"], opt.step(params, grads)["W1"]

    x, a0 = rng.standard_normal((3, 4, 5)), rng.standard_normal((2, 4))

    def _recurrent(module, gates: str, *flags):
        cell = module.__name__.rsplit(".", 1)[1]
        p = {f"W{g}": rng.standard_normal((2, 5)) for g in gates}
        p |= {f"b{g}": rng.standard_normal((2, 1)) for g in gates}
        if not gates:
            p = {"Wax": Wd[:, :3] * 1.0, "Waa": Wd[:, :2] * 1.0, "ba": bd + 0.5}

        def run(put):
            a, cache = getattr(module, f"{cell}_forward")(
                put(x), put(a0), {k: put(v) for k, v in p.items()}, *flags
            )
            grads = getattr(module, f"{cell}_backward")(a, cache)
            return (a, *(grads[k] for k in sorted(grads)))

        return run

    return {
        "rnn": _recurrent(rnn, ""),
        "lstm": _recurrent(lstm, "fico"),
        "gru": _recurrent(gru, "urc", "state", "after"),
        "dense": _dense,
        "conv2d": _conv,
        "conv_transpose2d": _transpose,
        "max_pool2d": _pool(conv.max_pool2d, conv.max_pool2d_backward),
        "avg_pool2d": _pool(conv.avg_pool2d, conv.avg_pool2d_backward),
        "batch_norm": _bn,
        "activations_losses": _elementwise,
        "optimizers": _adam,
    }


FAMILIES = sorted(_families(np.random.default_rng(0)))


@pytest.mark.gpu
@pytest.mark.skipif(not backend.cupy_available(), reason="needs CuPy and a CUDA device")
@pytest.mark.parametrize("family", FAMILIES)
def test_cupy_op_family_matches_numpy(family):
    run = _families(np.random.default_rng(7))[family]
    host = run(np.asarray)
    with backend.use("cupy") as cp:
        device = run(cp.asarray)
        for d, h in zip(device, host, strict=True):
            assert backend.array_module(d) is cp
            np.testing.assert_allclose(backend.to_host(d), h, rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.skipif(not backend.cupy_available(), reason="needs CuPy and a CUDA device")
def test_cupy_dense_matches_numpy():
    rng = np.random.default_rng(0)
    A_prev, dA = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    host = Dense(3, 2, "tanh", rng=1)
    host.forward(A_prev)
    host.backward(dA)
    with backend.use("cupy") as cp:
        dev = Dense(3, 2, "tanh", rng=1)
        dev.forward(cp.asarray(A_prev))
        dev.backward(cp.asarray(dA))
        np.testing.assert_allclose(backend.to_host(dev.dW), host.dW, rtol=1e-10)


def test_to_host_and_from_host_round_trip():
    a = np.arange(6.0).reshape(2, 3)
    s = backend.from_host(a, like=xps.asarray([1.0]))
    assert backend.array_module(s) is xps
    np.testing.assert_array_equal(backend.to_host(s), a)
    assert backend.to_host(a) is a


def test_array_module_of_scalars_is_numpy():
    assert backend.array_module(1.0, 2) is np


# -- the same ops on array-api-strict arrays give the NumPy numbers ------------------------

RNG = np.random.default_rng(42)
Z_HOST = np.where(np.abs(z := RNG.standard_normal((3, 4))) < 1e-2, 0.5, z)
DA_HOST = RNG.standard_normal((3, 4))


def strict(a: np.ndarray):
    return xps.asarray(a)


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_activation_runs_under_array_api_strict(name):
    g = activations.get(name)
    Zs = strict(Z_HOST)
    As = g.forward(Zs)
    dZs = g.backward(strict(DA_HOST), Zs, As)
    assert backend.array_module(dZs) is xps
    np.testing.assert_allclose(backend.to_host(As), g.forward(Z_HOST), rtol=1e-12)
    expected = g.backward(DA_HOST, Z_HOST, g.forward(Z_HOST))
    np.testing.assert_allclose(backend.to_host(dZs), expected, rtol=1e-12)


def _loss_inputs(name):
    if name == "cross_entropy":
        return activations.softmax(Z_HOST), np.eye(3)[:, [0, 1, 2, 0]]
    if name == "bce":
        return activations.sigmoid(Z_HOST[:1]), np.array([[0.0, 1.0, 1.0, 0.0]])
    return Z_HOST, DA_HOST


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_loss_runs_under_array_api_strict(name):
    loss = losses.get(name)
    A, Y = _loss_inputs(name)
    J = loss.cost(strict(A), strict(Y))
    dA = loss.backward(strict(A), strict(Y))
    np.testing.assert_allclose(float(J), loss.cost(A, Y), rtol=1e-12)
    np.testing.assert_allclose(backend.to_host(dA), loss.backward(A, Y), rtol=1e-12)


def test_logit_losses_run_under_array_api_strict():
    Y1, Yk = np.array([[0.0, 1.0, 1.0, 0.0]]), np.eye(3)[:, [0, 1, 2, 0]]
    for cost, grad, Z, Y in [
        (losses.bce_with_logits, losses.bce_with_logits_backward, Z_HOST[:1], Y1),
        (losses.cross_entropy_with_logits, losses.cross_entropy_with_logits_backward, Z_HOST, Yk),
    ]:
        np.testing.assert_allclose(float(cost(strict(Z), strict(Y))), cost(Z, Y), rtol=1e-12)
        np.testing.assert_allclose(backend.to_host(grad(strict(Z), strict(Y))), grad(Z, Y))


def test_penalties_and_dropout_run_under_array_api_strict():
    params = {"W1": Z_HOST, "b1": DA_HOST[:, :1]}
    sparams = {k: strict(v) for k, v in params.items()}
    for f in (regularization.l2_penalty, regularization.l1_penalty):
        np.testing.assert_allclose(float(f(sparams, 0.3, 4)), f(params, 0.3, 4))
    for f in (regularization.l2_penalty_grads, regularization.l1_penalty_grads):
        np.testing.assert_allclose(
            backend.to_host(f(sparams, 0.3, 4)["dW1"]), f(params, 0.3, 4)["dW1"]
        )
    A, D = regularization.dropout_forward(strict(Z_HOST), 0.7, np.random.default_rng(3))
    A_np, D_np = regularization.dropout_forward(Z_HOST, 0.7, np.random.default_rng(3))
    np.testing.assert_allclose(backend.to_host(A), A_np)
    dA = regularization.dropout_backward(strict(DA_HOST), D, 0.7)
    np.testing.assert_allclose(
        backend.to_host(dA), regularization.dropout_backward(DA_HOST, D_np, 0.7)
    )


def test_dense_layer_runs_under_array_api_strict():
    host = Dense(3, 2, "sigmoid", rng=5, l=1)
    host.b = RNG.standard_normal((2, 1))
    dev = Dense(3, 2, "sigmoid", rng=5, l=1)
    dev.W, dev.b = strict(host.W), strict(host.b)
    A_prev, dA = RNG.standard_normal((3, 6)), RNG.standard_normal((2, 6))
    host.forward(A_prev)
    dA_prev = host.backward(dA)
    dev.forward(strict(A_prev))
    dA_prev_s = dev.backward(strict(dA))
    for a, b in [(dA_prev_s, dA_prev), (dev.dW, host.dW), (dev.db, host.db)]:
        assert backend.array_module(a) is xps
        np.testing.assert_allclose(backend.to_host(a), b, rtol=1e-12)


def _recurrent(cell: str, backward: bool):
    """A loop case for ``{cell}_forward_loop`` (or its backward): a sequence ``x (3, 2, 3)`` and
    the cell's parameters cut from the case's two arrays (``n_a = 2``, ``n_x = 3``)."""
    gates = {"rnn": "", "lstm": "fico", "gru": "urc"}[cell]

    def case(X, W):
        x = X[0, :3, :2, :]
        if cell == "rnn":
            p = {"Wax": W[:2, :, 0, 0], "Waa": W[:2, :2, 1, 0], "ba": W[:2, :1, 2, 1]}
        else:
            cuts = [X[0, r : r + 2, :5, k] for k in range(3) for r in (0, 2)]
            p = {f"W{g}": cuts[k] for k, g in enumerate(gates)}
            p |= {f"b{g}": X[0, :2, k : k + 1, 2] for k, g in enumerate(gates)}
        a, caches = getattr(recurrent_loops, f"{cell}_forward_loop")(x, None, p)
        if not backward:
            return a
        grads = getattr(recurrent_loops, f"{cell}_backward_loop")(a * 0.5 + 0.25, caches)
        return tuple(grads[k] for k in sorted(grads))

    return case


def _attention(loop: str):
    """A loop case for the attention loops, cut from the case's two arrays
    ``X (1, 5, 5, 3)``, ``W (3, 3, 3, 2)``: a batch of 2, ``n_q = 3`` (MHA 5), ``n_k = 5``
    (MHA 3), ``d_k = 3``, ``d_v = 2``, a padding mask; MHA ``d_model = 6``, 2 heads, ``b_O``."""

    def case(X, W):
        xp = backend.array_module(X)
        keep = np.array([[True, True, True, False, False], [True] * 5])[:, None, :]
        Q, K, V = X[0, :2, :3, :], X[0, 2:4, :, :], X[0, 3:5, :, :2]
        if loop == "scaled_dot_product_attention_loop":
            return attention_loops.scaled_dot_product_attention_loop(Q, K, V, keep)
        if loop == "scaled_dot_product_attention_backward_loop":
            out, _ = attention_loops.scaled_dot_product_attention_loop(Q, K, V, keep)
            return attention_loops.scaled_dot_product_attention_backward_loop(
                out * 0.5 + 0.25, Q, K, V, keep
            )
        X6 = xp.concat([X[0, ...], xp.flip(X[0, ...], axis=0)], axis=-1)  # (5, 5, 6)
        flat = xp.reshape(W, (-1,))  # 54 numbers
        p = {
            k: xp.reshape(flat[6 * n : 6 * n + 36], (6, 6))
            for n, k in enumerate(("W_Q", "W_K", "W_V", "W_O"))
        }
        p["b_O"] = flat[40:46]
        return attention_loops.multi_head_attention_loop(
            X6[:2, ...], X6[2:4, :3, :], p, 2, keep[:, :, :3]
        )

    return case


LOOP_CASES = {
    **{
        name: _attention(name)
        for name in (
            "scaled_dot_product_attention_loop",
            "scaled_dot_product_attention_backward_loop",
            "multi_head_attention_loop",
        )
    },
    **{
        f"{cell}_{d}_loop": _recurrent(cell, d == "backward")
        for cell in ("rnn", "lstm", "gru")
        for d in ("forward", "backward")
    },
    "dense_forward_loop": lambda X, W: dense_loops.dense_forward_loop(
        W[:, :, 0, 0], X[0, :3, :4, 0], W[:, :1, 0, 1]
    ),
    "dense_dW_loop": lambda X, W: dense_loops.dense_dW_loop(X[0, :2, :4, 0], X[0, :3, :4, 1]),
    "conv2d_loop": lambda X, W: conv_loops.conv2d_loop(X, W, W[0, 0, 0, :] * 0 + 0.5, 2, 1),
    "conv2d_backward_loop": lambda X, W: conv_loops.conv2d_backward_loop(
        X[:, :3, :3, :2] * 1.0, X, W, 2, 1
    ),
    "conv_transpose2d_loop": lambda X, W: conv_loops.conv_transpose2d_loop(
        X[:, :2, :2, :], W[:, :, :, :2], W[0, 0, 0, :2] * 0, 2, 1
    ),
    "max_pool2d_loop": lambda X, W: conv_loops.max_pool2d_loop(X, 2, 2),
    "avg_pool2d_loop": lambda X, W: conv_loops.avg_pool2d_loop(X, 3, 1),
    "max_pool2d_backward_loop": lambda X, W: conv_loops.max_pool2d_backward_loop(
        X[:, :2, :2, :], X[:, :4, :4, :]
    ),
    "avg_pool2d_backward_loop": lambda X, W: conv_loops.avg_pool2d_backward_loop(
        X[:, :2, :2, :], (1, 4, 4, 3)
    ),
}


def test_every_loop_oracle_has_a_strict_case():
    """Every ``*_loop`` of every ``*_loops`` engine module (dense, conv, recurrent)."""
    import importlib
    import pkgutil

    import visualdl.engine

    loops = {
        name
        for info in pkgutil.iter_modules(visualdl.engine.__path__)
        if info.name.endswith("_loops")
        for name in importlib.import_module(f"visualdl.engine.{info.name}").__all__
    }
    assert loops == set(LOOP_CASES)


@pytest.mark.parametrize("name", sorted(LOOP_CASES))
def test_loop_oracles_run_under_array_api_strict(name):
    """The narrating loops use no NumPy-only behaviour (and narrate strict arrays too)."""
    from visualdl.trace import record

    rng = np.random.default_rng(11)
    X, W = rng.standard_normal((1, 5, 5, 3)), rng.standard_normal((3, 3, 3, 2))

    def outputs(*arrays):  # one array, or a (dX, dW, db) tuple
        result = LOOP_CASES[name](*arrays)
        return result if isinstance(result, tuple) else (result,)

    expected = outputs(X, W)
    with record() as tr:
        got = outputs(strict(X), strict(W))
    for g, e in zip(got, expected, strict=True):
        assert backend.array_module(g) is xps
        np.testing.assert_allclose(backend.to_host(g), e, rtol=1e-12)
    assert tr.records and all(
        isinstance(a, np.ndarray) for r in tr.records for a in r.arrays.values()
    )


def test_import_visualdl_is_light():
    code = (
        "import sys, visualdl, visualdl.engine, visualdl.trace, visualdl.backend, "
        "visualdl.registry, visualdl.cli, visualdl.render\n"
        "heavy = [m for m in ('manim', 'cupy', 'sympy', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing visualdl loaded {out.stdout.strip()}"
