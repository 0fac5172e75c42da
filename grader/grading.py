"""The grading pipeline: candidate file -> sandboxed graders -> Report."""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

from grader import __version__, submitted
from grader.answers.client import AnswerScorer, ScorerError
from grader.answers.scoring import credited, tells_found
from grader.assessment import claims_of, evaluate
from grader.catalog import Drill
from grader.leveling import estimate_level
from grader.report.model import Report
from grader.rubric import Rubric, default_rubric
from grader.sandbox import Limits, SandboxRun, run_graders
from grader.scoring import build_report, error_report
from grader.workspace import Session, iso


def grade(drill: Drill, candidate: Path, session: Session | None = None, **options) -> Report:
    return grade_with_run(drill, candidate, session, **options)[0]


def grade_with_run(drill: Drill, candidate: Path, session: Session | None = None, *,
                   rubric: Rubric | None = None, limits: Limits | None = None,
                   seeds: list[int] | None = None, now: float | None = None,
                   label: str | None = None, worker=None, plots: bool = True,
                   answers: Path | None = None, variant: str | None = None,
                   scorer: AnswerScorer | None = None) -> tuple[Report, SandboxRun | None]:
    """The report, and the raw sandbox run behind it (None when nothing ran). `answers` is
    the written answers file (default: the workspace's); its scores join the level.
    `variant`: a bug hunt's variant (default: the workspace's), to list its planted bugs.
    `scorer`: a running answer scorer to reuse (batch grading); else one is started here,
    before the code runs, so its model loads meanwhile."""
    rubric = rubric or default_rubric()
    answers_path = _answers_path(drill, Path(candidate), session, answers)
    own = scorer is None and answers_path is not None and bool(drill.questions)
    if own:
        scorer = AnswerScorer()
    try:
        report, run = _grade_code(drill, Path(candidate), session, rubric, limits, seeds, now,
                                  label, worker, plots)
        _add_answers(report, drill, answers_path, scorer)
    finally:
        if own:
            scorer.close()
    _add_bugs(report, drill, variant or (session.variant if session else None))
    estimate = estimate_level(report, rubric, has_checks=bool(drill.checks),
                              levels=drill.levels, has_answers=bool(drill.answers_file))
    report.level, report.level_reasons, report.level_next = (
        estimate.level, estimate.reasons, estimate.next)
    report.self_assessment = evaluate(rubric.items_for(drill.id), report, claims_of(session))
    return report, run


def _grade_code(drill, candidate, session, rubric, limits, seeds, now, label, worker, plots):
    candidate = Path(candidate)
    environment = {"python": platform.python_version(), "drill": __version__, "torch": None}
    timing = _timing(session, now, rubric, drill.hints)
    common = dict(graded_at=iso(now), environment=environment,
                  started_at=session.started_at if session else None,
                  elapsed_s=timing.get("elapsed_s"), timing=timing)
    info = {"path": str(candidate.resolve()), "name": candidate.name, "sha256": None,
            "label": label or (session.root.name if session else candidate.stem)}

    try:
        raw = submitted.read(candidate)
    except submitted.Refused as exc:
        return error_report(drill, str(exc), candidate=info, **common), None
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
    if drill.answers_only:  # nothing to run: the answers are the submission
        report = build_report(drill, rubric, SandboxRun(status="ok"), candidate=info,
                              source_lines=source.splitlines(), **common)
        report.plots = False
        _add_history(report, session)
        return report, None
    # While the graders run (in their own process), this one is idle: use it to run the
    # unscored demos for the plots in a second process and to import the plotting code.
    side = [] if worker is not None or seeds or not plots else [
        _background(lambda: run_graders(drill, candidate, _demo_limits(drill, limits),
                                        demos=True, source=raw)),
        _background(_import_plots)]
    # the bytes checked and hashed above are the bytes graded: the file is not read again
    run = run_graders(drill, candidate, limits, seeds, worker=worker, source=raw)
    demo_run = side[0].result() if side else None
    environment["torch"] = run.hello.get("torch")
    report = build_report(drill, rubric, run, candidate=info,
                          source_lines=source.splitlines(), **common)
    report.plot_data = {**(demo_run.artifacts if demo_run else {}), **run.artifacts}
    report.plots = plots
    _add_history(report, session)
    return report, run


def _answers_path(drill: Drill, candidate: Path, session: Session | None,
                  given: Path | None) -> Path | None:
    if given is not None:
        return Path(given)
    if drill.answers_only:
        return candidate
    if session is not None and drill.answers_file:
        return session.root / drill.answers_file
    return None


def _add_answers(report: Report, drill: Drill, path: Path | None, scorer) -> None:
    if path is None or not drill.questions:
        return
    try:
        text = _read_answers(path)
    except submitted.Refused as exc:
        report.message += f"; written answers not read: {exc}"
        return
    try:
        scored = scorer.score(drill.id, text)
    except ScorerError as exc:
        report.message += f"; written answers not scored: {exc}"
        return
    report.answers_file = {"name": path.name, "text": text}
    report.answers = scored
    if drill.answers_only and report.status == "graded":
        expected = {c for q in drill.questions for c in q.expects}
        report.score = len(expected & credited(scored))
        report.max_score = len(expected)
        report.message = _answers_message(scored, expected)


