"""The trace: the only contract between the engine and the pictures.

Recording is off unless a ``with record() as tr:`` block is open. Inside it, engine ops add
named records of host NumPy arrays (``Z``, ``A``, ``dZ``, ``dW``, ...). Scenes and figures only
read a trace. A trace saves to one ``.npz`` file (no pickle) with its metadata as JSON: arrays are
numbers (bool, integer or real), info values are JSON-able (NumPy scalars become Python ones
when added), and anything else is refused with a ``ValueError`` naming the record and key.

A ``record(**labels)`` opened inside another is a labelled section: its records carry the
labels as their ``context`` and join the enclosing trace when the section ends, so a demo that
runs one op twice tells the runs apart with ``tr.find("conv2d.window", case="valid")``. Record
kinds are declared in :mod:`visualdl.schema`.

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record, log
>>> with record() as tr:
...     log("dense1.forward", Z=np.ones((2, 3)))
>>> tr.last("dense1.forward")["Z"].shape
(2, 3)
>>> with record() as tr:
...     with record(case="valid"):
...         log("dense1.forward", Z=np.zeros((2, 3)))
>>> tr.last("dense1.forward", case="valid").context
{'case': 'valid'}
"""

from __future__ import annotations

import json
import os
import reprlib
import zipfile
import zlib
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
_SAVED_KINDS = "biuf"  # bool, signed and unsigned integers, reals: what pictures show


def _plain(value: Any) -> Any:
    """``value`` with NumPy scalars (also inside lists, tuples and dicts) as Python ones."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json_info(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """``info`` as JSON-able values (:func:`_plain`); ``ValueError`` naming the record and the
    key of a value that is not."""
    plain = {k: _plain(v) for k, v in info.items()}
    try:
        json.dumps(plain)
    except (TypeError, ValueError):
        key, value = next((k, v) for k, v in plain.items() if not _is_json({k: v}))
        raise ValueError(
            f"Trace.add: record {name!r}: info {key!r} is a {type(value).__name__}, which a trace "
            "cannot save; pass a number, string, bool, None, or a list/dict of them "
            "(arrays go in the record's arrays)"
        ) from None
    return plain


def _file_name(op: str, path: Any) -> Path:
    """``path`` as a ``Path``; ``ValueError`` naming ``op`` when it is no file name (not a
    ``str`` or ``os.PathLike``, empty) or names a folder."""
    if not isinstance(path, str | os.PathLike) or not os.fspath(path):
        raise ValueError(
            f"{op}: path must be a file name (str or os.PathLike), got {reprlib.repr(path)}"
        )
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{op}: {path} is a folder; give a file name")
    return path


def _checked_record(name: Any, info: Any) -> None:
    """``ValueError`` when a record's ``name`` is not a string or its ``info`` not a dict."""
    if not isinstance(name, str):
        raise ValueError(f"Trace.add: record name must be a str, got {reprlib.repr(name)}")
    if info is not None and not isinstance(info, dict):
        raise ValueError(
            f"Trace.add: info must be a dict (or None), got {reprlib.repr(info)} for record "
            f"{name!r}; pass arrays as keywords, add({name!r}, X=...)"
        )


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class Record:
    """One named event: host arrays plus JSON-able info (scalars, strings) and the labels of the
    sections it was recorded in (``context``)."""

    name: str
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def has(self, **where: Any) -> bool:
        """Whether every ``key=value`` holds in the record's context or info."""
        seen = {**self.context, **self.info}
        return all(k in seen and seen[k] == v for k, v in where.items())


