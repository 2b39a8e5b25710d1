"""LoRA: a frozen weight plus a trainable low-rank update (Hu et al. 2021, "LoRA: Low-Rank
Adaptation of Large Language Models").

Row layout (positions are rows, as the rest of the attention chapter): ``X: (..., d_in)``,
the pretrained ``W: (d_in, d_out)`` is frozen, ``A: (d_in, r)`` and ``B: (r, d_out)`` are the
only trainable parameters, and::

    Y = X W + (alpha / r) X A B          (the update Delta W = (alpha / r) A B has rank <= r)

The notes write the column form ``h = W x + B A x`` with ``W (d x k)``, ``B (d x r)``,
``A (r x k)``; it is the transpose of this one (their ``B A`` is our ``(A B)^T``, their ``A``
our ``A^T``). The notes leave out three parts of the method, which the engine has:

- the scale ``alpha / r`` (``alpha=None`` means ``alpha = r``, scale 1);
- the initialisation, ``A`` random and ``B = 0``, so ``Delta W = 0`` and the layer starts out
  exactly as the pretrained one (:func:`lora_init`);
- that ``W`` stays frozen: the backward gives ``dX, dA, dB`` and no ``dW``.

Backward (gradients of the summed loss ``S = sum(dY * Y)``, as everywhere in the row layout,
sums over every row and batch axis), with ``s = alpha / r`` and ``H = X A (..., r)``::

    dX = dY W^T + s dY B^T A^T,    dA = s X^T (dY B^T),    dB = s H^T dY

Parameter count (:func:`lora_parameters`): ``r (d_in + d_out)`` trainable against
``d_in d_out`` for the full matrix; the notes' ``d = k = 4096``, ``r = 8`` gives 65,536 against
16,777,216, 256 times fewer.

Example
-------
>>> import numpy as np
>>> p = lora_init(3, 2, 1, seed=0)
>>> W = np.ones((3, 2))
>>> Y, cache = lora_linear(np.ones((4, 3)), W, p["A"], p["B"])
>>> Y.tolist()[0]  # B = 0: the layer starts as the pretrained X W
[3.0, 3.0]
>>> g = lora_linear_backward(np.ones((4, 2)), cache)
>>> sorted(g), g["dA"].tolist()  # dA = 0 while B = 0; dB is not
(['dA', 'dB', 'dX'], [[0.0], [0.0], [0.0]])
>>> lora_parameters(4096, 4096, 8)
{'full': 16777216, 'lora': 65536, 'ratio': 256.0}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visualdl.backend import array_module
from visualdl.engine.checks import gradient, integer, number, real_array

__all__ = ["lora_delta", "lora_init", "lora_linear", "lora_linear_backward", "lora_parameters"]

Array = Any


def _rank(op: str, r: Any, d_in: int, d_out: int) -> int:
    """``r`` as an int with ``1 <= r <= min(d_in, d_out)``, or ``ValueError``."""
    r = integer(op, "rank r", r, low=1)
    if r > min(d_in, d_out):
        raise ValueError(
            f"{op}: rank r must be <= min(d_in, d_out) = {min(d_in, d_out)} for a "
            f"({d_in}, {d_out}) layer, got {r}"
        )
    return r


def _scale(op: str, alpha: Any, r: int) -> float:
    """``alpha / r`` (1 when ``alpha`` is None)."""
    return 1.0 if alpha is None else number(op, "alpha", alpha, "(0, inf)") / r


def lora_parameters(d_in: int, d_out: int, r: int) -> dict[str, Any]:
    """Trainable parameters of a LoRA update against those of the full matrix.

    Parameters
    ----------
    d_in, d_out : int
        The layer's sizes, ``W: (d_in, d_out)`` (the notes' ``d, k``).
    r : int
        The rank, ``1 <= r <= min(d_in, d_out)``.

    Returns
    -------
    dict
        ``full = d_in d_out``, ``lora = r (d_in + d_out)`` (``A`` and ``B``) and
        ``ratio = full / lora``.

    Example
    -------
    >>> lora_parameters(768, 3072, 4)["lora"]
    15360
    """
    op = "lora_parameters"
    d_in, d_out = integer(op, "d_in", d_in), integer(op, "d_out", d_out)
    r = _rank(op, r, d_in, d_out)
    full, lora = d_in * d_out, r * (d_in + d_out)
    return {"full": full, "lora": lora, "ratio": full / lora}


def lora_init(
    d_in: int, d_out: int, r: int, seed: int | np.random.Generator = 0, dtype: Any = np.float64
) -> dict[str, np.ndarray]:
    """The LoRA paper's start: ``A (d_in, r)`` Gaussian, ``B (r, d_out)`` zeros.

    ``A ~ N(0, 1 / d_in)`` entrywise (the paper: "random Gaussian initialization for A and zero
    for B"), so ``Delta W = A B = 0`` and the adapted layer starts as the pretrained one. (In
    the paper's column form ``Delta W = B A`` it is also ``A`` that is random and ``B`` zero:
    our ``A`` is the transpose of theirs.) The notes give neither this nor the scale.

    Parameters
    ----------
    d_in, d_out, r : int
        Sizes and rank (``1 <= r <= min(d_in, d_out)``).
    seed : int or numpy.random.Generator
        The source of ``A``'s numbers.
    dtype : float dtype of the arrays.

    Example
    -------
    >>> p = lora_init(5, 3, 2, seed=1)
    >>> p["A"].shape, p["B"].shape, float(abs(p["B"]).max())
    ((5, 2), (2, 3), 0.0)
    """
    op = "lora_init"
    d_in, d_out = integer(op, "d_in", d_in), integer(op, "d_out", d_out)
    r = _rank(op, r, d_in, d_out)
    gen = np.random.default_rng(seed)
    A = gen.standard_normal((d_in, r)) / np.sqrt(d_in)
    return {"A": A.astype(dtype), "B": np.zeros((r, d_out), dtype=dtype)}


def _shapes(op: str, W: Array, A: Array, B: Array) -> tuple[int, int, int]:
    """``(d_in, d_out, r)`` after checking that ``W (d_in, d_out)``, ``A (d_in, r)`` and
    ``B (r, d_out)`` fit together."""
    for name, M, want in (("W", W, "(d_in, d_out)"), ("A", A, "(d_in, r)"), ("B", B, "(r, d_out)")):
        if M.ndim != 2:
            raise ValueError(f"{op}: {name} must be {want}, got shape {tuple(M.shape)}")
    (d_in, d_out), r = W.shape, A.shape[1]
    if A.shape[0] != d_in:
        raise ValueError(
            f"{op}: A must be (d_in, r) = ({d_in}, r) for W of shape {tuple(W.shape)}, "
            f"got {tuple(A.shape)}"
        )
    if tuple(B.shape) != (r, d_out):
        raise ValueError(
            f"{op}: B must be (r, d_out) = ({r}, {d_out}) for A of shape {tuple(A.shape)} and W "
            f"of shape {tuple(W.shape)}, got {tuple(B.shape)}"
        )
    return d_in, d_out, _rank(op, r, d_in, d_out)


def lora_delta(A: Array, B: Array, alpha: float | None = None) -> Array:
    """The update ``Delta W = (alpha / r) A B``, ``(d_in, d_out)``, of rank at most ``r``;
    ``W + Delta W`` is the merged weight a deployed model uses (no extra cost at inference).

    Example
    -------
    >>> import numpy as np
    >>> lora_delta(np.ones((3, 1)), np.ones((1, 2)), alpha=2.0).tolist()
    [[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]]
    """
    op = "lora_delta"
    A, B = real_array(op, "A", A), real_array(op, "B", B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(
            f"{op}: expected A (d_in, r) and B (r, d_out) with the same r, got "
            f"{tuple(A.shape)} and {tuple(B.shape)}"
        )
    r = _rank(op, A.shape[1], A.shape[0], B.shape[1])
    return _scale(op, alpha, r) * (A @ B)


def lora_linear(
    X: Array, W: Array, A: Array, B: Array, alpha: float | None = None
) -> tuple[Array, dict]:
    """``Y = X W + (alpha / r) X A B``: a frozen linear layer with a rank-``r`` update.

    Parameters
    ----------
    X : array (..., d_in)
        Rows are positions; any leading axes (a batch) are kept.
    W : array (d_in, d_out)
        The pretrained weight, frozen (no gradient is computed for it).
    A : array (d_in, r)
    B : array (r, d_out)
        The trainable factors, ``1 <= r <= min(d_in, d_out)``.
    alpha : float > 0, optional
        The LoRA scale numerator: the update is multiplied by ``alpha / r``; None means
        ``alpha = r`` (scale 1).

    Returns
    -------
    Y : array (..., d_out)
    cache : dict for :func:`lora_linear_backward` (``X, W, A, B, H = X A``, the scale ``s``).

    Example
    -------
    >>> import numpy as np
    >>> Y, _ = lora_linear(np.ones((1, 2)), np.eye(2), np.ones((2, 1)), np.ones((1, 2)), 2.0)
    >>> Y.tolist()  # [1, 1] + (2 / 1) * 2 * [1, 1]
    [[5.0, 5.0]]
    """
    op = "lora_linear"
    X, W = real_array(op, "X", X), real_array(op, "W", W)
    A, B = real_array(op, "A", A), real_array(op, "B", B)
    d_in, d_out, r = _shapes(op, W, A, B)
    if X.ndim < 1 or X.shape[-1] != d_in:
        raise ValueError(
            f"{op}: expected X of shape (..., {d_in}) for W of shape {tuple(W.shape)}, "
            f"got {tuple(X.shape)}"
        )
    s = _scale(op, alpha, r)
    H = X @ A
    Y = X @ W + s * (H @ B)
    return Y, {"X": X, "W": W, "A": A, "B": B, "H": H, "s": s}


def lora_linear_backward(dY: Array, cache: dict) -> dict[str, Array]:
    """Gradients of the summed loss for :func:`lora_linear`; ``W`` is frozen, so no ``dW``.

    ``dX = dY W^T + s dY B^T A^T`` (..., d_in), ``dA = s X^T (dY B^T)`` (d_in, r) and
    ``dB = s H^T dY`` (r, d_out), ``H = X A``, summed over all rows (and a leading batch).

    Parameters
    ----------
    dY : array (..., d_out)
        The upstream gradient, exactly the shape of ``Y``.
    cache : the second value :func:`lora_linear` returned.

    Returns
    -------
    dict with keys ``dX``, ``dA``, ``dB``.
    """
    X, W, A, B, H, s = (cache[k] for k in ("X", "W", "A", "B", "H", "s"))
    d_in, d_out, r = W.shape[0], W.shape[1], A.shape[1]
    dY = gradient("lora_linear_backward", "dY", dY, "Y", (*X.shape[:-1], d_out))
    xp = array_module(dY)
    dH = s * (dY @ B.T)  # (..., r): the gradient reaching X A
    X2, dY2 = xp.reshape(X, (-1, d_in)), xp.reshape(dY, (-1, d_out))
    H2, dH2 = xp.reshape(H, (-1, r)), xp.reshape(dH, (-1, r))
    return {"dX": dY @ W.T + dH @ A.T, "dA": X2.T @ dH2, "dB": s * (H2.T @ dY2)}
