"""Classic CNNs as data (LeNet-5, AlexNet, VGG-16), their shape chains, parameter counts and
multiplication counts, and the Inception 1x1-bottleneck cost.

A spec is a list of layer dicts: ``{"kind": "conv", "f", "s", "p", "n"}`` (``n`` filters),
``{"kind": "pool", "f", "s", "pool": "max" | "avg"}`` and ``{"kind": "fc", "n"}``; an optional
``"name"``. Sizes follow ``n_out = floor((n + 2p - f) / s) + 1``
(:func:`visualdl.engine.conv.output_size`); a conv layer has ``f f n_C_prev n_C`` weights plus
``n_C`` biases (the notes forget the biases) and costs ``n_H n_W n_C f f n_C_prev``
multiplications; a dense layer ``n n_prev + n`` parameters and ``n n_prev`` multiplications;
pooling has neither. The first dense layer reads the flattened volume.

Example
-------
>>> from visualdl.engine.architectures import LENET5, LENET5_INPUT, count_params, shape_chain
>>> [row.shape for row in shape_chain(LENET5, LENET5_INPUT)][:3]
[(32, 32, 1), (28, 28, 6), (14, 14, 6)]
>>> count_params(LENET5, LENET5_INPUT)
61706
"""

from __future__ import annotations

from typing import Any, NamedTuple

from visualdl.engine.checks import integer, named
from visualdl.engine.conv import _output_size, _resolve_padding

__all__ = [
    "ALEXNET",
    "ALEXNET_INPUT",
    "ARCHITECTURES",
    "LENET5",
    "LENET5_INPUT",
    "VGG16",
    "VGG16_INPUT",
    "Row",
    "conv_layer_summary",
    "conv_multiplications",
    "count_params",
    "inception_cost",
    "pool_output_size",
    "pool_output_size_notes",
    "same_padding",
    "shape_chain",
]

Spec = list[dict[str, Any]]


def _conv(n: int, f: int, s: int = 1, p: int = 0) -> dict[str, Any]:
    return {"kind": "conv", "f": f, "s": s, "p": p, "n": n}


def _pool(f: int, s: int, pool: str = "max") -> dict[str, Any]:
    return {"kind": "pool", "f": f, "s": s, "pool": pool}


def _fc(n: int) -> dict[str, Any]:
    return {"kind": "fc", "n": n}


#: LeNet-5 as the notes list it (A36): average pooling, 32x32x1 input.
LENET5: Spec = [
    _conv(6, 5),
    _pool(2, 2, "avg"),
    _conv(16, 5),
    _pool(2, 2, "avg"),
    _fc(120),
    _fc(84),
    _fc(10),
]
LENET5_INPUT = (32, 32, 1)

#: AlexNet, single tower, 227x227x3 input.
ALEXNET: Spec = [
    _conv(96, 11, 4),
    _pool(3, 2),
    _conv(256, 5, 1, 2),
    _pool(3, 2),
    _conv(384, 3, 1, 1),
    _conv(384, 3, 1, 1),
    _conv(256, 3, 1, 1),
    _pool(3, 2),
    _fc(4096),
    _fc(4096),
    _fc(1000),
]
ALEXNET_INPUT = (227, 227, 3)


def _vgg_block(n: int, convs: int) -> Spec:
    return [_conv(n, 3, 1, 1) for _ in range(convs)] + [_pool(2, 2)]


#: VGG-16 with a 3-channel 224x224 input (the notes write x1, a mistake).
VGG16: Spec = [
    *_vgg_block(64, 2),
    *_vgg_block(128, 2),
    *_vgg_block(256, 3),
    *_vgg_block(512, 3),
    *_vgg_block(512, 3),
    _fc(4096),
    _fc(4096),
    _fc(1000),
]
VGG16_INPUT = (224, 224, 3)

ARCHITECTURES: dict[str, tuple[Spec, tuple[int, int, int]]] = {
    "lenet5": (LENET5, LENET5_INPUT),
    "alexnet": (ALEXNET, ALEXNET_INPUT),
    "vgg16": (VGG16, VGG16_INPUT),
}


class Row(NamedTuple):
    """One line of a shape chain."""

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int
    multiplications: int


def conv_multiplications(n_H: int, n_W: int, n_C_prev: int, f: int, n_C: int) -> int:
    """``n_H n_W n_C f f n_C_prev``: one product per kernel entry per output value, for an
    output ``n_H x n_W x n_C`` made by ``f x f x n_C_prev`` kernels.

    >>> conv_multiplications(28, 28, 192, 5, 32)
    120422400
    """
    op = "conv_multiplications"
    sizes = {"n_H": n_H, "n_W": n_W, "n_C_prev": n_C_prev, "f": f, "n_C": n_C}
    n_H, n_W, n_C_prev, f, n_C = (integer(op, k, v) for k, v in sizes.items())
    return n_H * n_W * n_C * f * f * n_C_prev


