"""Session state in .drill/session.json: read freely, changed only under a lock.

Every change is a read-modify-write under an exclusive flock on .drill/state.lock, and
the write is atomic (temporary file, then rename), so a `status --watch` and a `grade`
running at once never lose each other's writes, and a crash never leaves half a file.
"""

from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from pathlib import Path

from grader import session_schema
from grader.errors import DrillError
from grader.jsonfile import write_json

STATE_DIR = ".drill"
SESSION_FILE = "session.json"
LOCK_FILE = "state.lock"


def session_path(root: Path) -> Path:
    return Path(root) / STATE_DIR / SESSION_FILE


def read(root: Path) -> dict:
    """The session, checked whole (see session_schema): DrillError when it is unreadable or
    any field the commands use has a bad type or value."""
    path = session_path(root)
    recover = (f"To recover, fix the JSON by hand (a backup of your code is never in this "
               f"file), or start over with `drill start ID --dir {root} --force`: your files "
               "are backed up under .drill/backups/ first.")
    try:
        with open(path, "rb") as handle:  # bounded: a planted huge file is refused, not loaded
            data = session_schema.parse(handle.read(session_schema.MAX_BYTES + 1))
    except session_schema.SessionInvalid as exc:
        raise DrillError(f"the session file {path} is {exc}. {recover}") from None
    except (OSError, ValueError) as exc:  # ValueError: bad JSON, bad UTF-8, a 5000-digit number
        raise DrillError(f"the session file {path} cannot be read ({exc}). {recover}") from None
    if not isinstance(data, dict):
        raise DrillError(f"the session file {path} does not hold a JSON object. {recover}")
    try:
        return session_schema.check(data)
    except session_schema.SessionInvalid as exc:
        field = session_schema.CONTROL.sub("?", exc.field)[:120]
        raise DrillError(f"the session file {path} has a bad value for '{field}': {exc}. "
                         f"{recover}") from None


@contextmanager
def locked(root: Path):
    lock_path = Path(root) / STATE_DIR / LOCK_FILE
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a")
    except OSError as exc:
        raise unwritable(lock_path.parent, exc) from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def unwritable(folder: Path, exc: OSError) -> DrillError:
    """The error for a workspace folder we cannot write to (read-only, full disk)."""
    return DrillError(f"cannot write to {folder} ({exc.strerror or exc}). Make it writable "
                      f"(e.g. `chmod -R u+w {folder}`) or free some space, then run the "
                      "command again; nothing was changed.")


def update(root: Path, change) -> dict:
    """Apply change(data) to the session under the lock; returns the new data."""
    with locked(root):
        data = read(root)
        change(data)
        try:
            write_json(session_path(root), data)
        except OSError as exc:
            raise unwritable(session_path(root).parent, exc) from None
        return data


def add_event(root: Path, kind: str, now: float | None = None, **fields) -> dict:
    event = {"kind": kind, "at": time.time() if now is None else now, **fields}
    update(root, lambda data: data.setdefault("events", []).append(event))
    return event
