"""Find the drills and load their manifests (drills/<id>/drill.yaml), validated on load."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader import paths
from grader.errors import ManifestError, UsageError
from grader.validate import Fields
from grader.yamldoc import load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DEFAULT_LIMITS = {"check_seconds": 15.0, "total_seconds": 240.0, "memory_mb": 4096}


@dataclass(frozen=True)
class Phase:
    name: str
    minutes: float
    goal: str = ""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    points: int
    red_flags: tuple[str, ...] = ()
    timeout: float | None = None


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    title: str
    expects: tuple[str, ...] = ()   # concept ids (rubric.yaml) this question asks for


@dataclass(frozen=True)
class Bug:
    id: str
    title: str
    checks: tuple[str, ...]       # the checks that exercise the code the bug lives in
    # (red flag, check) pairs that show this very bug: with them, the bug counts as fixed
    # when none is raised, even if its checks fail for another reason (said in a note)
    symptoms: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Variant:
    id: str
    title: str
    bugs: tuple[Bug, ...]


@dataclass(frozen=True)
class Drill:
    id: str
    title: str
    paper: str
    difficulty: str
    summary: str
    root: Path
    plan: tuple[Phase, ...]
    candidate_file: str
    handout: tuple[str, ...]
    entrypoints: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    hints: tuple[str, ...]
    limits: dict = field(default_factory=dict)
    visible_checks: str | None = None
    answers_file: str | None = None
    questions: tuple[QuestionSpec, ...] = ()
    variants: tuple[Variant, ...] = ()   # a bug hunt: each variant plants different bugs
    levels: tuple = ()   # LevelSpecs for this drill's answers; () means rubric.yaml's
    # The candidate's code runs in a process of its own and the graders reach it only
    # through narrow requests (grader/harness/remote.py), so it cannot touch the verdict.
    separate_process: bool = False
    # ...and the torch layers inside the candidate's own modules live with the graders, so
    # their hooks and statistics see every call (the candidate's forward calls them back)
    judge_holds_layers: bool = False

    @property
    def answers_only(self) -> bool:
        """An explanation drill: the answers file is what is graded; no code runs."""
        return not self.checks and self.candidate_file == self.answers_file

    @property
    def max_score(self) -> int:
        if self.answers_only:
            return len({c for q in self.questions for c in q.expects})
        return sum(check.points for check in self.checks)

    @property
    def minutes(self) -> float:
        return sum(phase.minutes for phase in self.plan)

    @property
    def handout_dir(self) -> Path:
        return self.root / "handout"

    @property
    def graders_dir(self) -> Path:
        return self.root / "graders"

    @property
    def solutions(self) -> list[Path]:
        return sorted((self.root / "solutions").glob("*" + Path(self.candidate_file).suffix))

    @property
    def mutants(self) -> list[Path]:
        return sorted((self.root / "mutants").glob("*" + Path(self.candidate_file).suffix))

    @property
    def stub(self) -> Path:
        return self.handout_file(self.candidate_file)

    def handout_file(self, name: str, variant: str | None = None) -> Path:
        """A variant's own copy of a handed-out file wins over the common one."""
        chosen = variant or (self.variants[0].id if self.variants else None)
        if chosen:
            own = self.handout_dir / "variants" / chosen / name
            if own.is_file():
                return own
        return self.handout_dir / name

    def variant(self, variant_id: str | None) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)

    def check(self, check_id: str) -> CheckSpec | None:
        return next((c for c in self.checks if c.id == check_id), None)


def drill_ids(root: Path | None = None) -> list[str]:
    root = root or paths.drills_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "drill.yaml").is_file())


def load_drill(drill_id: str, root: Path | None = None) -> Drill:
    root = root or paths.drills_dir()
    ids = drill_ids(root)
    if drill_id not in ids:
        known = ", ".join(ids) or "(none installed)"
        raise UsageError(f"unknown drill '{drill_id}'. Valid drill ids: {known}")
    return load_manifest(root / drill_id / "drill.yaml")


def load_all(root: Path | None = None) -> list[Drill | ManifestError]:
    """Every drill, or the error that stops it loading, so one bad manifest hides nothing."""
    out: list[Drill | ManifestError] = []
    for drill_id in drill_ids(root):
        try:
            out.append(load_drill(drill_id, root))
        except ManifestError as exc:
            out.append(exc)
    return out


