"""LeNet-5, AlexNet and VGG-16 shape chains and the Inception bottleneck cost, from the engine.

Every number comes from :mod:`visualdl.engine.architectures`: ``shape_chain`` (each layer's
output shape, parameters with biases, multiplications), ``count_params`` and
``inception_cost``; the shapes of the Inception example come from ``conv_layer_summary``.

:func:`architectures` records, per network (``lenet5``, ``alexnet``, ``vgg16``):

- ``architectures.network`` (:data:`NETWORK`): the title, input, total parameters and
  multiplications;
- ``architectures.block`` (:data:`BLOCK`, one per drawn box, in order): consecutive conv layers
  with the same output shape and kernel are one block (VGG's ``[conv3 64] x 2``); ``kind`` is
  ``input``, ``conv``, ``pool`` or ``fc``, ``params`` and ``multiplications`` are summed over the
  block; pools also carry ``notes_size``, the notes' wrong ``(n + f - 1) / s`` (A34), to set
  beside the right one.

:func:`inception` records ``architectures.inception`` (:data:`INCEPTION`: the example and the
engine's ``direct, reduce, conv, bottleneck_cost, ratio``) and ``architectures.stage``
(:data:`STAGE`, ``path`` ``"direct" | "bottleneck"``), input first.

Example
-------
>>> from visualdl.demos.architectures import architectures, inception
>>> [r.info["params"] for r in architectures().find("architectures.network")]
[61706, 62378344, 138357544]
>>> round(inception().last("architectures.inception").info["ratio"], 2)
9.68
"""

from __future__ import annotations

from typing import Any

from visualdl.engine.architectures import (
    ARCHITECTURES,
    conv_layer_summary,
    count_params,
    inception_cost,
    pool_output_size_notes,
    shape_chain,
)
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = ["BLOCK", "INCEPTION", "NETWORK", "STAGE", "TITLES", "architectures", "inception"]

TITLES = {"lenet5": "LeNet-5", "alexnet": "AlexNet", "vgg16": "VGG-16"}

NETWORK = declare(
    "architectures.network",
    info={
        "net": "ARCHITECTURES key",
        "title": "display name",
        "input": "input shape",
        "params": "total parameters, biases included",
        "multiplications": "total multiplications",
    },
)
BLOCK = declare(
    "architectures.block",
    info={
        "net": "ARCHITECTURES key",
        "names": "the layers in the block",
        "kind": "input, conv, pool or fc",
        "repeat": "layers in the block",
        "shape": "output shape",
        "params": "parameters, summed over the block",
        "multiplications": "multiplications, summed over the block",
        "f": "kernel side (conv, pool)",
        "s": "stride (conv, pool)",
        "p": "padding (conv)",
        "n": "filters (conv) or units (fc)",
        "pool": "max or avg (pool)",
        "notes_size": "the notes' (n + f - 1) / s (pool)",
    },
    optional=("f", "s", "p", "n", "pool", "notes_size"),
)
INCEPTION = declare(
    "architectures.inception",
    info={
        "n": "input side",
        "n_C_prev": "input channels",
        "f": "kernel side",
        "n_C": "output channels",
        "bottleneck": "channels of the 1x1 conv",
        "direct": "multiplications without the bottleneck",
        "reduce": "multiplications of the 1x1 conv",
        "conv": "multiplications of the conv after it",
        "bottleneck_cost": "reduce + conv",
        "ratio": "direct / bottleneck_cost",
    },
)
STAGE = declare(
    "architectures.stage",
    info={
        "path": "direct or bottleneck",
        "label": "what the stage is",
        "shape": "its output shape",
        "multiplications": "its multiplications",
    },
)


