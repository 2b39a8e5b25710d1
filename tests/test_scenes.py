"""Scenes and their building blocks: ``render()`` writes video, a last frame and a GIF, the
demo traces are deterministic and the numbers on screen are the trace's numbers."""

from __future__ import annotations

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


@pytest.mark.slow
def test_demo_videos_are_480p15(demo_run) -> None:
    import av

    with av.open(str(demo_run.out / "videos" / "chain-rule.mp4")) as c:
        stream = c.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        n = sum(1 for _ in c.decode(stream))
    assert 15 * 15 <= n <= 70 * 15  # 15 to 70 seconds at 15 fps (the pace rule's holds)


@pytest.mark.slow
def test_render_png_last_frame(tmp_path: Path, no_latex) -> None:
    out = render("chain-rule", "low", "png", tmp_path, progress=False)
    assert out == tmp_path / "chain-rule.png" and out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["chain-rule.png"]


@pytest.mark.slow
def test_render_shows_one_bar_for_the_scene_not_one_per_animation(tmp_path, no_latex, capsys):
    render("chain-rule", "low", "png", tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "Animation 0" not in err  # Manim's own bar, one per animation, is hidden
    updates = [u for u in err.replace("\r", "\n").splitlines() if "animations" in u]
    assert updates and all(u.startswith("chain-rule (low, png):") for u in updates)
    last = err.replace("\r", "\n").rstrip().splitlines()[-1]
    assert last.startswith(f"wrote {tmp_path / 'chain-rule.png'} in ")


@pytest.mark.slow
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
    assert tr.last("dense1.forward", case="step")["Z"].shape == (3, 4)
    assert tr.last("dense2.backward")["dA_prev"].shape == (3, 4)
    up = tr.last("optimizer.step")
    np.testing.assert_allclose(
        up["W1_new"], up["W1"] - up.info["lr"] * tr.last("dense1.backward")["dW"]
    )
    d1 = tr.last("dense1.backward")
    np.testing.assert_allclose(d1["dZ"], d1["dA"] * tr.last("mlp_xor.derivative1")["gprime"])
    for l in (1, 2):  # the worked entries: the loop's every entry is the fast op's
        f = tr.last(f"dense{l}.forward", case="step")
        entries = tr.find("dense.entry", l=l)
        assert len(entries) == f["Z"].size
        for e in entries:
            i, j = e.info["i"], e.info["j"]
            np.testing.assert_allclose(e["products"], f["W"][i] * f["A_prev"][:, j])
            assert float(e["z"]) == pytest.approx(float(f["Z"][i, j]), abs=1e-12)
        dW = tr.last(f"dense{l}.backward")["dW"]  # and dW's, a row of dZ times a row of A
        assert len(tr.find("dense.dw_entry", l=l)) == dW.size
        for e in tr.find("dense.dw_entry", l=l):
            assert float(e["dW"]) == pytest.approx(float(dW[e.info["i"], e.info["k"]]), abs=1e-12)
    again = tr.last("model.cost", case="again")  # the forward pass with the updated W, b
    np.testing.assert_allclose(tr.last("dense1.forward", case="again")["W"], up["W1_new"])
    assert again.info["J"] < tr.last("model.cost", case="step").info["J"]


def test_chain_rule_symbolic_equals_engine() -> None:
    tr = chain_rule_trace()
    sym = tr.last("chain_rule.symbolic").info
    bwd, chain = tr.last("dense1.backward", case="fused"), tr.last("dense1.backward", case="chain")
    np.testing.assert_allclose(sym["values"]["dL_dw"], bwd["dW"][0], rtol=1e-12)
    np.testing.assert_allclose(chain["dW"][0], bwd["dW"][0], rtol=1e-12)
    local = tr.last("chain_rule.local")  # the chain rule's factors, multiplied by the engine
    np.testing.assert_allclose(chain["dZ"][0], local["dL_da"] * local["da_dz"], rtol=1e-12)
    assert sym["values"]["a"] == pytest.approx(float(tr.last("dense1.forward")["A"][0, 0]))
    assert sym["max_abs_diff"] < 1e-12
    assert "latex" in sym and sym["latex"]["dL_dz"] == "a - y"


# -- what is on screen ------------------------------------------------------------------------
def test_formatting() -> None:
    from visualdl.anim.numbers import fmt, format_array

    assert fmt(-0.7349) == "−0.73" and fmt(0.005, 2) == "0.01" and fmt(-0.001) == "0.00"
    assert format_array(np.array([[0.0, 1.0]])) == [["0", "1"]]
    assert format_array(np.array([[0.01, -0.02]])) == [["0.010", "−0.020"]]  # small: 3 places


@pytest.mark.slow  # builds every step's Text (5 s)
def test_mlp_scene_shows_the_trace_numbers(tmp_path: Path) -> None:
    from manim import tempconfig

    from visualdl.anim.numbers import format_array
    from visualdl.scenes.mlp_forward_backward import steps

    tr = mlp_xor_trace()
    with tempconfig({"media_dir": str(tmp_path)}):  # Text caches its glyphs under media_dir
        s = steps(tr)
    pairs = {
        "Z1": tr.last("dense1.forward", case="step")["Z"],
        "A1": tr.last("dense1.forward", case="step")["A"],
        "Z2": tr.last("dense2.forward", case="step")["Z"],
        "A2": tr.last("dense2.forward", case="step")["A"],
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
