"""Attention in the row layout: masks, scaled dot-product, additive and multi-head attention.

Rows are positions: a query matrix ``Q: (n_q, d_k)`` holds one query per row, keys
``K: (n_k, d_k)`` and values ``V: (n_k, d_v)`` one key and one value per row; any leading axes
(a batch ``B``, heads ``h``) are carried along, ``(B, h, n, d_k)``. Every backward returns the
gradients of the summed loss ``S = sum(dout * out)`` (no ``1/m`` inside an op, see
:mod:`visualdl.engine.rows`).

Scaled dot-product attention, the notes' formula with the additive mask ``M``::

    scores = Q K^T / sqrt(d_k) + M          (..., n_q, n_k)
    A      = softmax(scores)  row by row    each row of A sums to 1
    out    = A V                            (..., n_q, d_v)

and its backward::

    dV = A^T dout        dA = dout V^T        dS = A * (dA - sum_k(dA * A))   (softmax)
    dQ = dS K / sqrt(d_k)                     dK = dS^T Q / sqrt(d_k)

Masks are boolean KEEP arrays, True where the query may attend to the key, broadcastable to
the scores' shape ``(..., n_q, n_k)``: :func:`causal_mask` (``j <= i``) and
:func:`padding_mask` (keys that are not padding). The engine applies a mask as the formula's
``M`` (0 where kept, ``-inf`` where masked): ``scores = where(keep, scores, -inf)``, so a
masked weight is exactly 0 and its gradient too. The notes' code writes
``scores.masked_fill(mask == 0, -1e9)`` (:func:`masked_fill`); the two give the same weights
(``exp(-1e9 - max)`` underflows to 0) except on a row where every key is masked: there -1e9
gives a uniform row (the query attends to padding, silently) and -inf gives ``0 / 0 = NaN``.
The engine refuses such a row with a ``ValueError`` that names it, instead of either.

Additive attention (Bahdanau): ``a(q, k) = w_v . tanh(q W_q + k W_k)``, then the same
softmax and weighted sum. Multi-head attention: ``Q = X_q W_Q``, ``K = X_kv W_K``,
``V = X_kv W_V``, split into ``h`` heads of ``d_k = d_model / h`` columns, scaled dot-product
attention per head, heads concatenated and projected by ``W_O`` (no biases in the notes' code;
``b_Q, b_K, b_V, b_O`` are optional here).

Example
-------
>>> import numpy as np
>>> Q, K, V = np.eye(2), np.eye(2), np.array([[1.0, 0.0], [0.0, 2.0]])
>>> out, cache = scaled_dot_product_attention(Q, K, V, causal_mask(2))
>>> cache["weights"].round(3).tolist()  # query 0 sees key 0 only
[[1.0, 0.0], [0.33, 0.67]]
>>> dQ, dK, dV = scaled_dot_product_attention_backward(np.ones((2, 2)), cache)
>>> dV.round(3).tolist()  # A^T dout
[[1.33, 1.33], [0.67, 0.67]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from visualdl.backend import array_module, to_host
from visualdl.engine.checks import gradient, integer, real_array
from visualdl.engine.rows import (
    linear_backward,
    linear_forward,
    softmax_rows,
    softmax_rows_backward,
)

__all__ = [
    "additive_attention",
    "additive_attention_backward",
    "causal_mask",
    "keep_mask",
    "masked_fill",
    "merge_heads",
    "multi_head_attention",
    "multi_head_attention_backward",
    "padding_mask",
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
    "split_heads",
]

Array = Any
PROJECTIONS = ("Q", "K", "V", "O")
_MHA = "multi_head_attention"


# -- masks -----------------------------------------------------------------------------------


def causal_mask(n: int) -> Array:
    """The causal (look-ahead) keep mask ``(n, n)``: True where ``j <= i``, so query ``i``
    attends to itself and earlier positions only (the notes' ``M_ij = 0`` for ``j <= i``,
    ``-inf`` otherwise).

    >>> causal_mask(3).astype(int).tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    n = integer("causal_mask", "n", n)
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(ids: Any, pad: int) -> Array:
    """The padding keep mask ``(..., 1, n)`` of token ids ``(..., n)`` (a batch ``(B, n)``
    gives ``(B, 1, n)``): True at keys that are not ``pad``; the axis of length 1 broadcasts
    over the queries.

    >>> padding_mask(np.array([[5, 7, 0]]), pad=0).tolist()
    [[[True, True, False]]]
    """
    op = "padding_mask"
    if not hasattr(ids, "dtype"):
        ids = np.asarray(ids)
    xp = array_module(ids)
    if not xp.isdtype(ids.dtype, "integral"):
        raise ValueError(f"{op}: ids must be integer token ids, got dtype {ids.dtype}")
    if ids.ndim < 1:
        raise ValueError(f"{op}: ids must be (..., n), got shape {tuple(ids.shape)}")
    pad = integer(op, "pad", pad, 0)
    return xp.expand_dims(ids != pad, axis=-2)


