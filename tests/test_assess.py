"""The explanation drill end to end, `drill rubric`, and self-assessment with its gaps."""

import json
from pathlib import Path

import yaml

from grader import catalog
from grader.grading import grade
from grader.workspace import create, load_session

CORPUS = yaml.safe_load((Path(__file__).parent / "answers" / "corpus.yaml").read_text())


def _entry(entry_id):
    return next(e for e in CORPUS if e["id"] == entry_id)


def _why_workspace(tmp_path, run_drill, mutant):
    """A workspace answered with one of the drill's own answer mutants, whose level and
    tells `drill dev check` proves."""
    run_drill("start", "why-dropout", "--dir", tmp_path / "ws")
    text = (catalog.load_drill("why-dropout").root / "mutants" / f"{mutant}.md").read_text()
    (tmp_path / "ws" / "answers.md").write_text(text)
    return tmp_path / "ws"


def _latest_json(workspace):
    return json.loads(sorted((workspace / ".drill" / "reports").glob("*/report.json"))[-1].read_text())


def test_rubric_prints_every_part(run_drill):
    out = run_drill("rubric", "--phrasings")
    assert out.returncode == 0, out.stderr
    for fragment in ("Levels", "Concepts", "co-adaptation", "Tells", "always-useful",
                     "Red flags", "test-time-scaling", "Caps", "Self-assessment items", " + "):
        assert fragment in out.stdout, fragment
    assert run_drill("rubric", "--drill", "nope").returncode == 2
    own = run_drill("rubric", "--drill", "bn-interaction")
    assert "levelled by the drill's own needs" in own.stdout and "Layer norm with dropout" in own.stdout
    assert "dropout-after-bn" in own.stdout and "ensemble-view" not in own.stdout


def test_why_dropout_grades_the_answer_and_names_the_next_level(tmp_path, run_drill):
    ws = _why_workspace(tmp_path, run_drill, "always-useful")
    graded = run_drill("grade", cwd=ws)
    assert graded.returncode == 1, graded.stderr  # a tell: not a clean pass
    assert "level: L5" in graded.stdout and "Calls dropout always useful" in graded.stdout
    data = _latest_json(ws)
    assert data["level"] == "L5" and data["checks"] == []
    assert data["answers"][0]["tells"] == ["always-useful"]
    assert "drop the claim: Calls dropout always useful" in data["level_next"]
    assert data["score"] == len(set(data["answers"][0]["concepts"]) & set(data["answers"][0]["expects"]))
    html = next((ws / ".drill" / "reports").glob("*/report.html")).read_text()
    assert '<mark class="tell"' in html and '<mark class="concept"' in html


def test_unanswered_explanation_is_reported_not_an_error(tmp_path, run_drill):
    run_drill("start", "why-dropout", "--dir", tmp_path / "ws")
    graded = run_drill("grade", cwd=tmp_path / "ws")
    assert graded.returncode == 1 and "Traceback" not in graded.stderr
    data = _latest_json(tmp_path / "ws")
    assert data["status"] == "graded" and data["level"] == "below-L4"
    assert data["answers"][0]["status"] == "unanswered" and data["message"] == "no question answered yet"


def test_assess_records_claims_and_the_next_report_names_the_gaps(tmp_path, run_drill):
    ws = _why_workspace(tmp_path, run_drill, "always-useful")
    asked = run_drill("assess", cwd=ws)  # not a terminal and no flags: say how
    assert asked.returncode == 2 and "--yes ID" in asked.stderr
    bad = run_drill("assess", "--yes", "bogus", cwd=ws)
    assert bad.returncode == 2 and "no self-assessment item 'bogus'" in bad.stderr
    ok = run_drill("assess", "--yes", "no-always", "--no", "mc-dropout", cwd=ws)
    assert ok.returncode == 0, ok.stderr
    listed = run_drill("assess", "--list", cwd=ws)
    assert "yes  no-always" in listed.stdout and "no  mc-dropout" in listed.stdout
    run_drill("grade", cwd=ws)
    section = _latest_json(ws)["self_assessment"]
    assert section["recorded_at"]
    gaps = {g["id"]: g["gap"] for g in section["gaps"]}
    # claimed never calling it always useful, but said so: claimed, not shown;
    # denied bringing up MC dropout, which the answer does: shown, not claimed.
    assert gaps == {"no-always": "claimed, not shown", "mc-dropout": "shown, not claimed"}
    untouched = {i["id"]: i for i in section["items"]}["several-frames"]
    assert untouched["claimed"] is None and untouched["shown"] is True and untouched["gap"] is None


