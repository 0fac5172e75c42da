"""The Report value. Renderers only format it; the JSON report is its asdict().

Schema (schema_version 1) is documented in docs/report-schema.md; bump the version on any
change that removes or renames a field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = 2


@dataclass
class TestOutcome:
    nodeid: str
    outcome: str          # passed | failed | error | skipped | timeout | crashed
    message: str = ""
    output: str = ""
    duration_s: float = 0.0


@dataclass
class CheckResult:
    id: str
    title: str
    passed: bool
    points: int
    max_points: int
    message: str
    outcome: str          # passed | failed | timeout | crashed | not-run
    hint: str = ""
    line: int | None = None
    tests: list[TestOutcome] = field(default_factory=list)


@dataclass
class CodeLine:
    number: int
    text: str
    marked: bool = False


@dataclass
class RedFlag:
    id: str
    title: str
    evidence: list[str]
    why: str
    instead: str
    checks: list[str]
    line: int | None = None
    code: list[CodeLine] = field(default_factory=list)


@dataclass
class Report:
    drill: dict
    status: str           # graded | error | timeout
    message: str
    score: int
    max_score: int
    checks: list[CheckResult]
    red_flags: list[RedFlag]
    candidate: dict       # path, name, sha256, lines
    started_at: str | None
    graded_at: str
    elapsed_s: float | None
    grading_s: float
    environment: dict
    timing: dict = field(default_factory=dict)
    problem: dict = field(default_factory=dict)   # load error details: line, code, hint
    output: dict = field(default_factory=dict)    # stdout / stderr of the grading process
    attempts: list[dict] = field(default_factory=list)  # earlier gradings in this session
    first_full_score_s: float | None = None       # session time of the first clean attempt
    snapshot: list[dict] = field(default_factory=list)   # files kept in the bundle: name, sha256
    reviews: list[dict] = field(default_factory=list)    # mentors' reviews, oldest first
    regrades: list[dict] = field(default_factory=list)   # `drill regrade`: fresh verdicts beside this one
    plot_data: dict = field(default_factory=dict)        # numbers the graders recorded for plots
    plots: bool = True                                   # False: drawn without plots (--no-plots)
    answers_file: dict = field(default_factory=dict)     # the written answers: name, text
    answers: list[dict] = field(default_factory=list)    # per question: concepts, tells, findings
    level: str | None = None                             # below-L4 | L4 | L5 | L6
    level_reasons: list[str] = field(default_factory=list)
    level_next: list[str] = field(default_factory=list)  # what would reach the next level
    self_assessment: dict = field(default_factory=dict)  # claims beside evidence, and the gaps
    bugs: list[dict] = field(default_factory=list)       # a bug hunt's planted bugs: found or not
    schema_version: int = SCHEMA_VERSION

    @property
    def clean(self) -> bool:
        if self.status != "graded" or self.red_flags:
            return False
        if not self.checks:  # an explanation drill is judged on its answers alone
            return (bool(self.answers) and self.level not in (None, "below-L4")
                    and not any(a.get("tells") for a in self.answers))
        return all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.clean else 1

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.max_score) if self.max_score else 0

    def to_dict(self) -> dict:
        data = asdict(self)
        ordered = {"schema_version": data.pop("schema_version")}
        ordered.update(data)
        return ordered


def report_from_dict(data: dict) -> Report:
    """Rebuild a Report from its JSON (for re-rendering a bundle after a review)."""
    data = dict(data)
    if data.pop("schema_version", SCHEMA_VERSION) < 2 and isinstance(data.get("answers"), dict):
        data["answers_file"] = data.pop("answers")   # v1 kept only the text, as `answers`
    checks = [CheckResult(**{**c, "tests": [TestOutcome(**t) for t in c.get("tests", [])]})
              for c in data.pop("checks", [])]
    flags = [RedFlag(**{**f, "code": [CodeLine(**line) for line in f.get("code", [])]})
             for f in data.pop("red_flags", [])]
    known = set(Report.__dataclass_fields__)
    return Report(checks=checks, red_flags=flags,
                  **{k: v for k, v in data.items() if k in known})
