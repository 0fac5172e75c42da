"""The timed session: next, pause/resume, hints, visible checks, history, reset/restore,
state that survives concurrent writers and corruption, and the live view in a pty."""

import json
import os
import re
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import catalog, session_ops, state, workspace
from grader.errors import DrillError, UsageError

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "drills" / "dropout" / "solutions" / "reference.py"
T0 = 2_000_000.0


@pytest.fixture
def session(tmp_path):
    workspace.create(catalog.load_drill("dropout"), tmp_path / "ws", now=T0)
    return workspace.load_session(tmp_path / "ws")


def reload(session):
    return workspace.load_session(session.root)


def test_next_pause_resume_with_an_injected_clock(session):
    ended, line = session_ops.next_phase(session, now=T0 + 14 * 60)
    assert ended == "read" and line.phase == "explain" and line.manual
    session = reload(session)
    session_ops.pause(session, now=T0 + 15 * 60)
    with pytest.raises(UsageError, match="already paused"):
        session_ops.pause(reload(session), now=T0 + 16 * 60)
    with pytest.raises(UsageError, match="paused"):
        session_ops.next_phase(reload(session), now=T0 + 16 * 60)
    assert session_ops.resume(reload(session), now=T0 + 20 * 60) == 5 * 60
    with pytest.raises(UsageError, match="not paused"):
        session_ops.resume(reload(session), now=T0 + 21 * 60)
    line = reload(session).timeline(T0 + 21 * 60)
    assert line.elapsed_s == 16 * 60 and line.phase == "explain" and line.paused_s == 5 * 60


def test_start_minutes_scales_the_plan(tmp_path):
    workspace.create(catalog.load_drill("dropout"), tmp_path / "short", minutes=19)
    plan = workspace.load_session(tmp_path / "short").plan
    assert [p["minutes"] for p in plan] == [6, 2.5, 8, 2.5]


def test_hints_are_progressive_recorded_and_run_out(session):
    hints = catalog.load_drill("dropout").hints
    shown = [session_ops.take_hint(reload(session), now=T0 + i) for i in range(len(hints) + 1)]
    assert [h.text for h in shown[:-1]] == list(hints) and shown[-1] is None
    taken = reload(session).hints_taken()
    assert [e["index"] for e in taken] == list(range(len(hints)))


def test_reset_saves_the_file_and_restore_brings_it_back(session):
    session.candidate_path.write_text("# attempt one\n")
    saved = session_ops.reset(session, now=T0 + 60)
    assert (saved / "dropout.py").read_text() == "# attempt one\n"
    assert "NotImplementedError" in session.candidate_path.read_text()
    session.candidate_path.write_text("# attempt two\n")
    source, replaced = session_ops.restore(reload(session), now=T0 + 120)
    assert session.candidate_path.read_text() == "# attempt one\n"
    assert (replaced / "dropout.py").read_text() == "# attempt two\n"  # nothing is lost
    source, _ = session_ops.restore(reload(session), replaced.name, now=T0 + 180)
    assert session.candidate_path.read_text() == "# attempt two\n"
    with pytest.raises(UsageError, match="no backup named"):
        session_ops.restore(reload(session), "nope")


def test_first_full_score_time():
    attempts = [{"status": "graded", "score": 20, "max_score": 33, "red_flags": [], "elapsed_s": 60},
                {"status": "graded", "score": 33, "max_score": 33, "red_flags": ["x"], "elapsed_s": 90},
                {"status": "graded", "score": 33, "max_score": 33, "red_flags": [], "elapsed_s": 120}]
    assert session_ops.first_full_score_s(attempts) == 120
    assert session_ops.first_full_score_s(attempts[:2]) is None


def test_corrupted_or_hand_edited_state_gives_a_recoverable_error(session):
    path = state.session_path(session.root)
    path.write_text('{"drill": "dropout"}')
    with pytest.raises(DrillError, match="bad value for 'plan'.*--force"):
        workspace.load_session(session.root)
    path.write_text("[1, 2]")
    with pytest.raises(DrillError, match="does not hold a JSON object"):
        workspace.load_session(session.root)


WRITER = """
import sys
from grader import state
for i in range(int(sys.argv[2])):
    state.add_event(sys.argv[1], "probe", writer=sys.argv[3], n=i)
"""


