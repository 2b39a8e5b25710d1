"""The gallery site: one page grouped by chapter, figures at a legible size (wide ones linked
at full resolution), every scene as a video with a poster and a GIF fallback, or the
commands that render it; and, opened in headless Chromium, every image and video of the
demo's page loads and plays with no console error."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from browser import Browser, find_chromium
from PIL import Image

from visualdl import registry, site
from visualdl.videos import video_files
from visualdl.viz.style import PAGE_WIDTH


def png(path: Path, width: int, height: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), (200, 220, 240)).save(path)
    return path


def figure_item(entry: registry.Entry, folder: Path, width: int) -> site.Figure:
    png(folder / f"{entry.name}.png", width, width // 2)
    return site.Figure(entry, f"caption of {entry.name}", (f"{entry.name}.png",))


def section(page: str, name: str) -> str:
    """The ``<figure>`` of entry ``name`` in ``page``."""
    return page.split(f'id="{name}"', 1)[1].split("</figure>", 1)[0]


def assert_self_contained(page: str) -> None:
    """Nothing is loaded from elsewhere: no scheme, no protocol-relative URL, no script or
    style sheet or font file."""
    for pattern in (r"https?:", r"""(src|href|poster)=["']//""", r"<script", r"<link", r"@import"):
        assert not re.search(pattern, page), pattern
    assert "url(" not in page and "@font-face" not in page


def test_every_scene_has_a_caption() -> None:
    """A scene's caption lives in visualdl.site.SCENE_CAPTIONS (read without Manim)."""
    missing = [e.name for e in registry.scenes() if not site.SCENE_CAPTIONS.get(e.name, "").strip()]
    assert not missing, f"add a caption to visualdl.site.SCENE_CAPTIONS for {missing}"


def test_figures_are_shown_at_most_page_width_and_wide_ones_linked(tmp_path: Path) -> None:
    narrow, wide = registry.figures()[:2]
    pages = tmp_path / "gallery"
    items = [figure_item(narrow, pages, 600), figure_item(wide, pages, 2400)]
    page = site.page_html(items, pages, tmp_path / "videos")
    assert 'width="600" height="300"' in section(page, narrow.name)
    assert "full resolution" not in section(page, narrow.name)
    shown = section(page, wide.name)
    assert f'width="{PAGE_WIDTH}" height="{PAGE_WIDTH // 2}"' in shown
    assert f'<a href="{wide.name}.png">full resolution</a> (2400×1200 px)' in shown
    assert f"max-width:{PAGE_WIDTH}px" in page  # the page is no wider than the figures


def test_the_page_groups_entries_by_chapter_scenes_first(tmp_path: Path) -> None:
    pages = tmp_path / "gallery"
    items = [figure_item(e, pages, 300) for e in registry.figures()]
    page = site.page_html(items, pages, tmp_path / "videos")
    sections = page.split("<section ")[1:]
    chapters = [
        c for c in registry.CHAPTERS if any(e.chapter == c for e in registry.ENTRIES.values())
    ]
    assert len(sections) >= len(chapters)
    for chapter, text in zip(chapters, sections, strict=False):
        assert f"<h2>{chapter}</h2>" in text
        ids = re.findall(r'<figure id="([^"]+)"', text)
        entries = [registry.get(i) for i in ids]
        assert all(e.chapter == chapter for e in entries)
        kinds = [e.kind for e in entries]
        assert kinds == sorted(kinds, key=lambda k: k != "scene")  # scenes, then figures


def test_a_gallery_without_videos_says_how_to_render_each(tmp_path: Path) -> None:
    pages, videos = tmp_path / "gallery", tmp_path / "videos"
    page = site.page_html([], pages, videos)
    md = site.page_md([], pages, videos)
    assert "<video" not in page
    for entry in registry.scenes():
        shown = section(page, entry.name)
        assert "Not rendered yet" in shown
        assert f"<code>visualdl demo --out {tmp_path}</code>" in shown
        assert f"<code>visualdl render {entry.name} --out {videos}</code>" in shown
        assert f"`visualdl render {entry.name} --out {videos}`" in md
    assert_self_contained(page)


def test_a_page_elsewhere_names_render_and_gallery_not_demo(tmp_path: Path) -> None:
    pages = tmp_path / "figures"  # not OUT/gallery: visualdl demo would not write this page
    page = site.page_html([], pages, pages.parent / "videos")
    assert "visualdl demo" not in page
    assert f"<code>visualdl gallery --out {pages}</code>" in page


