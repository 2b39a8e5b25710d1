"""The ``positional-encoding`` scene's and the ``positional-sinusoids`` figure's data: both
demos deterministic and schema-valid, every table the engine's, the notes' ``d = 4`` numbers,
the worked entry, ``X + P``, the rotation of each (sin, cos) pair, the offset law (proved by
SymPy, met by the tables), the notes' comment (E20) and code (E21), what the scene writes, the
figure legible, and its caption's numbers read from the trace. The scene's pace and legibility
are checked for every scene by ``tests/test_scene_pace.py`` and ``tests/test_scene_layout.py``
(``-k positional-encoding``)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_same_trace

from visualdl.demos.positional_encoding import (
    COMMENT_BASE,
    SENTENCE,
    SWAPPED,
    notes_code,
    offset_law,
    omegas,
    positional_encoding_trace,
    positional_sinusoids_trace,
)
from visualdl.engine.positional import positional_encoding
from visualdl.schema import validate
from visualdl.symbolic.attention import PE_NOTES_D4, pe_offset_identity, pe_pair_identity


@pytest.fixture(scope="module")
def tr():
    return positional_encoding_trace()


@pytest.fixture(scope="module")
def fig():
    return positional_sinusoids_trace()


def _pe(n: int, d: int, base: float = 10000.0) -> np.ndarray:
    return np.asarray(positional_encoding(n, d, base), dtype=np.float64)


# -- the traces ---------------------------------------------------------------------------------
def test_the_traces_are_deterministic_and_schema_valid(tr, fig) -> None:
    assert validate(tr) == [] and validate(fig) == []
    assert_same_trace(tr, positional_encoding_trace())
    assert_same_trace(fig, positional_sinusoids_trace())
    other = positional_encoding_trace(seed=1)
    assert not np.array_equal(
        other.last("positional_encoding.sum")["X"], tr.last("positional_encoding.sum")["X"]
    )
    np.testing.assert_array_equal(
        other.last("positional_encoding.table")["P"], tr.last("positional_encoding.table")["P"]
    )


def test_every_table_is_the_engines_and_the_formula(tr, fig) -> None:
    t = tr.last("positional_encoding.table")
    n, d = t["P"].shape
    np.testing.assert_array_equal(t["P"], _pe(n, d))
    pos = np.arange(n)[:, None]
    angle = pos * t["omega"][None, :]
    np.testing.assert_allclose(t["P"][:, 0::2], np.sin(angle), rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["P"][:, 1::2], np.cos(angle), rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["omega"], [float(w) for w in omegas(d)], rtol=1e-15)
    np.testing.assert_allclose(t["wavelength"], 2 * np.pi * 10000.0 ** (np.arange(0, d, 2) / d))
    f = fig.last("positional_sinusoids.table")
    np.testing.assert_array_equal(f["P"], _pe(64, 64))
    np.testing.assert_array_equal(f["P_comment"], _pe(64, 64, COMMENT_BASE))


def test_the_notes_d4_numbers() -> None:
    """seed-000 A44: P[1] = [0.8415, 0.5403, 0.0100, 1.0000], P[2] = [0.9093, -0.4161, ...]."""
    assert np.round(_pe(3, 4), 4).tolist() == [list(r) for r in PE_NOTES_D4]
    assert np.round(notes_code(3, 4), 4).tolist() == [list(r) for r in PE_NOTES_D4]
    assert PE_NOTES_D4[1] == (0.8415, 0.5403, 0.0100, 1.0000)


def test_the_worked_entry(tr) -> None:
    e = tr.last("positional_encoding.entry").info
    P = tr.last("positional_encoding.table")["P"]
    pos, i, d = e["pos"], e["i"], e["d"]
    assert (pos, i, d, e["two_i"], e["exponent"]) == (3, 1, 8, 2, 0.25)
    assert e["denominator"] == 10.0 and abs(e["angle"] - 0.3) < 1e-15
    assert e["sin"] == P[pos, 2 * i] and e["cos"] == P[pos, 2 * i + 1]
    assert round(e["sin"], 4) == 0.2955 and round(e["cos"], 4) == 0.9553
    # the E20 comment multiplies: 3 * 10 = 30
    assert e["comment_angle"] == 30.0
    np.testing.assert_allclose(e["comment_sin"], np.sin(30.0), rtol=1e-12)
    assert round(e["comment_sin"], 2) == -0.99


def test_the_columns_are_sinusoids_of_their_wavelength(tr) -> None:
    c = tr.last("positional_encoding.curves")
    d, dims = c.info["d"], c.info["dims"]
    N = c["pos"].size
    np.testing.assert_array_equal(c["values"], _pe(N, d)[:, dims].T)
    for row, dim, lam in zip(c["values"], dims, c["wavelength"], strict=True):
        assert dim % 2 == 0 and lam == pytest.approx(2 * np.pi * 10000.0 ** (dim / d))
        np.testing.assert_allclose(row, np.sin(2 * np.pi * c["pos"] / lam), atol=1e-12)
    assert [f"{lam:.3g}" for lam in c["wavelength"]] == ["6.28", "62.8", "628"]


def test_x_plus_p_and_the_same_word_at_another_position(tr) -> None:
    s = tr.last("positional_encoding.sum")
    assert s.info["tokens"] == list(SENTENCE) and s.info["swapped"] == list(SWAPPED)
    np.testing.assert_array_equal(s["P"], _pe(len(SENTENCE), 8))
    np.testing.assert_array_equal(s["XP"], s["X"] + s["P"])
    np.testing.assert_array_equal(s["XP_swapped"], s["X_swapped"] + s["P"])
    a, b = SENTENCE.index("Beijing"), SWAPPED.index("Beijing")
    np.testing.assert_array_equal(s["X"][a], s["X_swapped"][b])  # the same embedding
    np.testing.assert_allclose(
        s["XP_swapped"][b] - s["XP"][a], s["P"][b] - s["P"][a], rtol=0, atol=1e-15
    )
    assert np.abs(s["XP_swapped"][b] - s["XP"][a]).max() > 0.5  # visibly another row


def test_a_shift_by_k_turns_each_pair_by_k_omega(tr) -> None:
    rots = sorted(tr.find("positional_encoding.rotation"), key=lambda r: r.info["i"])
    P = tr.last("positional_encoding.table")["P"]
    assert [r.info["i"] for r in rots] == [0, 1, 2, 3]
    for r in rots:
        i, k, w = r.info["i"], r.info["k"], r.info["omega"]
        np.testing.assert_allclose(r["turn"], k * w, rtol=1e-13)
        for m, p in enumerate(r.info["ps"]):
            (s0, c0), (s1, c1) = r["points"][m]
            np.testing.assert_array_equal(
                [s0, c0, s1, c1], [*P[p, 2 * i : 2 * i + 2], *P[p + k, 2 * i : 2 * i + 2]]
            )
            a = r["turn"][m]
            # (sin, cos) of t + a is (sin, cos) of t turned (clockwise) by a
            np.testing.assert_allclose(
                [s1, c1], [s0 * np.cos(a) + c0 * np.sin(a), c0 * np.cos(a) - s0 * np.sin(a)],
                atol=1e-14,
            )  # fmt: skip


def test_the_dot_product_depends_on_the_offset_only(tr) -> None:
    o = tr.last("positional_encoding.offset")
    assert pe_pair_identity() and pe_offset_identity(8)  # SymPy, symbolic p and k
    np.testing.assert_allclose(o["terms"][0], o["terms"][1], atol=1e-15)
    np.testing.assert_allclose(o["terms"], np.repeat(o["cos_k"], 2, axis=0), atol=1e-15)
    np.testing.assert_allclose(o["sums"][:, 0], o["terms"].sum(axis=1), atol=1e-15)
    np.testing.assert_allclose(o["law"][0, 0], o["cos_k"].sum(), atol=1e-15)
    np.testing.assert_allclose(o["dots"], o["law"][0, 0], atol=1e-14)
    assert o.info["spread"] < 1e-14 and round(o["law"][0, 0], 4) == 2.5637


@pytest.mark.parametrize("d", [16, 64, 128])
def test_the_offset_law_holds_and_the_decay_is_not_monotone(d) -> None:
    """The figure's claims at other widths: PE_p . PE_{p+k} depends on k only, equals the law,
    starts at d/2, falls on the whole, and rises somewhere (the notes' 'monotone decay' is
    not met)."""
    P = _pe(160, d)
    ks = np.arange(100)
    dots = np.array([[P[p] @ P[p + k] for k in ks] for p in (0, 7, 50)])
    np.testing.assert_allclose(dots, np.broadcast_to(offset_law(d, ks), dots.shape), atol=1e-12)
    assert dots[0, 0] == pytest.approx(d / 2) and dots[0, -1] < 0.75 * d / 2
    assert (np.diff(dots[0]) > 0).any() and (np.diff(dots[0]) < 0).any()


def test_the_notes_code_equals_the_engine_and_fails_for_an_odd_d(fig) -> None:
    nt = fig.last("positional_encoding.notes").info
    assert nt["even_d"] == 64 and nt["even_max_difference"] < 1e-13
    assert (nt["odd_d"], nt["sin_columns"], nt["cos_columns"], nt["frequencies"]) == (
        63,
        32,
        31,
        32,
    )
    assert nt["error"] == "could not broadcast input array from shape (64,32) into shape (64,31)"
    assert nt["engine_shape"] == [64, 63]
    with pytest.raises(ValueError, match="could not broadcast"):
        notes_code(4, 5)


def test_the_comment_table_multiplies_and_does_not_decay(fig) -> None:
    C = fig.last("positional_sinusoids.table")["P_comment"]
    n, d = C.shape
    angle = np.arange(n)[:, None] * 10000.0 ** (np.arange(0, d, 2) / d)[None, :]
    np.testing.assert_allclose(C[:, 0::2], np.sin(angle), atol=1e-9)
    o = fig.last("positional_sinusoids.offset")
    assert o["comment"][0] == pytest.approx(d / 2)
    assert o.info["comment_at_1"] < 0.2 * d / 2 and o.info["comment_max"] < 0.4 * d / 2
    assert o.info["comment_mean"] < 0.15 * d / 2


# -- what the scene writes -----------------------------------------------------------------------
def test_the_scene_strings_say_what_the_trace_holds(tr) -> None:
    pytest.importorskip("manim")
    from visualdl.scenes.positional_encoding import (
        curve_titles,
        entry_lines,
        number,
        offset_lines,
        rotation_lines,
        sub,
    )

    L = entry_lines(tr)
    assert L["denominator"].endswith("= 10") and "10000^{2/8}" in L["denominator"]
    assert L["angle"].endswith(r"\dfrac{3}{10} = 0.3")
    assert L["sin"] == r"PE_{3,2} = \sin(0.3) = 0.2955"
    assert L["cos"] == r"PE_{3,3} = \cos(0.3) = 0.9553"
    assert "3 · 10 = 30" in L["comment"] and "sin(30) = −0.99, not 0.30" in L["comment"]
    assert curve_titles(tr) == [
        "dim 0: sin(pos),  wavelength 6.28",
        "dim 2: sin(pos / 10),  wavelength 62.8",
        "dim 4: sin(pos / 100),  wavelength 628",
    ]
    R = rotation_lines(tr)
    assert "PE₁ → PE₃ and PE₄ → PE₆" in R["pair0"] and "k·ω = 2 rad" in R["pair0"]
    assert "2, 0.2, 0.02, 0.002 rad for i = 0 … 3" in R["all"]
    assert offset_lines(tr)["dots"].startswith("PEₚ · PEₚ₊₂ for p = 0 … 5")
    assert sub(16) == "₁₆" and number(-0.98803) == "−0.988"


# -- the figure ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_figure_is_legible_and_reads_only_what_its_demo_writes(tmp_path) -> None:
    from visualdl.gallery.positional_sinusoids import make
    from visualdl.viz.layout import layout_problems
    from visualdl.viz.positional_sinusoids import plot_positional_sinusoids

    fresh = positional_sinusoids_trace()
    problems = layout_problems(plot_positional_sinusoids(fresh))
    assert not problems, "\n".join(map(str, problems))
    assert fresh.reads and fresh.reads <= set(fresh.names()), sorted(fresh.reads)
    paths = make(tmp_path)
    assert [p.name for p in paths] == ["positional-sinusoids.png", "positional-sinusoids.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 20_000


def test_the_caption_states_the_traces_numbers(fig) -> None:
    from visualdl.gallery.positional_sinusoids import CAPTION

    o = fig.last("positional_sinusoids.offset").info
    dims = fig.last("positional_sinusoids.dims")
    nt = fig.last("positional_encoding.notes").info
    lams = [f"{lam:.3g}" for lam in dims["wavelength"]]
    last = float(f"{dims.info['last_wavelength']:.3g}")  # 3 digits, as the caption
    first = o["first_rise"]
    lo, hi = o["at_first_rise"]
    expected = [
        f"for {fig.meta['n']} positions and d = {fig.meta['d']}",
        "dims " + ", ".join(map(str, dims.info["dims"][:-1])) + f" and {dims.info['dims'][-1]}",
        ", ".join(lams[:-1]) + f" and {lams[-1]};",
        f"the last pair's is {last:,.0f}",
        "p = " + ", ".join(map(str, o["ps"][:-1])) + f" and {o['ps'][-1]}",
        "(largest difference below 1e−13, rounding) and equal Σ_i cos(k ω_i) (the same)",
        f"d/2 = {o['d'] // 2}",
        f"{o['at_k']['1']:.2f} at k = 1, {o['at_k']['10']:.2f} at k = 10, "
        f"{o['at_k']['50']:.2f} at k = 50",
        f"first rises at k = {first} ({lo:.2f} to {hi:.2f})",
        f"{o['at_k']['100']:.2f} at k = 100",
        f"up to {o['comment_top_frequency']:,.0f} rad a step",
        f"PE_0 · PE_1 = {o['comment_at_1']:.2f}",
        f"averages {o['comment_mean']:.2f} over k = 1 … 100",
        f"equals the engine for d = {nt['even_d']} (largest difference below 1e−13)",
        f"odd d = {nt['odd_d']} (E21): pe[:, 1::2] has {nt['cos_columns']} columns, div_term "
        f"{nt['frequencies']}",
        f"“{nt['error']}”",
    ]
    assert max(o["spread"], o["law_error"], nt["even_max_difference"]) < 1e-13
    for s in expected:
        assert s in CAPTION, s
