"""The grading pipeline: candidate file -> sandboxed graders -> Report."""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

from grader import __version__
from grader.catalog import Drill
from grader.report.model import Report
from grader.rubric import Rubric, default_rubric
from grader.sandbox import Limits, SandboxRun, run_graders
from grader.scoring import build_report, error_report
from grader.timer import position
from grader.workspace import Session, iso


def grade(drill: Drill, candidate: Path, session: Session | None = None, **options) -> Report:
    return grade_with_run(drill, candidate, session, **options)[0]


def grade_with_run(drill: Drill, candidate: Path, session: Session | None = None, *,
                   rubric: Rubric | None = None, limits: Limits | None = None,
                   seeds: list[int] | None = None, now: float | None = None
                   ) -> tuple[Report, SandboxRun | None]:
    """The report, and the raw sandbox run behind it (None when nothing ran)."""
    rubric = rubric or default_rubric()
    candidate = Path(candidate)
    environment = {"python": platform.python_version(), "drill": __version__, "torch": None}
    timing = _timing(session, now)
    common = dict(graded_at=iso(now), environment=environment,
                  started_at=session.started_at if session else None,
                  elapsed_s=timing.get("elapsed_s"), timing=timing)
    info = {"path": str(candidate.resolve()), "name": candidate.name, "sha256": None}

    try:
        raw = candidate.read_bytes()
    except FileNotFoundError:
        return error_report(drill, f"{candidate} does not exist: nothing to grade. "
                            f"`drill start {drill.id}` hands out the stub.", candidate=info,
                            **common), None
    except IsADirectoryError:
        return error_report(drill, f"{candidate} is a folder, not a Python file",
                            candidate=info, **common), None
    except OSError as exc:
        return error_report(drill, f"{candidate} cannot be read: {exc}", candidate=info,
                            **common), None

    info["sha256"] = hashlib.sha256(raw).hexdigest()
    source = raw.decode("utf-8", "replace")
    info["source"] = source
    run = run_graders(drill, candidate, limits, seeds)
    environment["torch"] = run.hello.get("torch")
    report = build_report(drill, rubric, run, candidate=info,
                          source_lines=source.splitlines(), **common)
    return report, run


def _timing(session: Session | None, now: float | None) -> dict:
    if session is None:
        return {}
    elapsed = session.elapsed_s(now)
    where = position(session.plan, elapsed)
    return {"elapsed_s": round(elapsed, 1), "phase": where.phase,
            "overtime_s": round(where.overtime_s, 1), "plan": session.plan,
            "plan_s": where.total_s, "boundaries_assumed": True}
