"""What .drill/session.json may hold, checked whole before any command acts on it.

The file lives in the candidate's workspace: it can be hand-edited, truncated or planted
(a submitted workspace). So every field the code uses is checked for type and range here,
once, and a bad value ends the command with a message naming the field, never a traceback
deep inside the timeline, a report template or after a grading has been paid for.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import PurePosixPath

from grader.catalog import ID_PATTERN

MAX_BYTES = 1_000_000
MAX_DEPTH = 20           # the real file nests 4 deep; json's own limit is a RecursionError
MAX_TEXT = 10_000        # free text: goals, report paths
MAX_NAME = 200           # names echoed to the terminal
MAX_PHASES = 100
MAX_EVENTS = 5_000       # the timeline is quadratic in pauses: keep a planted file cheap
MAX_ATTEMPTS = 1_000
MAX_MINUTES = 7 * 24 * 60
MAX_SECONDS = 1e11       # an epoch in the year 5138: any real clock, and far from overflow
STATE_DIR = ".drill"

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # would drive the terminal they are printed to


_MISSING = object()


class SessionInvalid(ValueError):
    """field: where in the file (e.g. plan[1].minutes); the message says what is wrong."""

    def __init__(self, field: str, why: str):
        super().__init__(why)
        self.field = field


class _NonFinite:
    """What NaN/Infinity parse to, so the check can say which field held one."""

    def __init__(self, literal: str):
        self.literal = literal

    def __repr__(self) -> str:
        return self.literal


def parse(raw: bytes) -> object:
    """The JSON value in raw; ValueError (or SessionInvalid) when it cannot be one."""
    if len(raw) > MAX_BYTES:
        raise SessionInvalid("(whole file)", f"larger than {MAX_BYTES // 1_000_000} MB")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_NonFinite)
    except RecursionError:
        raise SessionInvalid("(whole file)", f"nested deeper than {MAX_DEPTH} levels") from None


def check(data: object) -> dict:
    """data itself when it is a valid session; else SessionInvalid naming the first bad field."""
    if not isinstance(data, dict):
        raise SessionInvalid("(whole file)", "must be a JSON object")
    _walk(data)
    # plan first: a file that lost most of its fields is reported by its plan, as before
    _list(data, "plan", _phase, required=True, limit=MAX_PHASES, non_empty=True)
    _list(data, "events", _event, limit=MAX_EVENTS)
    _list(data, "attempts", _attempt, limit=MAX_ATTEMPTS)
    _text(data, "drill", "drill", MAX_NAME, required=True, pattern=ID_PATTERN)
    _candidate_file(data)
    _text(data, "started_at", "started_at", MAX_NAME, required=True)
    _number(data, "started_epoch", "started_epoch", MAX_SECONDS, required=True)
    _text(data, "variant", "variant", MAX_NAME, nullable=True, pattern=ID_PATTERN)
    _self_assessment(data.get("self_assessment"))
    return data


def _walk(data: object) -> None:
    # Iterative, so a file nested just under json's own limit cannot overflow our stack.
    todo = [(data, "", 1)]
    while todo:
        value, where, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise SessionInvalid(where or "(whole file)", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, _NonFinite) or (isinstance(value, float) and not math.isfinite(value)):
            raise SessionInvalid(where, f"{value!r} is not a finite number")
        if isinstance(value, str):
            _encodable(value, where)
        elif isinstance(value, dict):
            for key, item in value.items():
                _encodable(key, where)
                todo.append((item, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(value, list):
            todo.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))


def _encodable(text: str, where: str) -> None:
    # A lone surrogate parses, but cannot be written back or printed: every later write fails.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SessionInvalid(where or "(whole file)", "holds text that is not valid UTF-8") from None


def _list(parent: dict, key: str, item_check, where: str | None = None, required=False,
          limit: int = MAX_EVENTS, non_empty=False) -> None:
    where = where or key
    value = parent.get(key, _MISSING)
    if value is _MISSING and not required:
        return
    if not isinstance(value, list) or (non_empty and not value):
        raise SessionInvalid(where, "missing" if value is _MISSING else
                             f"must be a {'non-empty ' if non_empty else ''}list")
    if len(value) > limit:
        raise SessionInvalid(where, f"has {len(value)} entries, more than {limit}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise SessionInvalid(f"{where}[{index}]", "must be an object")
        item_check(item, f"{where}[{index}]")


def _phase(step: dict, where: str) -> None:
    _text(step, "phase", f"{where}.phase", MAX_NAME, required=True, non_empty=True)
    _number(step, "minutes", f"{where}.minutes", MAX_MINUTES, required=True)
    _text(step, "goal", f"{where}.goal", MAX_TEXT)


def _event(event: dict, where: str) -> None:
    _text(event, "kind", f"{where}.kind", MAX_NAME, required=True)
    _number(event, "at", f"{where}.at", MAX_SECONDS, required=True)
    if event["kind"] == "hint":
        _integer(event, "index", f"{where}.index", MAX_EVENTS)
    for key in ("backup", "source"):  # written by reset and restore
        _text(event, key, f"{where}.{key}", MAX_TEXT, nullable=True)


def _attempt(attempt: dict, where: str) -> None:
    for key in ("at", "elapsed_s"):
        _number(attempt, key, f"{where}.{key}", MAX_SECONDS, nullable=True)
    for key in ("score", "max_score"):  # `drill history` compares scores: null is no number
        _number(attempt, key, f"{where}.{key}", 1e9, low=-1e9)
    for key in ("status", "graded_at"):
        _text(attempt, key, f"{where}.{key}", MAX_NAME)
    for key in ("level", "report"):
        _text(attempt, key, f"{where}.{key}", MAX_TEXT, nullable=True)
    flags = attempt.get("red_flags", [])
    if not isinstance(flags, list) or len(flags) > MAX_PHASES:
        raise SessionInvalid(f"{where}.red_flags", f"must be a list of at most {MAX_PHASES} names")
    for index in range(len(flags)):
        _text(flags, index, f"{where}.red_flags[{index}]", MAX_NAME, required=True)


def _self_assessment(entry: object) -> None:
    if entry is None:
        return
    if not isinstance(entry, dict):
        raise SessionInvalid("self_assessment", "must be an object")
    _text(entry, "recorded_at", "self_assessment.recorded_at", MAX_NAME, nullable=True)
    claims = entry.get("claims")
    if claims is None:
        return
    if not isinstance(claims, dict) or len(claims) > MAX_ATTEMPTS:
        raise SessionInvalid("self_assessment.claims", "must be an object of item id: true/false")
    for item_id, claimed in claims.items():
        if not isinstance(claimed, bool) or len(item_id) > MAX_NAME:
            raise SessionInvalid(f"self_assessment.claims.{item_id[:MAX_NAME]}",
                                 "must be true or false")


def _candidate_file(data: dict) -> None:
    """A plain relative path inside the workspace: `drill reset` writes to it. Symlinks are
    checked where it is used (workspace.escapes): the file system can change after this."""
    where = "candidate_file"
    _text(data, where, where, MAX_NAME, required=True, non_empty=True)
    name = data[where]
    path = PurePosixPath(name)
    if (path.is_absolute() or "\\" in name or ".." in path.parts or path.parts[0] == STATE_DIR
            or any(part in ("", ".") for part in name.split("/"))):
        raise SessionInvalid(where, f"must be a plain relative path inside the workspace, "
                             f"not {name!r}")


def _text(parent, key, where: str, limit: int, required=False, nullable=False,
          non_empty=False, pattern: re.Pattern | None = None) -> None:
    value = _field(parent, key, where, required, nullable)
    if value is _MISSING:
        return
    if not isinstance(value, str):
        raise SessionInvalid(where, f"must be text, not {_kind(value)}")
    if len(value) > limit or (non_empty and not value):
        raise SessionInvalid(where, f"must be text of {int(non_empty)} to {limit} characters")
    if CONTROL.search(value if limit <= MAX_NAME else value.replace("\n", "").replace("\t", "")):
        raise SessionInvalid(where, "must not hold control characters")
    if pattern is not None and not pattern.match(value):
        raise SessionInvalid(where, f"{value!r} is not an id (lowercase letters, digits, dashes)")


def _number(parent: dict, key: str, where: str, limit: float, required=False,
            nullable=False, low: float = 0) -> None:
    value = _field(parent, key, where, required, nullable)
    if value is _MISSING:
        return
    # bool is an int to Python, and 1e308 is finite: both would slip past isinstance alone
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= limit:
        raise SessionInvalid(where, f"must be a number from {low:g} to {limit:g}, not {_shown(value)}")


def _field(parent, key, where: str, required: bool, nullable: bool) -> object:
    """parent[key]; _MISSING when it is absent (or null, where null is allowed)."""
    if isinstance(parent, dict) and key not in parent:
        if required:
            raise SessionInvalid(where, "missing")
        return _MISSING
    value = parent[key]
    return _MISSING if value is None and nullable else value


def _integer(parent: dict, key: str, where: str, limit: int) -> None:
    value = parent.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise SessionInvalid(where, f"must be a whole number from 0 to {limit}, not {_shown(value)}")


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    text = json.dumps(value) if isinstance(value, (int, float, str)) else _kind(value)
    return text if len(text) <= 40 else text[:37] + "..."
