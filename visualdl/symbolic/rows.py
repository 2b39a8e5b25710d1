"""The row layout's gradients, derived by SymPy: linear layer, embedding, cross-entropy, softmax.

Rows are positions (``X: (n, d)``, a batch may lead) and every backward returns the gradients
of the summed loss ``S = sum(dY * Y)`` to first order, parameters included (no ``1/m``); the one
``1/N`` is in the loss. Each check writes the op's *forward* entry by entry on a small symbolic
shape, differentiates it with ``sympy.diff``, evaluates the derivatives in float64 (``lambdify``
of the ``diff`` results) and meets the engine's hand-written backward
(:mod:`visualdl.engine.rows`, :mod:`visualdl.engine.embedding`) on random inputs:

- ``linear_rows``: ``Y = X W + b`` (``X (3, 2)``, ``W (2, 4)``), with and without bias and with
  a leading batch axis; the derivatives must expand to ``dX = dY W^T``, ``dW = X^T dY``,
  ``db = 1^T dY``;
- ``embedding``: the lookup written as the one-hot product ``X = O E`` (``O (n, V)`` one row per
  position), ``dE = dS/dE`` with repeated ids and ids that never occur; it must expand to the
  scatter-add ``O^T dX``;
- ``cross_entropy_rows``: ``J = (1/N) sum over non-pad positions of logsumexp(z) - z_target``
  with a padded position (whose logits then get exactly 0), and without padding;
- ``softmax_jacobian``: ``J_ij = d s_i / d z_j`` by ``diff`` simplifies to
  ``diag(s) - s s^T``; ``dZ = J^T dA`` (from the ``diff`` Jacobian) meets
  ``softmax_rows_backward``, also on a row with a ``-inf`` (masked) entry, which is simply
  absent from the symbolic softmax's sum.

Example
-------
>>> [CHECKS[name]().passed for name in CHECKS]
[True, True, True, True]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng, signed_uniform

__all__ = [
    "CHECKS",
    "check_cross_entropy",
    "check_embedding",
    "check_linear",
    "chain_grad",
    "check_softmax_jacobian",
    "cross_entropy_derivation",
    "embedding_derivation",
    "linear_derivation",
    "linear_numeric",
    "matrix",
    "numeric",
    "softmax_derivation",
    "softmax_jacobian_simplifies",
]

LINEAR_SHAPE = (3, 2, 4)  # n, d_in, d_out: distinct, so a transposed product cannot pass
EMBEDDING_IDS = ((2, 0, 2), (3, 2, 0))  # token 2 three times, 0 twice; tokens 1 and 4 never
EMBEDDING_SHAPE = (5, 2)  # V, d
CE_TARGETS = ((1, 3, 0), (2, 0, 0))  # pad = 0: three counted positions out of six
CE_VOCAB = 4
SOFTMAX_N = 4  # entries per row


def matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A ``(rows, cols)`` matrix of real symbols ``name_ij`` (1-based)."""
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


def numeric(inputs: Sequence[sp.Matrix], outputs: Sequence[Any]) -> Callable[..., list[np.ndarray]]:
    """``f(*arrays) -> [array per output]``: the ``outputs`` (matrices or scalars of SymPy
    expressions, e.g. ``diff`` results) evaluated in float64 at values for the ``inputs``'
    symbols; each array is given in the shape of its input matrix (or any shape with as many
    entries, read row-major).

    Example
    -------
    >>> x = matrix("x", 1, 2)
    >>> numeric([x], [sp.Matrix([[x[0] * x[1]]])])(np.array([[2.0, 3.0]]))[0].tolist()
    [[6.0]]
    """
    args = [s for m in inputs for s in m]
    shapes = [sp.Matrix(o).shape if not isinstance(o, sp.Expr) else () for o in outputs]
    flat = [e for o in outputs for e in (list(o) if not isinstance(o, sp.Expr) else [o])]
    f = sp.lambdify(args, flat, "numpy", cse=True)

    def evaluate(*arrays: Any) -> list[np.ndarray]:
        values = [float(v) for a in arrays for v in np.asarray(a, dtype=np.float64).ravel()]
        if len(values) != len(args):
            raise ValueError(f"numeric: expected {len(args)} values, got {len(values)}")
        got = [np.float64(v) for v in f(*values)]
        out, k = [], 0
        for shape in shapes:
            size = int(np.prod(shape, dtype=int))
            out.append(np.array(got[k : k + size], dtype=np.float64).reshape(shape))
            k += size
        return out

    return evaluate


