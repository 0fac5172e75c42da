"""What the CLI commands do, as plain functions (the click layer only parses and prints)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader import catalog, workspace
from grader.catalog import Drill
from grader.errors import DrillError, UsageError
from grader.workspace import Session


@dataclass
class GradeTarget:
    drill: Drill
    candidate: Path
    session: Session | None
    reports_parent: Path
    variant: str | None = None


def start(drill_id: str, directory: Path | None, force: bool = False,
          minutes: float | None = None, variant: str | None = None) -> tuple[Drill, Path]:
    drill = catalog.load_drill(drill_id)
    dest = Path(directory) if directory else Path.cwd() / f"drill-{drill.id}"
    return drill, workspace.create(drill, dest, force=force, minutes=minutes, variant=variant)


VISIBLE_CHECKS_SECONDS = 120


def run_visible_checks(session: Session) -> int:
    """Run the workspace's own sanity-check script with this Python; its exit status."""
    import subprocess
    import sys

    drill = catalog.load_drill(session.drill_id)
    if not drill.visible_checks:
        raise UsageError(f"the drill '{drill.id}' has no visible checks")
    script = session.root / drill.visible_checks
    if not script.is_file():
        raise UsageError(f"{script} is missing; `drill reset` does not touch it, but "
                         f"`drill start {drill.id} --force` hands it out again")
    try:
        return subprocess.run([sys.executable, script.name], cwd=session.root,
                              timeout=VISIBLE_CHECKS_SECONDS).returncode
    except subprocess.TimeoutExpired:
        print(f"drill: the checks did not finish within {VISIBLE_CHECKS_SECONDS}s "
              "(an endless loop in your code?)", file=sys.stderr)
        return 1


def grade_target(file: Path | None, drill_id: str | None, cwd: Path | None = None,
                 variant: str | None = None, out: Path | None = None) -> GradeTarget:
    """What to grade and where its bundle goes: a workspace's own reports folder, or for a
    loose FILE `drill-reports/` under the current directory (never next to FILE: grading
    a folder of submissions must not write into it); `out` overrides both."""
    cwd = Path(cwd or Path.cwd())
    if file is None:
        session = workspace.current_session(cwd)
        if drill_id and drill_id != session.drill_id:
            raise UsageError(f"this workspace is for '{session.drill_id}', not '{drill_id}'")
        drill = catalog.load_drill(session.drill_id)
        return GradeTarget(drill, session.candidate_path, session, Path(out or session.reports_dir),
                           _session_variant(drill, session, variant))

    file = Path(file)
    if not file.exists():
        raise UsageError(f"{file} does not exist. Give the path of your solution file"
                         + _valid_ids_suffix())
    root = workspace.find_root(file.resolve().parent)
    session = workspace.load_session(root) if root else None
    if drill_id is None:
        if session is None:
            raise UsageError(f"which drill is {file.name} for? Pass --drill ID"
                             + _valid_ids_suffix())
        drill_id = session.drill_id
    if session is not None and session.drill_id != drill_id:
        session = None  # a file graded against another drill is not this session's attempt
    drill = catalog.load_drill(drill_id)
    if session is not None:
        parent, variant = session.reports_dir, _session_variant(drill, session, variant)
    else:
        parent, variant = cwd / "drill-reports", workspace.check_variant(drill, variant)
    return GradeTarget(drill, file, session, Path(out or parent), variant)


def check_writable(folder: Path) -> None:
    """Refuse before grading, not after: a grading costs minutes, and its report would be
    lost. (Root passes any access check; the write itself still fails cleanly in the CLI.)"""
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise DrillError(f"cannot write the report under {folder}: {existing} is not a "
                         f"writable folder. Make it writable (e.g. `chmod u+w {existing}`) "
                         "or pass --out DIR; nothing was graded.")


def _session_variant(drill: Drill, session: Session, given: str | None) -> str | None:
    given = workspace.check_variant(drill, given)
    if given and session.variant and given != session.variant:
        raise UsageError(f"this workspace was handed variant '{session.variant}', not '{given}'")
    return given or session.variant


def _valid_ids_suffix() -> str:
    return ". Valid drill ids: " + (", ".join(catalog.drill_ids()) or "(none installed)")
