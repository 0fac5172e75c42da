"""The HTML report and the cohort index in a real headless browser (Debian's chromium):
they render with no console message at all (a CSP violation or a script error would
log one), sorting and filtering work, and hostile candidate text stays text.

Skipped where chromium is missing, unless DRILL_REQUIRE_BROWSER is set (as .ci/run does).
Screenshots go to tests/artifacts/.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.report.bundle import write_bundle
from grader.report.index import write_index
from grader.review import Review, ReviewItem, add_review
from test_reports import HOSTILE, _report

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]

if CHROMIUM is None and os.environ.get("DRILL_REQUIRE_BROWSER"):
    raise RuntimeError("DRILL_REQUIRE_BROWSER is set but chromium is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def browse(url: str, tmp_path: Path, *extra: str) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and every console message the page logged."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def screenshot(url: str, tmp_path: Path, name: str, size: str = "1000,2400") -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    browse(url, tmp_path, f"--screenshot={target}", f"--window-size={size}")
    assert target.is_file() and target.stat().st_size > 10_000
    return target


def test_report_renders_cleanly_and_hostile_code_stays_text(dropout, tmp_path):
    report = _report(dropout)
    bundle = write_bundle(report, tmp_path, "bundle")[0].parent
    add_review(bundle, Review("Mentor " + HOSTILE, "L5", "feedback " + HOSTILE,
                              [ReviewItem("eval-identity", "check", "disagree", HOSTILE)]))
    url = (bundle / "report.html").as_uri()
    dom, console = browse(url, tmp_path, "--dump-dom")
    assert console == [], console
    assert "<script" not in dom.lower()  # nothing the candidate wrote became an element
    assert dom.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
    assert "{{ 7*7 }}" in dom and "Mentor review" in dom
    screenshot(url, tmp_path, "report.png")
    screenshot(url, tmp_path, "report-phone.png", size="390,2400")


def _rows(dom: str) -> list[str]:
    body = dom.split("<tbody>", 1)[1]
    return [("hidden" in attributes, name) for attributes, name in
            re.findall(r'<tr([^>]*)>\s*<td><a href="[^"]*">([^<]*)</a>', body)]


def test_index_sorts_and_filters_in_the_browser(dropout, tmp_path):
    for name, score in (("alice", 30), ("bob", 12), ("carol", 21)):
        report = _report(dropout)
        report.candidate["label"] = name
        report.score = score
        write_bundle(report, tmp_path / "reports" / name, "bundle")
    hostile = _report(dropout)
    hostile.candidate["label"] = HOSTILE
    hostile.score = 5
    write_bundle(hostile, tmp_path / "reports" / "zed", "bundle")
    broken = tmp_path / "reports" / "broken" / "bundle"
    broken.mkdir(parents=True)
    (broken / "report.json").write_text("{oops")
    index, _ = write_index(tmp_path / "reports")
    url = index.as_uri()

    dom, console = browse(url, tmp_path, "--dump-dom")
    assert console == [], console  # the inline script's CSP hash matched and it ran cleanly
    hostile_text = "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} {% raw %}"
    dom, console = browse(url + "#sort=score-desc", tmp_path, "--dump-dom")
    assert console == [], console
    assert [name for _, name in _rows(dom)] == ["alice", "carol", "bob", hostile_text,
                                                 "broken/bundle"]
    dom, console = browse(url + "#sort=score", tmp_path, "--dump-dom")
    assert console == [], console
    assert [name for _, name in _rows(dom)] == [hostile_text, "bob", "carol", "alice",
                                                 "broken/bundle"]
    dom, _ = browse(url + "#filter=carol", tmp_path, "--dump-dom")
    visible = [name for hidden, name in _rows(dom) if not hidden]
    assert visible == ["carol"]
    assert "cannot be read" in dom
    screenshot(url + "#sort=score-desc", tmp_path, "index.png", size="1100,700")


def test_answers_are_highlighted_and_hostile_answers_stay_text(dropout, tmp_path):
    from grader.answers.scoring import Question, score_answers
    from grader.leveling import estimate_level
    from grader.rubric import default_rubric

    rubric = default_rubric()
    text = ("# Your answers\n\n## 1. Benefit\n"
            f"Dropout zeroes random units during training, so units cannot co-adapt. {HOSTILE} "
            "Dropout always helps, so I add it to every model.\n\n## 2. Scaling\n")
    questions = [Question(q.id, q.title, q.expects) for q in dropout.questions]
    report = _report(dropout)
    report.answers_file = {"name": "answers.md", "text": text}
    report.answers = [a.to_dict() for a in score_answers(text, questions, rubric)]
    estimate = estimate_level(report, rubric)
    report.level, report.level_reasons, report.level_next = estimate.level, estimate.reasons, estimate.next
    url = (write_bundle(report, tmp_path, "bundle")[0]).as_uri()
    dom, console = browse(url, tmp_path, "--dump-dom")
    assert console == [], console
    assert "<script" not in dom.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert '<mark class="concept"' in dom and '<mark class="tell"' in dom
    assert "Not answered." in dom and f"Level: {report.level}" in dom
    screenshot(url, tmp_path, "report-answers.png")


def test_index_sorts_levels_in_order(dropout, tmp_path):
    for name, level in (("ann", "L6"), ("ben", "below-L4"), ("cat", "L5"), ("dan", "L4")):
        report = _report(dropout)
        report.candidate["label"] = name
        report.level = level
        write_bundle(report, tmp_path / "reports" / name, "bundle")
    index, _ = write_index(tmp_path / "reports")
    dom, console = browse(index.as_uri() + "#sort=level", tmp_path, "--dump-dom")
    assert console == [], console
    assert [name for _, name in _rows(dom)] == ["ben", "dan", "cat", "ann"]
