"""The wrong formulas the package shows on purpose, declared once, each with the row it fails.

A :class:`Mistake` names a ``visualdl verify`` row and a wrong variant of the engine function
that row checks; run through the row's own check (its ``backward=``/``step=`` parameter, see
:class:`~visualdl.symbolic.check.Op`), the variant must give ``max_rel_error >= margin``, far
above ``TOL = 1e-9``. A test runs every entry of :data:`MISTAKES`, so a mistake that the checks
stopped catching (or a check that stopped looking) fails the suite.

==========================  ===============  =====================================================
``adam_notes``              ``adam``         the notes' Adam: ``S`` bias-corrected with
                                             ``1 - beta1^t``
``batch_norm_notes``        ``batch_norm``   the notes' batch norm: ``sqrt(var) + eps``, eps
                                             outside the root (the exact gradient of that forward)
``conv_unflipped``          ``conv2d``       ``dX`` as the full convolution with the kernel *not*
                                             rotated by 180 degrees (``forms_hold(flip=False)``)
``pool_output_size_notes``  ``output_size``  the notes' pooling size ``(n + f - 1) / s`` (A34)
``layer_norm_notes``        ``layer_norm``   the notes' LayerNorm code: unbiased std and eps
                                             added to the std (``layer_norm_notes``)
``lstm_dw_hy_notes``        ``lstm``         the notes' LSTM backward (A43): ``dw_hy = dy_t @
                                             dh_next.T`` and ``db_y = dy_t``, overwritten at each
                                             step (right: ``+= dy_t @ a_t.T`` and ``+= dy_t``)
==========================  ===============  =====================================================

Later chapters (the exercises' named mistakes) add entries here.

Example
-------
>>> result = MISTAKES["adam_notes"].check()
>>> result.passed, result.max_rel_error >= MISTAKES["adam_notes"].margin
(False, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from visualdl.symbolic.check import Check

__all__ = ["MISTAKES", "Mistake"]


@dataclass(frozen=True)
class Mistake:
    """A deliberate wrong formula and the verify row whose check it must fail.

    Attributes
    ----------
    row : str
        The ``visualdl verify`` row (a key of :func:`visualdl.verify.table`).
    wrong : callable
        Passed to the row's check in place of the engine's function, with that parameter's
        signature (``backward=`` of ``conv.check``, ``step=`` of ``optimizers.check``...).
    margin : float
        The check must give ``max_rel_error >= margin``.
    what : str
        The mistake in one line.
    """

    row: str
    wrong: Callable[..., Any]
    margin: float
    what: str

    def check(self) -> Check:
        """The row's check, run with :attr:`wrong` in place of the engine's function."""
        from visualdl.verify import table

        return table()[self.row](self.wrong)


def _adam_notes_step(
    name: str, params: Any, grads: Any, state: Any, hyper: Any, no_decay: Any = ()
) -> Any:
    """``step`` for the ``adam`` row that runs the engine's ``adam_notes`` rule instead."""
    from visualdl.engine.optimizers import step

    return step("adam_notes", params, grads, state, hyper, no_decay)


def _batch_norm_notes_backward(Z: Any, gamma: Any, beta: Any, dout: Any, eps: float) -> Any:
    """The gradient of ``batch_norm_notes`` (``gamma (Z - mu) / (sigma + eps) + beta`` with
    ``sigma = sqrt(var)``), derived by hand as a learner following the notes would:
    ``dZ = gamma ((dout - mean dout) / D - (Z - mu) sum(dout (Z - mu)) / (N sigma D^2))``,
    ``D = sigma + eps``; ``dgamma, dbeta`` as usual with its ``Z_norm``."""
    import numpy as np

    axes = (1,) if Z.ndim == 2 else (0, 1, 2)
    m = Z.shape[1] if Z.ndim == 2 else Z.shape[0]
    shape = (-1, 1) if Z.ndim == 2 else (1, 1, 1, -1)
    g = np.reshape(gamma, shape)
    N = Z.size // g.size
    mu = Z.mean(axis=axes, keepdims=True)
    sigma = np.sqrt(((Z - mu) ** 2).mean(axis=axes, keepdims=True))
    D = sigma + eps
    centred_dout = dout - dout.mean(axis=axes, keepdims=True)
    spread = (dout * (Z - mu)).sum(axis=axes, keepdims=True)
    dZ = g * (centred_dout / D - (Z - mu) * spread / (N * sigma * D**2))
    Z_norm = (Z - mu) / D
    dgamma = (dout * Z_norm).sum(axis=axes, keepdims=True) / m
    dbeta = dout.sum(axis=axes, keepdims=True) / m
    return dZ, np.reshape(dgamma, np.shape(gamma)), np.reshape(dbeta, np.shape(beta))


