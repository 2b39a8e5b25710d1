"""The array-module switch: NumPy by default, CuPy when asked.

Every engine op takes its array module from its inputs (:func:`array_module`), so the same
code runs on NumPy, CuPy and array-api-strict arrays. :func:`xp` names the module new arrays
are made with (data sets, initial parameters); :func:`to_host` is the one door from the
device back to NumPy, used by the trace.

Select CuPy with the environment variable ``VISUALDL_BACKEND=cupy`` or, scoped::

    >>> from visualdl import backend
    >>> with backend.use("numpy"):
    ...     backend.xp().__name__
    'numpy'
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "array_module",
    "cupy_available",
    "from_host",
    "name",
    "to_host",
    "use",
    "xp",
]

BACKENDS = ("numpy", "cupy")
ENV_VAR = "VISUALDL_BACKEND"
_selected: ContextVar[str | None] = ContextVar("visualdl_backend", default=None)


class BackendUnavailable(RuntimeError):
    """Raised when a backend is selected that this machine cannot run."""


@functools.cache
def cupy_available() -> bool:
    """True when CuPy imports, sees a CUDA device and can compile and run a tiny kernel."""
    try:
        import cupy as cp
    except Exception:  # ImportError, or OSError/RuntimeError from a broken install
        return False
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            return False
        return float((cp.arange(3, dtype=cp.float32) * 2).sum()) == 6.0
    except Exception:  # CUDARuntimeError, CompileException, ...
        return False


def _check(backend: str) -> str:
    """The backend's name, stripped and lower-cased; ``ValueError`` for a name (or a value
    that is no string) that is not one of :data:`BACKENDS`, ``BackendUnavailable`` for CuPy
    where it cannot run."""
    chosen = backend.strip().lower() if isinstance(backend, str) else backend
    if not isinstance(chosen, str) or chosen not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS}, got {chosen!r}")
    if chosen == "cupy" and not cupy_available():
        raise BackendUnavailable(
            "backend 'cupy' was selected but CuPy cannot run here: install the [gpu] extra "
            "(pip install 'visualdl[gpu]') on a machine with an NVIDIA GPU and driver, "
            f"or unset {ENV_VAR}"
        )
    return chosen


def name() -> str:
    """The selected backend: the innermost :func:`use`, else ``$VISUALDL_BACKEND``, else numpy."""
    return _check(_selected.get() or os.environ.get(ENV_VAR) or "numpy")


def xp() -> ModuleType:
    """The array module of the selected backend (``numpy`` or ``cupy``)."""
    if name() == "cupy":
        import cupy

        return cupy
    return np


@contextmanager
def use(backend: str) -> Iterator[ModuleType]:
    """Select a backend inside a ``with`` block; yields its array module. A ``backend`` that
    is not one of :data:`BACKENDS` is a ``ValueError``."""
    token = _selected.set(_check(backend))
    try:
        yield xp()
    finally:
        _selected.reset(token)


def array_module(*arrays: Any) -> ModuleType:
    """The array namespace of the first array argument (numpy for Python scalars).

    Works for NumPy, CuPy and any array-API array (``x.__array_namespace__()``).
    """
    for a in arrays:
        if isinstance(a, np.ndarray | np.generic):
            return np
        if hasattr(a, "__array_namespace__"):
            return a.__array_namespace__()
        if type(a).__module__.startswith("cupy"):
            import cupy

            return cupy
    return np


def to_host(x: Any) -> np.ndarray:
    """Copy an array from any backend to a NumPy array on the host (the one device->host door)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        return x.get()
    if np.isscalar(x):
        return np.asarray(x)
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)


def from_host(a: np.ndarray, like: Any = None) -> Any:
    """Put a host NumPy array on the backend of ``like`` (or the selected backend)."""
    mod = array_module(like) if like is not None else xp()
    if mod is np:
        return np.asarray(a)
    return mod.asarray(a)