def chain_grad(S: sp.Expr, inner: sp.Matrix, inner_exprs: sp.Matrix, wrt: sp.Matrix) -> sp.Matrix:
    """``dS/dtheta`` for ``S`` written in intermediate symbols ``u = inner`` that stand for
    ``u(theta) = inner_exprs``, by the chain rule with every partial from ``sympy.diff``::

        dS/dtheta = sum_u (dS/du)(u(theta)) * du(theta)/dtheta + (dS/dtheta)(u(theta))

    The result is the derivative of ``S(u(theta), theta)``, the same expression ``diff`` would
    give on the substituted ``S``, built much faster (SymPy spends its time re-deriving facts
    about ``exp`` of long sums; here the ``exp`` only ever sees an atom ``u``).

    Example
    -------
    >>> x, u = matrix("x", 1, 1), matrix("u", 1, 1)
    >>> chain_grad(sp.exp(u[0]) + x[0], u, sp.Matrix([[x[0] ** 2]]), x)[0]
    2*x_11*exp(x_11**2) + 1
    """
    table = dict(zip(inner, inner_exprs, strict=True))
    dS_du = [sp.diff(S, ui).xreplace(table) for ui in inner]

    def entry(theta: sp.Symbol) -> sp.Expr:
        direct = sp.diff(S, theta).xreplace(table)
        paths = (g * sp.diff(e, theta) for g, e in zip(dS_du, inner_exprs, strict=True))
        return sp.Add(direct, *(t for t in paths if t != 0))

    return wrt.applyfunc(entry)


def _first_order(dY: sp.Matrix, Y: sp.Matrix) -> sp.Expr:
    """``S = sum(dY * Y)``: the summed loss to first order, what every backward differentiates."""
    return sp.Add(*(g * y for g, y in zip(dY, Y, strict=True)))


def _grad(S: sp.Expr, M: sp.Matrix) -> sp.Matrix:
    """``dS/dM`` entry by entry, by ``sympy.diff``."""
    return M.applyfunc(lambda s: sp.diff(S, s))


# -- linear_rows -------------------------------------------------------------------------------


@cache
def linear_derivation(
    n: int = LINEAR_SHAPE[0],
    d_in: int = LINEAR_SHAPE[1],
    d_out: int = LINEAR_SHAPE[2],
    bias: bool = True,
) -> dict[str, Any]:
    """``Y_ik = sum_j X_ij W_jk (+ b_k)`` entry by entry and ``dX, dW, db`` by ``diff`` of
    ``S = sum dY_ik Y_ik``.

    Returns
    -------
    dict
        Symbol matrices ``X (n, d_in)``, ``W (d_in, d_out)``, ``b (1, d_out)``, ``dY (n, d_out)``;
        ``Y``, ``S``; ``dX``, ``dW``, ``db`` (``db`` None without bias); ``forms_hold``: the
        derivatives expand to ``dY W^T``, ``X^T dY``, ``1^T dY``.
    """
    X, W, dY = matrix("X", n, d_in), matrix("W", d_in, d_out), matrix("dY", n, d_out)
    b = matrix("b", 1, d_out)
    Y = sp.Matrix(
        n,
        d_out,
        lambda i, k: sp.Add(*(X[i, j] * W[j, k] for j in range(d_in))) + (b[k] if bias else 0),
    )
    S = _first_order(dY, Y)
    dX, dW = _grad(S, X), _grad(S, W)
    db = _grad(S, b) if bias else None
    forms = [(dX, dY * W.T), (dW, X.T * dY)] + ([(db, sp.ones(1, n) * dY)] if bias else [])
    holds = all(sp.expand(a - f) == sp.zeros(*f.shape) for a, f in forms)
    return {
        "X": X,
        "W": W,
        "b": b,
        "dY": dY,
        "Y": Y,
        "S": S,
        "dX": dX,
        "dW": dW,
        "db": db,
        "forms_hold": holds,
    }


@cache
def linear_numeric(n: int, d_in: int, d_out: int, bias: bool = True) -> Callable[..., list]:
    """``f(X, W, b, dY) -> [Y, dX, dW, db]`` (``db`` all 0 without bias; pass ``b`` zeros
    then): :func:`linear_derivation` evaluated in float64, ``X`` any shape of ``n`` rows."""
    d = linear_derivation(n, d_in, d_out, bias)
    db = d["db"] if bias else sp.zeros(1, d_out)
    return numeric([d["X"], d["W"], d["b"], d["dY"]], [d["Y"], d["dX"], d["dW"], db])