def _broadcasts(shape: tuple, target: tuple) -> bool:
    """Whether an array of ``shape`` broadcasts to exactly ``target``."""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target), strict=False))


def keep_mask(op: str, mask: Any, shape: tuple, xp: Any, full_rows: bool = True) -> Array | None:
    """``mask`` as a boolean array of the module ``xp``, checked to broadcast to the scores'
    ``shape`` ``(..., n_q, n_k)``; with ``full_rows``, ``ValueError`` naming the first query
    row whose every key is masked (its softmax would be NaN). None stays None."""
    if mask is None:
        return None
    if not hasattr(mask, "dtype"):
        mask = np.asarray(mask)
    mod = array_module(mask)
    if not (getattr(mod, "isdtype", None) or np.isdtype)(mask.dtype, "bool"):
        raise ValueError(
            f"{op}: mask must be a boolean keep array (True = may attend), got dtype "
            f"{mask.dtype}; write mask != 0 for a 0/1 mask"
        )
    if mod is not xp:
        mask = xp.asarray(mask if mod is np else to_host(mask))
    got = tuple(mask.shape)
    if not _broadcasts(got, shape):
        raise ValueError(
            f"{op}: mask of shape {got} does not broadcast to the scores' shape "
            f"(..., n_q, n_k) = {shape}"
        )
    if full_rows:
        rows = xp.any(xp.broadcast_to(mask, shape), axis=-1)
        if not bool(xp.all(rows)):
            first = tuple(int(i) for i in np.argwhere(~np.asarray(to_host(rows)))[0])
            where = f"query row {first[-1]}"
            if len(first) > 1:
                where += f" at leading index {first[:-1]}"
            raise ValueError(
                f"{op}: {where} is fully masked (no key may be attended): its softmax over "
                f"only -inf scores is NaN; keep at least one key per query"
            )
    return mask


def masked_fill(scores: Array, keep: Any, value: float = -1e9) -> Array:
    """The notes' code, ``scores.masked_fill(mask == 0, -1e9)``: ``value`` where ``keep`` is
    False. After the softmax it matches the engine's ``-inf`` on every row that keeps a key;
    a fully masked row becomes uniform (``1 / n_k``) instead of an error.

    >>> masked_fill(np.zeros((1, 2)), np.array([[True, False]])).tolist()
    [[0.0, -1000000000.0]]
    """
    scores = real_array("masked_fill", "scores", scores)
    xp = array_module(scores)
    keep = keep_mask("masked_fill", keep, tuple(scores.shape), xp, full_rows=False)
    return xp.where(keep, scores, xp.full_like(scores, value))


def _masked(scores: Array, keep: Array | None) -> Array:
    """``scores + M``: ``-inf`` where ``keep`` is False."""
    if keep is None:
        return scores
    xp = array_module(scores)
    return xp.where(keep, scores, xp.full_like(scores, -math.inf))


def _mT(x: Array) -> Array:
    """The transpose of the last two axes."""
    axes = (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)
    return array_module(x).permute_dims(x, axes)


# -- scaled dot-product attention ------------------------------------------------------------


