"""The rubric as values: levels, concepts, tells, red flags, caps, self-assessment items."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.answers.phrasing import Phrasing
from grader.levels import LEVELS


@dataclass(frozen=True)
class RedFlagSpec:
    id: str
    title: str
    why: str
    instead: str
    caps: str = "L4"


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    explains: str
    phrasings: tuple[Phrasing, ...]


@dataclass(frozen=True)
class Tell:
    id: str
    title: str
    why: str
    instead: str
    lowers: int
    phrasings: tuple[Phrasing, ...] = ()
    unless: tuple[Phrasing, ...] = ()
    detect: str | None = None      # a built-in detector instead of phrasings
    asked: bool = False            # a question can reveal it ("why do we even scale?")


@dataclass(frozen=True)
class Need:
    of: tuple[str, ...]
    at_least: int = 1
    alone: tuple[str, ...] = ()     # concepts that meet the need by themselves

    def met(self, credited: set[str]) -> bool:
        return len(credited.intersection(self.of)) >= self.at_least or \
            bool(credited.intersection(self.alone))


@dataclass(frozen=True)
class LevelSpec:
    id: str
    shows: str
    needs: tuple[Need, ...]


@dataclass(frozen=True)
class Item:
    """A self-assessment item: a claim and the evidence in a report that would show it."""
    id: str
    claim: str
    drills: tuple[str, ...]
    checks: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    at_least: int | None = None     # of the concepts; None: all of them
    no_red_flags: tuple[str, ...] = ()
    no_tells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rubric:
    red_flags: dict[str, RedFlagSpec]
    hint_caps: tuple[tuple[int, str], ...] = ()       # (hints taken, highest level allowed)
    concepts: dict[str, Concept] = field(default_factory=dict)
    tells: dict[str, Tell] = field(default_factory=dict)
    levels: tuple[LevelSpec, ...] = ()
    code_levels: tuple[tuple[float, str], ...] = ()   # (min percent, level), best first
    overtime_caps: tuple[tuple[float, str], ...] = () # (overtime percent, highest level)
    items: tuple[Item, ...] = ()

    def hint_level_cap(self, hints_taken: int) -> str | None:
        allowed = [level for after, level in self.hint_caps if hints_taken >= after]
        return lowest(allowed)

    def overtime_cap(self, overtime_percent: float) -> str | None:
        return lowest([level for at, level in self.overtime_caps if overtime_percent >= at])

    def code_level(self, percent: float) -> str:
        for at, level in self.code_levels:
            if percent >= at:
                return level
        return LEVELS[0]

    def items_for(self, drill_id: str) -> list[Item]:
        return [item for item in self.items if drill_id in item.drills]

    def flag(self, flag_id: str) -> RedFlagSpec:
        known = self.red_flags.get(flag_id)
        if known:
            return known
        # A grader naming an id the rubric lacks is a bug of ours; the dev check and the
        # test suite catch it, and a report still shows the id rather than crashing.
        return RedFlagSpec(flag_id, flag_id, "(not described in rubric.yaml)", "")

    def concept_title(self, concept_id: str) -> str:
        concept = self.concepts.get(concept_id)
        return concept.title if concept else concept_id


def lowest(levels) -> str | None:
    levels = [level for level in levels if level]
    return min(levels, key=LEVELS.index) if levels else None
