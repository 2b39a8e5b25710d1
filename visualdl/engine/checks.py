"""The engine's one door for input: every public op and layer takes its arrays and
hyper-parameters through these checks, and every refusal is a ``ValueError`` that starts with
the op's name and says what was expected and what came.

What the engine accepts:

- **arrays** of real floating point (float32 and float64 are kept as they are; float16 becomes
  float32, since its range, 65504, overflows a cost's sum); Python lists, tuples and scalars
  are converted with ``numpy.asarray``; bool and integer arrays become float64; complex,
  object and string arrays are refused;
- **batches** of at least one example (``m >= 1``);
- **upstream gradients** of exactly the shape of what they differentiate (no broadcasting);
- **probabilities** in [0, 1] and **labels** that are labels (0/1, or columns that sum to 1);
- **hyper-parameters**: finite real numbers in their ranges (NumPy scalars become Python
  numbers); integers where a count or a size is meant.

NaN is never turned into a number: ops propagate it, and ``Sequential.fit`` stops at the first
non-finite cost or parameter.

Example
-------
>>> from visualdl.engine.checks import number, real_array
>>> real_array("relu", "Z", [[1, 2]]).dtype
dtype('float64')
>>> number("Optimizer", "lr", float("inf"), "(0, inf)")
Traceback (most recent call last):
...
ValueError: Optimizer: lr must be a finite number > 0, got inf
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from visualdl.backend import array_module

__all__ = [
    "check_batch",
    "check_binary",
    "check_distributions",
    "check_finite",
    "check_ndim",
    "check_probabilities",
    "check_same_shape",
    "choice",
    "float_dtype",
    "gradient",
    "integer",
    "is_int",
    "named",
    "number",
    "real_array",
    "scalar",
]

Array = Any


def _is(xp: Any, dtype: Any, kind: str) -> bool:
    isdtype = getattr(xp, "isdtype", None) or np.isdtype
    return bool(isdtype(dtype, kind))


def real_array(op: str, name: str, x: Any, dtype: Any = None) -> Array:
    """``x`` as a real floating array of its backend (bool and integers become float64,
    float16 float32, or ``dtype`` when given); ``ValueError`` for complex, object and string
    data.

    Example
    -------
    >>> real_array("sigmoid", "Z", [1j])
    Traceback (most recent call last):
    ...
    ValueError: sigmoid: Z must hold real numbers, got complex128
    """
    dt = getattr(x, "dtype", None)
    if getattr(dt, "kind", None) == "f" and dt.itemsize > 2 and dtype in (None, dt):
        return x  # the common case, without the general checks below
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        try:
            x = np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"{op}: {name} must be an array of numbers, got {err}") from None
    xp = array_module(x)
    if _is(xp, x.dtype, "bool") or _is(xp, x.dtype, "integral"):
        return xp.astype(x, xp.float64 if dtype is None else dtype)
    if not _is(xp, x.dtype, "real floating"):
        raise ValueError(f"{op}: {name} must hold real numbers, got {x.dtype}")
    if dtype is None and x.dtype == getattr(xp, "float16", None):
        dtype = xp.float32
    if dtype is not None and x.dtype != dtype:
        return xp.astype(x, dtype)
    return x


FLOATS = ("float32", "float64")


def float_dtype(op: str, dtype: Any) -> np.dtype:
    """The floating dtype ``dtype`` names (``"float32"``, ``numpy.float32``), for a layer's
    parameters; ``ValueError`` for any other."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in FLOATS:
        raise ValueError(f"{op}: dtype must be one of {FLOATS}, got {dtype!r}")
    return dt


def check_ndim(op: str, name: str, x: Any, ndim: int, layout: str = "") -> None:
    """Raise unless ``x`` has ``ndim`` axes (``layout`` names them, e.g. ``(n_x, m)``)."""
    if getattr(x, "ndim", None) != ndim:
        want = layout or f"a {ndim}-D array"
        raise ValueError(f"{op}: {name} must be {want}, got shape {_shape(x)}")


def check_batch(op: str, name: str, x: Any, axis: int) -> int:
    """The number of examples ``m = x.shape[axis]``; ``ValueError`` when it is 0."""
    m = int(x.shape[axis])
    if m < 1:
        raise ValueError(f"{op}: {name} has no examples (m = 0), shape {_shape(x)}")
    return m


def check_same_shape(op: str, a_name: str, a: Any, b_name: str, b: Any) -> None:
    """Raise unless ``a`` has the shape of ``b`` (an array or a shape tuple): a gradient and
    what it differentiates, predictions and labels; nothing is broadcast."""
    if _shape(a) != _shape(b):
        raise ValueError(
            f"{op}: {a_name} must have the shape of {b_name} {_shape(b)}, got {_shape(a)}"
        )