def _qkv(op: str, Q: Any, K: Any, V: Any, same_d: bool = True) -> tuple[Array, Array, Array]:
    """``Q (..., n_q, d_q)``, ``K (..., n_k, d_k)``, ``V (..., n_k, d_v)`` checked: at least 2
    axes, the same leading axes, as many keys as values, and ``d_q == d_k`` if ``same_d``."""
    Q, K, V = (real_array(op, n, x) for n, x in (("Q", Q), ("K", K), ("V", V)))
    shapes = {n: tuple(x.shape) for n, x in (("Q", Q), ("K", K), ("V", V))}
    layouts = {"Q": "(..., n_q, d_k)", "K": "(..., n_k, d_k)", "V": "(..., n_k, d_v)"}
    for n, s in shapes.items():
        if len(s) < 2 or 0 in s[-2:]:
            raise ValueError(f"{op}: {n} must be {layouts[n]} with n, d >= 1, got shape {s}")
    sq, sk, sv = shapes["Q"], shapes["K"], shapes["V"]
    if not sq[:-2] == sk[:-2] == sv[:-2]:
        raise ValueError(
            f"{op}: Q, K and V must have the same leading axes, got shapes Q {sq}, K {sk}, V {sv}"
        )
    if same_d and sq[-1] != sk[-1]:
        raise ValueError(f"{op}: Q and K must have the same d_k (last axis), got Q {sq} and K {sk}")
    if sk[-2] != sv[-2]:
        raise ValueError(
            f"{op}: K and V must have one row per key (the same n_k), got K {sk} and V {sv}"
        )
    dtype = {x.dtype for x in (Q, K, V)}
    if len(dtype) > 1:
        raise ValueError(f"{op}: Q, K and V must share one dtype, got {sorted(map(str, dtype))}")
    return Q, K, V


def _attend(Q: Array, K: Array, V: Array, keep: Array | None) -> tuple[Array, dict]:
    """The checked core of :func:`scaled_dot_product_attention` (inputs already valid)."""
    scale = 1.0 / math.sqrt(Q.shape[-1])
    scores = (Q * scale) @ _mT(K)  # = Q K^T / sqrt(d_k); scaling Q is the cheaper product
    A = softmax_rows(_masked(scores, keep))
    cache = {"Q": Q, "K": K, "V": V, "scores": scores, "keep": keep, "weights": A}
    return A @ V, cache | {"scale": scale}


def scaled_dot_product_attention(
    Q: Array, K: Array, V: Array, mask: Any = None
) -> tuple[Array, dict]:
    """``out = softmax(Q K^T / sqrt(d_k) + M) V``, row by row.

    Parameters
    ----------
    Q : (..., n_q, d_k) queries, one per row.
    K : (..., n_k, d_k) keys.
    V : (..., n_k, d_v) values.
    mask : bool, broadcastable to (..., n_q, n_k), optional
        True where query ``i`` may attend to key ``j``; masked scores become ``-inf``.

    Returns
    -------
    out : (..., n_q, d_v)
    cache : dict with ``weights`` ``A (..., n_q, n_k)`` (rows sum to 1, masked entries 0),
        ``scores`` ``Q K^T / sqrt(d_k)`` (before the mask) and the inputs.

    Example
    -------
    >>> out, c = scaled_dot_product_attention(np.zeros((2, 3)), np.ones((4, 3)), np.eye(4))
    >>> out.shape, c["weights"][0].tolist()  # equal scores: uniform weights
    ((2, 4), [0.25, 0.25, 0.25, 0.25])
    """
    op = "scaled_dot_product_attention"
    Q, K, V = _qkv(op, Q, K, V)
    shape = (*Q.shape[:-1], K.shape[-2])
    return _attend(Q, K, V, keep_mask(op, mask, shape, array_module(Q)))


def scaled_dot_product_attention_backward(dout: Array, cache: dict) -> tuple[Array, Array, Array]:
    """``(dQ, dK, dV)`` of the summed loss for ``dout (..., n_q, d_v)``:
    ``dV = A^T dout``, ``dA = dout V^T``, ``dS = A * (dA - sum(dA * A))``,
    ``dQ = dS K / sqrt(d_k)``, ``dK = dS^T Q / sqrt(d_k)``; masked keys get 0 through ``A``.
    """
    Q, K, V, A = cache["Q"], cache["K"], cache["V"], cache["weights"]
    dout = gradient(
        "scaled_dot_product_attention_backward", "dout", dout, "out", (*A.shape[:-1], V.shape[-1])
    )
    dV = _mT(A) @ dout
    dS = softmax_rows_backward(dout @ _mT(V), A)  # of the scaled scores
    scale = cache["scale"]
    return (dS @ K) * scale, _mT(dS) @ (Q * scale), dV


# -- additive attention ----------------------------------------------------------------------


