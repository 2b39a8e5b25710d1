"""Exercises of the chapter "Training well: initialization, regularization, optimizers, batch
norm".

The notes' names: ``W: (n, n_prev)`` and its gradient ``dW``, the moments ``VdW``, ``SdW`` (the
shape of W), the step number ``t`` (1 on the first step), ``alpha`` the learning rate. Batch
norm takes ``Z: (n, m)``, one example per column, with ``m`` different from ``n``. The
optimizer cases include one with gradients of 1e-4, where ``epsilon`` and where it sits (outside
the square root, as the engine and the notes' code have it) make a visible difference.

Example
-------
>>> [ex.name for ex in EXERCISES][:2]
['l2_regularization', 'inverted_dropout']
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import losses, optimizers, schedules
from visualdl.engine.activations import sigmoid
from visualdl.engine.batchnorm import batch_norm, batch_norm_backward
from visualdl.engine.gradcheck import numerical_gradient, relative_error
from visualdl.engine.regularization import dropout_backward, l2_penalty, l2_penalty_grads
from visualdl.exercises.exercise import Exercise, Mistake
from visualdl.exercises.nn import SHAPES
from visualdl.registry import TRAIN

__all__ = ["EXERCISES"]

# -- L2 regularization ----------------------------------------------------------------------


def _l2_cases(rng: np.random.Generator) -> list[dict]:
    return [
        {
            "dW": rng.standard_normal((n, n_prev)),
            "W": rng.standard_normal((n, n_prev)),
            "lambd": lambd,
            "m": m,
        }
        for (n, n_prev, m), lambd in zip(SHAPES, (0.7, 0.1, 2.0), strict=True)
    ]


def _l2_regularization(dW, W, lambd, m):
    params = {"W": W}
    return l2_penalty(params, lambd, m), dW + l2_penalty_grads(params, lambd, m)["dW"]


def _l2_wrong(J_factor, dW_factor, add_dW=True, squared=True):
    """J = J_factor ||W||_F^2 (or ||W||_F), dW = [dW +] dW_factor W; factors of (lambd, m)."""

    def l2_regularization(dW, W, lambd, m):
        norm = np.sum(W * W) if squared else np.linalg.norm(W)
        return J_factor(lambd, m) * norm, (dW if add_dW else 0) + dW_factor(lambd, m) * W

    return l2_regularization


def _cost_factor(lambd, m):
    return lambd / (2 * m)


def _grad_factor(lambd, m):
    return lambd / m


# -- dropout --------------------------------------------------------------------------------


def _dropout_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for (n, _, m), keep_prob in zip(SHAPES, (0.8, 0.6, 0.9), strict=True):
        A = rng.standard_normal((n, m))
        D = (rng.random((n, m)) < keep_prob).astype(float)
        cases.append({"A": A, "D": D, "keep_prob": keep_prob})
    return cases


def _inverted_dropout(A, D, keep_prob):
    """A * D / keep_prob: the map the engine's dropout applies with its mask D (its backward
    applies the same one to dA, so it is the engine's function of a given mask)."""
    return dropout_backward(A, D, keep_prob)


# -- gradient checking ----------------------------------------------------------------------


def _gradcheck_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    shapes, eps_, bugs = ((4, 7), (3, 9), (2, 5)), (1e-4, 1e-5, 1e-3), (None, "m", "entry")
    for (n_x, m), eps, bug in zip(shapes, eps_, bugs, strict=True):
        X, w = rng.standard_normal((n_x, m)), 0.5 * rng.standard_normal((n_x, 1))
        Y = rng.integers(0, 2, (1, m)).astype(float)
        dw = X @ (sigmoid(w.T @ X) - Y).T / m  # backprop's dw, right in the first case
        if bug == "m":
            dw = dw * m  # a backprop that forgot its 1/m
        elif bug == "entry":
            dw[0, 0] += 0.1
        cases.append({"X": X, "Y": Y, "w": w, "dw": dw, "epsilon": eps})
    return cases


def _J(X, Y):
    return lambda w: losses.bce_with_logits(w.T @ X, Y)


