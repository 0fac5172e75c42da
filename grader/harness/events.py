"""The child's side of the results channel: one JSON object per line, flushed at once.

The file is opened before the candidate's code is imported and is not stdout, so nothing
the candidate prints can corrupt it. The parent reads it with json.loads only.
"""

from __future__ import annotations

import json
import os


class EventWriter:
    def __init__(self, path: str):
        # Unbuffered binary append: each event lands whole even if the process dies next.
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def emit(self, event: str, **fields) -> None:
        line = json.dumps({"event": event, **fields}, default=str) + "\n"
        os.write(self._fd, line.encode("utf-8", "replace"))


class CappedText:
    """A text sink that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def write(self, text: str) -> int:
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def getvalue(self) -> str:
        return cap_text("".join(self.parts), self.limit, self.dropped)


def cap_text(text: str, limit: int, already_dropped: int = 0) -> str:
    dropped = already_dropped + max(0, len(text) - limit)
    if dropped:
        return text[:limit] + f"\n... [truncated: {dropped} more characters]"
    return text