def additive_attention(
    Q: Array, K: Array, V: Array, params: dict, mask: Any = None
) -> tuple[Array, dict]:
    """Additive (Bahdanau) attention: ``a(q_i, k_j) = w_v . tanh(q_i W_q + k_j W_k)``,
    ``A = softmax(a + M)`` row by row, ``out = A V``.

    Parameters
    ----------
    Q : (..., n_q, d_q); K : (..., n_k, d_k); V : (..., n_k, d_v). ``d_q`` and ``d_k`` may
        differ (the reason for additive attention).
    params : ``{"W_q": (d_q, h), "W_k": (d_k, h), "w_v": (h,)}``, ``h`` hidden units.
    mask : bool keep array broadcastable to (..., n_q, n_k), optional.

    Returns
    -------
    out : (..., n_q, d_v)
    cache : with ``weights`` (..., n_q, n_k), ``scores`` (before the mask), ``T`` the
        hidden ``tanh`` (..., n_q, n_k, h).

    Example
    -------
    >>> p = {"W_q": np.ones((2, 3)), "W_k": np.ones((1, 3)), "w_v": np.zeros(3)}
    >>> out, c = additive_attention(np.ones((1, 2)), np.ones((4, 1)), np.eye(4), p)
    >>> c["weights"].tolist()  # w_v = 0: every score 0, uniform weights
    [[0.25, 0.25, 0.25, 0.25]]
    """
    op = "additive_attention"
    Q, K, V = _qkv(op, Q, K, V, same_d=False)
    W_q, W_k, w_v = _params(op, params, ("W_q", "W_k", "w_v"))
    h = w_v.shape[0] if w_v.ndim == 1 else 0
    if h < 1 or tuple(W_q.shape) != (Q.shape[-1], h) or tuple(W_k.shape) != (K.shape[-1], h):
        raise ValueError(
            f"{op}: expected W_q (d_q, h) = ({Q.shape[-1]}, h), W_k (d_k, h) = "
            f"({K.shape[-1]}, h), w_v (h,) with h >= 1; got W_q {tuple(W_q.shape)}, "
            f"W_k {tuple(W_k.shape)}, w_v {tuple(w_v.shape)}"
        )
    xp = array_module(Q)
    keep = keep_mask(op, mask, (*Q.shape[:-1], K.shape[-2]), xp)
    Hq, cache_q = linear_forward(Q, W_q, op=op)
    Hk, cache_k = linear_forward(K, W_k, op=op)
    T = xp.tanh(xp.expand_dims(Hq, axis=-2) + xp.expand_dims(Hk, axis=-3))
    scores = T @ w_v
    A = softmax_rows(_masked(scores, keep))
    cache = {"V": V, "w_v": w_v, "T": T, "scores": scores, "keep": keep, "weights": A}
    return A @ V, cache | {"cache_q": cache_q, "cache_k": cache_k}


def additive_attention_backward(dout: Array, cache: dict) -> dict[str, Array]:
    """Gradients of the summed loss: ``dV = A^T dout``, ``dS`` by the softmax backward,
    ``dP = dS w_v (1 - T^2)`` (the hidden layer, ``P = q W_q + k W_k``),
    ``dw_v = sum_ij dS_ij T_ij``, ``dQ, dW_q`` from ``sum_j dP_ij``, ``dK, dW_k`` from
    ``sum_i dP_ij``. Keys ``dQ, dK, dV, dW_q, dW_k, dw_v``."""
    V, A, T, w_v = cache["V"], cache["weights"], cache["T"], cache["w_v"]
    dout = gradient(
        "additive_attention_backward", "dout", dout, "out", (*A.shape[:-1], V.shape[-1])
    )
    xp = array_module(dout)
    dV = _mT(A) @ dout
    dS = softmax_rows_backward(dout @ _mT(V), A)
    dw_v = xp.reshape(xp.expand_dims(dS, axis=-2) @ T, (-1, T.shape[-1]))
    dP = xp.expand_dims(dS, axis=-1) * w_v * (1.0 - T * T)
    dQ, dW_q, _ = linear_backward(xp.sum(dP, axis=-2), cache["cache_q"])
    dK, dW_k, _ = linear_backward(xp.sum(dP, axis=-3), cache["cache_k"])
    return {"dQ": dQ, "dK": dK, "dV": dV, "dW_q": dW_q, "dW_k": dW_k, "dw_v": xp.sum(dw_v, axis=0)}


def _params(op: str, params: Any, names: tuple[str, ...]) -> list[Array]:
    if not isinstance(params, dict):
        raise ValueError(f"{op}: params must be a dict with keys {list(names)}, got {type(params)}")
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"{op}: params is missing {missing} (expected keys {list(names)})")
    return [real_array(op, n, params[n]) for n in names]


