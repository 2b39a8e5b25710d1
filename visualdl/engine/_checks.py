"""Input checks shared by the engine: a ``ValueError`` naming the op and what was expected."""

from __future__ import annotations

from typing import Any

from visualdl.backend import array_module

__all__ = ["check_finite", "check_same_shape", "check_ndim", "check_binary"]


def check_ndim(op: str, name: str, x: Any, ndim: int) -> None:
    """Raise unless ``x`` has ``ndim`` axes."""
    if getattr(x, "ndim", None) != ndim:
        raise ValueError(
            f"{op}: {name} must be a {ndim}-D array, got shape {getattr(x, 'shape', type(x))}"
        )


def check_same_shape(op: str, a_name: str, a: Any, b_name: str, b: Any) -> None:
    """Raise unless ``a`` and ``b`` have the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{op}: {a_name} and {b_name} must have the same shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


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
