"""Batch grading: every submission gets a bundle (bad ones too), the folder an index,
and a submission cannot leak into the next one graded by the same worker."""

import json
from pathlib import Path

from grader.batch import grade_batch

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "drills/dropout/solutions/reference.py").read_text()
POISON = """import torch
torch.rand_like = lambda x: torch.zeros_like(x)  # sabotage for whoever comes next
""" + REFERENCE


def test_batch_grades_everything_in_isolation(dropout, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a_poison.py").write_text(POISON)
    (folder / "b_clean.py").write_text(REFERENCE)
    (folder / "c_broken.py").write_text("def forward(:\n")
    (folder / "d_flawed.py").write_text((ROOT / "drills/dropout/mutants/no_rescale.py").read_text())
    (folder / "erin").mkdir()
    (folder / "erin" / "dropout.py").write_text(REFERENCE)
    (folder / "erin" / "answers.md").write_text("# my answers\n")
    (folder / "frank").mkdir()  # a folder without the file: an error report, not a crash

    out = tmp_path / "out"
    graded = {g.submission.label: g for g in grade_batch(dropout, folder, out, jobs=1,
                                                         formats=("gradescope",))}
    assert set(graded) == {"a_poison", "b_clean", "c_broken", "d_flawed", "erin", "frank"}
    full = dropout.max_score
    assert graded["b_clean"].report.score == full  # the poison stayed in its own process
    assert graded["erin"].report.score == full
    assert graded["c_broken"].report.status == "error"
    assert "syntax error" in graded["c_broken"].report.message
    assert graded["frank"].report.status == "error"
    assert [f.id for f in graded["d_flawed"].report.red_flags] == ["no-rescale"]
    erin = graded["erin"].bundle
    assert (erin / "candidate" / "answers.md").read_text() == "# my answers\n"
    assert json.loads((erin / "report.json").read_text())["candidate"]["label"] == "erin"
    assert (erin / "gradescope.json").is_file()
    index = (out / "index.html").read_text()
    assert all(label in index for label in graded)


def test_grade_batch_command(run_drill, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "one.py").write_text(REFERENCE)
    result = run_drill("grade-batch", folder, "--drill", "dropout")
    assert result.returncode == 0, result.stderr
    assert "[1/1] one: 33/33 graded" in result.stdout
    assert (folder / "drill-batch" / "index.html").is_file()
    again = run_drill("grade-batch", folder, "--drill", "dropout")  # its own output is skipped
    assert again.returncode == 0 and "1 submission(s) graded" in again.stdout


def test_batch_grades_explanations_without_running_code(tmp_path):
    from grader import catalog
    from grader.batch import grade_batch

    drill = catalog.load_drill("why-dropout")
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name in ("two-frames", "only-overfitting", "keyword-list"):
        (folder / f"{name}.md").write_text((drill.root / "mutants" / f"{name}.md").read_text())
    (folder / "zoe.py").write_text("print('not an answer')\n")   # the wrong kind: ignored
    graded = grade_batch(drill, folder, tmp_path / "out", jobs=2)
    levels = {g.submission.label: g.report.level for g in graded}
    assert levels == {"keyword-list": "below-L4", "only-overfitting": "below-L4",
                      "two-frames": "L5"}
    index = (tmp_path / "out" / "index.html").read_text()
    assert "two-frames" in index and ">L5<" in index