def gradient(op: str, name: str, d: Any, of: str, like: Any) -> Array:
    """An upstream gradient: ``d`` as a real array of exactly the shape of ``like`` (an array or
    a shape tuple), which is called ``of``, and of its dtype when ``like`` is an array; nothing
    is broadcast.

    Example
    -------
    >>> gradient("mse_backward", "dA", [[1.0, 2.0]], "A", (2, 1))
    Traceback (most recent call last):
    ...
    ValueError: mse_backward: dA must have the shape of A (2, 1), got (1, 2)
    """
    d = real_array(op, name, d, getattr(like, "dtype", None))
    check_same_shape(op, name, d, of, like)
    return d


def check_finite(op: str, name: str, x: Any) -> None:
    """Raise when ``x`` holds NaN or infinity."""
    xp = array_module(x)
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{op}: {name} contains NaN or infinity")


def check_binary(op: str, name: str, y: Any) -> None:
    """Raise unless every entry of ``y`` is 0 or 1."""
    xp = array_module(y)
    if not bool(xp.all((y == 0) | (y == 1))):
        raise ValueError(f"{op}: {name} must hold only 0 and 1 labels")


def check_probabilities(op: str, name: str, a: Any) -> None:
    """Raise unless every entry of ``a`` lies in [0, 1] (NaN included in the refusal)."""
    xp = array_module(a)
    if not bool(xp.all((a >= 0) & (a <= 1))):
        raise ValueError(f"{op}: {name} must be probabilities in [0, 1], got values outside")


def check_distributions(op: str, name: str, y: Any, tol: float = 1e-6) -> None:
    """Raise unless every column of ``y`` is a distribution: entries in [0, 1] summing to 1
    (one-hot labels, or soft ones)."""
    check_probabilities(op, name, y)
    xp = array_module(y)
    if not bool(xp.all(xp.abs(xp.sum(y, axis=0) - 1.0) <= tol)):
        raise ValueError(f"{op}: each column of {name} must sum to 1 (one-hot labels)")


def number(op: str, name: str, v: Any, interval: str = "(-inf, inf)") -> float:
    """``v`` as a Python float, refused unless it is a finite real number in ``interval``
    (written ``"(0, 1]"``, ``"[0, inf)"``: brackets include the bound, parentheses exclude it).
    """
    low, high = (float(b) for b in interval[1:-1].split(","))
    x = float(v) if _is_real(v) else math.nan
    inside = (
        math.isfinite(x)
        and (x >= low if interval[0] == "[" else x > low)
        and (x <= high if interval[-1] == "]" else x < high)
    )
    if not inside:
        rules = {"(0, inf)": "> 0", "[0, inf)": ">= 0", "(-inf, inf)": ""}
        rule = rules.get(interval, f"in {interval}")
        what = rule if math.isfinite(x) else f"a finite number {rule}".rstrip()
        raise ValueError(f"{op}: {name} must be {what}, got {v!r}")
    return x


def choice(op: str, what: str, value: Any, options: Any) -> str:
    """``value`` when it is one of the names ``options``; ``ValueError`` listing them otherwise.

    Example
    -------
    >>> choice("activation", "name", "relu", ("relu", "tanh"))
    'relu'
    """
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{op}: {what} must be one of {sorted(options)}, got {value!r:.80}")
    return value


def is_int(v: Any) -> bool:
    """Whether ``v`` is an integer (Python or NumPy), not a bool and not a float."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool | np.bool_)


def scalar(op: str, name: str, v: Any) -> float:
    """``v`` as a Python float: a real number or a 0-d array (NaN and inf pass: a cost that
    diverged is still a cost); ``ValueError`` for anything else."""
    v = v.item() if getattr(v, "ndim", None) == 0 and hasattr(v, "item") else v
    if not _is_real(v):
        raise ValueError(f"{op}: {name} must be a number, got {v!r:.80}")
    return float(v)


def integer(op: str, name: str, v: Any, low: int = 1) -> int:
    """``v`` as a Python int, refused unless it is an integer (not a bool, not a float) with
    ``v >= low``."""
    if not is_int(v) or v < low:
        raise ValueError(f"{op}: {name} must be an int >= {low}, got {v!r}")
    return int(v)


@contextmanager
def named(op: str) -> Iterator[None]:
    """Inside the block, a ``ValueError`` raised by an inner op is raised again with ``op`` in
    front, so a learner reads the call they made first: ``Sequential.fit: gd: lr must be > 0``.

    Example
    -------
    >>> with named("Sequential.fit"):
    ...     number("gd", "lr", 0.0, "(0, inf)")
    Traceback (most recent call last):
    ...
    ValueError: Sequential.fit: gd: lr must be > 0, got 0.0
    """
    try:
        yield
    except ValueError as err:
        if str(err).startswith(f"{op}:"):
            raise
        raise ValueError(f"{op}: {err}") from None


def _is_real(v: Any) -> bool:
    """Whether ``v`` is a real number (Python or NumPy), not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)


def _shape(x: Any) -> tuple | str:
    """The shape of an array, a shape tuple itself, or the type's name of anything else."""
    if isinstance(x, tuple | list):
        return tuple(x)
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else type(x).__name__
