"""Slow, obviously-correct loop versions of scaled dot-product and multi-head attention: the
test oracles of :mod:`visualdl.engine.attention`, and the narrators of every picture that
walks one query through its keys.

For each query ``q_i`` (a row of ``Q``) the loop computes each score
``s_j = q_i . k_j / sqrt(d_k)`` one key at a time, sets masked scores to ``-inf``, takes the
softmax ``w_j = exp(s_j - max s) / sum_l exp(s_l - max s)`` and sums ``out_i = sum_j w_j v_j``,
where the fast op multiplies whole matrices. Inside ``with visualdl.trace.record()`` it
records, per query:

- ``attention.query``: ``q (d_k,)``, ``scores (n_k,)``, ``masked (n_k,)`` (``-inf`` where
  masked), ``weights (n_k,)``, ``out (d_v,)``; info ``i`` and, where there are leading axes,
  ``batch`` (and ``head``);
- ``attention.query_backward``: ``dout (d_v,)``, ``dweights (n_k,)`` (``dw_j = dout . v_j``),
  ``dscores (n_k,)`` (``ds_j = w_j (dw_j - sum_l w_l dw_l)``), ``dq (d_k,)``;

and :func:`multi_head_attention_loop` records ``mha.head`` per head (and batch element):
``Q_h, K_h, V_h``, ``weights`` and ``out_h``, with info ``head``. The loops take the array
namespace from their inputs and use only array-API calls, so they run under
array-api-strict as well.

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record
>>> with record() as tr:
...     out, w = scaled_dot_product_attention_loop(np.eye(2), np.eye(2), np.eye(2))
>>> [r.info["i"] for r in tr.find("attention.query")], w.shape
([0, 1], (2, 2))
"""

from __future__ import annotations

import math
from typing import Any

from visualdl import trace
from visualdl.backend import array_module
from visualdl.engine.attention import _head_mask, _mha_inputs, _qkv, keep_mask
from visualdl.engine.checks import gradient
from visualdl.schema import declare

__all__ = [
    "multi_head_attention_loop",
    "scaled_dot_product_attention_backward_loop",
    "scaled_dot_product_attention_loop",
]

Array = Any
_WHERE = {
    "i": "query index (row of Q), 0-based",
    "batch": "index of the leading (batch) axes: an int, a list for several",
    "head": "head index (the axis before n_q when there are two or more leading axes)",
}
_OPTIONAL = ("batch", "head")

QUERY = declare(
    "attention.query",
    arrays={
        "q": "(d_k,) the query row",
        "scores": "(n_k,) q . k_j / sqrt(d_k), before the mask",
        "masked": "(n_k,) the scores with -inf where the mask is False",
        "weights": "(n_k,) softmax of masked: sum to 1, 0 where masked",
        "out": "(d_v,) sum_j weights_j v_j",
    },
    info=_WHERE,
    optional=_OPTIONAL,
)
QUERY_BACKWARD = declare(
    "attention.query_backward",
    arrays={
        "dout": "(d_v,) the query's upstream gradient",
        "dweights": "(n_k,) dout . v_j",
        "dscores": "(n_k,) w_j (dweights_j - sum_l w_l dweights_l), 0 where masked",
        "dq": "(d_k,) sum_j dscores_j k_j / sqrt(d_k)",
    },
    info=_WHERE,
    optional=_OPTIONAL,
)
MHA_HEAD = declare(
    "mha.head",
    arrays={
        "Q_h": "(n_q, d_k) the head's columns of X_q W_Q",
        "K_h": "(n_k, d_k) the head's columns of X_kv W_K",
        "V_h": "(n_k, d_k) the head's columns of X_kv W_V",
        "weights": "(n_q, n_k) the head's attention weights",
        "out_h": "(n_q, d_k) the head's output, its columns of the concatenation",
    },
    info={"head": "head index, 0-based", "batch": _WHERE["batch"]},
    optional=("batch",),
)


def _narrating() -> bool:
    return trace.current() is not None


def _where(index: tuple[int, ...], n_lead: int) -> dict[str, Any]:
    """The info naming leading index ``index``: ``batch`` for one axis, ``batch`` and
    ``head`` (the last leading axis) for more."""
    if n_lead == 0:
        return {}
    if n_lead == 1:
        return {"batch": index[0]}
    batch = index[0] if n_lead == 2 else list(index[:-1])
    return {"batch": batch, "head": index[-1]}