def _gradient_check(X, Y, w, dw, epsilon):
    dw_approx = numerical_gradient(_J(X, Y), w, epsilon)
    return dw_approx, relative_error(dw, dw_approx)


def _costs(X, Y, w, epsilon):
    """J(w + epsilon e_i) and J(w - epsilon e_i) for every entry i, and J(w)."""
    J = _J(X, Y)
    plus, minus = np.zeros_like(w), np.zeros_like(w)
    for i in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[i] = epsilon
        plus[i], minus[i] = J(w + e), J(w - e)
    return plus, minus, J(w)


def _one_sided(X, Y, w, dw, epsilon):
    plus, _, J0 = _costs(X, Y, w, epsilon)
    dw_approx = (plus - J0) / epsilon
    return dw_approx, relative_error(dw, dw_approx)


def _over_epsilon(X, Y, w, dw, epsilon):
    plus, minus, _ = _costs(X, Y, w, epsilon)
    dw_approx = (plus - minus) / epsilon
    return dw_approx, relative_error(dw, dw_approx)


def _denominator(which):
    def gradient_check(X, Y, w, dw, epsilon):
        dw_approx = numerical_gradient(_J(X, Y), w, epsilon)
        below = {
            "none": 1.0,
            "sum_inside": np.linalg.norm(dw + dw_approx),
            "approx_only": np.linalg.norm(dw_approx),
        }[which]
        return dw_approx, np.linalg.norm(dw - dw_approx) / below

    return gradient_check


# -- momentum, RMSprop, Adam ----------------------------------------------------------------


def _momentum_cases(rng: np.random.Generator) -> list[dict]:
    return [
        {
            "W": rng.standard_normal((n, n_prev)),
            "dW": rng.standard_normal((n, n_prev)),
            "VdW": 0.5 * rng.standard_normal((n, n_prev)),
            "beta": beta,
            "alpha": alpha,
        }
        for (n, n_prev, _), beta, alpha in zip(
            SHAPES, (0.9, 0.8, 0.95), (0.1, 0.05, 0.01), strict=True
        )
    ]


def _momentum_step(W, dW, VdW, beta, alpha, form="ema"):
    hyper = {"lr": alpha, "beta": beta, "form": form}
    new, state = optimizers.step("momentum", {"W": W}, {"dW": dW}, {"t": 0, "VdW": VdW}, hyper)
    return new["W"], state["VdW"]


def _momentum_W_first(W, dW, VdW, beta, alpha):
    return W - alpha * VdW, beta * VdW + (1 - beta) * dW


def _momentum_swapped(W, dW, VdW, beta, alpha):
    VdW = (1 - beta) * VdW + beta * dW
    return W - alpha * VdW, VdW


def _momentum_along_dW(W, dW, VdW, beta, alpha):
    return W - alpha * dW, beta * VdW + (1 - beta) * dW


_SMALL = 1e-4
"""The gradients' scale in the last optimizer case: sqrt(SdW) is then near sqrt(epsilon)."""


def _rmsprop_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    hypers = ((0.9, 0.01, 1.0), (0.999, 0.05, 1.0), (0.99, 0.1, _SMALL))
    for (n, n_prev, _), (beta2, alpha, scale) in zip(SHAPES, hypers, strict=True):
        shape = (n, n_prev)
        cases.append(
            {
                "W": rng.standard_normal(shape),
                "dW": scale * rng.standard_normal(shape),
                "SdW": scale**2 * rng.random(shape),
                "beta2": beta2,
                "alpha": alpha,
                "epsilon": 1e-8,
            }
        )
    return cases


def _rmsprop_step(W, dW, SdW, beta2, alpha, epsilon):
    hyper = {"lr": alpha, "beta": beta2, "eps": epsilon}
    new, state = optimizers.step("rmsprop", {"W": W}, {"dW": dW}, {"t": 0, "SdW": SdW}, hyper)
    return new["W"], state["SdW"]


