"""Optimizers as pure steps ``(params, grads, state, hyper) -> (params, state)``.

Parameters, gradients and state are dicts keyed as in the notes: ``W1`` has gradient ``dW1``,
first moment ``VdW1`` and second moment ``SdW1``; ``t`` counts the steps taken. The same steps
move a model's weights and a point ``{"x", "y"}`` on a 2-D test surface.

=============  =====================================================================
``gd``         ``theta -= lr g``
``momentum``   ``V = beta V + (1 - beta) g`` (form ``ema``, the notes') or ``V = beta V + g``
               (form ``classic``); ``theta -= lr V``. The classic form with ``lr (1 - beta)``
               takes the same steps as the EMA form with ``lr``.
``nesterov``   momentum that steps along ``beta V + (1 - beta) g`` (or ``beta V + g``), the
               velocity looked ahead by one step
``adagrad``    ``S += g^2``; ``theta -= lr g / (sqrt(S) + eps)``
``rmsprop``    ``S = beta S + (1 - beta) g^2``; ``theta -= lr g / (sqrt(S) + eps)``
``adam``       ``V = beta1 V + (1 - beta1) g``, ``S = beta2 S + (1 - beta2) g^2``,
               ``V^c = V / (1 - beta1^t)``, ``S^c = S / (1 - beta2^t)``,
               ``theta -= lr V^c / (sqrt(S^c) + eps)``
``adamw``      Adam, then ``theta -= lr weight_decay theta`` (decoupled weight decay) for every
               parameter but those named in ``no_decay`` (a model passes the keys its layers
               declare: biases, batch norm's gamma and beta; PyTorch's AdamW decays every
               parameter unless told otherwise with parameter groups)
=============  =====================================================================

``adam_notes`` is the notes' mistaken Adam, which corrects S with ``1 - beta1^t`` instead of
``1 - beta2^t``: its first step is about 10 times too long. It exists only so that the
"common mistakes" figure can run it beside the right one.

Defaults as in the notes: beta 0.9, beta1 0.9, beta2 0.999, eps 1e-8 (outside the root).

Example
-------
>>> import numpy as np
>>> from visualdl.engine.optimizers import Optimizer
>>> opt = Optimizer("adam", lr=0.1)
>>> new = opt.step({"x": np.array(1.0)}, {"dx": np.array(4.0)})
>>> round(float(new["x"]), 6)  # Adam's first step has size lr, whatever the gradient
0.9
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np

from visualdl.backend import array_module
from visualdl.engine.checks import choice, gradient, is_int, number, real_array, scalar
from visualdl.schema import declare

__all__ = [
    "DEFAULTS",
    "OPTIMIZERS",
    "Optimizer",
    "check_hyper",
    "init_state",
    "step",
]

Array = Any
Params = dict[str, Array]
State = dict[str, Any]

DEFAULTS: dict[str, dict[str, Any]] = {
    "gd": {"lr": 0.01},
    "momentum": {"lr": 0.01, "beta": 0.9, "form": "ema"},
    "nesterov": {"lr": 0.01, "beta": 0.9, "form": "ema"},
    "adagrad": {"lr": 0.01, "eps": 1e-8},
    "rmsprop": {"lr": 0.01, "beta": 0.9, "eps": 1e-8},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamw": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
    "adam_notes": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
#: the interval each hyper-parameter must lie in (finite numbers only)
RANGES = {
    "lr": "(0, inf)",
    "beta": "[0, 1)",
    "beta1": "[0, 1)",
    "beta2": "[0, 1)",
    "eps": "(0, inf)",
    "weight_decay": "[0, inf)",
}
_MOMENTS = {
    "momentum": "V",
    "nesterov": "V",
    "adagrad": "S",
    "rmsprop": "S",
    "adam": "VS",
    "adamw": "VS",
    "adam_notes": "VS",
    "gd": "",
}


def check_hyper(name: str, hyper: Mapping[str, Any]) -> dict[str, Any]:
    """The full hyper-parameters of optimizer ``name`` (defaults filled in), or ``ValueError``."""
    choice("Optimizer", "name", name, DEFAULTS)
    if not isinstance(hyper, Mapping):
        raise ValueError(f"{name}: hyper-parameters must be a dict, got {hyper!r:.80}")
    unknown = set(hyper) - set(DEFAULTS[name])
    if unknown:
        raise ValueError(
            f"{name}: unknown hyper-parameter(s) {sorted(unknown)}; "
            f"expected some of {sorted(DEFAULTS[name])}"
        )
    h = {**DEFAULTS[name], **hyper}
    if h.get("form", "ema") not in ("ema", "classic"):
        raise ValueError(f"{name}: form must be 'ema' or 'classic', got {h['form']!r}")
    return {k: v if k == "form" else number(name, k, v, RANGES[k]) for k, v in h.items()}


def init_state(name: str, params: Mapping[str, Array]) -> State:
    """Zero moments shaped like the parameters (``VdW1``, ``SdW1``, ...) and ``t = 0``."""
    state: State = {"t": 0}
    for k, v in params.items():
        for moment in _MOMENTS[name]:
            state[f"{moment}d{k}"] = array_module(v).zeros_like(v)
    return state


def _velocity(V: Array, g: Array, beta: float, form: str) -> Array:
    return beta * V + (1 - beta) * g if form == "ema" else beta * V + g


# Each rule: (key, theta, g, state, hyper) -> new theta; it writes its moments into state.


def _gd(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    return theta - h["lr"] * g


def _momentum(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    V = state[f"Vd{k}"] = _velocity(state[f"Vd{k}"], g, h["beta"], h["form"])
    return theta - h["lr"] * V


def _nesterov(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    V = state[f"Vd{k}"] = _velocity(state[f"Vd{k}"], g, h["beta"], h["form"])
    return theta - h["lr"] * _velocity(V, g, h["beta"], h["form"])  # one step ahead


def _adagrad(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    S = state[f"Sd{k}"] = state[f"Sd{k}"] + g * g
    return theta - h["lr"] * g / (array_module(S).sqrt(S) + h["eps"])


def _rmsprop(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    S = state[f"Sd{k}"] = h["beta"] * state[f"Sd{k}"] + (1 - h["beta"]) * g * g
    return theta - h["lr"] * g / (array_module(S).sqrt(S) + h["eps"])


def _adam_rule(k: str, theta: Array, g: Array, state: State, h: dict, s_beta: float) -> Array:
    """Adam with S bias-corrected by ``1 - s_beta^t`` (``beta2`` is right)."""
    b1, b2, t = h["beta1"], h["beta2"], state["t"]
    # the formulas term by term, each new array updated in place (the same numbers as
    # ``b1 V + (1 - b1) g`` and so on, with fewer temporaries)
    V = b1 * state[f"Vd{k}"]
    V += (1 - b1) * g
    S = b2 * state[f"Sd{k}"]
    g2 = (1 - b2) * g
    g2 *= g
    S += g2
    state[f"Vd{k}"], state[f"Sd{k}"] = V, S  # after the updates: a 0-d V is a new scalar
    lr_V_corrected = V / (1 - b1**t)
    lr_V_corrected *= h["lr"]
    denominator = array_module(S).sqrt(S / (1 - s_beta**t))
    denominator += h["eps"]
    lr_V_corrected /= denominator
    return theta - lr_V_corrected


def _adam(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    return _adam_rule(k, theta, g, state, h, h["beta2"])


def _adam_notes(k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    """The notes' mistake: S is bias-corrected with beta1 (1 - beta1^t), not beta2."""
    return _adam_rule(k, theta, g, state, h, h["beta1"])


