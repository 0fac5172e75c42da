"""The timed-session commands: next, pause, resume, hint, reset, restore, history,
and recording each grading as an attempt. Each takes `now` so tests inject the clock."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from grader import catalog, state
from grader.errors import DrillError, UsageError
from grader.timer import Timeline
from grader.workspace import Session, backup_file, load_session


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def next_phase(session: Session, now: float | None = None) -> tuple[str, Timeline]:
    """End the current phase now. Returns the ended phase's name and the new timeline."""
    now = _now(now)
    before = session.timeline(now)
    if before.paused:
        raise UsageError("the session is paused: `drill resume` first")
    if before.finished:
        raise UsageError("every phase is already done")
    # The k-th `next` ends phase k: the first one ends reading, however long it took,
    # even if the plan's clock had already moved the display on.
    ended = before.phases[before.current if before.manual else 0].name
    state.add_event(session.root, "next", now)
    return ended, load_session(session.root).timeline(now)


def pause(session: Session, now: float | None = None) -> None:
    if session.timeline(_now(now)).paused:
        raise UsageError("already paused: `drill resume` to carry on")
    state.add_event(session.root, "pause", _now(now))


def resume(session: Session, now: float | None = None) -> float:
    line = session.timeline(_now(now))
    if not line.paused:
        raise UsageError("not paused")
    state.add_event(session.root, "resume", _now(now))
    return line.pauses[-1].duration_s


@dataclass
class Hint:
    number: int
    total: int
    text: str


def take_hint(session: Session, now: float | None = None) -> Hint | None:
    """Reveal the next hint and record it; None when every hint has been shown."""
    hints = catalog.load_drill(session.drill_id).hints
    taken: list[Hint] = []

    def reveal(data: dict) -> None:
        events = data.setdefault("events", [])
        count = sum(1 for e in events if e.get("kind") == "hint")
        if count < len(hints):
            events.append({"kind": "hint", "at": _now(now), "index": count})
            taken.append(Hint(count + 1, len(hints), hints[count]))

    state.update(session.root, reveal)
    return taken[0] if taken else None


def reset(session: Session, now: float | None = None) -> Path | None:
    """Put the stub back; the current file is saved under .drill/backups/ first."""
    drill = catalog.load_drill(session.drill_id)
    saved = _replace(session, drill.handout_file(drill.candidate_file, session.variant), now)
    state.add_event(session.root, "reset", _now(now),
                    backup=str(saved.relative_to(session.root)) if saved else None)
    return saved


def backups(session: Session) -> list[Path]:
    """Saved copies of the candidate's file, oldest first."""
    if not session.backups_dir.is_dir():
        return []
    # backups are copies (never links): a planted link must not pull in a file from elsewhere
    return sorted(p for p in session.backups_dir.glob(f"*/{session.candidate_file}")
                  if not p.is_symlink())


def _replace(session: Session, source: Path, now: float | None) -> Path | None:
    """Back up the candidate's file, then overwrite it with source; the backup's folder."""
    target = session.candidate_path  # DrillError when a link leads it out of the workspace
    try:
        saved = backup_file(session, now)
        shutil.copyfile(source, target)
    except OSError as exc:
        raise DrillError(f"could not replace {target}: {exc.strerror or exc} "
                         f"({exc.filename or target}). Check that the workspace and its "
                         f".drill folder are writable (e.g. `chmod -R u+w {session.root}`)."
                         ) from None
    return saved


def restore(session: Session, name: str | None = None, now: float | None = None) -> tuple[Path, Path | None]:
    """Bring a backup back (the newest, or the one whose folder is `name`); the current
    file is backed up first, so a restore can itself be undone."""
    found = backups(session)
    if name:
        found = [p for p in found if p.parent.name == name]
    if not found:
        known = ", ".join(p.parent.name for p in backups(session)) or "none"
        raise UsageError(f"no backup {'named ' + repr(name) + ' ' if name else ''}to restore "
                         f"(backups: {known})")
    source = found[-1]
    saved = _replace(session, source, now)
    state.add_event(session.root, "restore", _now(now), source=str(source.relative_to(session.root)))
    return source, saved


def attempt_record(report, bundle: Path | None, session: Session) -> dict:
    return {"at": time.time(), "graded_at": report.graded_at, "elapsed_s": report.elapsed_s,
            "score": report.score, "max_score": report.max_score, "status": report.status,
            "red_flags": [f.id for f in report.red_flags], "level": report.level,
            "report": str(bundle.relative_to(session.root)) if bundle else None}


def record_attempt(session: Session, record: dict) -> None:
    state.update(session.root, lambda data: data.setdefault("attempts", []).append(record))


def first_full_score_s(attempts: list[dict]) -> float | None:
    for attempt in attempts:
        if attempt.get("status") == "graded" and attempt.get("score") == attempt.get(
                "max_score") and not attempt.get("red_flags"):
            return attempt.get("elapsed_s")
    return None
