"""Activation curves ``g(z)`` and ``g'(z)`` evaluated by the engine on a grid of ``z``.

Each elementwise activation gets one record ``activation.<name>`` with the arrays ``z``,
``g = activation.forward(z)`` and ``dg = activation.derivative(z)``, plus, where ``g'`` jumps at
``z = 0`` (ReLU, leaky ReLU), the one-sided limits and the value the engine takes at 0. Softmax
mixes its inputs, so it gets its own record ``activation.softmax``: the logits
``Z = [z, 0, -1]^T`` for every grid point and ``A = softmax(Z)`` (each column sums to 1).

Example
-------
>>> from visualdl.demos.activations import activation_curves
>>> tr = activation_curves(n=101)
>>> rec = tr.last("activation.relu")
>>> float(rec["g"][-1]), float(rec["dg"][-1])
(4.0, 1.0)
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import activations
from visualdl.trace import Trace

__all__ = ["ELEMENTWISE", "activation_curves"]

#: Elementwise activations shown, in teaching order.
ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")

_SIDE = 1e-9  # distance from 0 at which the one-sided limits of g' are read


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
        tr.add(f"activation.{name}", info, z=z, g=g, dg=dg)
    Z = np.vstack([z, np.zeros_like(z), -np.ones_like(z)])
    A = activations.get("softmax").forward(Z)
    tr.add("activation.softmax", {"name": "softmax", "other_logits": [0.0, -1.0]}, z=z, Z=Z, A=A)
    return tr