def _rmsprop_wrong(S_new, update):
    """RMSprop with ``S = S_new(SdW, dW, beta2)`` and ``W - alpha update(dW, S, epsilon, SdW)``
    (``SdW`` the moment before the step)."""

    def rmsprop_step(W, dW, SdW, beta2, alpha, epsilon):
        S = S_new(SdW, dW, beta2)
        return W - alpha * update(dW, S, epsilon, SdW), S

    return rmsprop_step


def _rms_S(SdW, dW, beta2):
    return beta2 * SdW + (1 - beta2) * dW**2


def _rms_update(dW, S, epsilon, old):
    return dW / (np.sqrt(S) + epsilon)


def _adam_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    hypers = ((1, 0.9, 0.999, 0.01, 1.0), (3, 0.9, 0.999, 0.05, 1.0), (10, 0.8, 0.99, 0.1, _SMALL))
    for (n, n_prev, _), (t, beta1, beta2, alpha, scale) in zip(SHAPES, hypers, strict=True):
        shape = (n, n_prev)
        first = t == 1  # the first step starts from zero moments
        cases.append(
            {
                "W": rng.standard_normal(shape),
                "dW": scale * rng.standard_normal(shape),
                "VdW": np.zeros(shape) if first else 0.5 * scale * rng.standard_normal(shape),
                "SdW": np.zeros(shape) if first else 0.1 * scale**2 * rng.random(shape),
                "t": t,
                "beta1": beta1,
                "beta2": beta2,
                "alpha": alpha,
                "epsilon": 1e-8,
            }
        )
    return cases


def _adam_step(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon, name="adam"):
    hyper = {"lr": alpha, "beta1": beta1, "beta2": beta2, "eps": epsilon}
    state = {"t": t - 1, "VdW": VdW, "SdW": SdW}  # the engine counts t up before the step
    new, state = optimizers.step(name, {"W": W}, {"dW": dW}, state, hyper)
    return new["W"], state["VdW"], state["SdW"]


def _adam_notes(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon):
    """The engine's ``adam_notes``: SdW bias-corrected with 1 - beta1^t (the notes' bug)."""
    return _adam_step(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon, name="adam_notes")


def _adam_wrong(mistake):
    def adam_step(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon):
        VdW = beta1 * VdW + (1 - beta1) * dW
        SdW = beta2 * SdW + (1 - beta2) * (dW if mistake == "no_square" else dW**2)
        V_c, S_c = VdW / (1 - beta1**t), SdW / (1 - beta2**t)
        if mistake == "no_correction":
            V_c, S_c = VdW, SdW
        if mistake == "eps_inside":
            return W - alpha * V_c / np.sqrt(S_c + epsilon), VdW, SdW
        W = W - alpha * V_c / (np.sqrt(S_c) + epsilon)
        return (W, V_c, S_c) if mistake == "corrected_kept" else (W, VdW, SdW)

    return adam_step


ADAM_MISTAKES = (
    Mistake(
        "S_corrected_with_beta1",
        "SdW is the average of dW^2 with beta2, so its bias correction divides by "
        "1 - beta2^t, not 1 - beta1^t",
        _adam_notes,
    ),
    Mistake(
        "no_bias_correction",
        "the moments start at 0: divide VdW by 1 - beta1^t and SdW by 1 - beta2^t before the step",
        _adam_wrong("no_correction"),
    ),
    Mistake(
        "epsilon_inside_root",
        "epsilon is added to the square root, sqrt(SdW_corrected) + epsilon, not inside it",
        _adam_wrong("eps_inside"),
    ),
    Mistake(
        "S_not_squared",
        "SdW averages the squared gradient: (1 - beta2) dW^2, elementwise",
        _adam_wrong("no_square"),
    ),
    Mistake(
        "corrected_moments_returned",
        "the corrected moments are for this step only: keep (return) the uncorrected VdW and SdW",
        _adam_wrong("corrected_kept"),
    ),
)

_ADAM_STARTER = '''import numpy as np


def adam_bug_hunt(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon):
    """The notes' Adam. See: visualdl exercise show adam_bug_hunt"""
    VdW = beta1 * VdW + (1 - beta1) * dW
    SdW = beta2 * SdW + (1 - beta2) * dW**2
    VdW_corrected = VdW / (1 - beta1**t)
    SdW_corrected = SdW / (1 - beta1**t)
    W = W - alpha * VdW_corrected / (np.sqrt(SdW_corrected) + epsilon)
    return W, VdW, SdW
'''

