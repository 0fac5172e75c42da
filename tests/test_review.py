"""Mentor reviews: recorded apart from the automatic verdict, shown beside it, and a
bundle whose snapshot was changed after grading is reported as tampered."""

import json

from grader.report.bundle import write_bundle
from grader.review import Review, ReviewItem, add_review, parse_marks
from test_reports import HOSTILE, _report


def _bundle(dropout, tmp_path):
    written = write_bundle(_report(dropout), tmp_path, "bundle")
    return written[0].parent


def test_review_keeps_the_automatic_results_and_overrides_the_level(dropout, tmp_path):
    bundle = _bundle(dropout, tmp_path)
    before = json.loads((bundle / "report.json").read_text())
    snapshot_before = (bundle / "candidate" / "dropout.py").read_bytes()
    items = parse_marks(["eval-identity=disagree:scaling is fine " + HOSTILE,
                         "test-time-scaling=agree"], before)
    add_review(bundle, Review("Ada", "L5", "Good instincts " + HOSTILE, items))
    add_review(bundle, Review("Grace", "L4", "Second opinion", []))

    after = json.loads((bundle / "report.json").read_text())
    assert {k: v for k, v in after.items() if k != "reviews"} == {
        k: v for k, v in before.items() if k != "reviews"}
    assert [r["reviewer"] for r in after["reviews"]] == ["Ada", "Grace"]
    assert after["reviews"][0]["items"][0] == {"id": "eval-identity", "kind": "check",
                                               "verdict": "disagree",
                                               "comment": "scaling is fine " + HOSTILE}
    assert after["reviews"][0]["integrity"] == []
    assert (bundle / "candidate" / "dropout.py").read_bytes() == snapshot_before

    html = (bundle / "report.html").read_text()
    assert "Mentor review" in html and "Grace" in html and "level <strong>L4</strong>" in html
    assert "Ada disagrees" in html and "<script>alert(1)" not in html
    assert f"{before['score']}/{before['max_score']}" in html  # the automatic score stays
    md = (bundle / "report.md").read_text()
    assert "**Mentor review** by Grace: level **L4**" in md


def test_a_tampered_snapshot_is_reported(dropout, tmp_path):
    bundle = _bundle(dropout, tmp_path)
    (bundle / "candidate" / "dropout.py").write_text("# edited after grading\n")
    data = add_review(bundle, Review("Ada", None, "", [ReviewItem("shapes", "check", "agree")]))
    assert "no longer matches its sha256" in data["reviews"][0]["integrity"][0]
    assert "no longer matches its sha256" in (bundle / "report.html").read_text()


def test_review_through_the_cli(dropout, tmp_path, run_drill):
    bundle = _bundle(dropout, tmp_path)
    bad = run_drill("review", bundle, "--reviewer", "Ada", "--mark", "nope=agree")
    assert bad.returncode == 2 and "no check, red flag, credited concept or tell 'nope'" in bad.stderr
    headless = run_drill("review", bundle)
    assert headless.returncode == 2 and "--reviewer" in headless.stderr
    done = run_drill("review", bundle, "--reviewer", "Ada", "--level", "L6",
                     "--mark", "shapes=disagree:too strict", "--feedback", "Nice work")
    assert done.returncode == 0, done.stderr
    data = json.loads((bundle / "report.json").read_text())
    assert data["reviews"][0]["level"] == "L6" and data["reviews"][0]["feedback"] == "Nice work"
    missing = run_drill("review", tmp_path / "nowhere", "--reviewer", "Ada")
    assert missing.returncode == 2 and "not a report bundle" in missing.stderr


def test_interactive_review_in_a_terminal(dropout, tmp_path):
    import os
    import pty
    import subprocess
    import sys
    import time

    bundle = _bundle(dropout, tmp_path)
    data = json.loads((bundle / "report.json").read_text())
    items = len(data["checks"]) + len(data["red_flags"])
    answers = ["Ada", "L5", "n", "scaling by a copy is fine"] + ["y"] * (items - 1) + ["Solid work"]
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "grader", "review", str(bundle)],
                            stdin=follower, stdout=follower, stderr=follower,
                            env=dict(os.environ, COLUMNS="120", TERM="dumb"))
    os.close(follower)
    try:
        for answer in answers:
            time.sleep(0.05)
            os.write(leader, (answer + "\n").encode())
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                os.read(leader, 65536)  # keep the terminal drained
            except OSError:
                break
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    review = json.loads((bundle / "report.json").read_text())["reviews"][0]
    assert review["reviewer"] == "Ada" and review["level"] == "L5"
    assert review["feedback"] == "Solid work"
    first = review["items"][0]
    assert first["verdict"] == "disagree" and first["comment"] == "scaling by a copy is fine"
    assert all(item["verdict"] == "agree" for item in review["items"][1:])


def test_a_hostile_bundle_gets_a_clear_error_and_nothing_outside_is_read(dropout, tmp_path):
    import os

    import pytest

    from grader.errors import DrillError
    from grader.report.index import write_index

    bundle = _bundle(dropout, tmp_path / "reports")
    data = json.loads((bundle / "report.json").read_text())
    # a snapshot entry that points out of the bundle is reported, never hashed
    secret = tmp_path / "secret.txt"
    secret.write_text("not the candidate's")
    data["snapshot"].append({"name": "x.py", "path": "../../secret.txt",
                             "sha256": "0" * 64})
    (bundle / "report.json").write_text(json.dumps(data))
    add_review(bundle, Review("Ada", "L5", "", []))
    integrity = json.loads((bundle / "report.json").read_text())["reviews"][-1]["integrity"]
    assert any("leaves the bundle" in problem for problem in integrity), integrity

    # wrong field types: a clear refusal, the file as it was
    broken = dict(data, timing={"phase": 3}, checks=[{"id": 1}])
    (bundle / "report.json").write_text(json.dumps(broken))
    with pytest.raises(DrillError, match="shape of a drill report"):
        add_review(bundle, Review("Ada", "L5", "", []))
    assert json.loads((bundle / "report.json").read_text()) == broken

    # nesting, NaN and a report.json that is a device: each refused with a reason
    for name, write in [("deep", lambda p: p.write_text("[" * 100_000 + "]" * 100_000)),
                        ("nan", lambda p: p.write_text('{"checks": [], "score": NaN}')),
                        ("device", lambda p: os.symlink("/dev/zero", p))]:
        other = tmp_path / "reports" / name
        other.mkdir()
        write(other / "report.json")
        with pytest.raises(DrillError, match="cannot be read"):
            add_review(other, Review("Ada", "L5", "", []))
    # and the index still lists every bundle, the broken ones with the reason
    _, rows = write_index(tmp_path / "reports")
    problems = {os.path.basename(r.candidate): r.problem for r in rows if r.problem}
    assert set(problems) >= {"deep", "nan", "device"}, problems
