"""The level estimate: code, answers, red flags, hints and overtime, each with its reason."""

from types import SimpleNamespace

import pytest

from grader.leveling import estimate_level
from grader.rubric import default_rubric


def _report(score=33, max_score=33, flags=(), timing=None, answers=None):
    return SimpleNamespace(score=score, max_score=max_score,
                           red_flags=[SimpleNamespace(id=f) for f in flags],
                           timing=timing or {}, answers=answers or [],
                           answers_file={"name": "answers.md"} if answers else {})


def _answers(*concepts, tells=(), status="answered"):
    return [{"id": "q", "title": "q", "status": status, "concepts": list(concepts),
             "tells": list(tells), "expects": [], "findings": [], "start": 0, "end": 0}]


L6_CONCEPTS = ("mechanism", "co-adaptation", "ensemble", "when-to-use", "bayesian-mc",
               "when-it-hurts", "batchnorm-shift")


@pytest.mark.parametrize("score,level", [(33, "L6"), (30, "L5"), (21, "L4"), (19, "below-L4"),
                                         (0, "below-L4")])
def test_code_alone_places_by_share_of_points(score, level):
    estimate = estimate_level(_report(score), default_rubric())
    assert estimate.level == level
    assert any("rests on the code" in r for r in estimate.reasons)
    assert estimate.reasons[-1] == f"level: {level}"


@pytest.mark.parametrize("flag,cap", [("test-time-scaling", "L4"), ("active-in-eval", "L4"),
                                      ("python-loop", "L5"), ("dtype-changed", "L5")])
def test_a_red_flag_caps_the_level_as_the_rubric_says(flag, cap):
    estimate = estimate_level(_report(flags=[flag]), default_rubric())
    assert estimate.level == cap
    assert f"red flag {flag} caps the level at {cap}" in estimate.reasons
    assert any(flag in step for step in estimate.next)


def test_hints_cap_the_level():
    timing = {"hint_level_cap": "L5", "hints": [{}, {}, {}], "plan_s": 100, "overtime_s": 0}
    estimate = estimate_level(_report(timing=timing), default_rubric())
    assert estimate.level == "L5" and "3 hint(s) taken cap the level at L5" in estimate.reasons


@pytest.mark.parametrize("overtime,level", [(10, "L6"), (30, "L5"), (120, "L4")])
def test_running_over_the_plan_caps_the_level(overtime, level):
    timing = {"plan_s": 100, "overtime_s": overtime}
    assert estimate_level(_report(timing=timing), default_rubric()).level == level


def test_answers_and_code_the_lower_one_wins():
    rubric = default_rubric()
    both = estimate_level(_report(answers=_answers(*L6_CONCEPTS)), rubric)
    assert both.level == "L6" and not both.next
    weak = estimate_level(_report(answers=_answers("mechanism", "overfitting")), rubric)
    assert weak.level == "L4"
    assert any(step.startswith("for L5 in the answers") for step in weak.next)
    weak_code = estimate_level(_report(score=30, answers=_answers(*L6_CONCEPTS)), rubric)
    assert weak_code.level == "L5"


def test_a_tell_lowers_the_answers_and_says_what_to_drop():
    estimate = estimate_level(_report(answers=_answers(*L6_CONCEPTS, tells=["always-useful"])),
                              default_rubric())
    assert estimate.level == "L5"
    assert "drop the claim: Calls dropout always useful" in estimate.next


def test_unanswered_answers_place_below_l4():
    estimate = estimate_level(_report(answers=_answers(status="unanswered")), default_rubric())
    assert estimate.level == "below-L4"
    assert any("no question answered" in r for r in estimate.reasons)


def test_an_explanation_drill_is_placed_on_its_answers_alone():
    report = _report(score=0, max_score=0, answers=_answers(*L6_CONCEPTS))
    estimate = estimate_level(report, default_rubric(), has_checks=False)
    assert estimate.level == "L6" and not any(r.startswith("code") for r in estimate.reasons)


def test_next_steps_name_only_what_blocks_the_next_level():
    rubric = default_rubric()
    low = estimate_level(_report(score=5, flags=["test-time-scaling"]), rubric)
    assert low.level == "below-L4"
    assert low.next == ["for L4 in the code: at least 60% of the check points"]
    capped = estimate_level(_report(score=30, flags=["test-time-scaling"],
                                    answers=_answers(*L6_CONCEPTS)), rubric)
    assert capped.level == "L4"
    assert capped.next == ["fix the red flag test-time-scaling (it caps the level at L4)"]
