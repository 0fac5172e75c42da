"""`drill dev check`: prove every drill, the way rustlings proves its exercises.

For each drill: the manifest and rubric validate and agree with the graders; every
solution in solutions/ gets full marks with no red flag; every mutant produces the red
flags and failed checks it declares; the untouched stub scores 0 without crashing the
grader; and every check and red flag is proven by at least one mutant.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader import catalog
from grader.catalog import Drill
from grader.errors import ManifestError
from grader.grading import grade_with_run
from grader.rubric import Rubric, default_rubric

DECLARATION = re.compile(r"^#\s*expect-(red-flags|failed-checks):(.*)$", re.MULTILINE)


@dataclass
class Finding:
    drill: str
    subject: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Expectation:
    red_flags: frozenset[str]
    failed_checks: frozenset[str]


def expectations(path: Path) -> Expectation:
    found = {"red-flags": set(), "failed-checks": set()}
    for kind, names in DECLARATION.findall(path.read_text(encoding="utf-8")):
        found[kind].update(n.strip() for n in names.split(",") if n.strip())
    return Expectation(frozenset(found["red-flags"]), frozenset(found["failed-checks"]))


def static_findings(drill: Drill, rubric: Rubric) -> list[Finding]:
    out = []

    def add(subject, problem):
        out.append(Finding(drill.id, subject, False, problem))

    check_ids = {c.id for c in drill.checks}
    for spec in drill.checks:
        for flag in spec.red_flags:
            if flag not in rubric.red_flags:
                add("drill.yaml", f"check '{spec.id}' names red flag '{flag}', "
                                  "which rubric.yaml does not define")
    if not drill.solutions:
        add("solutions/", "no reference solution")
    if not drill.mutants:
        add("mutants/", "no mutants")
    failed_somewhere: set[str] = set()
    flagged_somewhere: set[str] = set()
    for mutant in drill.mutants:
        expect = expectations(mutant)
        name = f"mutants/{mutant.name}"
        if not expect.red_flags and not expect.failed_checks:
            add(name, "declares nothing (# expect-red-flags: ... / # expect-failed-checks: ...)")
        for check in expect.failed_checks - check_ids:
            add(name, f"declares unknown check '{check}'")
        for flag in expect.red_flags - set(rubric.red_flags):
            add(name, f"declares red flag '{flag}', which rubric.yaml does not define")
        failed_somewhere |= expect.failed_checks
        flagged_somewhere |= expect.red_flags
    for spec in drill.checks:
        proven = spec.id in failed_somewhere or set(spec.red_flags) & flagged_somewhere
        if not proven:
            add("mutants/", f"no mutant proves check '{spec.id}' can fail")
        for flag in spec.red_flags:
            if flag not in flagged_somewhere:
                add("mutants/", f"no mutant raises red flag '{flag}'")
    return out


def _judge(drill: Drill, rubric: Rubric, kind: str, path: Path) -> list[Finding]:
    subject = f"{path.parent.name}/{path.name}" if kind != "stub" else f"stub {path.name}"
    report, run = grade_with_run(drill, path, rubric=rubric)
    failed = {c.id for c in report.checks if not c.passed}
    raised = {f.id for f in report.red_flags}
    problems = []
    # A mutant may legitimately hang some checks (a Python loop on a big tensor does);
    # what it must do is produce what it declares. Everything else must grade cleanly.
    allowed = ("graded", "timeout") if kind == "mutant" else ("graded",)
    if report.status not in allowed:
        problems.append(f"status {report.status}: {report.message}")
    elif kind == "solution":
        if report.score != report.max_score:
            problems.append(f"scored {report.score}/{report.max_score}; failed: "
                            + ", ".join(f"{c.id} ({c.message})" for c in report.checks
                                        if not c.passed))
        if raised:
            problems.append("raised red flags " + ", ".join(sorted(raised)))
        problems += _consistency(drill, rubric, run)
    elif kind == "mutant":
        expect = expectations(path)
        missing_flags = expect.red_flags - raised
        missing_fails = expect.failed_checks - failed
        if missing_flags:
            problems.append("did not raise " + ", ".join(sorted(missing_flags)))
        if missing_fails:
            problems.append("passed checks it should fail: " + ", ".join(sorted(missing_fails)))
    elif kind == "stub":
        if report.score != 0:
            problems.append(f"the untouched stub scored {report.score}: passed "
                            + ", ".join(c.id for c in report.checks if c.passed))
        if raised:
            problems.append("the untouched stub raised " + ", ".join(sorted(raised)))
    summary = f"{report.score}/{report.max_score}" + (
        f", flags: {', '.join(sorted(raised))}" if raised else "")
    if problems:
        return [Finding(drill.id, subject, False, "; ".join(problems))]
    return [Finding(drill.id, subject, True, summary)]


def _consistency(drill: Drill, rubric: Rubric, run) -> list[str]:
    """Graders and manifest must agree: every check has a test, every test a known check."""
    if run is None:
        return []
    problems = []
    ids = {c.id for c in drill.checks}
    tested = {t.get("check") for t in run.collected}
    for test in run.collected:
        if test.get("check") not in ids:
            problems.append(f"grader test {test['nodeid']} has "
                            + (f"unknown check '{test['check']}'" if test.get("check")
                               else "no @check marker"))
    for check in sorted(ids - tested):
        problems.append(f"no grader test for check '{check}'")
    return problems


def check_drills(drill_ids: list[str] | None = None, jobs: int | None = None,
                 rubric: Rubric | None = None) -> list[Finding]:
    findings: list[Finding] = []
    try:
        rubric = rubric or default_rubric()
    except ManifestError as exc:
        return [Finding("*", "rubric.yaml", False, str(exc))]
    drills = []
    for drill_id in drill_ids or catalog.drill_ids():
        try:
            drills.append(catalog.load_drill(drill_id))
        except ManifestError as exc:
            findings.append(Finding(drill_id, "drill.yaml", False, str(exc)))
    tasks = []
    for drill in drills:
        findings += static_findings(drill, rubric)
        tasks += [(drill, "solution", p) for p in drill.solutions]
        tasks += [(drill, "mutant", p) for p in drill.mutants]
        tasks.append((drill, "stub", drill.stub))
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
        for result in pool.map(lambda t: _judge(t[0], rubric, t[1], t[2]), tasks):
            findings += result
    return findings


def print_findings(findings: list[Finding], console) -> bool:
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("", "drill", "subject", "detail"):
        table.add_column(column)
    for f in findings:
        table.add_row("[green]ok[/green]" if f.ok else "[red]FAIL[/red]", f.drill,
                      escape(f.subject), escape(f.detail))
    console.print(table)
    bad = [f for f in findings if not f.ok]
    console.print(f"{len(findings) - len(bad)} ok, {len(bad)} failed")
    return not bad
