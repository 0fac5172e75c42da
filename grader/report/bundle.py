"""Write a report bundle: report.json, report.html, report.md and a snapshot of the
candidate's file, in a new folder that appears whole (built aside, then renamed)."""

from __future__ import annotations

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


def write_bundle(report: Report, parent: Path, name: str,
                 extra: dict[str, Path | None] | None = None) -> list[Path]:
    """Create parent/name/ with the three renderings; also write any extra paths given
    (keys json/html/md). Returns every path written. Earlier bundles are never touched."""
    texts = renderings(report)
    parent.mkdir(parents=True, exist_ok=True)
    final = _unique(parent / name)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=parent))
    try:
        for kind, text in texts.items():
            (staging / f"report.{kind}").write_text(text, encoding="utf-8")
        source = report.candidate.get("source")
        if source is not None:
            snapshot = staging / "candidate"
            snapshot.mkdir()
            (snapshot / report.candidate["name"]).write_text(source, encoding="utf-8")
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
