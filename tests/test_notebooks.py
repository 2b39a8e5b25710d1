"""``visualdl.show`` and the chapter notebooks.

The fast tests check :func:`visualdl.notebook.bundle`, the mime dict ``show`` displays, without
a kernel (a scene's render stubbed). The slow ones execute every notebook in ``notebooks/``
from a fresh ``python3`` kernel with nbclient, the user's data and cache folders in tmp, and
check that no cell fails and that notebook 01 shows the exercise loop: the missing 1/m
diagnosed, then the fixed function passing.
"""

from __future__ import annotations

import base64
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import visualdl
from visualdl import notebook, videos
from visualdl.trace import Trace
from visualdl.viz.figures import new_figure

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
PNG = b"\x89PNG\r\n\x1a\n"


def test_import_visualdl_with_show_is_light():
    code = (
        "import sys, visualdl\nvisualdl.show\n"
        "heavy = [m for m in ('numpy', 'matplotlib', 'IPython', 'visualdl.notebook')"
        " if m in sys.modules]\nprint(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import visualdl loaded {out.stdout.strip()}"


def test_figure_is_a_png():
    fig = new_figure(2, 1)
    fig.add_subplot().plot([0, 1], [1, 0])
    data = notebook.bundle(fig)
    assert base64.b64decode(data["image/png"]).startswith(PNG)
    assert "Figure" in data["text/plain"]


def test_pyplot_figure_is_closed_so_it_shows_once():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    notebook.bundle(fig)
    assert not plt.fignum_exists(fig.number)


def _trace(n: int = 2) -> Trace:
    tr = Trace({"demo": "test"})
    for k in range(n):
        tr.add("dense1.forward", {"activation": "tanh", "l": 1}, Z=np.zeros((3, 4)), b=[0.0])
        tr.add("dense1.backward", dW=np.zeros((3, 2)), J=np.float64(k))
    return tr


def test_trace_is_a_table_of_its_records():
    data = notebook.bundle(_trace())
    page, text = data["text/html"], data["text/plain"]
    assert page.count("<tr>") == 1 + 4  # the header, then one row per record
    for part in ("dense1.forward", "dense1.backward", "Z (3, 4)", "b (1,)", "J ()", "tanh"):
        assert part in page and part in text, part
    assert "4 records" in text and "demo='test'" in text


def test_long_trace_says_what_it_left_out():
    data = notebook.bundle(_trace(notebook.MAX_RECORDS))
    assert data["text/html"].count("<tr>") == 1 + notebook.MAX_RECORDS
    assert (
        f"{notebook.MAX_RECORDS} more records: dense1.forward, dense1.backward"
        in (data["text/plain"])
    )


@pytest.mark.parametrize("bad", [42, None, np.zeros(3), "no-such-scene"])
def test_bad_argument_says_what_is_expected(bad):
    with pytest.raises(ValueError, match="expected a matplotlib Figure, a visualdl Trace"):
        notebook.bundle(bad)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: .*chain-rule"):
        visualdl.show("chain_rul")


def test_bad_quality_is_refused():
    with pytest.raises(ValueError, match="quality must be one of low, medium, high"):
        notebook.bundle("chain-rule", quality="best")


def test_figure_name_runs_its_gallery_make():
    data = notebook.bundle("lr_schedules")  # the module's name works too
    assert base64.b64decode(data["image/png"]).startswith(PNG)
    assert data["text/html"].count("<img ") >= 1 and "<figcaption>" in data["text/html"]
    assert data["text/plain"].startswith("lr-schedules: ")


def test_show_displays_the_bundle(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert visualdl.show(_trace()) is None
    (obj,) = shown
    assert "dense1.forward" in obj._repr_mimebundle_()["text/html"]


def test_scene_is_rendered_once_into_a_private_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made = []

    def fake_render(name, quality, stage, tick):  # what videos.render_scenes runs per scene
        made.append((name, quality))
        mp4, poster, gif, slides, handout = (stage / f for f in videos.video_files(name))
        mp4.write_bytes(b"not really an mp4")
        poster.write_bytes(PNG + b"poster")
        gif.write_bytes(b"GIF89a")
        slides.write_text("<!doctype html>")
        handout.write_bytes(b"%PDF-1.4")
        return videos._Done(name, 0.0)

    monkeypatch.setattr(videos, "_make_scene", fake_render)
    first = notebook.bundle("chain-rule")
    second = notebook.bundle("chain-rule")
    assert made == [("chain-rule", "low")]  # the second came from the cache
    assert first == second
    page = first["text/html"]
    assert page.startswith("<video controls")
    assert base64.b64encode(b"not really an mp4").decode() in page
    assert f'poster="data:image/png;base64,{first["image/png"]}"' in page
    cache = tmp_path / "cache" / "visualdl"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert (cache / "videos" / "low" / "chain-rule.mp4").is_file()
    notebook.bundle("chain-rule", quality="medium")
    assert made[-1] == ("chain-rule", "medium")


# -- the notebooks ------------------------------------------------------------------------------
def test_there_is_a_notebook_per_chapter():
    from visualdl.registry import CHAPTERS

    assert len(NOTEBOOKS) == len(CHAPTERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_from_a_fresh_kernel(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME"):  # the kernel inherits the environment
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute()  # a cell that raises fails here, with its traceback
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in outputs)
    if path.name.startswith("01-"):
        diagnosed = text.find("missing_1_over_m")
        assert diagnosed >= 0 and text.find("passed all", diagnosed) > diagnosed, text
        assert any("<video controls" in o.get("data", {}).get("text/html", "") for o in outputs)
