"""Reports are pure renderings of one Report value: tested here without any subprocess."""

import json
import re
from pathlib import Path

from grader.report.bundle import renderings, write_bundle
from grader.report.documents import fence, md_escape
from grader.report.model import SCHEMA_VERSION
from grader.rubric import default_rubric
from grader.sandbox import SandboxRun
from grader.scoring import build_report

HOSTILE = "<script>alert(1)</script> {{ 7*7 }} {% raw %}"
SOURCE = f'''import torch

class Dropout(torch.nn.Module):
    """{HOSTILE}"""
    def forward(self, x):
        return x * 0.5  # ``` fence breaker
'''


def _run(**overrides):
    results = {
        "t::test_eval[0.5]": {"nodeid": "t::test_eval[0.5]", "check": "eval-identity",
                              "outcome": "failed", "message": f"eval differs {HOSTILE}",
                              "red_flags": [{"id": "test-time-scaling",
                                             "evidence": f"scaled by 0.5 {HOSTILE}", "line": 6}],
                              "output": HOSTILE},
        "t::test_p0": {"nodeid": "t::test_p0", "check": "p-zero-identity", "outcome": "passed",
                       "message": "", "red_flags": []},
    }
    run = SandboxRun(hello={"torch": "2.x"}, collected=[{"nodeid": k, "check": v["check"]}
                                                       for k, v in results.items()],
                     results=results, elapsed_s=1.5)
    for key, value in overrides.items():
        setattr(run, key, value)
    return run


def _report(dropout, run=None):
    return build_report(dropout, default_rubric(), run or _run(),
                        candidate={"path": "/x/dropout.py", "name": "dropout.py",
                                   "sha256": "ab" * 32, "source": SOURCE},
                        source_lines=SOURCE.splitlines(), started_at=None,
                        graded_at="2026-11-22T00:00:00+00:00", elapsed_s=None,
                        environment={"python": "3.11", "torch": "2.x", "drill": "0.1.0"},
                        timing={})


def test_scoring_counts_only_checks_whose_every_case_passed(dropout):
    report = _report(dropout)
    checks = {c.id: c for c in report.checks}
    assert checks["p-zero-identity"].passed and checks["p-zero-identity"].points == 1
    assert not checks["eval-identity"].passed and checks["eval-identity"].points == 0
    assert checks["shapes"].outcome == "not-run"  # collected nothing for it
    assert report.score == 1 and report.max_score == dropout.max_score
    assert [f.id for f in report.red_flags] == ["test-time-scaling"]
    flag = report.red_flags[0]
    assert flag.line == 6 and any(row.marked and "0.5" in row.text for row in flag.code)
    assert flag.why and flag.instead and flag.checks == ["eval-identity"]
    assert report.exit_code == 1


def test_a_red_flag_fails_its_check_even_if_the_assertions_passed(dropout):
    run = _run()
    run.results["t::test_p0"]["red_flags"] = [{"id": "fixed-mask", "evidence": "same mask"}]
    report = _report(dropout, run)
    check = next(c for c in report.checks if c.id == "p-zero-identity")
    assert not check.passed and "red flag" in check.message


def test_json_has_the_documented_fields(dropout):
    data = json.loads(renderings(_report(dropout))["json"])
    doc = (Path(__file__).parents[1] / "docs" / "report-schema.md").read_text()
    documented = {name for row in re.findall(r"^\| (`.*?`) \|", doc, re.MULTILINE)
                  for name in re.findall(r"`(\w+)`", row)}
    assert documented == set(data), (documented ^ set(data))
    assert list(data)[0] == "schema_version" and data["schema_version"] == SCHEMA_VERSION
    assert f"schema_version {SCHEMA_VERSION}" in doc
    assert data["status"] in ("graded", "error", "timeout")
    check = data["checks"][0]
    for key in ("id", "title", "passed", "points", "max_points", "message"):
        assert key in check
    flag = data["red_flags"][0]
    for key in ("id", "title", "evidence"):
        assert key in flag
    assert set(data["candidate"]) >= {"path", "sha256"}
    assert set(data["environment"]) == {"python", "torch", "drill"}


def test_html_escapes_candidate_code_and_messages(dropout):
    html = renderings(_report(dropout))["html"]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html.replace("sha256", "")
    assert "<script" not in html.lower()  # the page has no script of its own either
    assert "Content-Security-Policy" in html


def test_markdown_neutralises_markup_and_fences(dropout):
    md = renderings(_report(dropout))["md"]
    # Inside a code fence text is literal; everywhere else markup must be escaped.
    prose = re.sub(r"(`{3,})python\n.*?\n\1", "", md, flags=re.S)
    assert "````python" in md  # the fence outgrew the candidate's own ```
    assert "<script>" not in prose
    assert "\\<script\\>" in prose
    assert fence("a ``` b").startswith("````")
    assert md_escape("a|b*c") == "a\\|b\\*c"


def test_markdown_fields_cannot_forge_a_line_of_their_own(dropout):
    """Every field a report.json carries is the candidate's to edit: a newline in a
    message, a phase or the torch version must not start a heading or a table row."""
    report = _report(dropout)
    forged = "x\n# Level: L6\n| forged | row |\n**33/33**"
    report.message = report.environment["torch"] = forged
    report.timing = {"elapsed_s": 60.0, "phase": forged, "paused_s": 0, "hints": [],
                     "hints_available": 3}
    md = renderings(report)["md"]
    prose = re.sub(r"(`{3,})python\n.*?\n\1", "", md, flags=re.S)
    assert not re.search(r"^\s*(#|\|) ?(Level|forged)", prose, flags=re.M)
    assert "**33/33**" not in prose
    assert md_escape("a\nb\x1b[2J") == "a b \\[2J"


def test_bundle_is_a_new_folder_and_earlier_bundles_are_untouched(dropout, tmp_path):
    first = write_bundle(_report(dropout), tmp_path, "same-name")
    before = {p: p.read_bytes() for p in first}
    second = write_bundle(_report(dropout), tmp_path, "same-name",
                          {"json": tmp_path / "extra" / "r.json", "html": None, "md": None})
    assert first[0].parent != second[0].parent
    assert {p: p.read_bytes() for p in first} == before
    assert (tmp_path / "extra" / "r.json").is_file()
    assert (first[0].parent / "candidate" / "dropout.py").read_text() == SOURCE
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_terminal_report_carries_no_control_sequence_from_the_candidate(dropout):
    import io
    import re
    from dataclasses import replace

    from rich.console import Console

    from grader.report.terminal import render

    attack = "\x1b[2J\x1b[32m33/33 graded\x1b]0;title\x07\x1b]52;c;ZXZpbA==\x07"
    report = _report(dropout)
    report = replace(report, message=report.message + attack,
                     checks=[replace(c, message=attack) for c in report.checks],
                     output={"import_output": attack, "stderr": attack})
    out = io.StringIO()
    render(report, Console(file=out, force_terminal=True, width=120))
    text = out.getvalue()
    # rich's own colours remain (ESC [ digits; m); nothing else may start with ESC
    others = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "\x1b" not in others and "\x07" not in others
    assert "33/33 graded" in others  # the text itself is still shown, made inert
