"""LaTeX for the formulas the recurrent scenes show, each in the notation of the notes it
teaches: ``rnn-unroll`` and ``gru-gates`` in the course's (time steps as superscripts in angle
brackets, ``a^{<t>}``, the GRU's gates as ``Gamma``), ``lstm-gates`` in the LSTM notes'
subscripts (``f_t``, ``c_{t-1}``, ``i`` the update gate, ``\\tilde{c}`` the candidate; gates on
``[a_{t-1}; x_t]``). Examples are columns.

Every string renders with matplotlib mathtext (no ``matrix``/``cases``, ``^T`` for the
transpose). They are the equations of :mod:`visualdl.engine.rnn` and :mod:`visualdl.engine.gru`
(with ``update="candidate"``, ``reset="before"``, the engine's defaults) and of the per-step
softmax output :func:`visualdl.engine.sequence.time_dense_forward`; the engine's tests check
the code against finite differences, ``tests/test_scenes_recurrent.py`` checks these strings'
claims on the demos' numbers (the update gate's two readings among them).

Example
-------
>>> from visualdl.symbolic.recurrent_formulas import LSTM, RNN, cell_path, step
>>> print(step("x", 3))
x^{\\langle 3 \\rangle}
>>> RNN["cell"].startswith(step("a", "t") + r" = \\tanh(W_{ax} ")
True
>>> LSTM["c"]
'c_t = f_t \\\\odot c_{t-1} + i_t \\\\odot \\\\tilde{c}_t'
>>> cell_path()
True

The LSTM's backward strings say what :func:`cell_path` derives with ``sympy.diff`` from the
forward expressions of one unit: the cell path ``dc_t / dc_{t-1} = f_t`` (what the engine's
loop records as ``dc_prev = dc * f``) and the share of ``da_t`` that enters the cell,
``o_t (1 - tanh^2 c_t)``.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["GATE_NAMES", "GRU", "LSTM", "RNN", "cell_path", "step", "step_tex"]


def step(name: str, t: int | str, extra: str = "") -> str:
    r"""``name`` at time step ``t`` as the course writes it, ``name^{\langle t \rangle}``;
    ``extra`` goes after the bracket inside the superscript (``"T"`` for a transpose)."""
    return rf"{name}^{{\langle {t} \rangle{extra}}}"


_A, _A_PREV, _X = step("a", "t"), step("a", "t-1"), step("x", "t")

RNN: dict[str, str] = {
    # the cell, visualdl.engine.rnn.rnn_cell_forward
    "cell": rf"{_A} = \tanh(W_{{ax}} {_X} + W_{{aa}} {_A_PREV} + b_a)",
    "z": rf"z^{{\langle t \rangle}} = W_{{ax}} {_X} + W_{{aa}} {_A_PREV} + b_a",
    # the per-step output and loss (time_dense_forward, softmax, cross_entropy)
    "output": rf"\hat{{y}}^{{\langle t \rangle}} = \mathrm{{softmax}}(W_y {_A} + b_y)",
    "loss": (
        r"L^{\langle t \rangle} = -\sum_k y_k^{\langle t \rangle}"
        r" \log \hat{y}_k^{\langle t \rangle},\quad L = \sum_t L^{\langle t \rangle}"
    ),
    # BPTT (rnn_backward): each step's whole gradient, its two shares
    "da": (
        rf"d{_A} = W_y^T (\hat{{y}}^{{\langle t \rangle}} - y^{{\langle t \rangle}})"
        r" + W_{aa}^T dz^{\langle t+1 \rangle}"
    ),
    "dz": rf"dz^{{\langle t \rangle}} = d{_A} \odot (1 - ({_A})^2)",
    "da_prev": r"W_{aa}^T dz^{\langle t \rangle}",
    # the shared weights' gradient: a sum over the copies
    "dWaa": r"dW_{aa} = \frac{1}{m} \sum_t dz^{\langle t \rangle} a^{\langle t-1 \rangle T}",
    # one loss's gradient, followed back: each step multiplies by the same kind of factor
    "reach": (
        r"\frac{\partial L^{\langle T \rangle}}{\partial a^{\langle t \rangle}} = W_{aa}^T "
        r"\mathrm{diag}(1 - (a^{\langle t+1 \rangle})^2) \, "
        r"\frac{\partial L^{\langle T \rangle}}{\partial a^{\langle t+1 \rangle}}"
    ),
}

GRU: dict[str, str] = {
    # visualdl.engine.gru with reset="before", update="candidate" (the course's GRU, c = a)
    "reset": rf"\Gamma_r = \sigma(W_r [{_A_PREV}, {_X}] + b_r)",
    "masked": rf"\Gamma_r \odot {_A_PREV}",
    "candidate": (
        rf"\tilde{{c}}^{{\langle t \rangle}} = \tanh(W_c [\Gamma_r \odot {_A_PREV}, {_X}] + b_c)"
    ),
    "update": rf"\Gamma_u = \sigma(W_u [{_A_PREV}, {_X}] + b_u)",
    "state": (
        rf"{_A} = \Gamma_u \odot \tilde{{c}}^{{\langle t \rangle}}"
        rf" + (1 - \Gamma_u) \odot {_A_PREV}"
    ),
    # PyTorch's nn.GRU reads the same gate the other way round (update="state")
    "pytorch": r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}",
    "z": r"z_t = 1 - \Gamma_u",
    # the trained model's prediction from the last state
    "prediction": r"\hat{y} = \sigma(W a^{\langle T \rangle} + b)",
}


# -- the LSTM, in the LSTM notes' subscripts (scene lstm-gates) -------------------------------
_IN = r"[a_{t-1};\, x_t]"

LSTM: dict[str, str] = {
    # forward: one step of the cell
    "f": rf"f_t = \sigma(W_f\, {_IN} + b_f)",
    "i": rf"i_t = \sigma(W_i\, {_IN} + b_i)",
    "cc": rf"\tilde{{c}}_t = \tanh(W_c\, {_IN} + b_c)",
    "o": rf"o_t = \sigma(W_o\, {_IN} + b_o)",
    "c": r"c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t",
    "a": r"a_t = o_t \odot \tanh(c_t)",
    # the output layer on the last state
    "y_hat": r"\hat{y} = \sigma(W_y\, a_T + b_y)",
    # backward: the gradient enters the cell from a_t (cell_path: d a_t / d c_t) ...
    "dc": r"dc_t = dc_{t+1} \odot f_{t+1} + da_t \odot o_t \odot (1 - \tanh^2 c_t)",
    # ... and the cell path carries it back through the forget gate (cell_path: dc_t/dc_{t-1})
    "dc_prev": r"dc_t \odot f_t",
}

#: Each gate's symbol and role, in the engine's order ``f, i, c, o``.
GATE_NAMES: dict[str, tuple[str, str]] = {
    "f": ("f_t", "forget"),
    "i": ("i_t", "update"),
    "cc": (r"\tilde{c}_t", "candidate"),
    "o": ("o_t", "output"),
}


def step_tex(tex: str, t: int) -> str:
    """``tex`` at time step ``t`` (1-based, as the notes count): ``t-1``, ``t+1`` and ``t``
    subscripts become numbers.

    >>> step_tex(r"c_t = f_t \\odot c_{t-1}", 2)
    'c_{2} = f_{2} \\\\odot c_{1}'
    """
    out = tex.replace("_{t-1}", f"_{{{t - 1}}}").replace("_{t+1}", f"_{{{t + 1}}}")
    out = out.replace("}_t", f"}}_{{{t}}}")
    for name in ("a", "c", "f", "i", "o", "x"):
        out = out.replace(f"{name}_t", f"{name}_{{{t}}}")
    return out


def cell_path() -> bool:
    """Whether ``sympy.diff`` of one unit's forward step gives the backward strings' factors:
    ``d c_t / d c_{t-1} = f_t`` (the cell path, no tanh or weight on it) and
    ``d a_t / d c_t = o_t (1 - tanh^2 c_t)`` (the share of ``da_t`` that enters the cell)."""
    f, i, cc, o, c_prev = sp.symbols("f i cc o c_prev", real=True)
    c = f * c_prev + i * cc
    c_t = sp.Symbol("c_t", real=True)
    a = o * sp.tanh(c_t)
    path = sp.simplify(sp.diff(c, c_prev) - f) == 0
    share = sp.simplify(sp.diff(a, c_t) - o * (1 - sp.tanh(c_t) ** 2)) == 0
    return bool(path and share)
