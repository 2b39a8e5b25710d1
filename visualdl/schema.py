"""The trace's floor plan: every record kind is declared once, beside the code that writes it.

A :class:`Kind` names a record pattern (``"dense{l}.forward"``, ``"conv2d.window"``), the arrays
it carries with their shape meaning (``"(n[l], m)"``) and its info keys. The writer logs
through the kind (:meth:`Kind.log`), which builds the name from the pattern and sorts the values
into info and arrays, so a record cannot drift from its declaration; :func:`validate` checks a
whole trace (records added by hand with :meth:`Trace.add` included) against the declarations.

Naming rule: layers own their records, ``{kind}{l}.{phase}`` (``dense1.forward``,
``conv2.backward``, ``bn3.forward``); a loop oracle narrates ``{op}.{step}`` (``conv2d.window``)
with the step's index in the info (window position, time step, query); a demo's own records
carry the demo's prefix (``conv_sliding.size``).

Example
-------
>>> import numpy as np
>>> from visualdl.trace import record
>>> demo = Kind("example{l}.forward", arrays={"Z": "(n, m)"}, info={"note": "a word"})
>>> with record() as tr:
...     demo.log(l=2, note="hi", Z=np.ones((3, 4)))
>>> tr.last("example2.forward").info, validate(tr, [demo])
({'note': 'hi'}, [])
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from visualdl import trace

__all__ = ["KINDS", "Kind", "declare", "kind_of", "validate"]

_FIELD = re.compile(r"\{(\w+)\}")


def _ndim(meaning: str) -> int | None:
    """The number of axes of the shape a meaning starts with: ``"(n[l], m) the input"`` -> 2,
    ``"()"`` -> 0; None for a meaning that starts with no shape."""
    if not meaning.startswith("("):
        return None
    depths = accumulate({"(": 1, ")": -1}.get(ch, 0) for ch in meaning)
    end = next((i for i, depth in enumerate(depths) if depth == 0), len(meaning))
    inner = re.sub(r"\[[^\]]*\]", "", meaning[1:end])  # layer indices such as [l]
    while re.search(r"\([^()]*\)", inner):
        inner = re.sub(r"\([^()]*\)", "", inner)  # groups inside an axis, (n - 1)
    return len([p for p in inner.split(",") if p.strip()])


@dataclass(frozen=True)
class Kind:
    """One declared record kind.

    Parameters
    ----------
    pattern : the record name with ``{field}`` parts (``"dense{l}.forward"``).
    arrays : array name -> shape meaning, e.g. ``{"Z": "(n[l], m) the input"}``; a meaning
        that starts with a shape fixes the number of axes. The name ``"*"`` admits any further
        arrays (an optimizer's parameters, gradients and state, keyed as in the notes).
    info : info key -> meaning (scalars, strings, small lists).
    optional : arrays or info keys that may be absent.
    """

    pattern: str
    arrays: dict[str, str] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``{field}`` names of the pattern, in order."""
        return tuple(_FIELD.findall(self.pattern))

    def matches(self, name: str) -> bool:
        """Whether ``name`` has this kind's pattern (``{l}`` is digits, other fields a word)."""
        parts = re.split(r"(\{\w+\})", self.pattern)
        rx = "".join(
            (r"\d+" if p == "{l}" else r"\w+") if _FIELD.fullmatch(p) else re.escape(p)
            for p in parts
        )
        return re.fullmatch(rx, name) is not None

    def split(self, values: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """``(name, info, arrays)`` from keyword values; ``ValueError`` for a missing or unknown
        key."""
        unknown = set() if "*" in self.arrays else set(values) - self._keys
        missing = self._keys - {"*"} - set(values) - self.optional
        if unknown or missing:
            raise ValueError(
                f"record {self.pattern!r}: unknown keys {sorted(unknown)}, "
                f"missing keys {sorted(missing)}"
            )
        name = self.pattern.format(**{k: values[k] for k in self.fields})
        info = {k: values[k] for k in self.info if k in values}
        arrays = {k: v for k, v in values.items() if k not in self.info and k not in self.fields}
        return name, info, arrays

    @property
    def _keys(self) -> set[str]:
        return set(self.fields) | set(self.info) | set(self.arrays)

    def log(self, **values: Any) -> None:
        """Add a record of this kind to the active trace; nothing when recording is off."""
        if trace.current() is not None:
            name, info, arrays = self.split(values)
            trace.log(name, info, **arrays)

    def add(self, tr: trace.Trace, **values: Any) -> trace.Record:
        """Add a record of this kind to ``tr`` (a demo's own trace)."""
        name, info, arrays = self.split(values)
        return tr.add(name, info, **arrays)

    def problems(self, rec: trace.Record) -> list[str]:
        """What in ``rec`` disagrees with this declaration (empty when it matches)."""
        out = []
        pairs = (("arrays", rec.arrays, self.arrays), ("info", rec.info, self.info))
        for what, got, declared in pairs:
            extra = set() if "*" in declared else set(got) - set(declared)
            missing = set(declared) - {"*"} - set(got) - self.optional
            if extra or missing:
                out.append(f"{rec.name}: {what} extra {sorted(extra)}, missing {sorted(missing)}")
        for k, meaning in self.arrays.items():
            n = _ndim(meaning)
            if k in rec.arrays and n is not None and rec.arrays[k].ndim != n:
                out.append(f"{rec.name}.{k}: {rec.arrays[k].ndim} axes, declared {meaning}")
        return out


#: Every declared kind, by pattern (filled as the declaring modules are imported).
KINDS: dict[str, Kind] = {}


def declare(
    pattern: str,
    arrays: dict[str, str] | None = None,
    info: dict[str, str] | None = None,
    optional: Iterable[str] = (),
) -> Kind:
    """Declare a record kind once (a second declaration of a pattern is an error)."""
    if pattern in KINDS:
        raise ValueError(f"record kind {pattern!r} is declared twice")
    kind = Kind(pattern, dict(arrays or {}), dict(info or {}), frozenset(optional))
    KINDS[pattern] = kind
    return kind


def _kinds(op: str, kinds: Iterable[Kind] | None) -> list[Kind]:
    """``kinds`` as a list, every declared kind for None; ``ValueError`` naming ``op`` when it
    is not an iterable of :class:`Kind`."""
    if kinds is None:
        return list(KINDS.values())
    got = list(kinds) if isinstance(kinds, Iterable) else [kinds]
    if isinstance(kinds, str) or not all(isinstance(k, Kind) for k in got):
        raise ValueError(
            f"{op}: kinds must be an iterable of schema.Kind (or None for every declared "
            f"kind), got {reprlib.repr(kinds)}"
        )
    return got


def _first_match(name: str, kinds: list[Kind]) -> Kind | None:
    """The first of ``kinds`` whose pattern ``name`` has, or None."""
    return next((kind for kind in kinds if kind.matches(name)), None)


def kind_of(name: str, kinds: Iterable[Kind] | None = None) -> Kind | None:
    """The declared kind (of ``kinds``, default every one) whose pattern ``name`` has, or None.

    A ``name`` that is not a string, or ``kinds`` that are not :class:`Kind`, is a
    ``ValueError``."""
    if not isinstance(name, str):
        raise ValueError(f"schema.kind_of: name must be a str, got {reprlib.repr(name)}")
    return _first_match(name, _kinds("schema.kind_of", kinds))


def validate(tr: trace.Trace, kinds: Iterable[Kind] | None = None) -> list[str]:
    """Every disagreement between ``tr``'s records and the declarations (empty when none).

    A ``tr`` that is not a :class:`~visualdl.trace.Trace`, or ``kinds`` that are not
    :class:`Kind`, is a ``ValueError``."""
    if not isinstance(tr, trace.Trace):
        raise ValueError(f"schema.validate: expected a Trace, got {reprlib.repr(tr)}")
    kinds = _kinds("schema.validate", kinds)
    out = []
    for rec in tr.records:
        kind = _first_match(rec.name, kinds)
        out += [f"{rec.name}: no declared kind"] if kind is None else kind.problems(rec)
    return out
