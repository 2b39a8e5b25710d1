"""``visualdl bench``: every fast op against its loop oracle and against PyTorch CPU.

Each benchmark (:class:`~visualdl.bench.harness.Bench`) first checks that the engine and the
other side compute the same numbers, then times them in interleaved rounds. Loop oracles run at
1 thread; PyTorch (used when it imports, never a dependency) at 1 thread, the steady figure,
and at the default thread counts, what a user gets. Times on a shared machine are noisy: the
ratios of one run are what to read, and the header says what they depend on (CPU, BLAS kernel,
thread counts, load).

Example
-------
>>> from visualdl import bench
>>> report = bench.run(["max_pool2d"], quick=True, torch=None)
>>> [(r["name"], r["loop"]["agree"]) for r in report["results"]][:1]
[('max_pool2d', True)]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from visualdl.bench import cnn, dense, sequence
from visualdl.bench.harness import Bench, error, machine, ratio, threads, torch_or_none

__all__ = ["BENCHES", "NAMES", "run", "table"]

BENCHES: tuple[Bench, ...] = (*dense.BENCHES, *cnn.BENCHES, *sequence.BENCHES)
NAMES: tuple[str, ...] = tuple(dict.fromkeys(b.name for b in BENCHES))
#: the largest relative difference two sides may have and still agree
TOLERANCE = {"float32": 2e-4, "float64": 1e-9}
_UNSET = object()


def _pair_result(pair: Any, dtype: str, rounds: int) -> dict[str, Any]:
    err = error(pair)
    t_engine, t_other, r = ratio(pair, rounds)
    return {
        "error": err,
        "agree": err <= TOLERANCE[dtype],
        "engine_ms": t_engine * 1e3,
        "other_ms": t_other * 1e3,
        "ratio": r,
    }


def _measure(b: Bench, torch: Any, quick: bool, passes: list[int | None]) -> dict[str, Any]:
    rounds = 1 if quick else 7
    out: dict[str, Any] = {
        "name": b.name,
        "dtype": b.dtype,
        "shape": b.shape,
        "note": b.note,
        "target": b.target,
        "target_default": b.target_default,
        "loop_target": b.loop_target,
        "loop": None,
        "torch": {},
    }
    if b.loop is not None:
        with threads(1, torch):
            loop = _pair_result(b.loop(quick), b.dtype, 1 if quick else 3)
        loop["ratio"] = 1 / loop["ratio"]  # loop / engine: how many times faster the engine is
        out["loop"] = loop | {"what": b.loop_what}
    if torch is not None and b.torch is not None:
        pair = b.torch(torch, quick)
        for n in passes:
            with threads(n, torch):
                out["torch"]["1" if n == 1 else "default"] = _pair_result(pair, b.dtype, rounds)
    return out


def run(
    names: Sequence[str] | None = None, quick: bool = False, torch: Any = _UNSET
) -> dict[str, Any]:
    """Run the benchmarks named (all by default) and return ``{"machine", "quick",
    "results"}``: per benchmark its loop pair and its PyTorch pairs (``"1"`` thread and
    ``"default"`` threads), each with ``error``, ``agree``, ``engine_ms``, ``other_ms`` and
    ``ratio`` (loop / engine for the loop; engine / torch for PyTorch, below 1 is faster).

    ``quick`` runs small cases once (a check that every pair agrees, not a timing);
    ``torch=None`` leaves PyTorch out even when it is installed.
    """
    unknown = sorted(set(names or ()) - set(NAMES))
    if unknown:
        raise ValueError(
            f"bench: unknown benchmark {unknown[0]!r}; expected one of {', '.join(NAMES)}"
        )
    torch = torch_or_none() if torch is _UNSET else torch
    info = machine(torch)
    info["load"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    default = (info["blas_threads"], info["torch_threads"] or info["blas_threads"])
    passes: list[int | None] = [1] if default == (1, 1) else [1, None]
    chosen = [b for b in BENCHES if not names or b.name in names]
    results = [_measure(b, torch, quick, passes) for b in chosen]
    return {"machine": info, "quick": quick, "results": results}


def _times(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def _versus(pair: dict | None, target: float | None) -> str:
    """``ratio (engine ms / torch ms)``, with ``≤ target ✓/✗`` when there is a target (None
    for a quick run, whose times say nothing)."""
    if pair is None:
        return "—"
    cell = f"{pair['ratio']:.2f}× ({pair['engine_ms']:.2f} / {pair['other_ms']:.2f} ms)"
    if target:
        cell += f" ≤ {target:g} {'✓' if pair['ratio'] <= target else '✗'}"
    return cell


def _loop_cell(loop: dict | None, target: float | None) -> str:
    if loop is None:
        return "—"
    cell = f"{loop['ratio']:,.0f}×" if loop["ratio"] >= 10 else f"{loop['ratio']:.2f}×"
    if target:
        cell += f" ≥ {target:g} {'✓' if loop['ratio'] >= target else '✗'}"
    return cell


def header(info: dict[str, Any]) -> list[str]:
    """The lines that say what the times depend on."""
    blas = (
        "; ".join(
            f"{b['library']} {b['version']}, kernel {b['kernel']}, {b['threads']} threads"
            for b in info["blas"]
        )
        or "none found"
    )
    coretype = info["OPENBLAS_CORETYPE"]
    torch = (
        f"torch {info['torch']}, {info['torch_threads']} threads by default"
        if info["torch"]
        else "torch not installed: no PyTorch columns"
    )
    return [
        f"CPU: {info['cpu']}, {info['cores']} cores; load average {info['load']:.2f}"
        if info["load"] is not None
        else f"CPU: {info['cpu']}, {info['cores']} cores",
        f"NumPy {info['numpy']}, BLAS: {blas}"
        + (f"; OPENBLAS_CORETYPE={coretype}" if coretype else "; OPENBLAS_CORETYPE unset"),
        torch,
    ]


def table(report: dict[str, Any]) -> str:
    """The report as a Markdown table under its header lines."""
    info = report["machine"]
    torch_threads = info["torch_threads"] or "—"
    rows = [
        "| op | dtype | loop / engine | engine / torch, 1 thread | "
        f"engine / torch, default (BLAS {info['blas_threads']}, torch {torch_threads}) "
        "| agree |",
        "|---|---|---|---|---|---|",
    ]
    notes, timed = [], not report["quick"]
    for r in report["results"]:
        pairs = [r["loop"], *r["torch"].values()]
        agree = all(p["agree"] for p in pairs if p is not None)
        worst = max((p["error"] for p in pairs if p is not None), default=0.0)
        rows.append(
            f"| {r['name']} | {r['dtype']} | {_loop_cell(r['loop'], timed and r['loop_target'])} | "
            f"{_versus(r['torch'].get('1'), timed and r['target'])} | "
            f"{_versus(r['torch'].get('default'), timed and r['target_default'])} | "
            f"{'yes' if agree else 'NO'} ({worst:.0e}) |"
        )
        what = f"{r['shape']}" + (f"; loop: {r['loop']['what']}" if r["loop"] else "")
        notes.append(
            f"- {r['name']} {r['dtype']}: {what}" + (f". {r['note']}" if r["note"] else "")
        )
    lines = [*header(info), "", *rows, "", *notes]
    if report["quick"]:
        lines.append("(--quick: small cases run once; the times say nothing)")
    return "\n".join(lines)


def agree(report: dict[str, Any]) -> bool:
    """True when every pair of every benchmark agreed."""
    return all(
        p["agree"] for r in report["results"] for p in [r["loop"], *r["torch"].values()] if p
    )