_ADAM_GIVEN = (
    "Given W: (n, n_prev), its gradient dW, the moments VdW and SdW (the shape of W), the "
    "step number t (t = 1 on the first step), beta1, beta2, the learning rate alpha and "
    "epsilon"
)

# -- learning-rate decay --------------------------------------------------------------------


def _decay_cases(rng: np.random.Generator) -> list[dict]:
    return [
        {"alpha0": a0, "decay_rate": rate, "num_epochs": epochs, "steps_per_epoch": steps}
        for a0, rate, epochs, steps in ((0.2, 0.05, 5, 4), (0.05, 0.5, 4, 3), (0.5, 1.0, 3, 6))
    ]


def _epoch_num(num_epochs, steps_per_epoch):
    return np.arange(num_epochs * steps_per_epoch) // steps_per_epoch


def _lr_decay(alpha0, decay_rate, num_epochs, steps_per_epoch):
    epoch_num = _epoch_num(num_epochs, steps_per_epoch)
    return schedules.inverse_time(epoch_num, a0=alpha0, decay=decay_rate)


def _decay_no_alpha0(alpha0, decay_rate, num_epochs, steps_per_epoch):
    return _lr_decay(1.0, decay_rate, num_epochs, steps_per_epoch)


def _decay_per_step(alpha0, decay_rate, num_epochs, steps_per_epoch):
    step = np.arange(num_epochs * steps_per_epoch)
    return schedules.inverse_time(step, a0=alpha0, decay=decay_rate)


def _decay_from_1(alpha0, decay_rate, num_epochs, steps_per_epoch):
    epoch_num = _epoch_num(num_epochs, steps_per_epoch) + 1
    return schedules.inverse_time(epoch_num, a0=alpha0, decay=decay_rate)


def _decay_compounded(alpha0, decay_rate, num_epochs, steps_per_epoch):
    return alpha0 / (1 + decay_rate) ** _epoch_num(num_epochs, steps_per_epoch)


# -- batch norm -----------------------------------------------------------------------------


def _bn_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for (n, m), eps in zip(((3, 7), (5, 9), (2, 6)), (1e-3, 1e-5, 1e-2), strict=True):
        Z = 2 * rng.standard_normal((n, m)) + rng.standard_normal((n, 1))
        if eps == 1e-5:
            Z[1] *= 1e-3  # a feature whose variance, ~4e-6, is near eps
        cases.append(
            {
                "dZ_tilde": rng.standard_normal((n, m)),
                "Z": Z,
                "gamma": rng.standard_normal((n, 1)),
                "eps": eps,
            }
        )
    return cases


def _forward(Z, gamma, eps):
    return batch_norm(Z, gamma, np.zeros_like(gamma), eps)[1]


def _batchnorm_backward(dZ_tilde, Z, gamma, eps):
    return batch_norm_backward(dZ_tilde, _forward(Z, gamma, eps))


def _bn_constant_statistics(dZ_tilde, Z, gamma, eps):
    """The engine's backward with mu and var held fixed (its inference form)."""
    return batch_norm_backward(dZ_tilde, {**_forward(Z, gamma, eps), "training": False})


def _bn_notes(dZ_tilde, Z, gamma, eps):
    """The exact gradient of the notes' forward (Z - mu) / (sqrt(var) + eps)."""
    from visualdl.symbolic.mistakes import MISTAKES  # SymPy, loaded only when needed

    return MISTAKES["batch_norm_notes"].wrong(Z, gamma, np.zeros_like(gamma), dZ_tilde, eps)


def _bn_eps_outside(dZ_tilde, Z, gamma, eps):
    """The task's formulas with sqrt(var) + eps in place of sqrt(var + eps)."""
    m = Z.shape[1]
    mu = Z.mean(axis=1, keepdims=True)
    D = np.sqrt(((Z - mu) ** 2).mean(axis=1, keepdims=True)) + eps
    Z_norm, dZ_norm = (Z - mu) / D, gamma * dZ_tilde
    dZ = (
        m * dZ_norm
        - dZ_norm.sum(axis=1, keepdims=True)
        - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)
    ) / (m * D)
    return dZ, (dZ_tilde * Z_norm).sum(axis=1, keepdims=True) / m, dZ_tilde.mean(1, keepdims=True)


