"""The rubric (rubric.yaml): for now the red-flag catalogue, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader import paths
from grader.catalog import ID_PATTERN
from grader.levels import LEVELS
from grader.validate import Fields
from grader.yamldoc import load_yaml


@dataclass(frozen=True)
class RedFlagSpec:
    id: str
    title: str
    why: str
    instead: str




@dataclass(frozen=True)
class Rubric:
    red_flags: dict[str, RedFlagSpec]
    hint_caps: tuple[tuple[int, str], ...] = ()   # (hints taken, highest level allowed)

    def hint_level_cap(self, hints_taken: int) -> str | None:
        allowed = [level for after, level in self.hint_caps if hints_taken >= after]
        return min(allowed, key=LEVELS.index) if allowed else None

    def flag(self, flag_id: str) -> RedFlagSpec:
        known = self.red_flags.get(flag_id)
        if known:
            return known
        # A grader naming an id the rubric lacks is a bug of ours; the dev check and the
        # test suite catch it, and a report still shows the id rather than crashing.
        return RedFlagSpec(flag_id, flag_id, "(not described in rubric.yaml)", "")


def load_rubric(path: Path | None = None) -> Rubric:
    doc = load_yaml(path or paths.rubric_path())
    top = Fields(doc, (), doc.data)
    top.only({"version", "red_flags", "hints"})
    flags: dict[str, RedFlagSpec] = {}
    for index, _ in enumerate(top.items("red_flags")):
        entry = top.item("red_flags", index)
        entry.only({"id", "title", "why", "instead"})
        flag_id = entry.text("id")
        if not ID_PATTERN.match(flag_id):
            raise entry.fail("id", "use lowercase letters, digits and dashes")
        if flag_id in flags:
            raise entry.fail("id", f"duplicate red flag '{flag_id}'")
        flags[flag_id] = RedFlagSpec(flag_id, entry.text("title"), entry.text("why"),
                                     entry.text("instead"))
    caps = []
    if doc.data.get("hints") is not None:
        hints = top.mapping("hints")
        hints.only({"caps"})
        for index, _ in enumerate(hints.items("caps")):
            cap = hints.item("caps", index)
            cap.only({"after", "level"})
            after = cap.get("after", int)
            if after < 1:
                raise cap.fail("after", "must be at least 1")
            level = cap.text("level")
            if level not in LEVELS:
                raise cap.fail("level", f"must be one of {', '.join(LEVELS)}")
            caps.append((after, level))
    return Rubric(flags, tuple(caps))


@lru_cache(maxsize=1)
def default_rubric() -> Rubric:
    return load_rubric()
