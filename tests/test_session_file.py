"""A hand-edited or planted .drill/session.json: every malformed variant ends a command with
a readable DrillError (exit 1, the field named, how to recover), never a traceback, never
after a grading, and never with a write outside the workspace. In-process and fast."""

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import catalog, grading, session_ops, state, workspace
from grader.cli import main
from grader.errors import DrillError

T0 = 2_000_000.0


@pytest.fixture
def ws(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    workspace.create(catalog.load_drill("dropout"), root, now=T0)
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLUMNS", "120")
    return root


@pytest.fixture
def no_grading(monkeypatch):
    """Any grading started is a failure: a broken session must be refused before it."""
    def refuse(*args, **kwargs):
        raise AssertionError("grading started")
    monkeypatch.setattr(grading, "grade", refuse)
    monkeypatch.setattr(grading, "grade_with_run", refuse)


def session_data(root: Path) -> dict:
    return json.loads(state.session_path(root).read_text())


def write(root: Path, text: str | bytes) -> None:
    path = state.session_path(root)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def changed(**fields):
    return lambda data: json.dumps({**data, **fields}, allow_nan=True)


def phase(**fields):
    return changed(plan=[{"phase": "read", "minutes": 5, **fields}])


def event(**fields):
    return changed(events=[{"kind": "pause", "at": T0 + 1, **fields}])


def attempt(**fields):
    return changed(attempts=[{"score": 1, "max_score": 2, "status": "graded", **fields}])


def nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


# (id, the file's text from a valid session's data, what the message must say)
VARIANTS = [
    ("top-list", lambda d: "[]", "does not hold a JSON object"),
    ("top-string", lambda d: '"session"', "does not hold a JSON object"),
    ("top-null", lambda d: "null", "does not hold a JSON object"),
    ("not-json", lambda d: "{not json", "cannot be read"),
    ("bad-utf8", lambda d: b'{"drill": "\xff\xfe"}', "cannot be read"),
    ("huge-file", lambda d: json.dumps({**d, "pad": "x" * 1_100_000}), "larger than 1 MB"),
    ("deep-nesting", lambda d: '{"plan": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested deeper"),
    ("deep-extra", lambda d: json.dumps({**d, "events": [{"kind": "x", "at": T0, "x": nested(40)}]}),
     "nested deeper"),
    ("missing-plan", lambda d: json.dumps({"drill": "dropout"}), "'plan'"),
    ("plan-empty", changed(plan=[]), "'plan'"),
    ("plan-object", changed(plan={}), "'plan'"),
    ("plan-item-number", changed(plan=[5]), "'plan[0]'"),
    ("phase-name-list", phase(phase=["read"]), "'plan[0].phase'"),
    ("phase-name-escape", phase(phase="\x1b[2Jread"), "'plan[0].phase'"),
    ("minutes-text", phase(minutes="5"), "'plan[0].minutes'"),
    ("minutes-nan", phase(minutes=float("nan")), "'plan[0].minutes'"),
    ("minutes-inf", phase(minutes=float("inf")), "'plan[0].minutes'"),
    ("minutes-1e308", phase(minutes=1e308), "'plan[0].minutes'"),
    ("minutes-negative", phase(minutes=-5), "'plan[0].minutes'"),
    ("minutes-bool", phase(minutes=True), "'plan[0].minutes'"),
    ("epoch-text", changed(started_epoch="NaN"), "'started_epoch'"),
    ("epoch-nan", changed(started_epoch=float("nan")), "'started_epoch'"),
    ("epoch-neg-inf", changed(started_epoch=float("-inf")), "'started_epoch'"),
    ("epoch-1e308", changed(started_epoch=1e308), "'started_epoch'"),
    ("epoch-1e400", lambda d: json.dumps(d).replace(f'"started_epoch": {T0}', '"started_epoch": 1e400'),
     "'started_epoch'"),
    ("epoch-5000-digits", lambda d: json.dumps(d).replace(f'"started_epoch": {T0}',
                                                          '"started_epoch": 1' + "0" * 5000),
     "cannot be read"),
    ("started-at-list", changed(started_at=[1]), "'started_at'"),
    ("drill-number", changed(drill=5), "'drill'"),
    ("drill-path", changed(drill="../dropout"), "'drill'"),
    ("variant-path", changed(variant="../../../etc"), "'variant'"),
    ("variant-number", changed(variant=5), "'variant'"),
    ("events-number", changed(events=5), "'events'"),
    ("events-text", changed(events="next"), "'events'"),
    ("event-number", changed(events=[5]), "'events[0]'"),
    ("event-at-text", event(at="soon"), "'events[0].at'"),
    ("event-at-1e308", event(at=1e308), "'events[0].at'"),
    ("event-kind-list", event(kind=["next"]), "'events[0].kind'"),
    ("hint-index-text", event(kind="hint", index="0"), "'events[0].index'"),
    ("event-extra-nan", event(note=float("nan")), "'events[0].note'"),
    ("attempts-number", changed(attempts=5), "'attempts'"),
    ("attempt-number", changed(attempts=[5]), "'attempts[0]'"),
    ("attempt-score-text", attempt(score="33"), "'attempts[0].score'"),
    ("attempt-score-null", attempt(score=None), "'attempts[0].score'"),
    ("attempt-status-number", attempt(status=5), "'attempts[0].status'"),
    ("attempt-flags-number", attempt(red_flags=5), "'attempts[0].red_flags'"),
    ("attempt-elapsed-inf", attempt(elapsed_s=float("inf")), "'attempts[0].elapsed_s'"),
    ("attempt-elapsed-negative", attempt(elapsed_s=-1), "'attempts[0].elapsed_s'"),
    ("assessment-number", changed(self_assessment=5), "'self_assessment'"),
    ("claims-number", changed(self_assessment={"claims": 5}), "'self_assessment.claims'"),
    ("claim-text", changed(self_assessment={"claims": {"x": "yes"}}), "'self_assessment.claims.x'"),
    ("lone-surrogate", lambda d: json.dumps(d).replace('"read"', '"\\ud800"', 1), "UTF-8"),
    ("candidate-number", changed(candidate_file=5), "'candidate_file'"),
    ("candidate-empty", changed(candidate_file=""), "'candidate_file'"),
    ("candidate-traversal", changed(candidate_file="../victim.txt"), "'candidate_file'"),
    ("candidate-inner-traversal", changed(candidate_file="sub/../../victim.txt"), "'candidate_file'"),
    ("candidate-absolute", changed(candidate_file="/tmp/victim.txt"), "'candidate_file'"),
    ("candidate-state-dir", changed(candidate_file=".drill/session.json"), "'candidate_file'"),
]


@pytest.mark.parametrize("make, says", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_a_malformed_session_is_a_drill_error_naming_the_problem(ws, make, says):
    write(ws, make(session_data(ws)))
    with pytest.raises(DrillError) as caught:
        workspace.load_session(ws)
    message = str(caught.value)
    assert says in message and "--force" in message  # what is wrong, and how to recover
    assert len(message) < 1000


@pytest.mark.parametrize("make", [v[1] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_every_command_refuses_it_cleanly_and_grade_before_grading(ws, make, no_grading):
    write(ws, make(session_data(ws)))
    stub = (ws / "dropout.py").read_bytes()
    for args in (["status"], ["history"], ["next"], ["hint"], ["reset"], ["grade"],
                 ["grade", "dropout.py"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("drill: the session file"), (args, result.output)
        assert "internal error" not in result.output and "Traceback" not in result.output
    assert (ws / "dropout.py").read_bytes() == stub


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_text("precious\n")
    return path


@pytest.mark.parametrize("name", ["../victim.txt", "VICTIM"], ids=["traversal", "absolute"])
def test_reset_never_writes_outside_through_the_session_file(ws, victim, name):
    data = session_data(ws)
    write(ws, json.dumps({**data, "candidate_file": str(victim) if name == "VICTIM" else name}))
    for args in (["reset"], ["reset", "--restore"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and "candidate_file" in result.output, result.output
    assert victim.read_text() == "precious\n"


def _link_out(ws: Path, victim: Path, how: str) -> None:
    if how == "file":
        (ws / "dropout.py").unlink()
        (ws / "dropout.py").symlink_to(victim)
    elif how == "folder":  # a plain relative name whose folder is a link out
        (ws / "sub").symlink_to(victim.parent)
        write(ws, json.dumps({**session_data(ws), "candidate_file": "sub/victim.txt"}))
    else:  # into the state folder: a reset would overwrite the session itself
        (ws / "dropout.py").unlink()
        (ws / "dropout.py").symlink_to(state.session_path(ws))


@pytest.mark.parametrize("how", ["file", "folder", "state"])
def test_a_symlink_out_of_the_workspace_is_refused(ws, victim, how, no_grading):
    _link_out(ws, victim, how)
    session = workspace.load_session(ws)  # valid: only following the link leads out
    saved = session.backups_dir / "20000101T000000.000000Z" / session.candidate_file
    saved.parent.mkdir(parents=True)
    saved.write_text("# saved\n")
    before = state.session_path(ws).read_bytes()
    for args in (["reset"], ["reset", "--restore"], ["grade"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and "leads outside the workspace" in result.output, result.output
        assert "Traceback" not in result.output
    with pytest.raises(DrillError, match="leads outside"):
        session_ops.reset(workspace.load_session(ws))
    assert victim.read_text() == "precious\n"
    assert state.session_path(ws).read_bytes() == before


def test_start_force_replaces_a_link_instead_of_writing_through_it(ws, victim):
    (ws / "dropout.py").unlink()
    (ws / "dropout.py").symlink_to(victim)
    workspace.create(catalog.load_drill("dropout"), ws, force=True, now=T0 + 60)
    assert victim.read_text() == "precious\n"
    assert not (ws / "dropout.py").is_symlink()
    assert "NotImplementedError" in (ws / "dropout.py").read_text()
    saved = list((ws / ".drill" / "backups").glob("*/dropout.py"))
    assert [p.read_text() for p in saved] == ["precious\n"]  # the linked content is kept


def test_a_restore_ignores_a_planted_link_among_the_backups(ws, victim):
    session = workspace.load_session(ws)
    planted = session.backups_dir / "20000101T000000.000000Z"
    planted.mkdir(parents=True)
    (planted / "dropout.py").symlink_to(victim)
    assert session_ops.backups(session) == []


def test_an_unwritable_state_folder_is_a_drill_error(ws, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(state, "write_json", refuse)
    for args in (["next"], ["hint"], ["pause"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "cannot write to" in result.output and "Permission denied" in result.output
        assert "internal error" not in result.output


def test_an_unwritable_candidate_or_backup_is_a_drill_error(ws, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", args[-1])
    monkeypatch.setattr(shutil, "copyfile", refuse)
    result = CliRunner().invoke(main, ["reset"])
    assert result.exit_code == 1 and "could not replace" in result.output, result.output
    assert "internal error" not in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_state_folder_for_real(ws):
    (ws / ".drill").chmod(0o555)
    try:
        result = CliRunner().invoke(main, ["next"])
    finally:
        (ws / ".drill").chmod(0o755)
    assert result.exit_code == 1 and "cannot write to" in result.output, result.output


def test_grade_refuses_an_unwritable_report_folder_before_grading(ws, monkeypatch, no_grading):
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    result = CliRunner().invoke(main, ["grade"])
    assert result.exit_code == 1 and "nothing was graded" in result.output, result.output


def test_what_the_commands_write_stays_valid(ws):
    """The commands' own writes pass the check: hints, phases, pauses, resets, attempts,
    self-assessment, and a bug hunt's variant."""
    session = workspace.load_session(ws)
    session_ops.take_hint(session, now=T0 + 1)
    session_ops.next_phase(workspace.load_session(ws), now=T0 + 2)
    session_ops.pause(workspace.load_session(ws), now=T0 + 3)
    session_ops.resume(workspace.load_session(ws), now=T0 + 4)
    session_ops.reset(workspace.load_session(ws), now=T0 + 5)
    session_ops.restore(workspace.load_session(ws), now=T0 + 6)
    session_ops.record_attempt(session, {
        "at": T0 + 7, "graded_at": "2026-01-01T00:00:00+00:00", "elapsed_s": 7.0, "score": 33,
        "max_score": 33, "status": "graded", "red_flags": ["x"], "level": None,
        "report": ".drill/reports/a"})
    state.update(ws, lambda d: d.update(self_assessment={"recorded_at": "now",
                                                         "claims": {"a": True}}))
    loaded = workspace.load_session(ws)
    assert len(loaded.events) == 6 and loaded.attempts[0]["score"] == 33
    hunt = ws.parent / "hunt"
    workspace.create(catalog.load_drill("eval-mode-bug-hunt"), hunt, now=T0)
    assert workspace.load_session(hunt).variant
