"""The trace: the only contract between the engine and the pictures.

Recording is off unless a ``with record() as tr:`` block is open. Inside it, engine ops add
named records of host NumPy arrays (``Z``, ``A``, ``dZ``, ``dW``, ...). Scenes and figures only
read a trace. A trace saves to one ``.npz`` file (no pickle) with its metadata as JSON.

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record, log
>>> with record() as tr:
...     log("dense1.forward", Z=np.ones((2, 3)))
>>> tr.last("dense1.forward")["Z"].shape
(2, 3)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from visualdl.backend import to_host
from visualdl.files import atomic_write

__all__ = ["Record", "Trace", "current", "log", "record"]

_META_KEY = "__trace__"


@dataclass
class Record:
    """One named event: host arrays plus JSON-able info (scalars, strings)."""

    name: str
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]


@dataclass
class Trace:
    """An ordered list of :class:`Record` plus metadata (seed, layer sizes, ...)."""

    meta: dict[str, Any] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)

    def add(self, name: str, info: dict[str, Any] | None = None, **arrays: Any) -> Record:
        """Append a record; arrays are copied to the host."""
        rec = Record(name, {k: np.array(to_host(v)) for k, v in arrays.items()}, dict(info or {}))
        self.records.append(rec)
        return rec

    def find(self, name: str) -> list[Record]:
        """All records called ``name``, in order."""
        return [r for r in self.records if r.name == name]

    def last(self, name: str) -> Record:
        """The latest record called ``name``; ``KeyError`` when there is none."""
        for r in reversed(self.records):
            if r.name == name:
                return r
        raise KeyError(f"trace has no record {name!r}; it has {sorted(self.names())}")

    def names(self) -> list[str]:
        """Distinct record names in first-seen order."""
        return list(dict.fromkeys(r.name for r in self.records))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the trace to ``path`` (.npz, no pickle) atomically; returns the path."""
        path = Path(path)
        index = [{"name": r.name, "info": r.info, "keys": list(r.arrays)} for r in self.records]
        header = json.dumps({"meta": self.meta, "records": index})
        arrays = {f"r{i}/{k}": v for i, r in enumerate(self.records) for k, v in r.arrays.items()}
        arrays[_META_KEY] = np.array(header)
        with atomic_write(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trace:
        """Read a trace written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data[_META_KEY]))
            records = [
                Record(e["name"], {k: data[f"r{i}/{k}"] for k in e["keys"]}, e["info"])
                for i, e in enumerate(header["records"])
            ]
        return cls(header["meta"], records)


_active: ContextVar[Trace | None] = ContextVar("visualdl_trace", default=None)


def current() -> Trace | None:
    """The trace being recorded, or None when recording is off."""
    return _active.get()


@contextmanager
def record(**meta: Any) -> Iterator[Trace]:
    """Record engine events into a new :class:`Trace` inside a ``with`` block."""
    tr = Trace(dict(meta))
    token = _active.set(tr)
    try:
        yield tr
    finally:
        _active.reset(token)


def log(name: str, info: dict[str, Any] | None = None, **arrays: Any) -> None:
    """Add a record to the active trace; does nothing when recording is off."""
    tr = _active.get()
    if tr is not None:
        tr.add(name, info, **arrays)
