"""`drill regrade BUNDLE...`: grade a bundle's snapshot again, here, and compare.

A bundle a candidate sends was produced on their machine: its report.json is their
word. Regrading runs our graders on the snapshot it carries (the graded file, and the
answers file when there is one) and sets the fresh verdict beside the submitted one:
"verified" when they agree, the differences when not. The result is added to the
bundle's report.json under `regrades` and shown at the top of its HTML and Markdown.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader import catalog, submitted
from grader.errors import DrillError, UsageError
from grader.review import load_bundle
from grader.workspace import iso


@dataclass
class Regrade:
    at: str
    verified: bool
    score: int
    max_score: int
    status: str
    level: str | None
    red_flags: list[str]
    failed_checks: list[str]
    differences: list[str] = field(default_factory=list)


def regrade(bundle: Path) -> Regrade:
    bundle = Path(bundle)
    data = load_bundle(bundle)
    drill_id = (data.get("drill") or {}).get("id") if isinstance(data.get("drill"), dict) else None
    if not isinstance(drill_id, str) or drill_id not in catalog.drill_ids():
        raise DrillError(f"{bundle}: the report names no drill this installation has "
                         f"({str(drill_id)[:80]!r})")
    drill = catalog.load_drill(drill_id)
    work = Path(tempfile.mkdtemp(prefix="drill-regrade-"))
    try:
        candidate = _from_snapshot(bundle, data, drill.candidate_file, work)
        if candidate is None:
            raise DrillError(f"{bundle}: its snapshot does not hold {drill.candidate_file}, so "
                             "there is nothing to grade again")
        answers = None
        if drill.answers_file and drill.answers_file != drill.candidate_file:
            answers = _from_snapshot(bundle, data, drill.answers_file, work)
        variant = data["drill"].get("variant")
        from grader.grading import grade

        report = grade(drill, candidate, plots=False, answers=answers,
                       variant=variant if isinstance(variant, str) else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fresh = Regrade(at=iso(), verified=False, score=report.score, max_score=report.max_score,
                    status=report.status, level=report.level,
                    red_flags=sorted(f.id for f in report.red_flags),
                    failed_checks=sorted(c.id for c in report.checks if not c.passed))
    fresh.differences = _differences(data, fresh)
    fresh.verified = not fresh.differences
    return fresh


def record(bundle: Path, fresh: Regrade) -> None:
    """Add the regrade to report.json and re-render the bundle's HTML and Markdown."""
    from grader.report.bundle import rewrite

    data = load_bundle(bundle)
    if not isinstance(data.get("regrades", []), list):
        raise DrillError(f"{bundle}/report.json has a malformed regrades list")
    data.setdefault("regrades", []).append(asdict(fresh))
    rewrite(Path(bundle), data, "regrade")


def _from_snapshot(bundle: Path, data: dict, name: str, work: Path) -> Path | None:
    entries = data.get("snapshot")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("name") != name:
            continue
        where = str(entry.get("path", ""))
        if Path(where).is_absolute() or ".." in Path(where).parts:
            raise DrillError(f"{bundle}: the snapshot's path for {name} leaves the bundle")
        try:
            raw = submitted.read(bundle / where, root=bundle)
        except FileNotFoundError:
            raise DrillError(f"{bundle}: {name} is missing from the snapshot") from None
        except OSError as exc:
            raise DrillError(f"{bundle}: {name} in the snapshot cannot be read: {exc}") from None
        target = work / name
        target.write_bytes(raw)
        return target
    return None


def _differences(data: dict, fresh: Regrade) -> list[str]:
    out = []
    said_score, said_max = data.get("score"), data.get("max_score")
    if (said_score, said_max) != (fresh.score, fresh.max_score):
        out.append(f"score: submitted {_shown(said_score)}/{_shown(said_max)}, "
                   f"regraded {fresh.score}/{fresh.max_score}")
    if data.get("status") != fresh.status:
        out.append(f"status: submitted {_shown(data.get('status'))}, regraded {fresh.status}")
    flags = data.get("red_flags")
    said_flags = sorted(str(f.get("id")) for f in flags if isinstance(f, dict)) if isinstance(flags, list) else []
    if said_flags != fresh.red_flags:
        out.append(f"red flags: submitted {', '.join(said_flags) or 'none'}, "
                   f"regraded {', '.join(fresh.red_flags) or 'none'}")
    if data.get("level") != fresh.level:
        out.append(f"level: submitted {_shown(data.get('level'))}, regraded {fresh.level}")
    return out


def _shown(value) -> str:
    return str(value)[:40]


def check_bundles(bundles: list[Path]) -> None:
    for bundle in bundles:
        if not (Path(bundle) / "report.json").exists():
            raise UsageError(f"{bundle} is not a report bundle (no report.json)")
