"""Where the drills, rubric and templates live: inside an installed wheel or the source tree."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    # A wheel carries the data under grader/_bundled; an editable install or a source
    # checkout has it at the repository's top level, next to grader/.
    bundled = _PACKAGE / "_bundled"
    return bundled if (bundled / "rubric.yaml").exists() else _PACKAGE.parent


def drills_dir() -> Path:
    # DRILL_DRILLS_DIR lets a drill author (or a test) point at another catalogue.
    override = os.environ.get("DRILL_DRILLS_DIR")
    return Path(override) if override else data_root() / "drills"


def rubric_path() -> Path:
    # DRILL_RUBRIC: try an edited rubric (e.g. `DRILL_RUBRIC=mine.yaml drill rubric`).
    override = os.environ.get("DRILL_RUBRIC")
    return Path(override) if override else data_root() / "rubric.yaml"


def answer_model_dir() -> Path:
    """The answer scorer's sentence bank and trained heads."""
    return data_root() / "answer_model"


def templates_dir() -> Path:
    return data_root() / "templates"
