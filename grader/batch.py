"""`drill grade-batch DIR --drill ID`: grade a folder of submissions in parallel.

A submission is a file directly in DIR of the candidate file's kind (.py; .md for an
explanation drill), or a folder in DIR holding the drill's
candidate file (e.g. a whole workspace). Each gets its own bundle, bad ones included
(their bundle explains the error), and the folder gets an index. Every parallel worker
pays the torch import once and forks a fresh, isolated child per submission.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from grader import isolation
from grader.answers.client import AnswerScorer
from grader.catalog import Drill
from grader.errors import DrillError
from grader.grading import grade
from grader.launch import Worker, WorkerError
from grader.report.bundle import write_bundle, write_exports
from grader.report.index import write_index
from grader.report.model import Report
from grader.workspace import stamp, submitted_variant


@dataclass
class Submission:
    label: str
    path: Path
    keep: list[Path]
    variant: str | None = None  # a bug hunt's variant, from a submitted workspace's session


@dataclass
class Graded:
    submission: Submission
    report: Report
    bundle: Path


def discover(folder: Path, drill: Drill, skip: Path | None = None) -> list[Submission]:
    found = []
    for entry in sorted(Path(folder).iterdir()):
        if skip is not None and entry.resolve() == skip.resolve():
            continue
        if entry.is_file() and entry.suffix == Path(drill.candidate_file).suffix:
            found.append(Submission(entry.stem, entry, []))
        elif entry.is_dir() and not entry.name.startswith("."):
            answers = entry / drill.answers_file if drill.answers_file else None
            found.append(Submission(entry.name, entry / drill.candidate_file,
                                    [answers] if answers else [],
                                    submitted_variant(drill, entry)))
    return found


def grade_batch(drill: Drill, folder: Path, out: Path, jobs: int | None = None,
                formats: tuple[str, ...] = (), progress=None,
                variant: str | None = None) -> list[Graded]:
    """`variant`: a bug hunt's variant for the submissions whose own session names none."""
    submissions = discover(folder, drill, skip=out)
    todo: queue.Queue = queue.Queue()
    for submission in submissions:
        todo.put(submission)
    results: list[Graded] = []
    failed: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work() -> None:
        # An explanation drill runs no code: no worker (and no torch import) needed. A
        # worker forks the graders' process unsandboxed, which is safe only when the
        # candidate's code runs apart from it (or no sandbox exists anyway).
        pooled = not drill.answers_only and (drill.separate_process or not isolation.available())
        worker = Worker() if pooled else None
        scorer = AnswerScorer() if drill.questions else None  # the model loads once here
        try:
            while True:
                try:
                    submission = todo.get_nowait()
                except queue.Empty:
                    return
                options = dict(label=submission.label, answers=submission.keep[0] if
                               submission.keep else None, variant=submission.variant or variant,
                               scorer=scorer)
                try:
                    try:
                        report = grade(drill, submission.path, worker=worker, **options)
                    except WorkerError:
                        worker.close()  # only a real worker raises this
                        worker = Worker()  # one retry with a fresh worker, then a plain process
                        try:
                            report = grade(drill, submission.path, worker=worker, **options)
                        except WorkerError:
                            report = grade(drill, submission.path, plots=False, **options)
                    written = write_bundle(report, out / submission.label, stamp(),
                                           also_keep=submission.keep)
                    if formats:
                        write_exports(report, written[0].parent, formats)
                except Exception as exc:  # one bad submission never costs the others
                    with lock:
                        failed.append((submission.label, f"{type(exc).__name__}: {exc}"[:300]))
                    continue
                with lock:
                    results.append(Graded(submission, report, written[0].parent))
                    if progress:
                        progress(len(results), len(submissions), submission.label, report)
        finally:
            if worker is not None:
                worker.close()
            if scorer is not None:
                scorer.close()

    count = max(1, min(jobs or os.cpu_count() or 1, len(submissions) or 1))
    threads = [threading.Thread(target=work, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    write_index(out)
    if failed:
        names = "; ".join(f"{label} ({why})" for label, why in failed)
        raise DrillError(f"{len(results)} of {len(submissions)} submission(s) graded; could "
                         f"not grade: {names}")
    return sorted(results, key=lambda g: g.submission.label)