def _indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of ``shape`` in row-major order (``[()]`` for no axes)."""
    out: list[tuple[int, ...]] = [()]
    for n in shape:
        out = [(*i, k) for i in out for k in range(n)]
    return out


def _flat(x: Array, n_lead: int) -> Array:
    """``x (..., a, b)`` as ``(prod(...), a, b)``."""
    return array_module(x).reshape(x, (-1, *x.shape[n_lead:]))


def _softmax(masked: Array) -> Array:
    xp = array_module(masked)
    e = xp.exp(masked - xp.max(masked))
    return e / xp.sum(e)


def _query(
    op: str, q: Array, K: Array, V: Array, keep: Array | None, where: dict, narrate: bool
) -> tuple:
    """One query ``q (d_k,)`` against ``K (n_k, d_k)``, ``V (n_k, d_v)`` with its keep row
    ``(n_k,)``: ``(weights, out)``, recorded as ``attention.query`` when ``narrate``."""
    xp = array_module(q)
    scale = 1.0 / math.sqrt(q.shape[0])
    n_k = K.shape[0]
    scores = xp.stack([xp.sum(q * K[j, :]) * scale for j in range(n_k)])
    minus_inf = xp.full_like(scores, -math.inf)
    masked = scores if keep is None else xp.where(keep, scores, minus_inf)
    if keep is not None and not bool(xp.any(keep)):
        lead = {k: v for k, v in where.items() if k != "i"}
        at = "".join(f", {k} {v}" for k, v in lead.items())
        raise ValueError(
            f"{op}: query row {where['i']}{at} is fully masked (no key may be attended): its "
            "softmax over only -inf scores is NaN; keep at least one key per query"
        )
    weights = _softmax(masked)
    out = xp.zeros_like(V[0, :])
    for j in range(n_k):
        out = out + weights[j] * V[j, :]
    if narrate and _narrating():
        QUERY.log(**where, q=q, scores=scores, masked=masked, weights=weights, out=out)
    return weights, out


def _loop(
    op: str, Q: Array, K: Array, V: Array, keep: Array | None, where: dict, narrate: bool = True
) -> tuple:
    """Every query of one attention ``Q (n_q, d_k)``: ``(out (n_q, d_v), weights (n_q, n_k))``."""
    xp = array_module(Q)
    rows = [
        _query(op, Q[i, :], K, V, None if keep is None else keep[i, :], {**where, "i": i}, narrate)
        for i in range(Q.shape[0])
    ]
    return xp.stack([o for _, o in rows]), xp.stack([w for w, _ in rows])


def _keep(op: str, mask: Any, Q: Array, K: Array) -> Array | None:
    """The keep mask broadcast to the full scores' shape ``(..., n_q, n_k)``, or None."""
    shape = (*Q.shape[:-1], K.shape[-2])
    xp = array_module(Q)
    keep = keep_mask(op, mask, shape, xp, full_rows=False)
    return None if keep is None else xp.broadcast_to(keep, shape)


def _per_lead(op: str, Q, K, V, mask, each) -> list:
    """``each(index, q2, k2, v2, keep2)`` for every leading index of the checked inputs."""
    n_lead = Q.ndim - 2
    keep = _keep(op, mask, Q, K)
    Qf, Kf, Vf = (_flat(x, n_lead) for x in (Q, K, V))
    keep_f = None if keep is None else _flat(keep, n_lead)
    return [
        each(index, Qf[b, ...], Kf[b, ...], Vf[b, ...], None if keep_f is None else keep_f[b, ...])
        for b, index in enumerate(_indices(tuple(Q.shape[:-2])))
    ]


def scaled_dot_product_attention_loop(
    Q: Array, K: Array, V: Array, mask: Any = None
) -> tuple[Array, Array]:
    """``(out, weights)`` of :func:`~visualdl.engine.attention.scaled_dot_product_attention`
    (``out (..., n_q, d_v)``, ``weights (..., n_q, n_k)``), one query and one key at a time;
    records ``attention.query``. A fully masked query row is a ``ValueError`` naming it."""
    op = "scaled_dot_product_attention_loop"
    Q, K, V = _qkv(op, Q, K, V)
    n_lead = Q.ndim - 2

    def each(index, q2, k2, v2, keep2):
        return _loop(op, q2, k2, v2, keep2, _where(index, n_lead))

    parts = _per_lead(op, Q, K, V, mask, each)
    xp = array_module(Q)
    out = xp.reshape(xp.stack([o for o, _ in parts]), (*Q.shape[:-1], V.shape[-1]))
    weights = xp.reshape(xp.stack([w for _, w in parts]), (*Q.shape[:-1], K.shape[-2]))
    return out, weights