# -- heads -----------------------------------------------------------------------------------


def _head_size(op: str, d_model: int, h: Any) -> int:
    h = integer(op, "h", h)
    if d_model % h:
        raise ValueError(f"{op}: d_model = {d_model} is not divisible by h = {h} heads")
    return d_model // h


def split_heads(X: Array, h: int) -> Array:
    """``(..., n, d_model)`` -> ``(..., h, n, d_k)``, ``d_k = d_model / h``: head ``k`` holds
    columns ``k d_k .. (k+1) d_k - 1`` (the notes' ``view(B, n, h, d_k).transpose(1, 2)``).

    >>> split_heads(np.arange(8.0).reshape(2, 4), 2)[1].tolist()  # head 1: columns 2, 3
    [[2.0, 3.0], [6.0, 7.0]]
    """
    X = real_array("split_heads", "X", X)
    if X.ndim < 2:
        raise ValueError(f"split_heads: X must be (..., n, d_model), got shape {tuple(X.shape)}")
    d_k = _head_size("split_heads", X.shape[-1], h)
    xp, lead = array_module(X), X.ndim - 2
    X = xp.reshape(X, (*X.shape[:-1], h, d_k))
    return xp.permute_dims(X, (*range(lead), lead + 1, lead, lead + 2))


def merge_heads(X: Array) -> Array:
    """``(..., h, n, d_k)`` -> ``(..., n, h d_k)``: the heads concatenated, the inverse of
    :func:`split_heads`.

    >>> merge_heads(split_heads(np.arange(8.0).reshape(2, 4), 2)).tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    """
    X = real_array("merge_heads", "X", X)
    if X.ndim < 3:
        raise ValueError(f"merge_heads: X must be (..., h, n, d_k), got shape {tuple(X.shape)}")
    xp, lead = array_module(X), X.ndim - 3
    h, n, d_k = X.shape[-3:]
    X = xp.permute_dims(X, (*range(lead), lead + 1, lead, lead + 2))
    return xp.reshape(X, (*X.shape[:-2], h * d_k))


# -- multi-head attention --------------------------------------------------------------------


def _mha_inputs(
    op: str, X_q: Any, X_kv: Any, params: Any, h: Any
) -> tuple[Array, Array, dict, int]:
    """The checked inputs of multi-head attention: ``X_q (..., n_q, d_model)``,
    ``X_kv (..., n_kv, d_model)``, ``W_* (d_model, d_model)``, optional ``b_* (d_model,)``;
    returns ``(X_q, X_kv, params, d_k)``."""
    X_q, X_kv = real_array(op, "X_q", X_q), real_array(op, "X_kv", X_kv)
    sq, skv = tuple(X_q.shape), tuple(X_kv.shape)
    if len(sq) < 2 or len(skv) < 2 or 0 in sq[-2:] or 0 in skv[-2:]:
        raise ValueError(
            f"{op}: X_q must be (..., n_q, d_model) and X_kv (..., n_kv, d_model), "
            f"got {sq} and {skv}"
        )
    if sq[:-2] != skv[:-2] or sq[-1] != skv[-1]:
        raise ValueError(
            f"{op}: X_q and X_kv must have the same leading axes and d_model, got {sq} and {skv}"
        )
    d_model = sq[-1]
    d_k = _head_size(op, d_model, h)
    names = [f"W_{p}" for p in PROJECTIONS]
    checked = dict(zip(names, _params(op, params, tuple(names)), strict=True))
    for p in PROJECTIONS:
        W = checked[f"W_{p}"]
        if tuple(W.shape) != (d_model, d_model):
            raise ValueError(
                f"{op}: W_{p} must be (d_model, d_model) = ({d_model}, {d_model}), "
                f"got {tuple(W.shape)}"
            )
        if params.get(f"b_{p}") is not None:
            b = real_array(op, f"b_{p}", params[f"b_{p}"])
            if tuple(b.shape) != (d_model,):
                raise ValueError(f"{op}: b_{p} must be (d_model,) = ({d_model},), got {b.shape}")
            checked[f"b_{p}"] = b
    return X_q, X_kv, checked, d_k


def _head_mask(op: str, mask: Any, shape: tuple, xp: Any) -> Array | None:
    """A keep mask that broadcasts to ``shape = (..., n_q, n_k)`` (no head axis), checked
    (fully masked rows refused) and given a head axis: ``(..., 1, n_q, n_k)``."""
    keep = keep_mask(op, mask, shape, xp)
    if keep is None:
        return None
    keep = xp.reshape(keep, (1,) * (len(shape) - keep.ndim) + tuple(keep.shape))
    return xp.expand_dims(keep, axis=-3)


