"""Session state in .drill/session.json: read freely, changed only under a lock.

Every change is a read-modify-write under an exclusive flock on .drill/state.lock, and
the write is atomic (temporary file, then rename), so a `status --watch` and a `grade`
running at once never lose each other's writes, and a crash never leaves half a file.
"""

from __future__ import annotations

import fcntl
import json
import time
from contextlib import contextmanager
from pathlib import Path

from grader.errors import DrillError
from grader.jsonfile import write_json

STATE_DIR = ".drill"
SESSION_FILE = "session.json"
LOCK_FILE = "state.lock"


def session_path(root: Path) -> Path:
    return Path(root) / STATE_DIR / SESSION_FILE


def read(root: Path) -> dict:
    path = session_path(root)
    recover = (f"To recover, fix the JSON by hand (a backup of your code is never in this "
               f"file), or start over with `drill start ID --dir {root} --force`: your files "
               "are backed up under .drill/backups/ first.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrillError(f"the session file {path} cannot be read ({exc}). {recover}") from None
    if not isinstance(data, dict):
        raise DrillError(f"the session file {path} does not hold a JSON object. {recover}")
    return data


@contextmanager
def locked(root: Path):
    lock_path = Path(root) / STATE_DIR / LOCK_FILE
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def update(root: Path, change) -> dict:
    """Apply change(data) to the session under the lock; returns the new data."""
    with locked(root):
        data = read(root)
        change(data)
        write_json(session_path(root), data)
        return data


def add_event(root: Path, kind: str, now: float | None = None, **fields) -> dict:
    event = {"kind": kind, "at": time.time() if now is None else now, **fields}
    update(root, lambda data: data.setdefault("events", []).append(event))
    return event
