"""`drill dev check`: prove every drill, the way rustlings proves its exercises.

For each drill: the manifest and rubric validate and agree with the graders; every
solution in solutions/ gets full marks with no red flag; every mutant produces exactly the
red flags and failed checks it declares, says what it declares (`# expect-says:`) and
shows the candidate's code beside each red flag; the untouched stub scores 0 without
crashing the grader; and every check and red flag is proven by at least one mutant.

A bug hunt (a drill with variants) hands out a buggy script per variant instead of a
stub: each must run, miss every bug planted in it, and score below full marks.

An explanation drill (answers only) is proven the same way with answers files: every
solution reaches L6 with no tell, every mutant lands at the level and with the tells it
declares (`<!-- expect-level: L4 -->`, `<!-- expect-tells: a, b -->`), mutants cover
every level below L6, and the untouched handout scores 0.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader import catalog
from grader.answers.client import AnswerScorer
from grader.answers.text import sections
from grader.catalog import Drill
from grader.errors import ManifestError
from grader.grading import grade_with_run
from grader.launch import Worker, WorkerError
from grader.levels import LEVELS
from grader.rubric import Rubric, default_rubric

DECLARATION = re.compile(r"^(?:#|<!--)\s*expect-(red-flags|failed-checks|level|tells|says):(.*?)"
                         r"\s*(?:-->)?\s*$", re.MULTILINE)


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
    level: str | None = None
    tells: frozenset[str] = frozenset()
    says: tuple[str, ...] = ()  # phrases the report's messages or evidence must contain


def expectations(path: Path) -> Expectation:
    found = {"red-flags": set(), "failed-checks": set(), "level": set(), "tells": set()}
    says = []
    for kind, names in DECLARATION.findall(path.read_text(encoding="utf-8")):
        if kind == "says":  # a phrase, commas and all
            says.append(names.strip())
            continue
        found[kind].update(n.strip() for n in names.split(",") if n.strip())
    level = next(iter(found["level"]), None)
    return Expectation(frozenset(found["red-flags"]), frozenset(found["failed-checks"]),
                       level, frozenset(found["tells"]), tuple(says))


def static_findings(drill: Drill, rubric: Rubric) -> list[Finding]:
    out = []

    def add(subject, problem):
        out.append(Finding(drill.id, subject, False, problem))

    for question in drill.questions:
        for concept in question.expects:
            if concept not in rubric.concepts:
                add("drill.yaml", f"question '{question.id}' expects concept '{concept}', "
                                  "which rubric.yaml does not define")
    for spec in drill.levels:
        for need in spec.needs:
            for concept in set(need.of) - set(rubric.concepts):
                add("drill.yaml", f"level {spec.id} needs concept '{concept}', which "
                                  "rubric.yaml does not define")
    check_ids = {c.id for c in drill.checks}
    for variant in drill.variants:
        for bug in variant.bugs:
            for flag, check in bug.symptoms:
                spec = next((c for c in drill.checks if c.id == check), None)
                if spec is not None and flag not in spec.red_flags:
                    add("drill.yaml", f"variant {variant.id}, bug '{bug.id}': check '{check}' "
                                      f"cannot raise '{flag}' (not in its red_flags)")
    for item in rubric.items_for(drill.id):
        for check in set(item.checks) - check_ids:
            add("rubric.yaml", f"self-assessment item '{item.id}' names check '{check}', "
                               f"which this drill does not have")
    if drill.answers_file:
        out.extend(_handout_answers(drill, rubric))
    if drill.answers_only:
        return out + _answer_mutant_findings(drill, rubric)
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


def _handout_answers(drill: Drill, rubric: Rubric) -> list[Finding]:
    """The handed-out answers file has a heading for every question, and nothing in it
    earns credit before the candidate writes."""
    text = (drill.handout_dir / drill.answers_file).read_text(encoding="utf-8")
    questions = list(drill.questions)
    out = []
    with AnswerScorer() as scorer:
        scored = scorer.score(drill.id, text)
    for answer in scored:
        if answer["status"] != "unanswered" or answer["concepts"] or answer["tells"]:
            out.append(Finding(drill.id, f"handout/{drill.answers_file}", False,
                               f"question '{answer['id']}' is not blank in the handout "
                               f"({answer['status']}; credited {answer['concepts'] or 'nothing'})"))
    if len(sections(text)) < len(questions):
        out.append(Finding(drill.id, f"handout/{drill.answers_file}", False,
                           f"{len(questions)} questions but {len(sections(text))} headings"))
    return out


def _answer_mutant_findings(drill: Drill, rubric: Rubric) -> list[Finding]:
    out = []
    levels = set()
    for mutant in drill.mutants:
        expect = expectations(mutant)
        name = f"mutants/{mutant.name}"
        if expect.level not in LEVELS:
            out.append(Finding(drill.id, name, False, "declares no level (<!-- expect-level: L4 -->)"))
        for tell in expect.tells - set(rubric.tells):
            out.append(Finding(drill.id, name, False, f"declares unknown tell '{tell}'"))
        levels.add(expect.level)
    for level in LEVELS[:-1]:
        if level not in levels:
            out.append(Finding(drill.id, "mutants/", False, f"no mutant lands at {level}"))
    if not drill.solutions:
        out.append(Finding(drill.id, "solutions/", False, "no reference answer"))
    return out


def _judge(drill: Drill, rubric: Rubric, kind: str, path: Path) -> list[Finding]:
    if kind.startswith("variant:"):
        return _judge_variant(drill, rubric, kind.split(":", 1)[1], path)
    subject = f"{path.parent.name}/{path.name}" if kind != "stub" else f"stub {path.name}"
    report, run = _grade(drill, path, rubric)
    if drill.answers_only:
        return _judge_answers(drill, kind, path, subject, report)
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
        problems += _mutant_problems(expectations(path), report, failed, raised)
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


def _mutant_problems(expect: Expectation, report, failed: set[str], raised: set[str]) -> list[str]:
    """A mutant produces exactly what it declares: its one mistake costs the checks and
    red flags that name it, and nothing else (an extra red flag is a false verdict).
    Only a check that ran out of time may fail beyond the declaration: how many of a slow
    mutant's checks finish depends on the machine."""
    problems = []
    missing_flags = expect.red_flags - raised
    missing_fails = expect.failed_checks - failed
    timed_out = {c.id for c in report.checks if c.outcome == "timeout"}
    extra_fails = failed - expect.failed_checks - timed_out
    extra_flags = raised - expect.red_flags
    if missing_flags:
        problems.append("did not raise " + ", ".join(sorted(missing_flags)))
    if missing_fails:
        problems.append("passed checks it should fail: " + ", ".join(sorted(missing_fails)))
    if extra_flags:
        problems.append("also raised " + ", ".join(sorted(extra_flags)))
    if extra_fails:
        problems.append("also failed " + ", ".join(
            f"{c.id} ({c.message})" for c in report.checks if c.id in extra_fails))
    said = " ".join([c.message for c in report.checks] +
                    [e for f in report.red_flags for e in f.evidence])
    problems += [f"never says '{phrase}'" for phrase in expect.says if phrase not in said]
    problems += [f"red flag {f.id} shows none of the candidate's code" for f in report.red_flags
                 if not f.code]
    return problems


