"""Reading a file a candidate handed in (a submission, an answers file).

Regular files only, bounded, and never through a link that leaves the submission's
folder: a FIFO would hang the grading, /dev/zero would fill the memory, and a link to
another file would copy that file into the report and its snapshot.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_SOURCE = 1_000_000   # bytes: a drill's solution is a few kilobytes


class Refused(OSError):
    """The file cannot be graded; the message says why, for the report."""


def read(path: Path, limit: int = MAX_SOURCE, root: Path | None = None) -> bytes:
    """The file's bytes. `root`: the folder the file must stay inside once links are
    followed (default: its own folder). FileNotFoundError and IsADirectoryError pass
    through as they are; anything else that cannot be graded raises Refused."""
    path = Path(path)
    try:
        real = path.resolve(strict=True)
        inside = real.is_relative_to(Path(root or path.parent).resolve())
    except (FileNotFoundError, IsADirectoryError):
        raise
    except (OSError, RuntimeError) as exc:  # a link loop, a folder we may not enter
        raise Refused(f"{path.name} cannot be followed: {exc}") from None
    if not inside:
        raise Refused(f"{path.name} is a link to {real}, outside the submission: hand in the "
                      "file itself")
    if real.is_dir():
        raise IsADirectoryError(str(path))
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer
    handle = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{path.name} is not a regular file (a pipe, a device or a socket): "
                          "nothing to grade")
        if info.st_size > limit:
            raise Refused(f"{path.name} is {info.st_size:,} bytes, over the {limit:,}-byte limit")
        chunks, size = [], 0
        while size <= limit:  # the file may grow while it is read: never past the limit
            chunk = os.read(handle, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise Refused(f"{path.name} grew past the {limit:,}-byte limit while it was read")
        return b"".join(chunks)
    finally:
        os.close(handle)
