"""Optimizers and the exponentially weighted average, derived and checked with SymPy.

Four kinds of result, none typed by hand as a closed form:

- **Bias correction.** ``sympy.rsolve`` solves ``v_{t+1} = beta v_t + (1 - beta) g``, ``v_0 = 0``
  for symbolic ``t``: ``v_t = (1 - beta^t) g``, so dividing by ``1 - beta^t`` gives back ``g``
  (:func:`ewa_closed_form`); the same follows by unrolling ``t = 1..T`` with symbolic ``beta``
  (:func:`ewa_unrolled`), and, for random gradients with mean ``mu``, ``E[v_t] = (1 - beta^t) mu``
  (:func:`ewa_expectation`, with ``sympy.stats``).
- **Adam's first step.** One step of the rule below with symbolic ``g, alpha, beta1, beta2,
  eps`` and ``eps -> 0`` (``sympy.limit``) moves each coordinate by exactly ``alpha``
  (:func:`first_step`); the notes' Adam, which corrects ``S`` with ``1 - beta1^t``, moves it by
  ``alpha sqrt((1 - beta1)/(1 - beta2))``, 10 alpha at the defaults; at step ``t`` its steps
  are ``sqrt((1 - beta1^t)/(1 - beta2^t))`` times the right ones (:func:`notes_ratio`).
- **Momentum's two forms.** Classic ``V = beta V + g`` with ``alpha (1 - beta)`` and the EMA form
  ``V = beta V + (1 - beta) g`` with ``alpha`` take the same steps: shown for ``T`` symbolic
  gradients and, by induction (``V_ema = (1 - beta) V_classic`` is preserved), for every ``t``
  (:func:`momentum_forms_equivalent`).
- **The engine's steps.** Each update rule is written here from its textbook definition
  (:func:`rule`) and run in exact rational arithmetic on a small parameter dict
  ``{"W1": (2, 2), "b1": (2, 1)}`` with a fixed sequence of rational gradients; the engine's
  ``step`` must give the same parameters and moments (``VdW1``, ``SdW1``, ...) at every step
  (:func:`check`). Nesterov is checked against its *look-ahead* definition
  ``v = mu v - eps grad f(theta + mu v)``, ``theta += v`` on the bowl and Rosenbrock surfaces:
  the engine's form, which needs only the gradient at its own point, is that recurrence seen
  at ``phi = theta + mu v``.

Example
-------
>>> from visualdl.symbolic.optimizers import ewa_closed_form, first_step
>>> ewa_closed_form()
-beta**t*g + g
>>> first_step("adam")
alpha
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from visualdl.symbolic.check import SEED, Check, Op, rel_error, rng

__all__ = [
    "CHECKED",
    "CHECKS",
    "CHECK_HYPER",
    "NAMES",
    "NO_DECAY",
    "PARAM_SHAPES",
    "check",
    "check_ewa",
    "ewa_closed_form",
    "ewa_expectation",
    "ewa_unrolled",
    "first_step",
    "momentum_forms_equivalent",
    "nag_path",
    "notes_ratio",
    "notes_ratio_value",
    "rule",
    "trajectory",
]

NAMES = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
PARAM_SHAPES = {"W1": (2, 2), "b1": (2, 1)}
NO_DECAY = ("b1",)  # the bias, which its layer declares exempt from weight decay
STEPS = 4  # steps compared with the engine
DIGITS = 30

# the hyper-parameters of the checks, exact; eps is large so that where it sits matters
CHECK_HYPER: dict[str, sp.Rational] = {
    "lr": sp.Rational(1, 10),
    "beta": sp.Rational(9, 10),
    "beta1": sp.Rational(9, 10),
    "beta2": sp.Rational(999, 1000),
    "eps": sp.Rational(1, 1000),
    "weight_decay": sp.Rational(1, 10),
}

beta, beta1, beta2 = sp.symbols("beta beta_1 beta_2", positive=True)
alpha, eps = sp.symbols("alpha epsilon", positive=True)
g = sp.Symbol("g", real=True)
t = sp.Symbol("t", integer=True, nonnegative=True)


# -- the exponentially weighted average -------------------------------------------------------
@cache
def ewa_closed_form() -> sp.Expr:
    """``v_t`` solving ``v_{t+1} = beta v_t + (1 - beta) g``, ``v_0 = 0`` (``sympy.rsolve``).

    Example
    -------
    >>> sp.factor(ewa_closed_form())
    -g*(beta**t - 1)
    """
    v = sp.Function("v")
    return sp.rsolve(v(t + 1) - beta * v(t) - (1 - beta) * g, v(t), {v(0): 0})


def ewa_unrolled(T: int, series: tuple[sp.Expr, ...] | None = None) -> list[sp.Expr]:
    """``[v_1, ..., v_T]`` by applying ``v = beta v + (1 - beta) theta_k`` from ``v_0 = 0``.

    ``series`` is ``theta_1..theta_T`` (symbols ``theta_k`` by default).

    Example
    -------
    >>> sp.factor(ewa_unrolled(2, (g, g))[-1])
    -g*(beta - 1)*(beta + 1)
    """
    theta = series if series is not None else sp.symbols(f"theta_1:{T + 1}", real=True)
    v, out = sp.Integer(0), []
    for k in range(T):
        v = beta * v + (1 - beta) * theta[k]
        out.append(sp.expand(v))
    return out


def ewa_expectation(T: int) -> sp.Expr:
    """``E[v_T]`` for independent gradients ``g_k ~ Normal(mu, sigma)`` (``sympy.stats.E``).

    Example
    -------
    >>> mu = sp.Symbol("mu", real=True)
    >>> sp.simplify(ewa_expectation(2) - (1 - beta**2) * mu)
    0
    """
    from sympy.stats import E, Normal

    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    return sp.expand(E(ewa_unrolled(T, tuple(Normal(f"g_{k}", mu, sigma) for k in range(T)))[-1]))


def _bias_correction_holds(T: int = 8) -> bool:
    """``v_t = (1 - beta^t) g`` from rsolve (all t) and from unrolling (t = 1..T)."""
    closed = ewa_closed_form()
    if sp.simplify(closed - (1 - beta**t) * g) != 0:
        return False
    unrolled = ewa_unrolled(T, (g,) * T)
    return all(sp.expand(v - closed.subs(t, k)) == 0 for k, v in enumerate(unrolled, start=1))


def check_ewa(ewa: Callable[..., Any] | None = None, seed: int = SEED) -> Check:
    """Cross-check ``visualdl.engine.averaging.ewa`` with the derivation.

    The symbolic identity must hold (infinite error otherwise); then, for beta 0.9 and 0.98,
    the engine's raw average of a constant series must be ``rsolve``'s ``(1 - beta^t) g``, its
    corrected average ``g``, and on a random series both must equal the unrolled sum
    ``v_t = (1 - beta) sum_k beta^(t-k) theta_k`` (and ``v_t`` divided by ``1 - beta^t``).

    Example
    -------
    >>> check_ewa().passed
    True
    """
    from visualdl.engine.averaging import ewa as engine_ewa

    ewa = ewa or engine_ewa
    T, g0 = 25, 2.5
    gen = rng(seed)
    noisy = gen.standard_normal(T) + 1.0
    theta = sp.symbols(f"theta_1:{T + 1}", real=True)
    closed = sp.lambdify((beta, g, t), ewa_closed_form(), "numpy")
    steps = np.arange(1, T + 1)
    pairs: list[Any] = []
    unrolled_at = sp.lambdify((beta, theta), ewa_unrolled(T, theta), "numpy")
    for b in (0.9, 0.98):
        factor = closed(b, 1.0, steps)  # 1 - beta^t, from rsolve
        pairs += [closed(b, g0, steps), ewa(np.full(T, g0), b)]
        pairs += [np.full(T, g0), ewa(np.full(T, g0), b, bias_correction=True)]
        unrolled = np.array(unrolled_at(b, noisy), dtype=np.float64)
        pairs += [unrolled, ewa(noisy, b), unrolled / factor, ewa(noisy, b, bias_correction=True)]
    ok = _bias_correction_holds()
    return Check(
        "rsolve: v_t = (1 - beta^t) g; unrolled sums vs ewa raw/corrected",
        rel_error(*pairs) if ok else float("inf"),
    )


# -- the update rules, from their definitions -------------------------------------------------
Moments = dict[str, Any]


def rule(name: str, key: str, theta: Any, grad: Any, mom: Moments, step: int, h: Mapping) -> Any:
    """One optimizer step on one scalar parameter ``theta`` (key ``key``) with gradient
    ``grad``; ``mom`` holds the moments ``V``, ``S`` (updated in place), ``step`` counts from 1.

    ==========  ================================================================================
    gd          ``theta - lr g``
    momentum    ``V = beta V + (1 - beta) g`` (``form="ema"``) or ``V = beta V + g``
                (``"classic"``); ``theta - lr V``
    adagrad     ``S = S + g^2``; ``theta - lr g / (sqrt(S) + eps)``
    rmsprop     ``S = beta S + (1 - beta) g^2``; ``theta - lr g / (sqrt(S) + eps)``
    adam        ``V = beta1 V + (1 - beta1) g``, ``S = beta2 S + (1 - beta2) g^2``,
                ``theta - lr (V / (1 - beta1^t)) / (sqrt(S / (1 - beta2^t)) + eps)``
    adam_notes  the same with ``S / (1 - beta1^t)``: the notes' mistake
    adamw       adam, then ``- lr weight_decay theta`` (old theta) unless ``key`` is in NO_DECAY
    ==========  ================================================================================

    Nesterov needs the gradient at a look-ahead point, so it has its own :func:`nag_path`.

    Example
    -------
    >>> mom = {"V": 0}
    >>> rule("momentum", "x", 1, 2, mom, 1, {"lr": sp.Rational(1, 10), "beta": sp.Rational(9, 10)})
    49/50
    >>> mom
    {'V': 1/5}
    """
    lr = h["lr"]
    if name == "gd":
        return theta - lr * grad
    if name == "momentum":
        b = h["beta"]
        mom["V"] = b * mom["V"] + ((1 - b) * grad if h.get("form", "ema") == "ema" else grad)
        return theta - lr * mom["V"]
    if name == "adagrad":
        mom["S"] = mom["S"] + grad**2
        return theta - lr * grad / (sp.sqrt(mom["S"]) + h["eps"])
    if name == "rmsprop":
        b = h["beta"]
        mom["S"] = b * mom["S"] + (1 - b) * grad**2
        return theta - lr * grad / (sp.sqrt(mom["S"]) + h["eps"])
    if name in ("adam", "adamw", "adam_notes"):
        b1, b2 = h["beta1"], h["beta2"]
        mom["V"] = b1 * mom["V"] + (1 - b1) * grad
        mom["S"] = b2 * mom["S"] + (1 - b2) * grad**2
        V_corrected = mom["V"] / (1 - b1**step)
        S_corrected = mom["S"] / (1 - (b1 if name == "adam_notes" else b2) ** step)
        new = theta - lr * V_corrected / (sp.sqrt(S_corrected) + h["eps"])
        if name == "adamw" and key not in NO_DECAY:
            new = new - lr * h["weight_decay"] * theta
        return new
    raise ValueError(f"rule: no symbolic rule for {name!r}")


Params = dict[str, sp.Matrix]


def trajectory(
    name: str, params: Params, grads: list[Params], h: Mapping
) -> list[tuple[Params, dict[str, sp.Matrix]]]:
    """Exact ``(params, moments)`` after each step of :func:`rule`, entry by entry.

    ``grads[k]`` holds ``"d" + key`` for step ``k + 1``; moments are keyed as in the engine
    (``VdW1``, ``SdW1``).

    Example
    -------
    >>> p0 = {"W1": sp.Matrix([[1, 2]])}
    >>> (p1, s1), = trajectory("adagrad", p0, [{"dW1": sp.Matrix([[3, -4]])}], {"lr": 1, "eps": 0})
    >>> p1["W1"], s1["SdW1"]
    (Matrix([[0, 3]]), Matrix([[9, 16]]))
    """
    moments = {k: [{"V": 0, "S": 0} for _ in range(len(v))] for k, v in params.items()}
    out = []
    for step, grad in enumerate(grads, start=1):
        new = {}
        for k, v in params.items():
            dk = grad["d" + k]
            entries = [rule(name, k, v[n], dk[n], moments[k][n], step, h) for n in range(len(v))]
            new[k] = sp.Matrix(v.rows, v.cols, entries)
        params = new
        state = {
            f"{mom}d{k}": sp.Matrix(v.rows, v.cols, [e[mom] for e in moments[k]])
            for k, v in params.items()
            for mom in "VS"
        }
        out.append((params, state))
    return out


def first_step(name: str = "adam", sign: int = 1) -> sp.Expr:
    """``theta_0 - theta_1`` of Adam's (or ``adam_notes``') first step for a gradient of sign
    ``sign``, with symbolic ``alpha, beta1, beta2``, in the limit ``eps -> 0+``.

    Example
    -------
    >>> first_step("adam", -1)
    -alpha
    """
    gp = sp.Symbol("g", positive=True) * sign
    h = {"lr": alpha, "beta1": beta1, "beta2": beta2, "eps": eps}
    theta = sp.Symbol("theta", real=True)
    new = rule(name, "W", theta, gp, {"V": 0, "S": 0}, 1, h)
    return sp.simplify(sp.limit(sp.simplify(theta - new), eps, 0, "+"))


@cache
def notes_ratio() -> sp.Expr:
    """The notes' Adam step over the right one at step ``t``, for any gradient history, as
    ``eps -> 0``: one step of each rule from the same moments ``V, S`` (symbolic) and gradient.

    The two differ only in the correction of ``S``, so the ratio is
    ``sqrt((1 - beta1^t) / (1 - beta2^t))`` (SymPy writes ``beta^t - 1`` above and below):
    10 at ``t = 1`` with the defaults, falling to 1 as ``beta2^t -> 0``.

    Example
    -------
    >>> notes_ratio()
    sqrt((beta_1**t - 1)/(beta_2**t - 1))
    >>> notes_ratio().subs({t: 1, beta1: sp.Rational(9, 10), beta2: sp.Rational(999, 1000)})
    10
    """
    V, S, gp = (
        sp.Symbol("V", real=True),
        sp.Symbol("S", positive=True),
        sp.Symbol("g", positive=True),
    )
    h = {"lr": alpha, "beta1": beta1, "beta2": beta2, "eps": eps}
    theta = sp.Symbol("theta", real=True)
    steps = [
        sp.limit(theta - rule(name, "W", theta, gp, {"V": V, "S": S}, t, h), eps, 0, "+")
        for name in ("adam_notes", "adam")
    ]
    squared = sp.simplify((steps[0] / steps[1]) ** 2)  # both steps have the same sign
    return sp.sqrt(squared)


def notes_ratio_value(step: Any, b1: float = 0.9, b2: float = 0.999) -> Any:
    """:func:`notes_ratio` in float64 at step(s) ``step`` (int or array), defaults beta1 0.9,
    beta2 0.999.

    Example
    -------
    >>> [round(float(notes_ratio_value(k)), 2) for k in (1, 2, 10, 100)]
    [10.0, 9.75, 8.09, 3.24]
    """
    return sp.lambdify((t, beta1, beta2), notes_ratio(), "numpy")(np.asarray(step), b1, b2)


def momentum_forms_equivalent(T: int = 6) -> bool:
    """Classic momentum with ``alpha (1 - beta)`` and the EMA form with ``alpha`` give the same
    ``theta_1..theta_T`` for symbolic gradients ``g_1..g_T``, and ``V_ema = (1 - beta) V_classic``
    is preserved by a step (so, from ``V_0 = 0``, by every step).

    Example
    -------
    >>> momentum_forms_equivalent(3)
    True
    """
    gs = sp.symbols(f"g_1:{T + 1}", real=True)
    theta0 = sp.Symbol("theta_0", real=True)
    ema = {"lr": alpha, "beta": beta, "form": "ema"}
    classic = {"lr": alpha * (1 - beta), "beta": beta, "form": "classic"}
    paths = []
    for h in (ema, classic):
        mom, theta, path = {"V": 0}, theta0, []
        for k in range(T):
            theta = rule("momentum", "x", theta, gs[k], mom, k + 1, h)
            path.append(theta)
        paths.append(path)
    same = all(sp.expand(a - b) == 0 for a, b in zip(*paths, strict=True))
    # induction: if V_e = (1 - beta) V_c before a step, it holds after it
    Vc, gk = sp.symbols("V_c g", real=True)
    me, mc = {"V": (1 - beta) * Vc}, {"V": Vc}
    step_e = rule("momentum", "x", theta0, gk, me, 1, ema) - theta0
    step_c = rule("momentum", "x", theta0, gk, mc, 1, classic) - theta0
    invariant = sp.expand(me["V"] - (1 - beta) * mc["V"]) == 0
    return same and invariant and sp.expand(step_e - step_c) == 0


# -- Nesterov: the look-ahead definition ------------------------------------------------------
def nag_path(surface: str, h: Mapping, steps: int) -> list[tuple[sp.Expr, sp.Expr, sp.Matrix]]:
    """Nesterov's accelerated gradient from its definition, exact, on a 2-D surface.

    ``v = mu v - e grad f(theta + mu v)``, ``theta = theta + v`` from the surface's start with
    ``v = 0`` (``mu = beta``; ``e = lr`` for ``form="classic"``, ``lr (1 - beta)`` for
    ``"ema"``), the gradient by ``sympy.diff`` (:func:`visualdl.symbolic.surfaces.gradient`).

    Returns
    -------
    list of (phi_x, phi_y, v)
        One per step: the point ``phi = theta + mu v`` (where the engine's Nesterov stands)
        and the velocity ``v: (2, 1)``; the engine's ``Vdx, Vdy`` are ``-v / lr``.

    Example
    -------
    >>> h = {"lr": sp.Rational(1, 10), "beta": sp.Rational(9, 10), "form": "classic"}
    >>> phi_x, phi_y, v = nag_path("saddle", h, 1)[0]
    >>> phi_x, phi_y, v.T  # theta_1 = (-6/5, 3/250), phi_1 = theta_1 + 9/10 v_1
    (-93/100, 69/5000, Matrix([[3/10, 1/500]]))
    """
    from visualdl.engine.surfaces import get
    from visualdl.symbolic import surfaces as symbolic_surfaces

    fx, fy = symbolic_surfaces.gradient(surface)
    x, y = symbolic_surfaces.x, symbolic_surfaces.y
    mu = h["beta"]
    e = h["lr"] if h.get("form", "ema") == "classic" else h["lr"] * (1 - mu)
    theta = sp.Matrix([sp.nsimplify(c) for c in get(surface).start])
    v = sp.zeros(2, 1)
    out = []
    for _ in range(steps):
        ahead = theta + mu * v
        grad = sp.Matrix([f.subs({x: ahead[0], y: ahead[1]}) for f in (fx, fy)])
        v = mu * v - e * grad
        theta = theta + v
        phi = theta + mu * v
        out.append((phi[0], phi[1], v))
    return out


def _nesterov_pairs(step_fn: Callable, surface: str, form: str, steps: int) -> list[Any]:
    from visualdl.engine.surfaces import get

    h = {**{k: CHECK_HYPER[k] for k in ("lr", "beta")}, "form": form}
    if surface == "rosenbrock":
        h["lr"] = sp.Rational(1, 1000)
    exact = nag_path(surface, h, steps)
    s = get(surface)
    params = {"x": np.float64(s.start[0]), "y": np.float64(s.start[1])}
    hyper = {"lr": float(h["lr"]), "beta": float(h["beta"]), "form": form}
    state, pairs = None, []
    scale = h["lr"]  # the engine's velocity V is -v / lr in both forms
    for phi_x, phi_y, v in exact:
        params, state = step_fn("nesterov", params, s.gradients(params), state, hyper)
        pairs += [_num(phi_x), params["x"], _num(phi_y), params["y"]]
        pairs += [_num(-v[0] / scale), state["Vdx"], _num(-v[1] / scale), state["Vdy"]]
    return pairs


# -- the cross-checks with the engine ---------------------------------------------------------
def _num(expr: Any) -> Any:
    """float64 value(s) of an exact expression or matrix, via DIGITS-digit evaluation."""
    if isinstance(expr, sp.MatrixBase):
        return np.array(expr.evalf(DIGITS).tolist(), dtype=np.float64)
    return np.float64(sp.N(expr, DIGITS))


def _problem(seed: int, steps: int) -> tuple[Params, list[Params]]:
    """Rational starting parameters and ``steps`` rational gradient dicts (no zero entries)."""
    gen = rng(seed)

    def draw(shape: tuple[int, int]) -> sp.Matrix:
        ints = gen.integers(1, 9, shape) * gen.choice([-1, 1], shape)
        return sp.Matrix(ints.tolist()) / 4

    params = {k: draw(s) for k, s in PARAM_SHAPES.items()}
    grads = [{"d" + k: draw(s) for k, s in PARAM_SHAPES.items()} for _ in range(steps)]
    return params, grads


Step = Callable[..., tuple[dict[str, Any], dict[str, Any]]]


def _hyper(name: str, form: str | None = None) -> dict[str, Any]:
    from visualdl.engine.optimizers import DEFAULTS

    h = {k: CHECK_HYPER[k] for k in DEFAULTS[name] if k in CHECK_HYPER}
    if form is not None:
        h["form"] = form
    return h


def _rule_pairs(step_fn: Step, name: str, form: str | None, seed: int) -> list[Any]:
    """Engine vs :func:`trajectory`: params and moments after each of STEPS steps."""
    params0, grads = _problem(seed, STEPS)
    h = _hyper(name, form)
    exact = trajectory(name, params0, grads, h)
    hyper = {k: (v if isinstance(v, str) else float(v)) for k, v in h.items()}
    params = {k: _num(v) for k, v in params0.items()}
    state, pairs = None, []
    for (p_exact, s_exact), grad in zip(exact, grads, strict=True):
        grad = {k: _num(v) for k, v in grad.items()}
        params, state = step_fn(name, params, grad, state, hyper, NO_DECAY)
        for k in PARAM_SHAPES:
            pairs += [_num(p_exact[k]), params[k]]
        for key in s_exact:
            if key in state:
                pairs += [_num(s_exact[key]), state[key]]
    return pairs


def _state_keys_ok(step_fn: Step, name: str) -> bool:
    """The engine's state after one step holds ``t`` and exactly the moments ``name`` uses."""
    params0, grads = _problem(SEED, 1)
    params = {k: _num(v) for k, v in params0.items()}
    grad = {k: _num(v) for k, v in grads[0].items()}
    _, state = step_fn(name, params, grad, None, {})
    moments = {"momentum": "V", "nesterov": "V", "adagrad": "S", "rmsprop": "S"}.get(name, "VS")
    want = {"t"} | {f"{m}d{k}" for k in PARAM_SHAPES for m in moments}
    return set(state) == want and state["t"] == 1


CHECKED = {
    "momentum": "ema and classic V recurrences, 4 steps; classic lr(1-b) = ema lr (all t)",
    "nesterov": "look-ahead NAG v = mu v - e grad f(theta + mu v) on bowl, rosenbrock",
    "adagrad": "S += g^2, theta -= lr g/(sqrt(S) + eps): params, SdW over 4 steps",
    "rmsprop": "S = b S + (1-b) g^2, theta -= lr g/(sqrt(S) + eps): 4 steps",
    "adam": "V, S, 1 - b^t corrections over 4 steps; lim eps->0 |step 1| = lr",
    "adamw": "adam + decoupled -lr wd theta (weights only, not b): 4 steps",
}


def check(name: str, step: Step | None = None, seed: int = SEED) -> Check:
    """Cross-check the engine's ``step(name, params, grads, state, hyper)`` with the rule's
    definition in exact arithmetic (see :data:`CHECKED` for what each row compares).

    ``step`` replaces the engine's pure step (tests pass a broken one). Symbolic facts the row
    rests on (the momentum forms' equivalence, Adam's first-step limit ``lr``, the state keys
    ``VdW1``/``SdW1``/``t``) must hold, or the error is infinite.

    Example
    -------
    >>> check("rmsprop").passed
    True
    """
    from visualdl.engine.optimizers import step as engine_step

    if name not in NAMES:
        raise ValueError(f"optimizer check: expected one of {list(NAMES)}, got {name!r}")
    step_fn = step or engine_step
    ok = _state_keys_ok(step_fn, name)
    if name == "nesterov":
        pairs = [
            p
            for surface in ("bowl", "rosenbrock")
            for form in ("ema", "classic")
            for p in _nesterov_pairs(step_fn, surface, form, STEPS)
        ]
    elif name == "momentum":
        pairs = _rule_pairs(step_fn, name, "ema", seed) + _rule_pairs(
            step_fn, name, "classic", seed
        )
        ok = ok and momentum_forms_equivalent()
    else:
        pairs = _rule_pairs(step_fn, name, None, seed)
    if name == "adam":
        ok = ok and first_step("adam", 1) == alpha and first_step("adam", -1) == -alpha
    return Check(CHECKED[name], rel_error(*pairs) if ok else float("inf"))


# the rows of ``visualdl verify``, in the order it prints them: an update rule is not a
# backward, so ``step=`` (or ``ewa=``) takes the replacement
CHECKS: dict[str, Op] = {
    **{name: Op(check, (name,), override="step") for name in NAMES},
    "ewa_bias_correction": Op(check_ewa, override="ewa"),
}
