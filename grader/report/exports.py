"""Other platforms' result files, derived from a Report (never recomputed).

- Gradescope's autograder results.json: top-level score, max_score, execution_time,
  output, and tests with name, score, max_score, status (passed/failed), output,
  visibility.
- Exercism's test-runner results.json, version 3: status pass/fail/error, message (for
  error), and tests with name, status, message, output (at most 500 characters),
  test_code and task_id.
"""

from __future__ import annotations

from grader.report.model import Report

FORMATS = ("gradescope", "exercism")
EXERCISM_OUTPUT_LIMIT = 500


def gradescope(report: Report, visibility: str = "visible") -> dict:
    tests = []
    for number, check in enumerate(report.checks, 1):
        lines = [check.message]
        if check.hint:
            lines.append(f"Hint: {check.hint}")
        tests.append({"name": check.title, "number": str(number), "score": check.points,
                      "max_score": check.max_points,
                      "status": "passed" if check.passed else "failed",
                      "output": "\n".join(lines), "tags": [check.id], "visibility": visibility})
    for flag in report.red_flags:
        tests.append({"name": f"Red flag: {flag.title}", "score": 0, "max_score": 0,
                      "status": "failed", "tags": ["red-flag", flag.id],
                      "output": "\n".join([*flag.evidence, f"Why it matters: {flag.why}",
                                           f"Instead: {flag.instead}"]),
                      "visibility": visibility})
    scored = not report.checks   # an explanation drill: the answers are the score
    for answer in report.answers:
        earned = len(set(answer.get("concepts", [])) & set(answer.get("expects", [])))
        tests.append({"name": f"Answer: {answer['title']}", "score": earned if scored else 0,
                      "max_score": len(answer.get("expects", [])) if scored else 0,
                      "status": "passed" if _answer_ok(answer) else "failed",
                      "output": _answer_output(answer), "tags": ["answer", answer["id"]],
                      "visibility": visibility})
    level = f"\nLevel: {report.level} ({'; '.join(report.level_reasons[:-1])})" if report.level else ""
    return {"score": report.score, "max_score": report.max_score,
            "execution_time": round(report.grading_s, 3),
            "output": f"{report.drill['title']}: {report.message}{level}",
            "visibility": visibility, "stdout_visibility": "hidden", "tests": tests}


def exercism(report: Report) -> dict:
    if report.status == "error" and not any(c.tests for c in report.checks):
        return {"version": 3, "status": "error", "message": report.message}
    tests = []
    for task_id, check in enumerate(report.checks, 1):
        status = "pass" if check.passed else (
            "error" if check.outcome in ("crashed", "timeout", "not-run") else "fail")
        entry = {"name": check.title, "status": status, "test_code": f"check: {check.id}",
                 "task_id": task_id}
        if status != "pass":
            entry["message"] = check.message + (f"\nHint: {check.hint}" if check.hint else "")
        output = "\n".join(t.output for t in check.tests if t.output)
        if output:
            entry["output"] = output[:EXERCISM_OUTPUT_LIMIT]
        tests.append(entry)
    for task_id, answer in enumerate(report.answers, len(report.checks) + 1):
        entry = {"name": f"Answer: {answer['title']}", "test_code": f"question: {answer['id']}",
                 "task_id": task_id, "status": "pass" if _answer_ok(answer) else "fail"}
        if entry["status"] == "fail":
            entry["message"] = _answer_output(answer)[:EXERCISM_OUTPUT_LIMIT]
        tests.append(entry)
    clean = report.clean
    return {"version": 3, "status": "pass" if clean else "fail",
            **({} if clean else {"message": report.message}), "tests": tests}


def _answer_ok(answer: dict) -> bool:
    return answer.get("status") == "answered" and not answer.get("tells")


def _answer_output(answer: dict) -> str:
    if answer.get("status") != "answered":
        return "Not answered."
    lines = []
    for finding in answer.get("findings", []):
        if finding["kind"] == "concept":
            lines.append(f"Credited: {finding['title']}: \"{finding['quote']}\"")
        elif finding["kind"] == "tell":
            lines.append(f"Tell: {finding['title']}: \"{finding['quote']}\" {finding['reason']}")
    return "\n".join(lines) or "Nothing credited."


def export(report: Report, fmt: str) -> dict:
    if fmt == "gradescope":
        return gradescope(report)
    if fmt == "exercism":
        return exercism(report)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
