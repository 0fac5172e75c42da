"""Write a report bundle: report.json, report.html, report.md and a snapshot of the
candidate's file, in a new folder that appears whole (built aside, then renamed)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from grader.jsonfile import write_atomic
from grader.report.documents import render_html, render_markdown
from grader.report.model import Report


def renderings(report: Report) -> dict[str, str]:
    return {"json": json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n",
            "html": render_html(report), "md": render_markdown(report)}


SNAPSHOT_DIR = "candidate"


def write_bundle(report: Report, parent: Path, name: str,
                 extra: dict[str, Path | None] | None = None,
                 also_keep: list[Path] | None = None) -> list[Path]:
    """Create parent/name/ with the three renderings and a snapshot of the candidate's
    files (the graded code, plus also_keep, e.g. the answers file), each with its sha256
    in the JSON. Also write any extra paths given (keys json/html/md). Returns every
    report path written. Earlier bundles are never touched."""
    files: dict[str, bytes] = {}
    source = report.candidate.get("source")
    if source is not None:
        files[report.candidate["name"]] = source.encode("utf-8")
    for path in also_keep or []:
        if Path(path).is_file() and Path(path).name not in files:
            files[Path(path).name] = Path(path).read_bytes()
    report.snapshot = [{"name": n, "path": f"{SNAPSHOT_DIR}/{n}",
                        "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                       for n, b in files.items()]
    texts = renderings(report)
    parent.mkdir(parents=True, exist_ok=True)
    final = _unique(parent / name)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=parent))
    try:
        for kind, text in texts.items():
            (staging / f"report.{kind}").write_text(text, encoding="utf-8")
        if files:
            (staging / SNAPSHOT_DIR).mkdir()
            for file_name, content in files.items():
                (staging / SNAPSHOT_DIR / file_name).write_bytes(content)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    written = [final / f"report.{kind}" for kind in ("html", "json", "md")]
    for kind, path in (extra or {}).items():
        if path is not None:
            write_atomic(Path(path), texts[kind])
            written.append(Path(path))
    return written


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def write_exports(report: Report, bundle: Path, formats, results_path: Path | None = None) -> list[Path]:
    """Write other platforms' results files into the bundle (and to results_path)."""
    from grader.report.exports import export

    written = []
    for fmt in formats:
        text = json.dumps(export(report, fmt), indent=2, ensure_ascii=False) + "\n"
        path = bundle / f"{fmt}.json"
        write_atomic(path, text)
        written.append(path)
        if results_path is not None:
            write_atomic(Path(results_path), text)
            written.append(Path(results_path))
    return written


def verify_snapshot(bundle: Path, data: dict) -> list[str]:
    """Problems with the bundle's snapshot: a file missing or not matching its sha256."""
    from grader import submitted

    problems = []
    entries = data.get("snapshot", [])
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            problems.append("the snapshot list holds something that is not a file entry")
            continue
        name, where = str(entry.get("name"))[:200], str(entry.get("path", ""))
        path = Path(bundle) / where
        try:
            if Path(where).is_absolute() or ".." in Path(where).parts:
                raise submitted.Refused(f"its path {where[:200]!r} leaves the bundle")
            digest = hashlib.sha256(submitted.read(path, limit=submitted.MAX_SOURCE * 8,
                                                   root=Path(bundle))).hexdigest()
        except (FileNotFoundError, IsADirectoryError):
            problems.append(f"{name} is missing from the snapshot")
            continue
        except OSError as exc:
            problems.append(f"{name} cannot be checked: {exc}")
            continue
        if digest != entry.get("sha256"):
            problems.append(f"{name} no longer matches its sha256: the snapshot "
                            "was changed after grading")
    return problems


def rewrite(bundle: Path, data: dict, what: str) -> None:
    """Save a bundle's report.json after `what` (a review, a regrade) was added to it, and
    render its HTML and Markdown again. The JSON may have come from elsewhere, so a field
    of the wrong shape is refused with a reason and nothing is written."""
    import json

    from grader.errors import DrillError
    from grader.jsonfile import write_atomic
    from grader.report.model import report_from_dict

    try:
        texts = renderings(report_from_dict(data))
    except Exception as exc:  # any field may be wrong
        raise DrillError(f"{bundle}/report.json does not have the shape of a drill report "
                         f"({type(exc).__name__}: {str(exc)[:200]}); the {what} was not "
                         "saved") from None
    write_atomic(Path(bundle) / "report.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    write_atomic(Path(bundle) / "report.html", texts["html"])
    write_atomic(Path(bundle) / "report.md", texts["md"])
