"""Sinusoidal positional encoding: the data of the ``positional-encoding`` scene and of the
``positional-sinusoids`` figure.

Every table comes from the engine's :func:`~visualdl.engine.positional.positional_encoding`,
``P[pos, 2i] = sin(pos omega_i)``, ``P[pos, 2i + 1] = cos(pos omega_i)`` with
``omega_i = 10000^(-2i/d)`` (wavelength ``2 pi / omega_i``, from ``2 pi`` at ``i = 0`` towards
``10000 * 2 pi``). The offset law ``PE_p . PE_{p+k} = sum_i cos(k omega_i)`` is the one
:func:`visualdl.symbolic.attention.pe_offset_identity` proves: its right side is evaluated
here from that module's exact frequencies (:func:`offset_law`), and set beside the engine's
dot products.

The notes' two slips are computed, not described: the comment E20 (``pos * 10000^(2i/d)``,
multiplying) is the engine's formula with ``base = 1 / 10000``, and the notes' code
(:func:`notes_code`, transcribed to NumPy) equals the engine for an even ``d`` and fails for an
odd one (E21).

:func:`positional_encoding_trace` (the scene; ``n = d = 8``):

- :data:`TABLE` (``positional_encoding.table``): ``P (n, d)``, the frequencies and wavelengths;
- :data:`ENTRY` (``positional_encoding.entry``): one entry worked through, ``pos / 10000^(2i/d)``
  then its sine and cosine, and what the E20 comment would give there;
- :data:`CURVES` (``positional_encoding.curves``): a few sine columns over more positions;
- :data:`SUM` (``positional_encoding.sum``): the notes' sentence "from Beijing to Shanghai",
  ``X = E[ids]`` (random seeded embeddings) plus ``P`` of its positions;
- :data:`ROTATION` (``positional_encoding.rotation``): per column pair, ``PE_p`` and
  ``PE_{p+k}`` as points on the unit circle, turned by ``k omega_i`` whatever ``p``;
- :data:`OFFSET` (``positional_encoding.offset``): the pair terms of ``PE_p . PE_{p+k}`` for
  two ``p``, the dot product for several ``p``, and ``cos(k omega_i)``.

:func:`positional_sinusoids_trace` (the figure; ``n = d = 64``): :data:`FIG_TABLE` (``P`` and
the E20 comment's table), :data:`FIG_DIMS` (a few columns against position),
:data:`FIG_OFFSET` (the dot product against ``k`` for several ``p``, the law, the comment's) and
:data:`NOTES` (``positional_encoding.notes``: the notes' code at ``d`` and at ``d - 1``, E21).

Example
-------
>>> from visualdl.demos.positional_encoding import positional_encoding_trace
>>> tr = positional_encoding_trace()
>>> e = tr.last("positional_encoding.entry").info
>>> e["pos"], e["i"], e["denominator"], round(e["sin"], 4), round(e["cos"], 4)
(3, 1, 10.0, 0.2955, 0.9553)
>>> tr.last("positional_encoding.offset")["dots"].round(4).tolist()
[2.5637, 2.5637, 2.5637, 2.5637, 2.5637, 2.5637]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from visualdl.backend import to_host
from visualdl.engine.embedding import embedding_forward
from visualdl.engine.positional import positional_encoding
from visualdl.schema import declare
from visualdl.symbolic.attention import positional_expression
from visualdl.trace import Trace, record

__all__ = [
    "BASE",
    "COMMENT_BASE",
    "CURVES",
    "ENTRY",
    "FIG_DIMS",
    "FIG_OFFSET",
    "FIG_TABLE",
    "NOTES",
    "OFFSET",
    "ROTATION",
    "SENTENCE",
    "SUM",
    "SWAPPED",
    "TABLE",
    "notes_code",
    "offset_law",
    "omegas",
    "positional_encoding_trace",
    "positional_sinusoids_trace",
]

BASE = 10000.0
#: the E20 comment, ``sin(pos * 10000^(2i/d))``, is the formula with base ``1 / 10000``
COMMENT_BASE = 1.0 / BASE
#: the notes' example (从北京去上海, "from Beijing to Shanghai") and its swap (从上海去北京)
SENTENCE = ("from", "Beijing", "to", "Shanghai")
SWAPPED = ("from", "Shanghai", "to", "Beijing")

TABLE = declare(
    "positional_encoding.table",
    arrays={
        "P": "(n, d) the engine's positional_encoding(n, d)",
        "pos": "(n,) the positions 0 .. n-1",
        "dim": "(d,) the column indices 0 .. d-1",
        "omega": "(ceil(d/2),) omega_i = 10000^(-2i/d), the frequency of column pair i",
        "wavelength": "(ceil(d/2),) 2 pi / omega_i",
    },
    info={"n": "positions", "d": "model width", "base": "the wavelength base (10000)"},
)
ENTRY = declare(
    "positional_encoding.entry",
    info={
        "pos": "the position worked through",
        "i": "the column pair (columns 2i and 2i + 1)",
        "d": "model width",
        "two_i": "2i, the sine column",
        "exponent": "2i / d",
        "denominator": "10000^(2i/d)",
        "angle": "pos / 10000^(2i/d)",
        "sin": "P[pos, 2i] = sin(angle)",
        "cos": "P[pos, 2i + 1] = cos(angle)",
        "comment_angle": "the E20 comment's pos * 10000^(2i/d)",
        "comment_sin": "sin(comment_angle), what the comment would put at P[pos, 2i]",
    },
)
CURVES = declare(
    "positional_encoding.curves",
    arrays={
        "pos": "(N,) positions 0 .. N-1",
        "values": "(k, N) the engine's P[:, dims] of positional_encoding(N, d), one row per dim",
        "wavelength": "(k,) 2 pi 10000^(2i/d) of each dim",
    },
    info={"dims": "the columns shown (sine columns 2i)", "d": "model width"},
)
SUM = declare(
    "positional_encoding.sum",
    arrays={
        "ids": "(n,) token ids of the sentence",
        "X": "(n, d) E[ids], the tokens' embeddings (random, seeded)",
        "P": "(n, d) the positional encoding of positions 0 .. n-1",
        "XP": "(n, d) X + P, what the first layer reads",
        "X_swapped": "(n, d) E[ids] of the swapped sentence",
        "XP_swapped": "(n, d) X + P of the swapped sentence",
    },
    info={
        "tokens": "the sentence",
        "swapped": "the same words in another order",
        "vocab": "the words in id order",
        "seed": "seed of the embeddings",
        "scale": "standard deviation of the embeddings' entries",
    },
)
ROTATION = declare(
    "positional_encoding.rotation",
    arrays={
        "points": "(m, 2, 2) for each p: [PE_p, PE_{p+k}] in the pair, as (sin, cos)",
        "angles": "(m, 2) p omega_i and (p + k) omega_i",
        "turn": "(m,) the angle from PE_p to PE_{p+k}: (p + k) omega_i - p omega_i",
    },
    info={"i": "the column pair", "k": "the offset", "ps": "the positions p", "omega": "omega_i"},
)
OFFSET = declare(
    "positional_encoding.offset",
    arrays={
        "terms": "(2, d/2) per pair i: P[p,2i] P[p+k,2i] + P[p,2i+1] P[p+k,2i+1], for two p",
        "sums": "(2, 1) their sums, PE_p . PE_{p+k}",
        "cos_k": "(1, d/2) cos(k omega_i), the proved law's terms",
        "law": "(1, 1) sum_i cos(k omega_i)",
        "ps": "(m,) positions p",
        "dots": "(m,) PE_p . PE_{p+k} for each p (the engine's table)",
    },
    info={"k": "the offset", "pair_ps": "the two p of terms", "spread": "max - min of dots"},
)
NOTES = declare(
    "positional_encoding.notes",
    info={
        "even_d": "an even width",
        "even_max_difference": "max |notes' code - engine| at even_d",
        "odd_d": "an odd width",
        "sin_columns": "pe[:, 0::2] columns at odd_d (ceil(d/2))",
        "cos_columns": "pe[:, 1::2] columns at odd_d (floor(d/2))",
        "frequencies": "len(div_term) at odd_d (ceil(d/2))",
        "error": "the error the notes' code raises at odd_d",
        "engine_shape": "the engine's P shape at odd_d",
    },
)
FIG_TABLE = declare(
    "positional_sinusoids.table",
    arrays={
        "P": "(n, d) the engine's positional_encoding(n, d)",
        "P_comment": "(n, d) the E20 comment's table, pos * 10000^(2i/d) (base 1/10000)",
    },
    info={"n": "positions", "d": "model width"},
)
FIG_DIMS = declare(
    "positional_sinusoids.dims",
    arrays={
        "pos": "(n,) positions",
        "values": "(k, n) P[:, dims]",
        "wavelength": "(k,) 2 pi 10000^(2i/d)",
    },
    info={"dims": "the columns shown", "last_wavelength": "2 pi 10000^((d-2)/d), the last pair's"},
)
FIG_OFFSET = declare(
    "positional_sinusoids.offset",
    arrays={
        "k": "(K,) offsets 0 .. K-1",
        "dots": "(m, K) PE_p . PE_{p+k}, one row per p",
        "law": "(K,) sum_i cos(k omega_i), the proved law",
        "comment": "(K,) the E20 comment's PE_0 . PE_k",
        "rises": "(r,) the k where the dot product rises (dots[k] > dots[k - 1])",
    },
    info={
        "ps": "the positions p",
        "d": "model width",
        "spread": "largest |dots[p] - dots[q]| over p, q and k",
        "law_error": "largest |dots - law|",
        "first_rise": "the first k where the dot product rises",
        "at_first_rise": "[dots at first_rise - 1, dots at first_rise]",
        "at_k": "{k: dots} at a few k",
        "comment_at_1": "the comment's PE_0 . PE_1",
        "comment_max": "the comment's largest |PE_0 . PE_k| for k >= 1",
        "comment_mean": "the comment's mean |PE_0 . PE_k| for k >= 1",
        "comment_top_frequency": "the comment's largest angle step, 10000^((d-2)/d) rad",
    },
)


def _host(a) -> np.ndarray:
    return np.asarray(to_host(a), dtype=np.float64)


def omegas(d: int) -> list[sp.Expr]:
    """The exact frequencies ``omega_i = 10000^(-2i/d)``, ``i = 0 .. ceil(d/2) - 1``, read off
    the symbolic check's expression (:func:`visualdl.symbolic.attention.positional_expression`
    at ``pos = 1`` is ``sin(omega_i)`` at column ``2i``).

    >>> omegas(4)
    [1, 1/100]
    """
    return [e.args[0] for e in positional_expression(sp.Integer(1), d)[0::2]]


def offset_law(d: int, ks) -> np.ndarray:
    """``sum_i cos(k omega_i)`` at each ``k`` (the right side that
    :func:`~visualdl.symbolic.attention.pe_offset_identity` proves equal to ``PE_p . PE_{p+k}``
    for an even ``d``), lambdified from SymPy: ``(len(ks),)``.

    >>> offset_law(4, [0, 1]).round(4).tolist()
    [2.0, 1.5403]
    """
    k = sp.Symbol("k", real=True)
    law = sp.lambdify(k, sp.Add(*(sp.cos(k * w) for w in omegas(d)[: d // 2])), "numpy")
    return np.array([float(law(float(kk))) for kk in ks])


def notes_code(n: int, d: int) -> np.ndarray:
    """The notes' ``PositionalEncoding`` table, transcribed from torch to NumPy line by line:
    ``div_term = exp(arange(0, d, 2) * -log(10000) / d)``, ``pe[:, 0::2] = sin(position *
    div_term)``, ``pe[:, 1::2] = cos(position * div_term)``. For an odd ``d`` the last line
    fails (E21): ``pe[:, 1::2]`` has ``floor(d/2)`` columns, ``div_term`` ``ceil(d/2)``.

    >>> notes_code(2, 4).round(4).tolist()
    [[0.0, 1.0, 0.0, 1.0], [0.8415, 0.5403, 0.01, 1.0]]
    """
    pe = np.zeros((n, d))
    position = np.arange(0, n, dtype=np.float64)[:, None]
    div_term = np.exp(np.arange(0, d, 2, dtype=np.float64) * (-np.log(BASE) / d))
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term)
    return pe


def _table(n: int, d: int) -> np.ndarray:
    return _host(positional_encoding(n, d, BASE))


def _entry(P: np.ndarray, pos: int, i: int, d: int) -> None:
    exponent = 2 * i / d
    denominator = BASE**exponent
    angle = pos / denominator
    comment = _host(positional_encoding(pos + 1, d, COMMENT_BASE))
    ENTRY.log(
        pos=pos,
        i=i,
        d=d,
        two_i=2 * i,
        exponent=exponent,
        denominator=float(np.round(denominator, 12)),
        angle=angle,
        sin=float(P[pos, 2 * i]),
        cos=float(P[pos, 2 * i + 1]),
        comment_angle=pos * denominator,
        comment_sin=float(comment[pos, 2 * i]),
    )


def _rotation(P: np.ndarray, omega: np.ndarray, i: int, k: int, ps: Sequence[int]) -> None:
    pts = np.array([[P[p, 2 * i : 2 * i + 2], P[p + k, 2 * i : 2 * i + 2]] for p in ps])
    angles = np.array([[p * omega[i], (p + k) * omega[i]] for p in ps])
    ROTATION.log(
        i=i,
        k=k,
        ps=list(ps),
        omega=float(omega[i]),
        points=pts,
        angles=angles,
        turn=angles[:, 1] - angles[:, 0],
    )


def _offset(P: np.ndarray, d: int, k: int, pair_ps: Sequence[int], ps: Sequence[int]) -> None:
    h = d // 2
    # pair i's term: its sine product plus its cosine product
    terms = np.array(
        [[P[p, c : c + 2] @ P[p + k, c : c + 2] for c in range(0, 2 * h, 2)] for p in pair_ps]
    )
    k_sym = sp.Symbol("k", real=True)
    cos_k = np.array([[float(sp.cos(k_sym * w).subs(k_sym, k)) for w in omegas(d)[:h]]])
    dots = np.array([P[p] @ P[p + k] for p in ps])
    OFFSET.log(
        k=k,
        pair_ps=list(pair_ps),
        terms=terms,
        sums=np.array([[P[p] @ P[p + k]] for p in pair_ps]),
        cos_k=cos_k,
        law=offset_law(d, [k]).reshape(1, 1),
        ps=np.array(ps, dtype=np.int64),
        dots=dots,
        spread=float(dots.max() - dots.min()),
    )


def _notes(even_d: int, odd_d: int, n: int) -> None:
    diff = float(np.abs(notes_code(n, even_d) - _table(n, even_d)).max())
    try:
        notes_code(n, odd_d)
        error = ""
    except ValueError as exc:
        error = str(exc)
    NOTES.log(
        even_d=even_d,
        even_max_difference=diff,
        odd_d=odd_d,
        sin_columns=len(range(0, odd_d, 2)),
        cos_columns=len(range(1, odd_d, 2)),
        frequencies=len(range(0, odd_d, 2)),
        error=error,
        engine_shape=list(_table(n, odd_d).shape),
    )


def positional_encoding_trace(
    n: int = 8,
    d: int = 8,
    pos: int = 3,
    i: int = 1,
    curve_n: int = 64,
    curve_dims: Sequence[int] = (0, 2, 4),
    k: int = 2,
    pair_ps: Sequence[int] = (1, 4),
    ps: Sequence[int] = (0, 1, 2, 3, 4, 5),
    seed: int = 0,
    scale: float = 0.5,
) -> Trace:
    """The scene's numbers (records in the module docstring).

    Parameters
    ----------
    n, d : the table's positions and width (``d`` even: the offset law needs it).
    pos, i : the entry worked through, ``P[pos, 2i]`` and ``P[pos, 2i + 1]``.
    curve_n, curve_dims : the sine columns drawn against positions ``0 .. curve_n - 1``.
    k, pair_ps, ps : the offset, the two positions whose pair terms are shown, and the
        positions whose dot products ``PE_p . PE_{p+k}`` are shown (``p + k < n``).
    seed, scale : the embeddings ``E (V, d)``, entries ``N(0, scale^2)``.
    """
    rng = np.random.default_rng(seed)
    meta = {"demo": "positional_encoding", "n": n, "d": d, "seed": seed}
    with record(**meta) as tr:
        P = _table(n, d)
        half = np.arange(0, d, 2) / d
        omega = BASE ** (-half)
        TABLE.log(
            n=n,
            d=d,
            base=BASE,
            P=P,
            pos=np.arange(n),
            dim=np.arange(d),
            omega=omega,
            wavelength=2 * np.pi / omega,
        )
        _entry(P, pos, i, d)
        long = _table(curve_n, d)
        CURVES.log(
            dims=list(curve_dims),
            d=d,
            pos=np.arange(curve_n),
            values=long[:, list(curve_dims)].T,
            wavelength=np.array([2 * np.pi * BASE ** (c // 2 * 2 / d) for c in curve_dims]),
        )
        vocab = list(dict.fromkeys(SENTENCE))
        E = rng.normal(0.0, scale, (len(vocab), d))
        ids = np.array([vocab.index(w) for w in SENTENCE])
        ids_swapped = np.array([vocab.index(w) for w in SWAPPED])
        X, _ = embedding_forward(ids, E)
        X_swapped, _ = embedding_forward(ids_swapped, E)
        P_s = P[: len(SENTENCE)]
        SUM.log(
            tokens=list(SENTENCE),
            swapped=list(SWAPPED),
            vocab=vocab,
            seed=seed,
            scale=scale,
            ids=ids,
            X=X,
            P=P_s,
            XP=X + P_s,
            X_swapped=X_swapped,
            XP_swapped=X_swapped + P_s,
        )
        for pair in range(d // 2):
            _rotation(P, omega, pair, k, pair_ps)
        _offset(P, d, k, pair_ps, ps)
    return tr


def positional_sinusoids_trace(
    n: int = 64,
    d: int = 64,
    dims: Sequence[int] = (0, 8, 16, 24),
    ps: Sequence[int] = (0, 20, 50),
    k_max: int = 100,
    at: Sequence[int] = (1, 10, 50, 100),
) -> Trace:
    """The figure's numbers: the ``(n, d)`` table and the E20 comment's, a few columns
    against position, and ``PE_p . PE_{p+k}`` for ``k = 0 .. k_max`` and each ``p`` in
    ``ps`` (from a table of ``max(ps) + k_max + 1`` positions)."""
    meta = {"demo": "positional_sinusoids", "n": n, "d": d}
    with record(**meta) as tr:
        P = _table(n, d)
        comment = _host(positional_encoding(n, d, COMMENT_BASE))
        FIG_TABLE.log(n=n, d=d, P=P, P_comment=comment)
        FIG_DIMS.log(
            dims=list(dims),
            last_wavelength=float(2 * np.pi * BASE ** ((d - 2) / d)),
            pos=np.arange(n),
            values=P[:, list(dims)].T,
            wavelength=np.array([2 * np.pi * BASE ** (c // 2 * 2 / d) for c in dims]),
        )
        N = max(ps) + k_max + 1
        big = _table(N, d)
        big_comment = _host(positional_encoding(N, d, COMMENT_BASE))
        ks = np.arange(k_max + 1)
        dots = np.array([[big[p] @ big[p + kk] for kk in ks] for p in ps])
        law = offset_law(d, ks)
        comment_dots = np.array([big_comment[0] @ big_comment[kk] for kk in ks])
        rises = np.flatnonzero(np.diff(dots[0]) > 0) + 1
        first = int(rises[0])
        FIG_OFFSET.log(
            ps=list(ps),
            d=d,
            k=ks,
            dots=dots,
            law=law,
            comment=comment_dots,
            rises=rises,
            spread=float((dots.max(axis=0) - dots.min(axis=0)).max()),
            law_error=float(np.abs(dots - law).max()),
            first_rise=first,
            at_first_rise=[float(dots[0, first - 1]), float(dots[0, first])],
            at_k={str(kk): float(dots[0, kk]) for kk in at},
            comment_at_1=float(comment_dots[1]),
            comment_max=float(np.abs(comment_dots[1:]).max()),
            comment_mean=float(np.abs(comment_dots[1:]).mean()),
            comment_top_frequency=float(BASE ** ((d - 2) / d)),
        )
        _notes(d, d - 1, n)
    return tr