def _conv_unflipped_backward(X: Any, W: Any, b: Any, dZ: Any, stride: int, padding: int) -> Any:
    """``conv2d_backward`` whose ``dX`` convolves dZ with the kernel as it is, not rotated."""
    from visualdl.engine.conv import conv2d, conv2d_backward

    _, cache = conv2d(X, W, b, stride=stride, padding=padding)
    return conv2d_backward(dZ, {**cache, "W": cache["W"][::-1, ::-1]})  # rot180 undone


def _pool_size_notes(n: int, f: int, p: int, s: int) -> float:
    """``size`` for the ``output_size`` row: the engine's ``pool_output_size_notes`` of the
    padded side."""
    from visualdl.engine.architectures import pool_output_size_notes

    return pool_output_size_notes(n + 2 * p, f, s)


def _lstm_dw_hy_notes_backward(x: Any, a0: Any, params: dict, Y: Any) -> dict:
    """``backward`` for the ``lstm`` row as the notes' pseudo-code (A43) writes it: the cells
    run forward one step at a time, then a loop back in time over the engine's
    ``lstm_cell_backward``, every gate gradient accumulated (right), and the output layer's two
    lines as the notes have them::

        dy_t = y_hat_t - y_t
        dw_hy = dy_t @ dh_next.T     # right: dWy += dy_t @ a_t.T
        db_y = dy_t                  # right: dby += dy_t

    (``dh_next``: the gradient reaching ``a_t`` from step ``t + 1``; both lines overwrite, so
    the first step's is what is left; ``1/m`` as the engine's mean cost).
    """
    import numpy as np

    from visualdl.engine.activations import softmax
    from visualdl.engine.lstm import GATES, lstm_cell_backward, lstm_cell_forward

    _, m, T = x.shape
    a, c = a0, np.zeros_like(a0)
    caches, y_hat = [], []
    for t in range(T):
        a, c, cache = lstm_cell_forward(x[:, :, t], a, c, params)
        caches.append(cache)
        y_hat.append(softmax(params["Wy"] @ a + params["by"]))
    grads = {f"d{k}{g}": np.zeros_like(params[f"{k}{g}"]) for g in GATES for k in "Wb"}
    dx = np.zeros_like(x)
    dh_next, dc_next = np.zeros_like(a0), np.zeros_like(a0)
    for t in reversed(range(T)):
        dy = y_hat[t] - Y[:, :, t]
        grads["dWy"] = dy @ dh_next.T / m  # the notes' dw_hy = dy_t @ dh_next.T
        grads["dby"] = np.sum(dy, axis=1, keepdims=True) / m  # the notes' db_y = dy_t
        dh = params["Wy"].T @ dy + dh_next
        d = lstm_cell_backward(dh, dc_next, caches[t])
        for g in GATES:
            grads[f"dW{g}"] += d[f"dW{g}"]
            grads[f"db{g}"] += d[f"db{g}"]
        dx[:, :, t] = d["dxt"]
        dh_next, dc_next = d["da_prev"], d["dc_prev"]
    return {**grads, "dx": dx, "da0": dh_next, "dc0": dc_next}


def _layer_norm_notes_backward(X: Any, gamma: Any, beta: Any, dY: Any, eps: float) -> Any:
    """``backward`` for the ``layer_norm`` row: the exact gradient of the notes' LayerNorm
    (``alpha (x - mu) / (std_unbiased + eps) + bias``, the engine's ``layer_norm_notes``)."""
    from visualdl.symbolic.attention import variant_backward

    return variant_backward("notes")(X, gamma, beta, dY, eps)


MISTAKES: dict[str, Mistake] = {
    "adam_notes": Mistake(
        "adam", _adam_notes_step, 1e-2, "S bias-corrected with 1 - beta1^t, not 1 - beta2^t"
    ),
    "batch_norm_notes": Mistake(
        "batch_norm",
        _batch_norm_notes_backward,
        1e-2,
        "eps outside the square root: (Z - mu) / (sqrt(var) + eps)",
    ),
    "conv_unflipped": Mistake(
        "conv2d", _conv_unflipped_backward, 1e-2, "dX by the full convolution, kernel unflipped"
    ),
    "pool_output_size_notes": Mistake(
        "output_size",
        _pool_size_notes,
        1e-2,
        "pooling size (n + f - 1) / s, not floor((n - f) / s) + 1",
    ),
    "layer_norm_notes": Mistake(
        "layer_norm",
        _layer_norm_notes_backward,
        1e-2,
        "LayerNorm as the notes' code: unbiased std (n - 1) and eps added to the std",
    ),
    "lstm_dw_hy_notes": Mistake(
        "lstm",
        _lstm_dw_hy_notes_backward,
        1e-2,
        "dw_hy = dy_t @ dh_next.T and db_y = dy_t, overwritten each step (not += dy_t @ a_t.T)",
    ),
}