def scaled_dot_product_attention_backward_loop(
    dout: Array, Q: Array, K: Array, V: Array, mask: Any = None
) -> tuple[Array, Array, Array]:
    """``(dQ, dK, dV)`` of
    :func:`~visualdl.engine.attention.scaled_dot_product_attention_backward`, one query at a
    time: with the query's weights ``w`` (recomputed by the forward loop, unrecorded),
    ``dw_j = dout_i . v_j``, ``ds_j = w_j (dw_j - sum_l w_l dw_l)``,
    ``dq_i = sum_j ds_j k_j / sqrt(d_k)``, and each key and value collects
    ``dk_j += ds_j q_i / sqrt(d_k)``, ``dv_j += w_j dout_i``; records
    ``attention.query_backward``."""
    op = "scaled_dot_product_attention_backward_loop"
    Q, K, V = _qkv(op, Q, K, V)
    n_lead = Q.ndim - 2
    dout = gradient(op, "dout", dout, "out", (*Q.shape[:-1], V.shape[-1]))
    xp = array_module(Q)
    dout_f = _flat(dout, n_lead)
    flat_index = {index: b for b, index in enumerate(_indices(tuple(Q.shape[:-2])))}

    def each(index, q2, k2, v2, keep2):
        where = _where(index, n_lead)
        _, weights = _loop(op, q2, k2, v2, keep2, where, narrate=False)
        d2 = dout_f[flat_index[index], ...]
        scale = 1.0 / math.sqrt(q2.shape[1])
        dK = [xp.zeros_like(k2[0, :]) for _ in range(k2.shape[0])]
        dV = [xp.zeros_like(v2[0, :]) for _ in range(v2.shape[0])]
        dQ = []
        for i in range(q2.shape[0]):
            w, do = weights[i, :], d2[i, :]
            dw = xp.stack([xp.sum(do * v2[j, :]) for j in range(v2.shape[0])])
            ds = w * (dw - xp.sum(w * dw))
            dq = xp.zeros_like(q2[i, :])
            for j in range(k2.shape[0]):
                dq = dq + ds[j] * k2[j, :] * scale
                dK[j] = dK[j] + ds[j] * q2[i, :] * scale
                dV[j] = dV[j] + w[j] * do
            dQ.append(dq)
            if _narrating():
                QUERY_BACKWARD.log(**where, i=i, dout=do, dweights=dw, dscores=ds, dq=dq)
        return xp.stack(dQ), xp.stack(dK), xp.stack(dV)

    parts = _per_lead(op, Q, K, V, mask, each)
    return tuple(
        xp.reshape(xp.stack([p[k] for p in parts]), tuple(x.shape)) for k, x in enumerate((Q, K, V))
    )


def multi_head_attention_loop(
    X_q: Array, X_kv: Array, params: dict, h: int, mask: Any = None
) -> tuple[Array, Array]:
    """``(out, weights)`` of :func:`~visualdl.engine.attention.multi_head_attention`
    (``out (..., n_q, d_model)``, ``weights (..., h, n_q, n_k)``): project, take each head's
    ``d_k`` columns, run the per-query loop on each head (and batch element), concatenate
    the heads' outputs and project by ``W_O``; records ``attention.query`` (info ``head``)
    and ``mha.head``."""
    op = "multi_head_attention_loop"
    X_q, X_kv, p, d_k = _mha_inputs(op, X_q, X_kv, params, h)
    xp = array_module(X_q)
    keep = _head_mask(op, mask, (*X_q.shape[:-1], X_kv.shape[-2]), xp)

    def project(X, name):
        Y = X @ p[f"W_{name}"]
        return Y if f"b_{name}" not in p else Y + p[f"b_{name}"]

    Q, K, V = project(X_q, "Q"), project(X_kv, "K"), project(X_kv, "V")
    lead = tuple(X_q.shape[:-2])
    full = (*lead, 1, X_q.shape[-2], X_kv.shape[-2])
    keep_f = None if keep is None else _flat(xp.broadcast_to(keep, full), len(lead))
    Qf, Kf, Vf = (_flat(x, len(lead)) for x in (Q, K, V))
    outs, weights = [], []
    for b, index in enumerate(_indices(lead)):
        batch = {"batch": index[0] if len(lead) == 1 else list(index)} if lead else {}
        heads, head_weights = [], []
        for k in range(h):
            cols = slice(k * d_k, (k + 1) * d_k)
            Q_h, K_h, V_h = Qf[b, :, cols], Kf[b, :, cols], Vf[b, :, cols]
            keep_h = None if keep_f is None else keep_f[b, 0, ...]
            out_h, w_h = _loop(op, Q_h, K_h, V_h, keep_h, {**batch, "head": k})
            if _narrating():
                MHA_HEAD.log(**batch, head=k, Q_h=Q_h, K_h=K_h, V_h=V_h, weights=w_h, out_h=out_h)
            heads.append(out_h)
            head_weights.append(w_h)
        outs.append(project(xp.concat(heads, axis=-1), "O"))
        weights.append(xp.stack(head_weights))
    out = xp.reshape(xp.stack(outs), (*X_q.shape[:-1], X_q.shape[-1]))
    return out, xp.reshape(xp.stack(weights), (*lead, h, X_q.shape[-2], X_kv.shape[-2]))
