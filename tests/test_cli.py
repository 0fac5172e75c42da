"""The `drill` command as a user runs it: in a subprocess, from arbitrary folders."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "drills" / "dropout" / "solutions" / "reference.py"
MUTANT = ROOT / "drills" / "dropout" / "mutants" / "paper_formulation.py"


def test_help_and_list(run_drill):
    result = run_drill("--help")
    assert result.returncode == 0 and "start" in result.stdout and "grade" in result.stdout
    listing = run_drill("list")
    assert listing.returncode == 0
    assert "dropout" in listing.stdout and "warm-up" in listing.stdout and "38" in listing.stdout


def test_cli_process_never_imports_torch(tmp_path):
    script = f"""
import sys
from click.testing import CliRunner
from grader.cli import main
runner = CliRunner()
for args in (["--help"], ["list"], ["start", "dropout", "--dir", "ws"], ["status"]):
    result = runner.invoke(main, args, catch_exceptions=False) if args != ["status"] else None
import os
os.chdir("ws")
result = runner.invoke(main, ["status"])
assert result.exit_code == 0, result.output
import shutil
shutil.copy({str(REFERENCE)!r}, "dropout.py")
result = runner.invoke(main, ["grade"])
assert result.exit_code == 0, result.output
assert "torch" not in sys.modules, "the CLI process imported torch"
assert not any(m in sys.modules for m in ("wordllama", "grader.answers.heads")), "the CLI process loaded the answer model"
print("clean")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0 and "clean" in done.stdout, done.stdout + done.stderr


def test_start_refuses_to_overwrite_and_force_backs_up(run_drill, tmp_path):
    assert run_drill("start", "dropout").returncode == 0
    workspace = tmp_path / "drill-dropout"
    for name in ("dropout.py", "BRIEF.md", "answers.md", "check_dropout.py"):
        assert (workspace / name).is_file()
    session = json.loads((workspace / ".drill" / "session.json").read_text())
    assert session["drill"] == "dropout" and [p["minutes"] for p in session["plan"]] == [12, 5, 16, 5]
    assert not (workspace / "graders").exists()  # hidden graders are never handed out

    (workspace / "dropout.py").write_text("# my precious work\n")
    again = run_drill("start", "dropout")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (workspace / "dropout.py").read_text() == "# my precious work\n"

    forced = run_drill("start", "dropout", "--force")
    assert forced.returncode == 0
    backups = list((workspace / ".drill" / "backups").glob("*/dropout.py"))
    assert [b.read_text() for b in backups] == ["# my precious work\n"]
    assert "NotImplementedError" in (workspace / "dropout.py").read_text()


def test_status_works_from_a_subfolder(run_drill, tmp_path):
    run_drill("start", "dropout", "--dir", "ws")
    (tmp_path / "ws" / "notes" / "deep").mkdir(parents=True)
    result = run_drill("status", cwd=tmp_path / "ws" / "notes" / "deep")
    assert result.returncode == 0
    assert "read" in result.stdout and "left in this phase" in result.stdout


def test_usage_errors_exit_2_with_the_valid_ids(run_drill, tmp_path):
    unknown = run_drill("start", "attention")
    assert unknown.returncode == 2
    assert "Valid drill ids: bn-interaction, dropout, eval-mode-bug-hunt" in unknown.stderr
    missing = run_drill("grade", "nope.py", "--drill", "dropout")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Valid drill ids" in missing.stderr
    nowhere = run_drill("grade")
    assert nowhere.returncode == 2 and "not inside a drill workspace" in nowhere.stderr
    (tmp_path / "x.py").write_text("")
    no_drill = run_drill("grade", "x.py")
    assert no_drill.returncode == 2 and "--drill" in no_drill.stderr
    for result in (unknown, missing, nowhere, no_drill):
        assert "Traceback" not in result.stderr


def test_grade_exit_codes_and_report_paths(run_drill, tmp_path):
    run_drill("start", "dropout", "--dir", "ws")
    workspace = tmp_path / "ws"
    (workspace / "dropout.py").write_text(REFERENCE.read_text())
    clean = run_drill("grade", "--json", tmp_path / "out" / "r.json", "--md", tmp_path / "r.md",
                      cwd=workspace)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "33/33" in clean.stdout and "report.html" in clean.stdout
    bundles = list((workspace / ".drill" / "reports").iterdir())
    assert len(bundles) == 1 and (bundles[0] / "report.html").is_file()
    data = json.loads((tmp_path / "out" / "r.json").read_text())
    assert data["status"] == "graded" and data["score"] == data["max_score"]
    assert data["timing"]["phase"] == "read" and data["started_at"]
    assert (tmp_path / "r.md").read_text().startswith("# Implement inverted dropout")

    (workspace / "dropout.py").write_text(MUTANT.read_text())
    flawed = run_drill("grade", cwd=workspace)
    assert flawed.returncode == 1
    assert "RED FLAG" in flawed.stdout and "test-time-scaling" in flawed.stdout
    assert len(list((workspace / ".drill" / "reports").iterdir())) == 2


def test_grade_a_file_outside_any_workspace(run_drill, tmp_path):
    (tmp_path / "mine.py").write_text(REFERENCE.read_text())
    result = run_drill("grade", "mine.py", "--drill", "dropout", "--html", "page.html",
                       "--format", "gradescope", "--results", "results/results.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((tmp_path / "drill-reports").glob("*/report.json"))
    assert list((tmp_path / "drill-reports").glob("*/gradescope.json"))
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] and results["tests"]
    assert "<!doctype html>" in (tmp_path / "page.html").read_text()


def test_a_loose_files_bundle_goes_under_the_current_directory_or_out(run_drill, tmp_path):
    submissions, mentor = tmp_path / "submissions", tmp_path / "mentor"
    submissions.mkdir()
    mentor.mkdir()
    (submissions / "alice.py").write_text(REFERENCE.read_text())
    result = run_drill("grade", submissions / "alice.py", "--drill", "dropout", "--no-plots",
                       cwd=mentor)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.name for p in submissions.iterdir()] == ["alice.py"]  # nothing written beside it
    assert list((mentor / "drill-reports").glob("*/report.json"))
    chosen = run_drill("grade", submissions / "alice.py", "--drill", "dropout", "--no-plots",
                       "--out", tmp_path / "chosen", cwd=mentor)
    assert chosen.returncode == 0 and list((tmp_path / "chosen").glob("*/report.html"))


def test_corrupted_session_file_says_how_to_recover(run_drill, tmp_path):
    run_drill("start", "dropout", "--dir", "ws")
    (tmp_path / "ws" / ".drill" / "session.json").write_text("{not json")
    result = run_drill("status", cwd=tmp_path / "ws")
    assert result.returncode == 1
    assert "cannot be read" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr
