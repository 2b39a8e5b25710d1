"""The hidden layer folds the plane: the data of the ``xor-folding`` scene.

A 2-3-1 network (tanh hidden layer, sigmoid output, He initialization, fixed seed) is trained
with full-batch gradient descent on the notes' XOR points until it classifies all four. Then
the engine's forward pass (:meth:`~visualdl.engine.model.Sequential.forward`, whose ``Dense``
layers record ``dense{l}.forward``) is run on three sets of input points, each in its own
labelled section (``case``):

- ``case="points"``: the four XOR points ``X: (2, 4)``;
- ``case="grid"``: a grid of the input plane, ``n_lines`` lines ``x1 = c`` followed by
  ``n_lines`` lines ``x2 = c`` (``c`` evenly spaced in ``[low, high]``), each sampled at
  ``n_per_line`` points, as the columns of ``A_prev: (2, 2 n_lines n_per_line)``: its
  ``dense1.forward`` holds where the lines go, ``Z[1] = W[1] X + b[1]`` and ``A[1] =
  tanh(Z[1])``, both ``(3, N)``;
- ``case="plane"``: a ``mesh x mesh`` mesh of the same square (``x1`` varies fastest), whose
  ``dense2.forward`` ``Z[2]`` is the output's pre-activation over the plane: the decision
  boundary ``Z[2] = 0`` is its zero level line.

The hidden layer has three units, so ``Z[1]`` and ``A[1]`` live in 3-D. The scene draws them
in a 2-D view, recorded as ``xor_folding.view`` (:data:`VIEW`): an orthographic projection on
two orthonormal directions of hidden space, ``u1 = w / |w|`` with ``w = W[2]`` (the one
direction the output unit reads: ``Z[2] = |w| (u1 . a) + b[2]``, so the output layer's plane
``w . a + b[2] = 0`` is seen edge on, as the vertical line ``u1 . a = -b[2] / |w|``), and
``u2``, the direction perpendicular to ``u1`` along which the grid's ``A[1]`` spreads most (its
first principal axis). ``xor_folding.grid`` (:data:`GRID`) says how the grid's columns are
arranged and holds the labels ``Y`` and the accuracy.

Example
-------
>>> from visualdl.demos.xor_folding import xor_folding_trace
>>> tr = xor_folding_trace()
>>> tr.last("xor_folding.grid").info["accuracy"]
1.0
>>> tr.last("dense1.forward", case="grid")["A"].shape
(3, 738)
"""

from __future__ import annotations

import numpy as np

from visualdl.engine import data, mlp
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["GRID", "VIEW", "grid_points", "plane_points", "xor_folding_trace"]

GRID = declare(
    "xor_folding.grid",
    arrays={"Y": "(1, 4) the XOR labels of the four points"},
    info={
        "n_lines": "lines x1 = c (then as many lines x2 = c)",
        "n_per_line": "points per line",
        "low": "the square's lower end (both axes)",
        "high": "the square's upper end",
        "mesh": "side of the plane mesh",
        "accuracy": "the trained network's accuracy on the four points",
    },
)
VIEW = declare(
    "xor_folding.view",
    arrays={
        "basis": "(2, n[1]) rows u1 = W[2] / |W[2]| and u2, orthonormal: the view of A[1]",
        "basis_Z": "(2, n[1]) an orthonormal basis of the plane W[1] x (face on): Z[1]'s view",
        "Z_points": "(2, 4) the points' Z[1] seen face on: basis_Z Z[1]",
        "A_points": "(2, 4) the points' A[1] in the view: basis A[1]",
        "Z_grid": "(2, N) the grid's Z[1] in the view",
        "A_grid": "(2, N) the grid's A[1] in the view",
    },
    info={
        "boundary": "u1 . a where W[2] a + b[2] = 0, i.e. -b[2] / |W[2]|",
        "w_norm": "|W[2]|",
    },
)


