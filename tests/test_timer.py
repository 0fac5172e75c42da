from grader.timer import clock, position

PLAN = [{"phase": "read", "minutes": 12}, {"phase": "explain", "minutes": 5},
        {"phase": "implement", "minutes": 16}, {"phase": "sanity-check", "minutes": 5}]


def test_phase_boundaries():
    assert position(PLAN, 0).phase == "read"
    assert position(PLAN, 12 * 60 - 1).phase == "read"
    assert position(PLAN, 12 * 60).phase == "explain"
    at = position(PLAN, 20 * 60)
    assert at.phase == "implement" and at.phase_left_s == 13 * 60 and at.left_s == 18 * 60


def test_overtime_and_clock_skew():
    late = position(PLAN, 40 * 60)
    assert late.phase == "overtime" and late.overtime_s == 2 * 60 and late.left_s == 0
    assert position(PLAN, -30).phase == "read"  # a clock set back never shows negative time
    assert clock(61) == "1:01" and clock(3725) == "1:02:05"
