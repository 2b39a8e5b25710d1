"""Scenes and their building blocks: last frames render without LaTeX, ``render()`` writes a
video, demo traces are deterministic and the numbers on screen are the trace's numbers."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")

from conftest import assert_same_trace

from visualdl import registry  # noqa: E402
from visualdl.demos.chain_rule import chain_rule_trace  # noqa: E402
from visualdl.demos.mlp import mlp_xor_trace  # noqa: E402
from visualdl.render import render  # noqa: E402

SCENES = [e.name for e in registry.scenes()]


@pytest.fixture
def no_latex(monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH without any directory that holds ``latex``: scenes must not need it."""
    keep = [
        p
        for p in os.environ.get("PATH", "").split(os.pathsep)
        if p and not (Path(p) / "latex").exists()
    ]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    assert shutil.which("latex") is None


def _scene_class(name: str):
    entry = registry.get(name, "scene")
    return getattr(importlib.import_module(entry.module), entry.scene_class)


@pytest.mark.parametrize("name", SCENES)
def test_scene_last_frame_renders_without_latex(name: str, tmp_path: Path, no_latex) -> None:
    from manim import tempconfig

    cfg = {
        "media_dir": str(tmp_path),
        "disable_caching": True,
        "verbosity": "WARNING",
        "progress_bar": "none",
        "pixel_height": 180,
        "pixel_width": 320,
        "frame_rate": 5,
        "save_last_frame": True,
        "write_to_movie": False,
        "output_file": name,
    }
    with tempconfig(cfg):
        scene = _scene_class(name)()
        scene.render()
        frame = scene.renderer.get_frame()
    assert frame.shape[:2] == (180, 320)
    rgb = frame[..., :3].astype(int)
    background = np.median(rgb.reshape(-1, 3), axis=0)
    drawn = (np.abs(rgb - background).sum(axis=-1) > 60).mean()
    assert drawn > 0.01, f"{name}: last frame is (nearly) blank ({drawn:.4f} drawn)"


@pytest.mark.slow
def test_render_writes_mp4_atomically(tmp_path: Path, no_latex) -> None:
    import av

    out = render("chain-rule", "low", "mp4", tmp_path / "out", progress=False)
    assert out == tmp_path / "out" / "chain-rule.mp4"
    assert [p.name for p in out.parent.iterdir()] == ["chain-rule.mp4"]  # no temp left over
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        n = sum(1 for _ in c.decode(stream))
    assert 15 * 15 <= n <= 40 * 15  # 15 to 40 seconds at 15 fps


def test_render_png_last_frame(tmp_path: Path, no_latex) -> None:
    out = render("chain-rule", "low", "png", tmp_path, progress=False)
    assert out == tmp_path / "chain-rule.png" and out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["chain-rule.png"]


def test_render_gif_is_small_and_animated(tmp_path: Path, no_latex) -> None:
    from PIL import Image

    out = render("conv-transpose", "low", "gif", tmp_path, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["conv-transpose.gif"]
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.size == (854, 480)
        assert gif.n_frames > 100  # about 10 frames per second of a ~20 s scene
    assert out.stat().st_size < 10_000_000  # one palette and delta frames keep it small


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"quality": "ultra"}, ValueError),
        ({"fmt": "avi"}, ValueError),
        ({"name": "no-such-scene"}, KeyError),
        ({"name": "activations"}, KeyError),  # a figure, not a scene
    ],
)
def test_render_rejects_bad_arguments(kwargs: dict, error: type, tmp_path: Path) -> None:
    args = {"name": "chain-rule", "quality": "low", "fmt": "mp4", "out": tmp_path}
    with pytest.raises(error):
        render(**{**args, **kwargs})
    assert not any(tmp_path.iterdir())


def test_import_render_does_not_import_manim() -> None:
    code = "import sys, visualdl.render; assert 'manim' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- demos ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [mlp_xor_trace, chain_rule_trace])
def test_demo_trace_is_deterministic(make) -> None:
    assert_same_trace(make(), make())


def test_mlp_trace_has_every_step() -> None:
    tr = mlp_xor_trace()
    assert tr.meta["layer_dims"] == [2, 3, 1]
    assert tr.last("dense1.forward")["Z"].shape == (3, 4)
    assert tr.last("dense2.backward")["dA_prev"].shape == (3, 4)
    up = tr.last("update")
    np.testing.assert_allclose(
        up["W1_new"], up["W1"] - up.info["learning_rate"] * tr.last("dense1.backward")["dW"]
    )
    d1 = tr.last("dense1.backward")
    np.testing.assert_allclose(d1["dZ"], d1["dA"] * tr.last("dense1.derivative")["gprime"])


def test_chain_rule_symbolic_equals_engine() -> None:
    tr = chain_rule_trace()
    sym = tr.last("symbolic").info
    bwd, local = tr.last("dense1.backward"), tr.last("local")
    np.testing.assert_allclose(sym["values"]["dL_dw"], bwd["dW"][0], rtol=1e-12)
    np.testing.assert_allclose(local["dL_dw"], bwd["dW"][0], rtol=1e-12)
    assert sym["values"]["a"] == pytest.approx(float(tr.last("dense1.forward")["A"][0, 0]))
    assert sym["max_abs_diff"] < 1e-12
    assert "latex" in sym and sym["latex"]["dL_dz"] == "a - y"


# -- what is on screen ------------------------------------------------------------------------
def test_formatting() -> None:
    from visualdl.anim.numbers import fmt, format_array

    assert fmt(-0.7349) == "−0.73" and fmt(0.005, 2) == "0.01" and fmt(-0.001) == "0.00"
    assert format_array(np.array([[0.0, 1.0]])) == [["0", "1"]]
    assert format_array(np.array([[0.01, -0.02]])) == [["0.010", "−0.020"]]  # small: 3 places


def test_mlp_scene_shows_the_trace_numbers(tmp_path: Path) -> None:
    from manim import tempconfig

    from visualdl.anim.numbers import format_array
    from visualdl.scenes.mlp_forward_backward import steps

    tr = mlp_xor_trace()
    with tempconfig({"media_dir": str(tmp_path)}):  # Text caches its glyphs under media_dir
        s = steps(tr)
    pairs = {
        "Z1": tr.last("dense1.forward")["Z"],
        "A1": tr.last("dense1.forward")["A"],
        "Z2": tr.last("dense2.forward")["Z"],
        "A2": tr.last("dense2.forward")["A"],
        "dZ2": tr.last("dense2.backward")["dZ"],
        "dW2": tr.last("dense2.backward")["dW"],
        "db2": tr.last("dense2.backward")["db"],
        "dA1": tr.last("dense2.backward")["dA_prev"],
        "dZ1": tr.last("dense1.backward")["dZ"],
        "dW1": tr.last("dense1.backward")["dW"],
        "db1": tr.last("dense1.backward")["db"],
    }
    shown = {k: st.result.grid.texts for phase in ("forward", "backward") for k, st in s[phase]}
    assert shown.keys() == pairs.keys()
    for k, arr in pairs.items():
        assert shown[k] == format_array(arr), k
        assert np.allclose(
            np.array([[float(t.replace("−", "-")) for t in r] for r in shown[k]]), arr, atol=0.006
        ), k