def grid_points(n_lines: int, n_per_line: int, low: float, high: float) -> np.ndarray:
    """The grid's lines as columns ``(2, 2 n_lines n_per_line)``: the lines ``x1 = c``, then
    the lines ``x2 = c``, each from ``low`` to ``high``."""
    c = np.linspace(low, high, n_lines)
    t = np.linspace(low, high, n_per_line)
    vertical = [np.stack([np.full_like(t, ci), t]) for ci in c]
    horizontal = [np.stack([t, np.full_like(t, ci)]) for ci in c]
    return np.hstack(vertical + horizontal)


def plane_points(mesh: int, low: float, high: float) -> np.ndarray:
    """A ``mesh x mesh`` mesh of the square as columns ``(2, mesh**2)``, ``x1`` fastest."""
    x1, x2 = np.meshgrid(np.linspace(low, high, mesh), np.linspace(low, high, mesh))
    return np.stack([x1.ravel(), x2.ravel()])


def _view(W2: np.ndarray, A_grid: np.ndarray) -> np.ndarray:
    """``(2, n1)``: ``u1 = w / |w|`` and the first principal axis of ``A_grid`` once ``u1`` is
    taken out (sign fixed: its largest component positive)."""
    u1 = W2[0] / np.linalg.norm(W2[0])
    centred = A_grid - A_grid.mean(axis=1, keepdims=True)
    rest = centred - np.outer(u1, u1 @ centred)
    u2 = np.linalg.svd(rest, full_matrices=False)[0][:, 0]
    u2 = u2 * np.sign(u2[np.argmax(np.abs(u2))])
    return np.stack([u1, u2])


def _face_on(W1: np.ndarray) -> np.ndarray:
    """``(2, n1)``: an orthonormal basis of the column space of ``W1`` (its left singular
    vectors), signed so that ``basis W1`` keeps the plane's orientation (``det > 0``)."""
    U = np.linalg.svd(W1, full_matrices=False)[0].T
    if np.linalg.det(U @ W1) < 0:
        U[1] = -U[1]
    return U


def xor_folding_trace(
    seed: int = 0,
    hidden_units: int = 3,
    iterations: int = 200,
    learning_rate: float = 0.5,
    n_lines: int = 9,
    n_per_line: int = 41,
    low: float = -0.5,
    high: float = 1.5,
    mesh: int = 81,
) -> Trace:
    """Train a ``2-hidden_units-1`` tanh network on XOR, then record where the hidden layer
    sends the points, a grid of the plane and a mesh (records in the module docstring).

    Parameters
    ----------
    seed : seed of the He initialization (``numpy.random.default_rng(seed)``).
    hidden_units : units of the hidden layer (at least 2).
    iterations, learning_rate : full-batch gradient descent before recording.
    n_lines, n_per_line, low, high : the grid (see :func:`grid_points`).
    mesh : side of the plane mesh (see :func:`plane_points`).
    """
    X, Y = data.xor()
    model = mlp([2, hidden_units, 1], hidden="tanh", output="sigmoid", init="he", seed=seed)
    model.fit(X, Y, learning_rate=learning_rate, num_iterations=iterations)
    meta = {
        "demo": "xor-folding",
        "seed": seed,
        "iterations": iterations,
        "learning_rate": learning_rate,
        "layer_dims": model.layer_dims,
    }
    with record(**meta) as tr:
        with record(case="points"):
            model.forward(X)
        with record(case="grid"):
            model.forward(grid_points(n_lines, n_per_line, low, high))
        with record(case="plane"):
            model.forward(plane_points(mesh, low, high))
        GRID.log(
            Y=Y,
            n_lines=n_lines,
            n_per_line=n_per_line,
            low=low,
            high=high,
            mesh=mesh,
            accuracy=model.accuracy(X, Y),
        )
        points, grid = (tr.last("dense1.forward", case=c) for c in ("points", "grid"))
        out = tr.last("dense2.forward", case="points")
        basis, face = _view(out["W"], grid["A"]), _face_on(points["W"])
        w_norm = float(np.linalg.norm(out["W"]))
        VIEW.log(
            basis=basis,
            basis_Z=face,
            Z_points=face @ points["Z"],
            A_points=basis @ points["A"],
            Z_grid=face @ grid["Z"],
            A_grid=basis @ grid["A"],
            boundary=-float(out["b"][0, 0]) / w_norm,
            w_norm=w_norm,
        )
    return tr
