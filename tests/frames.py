"""Last frames of rendered videos, for the stored-frame comparisons (``tests/goldens``).

A frame is the video's last picture, scaled to :data:`SIZE` with a box filter (which also
evens out the codec's pixel noise), as an ``(h, w, 3)`` uint8 array. Regenerate the stored
frames only on purpose, never to make a failing test pass::

    .venv/bin/python tests/frames.py            # renders GOLDEN scenes, rewrites tests/goldens
"""

from __future__ import annotations

import sys
import tempfile
from collections import deque
from pathlib import Path

import numpy as np

GOLDENS = Path(__file__).resolve().parent / "goldens"
#: The scenes whose last frames are stored: one per chapter's main picture.
GOLDEN = ("mlp-forward-backward", "conv-sliding", "pooling")
SIZE = (320, 180)
#: A frame matches when at most this many pixels differ by more than ``LEVEL`` in a channel
#: (a changed digit changes dozens; the same render twice changes none).
PIXELS, LEVEL = 8, 24


def last_frame(video: Path) -> np.ndarray:
    """The last frame of ``video`` (an mp4), ``SIZE``, RGB uint8."""
    return _frame(video, last=True)


def first_frame(video: Path) -> np.ndarray:
    """Frame 0 of ``video`` (what players show as its thumbnail), ``SIZE``, RGB uint8."""
    return _frame(video, last=False)


def _frame(video: Path, last: bool) -> np.ndarray:
    import av
    from PIL import Image

    with av.open(str(video)) as container:
        frames = container.decode(video=0)
        frame = deque(frames, maxlen=1)[0] if last else next(frames)
    return np.asarray(frame.to_image().convert("RGB").resize(SIZE, Image.BOX))


def differing_pixels(a: np.ndarray, b: np.ndarray) -> int:
    """How many pixels of two frames differ by more than ``LEVEL`` in some channel."""
    return int((np.abs(a.astype(int) - b.astype(int)).max(axis=-1) > LEVEL).sum())


def golden(name: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(GOLDENS / f"{name}.png").convert("RGB"))


def regenerate() -> None:
    """Render the ``GOLDEN`` scenes at the demo's quality and store their last frames."""
    from PIL import Image

    from visualdl.render import render

    GOLDENS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in GOLDEN:
            video = render(name, "low", "mp4", Path(tmp), progress=False)
            Image.fromarray(last_frame(video)).save(GOLDENS / f"{name}.png")
            print(GOLDENS / f"{name}.png")


if __name__ == "__main__":
    sys.exit(regenerate())
