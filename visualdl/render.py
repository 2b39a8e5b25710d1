"""Render a registered scene to ``OUT/NAME.mp4|gif|png`` with Manim, from Python.

Manim is imported only inside :func:`render`, so importing this module stays light. The scene
renders into a temporary media folder inside ``out`` (:func:`visualdl.files.work_dir`, removed
however the render ends) and the finished file is moved into place atomically: ``out`` never
holds a half-written video. The output is checked before any work starts (:func:`destination`).

Example
-------
>>> from pathlib import Path
>>> from visualdl.render import render
>>> render("chain-rule", "low", "png", Path("out"), progress=False)  # doctest: +SKIP
PosixPath('out/chain-rule.png')

:func:`poster_from_mp4` and :func:`gif_from_mp4` turn a rendered video into what the gallery
page shows beside it: a poster frame and a GIF fallback (see :mod:`visualdl.videos`).
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from visualdl import registry
from visualdl.files import move_into, work_dir, writable_dir

__all__ = ["FORMATS", "QUALITIES", "destination", "gif_from_mp4", "poster_from_mp4", "render"]

QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality"}
FORMATS = ("mp4", "gif", "png")
GIF_FRAME_RATE = 10
#: x264 settings for every video: the "veryfast" preset encodes in about 60% of the default
#: ("medium") time, and on these flat-coloured frames its files are no larger.
VIDEO_ENCODER = {"crf": "23", "preset": "veryfast"}
#: The widest GIF :func:`gif_from_mp4` writes (a fallback beside the video; 720p GIFs are huge).
GIF_MAX_WIDTH = 640
#: Where :func:`poster_from_mp4` looks for a poster: between these fractions of the frames.
POSTER_SPAN = (0.3, 0.7)
#: A poster frame must equal the frame this many seconds before (nothing moving).
STILL_S = 0.5


def render(
    name: str,
    quality: str = "low",
    fmt: str = "mp4",
    out: Path = Path("out"),
    progress: bool | Callable[[], object] = True,
    then: Callable[[Any], object] | None = None,
) -> Path:
    """Render scene ``name`` and return the path ``out/<name>.<fmt>``.

    Parameters
    ----------
    name : a scene in :mod:`visualdl.registry` (``KeyError`` otherwise, naming the known ones).
    quality : ``low`` (480p15), ``medium`` (720p30) or ``high`` (1080p60); ``ValueError``
        otherwise.
    fmt : ``mp4`` or ``gif`` (the whole animation; the GIF at about 10 frames per second) or
        ``png`` (the last frame only, cheap); ``ValueError`` otherwise.
    out : the output folder (created when missing); an ``OSError`` before any work when it
        cannot be written (see :func:`destination`).
    progress : ``True``: one progress bar for the scene (its animations counted; Manim's own
        bar per animation is hidden) and a line with the time taken; ``False``: quiet; a
        callable: called after each animation, quietly otherwise (the demo's workers report
        to the bars of the main process this way).
    then : called with the rendered scene while its media folder is still there (an mp4's
        partial movie files, one per animation, are all kept): the slides cut their clips
        from them (:mod:`visualdl.slides`).
    """
    if quality not in QUALITIES:
        raise ValueError(f"render: quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    if fmt not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    entry = registry.get(name, "scene")
    dest = destination(name, fmt, out)
    scene_cls = getattr(importlib.import_module(entry.module), entry.scene_class)

    from manim import tempconfig

    start = time.perf_counter()
    with work_dir(dest.parent, f".{name}-") as tmp:  # same file system as dest
        cfg = {
            "quality": QUALITIES[quality],
            "media_dir": str(tmp),
            "disable_caching": True,
            "verbosity": "WARNING",
            "progress_bar": "none",
            "output_file": name,
            "video_encoder_options": VIDEO_ENCODER,
        }
        if fmt == "png":
            cfg.update(save_last_frame=True, write_to_movie=False)
        if then is not None:
            cfg["max_files_cached"] = -1  # Manim prunes partial movie files beyond 100
        # a GIF is made from the mp4 (see gif_from_mp4): Manim's own GIF is ~20x larger
        with tempconfig(cfg):
            scene = scene_cls()
            with _counted(scene, f"{name} ({quality}, {fmt})", progress):
                scene.render()
            if then is not None:
                then(scene)
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if fmt == "png" else writer.movie_file_path)
        if fmt == "gif":
            produced = gif_from_mp4(produced, produced.with_suffix(".gif"), max_width=None)
        move_into(produced, dest)
    if progress is True:
        from tqdm import tqdm

        tqdm.write(f"wrote {dest} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return dest


@contextmanager
def _counted(scene: Any, desc: str, show: bool | Callable[[], object]) -> Iterator[None]:
    """While the block runs, a progress bar on stderr counts the scene's animations (every
    ``play``; a ``wait`` is one too): one bar per scene instead of Manim's one per animation.
    With a callable ``show`` that callable is told of each animation instead of a bar."""
    if show is False:
        yield
        return
    if show is True:
        from tqdm import tqdm

        with tqdm(desc=desc, unit=" animations", file=sys.stderr, leave=False) as bar:
            with _counted(scene, desc, bar.update):
                yield
        return
    play = scene.play

    def counted(*animations: Any, **kwargs: Any) -> Any:
        done = play(*animations, **kwargs)
        show()
        return done

    scene.play = counted
    try:
        yield
    finally:
        del scene.play


def destination(name: str, fmt: str, out: str | os.PathLike) -> Path:
    """The path :func:`render` writes, ``out/<name>.<fmt>``, once checked: ``out`` is a folder
    this process can write (made when missing, :func:`visualdl.files.writable_dir`) and the
    path is not a folder. Raises ``OSError`` naming the path otherwise."""
    dest = writable_dir(out) / f"{name}.{fmt}"
    if dest.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder; remove it", str(dest))
    return dest


def _decoded(mp4: Path) -> Iterator[Any]:
    """The video frames of ``mp4`` (PyAV ``VideoFrame``), decoded one by one."""
    import av

    with av.open(str(mp4)) as container:
        yield from container.decode(container.streams.video[0])


def _video_info(mp4: Path) -> tuple[int, float]:
    """``(number of frames, frames per second)`` of ``mp4`` (the frames counted by decoding
    where the container does not say)."""
    import av

    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        count, rate = stream.frames, float(stream.average_rate)
    return count if count > 0 else sum(1 for _ in _decoded(mp4)), rate


def _drawn(pixels: Any) -> int:
    """How many pixels of an ``(h, w, 3)`` array differ clearly from its background (the
    median colour)."""
    import numpy as np

    flat = pixels.reshape(-1, 3)
    return int((np.abs(flat - np.median(flat, axis=0)).sum(axis=1) > 60).sum())


def poster_from_mp4(mp4: str | os.PathLike, png: str | os.PathLike) -> Path:
    """Write a poster frame of the video ``mp4`` to ``png`` (the video's size); returns it.

    The poster is a frame from the middle of the video (:data:`POSTER_SPAN`, fractions of its
    frames) that a learner recognises: among the frames held still (the same as the frame
    :data:`STILL_S` seconds before, so no fade or move is under way) the one with the most
    drawn pixels (differing from the background), ties to the one nearest the middle; a
    video that never holds still there gives its most drawn frame.
    """
    from collections import deque

    import numpy as np

    mp4 = Path(mp4)
    count, rate = _video_info(mp4)
    lo, hi = (int(f * count) for f in POSTER_SPAN)
    back = max(1, round(STILL_S * rate))
    recent: deque = deque(maxlen=back)
    best: dict[bool, tuple[tuple[int, int], Any]] = {}
    for i, frame in enumerate(_decoded(mp4)):
        if i > hi:
            break
        if i < lo - back:
            continue
        thumb = frame.reformat(width=160, height=90, format="rgb24").to_ndarray().astype(int)
        earlier = recent[0] if len(recent) == back else None
        recent.append(thumb)
        if i < lo:
            continue
        still = earlier is not None and (np.abs(thumb - earlier).max(-1) > 12).sum() <= 4
        score = (_drawn(thumb), -abs(i - count // 2))
        if still not in best or score > best[still][0]:
            best[still] = (score, frame.to_image())
    if not best:
        raise ValueError(f"poster: {mp4} holds no video frame")
    best.get(True, best.get(False))[1].save(png, optimize=True)
    return Path(png)


def gif_from_mp4(
    mp4: str | os.PathLike,
    gif: str | os.PathLike,
    fps: float = GIF_FRAME_RATE,
    max_width: int | None = GIF_MAX_WIDTH,
) -> Path:
    """Write the video ``mp4`` as a GIF at about ``fps`` frames per second and at most
    ``max_width`` pixels wide (scaled down keeping its shape; ``None``: the video's size);
    returns ``gif``.

    One palette serves all frames (taken from eight frames spread over the video), so
    unchanged pixels stay unchanged and Pillow stores only each frame's changed region; the
    video is decoded twice (palette, then frames) rather than held in memory.
    """
    from PIL import Image

    mp4 = Path(mp4)
    count, rate = _video_info(mp4)
    if count == 0:
        raise ValueError(f"gif: {mp4} holds no video frame")
    step = max(1, round(rate / fps))
    picks = set(range(0, count, max(1, count // 8)))

    def small(frame: Any) -> Any:
        image = frame.to_image()
        if max_width is not None and image.width > max_width:
            h = max(2, round(image.height * max_width / image.width))
            image = image.resize((max_width, h), Image.Resampling.LANCZOS)
        return image

    samples = [small(f) for i, f in enumerate(_decoded(mp4)) if i in picks]
    w, h = samples[0].size
    sheet = Image.new("RGB", (w, h * len(samples)))
    for k, im in enumerate(samples):
        sheet.paste(im, (0, h * k))
    palette = sheet.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = (
        small(f).quantize(palette=palette, dither=Image.Dither.NONE)
        for i, f in enumerate(_decoded(mp4))
        if i % step == 0
    )
    first = next(frames)
    first.save(gif, save_all=True, append_images=frames, duration=round(1000 * step / rate), loop=0)
    return Path(gif)
