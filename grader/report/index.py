"""`drill reports DIR`: one index.html over every report bundle found under DIR.

The page sorts and filters in the browser with a small inline script, allowed by a
Content-Security-Policy hash of exactly that script and nothing else. A bundle that
cannot be read is listed with the reason, never skipped silently.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from grader.jsonfile import read_untrusted, write_atomic
from grader.levels import LEVELS
from grader.report.documents import environment
from grader.workspace import iso


@dataclass
class Row:
    link: str
    candidate: str = ""
    drill: str = ""
    date: str = ""
    score: int | None = None
    max_score: int | None = None
    level: str = ""
    level_rank: int = -1     # sorts levels in order, not alphabetically
    red_flags: str = ""
    reviewed: str = ""
    problem: str = ""


def find_bundles(root: Path) -> list[Path]:
    return sorted(p.parent for p in Path(root).rglob("report.json"))


def read_row(bundle: Path, root: Path) -> Row:
    link = os.path.relpath(bundle / "report.html", root)
    try:
        data = read_untrusted(bundle / "report.json")
        reviews = data.get("reviews") or []
        latest = reviews[-1] if reviews else {}
        return Row(link=link, candidate=candidate_label(data, bundle),
                   drill=data["drill"]["id"], date=data.get("graded_at", ""),
                   score=int(data["score"]), max_score=int(data["max_score"]),
                   level=_level(latest.get("level"), data.get("level")),
                   level_rank=_rank(latest.get("level") or data.get("level")),
                   red_flags=", ".join(f["id"] for f in data.get("red_flags", [])),
                   reviewed=", ".join(r.get("reviewer", "?") for r in reviews))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return Row(link=link, candidate=os.path.relpath(bundle, root),
                   problem=f"cannot be read: {type(exc).__name__}: {exc}")


def _rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def _level(mentor: str | None, automatic: str | None) -> str:
    """The mentor's level overrides; the automatic one stays visible beside it."""
    if mentor and automatic and mentor != automatic:
        return f"{mentor} (mentor; auto {automatic})"
    if mentor:
        return f"{mentor} (mentor)"
    return automatic or ""


def candidate_label(data: dict, bundle: Path) -> str:
    candidate = data.get("candidate") or {}
    if candidate.get("label"):
        return candidate["label"]
    path = Path(candidate.get("path") or bundle)
    return path.parent.name or path.name


def write_index(root: Path) -> tuple[Path, list[Row]]:
    root = Path(root)
    rows = [read_row(bundle, root) for bundle in find_bundles(root)]
    env = environment()
    script = env.get_template("index.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    html = env.get_template("index.html.j2").render(rows=rows, script=script,
                                                    script_hash=f"sha256-{digest}",
                                                    made_at=iso(), root=str(root))
    path = root / "index.html"
    write_atomic(path, html)
    return path, rows
