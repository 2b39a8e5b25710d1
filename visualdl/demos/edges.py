"""Hand-made edge detectors (the notes' four kernels) run by the engine's ``conv2d``.

The kernels are the notes' matrices (A29), applied as cross-correlation (no flip), stride 1,
no padding:

- ``vertical``: ``[[1, 0, -1], [1, 0, -1], [1, 0, -1]]`` (left/right changes);
- ``horizontal``: ``[[1, 1, 1], [0, 0, 0], [-1, -1, -1]]`` (top/bottom changes);
- ``sobel``: ``[[1, 0, -1], [2, 0, -2], [1, 0, -1]]`` (vertical, centre row weighted 2);
- ``scharr``: ``[[3, 0, -3], [10, 0, -10], [3, 0, -3]]`` (vertical, centre row weighted 10).

Two inputs: the notes' 6x6 example (bright 10s on the left half, dark 0s on the right), where
the vertical detector gives the band of 30s, and a real photograph, scikit-learn's
``china.jpg`` (ships inside scikit-learn, nothing is downloaded), turned to grayscale with the
ITU-R 601 luma weights ``0.299 R + 0.587 G + 0.114 B`` and shrunk by the engine's
``avg_pool2d`` (``f = s = 4``: 427x640 -> 106x160).

Records (arrays are host NumPy): ``edges.kernel`` (:data:`KERNEL`, one per kernel, in the
order above); ``edges.notes_image`` (:data:`NOTES_IMAGE`) and ``edges.notes_edges``
(:data:`NOTES_EDGES`, one per kernel); ``edges.photo_image`` (:data:`PHOTO_IMAGE`, gray values
in [0, 1]) and ``edges.photo_edges`` (:data:`PHOTO_EDGES`, one per kernel).

Example
-------
>>> from visualdl.demos.edges import edges
>>> tr = edges(photo=False)
>>> tr.find("edges.notes_edges")[0]["Z"][0].tolist()
[0.0, 30.0, 30.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from visualdl.engine.conv import avg_pool2d, conv2d
from visualdl.schema import declare
from visualdl.trace import Trace

__all__ = [
    "KERNEL",
    "KERNELS",
    "LABELS",
    "NOTES_EDGES",
    "NOTES_IMAGE",
    "PHOTO_EDGES",
    "PHOTO_IMAGE",
    "edges",
    "gray_photo",
    "notes_image",
]

#: The notes' four kernels (A29), as written there.
KERNELS: dict[str, np.ndarray] = {
    "vertical": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64),
    "horizontal": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=np.float64),
    "sobel": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64),
    "scharr": np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64),
}

LABELS = {
    "vertical": "vertical",
    "horizontal": "horizontal",
    "sobel": "Sobel (vertical)",
    "scharr": "Scharr (vertical)",
}

_LUMA = np.array([0.299, 0.587, 0.114])

#: The record of one kernel (the kernels themselves are :data:`KERNELS`).
KERNEL = declare(
    "edges.kernel",
    arrays={"K": "(3, 3)"},  # K: the kernel
    info={"name": "KERNELS key", "label": "display label"},
)
NOTES_IMAGE = declare(
    "edges.notes_image",
    arrays={"X": "(6, 6)"},  # X: the notes' example
)
NOTES_EDGES = declare(
    "edges.notes_edges",
    arrays={"Z": "(4, 4)"},  # Z: conv2d of the example
    info={"name": "KERNELS key"},
)
PHOTO_IMAGE = declare(
    "edges.photo_image",
    arrays={"X": "(n_H, n_W)"},  # X: gray values in [0, 1]
    info={"source": "where the photo comes from"},
)
PHOTO_EDGES = declare(
    "edges.photo_edges",
    arrays={"Z": "(n_H - 2, n_W - 2)"},  # Z: conv2d of the photo
    info={"name": "KERNELS key"},
)


def notes_image() -> np.ndarray:
    """The 6x6 example: columns 0-2 are 10 (bright), columns 3-5 are 0 (dark)."""
    X = np.zeros((6, 6))
    X[:, :3] = 10.0
    return X


def gray_photo(shrink: int = 4) -> np.ndarray:
    """scikit-learn's ``china.jpg`` in gray, ``(n_H, n_W)`` in [0, 1], block-averaged by
    ``shrink`` with the engine's ``avg_pool2d`` (``shrink = 1`` keeps 427x640)."""
    if shrink < 1:
        raise ValueError(f"gray_photo: shrink must be >= 1, got {shrink}")
    from sklearn.datasets import load_sample_image

    rgb = load_sample_image("china.jpg").astype(np.float64) / 255.0
    gray = rgb @ _LUMA
    if shrink == 1:
        return gray
    small, _ = avg_pool2d(gray[None, :, :, None], f=shrink, stride=shrink)
    return small[0, :, :, 0]


def _apply_all(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """``(n_H - 2, n_W - 2, k)``: one conv2d call, one output channel per kernel."""
    W = np.stack([KERNELS[n] for n in names], axis=-1)[:, :, None, :]  # (3, 3, 1, k)
    Z, _ = conv2d(X[None, :, :, None], W, np.zeros(len(names)))
    return Z[0]


def edges(names: tuple[str, ...] = tuple(KERNELS), photo: bool = True, shrink: int = 4) -> Trace:
    """Run every kernel in ``names`` on the 6x6 example and (with ``photo``) on the photo.

    Returns a :class:`~visualdl.trace.Trace` with the records of the module docstring and
    ``meta = {"demo", "kernels", "shrink"}``.
    """
    unknown = [n for n in names if n not in KERNELS]
    if unknown or not names:
        raise ValueError(f"edges: unknown kernel(s) {unknown}; known: {list(KERNELS)}")
    tr = Trace({"demo": "edge-detection", "kernels": list(names), "shrink": shrink})
    for n in names:
        KERNEL.add(tr, name=n, label=LABELS[n], K=KERNELS[n])
    X = notes_image()
    NOTES_IMAGE.add(tr, X=X)
    Z = _apply_all(X, names)
    for k, n in enumerate(names):
        NOTES_EDGES.add(tr, name=n, Z=Z[:, :, k])
    if photo:
        P = gray_photo(shrink)
        PHOTO_IMAGE.add(tr, source="sklearn.datasets.load_sample_image('china.jpg')", X=P)
        Z = _apply_all(P, names)
        for k, n in enumerate(names):
            PHOTO_EDGES.add(tr, name=n, Z=Z[:, :, k])
    return tr
