"""Pure functions: what the sandbox observed + the manifest + the rubric -> a Report."""

from __future__ import annotations

from grader.catalog import Drill
from grader.report.model import CheckResult, CodeLine, RedFlag, Report, TestOutcome
from grader.rubric import Rubric
from grader.sandbox import SandboxRun

EXCERPT_CONTEXT = 3

STATUS_OF_RUN = {"ok": "graded", "load_error": "error", "load_crash": "error",
                 "load_timeout": "timeout", "total_timeout": "timeout"}


def score_checks(drill: Drill, run: SandboxRun) -> list[CheckResult]:
    by_check: dict[str, list[dict]] = {}
    for result in run.results.values():
        by_check.setdefault(result.get("check") or "", []).append(result)
    loaded = run.status not in ("load_error", "load_crash", "load_timeout")
    checks = []
    for spec in drill.checks:
        results = sorted(by_check.get(spec.id, []), key=lambda r: r["nodeid"])
        tests = [TestOutcome(r["nodeid"], r.get("outcome", "error"), r.get("message", ""),
                             r.get("output", ""), r.get("duration", 0.0)) for r in results]
        bad = [r for r in results if r.get("outcome") != "passed" or r.get("red_flags")]
        # Lead with a case that really ran and failed, not one that was never run.
        bad.sort(key=lambda r: (r.get("outcome") in ("not-run", "skipped"),
                                (r.get("message") or "").startswith("not run")))
        collected = [t for t in run.collected if t.get("check") == spec.id]
        unfinished = len(collected) > len(results)
        passed = bool(results) and not bad and not unfinished
        if passed:
            outcome, message, hint, line = "passed", _passed_message(len(results)), "", None
        elif bad:
            first = bad[0]
            outcome = {"timeout": "timeout", "crashed": "crashed",
                       "not-run": "not-run"}.get(first.get("outcome"), "failed")
            message = first.get("message") or "failed"
            if first.get("outcome") == "passed":  # only a red flag made it fail
                message = "red flag: " + "; ".join(f["evidence"] for f in first["red_flags"])
            if len(bad) > 1:
                message += f" (and {len(bad) - 1} more failing case{'s' if len(bad) > 2 else ''})"
            hint = first.get("hint", "")
            line = (first.get("where") or {}).get("line")
        else:
            outcome, hint, line = "not-run", "", None
            message = ("not run: " + run.message) if run.message else (
                "not run" if loaded else "not run: the candidate file could not be loaded")
        checks.append(CheckResult(spec.id, spec.title, passed, spec.points if passed else 0,
                                  spec.points, message, outcome, hint, line, tests))
    return checks


def collect_red_flags(run: SandboxRun, rubric: Rubric, source_lines: list[str]) -> list[RedFlag]:
    flags: dict[str, RedFlag] = {}
    for result in sorted(run.results.values(), key=lambda r: r["nodeid"]):
        for raised in result.get("red_flags") or []:
            spec = rubric.flag(raised["id"])
            flag = flags.get(spec.id)
            if flag is None:
                flag = flags[spec.id] = RedFlag(spec.id, spec.title, [], spec.why, spec.instead, [])
            if raised.get("evidence") and raised["evidence"] not in flag.evidence:
                flag.evidence.append(raised["evidence"])
            check = result.get("check")
            if check and check not in flag.checks:
                flag.checks.append(check)
            if flag.line is None and raised.get("line"):
                flag.line = int(raised["line"])
                flag.code = excerpt(source_lines, flag.line)
    return list(flags.values())


FUNCTION_LINES = 20


