"""JSON files written atomically: a crash mid-write leaves the old file, never half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_json(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


MAX_UNTRUSTED = 8_000_000   # bytes: a report with every check's output is a few hundred kB
MAX_DEPTH = 64


class Unreadable(ValueError):
    """A JSON file someone else could have written is not one we will read."""


def read_untrusted(path: Path, limit: int = MAX_UNTRUSTED):
    """A JSON file a candidate may have written (report.json in a bundle they sent):
    a regular file inside its folder, bounded in size and nesting, no NaN or Infinity."""
    from grader import submitted

    try:
        raw = submitted.read(Path(path), limit=limit)
    except (FileNotFoundError, IsADirectoryError):
        raise
    except OSError as exc:
        raise Unreadable(str(exc)) from None

    def no_constants(name):
        raise Unreadable(f"{name} is not a number JSON allows")

    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except UnicodeDecodeError:
        raise Unreadable("it is not UTF-8 text") from None
    except RecursionError:
        raise Unreadable("it is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise Unreadable(f"it is not valid JSON ({exc})") from None
    _check_depth(data)
    return data


def _check_depth(data) -> None:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Unreadable(f"it is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