def conv_layer_summary(
    n: int, f: int, p: int | str = 0, s: int = 1, n_C_prev: int = 1, n_C: int = 1
) -> dict[str, Any]:
    """Shape and cost of a conv layer on an ``n x n x n_C_prev`` input with ``n_C`` filters.

    Returns ``{"n_out": floor((n + 2p - f) / s) + 1, "shape": (n_out, n_out, n_C), "p",
    "weights": f f n_C_prev n_C, "biases": n_C, "params", "multiplications"}``; ``p`` may be
    ``"valid"`` or ``"same"`` (stride 1, odd f). Raises ``ValueError`` when the kernel does not
    fit in the padded input.

    >>> conv_layer_summary(6, 3, p=1, s=2, n_C_prev=3, n_C=2)["shape"]
    (3, 3, 2)
    >>> conv_layer_summary(32, 5, n_C_prev=1, n_C=6)["params"]
    156
    """
    op = "conv_layer_summary"
    n, f, s = integer(op, "n", n), integer(op, "f", f), integer(op, "s", s)
    n_C_prev, n_C = integer(op, "n_C_prev", n_C_prev), integer(op, "n_C", n_C)
    p = _resolve_padding(op, p, f, s, 1)
    n_out = _output_size(op, n, f, p, s, 1)
    weights = f * f * n_C_prev * n_C
    return {
        "n_out": n_out,
        "shape": (n_out, n_out, n_C),
        "p": p,
        "weights": weights,
        "biases": n_C,
        "params": weights + n_C,
        "multiplications": conv_multiplications(n_out, n_out, n_C_prev, f, n_C),
    }


def pool_output_size(n: int, f: int, s: int, p: int = 0) -> int:
    """The right pooling size, ``floor((n + 2p - f) / s) + 1`` (the conv formula).

    >>> pool_output_size(28, 2, 2)
    14
    """
    op = "pool_output_size"
    n, f, s = integer(op, "n", n), integer(op, "f", f), integer(op, "s", s)
    p = integer(op, "p", p, 0)
    return _output_size(op, n, f, p, s, 1)


def pool_output_size_notes(n: int, f: int, s: int) -> float:
    """The notes' WRONG pooling size ``(n + f - 1) / s`` (A34), kept for the "common
    mistakes" figure: it disagrees with the notes' own chains. The formula is the notes'; its
    inputs are checked like :func:`pool_output_size`'s.

    >>> pool_output_size_notes(28, 2, 2), pool_output_size_notes(55, 3, 2)
    (14.5, 28.5)
    """
    op = "pool_output_size_notes"
    n, f, s = integer(op, "n", n), integer(op, "f", f), integer(op, "s", s)
    return (n + f - 1) / s


def same_padding(n: int, f: int, s: int = 1) -> float:
    """Padding that makes ``(n + 2p - f) / s + 1 = n``: ``p = ((n - 1) s - n + f) / 2``; it is
    ``(f - 1) / 2`` at stride 1, and often fractional or large with a stride (the notes' A31).

    >>> same_padding(7, 3), same_padding(7, 3, 2), same_padding(32, 5, 2)
    (1.0, 4.0, 17.5)
    """
    op = "same_padding"
    n, f, s = integer(op, "n", n), integer(op, "f", f), integer(op, "s", s)
    return ((n - 1) * s - n + f) / 2


def shape_chain(spec: Spec, input_shape: tuple[int, ...]) -> list[Row]:
    """Every layer's output shape, parameters (with biases) and multiplications.

    Parameters
    ----------
    spec : a list of layer dicts (module docstring).
    input_shape : ``(n_H, n_W, n_C)``.

    Returns
    -------
    A list of :class:`Row` ``(name, kind, shape, params, multiplications)``, the input first
    (``("input", "input", input_shape, 0, 0)``); shapes are ``(n_H, n_W, n_C)`` for volumes and
    ``(n,)`` for dense layers. Layers are named ``conv1, pool1, fc1, ...`` unless they have a
    ``"name"``.

    >>> [r.shape for r in shape_chain(ALEXNET, ALEXNET_INPUT)][-4:]
    [(6, 6, 256), (4096,), (4096,), (1000,)]
    """
    op = "shape_chain"
    if not isinstance(input_shape, tuple | list) or len(input_shape) != 3:
        raise ValueError(f"{op}: input_shape must be (n_H, n_W, n_C), got {input_shape!r}")
    shape: tuple[int, ...] = tuple(integer(op, "input_shape", n) for n in input_shape)
    rows = [Row("input", "input", shape, 0, 0)]
    counts: dict[str, int] = {}
    for layer in spec:
        kind = layer.get("kind")
        counts[kind] = counts.get(kind, 0) + 1
        name = layer.get("name", f"{kind}{counts[kind]}")
        if kind not in _ROWS:
            raise ValueError(f"{op}: kind must be conv, pool or fc, got {kind!r}")
        if kind != "fc" and len(shape) != 3:
            raise ValueError(f"{op}: {name} needs a volume, got shape {shape}")
        shape, params, mults = _ROWS[kind](f"{op}: {name}", layer, shape)
        rows.append(Row(name, kind, shape, params, mults))
    return rows


