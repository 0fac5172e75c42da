"""Gradescope and Exercism results files have the shapes their platforms publish."""

import json

from grader.report.exports import exercism, gradescope
from test_reports import _report, _run

GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}
EXERCISM_STATUSES = {"pass", "fail", "error"}


def test_gradescope_shape(dropout):
    report = _report(dropout)
    data = gradescope(report)
    json.dumps(data)
    assert data["score"] == report.score and data["max_score"] == report.max_score
    assert isinstance(data["execution_time"], (int, float))
    assert len(data["tests"]) == len(report.checks) + len(report.red_flags)
    for test in data["tests"]:
        assert GRADESCOPE_TEST_KEYS <= set(test)
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert sum(t["score"] for t in data["tests"]) == report.score
    assert any("test-time-scaling" in t["tags"] for t in data["tests"])


def test_exercism_v3_shape(dropout):
    data = exercism(_report(dropout))
    assert data["version"] == 3 and data["status"] == "fail" and data["message"]
    for test in data["tests"]:
        assert {"name", "status", "test_code", "task_id"} <= set(test)
        assert test["status"] in EXERCISM_STATUSES and isinstance(test["task_id"], int)
        if test["status"] != "pass":
            assert test["message"]
        assert len(test.get("output", "")) <= 500


def test_exercism_error_when_nothing_ran(dropout):
    run = _run(status="load_error", message="dropout.py has a syntax error on line 3",
               results={}, collected=[])
    data = exercism(_report(dropout, run))
    assert data == {"version": 3, "status": "error",
                    "message": "dropout.py has a syntax error on line 3"}


def test_explanation_drill_exports_score_the_answers(tmp_path):
    from grader import catalog
    from grader.grading import grade

    drill = catalog.load_drill("why-dropout")
    answers = tmp_path / "answers.md"
    answers.write_text((drill.root / "mutants" / "always-useful.md").read_text())
    report = grade(drill, answers)
    scope = gradescope(report)
    assert scope["score"] == report.score > 0 and scope["max_score"] == report.max_score == 10
    assert sum(t["score"] for t in scope["tests"]) == report.score
    (answer,) = scope["tests"]
    assert answer["status"] == "failed" and "Tell: Calls dropout always useful" in answer["output"]
    assert "Level: L5" in scope["output"]
    ex = exercism(report)
    assert ex["status"] == "fail" and ex["tests"][0]["status"] == "fail"
    assert ex["tests"][0]["task_id"] == 1