def test_code_and_answers_together_with_a_red_flag(tmp_path, dropout):
    """The dropout drill: an L6 written answer cannot lift code that scales at test time."""
    root = create(dropout, tmp_path / "ws")
    source = dropout.root / "mutants" / "double_scaling.py"
    (root / "dropout.py").write_text(source.read_text())
    (root / "answers.md").write_text(_entry("d-L6-full")["text"])
    session = load_session(root)
    from grader import assessment
    from grader.rubric import default_rubric
    assessment.record(session, default_rubric().items_for("dropout"), {"used-inverted": True})
    report = grade(dropout, root / "dropout.py", load_session(root), plots=False)
    assert "test-time-scaling" in {f.id for f in report.red_flags}
    assert report.level == "L4"
    assert "red flag test-time-scaling caps the level at L4" in report.level_reasons
    assert any(r.startswith("answers reach L6: The Bayesian view") for r in report.level_reasons)
    gaps = {g["id"]: g["gap"] for g in report.self_assessment["gaps"]}
    assert gaps["used-inverted"] == "claimed, not shown"


def test_every_drill_with_answers_lists_its_questions():
    for drill_id in catalog.drill_ids():
        drill = catalog.load_drill(drill_id)
        if drill.answers_file:
            assert drill.questions


def test_bn_interaction_joins_code_and_answer_with_the_drills_own_levels(tmp_path):
    drill = catalog.load_drill("bn-interaction")
    root = create(drill, tmp_path / "ws")
    (root / "bn.py").write_text((drill.root / "solutions" / "reference.py").read_text())
    answers = root / "answers.md"
    answers.write_text(answers.read_text() + _entry("bn-L6-full")["text"])
    report = grade(drill, root / "bn.py", load_session(root), plots=False)
    assert report.level == "L6" and report.score == report.max_score, report.level_reasons
    assert report.answers[0]["concepts"] and not report.answers[0]["tells"]
    # the same answer with the classic wrong claim, and code that feeds dropout into BN
    answers.write_text(answers.read_text() + "\nReally, batch norm and dropout do not interact.\n")
    (root / "bn.py").write_text((drill.root / "mutants" / "dropout_before_bn.py").read_text())
    report = grade(drill, root / "bn.py", load_session(root), plots=False)
    assert "claims-no-interaction" in report.answers[0]["tells"]
    assert {f.id for f in report.red_flags} == {"dropout-before-bn"} and report.level == "below-L4"
    assert "red flag dropout-before-bn caps the level at L4" in report.level_reasons


def test_assess_asks_in_a_terminal(tmp_path, run_drill):
    import os
    import pty
    import subprocess
    import sys
    import time

    from grader import assessment
    from grader.rubric import default_rubric

    run_drill("start", "why-dropout", "--dir", tmp_path / "ws")
    items = default_rubric().items_for("why-dropout")
    replies = ["y", "n"] * len(items)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "grader", "assess"], cwd=tmp_path / "ws",
                            stdin=follower, stdout=follower, stderr=follower,
                            env=dict(os.environ, COLUMNS="120", TERM="dumb"))
    os.close(follower)
    try:
        for reply in replies[:len(items)]:
            time.sleep(0.05)
            os.write(leader, (reply + "\n").encode())
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                os.read(leader, 65536)
            except OSError:
                break
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    claims = assessment.claims_of(load_session(tmp_path / "ws"))["claims"]
    assert claims == {item.id: reply == "y" for item, reply in zip(items, replies)}