def excerpt(source_lines: list[str], line: int, context: int = EXCERPT_CONTEXT) -> list[CodeLine]:
    """The lines around `line`; when `line` starts a function (a flag about a whole
    function, e.g. one that never restores the mode), the function itself, up to 20 lines."""
    if not 1 <= line <= len(source_lines):
        return []
    low, high = max(1, line - context), min(len(source_lines), line + context)
    text = source_lines[line - 1]
    if text.lstrip().startswith("def "):
        indent = len(text) - len(text.lstrip())
        high = line
        for number in range(line + 1, min(len(source_lines), line + FUNCTION_LINES) + 1):
            body = source_lines[number - 1]
            if body.strip() and len(body) - len(body.lstrip()) <= indent:
                break
            high = number
        while high > line and not source_lines[high - 1].strip():
            high -= 1
        low = line
    return [CodeLine(n, source_lines[n - 1], n == line) for n in range(low, high + 1)]


def build_report(drill: Drill, rubric: Rubric, run: SandboxRun, *, candidate: dict,
                 source_lines: list[str], started_at: str | None, graded_at: str,
                 elapsed_s: float | None, environment: dict, timing: dict) -> Report:
    checks = score_checks(drill, run)
    flags = collect_red_flags(run, rubric, source_lines)
    status = STATUS_OF_RUN.get(run.status, "error")
    if status == "graded":
        # Checks that hung or crashed still leave the others graded and scored, but the
        # report must not look like an ordinary graded run.
        outcomes = {c.outcome for c in checks}
        status = "error" if "crashed" in outcomes else ("timeout" if "timeout" in outcomes else status)
    problem = {}
    if run.load_error:
        problem = {k: run.load_error.get(k) for k in ("kind", "line", "code", "caret", "hint")
                   if run.load_error.get(k)}
        if not problem.get("line") and (run.load_error.get("where") or {}).get("line"):
            problem["line"] = run.load_error["where"]["line"]
            problem["code"] = run.load_error["where"].get("code", "")
        if problem.get("line"):
            problem["excerpt"] = [vars(c) for c in excerpt(source_lines, problem["line"])]
    message = run.message or _summary(checks, flags)
    output = {"stdout": run.stdout, "stderr": run.stderr,
              "import_output": (run.load_error or {}).get("output") or run.load_output}
    return Report(
        drill={"id": drill.id, "title": drill.title, "paper": drill.paper},
        status=status, message=message,
        score=sum(c.points for c in checks), max_score=drill.max_score,
        checks=checks, red_flags=flags, candidate=candidate,
        started_at=started_at, graded_at=graded_at, elapsed_s=elapsed_s,
        grading_s=run.elapsed_s, environment=environment, timing=timing,
        problem=problem, output=output)


def error_report(drill: Drill, message: str, *, candidate: dict, graded_at: str,
                 environment: dict, started_at=None, elapsed_s=None, timing=None,
                 problem: dict | None = None) -> Report:
    """A report for a candidate that could not be graded at all (e.g. a missing file)."""
    run = SandboxRun(status="load_error", message=message)
    report = build_report(drill, _EMPTY_RUBRIC, run, candidate=candidate, source_lines=[],
                          started_at=started_at, graded_at=graded_at, elapsed_s=elapsed_s,
                          environment=environment, timing=timing or {})
    report.problem = problem or {}
    return report


def _passed_message(cases: int) -> str:
    return "ok" if cases == 1 else f"ok ({cases} cases)"


def _summary(checks: list[CheckResult], flags: list[RedFlag]) -> str:
    failed = sum(not c.passed for c in checks)
    if not failed and not flags:
        return "every check passed, no red flags"
    parts = []
    for outcome, words in (("timeout", "did not finish in time"),
                           ("crashed", "ended the grading process")):
        hit = [c.id for c in checks if c.outcome == outcome]
        if hit:
            parts.append(f"{len(hit)} check{'s' if len(hit) != 1 else ''} {words} "
                         f"({', '.join(hit)})")
    if failed:
        parts.append(f"{failed} of {len(checks)} checks failed")
    if flags:
        parts.append(f"{len(flags)} red flag{'s' if len(flags) != 1 else ''}: "
                     + ", ".join(f.id for f in flags))
    return "; ".join(parts)


_EMPTY_RUBRIC = Rubric({})