#: elements per slice when a rule runs slice by slice: its temporaries stay in the cache
SLICE = 32768


def _sliced(name: str, k: str, theta: Array, g: Array, state: State, h: dict) -> Array:
    """Rule ``name`` for parameter ``k``, run on slices of :data:`SLICE` elements when the
    arrays are large NumPy ones of one dtype: the same expressions, element by element the same
    numbers, with every temporary small enough to stay in the cache (Adam on 10^6 float32
    parameters: about 2.5 times faster than one pass per operation over the whole arrays)."""
    rule, keys = _RULES[name], [f"{mo}d{k}" for mo in _MOMENTS[name]]
    arrays = [theta, g, *(state[key] for key in keys)]
    if theta.size <= SLICE or not all(
        isinstance(a, np.ndarray) and a.dtype == theta.dtype for a in arrays
    ):
        return rule(k, theta, g, state, h)
    theta_f, g_f, *moments = (a.reshape(-1) for a in arrays)
    new = np.empty(theta.size, theta.dtype)
    out = {key: np.empty_like(new) for key in keys}
    for a in range(0, theta.size, SLICE):
        part = slice(a, a + SLICE)
        sub = {"t": state["t"], **{key: m[part] for key, m in zip(keys, moments, strict=True)}}
        new[part] = rule(k, theta_f[part], g_f[part], sub, h)
        for key in keys:
            out[key][part] = sub[key]
    state.update({key: v.reshape(theta.shape) for key, v in out.items()})
    return new.reshape(theta.shape)


_RULES = {
    "gd": _gd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
    "adamw": _adam,  # the decay is applied by step()
    "adam_notes": _adam_notes,
}