def test_a_video_found_is_embedded_with_its_poster_and_gif(tmp_path: Path) -> None:
    pages, videos = tmp_path / "gallery", tmp_path / "videos"
    entry = registry.scenes()[0]
    mp4, poster, gif, slides, handout = video_files(entry.name)
    (videos / mp4).parent.mkdir(parents=True)
    (videos / mp4).write_bytes(b"not really a video")
    png(videos / poster, 1280, 720)
    (videos / gif).write_bytes(b"GIF89a" + bytes(2_000_000))
    (videos / slides).write_text("<!doctype html>")
    (videos / handout).write_bytes(b"%PDF-1.4")
    page = site.page_html([], pages, videos)
    shown = section(page, entry.name)
    video = shown.split("<video", 1)[1].split("</video>", 1)[0]
    assert f'controls preload="metadata" poster="../videos/{poster}"' in video
    assert f'width="{PAGE_WIDTH}" height="{round(720 * PAGE_WIDTH / 1280)}"' in video
    assert f'<source src="../videos/{mp4}" type="video/mp4">' in video
    assert f'<img src="../videos/{gif}"' in video  # the fallback, inside the video element
    assert f'<a href="../videos/{gif}">GIF</a> (2.0 MB)' in shown
    assert f'<a href="../videos/{slides}">slides</a>' in shown
    assert f'<a href="../videos/{handout}">handout</a>' in shown
    assert site.SCENE_CAPTIONS[entry.name].split(":")[0] in shown
    md = site.page_md([], pages, videos)
    assert f"[![{entry.title}](../videos/{poster})](../videos/{mp4})" in md
    assert f"([slides](../videos/{slides})) ([handout](../videos/{handout}))" in md
    for other in registry.scenes()[1:]:
        assert "Not rendered yet" in section(page, other.name)


# -- the demo's page --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser; missing, the test fails (it is installed by scripts/test.sh), except that
    it is skipped where there is no apt to install it with and ``CI`` is not set."""
    exe = find_chromium()
    if exe:
        return exe
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (CI is set): apt-get install chromium")
    if shutil.which("apt-get") is None:
        pytest.skip("no chromium, and no apt-get to install it: install Chromium to run this")
    pytest.fail("chromium is not installed: bash scripts/test.sh installs it (apt-get)")


@pytest.mark.slow
def test_the_demo_page_shows_every_figure_and_every_video(demo_run) -> None:
    pages = demo_run.out / "gallery"
    page, md = (pages / "index.html").read_text(), (pages / "index.md").read_text()
    assert_self_contained(page)
    for entry in registry.figures():
        assert f'<figure id="{entry.name}">' in page and f"(`{entry.name}`)" in md
    for entry in registry.scenes():
        mp4, poster, gif, slides, handout = video_files(entry.name)
        shown = section(page, entry.name)
        assert f'src="../videos/{mp4}"' in shown and f'poster="../videos/{poster}"' in shown
        assert f'src="../videos/{gif}"' in shown and "Not rendered yet" not in page
        assert f'href="../videos/{slides}"' in shown and f'href="../videos/{handout}"' in shown
        assert f"](../videos/{mp4})" in md
    assert page.count("<video ") == len(registry.scenes())


@pytest.mark.slow
def test_every_image_and_video_loads_and_plays_in_chromium(demo_run, chromium: str) -> None:
    pages = demo_run.out / "gallery"
    with Browser(chromium) as browser:
        report = browser.check(pages / "index.html")
    assert report["h264"] == "probably", "this Chromium cannot play H.264 mp4"
    shown = sorted(i["src"] for i in report["images"])
    assert shown == sorted(p.name for p in pages.glob("*.png"))
    assert all(i["width"] > 0 for i in report["images"]), report["images"]
    assert len(report["fallbacks"]) == len(report["videos"]) == len(registry.scenes())
    assert all(f["width"] > 0 for f in report["fallbacks"]), report["fallbacks"]
    for video in report["videos"]:
        assert video["error"] is None and video["readyState"] >= 1, video  # HAVE_METADATA
        assert video["duration"] > 0 and video["played"] is True, video
        assert video["advanced"] > 0, video  # currentTime moved: it plays
        assert video["posterWidth"] > 0, video
    assert report["errors"] == []
