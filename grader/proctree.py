"""A grading's process tree as /proc shows it: every descendant of the child we started
(a candidate that forks, double-forks or calls setsid is still among them), what they
hold in memory together, and how to kill them all."""

from __future__ import annotations

import os
import signal

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _parents() -> dict[int, int]:
    out = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read(512)
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and fields[1].isdigit():
            out[int(name)] = int(fields[1])
    return out


def descendants(root: int) -> list[int]:
    """root and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def resident_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read(200).split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total


def kill_tree(root: int) -> None:
    """SIGKILL every process below root (deepest first, so none is re-parented away
    unseen), then root; a PID namespace's init takes the rest of its namespace with it."""
    for _ in range(3):
        pids = descendants(root)
        for pid in reversed(pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if len(pids) <= 1:
            break