def step(
    name: str,
    params: Mapping[str, Array],
    grads: Mapping[str, Array],
    state: State | None,
    hyper: Mapping[str, Any],
    no_decay: Collection[str] = (),
) -> tuple[Params, State]:
    """One step of optimizer ``name``: returns new params and state (inputs are not changed).

    ``grads`` holds ``"d" + key`` for every parameter key, each exactly its parameter's shape;
    ``state`` may be None (fresh). ``no_decay`` names the keys weight decay (``adamw``) leaves
    alone.
    """
    h = check_hyper(name, hyper)
    params, grads = _inputs(name, params, grads)
    state = init_state(name, params) if state is None else _state(name, params, state)
    state["t"] += 1
    no_decay = () if no_decay is None else no_decay
    new = {k: _sliced(name, k, v, grads["d" + k], state, h) for k, v in params.items()}
    if "weight_decay" in h:
        new = {
            k: v if k in no_decay else v - h["lr"] * h["weight_decay"] * params[k]
            for k, v in new.items()
        }
    return new, state


def _state(name: str, params: Params, state: Any) -> State:
    """A copy of ``state`` after checking that it holds ``t`` and a moment of each parameter's
    shape (the state of one model's optimizer does not fit another model)."""
    op = f"{name}.step"
    if not isinstance(state, Mapping) or not is_int(state.get("t")):
        raise ValueError(f"{op}: state must be a dict with the step count t, got {state!r:.80}")
    for k, v in params.items():
        for moment in _MOMENTS[name]:
            key = f"{moment}d{k}"
            if key not in state or tuple(getattr(state[key], "shape", ())) != tuple(v.shape):
                found = tuple(state[key].shape) if key in state else "nothing"
                raise ValueError(
                    f"{op}: the state holds {found} as {key} but {k} has shape {tuple(v.shape)}; "
                    "an optimizer keeps one model's moments: call reset() or use a new one"
                )
    return dict(state)


def _inputs(
    name: str, params: Mapping[str, Any], grads: Mapping[str, Any]
) -> tuple[Params, Params]:
    """Parameters and their gradients as real arrays, each gradient exactly its parameter's
    shape (a step never broadcasts a parameter into a bigger one)."""
    for what, d in (("params", params), ("grads", grads)):
        if not isinstance(d, Mapping):
            raise ValueError(
                f"{name}.step: {what} must be a dict keyed like W1, dW1, got {d!r:.80}"
            )
    missing = [k for k in params if "d" + k not in grads]
    if missing:
        raise ValueError(f"{name}: no gradient for {missing} (expected keys 'd' + name)")
    op = f"{name}.step"
    params = {k: real_array(op, k, v) for k, v in params.items()}
    grads = {
        f"d{k}": gradient(op, f"gradient d{k}", grads[f"d{k}"], k, v) for k, v in params.items()
    }
    return params, grads


OPTIMIZERS: dict[str, Callable[..., tuple[Params, State]]] = {
    n: (lambda params, grads, state, hyper, n=n: step(n, params, grads, state, hyper))
    for n in DEFAULTS
}


STEP = declare(
    "optimizer.step",
    arrays={
        "*": "the parameters before the step (W1, x), their gradients (dW1), the state after "
        "it (VdW1, SdW1) and the parameters after it (W1_new, x_new)"
    },
    info={
        "optimizer": "name",
        "t": "step count after the step",
        "lr": "this step's rate",
        "loss": "the cost the gradients were taken at, or None",
    },
)


class Optimizer:
    """A stateful wrapper: ``Optimizer("adam", lr=0.01).step(params, grads) -> params``.

    Inside ``with visualdl.trace.record()`` each step is recorded as ``optimizer.step`` with
    info ``optimizer, t, lr, loss`` and the arrays params, grads, state and the new params
    (``W1_new``; :data:`STEP`).
    """

    def __init__(self, name: str = "gd", **hyper: Any) -> None:
        self.hyper = check_hyper(name, hyper)
        self.name = name
        self.state: State | None = None

    @property
    def lr(self) -> float:
        """The base learning rate."""
        return self.hyper["lr"]

    def step(
        self,
        params: Mapping[str, Array],
        grads: Mapping[str, Array],
        lr: float | None = None,
        loss: float | None = None,
        no_decay: Collection[str] = (),
    ) -> Params:
        """Take one step (with ``lr`` for this step only, e.g. from a schedule); ``no_decay``
        names the keys weight decay leaves alone (:meth:`Sequential.no_decay`)."""
        hyper = self.hyper if lr is None else {**self.hyper, "lr": lr}
        new, self.state = step(self.name, params, grads, self.state, hyper, no_decay)
        loss = None if loss is None else scalar(f"{self.name}.step", "loss", loss)
        STEP.log(
            optimizer=self.name,
            t=self.state["t"],
            lr=float(hyper["lr"]),
            loss=loss,
            **params,
            **{"d" + k: grads["d" + k] for k in params},
            **{k: v for k, v in self.state.items() if k != "t"},
            **{k + "_new": v for k, v in new.items()},
        )
        return new

    def reset(self) -> None:
        """Forget the moments and the step count."""
        self.state = None
