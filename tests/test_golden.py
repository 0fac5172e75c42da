"""Golden cases: every failure mode of grading, each a folder pairing a candidate file
with the report it must produce (the idea of exercism's test-runner examples).

expected.json keys (all optional): status; score; full_marks; message (substrings of
the report message); problem (subset of report.problem, strings as substrings);
checks ({check id: [outcome, substrings of its message...]}); hints ({check id:
substring}); import_output (substring); limits (sandbox overrides, to keep hangs short);
drill (the drill graded, dropout unless named); escape (true: the candidate tries to get out, and nothing outside may show it: no secret
from our environment in the report, no file it names, no connection, no process left);
needs_sandbox (an attack that would really do harm without bubblewrap: skipped where
there is none); then_grade / then_score (a mutant of the dropout drill graded next, and its exact score:
an attack on later gradings must not change it).
"""

import hashlib
import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from grader import catalog, isolation
from grader.grading import grade
from grader.levels import LEVELS
from grader.report.bundle import write_bundle
from grader.report.model import SCHEMA_VERSION
from grader.sandbox import Limits

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.json").is_file())


ESCAPE_FILES = [Path("/tmp/drill-golden-escape"), Path.home() / "drill-golden-escape"]
ESCAPE_PORT = 47311


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case, dropout, tmp_path, monkeypatch):
    folder = GOLDEN / case
    expected = json.loads((folder / "expected.json").read_text())
    drill = catalog.load_drill(expected["drill"]) if "drill" in expected else dropout
    escape = expected.get("escape", False)
    if expected.get("needs_sandbox") and isolation.check() is not None:
        pytest.skip(f"this attack is only safe to run inside the sandbox: {isolation.check()}")
    if escape:
        monkeypatch.setenv("DRILL_SECRET_FOR_TEST", "golden-canary")
        monkeypatch.chdir(tmp_path)
        for path in ESCAPE_FILES:
            path.unlink(missing_ok=True)
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", ESCAPE_PORT))
        listener.listen()
        listener.settimeout(0.5)
    source = folder / "candidate.py"
    candidate = tmp_path / drill.candidate_file
    if source.exists():
        candidate.write_bytes(source.read_bytes())
    before = hashlib.sha256(candidate.read_bytes()).hexdigest() if candidate.exists() else None

    limits = replace(Limits.for_drill(drill), **expected.get("limits", {}))
    report = grade(drill, candidate, limits=limits)

    assert report.status == expected.get("status", report.status), report.message
    if "score" in expected:
        assert report.score == expected["score"], [(c.id, c.message) for c in report.checks if c.passed]
    if expected.get("full_marks"):
        assert report.score == report.max_score and not report.red_flags, [
            (c.id, c.message) for c in report.checks if not c.passed]
        assert report.exit_code == 0
    else:
        assert report.exit_code == 1
    for fragment in expected.get("message", []):
        assert fragment in report.message
    for key, value in expected.get("problem", {}).items():
        actual = report.problem.get(key)
        assert (value in actual) if isinstance(value, str) else actual == value, (key, actual)
    checks = {c.id: c for c in report.checks}
    for check_id, (outcome, *fragments) in expected.get("checks", {}).items():
        assert checks[check_id].outcome == outcome, checks[check_id].message
        for fragment in fragments:
            assert fragment in checks[check_id].message
    for check_id, fragment in expected.get("hints", {}).items():
        assert fragment in checks[check_id].hint
    if "import_output" in expected:
        assert expected["import_output"] in report.output["import_output"]

    if escape:
        _assert_nothing_escaped(listener, tmp_path)
        assert "golden-canary" not in json.dumps(report.output)
    if "then_grade" in expected:
        later = grade(dropout, dropout.root / "mutants" / f"{expected['then_grade']}.py",
                      plots=False)
        assert later.score == expected["then_score"], [(c.id, c.message) for c in later.checks]

    # The candidate's file is byte-for-byte unchanged, and a full report still renders.
    after = hashlib.sha256(candidate.read_bytes()).hexdigest() if candidate.exists() else None
    assert before == after
    written = write_bundle(report, tmp_path / "reports", "bundle")
    data = json.loads(written[1].read_text())
    assert data["status"] == report.status and data["schema_version"] == SCHEMA_VERSION
    # Every report places the candidate; with no answers graded, on the code alone.
    assert data["level"] == expected.get("level", "L6" if expected.get("full_marks") else
                                         data["level"]), data["level_reasons"]
    assert data["level"] in LEVELS and data["level_reasons"][-1] == f"level: {data['level']}"
    if report.score == 0:
        assert data["level"] == "below-L4"


def _assert_nothing_escaped(listener: socket.socket, cwd: Path) -> None:
    try:
        conn, _ = listener.accept()
        conn.close()
        connected = True
    except (socket.timeout, OSError):
        connected = False
    finally:
        listener.close()
    assert not connected, "the candidate reached a socket on 127.0.0.1"
    for path in ESCAPE_FILES + [cwd / "drill-golden-escape"]:
        assert not path.exists(), f"the candidate wrote {path}"
        path.unlink(missing_ok=True)
    left = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"drill-golden-marker" in cmdline.read_bytes():
                left.append(cmdline.parent.name)
        except OSError:
            pass
    assert not left, f"the candidate's processes outlived grading: {left}"