def _read_answers(path: Path) -> str:
    from grader.answers.service import MAX_MARKDOWN
    try:
        raw = submitted.read(path, limit=4 * MAX_MARKDOWN)
    except submitted.Refused:
        raise
    except OSError:
        return ""  # a deleted (or unreadable) answers file is the same as one left empty
    return raw.decode("utf-8", "replace")[:MAX_MARKDOWN]


def _answers_message(scored, expected: set[str]) -> str:
    if not any(a["status"] == "answered" for a in scored):
        return "no question answered yet"
    tells = tells_found(scored)
    return (f"credited {len(expected & credited(scored))} of the {len(expected)} ideas asked for"
            + (f"; tells: {', '.join(tells)}" if tells else "; no tells"))


def _add_bugs(report: Report, drill: Drill, variant_id: str | None) -> None:
    if not drill.variants:
        return
    variant = drill.variant(variant_id)
    if variant is None:
        report.drill["variant"] = None
        report.message += "; variant unknown (graded outside its workspace), so planted bugs are not listed"
        return
    report.drill["variant"] = variant.id
    report.bugs = [_bug_verdict(bug, report) for bug in variant.bugs]
    found = sum(b["found"] for b in report.bugs)
    report.message = f"variant {variant.id}: {found} of {len(report.bugs)} planted bugs fixed; " \
        + report.message


def _bug_verdict(bug, report: Report) -> dict:
    """Fixed or missed, judged on the bug itself: a bug with symptoms is missed when one of
    its red flags was raised in one of its checks; when none was, it is fixed even if a
    check of that code fails for another reason, and the note says which and why."""
    raised = {(flag.id, check) for flag in report.red_flags for check in flag.checks}
    failing = [c for c in report.checks if c.id in bug.checks and not c.passed]
    shown = [f"{flag} ({check})" for flag, check in bug.symptoms if (flag, check) in raised]
    # a check that did not finish, or stopped on an exception in the candidate's code,
    # never got as far as looking for the bug: it cannot show it fixed
    unclear = [c for c in failing if c.outcome != "failed" or c.line]
    found = not shown and not unclear and (not failing or bool(bug.symptoms))
    note = ""
    if shown:
        note = "still shows " + ", ".join(shown)
    elif unclear:
        note = "cannot tell: " + "; ".join(f"{c.id}: {c.message}" for c in unclear)
    elif found and failing:
        note = "the planted bug is gone, but " + "; ".join(
            f"{c.id} still fails: {c.message}" for c in failing)
    return {"id": bug.id, "title": bug.title, "checks": list(bug.checks), "found": found,
            "note": note}


def _add_history(report: Report, session: Session | None) -> None:
    if session is None:
        return
    from grader.session_ops import first_full_score_s

    report.attempts = list(session.attempts)
    this = {"elapsed_s": report.elapsed_s, "score": report.score, "status": report.status,
            "max_score": report.max_score, "red_flags": [f.id for f in report.red_flags]}
    report.first_full_score_s = first_full_score_s(report.attempts + [this])


def _timing(session: Session | None, now: float | None, rubric: Rubric,
            hints: tuple[str, ...]) -> dict:
    if session is None:
        return {}
    line = session.timeline(now)
    return {
        "elapsed_s": round(line.elapsed_s, 1), "phase": line.phase,
        "overtime_s": round(line.overtime_s, 1), "plan": session.plan, "plan_s": line.total_s,
        "boundaries_assumed": not line.manual, "paused_s": round(line.paused_s, 1),
        "phases": [{"phase": p.name, "planned_s": p.planned_s,
                    "planned_start_s": p.planned_start_s, "start_s": _round(p.start_s),
                    "end_s": _round(p.end_s), "spent_s": round(p.spent_s(line.elapsed_s), 1),
                    "assumed": p.assumed} for p in line.phases],
        "pauses": [{"at_s": round(p.at_s, 1), "duration_s": round(p.duration_s, 1),
                    "open": p.open} for p in line.pauses],
        "hints": [{"number": e.get("index", 0) + 1,
                   "at_s": round(max(0.0, e["at"] - session.started_epoch), 1),
                   "text": hints[e["index"]] if 0 <= e.get("index", -1) < len(hints) else ""}
                  for e in session.hints_taken()],
        "hints_available": len(hints),
        "hint_level_cap": rubric.hint_level_cap(len(session.hints_taken())),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


DEMO_SECONDS = 30.0


def _demo_limits(drill: Drill, limits: Limits | None) -> Limits:
    base = limits or Limits.for_drill(drill)
    return Limits(DEMO_SECONDS, DEMO_SECONDS, base.memory_mb)


def _import_plots() -> None:
    try:
        from grader.report import plots
    except ImportError:
        return
    plots.warm_up()


class _background:
    """Run fn in a thread; result() joins it and returns its value (None if it failed)."""

    def __init__(self, fn):
        import threading

        self._value = None

        def target():
            try:
                self._value = fn()
            except Exception:  # a failed demo only costs the plots, never the grade
                self._value = None

        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        return self._value
