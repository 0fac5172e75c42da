"""The phase clock, with an injected clock: no test here sleeps."""

from grader.timer import clock, scaled_plan, timeline

PLAN = [{"phase": "read", "minutes": 12}, {"phase": "explain", "minutes": 5},
        {"phase": "implement", "minutes": 16}, {"phase": "sanity-check", "minutes": 5}]
T0 = 1_000_000.0
MIN = 60.0


def at(minutes, events=(), plan=PLAN):
    return timeline(plan, T0, list(events), T0 + minutes * MIN)


def ev(kind, minutes):
    return {"kind": kind, "at": T0 + minutes * MIN}


def test_phase_boundaries_follow_the_plan_when_next_is_never_used():
    assert at(0).phase == "read" and not at(0).manual
    assert at(11.99).phase == "read"
    assert at(12).phase == "explain"
    line = at(20)
    assert line.phase == "implement" and line.phase_left_s == 13 * MIN and line.left_s == 18 * MIN
    assert [p.assumed for p in line.phases] == [True] * 4
    assert line.phases[0].end_s == 12 * MIN and line.phases[3].start_s is None


def test_overtime():
    late = at(40)
    assert late.phase == "overtime" and late.overtime_s == 2 * MIN and late.left_s == 0
    assert not late.finished


def test_next_records_actual_phase_times():
    events = [ev("next", 14), ev("next", 16)]
    line = at(20, events)
    assert line.manual and line.phase == "implement"
    read, explain, implement, check = line.phases
    assert (read.start_s, read.end_s, read.assumed) == (0, 14 * MIN, False)
    assert explain.spent_s(line.elapsed_s) == 2 * MIN
    assert implement.start_s == 16 * MIN and implement.end_s is None
    assert check.start_s is None
    assert line.phase_left_s == 12 * MIN


def test_a_phase_over_its_plan_shows_negative_time_left_and_finishing_ends_the_session():
    line = at(30, [ev("next", 5)])
    assert line.phase == "explain" and line.phase_left_s == 5 * MIN - 25 * MIN
    done = at(31, [ev("next", m) for m in (5, 10, 20, 30)])
    assert done.finished and done.phase == "done"


def test_pauses_stop_the_clock():
    events = [ev("pause", 10), ev("resume", 15)]
    line = at(20, events)
    assert line.elapsed_s == 15 * MIN and line.paused_s == 5 * MIN and not line.paused
    assert line.phase == "explain"  # 15 effective minutes
    still = at(20, [ev("pause", 10)])
    assert still.paused and still.elapsed_s == 10 * MIN and still.pauses[-1].open
    # a second pause while paused, or a resume while running, changes nothing
    noisy = at(20, [ev("resume", 1), ev("pause", 10), ev("pause", 12), ev("resume", 15)])
    assert noisy.elapsed_s == 15 * MIN


def test_next_during_a_pause_era_uses_effective_time():
    line = at(30, [ev("pause", 2), ev("resume", 7), ev("next", 10)])
    assert line.phases[0].end_s == 5 * MIN


def test_a_session_resumed_after_a_restart_is_rebuilt_from_its_events():
    events = [ev("next", 12), ev("pause", 13), ev("resume", 14)]
    first = at(15, events)
    again = at(15, [dict(e) for e in events])  # as re-read from disk by a new process
    assert first == again


def test_clock_changes_never_give_negative_time():
    assert at(-5).elapsed_s == 0 and at(-5).phase == "read"
    # an event stamped in the future (the clock was set back after it) is clamped to now
    line = at(3, [ev("next", 9)])
    assert line.phases[0].end_s == 3 * MIN and line.elapsed_s == 3 * MIN


def test_scaled_plan_and_clock():
    scaled = scaled_plan(PLAN, 19)
    assert [p["minutes"] for p in scaled] == [6, 2.5, 8, 2.5]
    assert clock(61) == "1:01" and clock(3725) == "1:02:05" and clock(-61) == "-1:01"