@dataclass
class Trace:
    """An ordered list of :class:`Record` plus metadata (seed, layer sizes, ...)."""

    meta: dict[str, Any] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    #: labels stamped on every record added (a section's, see :func:`record`)
    context: dict[str, Any] = field(default_factory=dict, repr=False)
    #: every name asked for with :meth:`find` or :meth:`last` (what a picture reads)
    reads: set[str] = field(default_factory=set, repr=False, compare=False)

    def add(self, name: str, info: dict[str, Any] | None = None, **arrays: Any) -> Record:
        """Append a record; arrays are copied to the host, NumPy scalars in ``info`` become
        Python ones. A ``name`` that is not a string, an ``info`` that is not a dict, or an
        info value that is not JSON-able is a ``ValueError``."""
        _checked_record(name, info)
        host = {k: np.array(to_host(v)) for k, v in arrays.items()}
        rec = Record(name, host, _json_info(name, info or {}), dict(self.context))
        self.records.append(rec)
        return rec

    def extend(self, other: Trace) -> None:
        """Append ``other``'s records (a demo made of other demos' traces)."""
        self.records.extend(other.records)

    def find(self, name: str, /, **where: Any) -> list[Record]:
        """All records called ``name`` (whose context or info has ``where``), in order."""
        self.reads.add(name)
        return [r for r in self.records if r.name == name and r.has(**where)]

    def last(self, name: str, /, **where: Any) -> Record:
        """The latest record called ``name`` (with ``where``); ``KeyError`` when there is none."""
        found = self.find(name, **where)
        if not found:
            raise KeyError(
                f"trace has no record {name!r}{f' with {where}' if where else ''}; "
                f"it has {sorted(self.names())}"
            )
        return found[-1]

    def names(self) -> list[str]:
        """Distinct record names in first-seen order."""
        return list(dict.fromkeys(r.name for r in self.records))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the trace to ``path`` (.npz, no pickle) atomically; returns the path.

        An array that is not bool, integer or real (object, complex, string) is a
        ``ValueError`` naming its record and key, and nothing is written; so is a ``path``
        that is no file name or names a folder.
        """
        path = _file_name("Trace.save", path)
        for r in self.records:
            for k, v in r.arrays.items():
                if v.dtype.kind not in _SAVED_KINDS:
                    raise ValueError(
                        f"Trace.save: record {r.name!r}: array {k!r} has dtype {v.dtype}, "
                        "which a trace "
                        "cannot save; save bool, integer or real arrays only"
                    )
        index = [
            {"name": r.name, "info": r.info, "context": r.context, "keys": list(r.arrays)}
            for r in self.records
        ]
        try:
            header = json.dumps(_plain({"meta": self.meta, "records": index}))
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"Trace.save: meta or labels cannot be saved as JSON ({err})"
            ) from None
        arrays = {f"r{i}/{k}": v for i, r in enumerate(self.records) for k, v in r.arrays.items()}
        arrays[_META_KEY] = np.array(header)
        with atomic_write(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trace:
        """Read a trace written by :meth:`save`.

        A file that is not one (another ``.npz``, a corrupt or random file) is a
        ``ValueError`` "... is not a visualdl trace (...)", and so is a ``path`` that is no
        file name or names a folder; a missing file is an ``OSError``.
        """
        path = _file_name("Trace.load", path)
        try:
            return cls._read(path)
        except (ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            why = "not an .npz archive" if "pickle" in str(err) else f"{type(err).__name__}: {err}"
            raise ValueError(
                f"Trace.load: {os.fspath(path)} is not a visualdl trace ({why})"
            ) from None

    @classmethod
    def _read(cls, path: str | os.PathLike) -> Trace:
        with open(path, "rb") as f:  # ours to close, also when numpy fails to read it
            data = np.load(f, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("a single .npy array, not an .npz archive")
            header = json.loads(str(data[_META_KEY]))
            records = [
                Record(
                    e["name"],
                    {k: data[f"r{i}/{k}"] for k in e["keys"]},
                    e["info"],
                    e.get("context", {}),
                )
                for i, e in enumerate(header["records"])
            ]
        return cls(header["meta"], records)


_active: ContextVar[Trace | None] = ContextVar("visualdl_trace", default=None)


def current() -> Trace | None:
    """The trace being recorded, or None when recording is off."""
    return _active.get()


@contextmanager
def record(**meta: Any) -> Iterator[Trace]:
    """Record engine events into a new :class:`Trace` inside a ``with`` block.

    Opened inside another recording, it is a section: ``meta`` labels its records (their
    ``context``, on top of the enclosing section's) and they join the enclosing trace at the
    end of the block.
    """
    parent = _active.get()
    context = {} if parent is None else {**parent.context, **meta}
    tr = Trace(dict(meta), context=context)
    token = _active.set(tr)
    try:
        yield tr
    finally:
        _active.reset(token)
        if parent is not None:
            parent.records.extend(tr.records)


def log(name: str, info: dict[str, Any] | None = None, **arrays: Any) -> None:
    """Add a record to the active trace; does nothing when recording is off."""
    tr = _active.get()
    if tr is not None:
        tr.add(name, info, **arrays)
