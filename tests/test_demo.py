"""``visualdl demo`` run once (the session's ``demo_run``), inspected many times: its gallery
and videos, the schema of every record it wrote, what its pictures read, and stored frames."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")

import frames  # noqa: E402

from visualdl import registry, render, schema, videos  # noqa: E402

pytestmark = pytest.mark.slow


def test_demo_writes_gallery_and_videos_at_the_lowest_quality(demo_run):
    assert demo_run.exit_code == 0, demo_run.stdout
    index = demo_run.out / "gallery" / "index.html"
    html = index.read_text()
    for entry in registry.figures():
        pngs = list((demo_run.out / "gallery").glob(f"{entry.name}*.png"))
        assert pngs and all(p.stat().st_size > 10_000 for p in pngs), entry.name
        assert pngs[0].name in html
    for name in registry.DEFAULT_SCENES:
        video = demo_run.out / "videos" / f"{name}.mp4"
        assert video.is_file() and video.stat().st_size > 10_000
        assert videos.up_to_date(demo_run.out / "videos", name, "low")  # its key file
    keys = {f".{name}.key" for name in registry.DEFAULT_SCENES}
    leftovers = [
        p
        for p in demo_run.out.rglob("*")
        if (p.name.startswith(".") and p.name not in keys) or "tmp" in p.name
    ]
    assert not leftovers


@pytest.mark.parametrize("name", registry.DEFAULT_SCENES)
def test_poster_is_a_drawn_frame_of_the_video_and_the_gif_is_small(demo_run, name):
    import av
    from PIL import Image

    mp4, poster, gif, *_ = (demo_run.out / "videos" / f for f in videos.video_files(name))
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        video_size = (stream.width, stream.height)
    with Image.open(poster) as im:
        size, frame = im.size, np.asarray(im.convert("RGB"))
    assert size == video_size
    assert _drawn(frame) > 0.01, f"{name}: the poster is (nearly) blank"
    with Image.open(gif) as im:
        assert im.width <= 640 and im.n_frames > 10 and im.info["loop"] == 0


def test_every_record_written_matches_its_declaration(demo_run):
    records = [r for tr in demo_run.traces for r in tr.records]
    assert len(records) > 1000  # the demos ran and recorded
    problems = [p for tr in demo_run.traces for p in schema.validate(tr)]
    assert not problems, "\n".join(problems[:20])


def test_pictures_read_only_records_their_demo_wrote(demo_run):
    read = [tr for tr in demo_run.traces if tr.reads]
    assert len(read) >= len(registry.ENTRIES)  # every scene and figure read a trace
    for tr in read:
        missing = sorted(tr.reads - set(tr.names()))
        assert not missing, f"{tr.meta}: read {missing}, never written"
        undeclared = sorted(n for n in tr.reads if schema.kind_of(n) is None)
        assert not undeclared, f"{tr.meta}: read undeclared {undeclared}"


def _drawn(frame: np.ndarray) -> float:
    """The fraction of pixels that differ clearly from the frame's background (its median),
    by the count the poster is chosen with."""
    return render._drawn(frame.astype(int)) / (frame.shape[0] * frame.shape[1])


@pytest.mark.parametrize("name", registry.DEFAULT_SCENES)
def test_last_frame_is_drawn(demo_run, name):
    drawn = _drawn(frames.last_frame(demo_run.out / "videos" / f"{name}.mp4"))
    assert drawn > 0.01, f"{name}: last frame is (nearly) blank ({drawn:.4f} drawn)"


@pytest.mark.parametrize("name", registry.DEFAULT_SCENES)
def test_first_frame_is_the_title_card(demo_run, name):
    """Players show frame 0 as the thumbnail: it holds the title, not a black frame."""
    first = frames.first_frame(demo_run.out / "videos" / f"{name}.mp4")
    title = first[: first.shape[0] // 8]  # the title card sits at the top left
    assert _drawn(title) > 0.01, f"{name}: frame 0 has no title ({_drawn(title):.4f} drawn)"


@pytest.mark.parametrize("name", frames.GOLDEN)
def test_last_frame_matches_the_stored_one(demo_run, name):
    """Regenerate on purpose only: ``.venv/bin/python tests/frames.py``."""
    got = frames.last_frame(demo_run.out / "videos" / f"{name}.mp4")
    want = frames.golden(name)
    assert got.shape == want.shape
    n = frames.differing_pixels(got, want)
    assert n <= frames.PIXELS, f"{name}: {n} pixels differ from tests/goldens/{name}.png"


def test_a_changed_frame_is_caught(demo_run):
    got = frames.last_frame(demo_run.out / "videos" / f"{frames.GOLDEN[0]}.mp4").copy()
    got[80:88, 150:156] = 255 - got[80:88, 150:156]  # one digit's worth of pixels
    assert frames.differing_pixels(got, frames.golden(frames.GOLDEN[0])) > frames.PIXELS