def _judge_variant(drill: Drill, rubric: Rubric, variant: str, path: Path) -> list[Finding]:
    """A bug hunt's handed-out script: it runs, and every bug planted in it is caught."""
    report, _ = _grade(drill, path, rubric, variant=variant)
    problems = []
    if report.status != "graded":
        problems.append(f"status {report.status}: {report.message}")
    problems += [f"planted bug '{b['id']}' already passes {', '.join(b['checks'])}"
                 for b in report.bugs if b["found"]]
    if report.score == report.max_score:
        problems.append("the handout already scores full marks")
    summary = f"{report.score}/{report.max_score}, {len(report.bugs)} bugs all caught"
    return [Finding(drill.id, f"variant {variant} {path.name}", not problems,
                    "; ".join(problems) or summary)]


def _judge_answers(drill: Drill, kind: str, path: Path, subject: str, report) -> list[Finding]:
    tells = {t for a in report.answers for t in a.get("tells", [])}
    problems = []
    if report.status != "graded":
        problems.append(f"status {report.status}: {report.message}")
    elif kind == "solution":
        if report.level != "L6" or tells or report.score != report.max_score:
            problems.append(f"the reference reaches {report.level} with "
                            f"{report.score}/{report.max_score}"
                            + (f" and tells {', '.join(sorted(tells))}" if tells else ""))
    elif kind == "mutant":
        expect = expectations(path)
        if report.level != expect.level:
            problems.append(f"lands at {report.level}, declares {expect.level}")
        if tells != set(expect.tells):
            problems.append(f"tells {sorted(tells)}, declares {sorted(expect.tells)}")
    elif kind == "stub" and (report.score or tells or report.level != "below-L4"):
        problems.append(f"the blank handout scores {report.score} at {report.level}")
    summary = f"{report.score}/{report.max_score}, {report.level}" + (
        f", tells: {', '.join(sorted(tells))}" if tells else "")
    return [Finding(drill.id, subject, not problems, "; ".join(problems) or summary)]


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


_local = threading.local()
_workers: list[Worker] = []
_workers_lock = threading.Lock()


def _grade(drill: Drill, path: Path, rubric: Rubric, variant: str | None = None):
    """Grade without plots, through this thread's pre-imported worker (as grade-batch
    does: one torch import per thread, a fresh forked child per grading)."""
    if drill.answers_only:
        return grade_with_run(drill, path, rubric=rubric, plots=False)
    if not hasattr(_local, "worker"):
        _local.worker = Worker()
        with _workers_lock:
            _workers.append(_local.worker)
    try:
        return grade_with_run(drill, path, rubric=rubric, variant=variant, plots=False,
                              worker=_local.worker)
    except WorkerError:
        _local.worker.close()
        return grade_with_run(drill, path, rubric=rubric, variant=variant, plots=False)


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
        if drill.variants:  # a bug hunt hands out buggy scripts, not an empty stub
            tasks += [(drill, f"variant:{v.id}", drill.handout_file(drill.candidate_file, v.id))
                      for v in drill.variants]
        else:
            tasks.append((drill, "stub", drill.stub))
    # Mutants first: they are the gradings that run into time limits (a Python loop, a
    # hang), and starting the longest early keeps the pool from idling at the end.
    tasks.sort(key=lambda task: task[1] != "mutant")
    try:
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
            for result in pool.map(lambda t: _judge(t[0], rubric, t[1], t[2]), tasks):
                findings += result
    finally:
        with _workers_lock:
            for worker in _workers:
                worker.close()
            _workers.clear()
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
