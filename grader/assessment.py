"""Self-assessment: the candidate's claims, item by item, against what the report shows.

Claims live in the workspace's session file; each grading puts them beside the measured
evidence and names the calibration gaps (claimed but not shown, shown but not claimed).
"""

from __future__ import annotations

from grader import state
from grader.answers.scoring import credited, tells_found
from grader.errors import UsageError
from grader.rubric import Item
from grader.workspace import Session, iso


def items_of(session: Session) -> list[Item]:
    """The rubric's self-assessment items for the session's drill."""
    from grader.rubric import default_rubric

    items = default_rubric().items_for(session.drill_id)
    if not items:
        raise UsageError(f"the drill '{session.drill_id}' has no self-assessment items")
    return items


def claims_from_flags(yes, no) -> dict[str, bool]:
    both = set(yes) & set(no)
    if both:
        raise UsageError(f"both --yes and --no for {', '.join(sorted(both))}")
    return {**{i: True for i in yes}, **{i: False for i in no}}


def record(session: Session, items: list[Item], claims: dict[str, bool],
           now: float | None = None) -> dict:
    """Store claims (item id -> yes/no), keeping earlier answers to items not given now."""
    known = {item.id for item in items}
    unknown = sorted(set(claims) - known)
    if unknown:
        raise UsageError(f"no self-assessment item {', '.join(map(repr, unknown))} for this "
                         f"drill. Items: {', '.join(sorted(known))}")
    saved: dict = {}

    def change(data: dict) -> None:
        entry = data.get("self_assessment") or {}
        merged = {**(entry.get("claims") or {}), **claims}
        data["self_assessment"] = {"recorded_at": iso(now), "claims": merged}
        saved.update(data["self_assessment"])

    state.update(session.root, change)
    return saved


def claims_of(session: Session | None) -> dict:
    return dict(session.self_assessment) if session else {}


def evaluate(items: list[Item], report, recorded: dict) -> dict:
    """The report's self_assessment section; {} when the drill has no items."""
    if not items:
        return {}
    claims = recorded.get("claims") or {}
    rows, gaps = [], []
    for item in items:
        shown, evidence = _shown(item, report)
        claimed = claims.get(item.id)
        gap = None
        if claimed is True and shown is False:
            gap = "claimed, not shown"
        elif claimed is False and shown is True:
            gap = "shown, not claimed"
        rows.append({"id": item.id, "claim": item.claim, "claimed": claimed, "shown": shown,
                     "evidence": evidence, "gap": gap})
        if gap:
            gaps.append({"id": item.id, "claim": item.claim, "gap": gap,
                         "evidence": evidence})
    return {"recorded_at": recorded.get("recorded_at"), "items": rows, "gaps": gaps}


def _shown(item: Item, report) -> tuple[bool | None, list[str]]:
    evidence: list[str] = []
    ok = True
    checks = {c.id: c for c in report.checks}
    for check_id in item.checks:
        check = checks.get(check_id)
        passed = bool(check and check.passed)
        ok &= passed
        evidence.append(f"check {check_id} {'passed' if passed else (check.outcome if check else 'not run')}")
    raised = {f.id for f in report.red_flags}
    for flag_id in item.no_red_flags:
        if flag_id in raised:
            ok = False
            evidence.append(f"red flag {flag_id} raised")
    graded = any(a.get("status") == "answered" for a in report.answers)
    if item.concepts or item.no_tells:
        if not graded:
            return None, evidence + ["no written answers graded"]
        shown_concepts, tells = credited(report.answers), set(tells_found(report.answers))
        if item.concepts:
            have = [c for c in item.concepts if c in shown_concepts]
            need = item.at_least or len(item.concepts)
            ok &= len(have) >= need
            evidence.append(f"answers credit {len(have)} of {', '.join(item.concepts)} "
                            f"(needs {need})")
        for tell_id in item.no_tells:
            ok &= tell_id not in tells
            evidence.append(f"answers {'make' if tell_id in tells else 'do not make'} "
                            f"the claim '{tell_id}'")
    if not evidence:
        evidence.append("no red flag raised")
    return ok, evidence
