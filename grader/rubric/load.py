"""Load rubric.yaml, validated: every error names the file, the key and the line."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from grader import paths
from grader.answers.phrasing import PhrasingError, compile_phrasing
from grader.catalog import ID_PATTERN
from grader.levels import LEVELS
from grader.rubric.model import (Concept, Item, LevelSpec, Need, RedFlagSpec, Rubric, Tell)
from grader.validate import Fields
from grader.yamldoc import load_yaml

DETECTORS = ("keyword-list", "only-overfitting")
TOP_KEYS = {"version", "levels", "code_levels", "timing", "concepts", "tells", "red_flags",
            "hints", "self_assessment"}


def load_rubric(path: Path | None = None) -> Rubric:
    doc = load_yaml(path or paths.rubric_path())
    top = Fields(doc, (), doc.data)
    top.only(TOP_KEYS)
    concepts = _concepts(top)
    tells = _tells(top)
    flags = _red_flags(top)
    return Rubric(
        red_flags=flags,
        hint_caps=_caps(top, "hints", "after", minimum=1),
        concepts=concepts,
        tells=tells,
        levels=parse_levels(top, set(concepts)),
        code_levels=_code_levels(top),
        overtime_caps=_caps(top, "timing", "overtime_percent", minimum=0),
        items=_items(top, concepts, tells, flags),
    )


def _entries(top: Fields, key: str, allowed: set[str]):
    seen: set[str] = set()
    for index, _ in enumerate(top.items(key, [])):
        entry = top.item(key, index)
        entry.only(allowed)
        entry_id = entry.text("id")
        if not ID_PATTERN.match(entry_id):
            raise entry.fail("id", "use lowercase letters, digits and dashes")
        if entry_id in seen:
            raise entry.fail("id", f"duplicate id '{entry_id}' in {key}")
        seen.add(entry_id)
        yield entry, entry_id


def _phrasings(entry: Fields, key: str, required: bool = True):
    texts = entry.strings(key) if required else entry.strings(key, [])
    out = []
    for index, text in enumerate(texts):
        try:
            out.append(compile_phrasing(text))
        except PhrasingError as exc:
            raise entry.doc.fail(entry.key_path + (key, index), str(exc)) from None
    return tuple(out)


def _concepts(top: Fields) -> dict[str, Concept]:
    out = {}
    for entry, concept_id in _entries(top, "concepts", {"id", "title", "explains", "phrasings"}):
        phrasings = _phrasings(entry, "phrasings")
        if not phrasings:
            raise entry.fail("phrasings", "needs at least one phrasing")
        out[concept_id] = Concept(concept_id, entry.text("title"), entry.text("explains"), phrasings)
    return out


def _tells(top: Fields) -> dict[str, Tell]:
    out = {}
    allowed = {"id", "title", "why", "instead", "lowers", "phrasings", "unless", "detect", "asked"}
    for entry, tell_id in _entries(top, "tells", allowed):
        detect = entry.text("detect", None)
        if detect is not None and detect not in DETECTORS:
            raise entry.fail("detect", f"must be one of {', '.join(DETECTORS)}")
        phrasings = _phrasings(entry, "phrasings", required=detect is None)
        if detect is None and not phrasings:
            raise entry.fail("phrasings", "needs at least one phrasing (or a detect)")
        lowers = entry.get("lowers", int)
        if not 0 <= lowers < len(LEVELS):
            raise entry.fail("lowers", f"must be between 0 and {len(LEVELS) - 1}")
        out[tell_id] = Tell(tell_id, entry.text("title"), entry.text("why"), entry.text("instead"),
                            lowers, phrasings, _phrasings(entry, "unless", required=False), detect,
                            entry.get("asked", bool, False))
    return out


def _red_flags(top: Fields) -> dict[str, RedFlagSpec]:
    out = {}
    for entry, flag_id in _entries(top, "red_flags", {"id", "title", "why", "instead", "caps"}):
        caps = entry.text("caps", "L4")
        _level(entry, "caps", caps)
        out[flag_id] = RedFlagSpec(flag_id, entry.text("title"), entry.text("why"),
                                   entry.text("instead"), caps)
    return out


def parse_levels(top: Fields, concepts: set[str] | None = None) -> tuple[LevelSpec, ...]:
    """The `levels` list of rubric.yaml, or of a drill.yaml that states its own answer
    levels. `concepts`: the known concept ids, checked when given (a manifest is loaded
    without the rubric, so `drill dev check` checks its ids instead)."""
    out = []
    expected = LEVELS[1:]
    for index, _ in enumerate(top.items("levels", [])):
        entry = top.item("levels", index)
        entry.only({"id", "shows", "needs"})
        level_id = entry.text("id")
        if index >= len(expected) or level_id != expected[index]:
            raise entry.fail("id", f"levels must be listed in order: {', '.join(expected)}")
        needs = []
        for n, _ in enumerate(entry.items("needs")):
            need = entry.item("needs", n)
            need.only({"of", "at_least", "alone"})
            of = need.strings("of")
            for m, concept_id in enumerate(of):
                if concepts is not None and concept_id not in concepts:
                    raise need.doc.fail(need.key_path + ("of", m), f"unknown concept '{concept_id}'")
            at_least = need.get("at_least", int, 1)
            if not 1 <= at_least <= len(of):
                raise need.fail("at_least", f"must be between 1 and {len(of)}")
            alone = need.strings("alone") if "alone" in need.value else []
            for m, concept_id in enumerate(alone):
                if concept_id not in of:
                    raise need.doc.fail(need.key_path + ("alone", m),
                                        f"'{concept_id}' is not one of this need's concepts")
            needs.append(Need(tuple(of), at_least, tuple(alone)))
        out.append(LevelSpec(level_id, entry.text("shows"), tuple(needs)))
    if top.value.get("levels") and len(out) != len(expected):
        raise top.fail("levels", f"needs one entry for each of {', '.join(expected)}")
    return tuple(out)


def _code_levels(top: Fields) -> tuple[tuple[float, str], ...]:
    out = []
    for index, _ in enumerate(top.items("code_levels", [])):
        entry = top.item("code_levels", index)
        entry.only({"level", "min_percent"})
        level = _level(entry, "level", entry.text("level"))
        percent = entry.number("min_percent")
        if percent > 100:
            raise entry.fail("min_percent", "must be at most 100")
        out.append((float(percent), level))
    return tuple(sorted(out, reverse=True))


def _caps(top: Fields, section: str, key: str, minimum: float) -> tuple[tuple[float, str], ...]:
    if top.value.get(section) is None:
        return ()
    block = top.mapping(section)
    block.only({"caps"})
    out = []
    for index, _ in enumerate(block.items("caps")):
        cap = block.item("caps", index)
        cap.only({key, "level"})
        at = cap.get(key, int) if key == "after" else cap.number(key)
        if at < minimum:
            raise cap.fail(key, f"must be at least {minimum}")
        out.append((at, _level(cap, "level", cap.text("level"))))
    return tuple(out)


def _items(top: Fields, concepts: dict, tells: dict, flags: dict) -> tuple[Item, ...]:
    out = []
    allowed = {"id", "drills", "claim", "checks", "concepts", "at_least", "no_red_flags", "no_tells"}
    for entry, item_id in _entries(top, "self_assessment", allowed):
        refs = {}
        for key, known in (("concepts", concepts), ("no_red_flags", flags), ("no_tells", tells)):
            values = entry.strings(key, [])
            for index, value in enumerate(values):
                if value not in known:
                    raise entry.doc.fail(entry.key_path + (key, index), f"unknown id '{value}'")
            refs[key] = tuple(values)
        checks = tuple(entry.strings("checks", []))
        at_least = entry.get("at_least", int, None)
        if at_least is not None and not 1 <= at_least <= len(refs["concepts"]):
            raise entry.fail("at_least", "must be between 1 and the number of concepts")
        if not (checks or any(refs.values())):
            raise entry.fail(None, "needs evidence: checks, concepts, no_red_flags or no_tells")
        out.append(Item(item_id, entry.text("claim"), tuple(entry.strings("drills")), checks,
                        refs["concepts"], at_least, refs["no_red_flags"], refs["no_tells"]))
    return tuple(out)


def _level(entry: Fields, key: str, value: str) -> str:
    if value not in LEVELS:
        raise entry.fail(key, f"must be one of {', '.join(LEVELS)}")
    return value


@lru_cache(maxsize=1)
def default_rubric() -> Rubric:
    return load_rubric()