def load_manifest(path: Path) -> Drill:
    doc = load_yaml(path)
    top = Fields(doc, (), doc.data)
    top.only({"id", "title", "paper", "difficulty", "summary", "plan", "candidate_file",
              "handout", "entrypoints", "checks", "hints", "limits", "visible_checks", "answers_file",
              "questions", "variants", "levels", "separate_process",
              "judge_holds_layers"})
    drill_id = top.text("id")
    if drill_id != path.parent.name:
        raise top.fail("id", f"'{drill_id}' does not match its folder name '{path.parent.name}'")
    if not ID_PATTERN.match(drill_id):
        raise top.fail("id", "use lowercase letters, digits and dashes")

    plan = []
    for index, _ in enumerate(top.items("plan")):
        entry = top.item("plan", index)
        entry.only({"phase", "minutes", "goal"})
        minutes = entry.number("minutes")
        if minutes <= 0:
            raise entry.fail("minutes", "must be positive")
        plan.append(Phase(entry.text("phase"), float(minutes), entry.text("goal", "")))
    if not plan:
        raise top.fail("plan", "needs at least one phase")

    checks = []
    for index, _ in enumerate(top.items("checks", [])):
        entry = top.item("checks", index)
        entry.only({"id", "title", "points", "red_flags", "timeout"})
        check_id = entry.text("id")
        if any(c.id == check_id for c in checks):
            raise entry.fail("id", f"duplicate check id '{check_id}'")
        points = entry.get("points", int)
        if points <= 0:
            raise entry.fail("points", "must be a positive integer")
        timeout = entry.number("timeout", None)
        checks.append(CheckSpec(check_id, entry.text("title"), points,
                                tuple(entry.strings("red_flags", [])),
                                float(timeout) if timeout else None))
    candidate_file = top.text("candidate_file")
    answers = top.text("answers_file", None)
    if not checks and candidate_file != answers:
        raise top.fail("checks", "needs at least one check (only a drill whose candidate file "
                       "is its answers file is graded on answers alone)")
    handout = tuple(top.strings("handout"))
    root = path.parent
    if candidate_file not in handout:
        raise top.fail("handout", f"must include the candidate file '{candidate_file}'")
    variants = _variants(top, {c.id for c in checks})
    for index, name in enumerate(handout):
        common = root / "handout" / name
        own = [root / "handout" / "variants" / v.id / name for v in variants]
        if not common.is_file() and not (own and all(p.is_file() for p in own)):
            raise doc.fail(("handout", index), f"no such file {common}"
                           + (" (nor in every variants/<id>/ folder)" if own else ""))
    visible = top.text("visible_checks", None)
    if visible is not None and visible not in handout:
        raise top.fail("visible_checks", f"'{visible}' is not one of the handed-out files")
    if answers is not None and answers not in handout:
        raise top.fail("answers_file", f"'{answers}' is not one of the handed-out files")
    questions = _questions(top)
    if answers is not None and not questions:
        raise top.fail("questions", "a drill with an answers file lists its questions")
    if checks and not (root / "graders").is_dir():
        raise ManifestError(f"{root}: missing the graders/ folder")

    limits = dict(DEFAULT_LIMITS)
    if "limits" in doc.data:
        given = top.mapping("limits")
        given.only(set(DEFAULT_LIMITS))
        for key in given.value:
            limits[key] = given.number(key, minimum=1)

    return Drill(
        id=drill_id,
        title=top.text("title"),
        paper=top.text("paper"),
        difficulty=top.text("difficulty"),
        summary=top.text("summary", ""),
        root=root,
        plan=tuple(plan),
        candidate_file=candidate_file,
        handout=handout,
        entrypoints=tuple(top.strings("entrypoints", [])),
        checks=tuple(checks),
        hints=tuple(top.strings("hints", [])),
        limits=limits,
        visible_checks=visible,
        answers_file=answers,
        questions=questions,
        variants=variants,
        separate_process=top.get("separate_process", bool, False),
        judge_holds_layers=top.get("judge_holds_layers", bool, False),
        levels=_levels(top),
    )


def _levels(top: Fields) -> tuple:
    """What each level needs in this drill's written answers, when the question is not
    rubric.yaml's "why does dropout work?"."""
    from grader.rubric.load import parse_levels  # here: grader.rubric imports this module

    return parse_levels(top)


def _variants(top: Fields, check_ids: set[str]) -> tuple[Variant, ...]:
    out: list[Variant] = []
    for index, _ in enumerate(top.items("variants", [])):
        entry = top.item("variants", index)
        entry.only({"id", "title", "bugs"})
        variant_id = entry.text("id")
        if not ID_PATTERN.match(variant_id) or any(v.id == variant_id for v in out):
            raise entry.fail("id", f"'{variant_id}' must be unique, lowercase letters, digits, dashes")
        bugs = []
        for n, _ in enumerate(entry.items("bugs")):
            bug = entry.item("bugs", n)
            bug.only({"id", "title", "checks", "symptoms"})
            checks = bug.strings("checks")
            for m, check_id in enumerate(checks):
                if check_id not in check_ids:
                    raise bug.doc.fail(bug.key_path + ("checks", m), f"unknown check '{check_id}'")
            symptoms = []
            for m, text in enumerate(bug.strings("symptoms", [])):
                flag, _, check_id = text.partition("@")
                if not flag or check_id not in checks:
                    raise bug.doc.fail(bug.key_path + ("symptoms", m),
                                       f"'{text}' should be red-flag@check, with one of this bug's checks")
                symptoms.append((flag, check_id))
            bugs.append(Bug(bug.text("id"), bug.text("title"), tuple(checks), tuple(symptoms)))
        if not bugs:
            raise entry.fail("bugs", "a variant plants at least one bug")
        out.append(Variant(variant_id, entry.text("title"), tuple(bugs)))
    return tuple(out)


def _questions(top: Fields) -> tuple[QuestionSpec, ...]:
    out: list[QuestionSpec] = []
    for index, _ in enumerate(top.items("questions", [])):
        entry = top.item("questions", index)
        entry.only({"id", "title", "expects"})
        question_id = entry.text("id")
        if not ID_PATTERN.match(question_id):
            raise entry.fail("id", "use lowercase letters, digits and dashes")
        if any(q.id == question_id for q in out):
            raise entry.fail("id", f"duplicate question id '{question_id}'")
        out.append(QuestionSpec(question_id, entry.text("title"),
                                tuple(entry.strings("expects", []))))
    return tuple(out)
