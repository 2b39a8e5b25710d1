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
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from visualdl import registry
from visualdl.files import move_into, work_dir, writable_dir

__all__ = ["FORMATS", "QUALITIES", "destination", "render"]

QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality"}
FORMATS = ("mp4", "gif", "png")
GIF_FRAME_RATE = 10


def render(
    name: str,
    quality: str = "low",
    fmt: str = "mp4",
    out: Path = Path("out"),
    progress: bool = True,
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
    progress : one progress bar for the scene (its animations counted; Manim's own bar per
        animation is hidden) and a line with the time taken.
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
        }
        if fmt == "png":
            cfg.update(save_last_frame=True, write_to_movie=False)
        # a GIF is made from the mp4 (see _gif_from_mp4): Manim's own GIF is ~20x larger
        with tempconfig(cfg):
            scene = scene_cls()
            with _counted(scene, f"{name} ({quality}, {fmt})", progress):
                scene.render()
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if fmt == "png" else writer.movie_file_path)
        if fmt == "gif":
            produced = _gif_from_mp4(produced, produced.with_suffix(".gif"))
        move_into(produced, dest)
    if progress:
        from tqdm import tqdm

        tqdm.write(f"wrote {dest} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return dest


@contextmanager
def _counted(scene: Any, desc: str, show: bool) -> Iterator[None]:
    """While the block runs, a progress bar on stderr counts the scene's animations (every
    ``play``; a ``wait`` is one too): one bar per scene instead of Manim's one per animation."""
    if not show:
        yield
        return
    from tqdm import tqdm

    play = scene.play
    with tqdm(desc=desc, unit=" animations", file=sys.stderr, leave=False) as bar:

        def counted(*animations: Any, **kwargs: Any) -> Any:
            done = play(*animations, **kwargs)
            bar.update()
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


def _gif_from_mp4(mp4: Path, gif: Path, fps: float = GIF_FRAME_RATE) -> Path:
    """Write the video as a GIF at about ``fps`` frames per second, with one palette for all
    frames (taken from frames spread over the video), so unchanged pixels stay unchanged and
    Pillow stores only each frame's changed region."""
    import av
    from PIL import Image

    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate)
        step = max(1, round(rate / fps))
        frames = [f.to_image() for i, f in enumerate(container.decode(stream)) if i % step == 0]
    samples = frames[:: max(1, len(frames) // 8)]
    w, h = frames[0].size
    sheet = Image.new("RGB", (w, h * len(samples)))
    for k, im in enumerate(samples):
        sheet.paste(im, (0, h * k))
    palette = sheet.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    indexed = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in frames]
    indexed[0].save(
        gif, save_all=True, append_images=indexed[1:], duration=round(1000 * step / rate), loop=0
    )
    return gif