def test_two_processes_writing_at_once_lose_nothing(session):
    count = 60
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(session.root), str(count), name])
               for name in ("a", "b")]
    assert all(w.wait(timeout=120) == 0 for w in writers)
    events = [e for e in reload(session).events if e["kind"] == "probe"]
    for name in ("a", "b"):
        assert [e["n"] for e in events if e["writer"] == name] == list(range(count))
    json.loads(state.session_path(session.root).read_text())  # still whole


def test_session_commands_through_the_cli(run_drill, tmp_path):
    run_drill("start", "dropout", "--dir", "ws", "--minutes", "10")
    ws = tmp_path / "ws"
    hint = run_drill("hint", cwd=ws)
    assert hint.returncode == 0 and "Hint 1/4" in hint.stdout
    assert run_drill("pause", cwd=ws).returncode == 0
    assert "PAUSED" in run_drill("status", cwd=ws).stdout
    again = run_drill("pause", cwd=ws)
    assert again.returncode == 2 and "already paused" in again.stderr
    assert "Resumed" in run_drill("resume", cwd=ws).stdout
    moved = run_drill("next", cwd=ws)
    assert moved.returncode == 0 and "read done" in moved.stdout and "now: explain" in moved.stdout

    stub_check = run_drill("check", cwd=ws)
    assert stub_check.returncode != 0  # the stub raises NotImplementedError
    (ws / "dropout.py").write_text(REFERENCE.read_text())
    checked = run_drill("check", cwd=ws)
    assert checked.returncode == 0 and "6 of 6 checks passed" in checked.stdout

    assert "No gradings yet" in run_drill("history", cwd=ws).stdout
    assert run_drill("grade", cwd=ws).returncode == 0
    (ws / "dropout.py").write_text((ROOT / "drills/dropout/mutants/no_rescale.py").read_text())
    second = run_drill("grade", "--json", "r.json", cwd=ws)
    assert second.returncode == 1 and "attempt 2" in second.stdout
    report = json.loads((ws / "r.json").read_text())
    assert len(report["attempts"]) == 1 and report["attempts"][0]["score"] == report["max_score"]
    assert report["first_full_score_s"] is not None
    timing = report["timing"]
    assert not timing["boundaries_assumed"] and [p["phase"] for p in timing["phases"]][:2] == ["read", "explain"]
    assert len(timing["hints"]) == 1 and timing["hints"][0]["text"] and len(timing["pauses"]) == 1
    history = run_drill("history", cwd=ws).stdout
    assert "no-rescale" in history and "first full score at" in history

    reset = run_drill("reset", cwd=ws)
    assert reset.returncode == 0 and "NotImplementedError" in (ws / "dropout.py").read_text()
    restored = run_drill("reset", "--restore", cwd=ws)
    assert restored.returncode == 0 and "no_rescale" not in (ws / "dropout.py").read_text()
    assert "Masks correctly but forgets" in (ws / "dropout.py").read_text()


def _read_for(fd, seconds):
    out, end = b"", time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace"))


def test_watch_is_live_in_a_terminal_announces_phase_changes_and_stops_on_ctrl_c(run_drill, tmp_path):
    # a 9-second plan: reading ends after about 2.8 s by the plan's own clock
    run_drill("start", "dropout", "--dir", "ws", "--minutes", "0.15")
    ws = tmp_path / "ws"
    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS="100", LINES="30", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "grader", "status", "--watch"], cwd=ws,
                            stdin=follower, stdout=follower, stderr=follower, env=env,
                            start_new_session=True)
    os.close(follower)
    try:
        first = _read_for(leader, 2.0)
        assert "read" in first and "implement" in first
        clocks = {c for c in ("0:00 /", "0:01 /", "0:02 /") if c in first}
        assert len(clocks) >= 2, first  # it updates at least once a second
        later = _read_for(leader, 4.0)
        assert "→ now: explain" in later, later  # announced by the plan's clock alone
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)


def test_watch_ends_by_itself_when_the_last_phase_is_done(run_drill, tmp_path):
    run_drill("start", "dropout", "--dir", "ws", "--minutes", "30")
    ws = tmp_path / "ws"
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "grader", "timer"], cwd=ws, stdin=follower,
                            stdout=follower, stderr=follower,
                            env=dict(os.environ, COLUMNS="100", TERM="xterm"))
    os.close(follower)
    try:
        _read_for(leader, 1.0)
        for _ in range(4):
            assert run_drill("next", cwd=ws).returncode == 0
        output = _read_for(leader, 3.0)
        assert proc.wait(timeout=10) == 0
        assert "every phase done" in output and "→ now: done" in output
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
