"""Which exercises this learner has passed, kept in the user's data directory.

The file is ``$XDG_DATA_HOME/visualdl/exercises.json`` (``~/.local/share`` when the variable
is unset), never inside the package: ``{"passed": {NAME: ISO time of the first pass}}``. It is
written whole or not at all (:func:`visualdl.files.atomic_write`).

Example
-------
>>> path().parts[-2:]
('visualdl', 'exercises.json')
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from visualdl.files import atomic_write

__all__ = ["passed", "path", "record"]


def path() -> Path:
    """The progress file of this user."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "visualdl" / "exercises.json"


def passed() -> dict[str, str]:
    """``{name: first pass time}``; empty when nothing is stored or the file is unreadable."""
    try:
        data = json.loads(path().read_text())
    except (OSError, ValueError):
        return {}
    found = data.get("passed") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def record(name: str) -> None:
    """Store that ``name`` passed (the first time is kept)."""
    done = passed()
    if name in done:
        return
    done[name] = datetime.now(UTC).isoformat(timespec="seconds")
    with atomic_write(path()) as tmp:
        tmp.write_text(json.dumps({"passed": dict(sorted(done.items()))}, indent=1) + "\n")
