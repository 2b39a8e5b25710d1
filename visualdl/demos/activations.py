"""Activation curves ``g(z)`` and ``g'(z)`` evaluated by the engine on a grid of ``z``.

Each elementwise activation gets one record ``activations.curve`` (:data:`CURVE`, info
``name``) with the arrays ``z``, ``g = activation.forward(z)`` and ``dg =
activation.derivative(z)``, plus, where ``g'`` jumps at ``z = 0`` (ReLU, leaky ReLU), the
one-sided limits and the value the engine takes at 0. Softmax mixes its inputs, so it gets its
own record ``activations.softmax`` (:data:`SOFTMAX`): the logits ``Z = [z, 0, -1]^T`` for every
grid point and ``A = softmax(Z)`` (each column sums to 1).

Example
-------
>>> from visualdl.demos.activations import activation_curves
>>> tr = activation_curves(n=101)
>>> rec = tr.last("activations.curve", name="relu")
>>> float(rec["g"][-1]), float(rec["dg"][-1])
(4.0, 1.0)
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import activations
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["CURVE", "ELEMENTWISE", "SOFTMAX", "activation_curves"]

#: Elementwise activations shown, in teaching order.
ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")

_SIDE = 1e-9  # distance from 0 at which the one-sided limits of g' are read

CURVE = declare(
    "activations.curve",
    arrays={
        "z": "(n,)",  # the grid
        "g": "(n,)",  # g(z)
        "dg": "(n,)",  # g'(z)
    },
    info={
        "name": "the activation",
        "kink": "whether g' jumps at z = 0",
        "dg_left": "g'(0-), with a kink",
        "dg_at_0": "the engine's g'(0), with a kink",
        "dg_right": "g'(0+), with a kink",
    },
    optional=("dg_left", "dg_at_0", "dg_right"),
)
SOFTMAX = declare(
    "activations.softmax",
    arrays={
        "z": "(n,)",  # the grid
        "Z": "(3, n)",  # the logits [z, 0, -1]
        "A": "(3, n)",  # softmax(Z)
    },
    info={"name": "softmax", "other_logits": "the two fixed logits"},
)


def activation_curves(
    names: tuple[str, ...] = ELEMENTWISE, zmin: float = -4.0, zmax: float = 4.0, n: int = 801
) -> Trace:
    """Evaluate each activation and its derivative on ``z = linspace(zmin, zmax, n)``.

    Shapes: ``z, g, dg: (n,)``; softmax: ``Z, A: (3, n)``.

    Returns a :class:`~visualdl.trace.Trace` with one record per activation (see the module
    docstring) and ``meta = {"zmin", "zmax", "n"}``.
    """
    if n < 3 or not zmax > zmin:
        raise ValueError(f"activation_curves: need n >= 3 and zmax > zmin, got {n}, {zmin}, {zmax}")
    z = np.linspace(zmin, zmax, n)
    tr = Trace({"zmin": zmin, "zmax": zmax, "n": n})
    for name in names:
        act = activations.get(name)
        if act.derivative is None:
            raise ValueError(f"activation_curves: {name!r} is not elementwise")
        g = act.forward(z[None, :])[0]
        dg = act.derivative(z[None, :])[0]
        left, at0, right = act.derivative(np.array([[-_SIDE, 0.0, _SIDE]]))[0]
        info = {"name": name, "kink": bool(not np.isclose(left, right))}
        if info["kink"]:
            info.update(dg_left=float(left), dg_at_0=float(at0), dg_right=float(right))
        CURVE.add(tr, **info, z=z, g=g, dg=dg)
    Z = np.vstack([z, np.zeros_like(z), -np.ones_like(z)])
    A = activations.get("softmax").forward(Z)
    SOFTMAX.add(tr, name="softmax", other_logits=[0.0, -1.0], z=z, Z=Z, A=A)
    return tr
