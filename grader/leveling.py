"""The level estimate (below-L4, L4, L5, L6): from the code checks, the written answers,
the red flags, the hints and the timing, each step given as a reason a person can check.

The parts that measure (code, answers) each support a level; the report's level is the
lowest of them, then capped by red flags, hints taken and overtime as rubric.yaml says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.answers.scoring import credited, tells_found
from grader.levels import LEVELS
from grader.rubric import Rubric, lowest


@dataclass
class Estimate:
    level: str
    reasons: list[str] = field(default_factory=list)
    next: list[str] = field(default_factory=list)     # what would reach the next level


def answers_level(credited: set[str], tells: list[str], rubric: Rubric,
                  levels: tuple = ()) -> Estimate:
    """levels: the drill's own LevelSpecs for its answers; () uses rubric.yaml's."""
    levels = levels or rubric.levels
    reached = LEVELS[0]
    estimate = Estimate(reached)
    for spec in levels:
        if not all(need.met(credited) for need in spec.needs):
            break
        reached = spec.id
        shown = [rubric.concept_title(c) for need in spec.needs for c in need.of if c in credited]
        estimate.reasons.append(f"answers reach {reached}: " + "; ".join(dict.fromkeys(shown)))
    if reached == LEVELS[0]:
        names = "; ".join(rubric.concept_title(c) for c in sorted(credited)) or "nothing"
        estimate.reasons.append(f"answers stay below L4: credited {names}")
    drop = 0
    for tell_id in tells:
        tell = rubric.tells.get(tell_id)
        if tell and tell.lowers:
            drop += tell.lowers
            estimate.reasons.append(f"answers: the claim '{tell.title}' lowers them by "
                                    f"{_levels_word(tell.lowers)}")
    level = LEVELS[max(0, LEVELS.index(reached) - drop)]
    if drop:
        estimate.reasons.append(f"answers: {reached} lowered to {level}")
    estimate.level = level
    estimate.next = _answer_next(credited, tells, reached, level, rubric, levels)
    return estimate


def _answer_next(credited, tells, reached, level, rubric, levels) -> list[str]:
    if level == LEVELS[-1]:
        return []
    out = [f"drop the claim: {rubric.tells[t].title}" for t in tells
           if t in rubric.tells and rubric.tells[t].lowers]
    if out and LEVELS.index(reached) > LEVELS.index(level):
        return out
    target = LEVELS[LEVELS.index(reached) + 1] if reached != LEVELS[-1] else None
    spec = next((s for s in levels if s.id == target), None)
    for need in spec.needs if spec else ():
        if need.met(credited):
            continue
        missing = [rubric.concept_title(c) for c in need.of if c not in credited]
        count = need.at_least - len(credited.intersection(need.of))
        out.append(f"for {target} in the answers: "
                   + (missing[0] if len(need.of) == 1 else
                      f"{count} more of: " + "; ".join(missing)))
    return out


def estimate_level(report, rubric: Rubric, has_checks: bool = True, levels: tuple = (),
                   has_answers: bool = True) -> Estimate:
    parts: list[tuple[str, object]] = []   # (level, target level -> steps to reach it)
    reasons: list[str] = []
    if has_checks:
        percent = 100 * report.score / report.max_score if report.max_score else 0
        code = rubric.code_level(percent)
        reasons.append(f"code: {report.score}/{report.max_score} points ({percent:.0f}%) "
                       f"supports {code}")
        parts.append((code, lambda target: [
            f"for {level} in the code: at least {at:.0f}% of the check points"
            for at, level in rubric.code_levels if level == target]))
    if report.answers:
        if all(a.get("status") != "answered" for a in report.answers):
            reasons.append("answers: no question answered in "
                           f"{(report.answers_file or {}).get('name', 'the answers file')}")
            parts.append((LEVELS[0], lambda target: [
                "write your answers: the explain phase is half the interview"]))
        else:
            estimate = answers_level(credited(report.answers), tells_found(report.answers),
                                     rubric, levels)
            reasons += estimate.reasons
            parts.append((estimate.level, lambda target, steps=estimate.next: steps))
    elif has_checks:
        reasons.append("answers: none graded (no answers file with this grading), so the "
                       "level rests on the code" if has_answers else
                       "this drill has no written answers: the level rests on the code")
    caps: list[tuple[str, str]] = []     # (cap, what would lift it)
    for flag in report.red_flags:
        cap = rubric.flag(flag.id).caps
        reasons.append(f"red flag {flag.id} caps the level at {cap}")
        caps.append((cap, f"fix the red flag {flag.id} (it caps the level at {cap})"))
    timing = report.timing or {}
    hint_cap = timing.get("hint_level_cap")
    if hint_cap:
        reasons.append(f"{len(timing.get('hints', []))} hint(s) taken cap the level at {hint_cap}")
        caps.append((hint_cap, f"take fewer hints (those taken cap the level at {hint_cap})"))
    plan_s = timing.get("plan_s") or 0
    overtime = timing.get("overtime_s") or 0
    if plan_s and overtime > 0:
        percent = 100 * overtime / plan_s
        cap = rubric.overtime_cap(percent)
        if cap:
            reasons.append(f"finished {percent:.0f}% over the plan, which caps the level at {cap}")
            caps.append((cap, f"finish within the plan (running {percent:.0f}% over caps it at {cap})"))
    level = lowest([lowest([p for p, _ in parts]) or LEVELS[0]] + [cap for cap, _ in caps])
    if level == LEVELS[-1]:
        return Estimate(level, reasons + [f"level: {level}"], [])
    target = LEVELS[LEVELS.index(level) + 1]
    # Only what stands between this level and the next one is worth saying.
    nexts = [step for part, steps in parts if LEVELS.index(part) < LEVELS.index(target)
             for step in steps(target)]
    nexts += [step for cap, step in caps if LEVELS.index(cap) < LEVELS.index(target)]
    return Estimate(level, reasons + [f"level: {level}"], _unique(nexts))


def _levels_word(n: int) -> str:
    return "one level" if n == 1 else f"{n} levels"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
