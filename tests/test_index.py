"""The cohort index lists every bundle, readable or not, and escapes what it shows."""

from grader.report.bundle import write_bundle
from grader.report.index import write_index
from test_reports import HOSTILE, _report


def test_index_lists_every_bundle_and_the_broken_ones_with_a_reason(dropout, tmp_path):
    for name, label in (("alice", "Alice"), ("bob", HOSTILE)):
        report = _report(dropout)
        report.candidate["label"] = label
        write_bundle(report, tmp_path / name, "bundle")
    broken = tmp_path / "carol" / "bundle"
    broken.mkdir(parents=True)
    (broken / "report.json").write_text("{not json")

    path, rows = write_index(tmp_path)
    assert len(rows) == 3
    assert [r.candidate for r in rows if not r.problem] == ["Alice", HOSTILE]
    assert [r for r in rows if r.problem][0].problem.startswith("cannot be read")
    html = path.read_text()
    assert 'href="alice/bundle/report.html"' in html and "cannot be read" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "script-src 'sha256-" in html

def test_reports_command(dropout, tmp_path, run_drill):
    write_bundle(_report(dropout), tmp_path / "x", "bundle")
    result = run_drill("reports", tmp_path)
    assert result.returncode == 0 and "1 report(s) indexed" in result.stdout
    assert (tmp_path / "index.html").is_file()
    assert run_drill("reports", tmp_path / "missing").returncode == 2
