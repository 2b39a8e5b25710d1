"""LaTeX for the formulas the attention chapter's figures and scenes show, in the notes' notation.

Rows are positions (``Q = X W_Q``, ``softmax(Q K^T / sqrt(d_k)) V``, as the Transformer notes
write them); the additive score, Nadaraya-Watson and LoRA are in the d2l notes' column form
(``a(q, k) = w_v^T tanh(W_q q + W_k k)``, ``h = W x + B A x``), with the engine's row form next
to them where it differs. Every string renders with matplotlib mathtext (no ``matrix`` or
``cases``: the causal mask's two cases are one line). Where practical a string is printed from
the SymPy expression the checks use (:func:`positional_lines`, the LoRA count, softmax); the
rest are typed, and :func:`claims` derives what each one states with SymPy:

- ``softmax_jacobian``: ``diff`` of softmax simplifies to ``diag(s) - s s^T``
  (:func:`visualdl.symbolic.rows.softmax_jacobian_simplifies`);
- ``causal_mask``: with ``M_ij = -inf`` for ``j > i`` those weights are exactly 0 and every
  row still sums to 1 (the masked keys are absent from the softmax's sum);
- ``pe_offset``: ``PE_p . PE_{p+k} = sum_i cos(k omega_i)`` for symbolic ``p, k``
  (:func:`visualdl.symbolic.attention.pe_offset_identity`);
- ``layer_norm``: its ``diff`` gives the engine's closed form
  (:func:`visualdl.symbolic.attention.layer_norm_closed_form_holds`), and the notes' variant
  is ``sqrt((d-1)/d)`` times it at ``eps = 0``;
- ``nadaraya_watson``: the Gaussian kernel's ``1 / sqrt(2 pi)`` cancels, so the kernel weights
  are ``softmax(-(x - x_i)^2 / 2)``;
- ``lora_params``: ``B (d, r)`` and ``A (r, k)`` hold ``r (d + k)`` numbers, 65,536 against
  ``d k = 16,777,216`` for ``d = k = 4096``, ``r = 8`` (the notes' example);
- ``multi_head``: ``h`` heads of ``d_k = d_model / h`` columns concatenate back to
  ``d_model`` columns, so ``W_O`` is ``(d_model, d_model)``.

Example
-------
>>> FORMULAS["ffn"]
'\\\\mathrm{FFN}(X) = \\\\mathrm{ReLU}(X W_1 + b_1)\\\\, W_2 + b_2'
>>> FORMULAS["lora_params"]
'\\\\mathrm{trainable} = r \\\\left(d + k\\\\right), \\\\quad \\\\mathrm{full} = d k'
>>> all(claims().values())
True
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "FORMULAS",
    "claims",
    "lora_parameter_count",
    "positional_angle",
    "positional_lines",
]

_pos, _i, _d = sp.symbols("pos i d", positive=True)


def positional_angle(base: int = 10000) -> sp.Expr:
    """The angle ``pos / base^(2i/d)`` as the notes write it (kept unevaluated, so it prints as
    a fraction); ``.doit()`` gives the value."""
    den = sp.Pow(sp.Integer(base), sp.Mul(2, _i, sp.Pow(_d, -1)), evaluate=False)
    return sp.Mul(_pos, sp.Pow(den, -1, evaluate=False), evaluate=False)


def positional_lines(base: int = 10000) -> tuple[str, str]:
    """``PE_{pos,2i} = sin(...)`` and ``PE_{pos,2i+1} = cos(...)``, printed by ``sympy.latex``.

    Example
    -------
    >>> positional_lines()[1]
    'PE_{pos,2i+1} = \\\\cos{\\\\left(\\\\frac{pos}{10000^{2 i / d}} \\\\right)}'
    """
    angle = positional_angle(base)
    return (
        rf"PE_{{pos,2i}} = {sp.latex(sp.sin(angle), fold_short_frac=True)}",
        rf"PE_{{pos,2i+1}} = {sp.latex(sp.cos(angle), fold_short_frac=True)}",
    )


def lora_parameter_count() -> tuple[sp.Expr, sp.Expr]:
    """``(trainable, full)``: the entries of ``B (d, r)`` plus ``A (r, k)``, factored to
    ``r (d + k)``, and those of ``W (d, k)``, ``d k`` (from the matrices' shapes).

    Example
    -------
    >>> lora_parameter_count()
    (r*(d + k), d*k)
    """
    d, k, r = sp.symbols("d k r", positive=True, integer=True)
    B, A, W = sp.MatrixSymbol("B", d, r), sp.MatrixSymbol("A", r, k), sp.MatrixSymbol("W", d, k)
    return sp.factor(sp.Mul(*B.shape) + sp.Mul(*A.shape)), sp.Mul(*W.shape)


_PE_SIN, _PE_COS = positional_lines()
_TRAINABLE, _FULL = lora_parameter_count()

FORMULAS: dict[str, str] = {
    # scaled dot-product attention (visualdl.engine.attention.scaled_dot_product_attention)
    "projections": r"Q = X W_Q, \quad K = X W_K, \quad V = X W_V",
    "scores": r"S = \frac{Q K^T}{\sqrt{d_k}}",
    "Q": r"Q = X W_Q",
    "K": r"K = X W_K",
    "V": r"V = X W_V",
    # one query walked through: its products, scores, weights and output
    "query_dot": r"q \cdot k_j = \sum_m q_m k_{jm}",
    "query_score": r"s_j = \frac{q \cdot k_j}{\sqrt{d_k}}",
    "query_weight": r"w_j = \frac{e^{s_j}}{\sum_l e^{s_l}}",
    "query_out": r"\mathrm{out} = \sum_j w_j v_j",
    "weights": r"A = \mathrm{softmax}(S)",
    "out": r"\mathrm{out} = A V",
    "sdpa": (
        r"\mathrm{Attention}(Q, K, V) = "
        r"\mathrm{softmax}\left(\frac{Q K^T}{\sqrt{d_k}}\right) V"
    ),
    "masked": r"\mathrm{softmax}\left(\frac{Q K^T}{\sqrt{d_k}} + M\right) V",
    "causal_mask": (
        r"M_{ij} = 0 \ \ \mathrm{if}\ j \leq i, \qquad M_{ij} = -\infty \ \ \mathrm{if}\ j > i"
    ),
    "masked_row": (
        r"a_{ij} = \frac{e^{s_{ij}}}{\sum_{l \leq i} e^{s_{il}}} \ \ (j \leq i), \qquad"
        r" a_{ij} = e^{-\infty} = 0 \ \ (j > i)"
    ),
    "masked_weights": r"A = \mathrm{softmax}(S + M)",
    # softmax and its Jacobian (rows.softmax_derivation differentiates the first)
    "softmax": r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
    "softmax_jacobian": r"\frac{\partial s}{\partial z} = \mathrm{diag}(s) - s\, s^T",
    # multi-head attention (per-head projections, as the notes should have them: E23a)
    "head": r"\mathrm{head}_i = \mathrm{Attention}(Q W_Q^{(i)}, K W_K^{(i)}, V W_V^{(i)})",
    "multi_head": (
        r"\mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(\mathrm{head}_1, \ldots, "
        r"\mathrm{head}_h)\, W_O"
    ),
    "d_k": r"d_k = \frac{d_{model}}{h}",
    # the same in the row form of the notes' code: each head reads its own columns of Q, K, V
    "head_rows": (
        r"\mathrm{head}_i = \mathrm{softmax}\left(\frac{Q_i K_i^T}{\sqrt{d_k}}\right) V_i"
    ),
    "head_columns": r"Q_i = X W_Q^{(i)},\ K_i = X W_K^{(i)},\ V_i = X W_V^{(i)}",
    "head_weights": r"A_i = \mathrm{softmax}\left(\frac{Q_i K_i^T}{\sqrt{d_k}}\right)",
    "multi_head_x": (
        r"\mathrm{MultiHead}(X) = \mathrm{Concat}(\mathrm{head}_1, \mathrm{head}_2)\,W_O"
    ),
    # the notes' multi-head formulas as written (seed-001 3.4.7): E23a every head alike,
    # E23b a stray K in the denominator
    "notes_head_q": r"Q_i = Q W_Q",
    "notes_head": r"\mathrm{softmax}\left(\frac{Q_i K^T}{\sqrt{d_k}\,K}\right) V_i",
    # sinusoidal positional encoding, printed from positional_angle by sympy.latex
    "pe_sin": _PE_SIN,
    "pe_cos": _PE_COS,
    "pe_offset": (
        r"PE_p \cdot PE_{p+k} = \sum_i \cos(k\, \omega_i), \quad \omega_i = 10000^{-2i/d}"
    ),
    # layer normalization (engine) and the notes' variant (unbiased std, eps on the std)
    "layer_norm": (
        r"\mathrm{LN}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta"
    ),
    "ln_stats": r"\mu = \frac{1}{d} \sum_j x_j, \quad \sigma^2 = \frac{1}{d} \sum_j (x_j - \mu)^2",
    "layer_norm_notes": r"\hat{x} = \alpha \frac{x - \mu}{\sigma + \epsilon} + b",
    # one Pre-LN encoder block, as the notes' code (x + Sublayer(LN(x))), and the notes' prose
    # formulas (seed-001 3.4.8, E25: neither Pre- nor Post-LN)
    "embed": r"X = E[x]\,\sqrt{d_{model}} + P",
    "residual1": r"X_1 = X + \mathrm{MHA}(\mathrm{LN}_1(X))",
    "residual2": r"Y = X_1 + \mathrm{FFN}(\mathrm{LN}_2(X_1))",
    "final_ln": r"\mathrm{enc} = \mathrm{LN}(Y)",
    "pre_ln": r"x + \mathrm{Sublayer}(\mathrm{LN}(x))",
    "post_ln": r"\mathrm{LN}(x + \mathrm{Sublayer}(x))",
    "notes_attention": (
        r"\mathrm{Output}_{\mathrm{Attention}} = \mathrm{Norm}(\mathrm{MultiHead}(Q, K, V))"
        r" + \mathrm{Input}"
    ),
    "notes_ffn": r"\mathrm{Output}_{\mathrm{FFN}} = \mathrm{FFN}(\mathrm{Input}) + \mathrm{Input}",
    # the position-wise feed-forward network
    "ffn": r"\mathrm{FFN}(X) = \mathrm{ReLU}(X W_1 + b_1)\, W_2 + b_2",
    # additive attention: the notes' column form (arguments as a(q, k)) and the engine's rows
    "additive": r"a(q, k) = w_v^T\, \tanh(W_q\, q + W_k\, k)",
    "additive_rows": r"a(q_i, k_j) = \tanh(q_i W_q + k_j W_k)\, w_v",
    # Nadaraya-Watson kernel regression, the kernel form and its softmax form (learned w)
    "nw_kernel": r"f(x) = \sum_{i=1}^{n} \frac{K(x - x_i)}{\sum_{j=1}^{n} K(x - x_j)}\, y_i",
    "nadaraya_watson": (
        r"f(x) = \sum_{i=1}^{n} \mathrm{softmax}\left(-\frac{1}{2}((x - x_i)\, w)^2\right) y_i"
    ),
    # LoRA, the notes' column form, the engine's row form and the trainable count
    "lora": r"h = W x + B A x",
    "lora_rows": r"Y = X W + \frac{\alpha}{r} X A B",
    "lora_params": (
        rf"\mathrm{{trainable}} = {sp.latex(_TRAINABLE)}, \quad \mathrm{{full}} = {sp.latex(_FULL)}"
    ),
}


def _causal_weights_vanish() -> bool:
    """Masked weights are exactly 0 and every row sums to 1 (``sdpa_derivation`` with the
    causal keep pattern, ``n = 3``)."""
    from visualdl.symbolic.attention import sdpa_derivation

    keep = tuple(tuple(j <= i for j in range(3)) for i in range(3))
    w = sdpa_derivation(3, 3, 2, 2, keep)["weights"]
    zeros = all(w[i, j] == 0 for i in range(3) for j in range(3) if j > i)
    rows = all(sp.cancel(sum(w.row(i)) - 1) == 0 for i in range(3))
    return zeros and rows


def _gaussian_is_softmax(n: int = 3) -> bool:
    """``K(u) = exp(-u^2/2) / sqrt(2 pi)``: the NW weights equal ``softmax(-(x - x_i)^2 / 2)``."""
    x = sp.Symbol("x", real=True)
    xs = sp.symbols(f"x_1:{n + 1}", real=True)

    def kernel(u):
        return sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)

    total_k = sp.Add(*(kernel(x - xj) for xj in xs))
    total_s = sp.Add(*(sp.exp(-((x - xj) ** 2) / 2) for xj in xs))
    return all(
        sp.simplify(kernel(x - xi) / total_k - sp.exp(-((x - xi) ** 2) / 2) / total_s) == 0
        for xi in xs
    )


def _lora_example() -> bool:
    """The notes' example: ``d = k = 4096``, ``r = 8`` gives 65,536 against 16,777,216."""
    trainable, full = lora_parameter_count()
    at = dict(zip(sp.symbols("d k r", positive=True, integer=True), (4096, 4096, 8), strict=True))
    return (trainable.subs(at), full.subs(at)) == (65536, 16777216)


def _heads_concatenate(d_model: int = 4, h: int = 2) -> bool:
    """``h`` heads of ``d_k = d_model / h`` columns concatenate to ``d_model`` columns."""
    d_k = sp.Rational(d_model, h)
    return d_k.is_integer and h * d_k == d_model


def claims() -> dict[str, bool]:
    """Each formula's claim, derived with SymPy (see the module docstring).

    Example
    -------
    >>> sorted(claims())[:3]
    ['causal_mask', 'layer_norm', 'lora_params']
    """
    from visualdl.symbolic.attention import (
        layer_norm_closed_form_holds,
        layer_norm_notes_ratio,
        pe_offset_identity,
    )
    from visualdl.symbolic.rows import softmax_jacobian_simplifies

    return {
        "softmax_jacobian": softmax_jacobian_simplifies(3),
        "causal_mask": _causal_weights_vanish(),
        "pe_offset": pe_offset_identity(4),
        "layer_norm": layer_norm_closed_form_holds(3)
        and layer_norm_notes_ratio(4) == sp.sqrt(3) / 2,
        "nadaraya_watson": _gaussian_is_softmax(),
        "lora_params": _lora_example(),
        "multi_head": _heads_concatenate(),
    }
