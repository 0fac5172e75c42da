"""Mentor reviews of a report bundle, kept apart from the automatic verdict.

A review is appended to report.json's `reviews` (several mentors may review); nothing
else in the JSON changes, and the snapshot is never touched. The HTML and Markdown are
re-rendered to show the mentor's verdict beside the automatic one; the latest review's
level overrides the automatic estimate, and the automatic results stay visible.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.errors import DrillError, UsageError
from grader.levels import LEVELS
from grader.workspace import iso

VERDICTS = ("agree", "disagree")


@dataclass
class ReviewItem:
    id: str
    kind: str          # check | red_flag | level | concept | tell
    verdict: str       # agree | disagree
    comment: str = ""


@dataclass
class Review:
    reviewer: str
    level: str | None
    feedback: str = ""
    items: list[ReviewItem] = field(default_factory=list)
    at: str = ""
    integrity: list[str] = field(default_factory=list)


def load_bundle(bundle: Path) -> dict:
    from grader.jsonfile import Unreadable, read_untrusted

    path = Path(bundle) / "report.json"
    try:
        data = read_untrusted(path)
    except FileNotFoundError:
        raise UsageError(f"{bundle} is not a report bundle (no report.json)") from None
    except IsADirectoryError:
        raise DrillError(f"{path} is a folder, not a report") from None
    except (OSError, Unreadable) as exc:
        raise DrillError(f"{path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or "checks" not in data:
        raise DrillError(f"{path} is not a drill report")
    return data


def reviewable_items(data: dict) -> list[tuple[str, str, str]]:
    """(id, kind, what the automatic grader said) for every check and red flag."""
    items = [(c["id"], "check", "passed" if c.get("passed") else f"failed: {c.get('message', '')}")
             for c in data.get("checks", [])]
    items += [(f["id"], "red_flag", "; ".join(f.get("evidence", [])))
              for f in data.get("red_flags", [])]
    for answer in data.get("answers") or []:
        for finding in answer.get("findings", []):
            if finding.get("kind") in ("concept", "tell"):
                said = ("credited" if finding["kind"] == "concept" else "found") + \
                    f": “{finding.get('quote', '')}”"
                if all(i[0] != finding["id"] for i in items):
                    items.append((finding["id"], finding["kind"], said))
    if data.get("level"):
        items.append(("level", "level", f"automatic level {data['level']}"))
    return items


def parse_marks(marks: list[str], data: dict) -> list[ReviewItem]:
    """--mark ID=agree | ID=disagree[:comment]"""
    kinds = {item_id: kind for item_id, kind, _ in reviewable_items(data)}
    items = []
    for mark in marks:
        item_id, sep, rest = mark.partition("=")
        verdict, _, comment = rest.partition(":")
        if not sep or verdict not in VERDICTS:
            raise UsageError(f"--mark '{mark}': use ID=agree or ID=disagree:comment")
        if item_id not in kinds:
            raise UsageError(f"--mark '{mark}': no check, red flag, credited concept or tell "
                             f"'{item_id}' in this report "
                             f"(known: {', '.join(kinds)})")
        items.append(ReviewItem(item_id, kinds[item_id], verdict, comment.strip()))
    return items


def add_review(bundle: Path, review: Review) -> dict:
    """Append the review to report.json and re-render the HTML and Markdown."""
    from grader.report.bundle import rewrite, verify_snapshot

    if review.level is not None and review.level not in LEVELS:
        raise UsageError(f"level must be one of {', '.join(LEVELS)}")
    if not review.reviewer.strip():
        raise UsageError("a review needs the reviewer's name")
    data = load_bundle(bundle)
    review.at = review.at or iso()
    review.integrity = verify_snapshot(bundle, data)
    if not isinstance(data.get("reviews", []), list):
        raise DrillError(f"{bundle}/report.json has a malformed reviews list")
    data.setdefault("reviews", []).append(asdict(review))
    rewrite(bundle, data, "review")
    return data
