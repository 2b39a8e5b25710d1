"""A multi-channel convolution through an RGB volume: the data of the ``conv-volume`` scene.

An RGB-like volume ``X (1, n, n, 3)`` (integers 0..4) and ``n_C`` kernels ``W (f, f, 3, n_C)``
(integers -1..1) with biases ``b (n_C,)`` (integers -2..2), drawn from
``numpy.random.default_rng(seed)``, go through the engine's loop version
:func:`~visualdl.engine.conv_loops.conv2d_loop` (valid, stride 1). It narrates every window:
one ``conv2d.window`` per output cell ``(h, w)`` and kernel ``c`` (the ``f x f x 3`` window, its
``f f 3`` products with the kernel, each input channel's share ``channel_sums`` and their
``sum``; ``Z[0, h, w, c] = sum + b[c]``), then ``conv2d.forward`` (``X, W, b, Z``). Each kernel
sees all three channels and gives one map; the ``n_C`` maps stack into the output volume
``Z (1, n - f + 1, n - f + 1, n_C)``.

``conv_volume.size`` (:data:`SIZE`) holds the shapes and the layer's parameter count
``f f n_C_prev n_C + n_C`` (the weights, from ``W``'s size, plus one bias per kernel), and the
colour ranges the scene shades ``X``, ``W`` and ``Z`` with.

Example
-------
>>> from visualdl.demos.conv_volume import conv_volume_trace
>>> tr = conv_volume_trace()
>>> tr.last("conv2d.forward")["Z"].shape, tr.last("conv_volume.size").info["n_params"]
((1, 3, 3, 2), 56)
>>> first, out = tr.find("conv2d.window", c=0)[0], tr.last("conv2d.forward")
>>> first["channel_sums"].tolist(), float(first["sum"]), out["b"][0], out["Z"][0, 0, 0, 0]
([2.0, -1.0, 4.0], 5.0, np.float64(-2.0), np.float64(3.0))
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.conv import output_size
from visualdl.engine.conv_loops import conv2d_loop
from visualdl.schema import declare
from visualdl.trace import Trace, record

__all__ = ["SIZE", "conv_volume_trace"]

SIZE = declare(
    "conv_volume.size",
    info={
        "n": "input side n_H = n_W",
        "n_C_prev": "input channels",
        "f": "kernel side",
        "n_C": "kernels = output channels",
        "n_out": "output side n - f + 1, the engine's output_size",
        "n_params": "f f n_C_prev n_C + n_C: W's entries plus one bias per kernel",
        "x_scale": "the largest |X|: the input's colours reach full strength there",
        "w_scale": "the largest |W|",
        "z_scale": "the largest |Z|",
        "z_ends": "[-z_scale, z_scale]: the ends of the output's colour strip",
    },
)


def conv_volume_trace(n: int = 5, f: int = 3, n_C: int = 2, seed: int = 2) -> Trace:
    """The ``conv-volume`` scene's data (records in the module docstring).

    Parameters
    ----------
    n : side of the input volume ``(1, n, n, 3)``.
    f : side of the kernels ``(f, f, 3, n_C)``.
    n_C : number of kernels.
    seed : draws ``X``, ``W`` and ``b`` with ``numpy.random.default_rng(seed)``.
    """
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(1, n, n, 3)).astype(float)
    W = rng.integers(-1, 2, size=(f, f, 3, n_C)).astype(float)
    b = rng.integers(-2, 3, size=n_C).astype(float)
    with record(demo="conv-volume", n=n, f=f, n_C=n_C, seed=seed) as tr:
        Z = conv2d_loop(X, W, b)
        z_scale = float(np.abs(Z).max())
        SIZE.log(
            n=n,
            n_C_prev=X.shape[3],
            f=f,
            n_C=n_C,
            n_out=output_size(n, f, 0, 1),
            n_params=int(W.size + b.size),
            x_scale=float(np.abs(X).max()),
            w_scale=float(np.abs(W).max()),
            z_scale=z_scale,
            z_ends=[-z_scale, z_scale],
        )
    return tr