def _field(op: str, layer: dict[str, Any], key: str, default: Any = None, low: int = 1) -> int:
    """``layer[key]`` (or ``default``) as an int ``>= low``."""
    if key not in layer and default is None:
        raise ValueError(f"{op}: needs {key!r}, got {layer!r}")
    return integer(op, key, layer.get(key, default), low)


def _conv_row(op: str, layer: dict[str, Any], shape: tuple[int, ...]) -> tuple[tuple, int, int]:
    """``(shape, params, multiplications)`` of a conv layer on the volume ``shape``."""
    n_H, n_W, n_C_prev = shape
    f, n_C = _field(op, layer, "f"), _field(op, layer, "n")
    s, p = _field(op, layer, "s", 1), _field(op, layer, "p", 0, 0)
    out = (_output_size(op, n_H, f, p, s, 1), _output_size(op, n_W, f, p, s, 1), n_C)
    return out, f * f * n_C_prev * n_C + n_C, conv_multiplications(*out[:2], n_C_prev, f, n_C)


def _pool_row(op: str, layer: dict[str, Any], shape: tuple[int, ...]) -> tuple[tuple, int, int]:
    """``(shape, 0, 0)`` of a pooling layer on the volume ``shape``: channels are kept."""
    f = _field(op, layer, "f")
    s = _field(op, layer, "s", f)
    if layer.get("pool", "max") not in ("max", "avg"):
        raise ValueError(f"{op}: pool must be 'max' or 'avg', got {layer['pool']!r}")
    out = (_output_size(op, shape[0], f, 0, s, 1), _output_size(op, shape[1], f, 0, s, 1))
    return (*out, shape[2]), 0, 0


def _fc_row(op: str, layer: dict[str, Any], shape: tuple[int, ...]) -> tuple[tuple, int, int]:
    """``((n,), params, multiplications)`` of a dense layer reading the flattened ``shape``."""
    n = _field(op, layer, "n")
    n_prev = 1
    for k in shape:
        n_prev *= k
    return (n,), n * n_prev + n, n * n_prev


_ROWS = {"conv": _conv_row, "pool": _pool_row, "fc": _fc_row}


@named("count_params")
def count_params(spec: Spec, input_shape: tuple[int, ...]) -> int:
    """Total parameters, weights and biases.

    >>> count_params(ALEXNET, ALEXNET_INPUT), count_params(VGG16, VGG16_INPUT)
    (62378344, 138357544)
    """
    return sum(row.params for row in shape_chain(spec, input_shape))


def inception_cost(
    n: int = 28, n_C_prev: int = 192, f: int = 5, n_C: int = 32, bottleneck: int = 16
) -> dict[str, float]:
    """Multiplications of an ``f x f`` "same" conv on ``n x n x n_C_prev`` to ``n_C`` channels,
    directly and through a ``1 x 1`` bottleneck of ``bottleneck`` channels (the notes' A38).

    Returns ``{"direct", "reduce" (the 1x1 conv), "conv" (the f x f conv on the bottleneck),
    "bottleneck" (their sum), "ratio" (direct / bottleneck)}``.

    >>> c = inception_cost()
    >>> c["direct"], c["reduce"], c["conv"], c["bottleneck"], round(c["ratio"], 2)
    (120422400, 2408448, 10035200, 12443648, 9.68)
    """
    op = "inception_cost"
    n, n_C_prev, f = integer(op, "n", n), integer(op, "n_C_prev", n_C_prev), integer(op, "f", f)
    n_C, bottleneck = integer(op, "n_C", n_C), integer(op, "bottleneck", bottleneck)
    direct = conv_multiplications(n, n, n_C_prev, f, n_C)
    reduce = conv_multiplications(n, n, n_C_prev, 1, bottleneck)
    conv = conv_multiplications(n, n, bottleneck, f, n_C)
    return {
        "direct": direct,
        "reduce": reduce,
        "conv": conv,
        "bottleneck": reduce + conv,
        "ratio": direct / (reduce + conv),
    }