def _blocks(spec: list[dict[str, Any]], input_shape: tuple[int, ...]) -> list[dict[str, Any]]:
    rows = shape_chain(spec, input_shape)
    blocks: list[dict[str, Any]] = []
    first = rows[0]
    blocks.append(
        {"names": [first.name], "kind": "input", "repeat": 1, "shape": list(first.shape)}
        | {"params": 0, "multiplications": 0}
    )
    prev_shape = first.shape
    for layer, row in zip(spec, rows[1:], strict=True):
        info: dict[str, Any] = {
            "names": [row.name],
            "kind": row.kind,
            "repeat": 1,
            "shape": list(row.shape),
            "params": row.params,
            "multiplications": row.multiplications,
        }
        if row.kind == "conv":
            info |= {k: layer.get(k, d) for k, d in (("f", 1), ("s", 1), ("p", 0), ("n", 1))}
        elif row.kind == "pool":
            f, s = layer["f"], layer.get("s", layer["f"])
            info |= {"f": f, "s": s, "pool": layer.get("pool", "max")}
            info["notes_size"] = pool_output_size_notes(prev_shape[0], f, s)
        else:
            info["n"] = layer["n"]
        last = blocks[-1]
        same = ("f", "s", "p", "n", "shape")
        if row.kind == "conv" and last["kind"] == "conv" and all(last[k] == info[k] for k in same):
            last["repeat"] += 1
            last["names"].append(row.name)
            last["params"] += row.params
            last["multiplications"] += row.multiplications
        else:
            blocks.append(info)
        prev_shape = row.shape
    return blocks


def architectures(names: tuple[str, ...] = ("lenet5", "alexnet", "vgg16")) -> Trace:
    """The shape chains of ``names`` (keys of ``ARCHITECTURES``), see the module docstring."""
    unknown = [n for n in names if n not in ARCHITECTURES]
    if unknown:
        raise ValueError(f"architectures: unknown {unknown}; known: {sorted(ARCHITECTURES)}")
    tr = Trace({"demo": "architectures", "nets": list(names)})
    for net in names:
        spec, input_shape = ARCHITECTURES[net]
        rows = shape_chain(spec, input_shape)
        NETWORK.add(
            tr,
            net=net,
            title=TITLES.get(net, net),
            input=list(input_shape),
            params=count_params(spec, input_shape),
            multiplications=sum(r.multiplications for r in rows),
        )
        for block in _blocks(spec, input_shape):
            BLOCK.add(tr, net=net, **block)
    return tr


def inception(
    n: int = 28, n_C_prev: int = 192, f: int = 5, n_C: int = 32, bottleneck: int = 16
) -> Trace:
    """The notes' Inception example (A38): a ``5 x 5`` "same" conv from ``28 x 28 x 192`` to 32
    channels, directly or after a ``1 x 1`` conv down to 16 channels (see the module)."""
    cost = inception_cost(n, n_C_prev, f, n_C, bottleneck)
    tr = Trace({"demo": "inception-cost"})
    INCEPTION.add(
        tr,
        n=n,
        n_C_prev=n_C_prev,
        f=f,
        n_C=n_C,
        bottleneck=bottleneck,
        direct=cost["direct"],
        reduce=cost["reduce"],
        conv=cost["conv"],
        bottleneck_cost=cost["bottleneck"],
        ratio=cost["ratio"],
    )
    big = conv_layer_summary(n, f, "same", 1, n_C_prev, n_C)
    small = conv_layer_summary(n, 1, "valid", 1, n_C_prev, bottleneck)
    after = conv_layer_summary(n, f, "same", 1, bottleneck, n_C)
    stages = [
        ("direct", "input", [n, n, n_C_prev], 0),
        ("direct", f"{f}×{f} conv, same, {n_C} filters", big["shape"], big["multiplications"]),
        ("bottleneck", "input", [n, n, n_C_prev], 0),
        ("bottleneck", f"1×1 conv, {bottleneck} filters", small["shape"], small["multiplications"]),
        (
            "bottleneck",
            f"{f}×{f} conv, same, {n_C} filters",
            after["shape"],
            after["multiplications"],
        ),
    ]
    for path, label, shape, m in stages:
        STAGE.add(tr, path=path, label=label, shape=list(shape), multiplications=m)
    return tr