def multi_head_attention(
    X_q: Array, X_kv: Array, params: dict, h: int, mask: Any = None
) -> tuple[Array, dict]:
    """``MultiHead(X_q, X_kv) = Concat(head_1, ..., head_h) W_O`` with
    ``head_k = Attention(Q_k, K_k, V_k)`` and ``Q = X_q W_Q``, ``K = X_kv W_K``,
    ``V = X_kv W_V`` split into ``h`` heads of ``d_k = d_model / h`` columns.

    Parameters
    ----------
    X_q : (..., n_q, d_model) the positions that ask (self-attention: ``X``).
    X_kv : (..., n_k, d_model) the positions attended to (self-attention: the same ``X``;
        cross-attention: the encoder's output).
    params : ``W_Q, W_K, W_V, W_O`` each (d_model, d_model); optional biases ``b_Q, b_K,
        b_V, b_O`` (d_model,) (the notes' code has none).
    h : the number of heads; must divide ``d_model``.
    mask : bool keep array broadcastable to (..., n_q, n_k), the same for every head
        (``causal_mask(n)``, ``padding_mask(ids, pad)``); the head axis is added here.

    Returns
    -------
    out : (..., n_q, d_model)
    cache : with ``weights`` (..., h, n_q, n_k), every head's attention weights.

    Example
    -------
    >>> p = {k: np.eye(4) for k in ("W_Q", "W_K", "W_V", "W_O")}
    >>> out, c = multi_head_attention(np.ones((3, 4)), np.ones((3, 4)), p, h=2)
    >>> out.shape, c["weights"].shape
    ((3, 4), (2, 3, 3))
    """
    op = _MHA
    X_q, X_kv, p, _ = _mha_inputs(op, X_q, X_kv, params, h)
    xp = array_module(X_q)
    keep = _head_mask(op, mask, (*X_q.shape[:-1], X_kv.shape[-2]), xp)
    Q, cache_Q = _project(X_q, p, "Q")
    K, cache_K = _project(X_kv, p, "K")
    V, cache_V = _project(X_kv, p, "V")
    heads, cache_A = _attend(split_heads(Q, h), split_heads(K, h), split_heads(V, h), keep)
    out, cache_O = _project(merge_heads(heads), p, "O")
    cache = {"h": h, "weights": cache_A["weights"], "attention": cache_A, "out_shape": out.shape}
    return out, cache | {"Q": cache_Q, "K": cache_K, "V": cache_V, "O": cache_O}


def _project(X: Array, params: dict, name: str) -> tuple[Array, dict]:
    """``X W_name + b_name`` on the rows of ``X (..., d_model)``."""
    return linear_forward(X, params[f"W_{name}"], params.get(f"b_{name}"), op=_MHA)


def multi_head_attention_backward(dout: Array, cache: dict) -> dict[str, Array]:
    """Gradients of the summed loss, back through ``W_O``, the merge, each head's attention,
    the split and the three projections. Keys ``dX_q, dX_kv, dW_Q, dW_K, dW_V, dW_O`` and
    ``db_*`` for the biases given. ``dX_kv`` sums the key and value paths; for
    self-attention the input's gradient is ``dX_q + dX_kv``."""
    dout = gradient("multi_head_attention_backward", "dout", dout, "out", cache["out_shape"])
    h = cache["h"]
    grads: dict[str, Array] = {}
    dconcat, grads["dW_O"], db_O = linear_backward(dout, cache["O"])
    dQ, dK, dV = scaled_dot_product_attention_backward(split_heads(dconcat, h), cache["attention"])
    dX_q, grads["dW_Q"], db_Q = linear_backward(merge_heads(dQ), cache["Q"])
    dX_k, grads["dW_K"], db_K = linear_backward(merge_heads(dK), cache["K"])
    dX_v, grads["dW_V"], db_V = linear_backward(merge_heads(dV), cache["V"])
    for p, db in zip(PROJECTIONS, (db_Q, db_K, db_V, db_O), strict=True):
        if db is not None:  # None for a projection without bias
            grads[f"db_{p}"] = db
    return {"dX_q": dX_q, "dX_kv": dX_k + dX_v, **grads}
