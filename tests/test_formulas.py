"""The formulas the scenes show (visualdl.symbolic.formulas) agree with the SymPy derivations.

Each displayed string is read back into SymPy by a small normaliser (``\\frac``, floors,
implicit products, Greek names) and met with the derivation, never with a second typed copy.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp
from sympy.parsing.sympy_parser import (
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

from visualdl.symbolic import conv, optimizers
from visualdl.symbolic.activations import EXPRESSIONS, latex
from visualdl.symbolic.formulas import ACTIVATIONS, CONV, OPTIMIZERS

INTEGERS = {k: sp.Symbol(k, positive=True, integer=True) for k in "nfps"}
REALS = {k: sp.Symbol(k, real=True) for k in ("theta", "alpha", "beta", "g", "v")}
TEX = [
    (r"\left\lfloor", "floor("),
    (r"\right\rfloor", ")"),
    (r"\lfloor", "floor("),
    (r"\rfloor", ")"),
    (r"\,", " "),
    (r"\cdot", "*"),
    ("\\", ""),
    ("{", "("),
    ("}", ")"),
]


def expr(tex: str, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """A mathtext right-hand side as a SymPy expression."""
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", tex)
    for old, new in TEX:
        tex = tex.replace(old, new)
    return parse_expr(
        tex,
        local_dict={**symbols, "floor": sp.floor},
        transformations=(*standard_transformations, implicit_multiplication),
    )


def sides(key: str, table: dict[str, str], symbols: dict[str, sp.Symbol]):
    lhs, rhs = table[key].split("=")
    return lhs.strip(), expr(rhs, symbols)


def test_the_normaliser_reads_a_floor_and_a_fraction() -> None:
    n, s = INTEGERS["n"], INTEGERS["s"]
    assert expr(r"\left\lfloor \frac{n}{s} \right\rfloor + 2 \cdot n", INTEGERS) == (
        sp.floor(n / s) + 2 * n
    )


def test_output_size_is_the_derived_count_of_windows() -> None:
    lhs, shown = sides("output_size", CONV, INTEGERS)
    assert lhs == "n_{out}"
    assert sp.simplify(shown - conv.output_size_formula()) == 0


@pytest.mark.parametrize("case", sorted(conv.TRANSPOSE_CASES))
def test_transpose_size_is_the_scatter_adds_output(case: str) -> None:
    _, shown = sides("transpose_size", CONV, INTEGERS)
    d = conv.transpose_derivation(case)
    at = {INTEGERS[k]: d[k] for k in "nfps"}
    assert shown.subs(at) == d["Y"].shape[1] == d["Y"].shape[2]


def test_scatter_stamp_builds_the_derived_output() -> None:
    """``Y[h+i, w+j] += X[h, w] W[i, j]`` over every (h, w, i, j) is the derivation's Y."""
    assert r"X_{hw}\, W_{ij}" in CONV["scatter"] and r"Y_{h+i,\ w+j}" in CONV["scatter"]
    d = conv.transpose_derivation("s1")  # stride 1, no padding: the formula as shown
    X, W, b, Y = d["X"], d["W"], d["b"], d["Y"]
    stamped = np.zeros(Y.shape, dtype=object)
    for m, h, w in np.ndindex(X.shape[:3]):
        for i, j in np.ndindex(W.shape[:2]):
            stamped[m, h + i, w + j, 0] += X[m, h, w, 0] * W[i, j, 0, 0]
    for idx in np.ndindex(Y.shape):
        assert sp.expand(Y[idx] - b[0] - stamped[idx]) == 0


def _window(d: dict) -> tuple[sp.Expr, list[sp.Symbol]]:
    f = d["f"]
    return d["A"][0, 0, 0, 0], list(d["X"][0, :f, :f, 0].ravel())


def test_max_pool_is_the_windows_max() -> None:
    assert CONV["max_pool"].split("=")[1].strip().startswith(r"\max_{i,j}")
    a, cells = _window(conv.pool_derivation("max"))
    assert a == sp.Max(*cells, evaluate=False)


def test_avg_pool_shares_are_the_derived_ones() -> None:
    d = conv.pool_derivation("avg")  # the 2x2 window the scene shows
    share = re.search(r"\\frac\{1\}\{(\d+)\}", CONV["avg_pool_2x2"])
    assert share and int(share.group(1)) == d["f"] ** 2
    a, cells = _window(d)
    assert sp.simplify(a - sp.Add(*cells) / int(share.group(1))) == 0


def test_gd_and_momentum_steps_are_the_symbolic_rules() -> None:
    r = REALS
    lhs, gd = sides("gd", OPTIMIZERS, r)
    assert lhs == r"\theta"
    assert gd == optimizers.rule("gd", "x", r["theta"], r["g"], {}, 1, {"lr": r["alpha"]})
    mom = {"V": r["v"]}
    h = {"lr": r["alpha"], "beta": r["beta"], "form": "ema"}
    new_theta = optimizers.rule("momentum", "x", r["theta"], r["g"], mom, 1, h)
    lhs, ewa = sides("ewa", OPTIMIZERS, r)
    assert lhs == "v" and sp.expand(ewa - mom["V"]) == 0
    _, step = sides("momentum", OPTIMIZERS, r)
    assert sp.expand(step.subs(r["v"], mom["V"]) - new_theta) == 0


def test_activation_names_are_the_derived_activations() -> None:
    assert set(ACTIVATIONS) <= set(EXPRESSIONS)
    assert latex("tanh")[0].startswith(ACTIVATIONS["tanh"] + "{")  # SymPy's own name for it