def _bn_without(path):
    """The task's dZ without the path through mu (``"mean"``) or var (``"var"``)."""

    def batchnorm_backward(dZ_tilde, Z, gamma, eps):
        cache = _forward(Z, gamma, eps)
        _, dgamma, dbeta = batch_norm_backward(dZ_tilde, cache)
        Z_norm, inv_std, m = cache["Z_norm"], cache["inv_std"], Z.shape[1]
        dZ_norm = gamma * dZ_tilde
        dZ = m * dZ_norm
        if path != "mean":
            dZ = dZ - dZ_norm.sum(axis=1, keepdims=True)
        if path != "var":
            dZ = dZ - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)
        return inv_std / m * dZ, dgamma, dbeta

    return batchnorm_backward


def _bn_summed(dZ_tilde, Z, gamma, eps):
    dZ, dgamma, dbeta = _batchnorm_backward(dZ_tilde, Z, gamma, eps)
    m = Z.shape[1]
    return dZ, m * dgamma, m * dbeta


EXERCISES = (
    Exercise(
        "l2_regularization",
        TRAIN,
        "The L2 penalty and its term in dW",
        "Given the gradient dW: (n, n_prev) of the unregularized cost, the weights W: "
        "(n, n_prev), lambd and the number of examples m, return the penalty and the "
        "regularized gradient:\n"
        "    J_L2 = (lambd / (2m)) ||W||_F^2      (||W||_F^2 = sum of every W_ij^2)\n"
        "    dW = dW + (lambd / m) W              (n, n_prev)   (weight decay)\n"
        "Return (J_L2, dW).",
        "def l2_regularization(dW, W, lambd, m)",
        _l2_regularization,
        _l2_cases,
        (
            Mistake(
                "missing_1_over_m",
                "the penalty is averaged like the cost: lambd / (2m) in J_L2 and lambd / m in "
                "dW, both divided by m",
                _l2_wrong(lambda lambd, m: lambd / 2, lambda lambd, m: lambd),
            ),
            Mistake(
                "lambd_over_2m_in_dW",
                "the derivative of W_ij^2 is 2 W_ij, which cancels the 2 of lambd / (2m): "
                "the gradient term is (lambd / m) W",
                _l2_wrong(_cost_factor, _cost_factor),
            ),
            Mistake(
                "no_half_in_J",
                "J_L2 has lambd / (2m), the half that makes its gradient (lambd / m) W",
                _l2_wrong(_grad_factor, _grad_factor),
            ),
            Mistake(
                "penalty_gradient_only",
                "the regularized dW is the backprop dW plus (lambd / m) W, not the penalty's "
                "gradient alone",
                _l2_wrong(_cost_factor, _grad_factor, add_dW=False),
            ),
            Mistake(
                "norm_not_squared",
                "J_L2 uses the squared Frobenius norm, the sum of the W_ij^2 (no square root)",
                _l2_wrong(_cost_factor, _grad_factor, squared=False),
            ),
        ),
        ("J_L2", "dW"),
        row="l2_penalty",
    ),
    Exercise(
        "inverted_dropout",
        TRAIN,
        "Inverted dropout, forward, with a given mask",
        "Given the activations A: (n, m), a keep mask D: (n, m) of 0.0 and 1.0 (1 where the "
        "unit is kept; in training it is D = rand(n, m) < keep_prob, given here so the check "
        "is deterministic) and keep_prob, return\n"
        "    A = A * D / keep_prob              (n, m)\n"
        "(dividing by keep_prob keeps the expected activation: E[A * D / keep_prob] = A).",
        "def inverted_dropout(A, D, keep_prob)",
        _inverted_dropout,
        _dropout_cases,
        (
            Mistake(
                "not_scaled",
                "the kept units are divided by keep_prob so that the expected activation stays A",
                lambda A, D, keep_prob: A * D,
            ),
            Mistake(
                "divided_by_drop_prob",
                "divide by keep_prob, the probability that a unit is kept, not by 1 - keep_prob",
                lambda A, D, keep_prob: A * D / (1 - keep_prob),
            ),
            Mistake(
                "mask_inverted",
                "D = 1 marks the kept units: multiply by D, not by 1 - D",
                lambda A, D, keep_prob: A * (1 - D) / keep_prob,
            ),
            Mistake(
                "multiplied_by_keep_prob",
                "inverted dropout divides the kept units by keep_prob in training; multiplying "
                "by keep_prob is the old test-time scaling",
                lambda A, D, keep_prob: A * D * keep_prob,
            ),
        ),
        ("A",),
        row="dropout",
    ),
    Exercise(
        "gradient_check",
        TRAIN,
        "Gradient checking: two-sided differences and the relative difference",
        "Given the inputs X: (n_x, m), the labels Y: (1, m), the weights w: (n_x, 1) of a "
        "logistic regression, the gradient dw: (n_x, 1) that a backprop gave (maybe wrong), "
        "and epsilon, with the cost\n"
        "    J(w) = bce_with_logits(w^T X, Y)   (visualdl.engine.losses; your bce_from_logits)\n"
        "return the two-sided numerical gradient, one entry at a time, and the relative "
        "difference:\n"
        "    dw_approx[i] = (J(w + epsilon e_i) - J(w - epsilon e_i)) / (2 epsilon)   (n_x, 1)\n"
        "    difference = ||dw - dw_approx|| / (||dw|| + ||dw_approx||)   (||.||: the 2-norm)\n"
        "(e_i: 1 at entry i, 0 elsewhere). Below about 1e-7 the backprop is right. "
        "Return (dw_approx, difference).",
        "def gradient_check(X, Y, w, dw, epsilon)",
        _gradient_check,
        _gradcheck_cases,
        (
            Mistake(
                "one_sided",
                "the one-sided (J(w + epsilon e_i) - J(w)) / epsilon is off by O(epsilon): "
                "take the two-sided difference",
                _one_sided,
            ),
            Mistake(
                "over_epsilon",
                "the two points are 2 epsilon apart: divide their difference by 2 epsilon",
                _over_epsilon,
            ),
            Mistake(
                "no_denominator",
                "the difference is relative: divide ||dw - dw_approx|| by ||dw|| + ||dw_approx||",
                _denominator("none"),
            ),
            Mistake(
                "norm_of_the_sum",
                "the denominator is the sum of the two norms, ||dw|| + ||dw_approx||, not the "
                "norm of the sum",
                _denominator("sum_inside"),
            ),
            Mistake(
                "one_norm_below",
                "divide by the sum of both norms, ||dw|| + ||dw_approx||, not by one of them",
                _denominator("approx_only"),
            ),
        ),
        ("dw_approx", "difference"),
        row=None,
    ),
    Exercise(
        "momentum_step",
        TRAIN,
        "One step of gradient descent with momentum",
        "Given W: (n, n_prev), its gradient dW, the velocity VdW (the shape of W), beta and "
        "the learning rate alpha, take one step in the notes' form (an exponentially "
        "weighted average of the gradients):\n"
        "    VdW = beta VdW + (1 - beta) dW\n"
        "    W = W - alpha VdW                  (with the new VdW)\n"
        "Return (W, VdW).",
        "def momentum_step(W, dW, VdW, beta, alpha)",
        _momentum_step,
        _momentum_cases,
        (
            Mistake(
                "no_1_minus_beta",
                "in the notes' form the new gradient is weighted by (1 - beta): "
                "VdW = beta VdW + (1 - beta) dW",
                lambda W, dW, VdW, beta, alpha: _momentum_step(W, dW, VdW, beta, alpha, "classic"),
            ),
            Mistake(
                "W_before_VdW",
                "update VdW first, then step W along the new VdW",
                _momentum_W_first,
            ),
            Mistake(
                "beta_swapped",
                "beta weights the old VdW and (1 - beta) the new dW, not the other way round",
                _momentum_swapped,
            ),
            Mistake(
                "step_along_dW",
                "with momentum W steps along the velocity VdW, not along dW",
                _momentum_along_dW,
            ),
        ),
        ("W", "VdW"),
        row="momentum",
    ),
    Exercise(
        "rmsprop_step",
        TRAIN,
        "One step of RMSprop",
        "Given W: (n, n_prev), its gradient dW, SdW (the shape of W), beta2, the learning "
        "rate alpha and epsilon, take one step (dW^2 elementwise):\n"
        "    SdW = beta2 SdW + (1 - beta2) dW^2\n"
        "    W = W - alpha dW / (sqrt(SdW) + epsilon)     (with the new SdW; epsilon outside "
        "the root)\n"
        "Return (W, SdW).",
        "def rmsprop_step(W, dW, SdW, beta2, alpha, epsilon)",
        _rmsprop_step,
        _rmsprop_cases,
        (
            Mistake(
                "epsilon_inside_root",
                "epsilon is added to the square root, sqrt(SdW) + epsilon, not inside it",
                _rmsprop_wrong(_rms_S, lambda dW, S, eps, old: dW / np.sqrt(S + eps)),
            ),
            Mistake(
                "not_squared",
                "SdW averages the squared gradient: (1 - beta2) dW^2, elementwise",
                _rmsprop_wrong(lambda S, dW, b: b * S + (1 - b) * dW, _rms_update),
            ),
            Mistake(
                "no_square_root",
                "divide dW by the root of SdW, sqrt(SdW) + epsilon, not by SdW",
                _rmsprop_wrong(_rms_S, lambda dW, S, eps, old: dW / (S + eps)),
            ),
            Mistake(
                "no_1_minus_beta2",
                "SdW is an average: the new dW^2 is weighted by (1 - beta2)",
                _rmsprop_wrong(lambda S, dW, b: b * S + dW**2, _rms_update),
            ),
            Mistake(
                "W_before_SdW",
                "update SdW first, then divide by the root of the new SdW",
                _rmsprop_wrong(_rms_S, lambda dW, S, eps, old: dW / (np.sqrt(old) + eps)),
            ),
        ),
        ("W", "SdW"),
        row="rmsprop",
    ),
    Exercise(
        "adam_step",
        TRAIN,
        "One step of Adam, with bias correction",
        f"{_ADAM_GIVEN}, take one step (dW^2 elementwise):\n"
        "    VdW = beta1 VdW + (1 - beta1) dW,   SdW = beta2 SdW + (1 - beta2) dW^2\n"
        "    VdW_corrected = VdW / (1 - beta1^t),   SdW_corrected = SdW / (1 - beta2^t)\n"
        "    W = W - alpha VdW_corrected / (sqrt(SdW_corrected) + epsilon)   (epsilon outside "
        "the root)\n"
        "Return (W, VdW, SdW), the moments uncorrected (the correction is for this step only).",
        "def adam_step(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon)",
        _adam_step,
        _adam_cases,
        ADAM_MISTAKES,
        ("W", "VdW", "SdW"),
        row="adam",
    ),
    Exercise(
        "adam_bug_hunt",
        TRAIN,
        "Find the bug in the notes' Adam",
        "The starter is the notes' Adam, their formulas written as code. "
        f"{_ADAM_GIVEN}, it should take one step of Adam and return (W, VdW, SdW), the "
        "moments uncorrected. But its first step (t = 1, from VdW = SdW = 0, with beta1 = 0.9 "
        "and beta2 = 0.999) is 10 times too long: Adam's first step moves every entry of W "
        "by alpha dW / (|dW| + epsilon), about alpha, and this one moves it by about "
        "10 alpha; the excess fades only slowly (about 8 times at t = 10, 3 times at "
        "t = 100). Find the line that is wrong and fix it.",
        "def adam_bug_hunt(W, dW, VdW, SdW, t, beta1, beta2, alpha, epsilon)",
        _adam_step,
        _adam_cases,
        ADAM_MISTAKES,
        ("W", "VdW", "SdW"),
        starter=_ADAM_STARTER,
        row="adam",
    ),
    Exercise(
        "lr_decay",
        TRAIN,
        "Learning-rate decay, once per epoch",
        "Given alpha0, decay_rate, num_epochs and steps_per_epoch (mini-batch steps in one "
        "epoch), return alpha: (num_epochs * steps_per_epoch,), the learning rate of every "
        "step k = 0, 1, ..., in order, with the inverse-time decay of the notes:\n"
        "    alpha = alpha0 / (1 + decay_rate * epoch_num)\n"
        "where epoch_num = 0, 1, ... counts the epochs (the first epoch runs at alpha0; all "
        "the steps of one epoch share its rate).",
        "def lr_decay(alpha0, decay_rate, num_epochs, steps_per_epoch)",
        _lr_decay,
        _decay_cases,
        (
            Mistake(
                "missing_alpha0",
                "1 / (1 + decay_rate * epoch_num), as the notes write it, forgets the initial "
                "rate: multiply by alpha0",
                _decay_no_alpha0,
            ),
            Mistake(
                "decayed_every_step",
                "epoch_num counts epochs, not mini-batch steps: it stays the same for the "
                "steps_per_epoch steps of an epoch",
                _decay_per_step,
            ),
            Mistake(
                "epochs_counted_from_1",
                "epoch_num starts at 0: the first epoch runs at alpha0",
                _decay_from_1,
            ),
            Mistake(
                "compounded",
                "inverse-time decay divides alpha0 once by 1 + decay_rate * epoch_num; "
                "(1 + decay_rate)^epoch_num decays exponentially",
                _decay_compounded,
            ),
        ),
        ("alpha",),
        row=None,
    ),
    Exercise(
        "batchnorm_backward",
        TRAIN,
        "Batch norm backward: dZ, dgamma, dbeta",
        "Given Z: (n, m) (one example per column), gamma: (n, 1), eps and the gradient "
        "dZ_tilde: (n, m) reaching Z_tilde = gamma Z_norm + beta (per example, like dZ in "
        "dense_backward), where the forward was\n"
        "    mu = (1/m) sum(Z),   var = (1/m) sum((Z - mu)^2),   "
        "Z_norm = (Z - mu) / sqrt(var + eps)\n"
        "return the gradients (every sum over the examples, axis=1, keepdims=True):\n"
        "    dZ_norm = gamma dZ_tilde\n"
        "    dZ = (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm Z_norm)) / (m sqrt(var + eps))"
        "   (n, m)\n"
        "    dgamma = (1/m) sum(dZ_tilde Z_norm),   dbeta = (1/m) sum(dZ_tilde)   (n, 1)\n"
        "(the two sums in dZ are the paths through mu and var, which depend on Z). "
        "Return (dZ, dgamma, dbeta).",
        "def batchnorm_backward(dZ_tilde, Z, gamma, eps)",
        _batchnorm_backward,
        _bn_cases,
        (
            Mistake(
                "eps_outside_root",
                "eps goes inside the square root, sqrt(var + eps), not sqrt(var) + eps",
                _bn_eps_outside,
            ),
            Mistake(
                "notes_forward",
                "this is the gradient of the notes' (Z - mu) / (sqrt(var) + eps): eps goes "
                "inside the square root, sqrt(var + eps)",
                _bn_notes,
            ),
            Mistake(
                "mu_and_var_as_constants",
                "mu and var are computed from Z: dZ has the two sums, the paths through them, "
                "besides gamma dZ_tilde / sqrt(var + eps)",
                _bn_constant_statistics,
            ),
            Mistake(
                "missing_mean_path",
                "dZ misses the path through mu: subtract sum(dZ_norm)",
                _bn_without("mean"),
            ),
            Mistake(
                "missing_variance_path",
                "dZ misses the path through var: subtract Z_norm sum(dZ_norm Z_norm)",
                _bn_without("var"),
            ),
            Mistake(
                "missing_1_over_m",
                "dgamma and dbeta are gradients of the mean cost: divide their sums by m",
                _bn_summed,
            ),
        ),
        ("dZ", "dgamma", "dbeta"),
        row="batch_norm",
    ),
)