def _engine_linear(X, W, b, dY):
    from visualdl.engine.rows import linear_backward, linear_forward

    _, cache_ = linear_forward(X, W, b)
    return linear_backward(dY, cache_)


def check_linear(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``Y``, ``dX``, ``dW``, ``db`` by ``diff`` vs ``rows.linear_forward``/``linear_backward``:
    ``X (3, 2)`` with bias, without bias, and ``X (2, 3, 2)`` (a batch axis; the derivation's
    6 rows), every row's share summed into ``dW``, ``db``.

    Parameters
    ----------
    backward : callable, optional
        ``(X, W, b, dY) -> (dX, dW, db)`` instead of the engine's (``db`` None when ``b`` is).

    Example
    -------
    >>> check_linear().passed
    True
    """
    from visualdl.engine.rows import linear_forward

    n, d_in, d_out = LINEAR_SHAPE
    gen = rng(seed)
    pairs: list[Any] = []
    holds = True
    for lead, bias in (((n,), True), ((n,), False), ((2, n), True)):
        rows = int(np.prod(lead))
        d = linear_derivation(rows, d_in, d_out, bias)
        holds = holds and d["forms_hold"]
        X, W = gen.standard_normal((*lead, d_in)), gen.standard_normal((d_in, d_out))
        b = gen.standard_normal(d_out) if bias else None
        dY = gen.standard_normal((*lead, d_out))
        values = [X, W, b if bias else np.zeros(d_out), dY]
        Y_s, dX_s, dW_s, db_s = linear_numeric(rows, d_in, d_out, bias)(*values)
        Y, _ = linear_forward(X, W, b)
        dX, dW, db = (backward or _engine_linear)(X, W, b, dY)
        pairs += [Y_s, np.reshape(Y, Y_s.shape), dX_s, np.reshape(dX, dX_s.shape), dW_s, dW]
        if bias:
            pairs += [db_s.ravel(), db]
        elif db is not None:
            holds = False  # a layer without bias has no db
    return Check(
        "Y, dX, dW, db by diff of Y = X W + b (3x2 X, with/without bias, batched) vs "
        "linear_backward",
        rel_error(*pairs) if holds else float("inf"),
    )


# -- embedding ---------------------------------------------------------------------------------


@cache
def embedding_derivation(
    ids: tuple[tuple[int, ...], ...] = EMBEDDING_IDS,
    V: int = EMBEDDING_SHAPE[0],
    d: int = EMBEDDING_SHAPE[1],
) -> dict[str, Any]:
    """The lookup as a product: ``X = O E`` with ``O (P, V)`` the one-hot rows of the ``P``
    positions of ``ids`` (read row-major), and ``dE = diff(S, E)``, ``S = sum dX * X``.

    Returns
    -------
    dict
        ``O`` (integers), symbol matrices ``E (V, d)``, ``dX (P, d)``; ``X``, ``S``, ``dE``; and
        ``forms_hold``: ``dE`` expands to the scatter-add ``O^T dX``.
    """
    flat = [t for row in ids for t in row]
    O = sp.Matrix(len(flat), V, lambda p, v: sp.Integer(int(flat[p] == v)))
    E, dX = matrix("E", V, d), matrix("dX", len(flat), d)
    X = O * E
    S = _first_order(dX, X)
    dE = _grad(S, E)
    holds = sp.expand(dE - O.T * dX) == sp.zeros(V, d)
    return {"O": O, "E": E, "dX": dX, "X": X, "S": S, "dE": dE, "forms_hold": holds}


def _engine_embedding(ids, E, dX):
    from visualdl.engine.embedding import embedding_backward, embedding_forward

    _, cache_ = embedding_forward(ids, E)
    return embedding_backward(dX, cache_)


def check_embedding(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``X = O E`` and ``dE`` by ``diff`` vs ``embedding_forward``/``embedding_backward`` on
    ``ids = [[2, 0, 2], [3, 2, 0]]``, ``E (5, 2)``: repeated tokens add their shares, tokens 1
    and 4 get 0.

    Parameters
    ----------
    backward : callable, optional
        ``(ids, E, dX) -> dE`` instead of the engine's.

    Example
    -------
    >>> check_embedding().passed
    True
    """
    from visualdl.engine.embedding import embedding_forward

    V, dim = EMBEDDING_SHAPE
    d = embedding_derivation(EMBEDDING_IDS, V, dim)
    gen = rng(seed)
    ids = np.array(EMBEDDING_IDS)
    E, dX = gen.standard_normal((V, dim)), gen.standard_normal((*ids.shape, dim))
    X_s, dE_s = numeric([d["E"], d["dX"]], [d["X"], d["dE"]])(E, dX)
    X, _ = embedding_forward(ids, E)
    dE = (backward or _engine_embedding)(ids, E, dX)
    return Check(
        "X = O E (one-hot product), dE by diff, ids with repeats vs embedding_backward",
        rel_error(X_s, np.reshape(X, X_s.shape), dE_s, dE) if d["forms_hold"] else float("inf"),
    )


# -- cross_entropy_rows ------------------------------------------------------------------------


@cache
def cross_entropy_derivation(
    targets: tuple[tuple[int, ...], ...] = CE_TARGETS, V: int = CE_VOCAB, pad: int | None = 0
) -> dict[str, Any]:
    """``J = (1/N) sum_p [log sum_v exp(z_pv) - z_p,t_p]`` over the ``N`` positions ``p`` whose
    target is not ``pad``, and ``dZ = diff(J, Z)`` (``Z (P, V)``, positions read row-major).

    Returns
    -------
    dict
        ``Z``, ``J``, ``dZ``, ``N``; ``forms_hold``: at each position ``dZ`` equals
        ``(softmax(z) - onehot) / N`` (0 at padded positions).
    """
    flat = [t for row in targets for t in row]
    Z = matrix("z", len(flat), V)
    kept = [p for p, t in enumerate(flat) if pad is None or t != pad]
    N = len(kept)
    J = (
        sp.Add(
            *(sp.log(sp.Add(*(sp.exp(Z[p, v]) for v in range(V)))) - Z[p, flat[p]] for p in kept)
        )
        / N
    )
    dZ = _grad(J, Z)

    def form(p: int, v: int) -> sp.Expr:
        if p not in kept:
            return sp.Integer(0)
        s = sp.exp(Z[p, v]) / sp.Add(*(sp.exp(Z[p, u]) for u in range(V)))
        return (s - int(flat[p] == v)) / N

    holds = all(sp.simplify(dZ[p, v] - form(p, v)) == 0 for p in range(len(flat)) for v in range(V))
    return {"Z": Z, "J": J, "dZ": dZ, "N": N, "forms_hold": holds}


def _engine_cross_entropy(logits, targets, pad):
    from visualdl.engine.rows import cross_entropy_rows, cross_entropy_rows_backward

    _, cache_ = cross_entropy_rows(logits, targets, pad)
    return cross_entropy_rows_backward(cache_)


def check_cross_entropy(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``J`` and ``dlogits`` by ``diff`` vs ``cross_entropy_rows``/``_backward``: logits
    ``(2, 3, 4)`` with targets ``[[1, 3, 0], [2, 0, 0]]``, ``pad = 0`` (N = 3 counted
    positions), and the same logits without padding (N = 6).

    Parameters
    ----------
    backward : callable, optional
        ``(logits, targets, pad) -> dlogits`` instead of the engine's.

    Example
    -------
    >>> check_cross_entropy().passed
    True
    """
    from visualdl.engine.rows import cross_entropy_rows

    gen = rng(seed)
    targets = np.array(CE_TARGETS)
    logits = gen.normal(0.0, 2.0, (*targets.shape, CE_VOCAB))
    pairs: list[Any] = []
    holds = True
    for pad in (0, None):
        d = cross_entropy_derivation(CE_TARGETS, CE_VOCAB, pad)
        holds = holds and d["forms_hold"]
        J_s, dZ_s = numeric([d["Z"]], [d["J"], d["dZ"]])(logits)
        J, _ = cross_entropy_rows(logits, targets, pad)
        dZ = (backward or _engine_cross_entropy)(logits, targets, pad)
        pairs += [J_s, np.float64(J), dZ_s, np.reshape(dZ, dZ_s.shape)]
    return Check(
        "J, dlogits by diff of the mean CE over non-pad positions (pad and none) vs "
        "cross_entropy_rows_backward",
        rel_error(*pairs) if holds else float("inf"),
    )


# -- softmax_jacobian --------------------------------------------------------------------------


@cache
def softmax_derivation(n: int = SOFTMAX_N) -> dict[str, Any]:
    """``s_i = exp(z_i) / sum_j exp(z_j)`` over one row of ``n`` entries, its Jacobian
    ``J_ij = diff(s_i, z_j)`` and the backward ``dZ_j = diff(sum_i dA_i s_i, z_j)``.

    Returns
    -------
    dict
        Row matrices ``z``, ``dA`` (1, n); ``s`` (1, n); ``J`` (n, n); ``dZ`` (1, n).
    """
    z, dA = matrix("z", 1, n), matrix("dA", 1, n)
    total = sp.Add(*(sp.exp(zj) for zj in z))
    s = z.applyfunc(lambda zi: sp.exp(zi) / total)
    J = sp.Matrix(n, n, lambda i, j: sp.diff(s[i], z[j]))
    dZ = _grad(_first_order(dA, s), z)
    return {"z": z, "dA": dA, "s": s, "J": J, "dZ": dZ}


def softmax_jacobian_simplifies(n: int = SOFTMAX_N) -> bool:
    """True when every entry of ``J - (diag(s) - s s^T)`` simplifies to 0 (``J`` by ``diff``),
    and ``dZ`` (by ``diff``) equals ``J^T dA``.

    Example
    -------
    >>> softmax_jacobian_simplifies(3)
    True
    """
    d = softmax_derivation(n)
    s = d["s"].T  # column
    closed = sp.diag(*s) - s * s.T
    jac = all(sp.cancel(e) == 0 for e in d["J"] - closed)
    vjp = sp.expand(d["dZ"] - (d["J"].T * d["dA"].T).T) == sp.zeros(1, n)
    return bool(jac and vjp)


def check_softmax_jacobian(backward: Callable | None = None, seed: int = SEED) -> Check:
    """``s`` and ``dZ = J^T dA`` (``J`` by ``diff``) vs ``softmax_rows`` and
    ``softmax_rows_backward`` on ``Z (3, 4)``, and on a row ``(1, 4)`` with one ``-inf`` entry
    (the derivation over the 3 kept entries; the masked entry must get weight and gradient 0).
    Infinite error unless :func:`softmax_jacobian_simplifies`.

    Parameters
    ----------
    backward : callable, optional
        ``(dA, A) -> dZ`` instead of ``softmax_rows_backward``.

    Example
    -------
    >>> check_softmax_jacobian().passed
    True
    """
    from visualdl.engine.rows import softmax_rows, softmax_rows_backward

    gen = rng(seed)
    Z, dA = gen.normal(0.0, 2.0, (3, SOFTMAX_N)), gen.standard_normal((3, SOFTMAX_N))
    masked = signed_uniform(gen, (1, SOFTMAX_N))
    masked[0, 2] = -np.inf
    dA_masked = gen.standard_normal((1, SOFTMAX_N))
    pairs: list[Any] = []
    for Zc, dAc in ((Z, dA), (masked, dA_masked)):
        A = softmax_rows(Zc)
        dZ = (backward or softmax_rows_backward)(dAc, A)
        for r in range(Zc.shape[0]):
            keep = np.isfinite(Zc[r])
            d = softmax_derivation(int(keep.sum()))
            s_r, dZ_r = numeric([d["z"], d["dA"]], [d["s"], d["dZ"]])(Zc[r, keep], dAc[r, keep])
            s_full, dZ_full = np.zeros(Zc.shape[1]), np.zeros(Zc.shape[1])
            s_full[keep], dZ_full[keep] = s_r.ravel(), dZ_r.ravel()
            pairs += [s_full, A[r], dZ_full, dZ[r]]
    ok = softmax_jacobian_simplifies(SOFTMAX_N)
    return Check(
        "J = diff(softmax) = diag(s) - s s^T; J^T dA (and a -inf entry) vs softmax_rows_backward",
        rel_error(*pairs) if ok else float("inf"),
    )


# the rows of ``visualdl verify``, in the order it prints them
CHECKS: dict[str, Op] = {
    "linear_rows": Op(check_linear, covers=("rows.linear_backward",)),
    "embedding": Op(check_embedding, covers=("embedding.embedding_backward",)),
    "cross_entropy_rows": Op(check_cross_entropy, covers=("rows.cross_entropy_rows_backward",)),
    "softmax_jacobian": Op(check_softmax_jacobian, covers=("rows.softmax_rows_backward",)),
}
