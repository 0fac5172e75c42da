"""A non-editable install carries the drills, rubric and templates: build the wheel,
install it in a fresh venv, and run a whole session from an unrelated folder."""

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "drills" / "dropout" / "solutions" / "reference.py"


def _run(args, **kwargs):
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_wheel_installs_and_grades_from_anywhere(tmp_path):
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)])
    wheel = next(dist.glob("drill-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("grader/_bundled/rubric.yaml", "grader/_bundled/templates/report.html.j2",
                     "grader/_bundled/drills/dropout/drill.yaml",
                     "grader/_bundled/drills/dropout/graders/test_statistics.py"):
        assert required in names, required
    assert not [n for n in names if "__pycache__" in n]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # torch first, pinned: a bare requirement would pull a multi-GB CUDA build
    _run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0"])
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)])

    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    drill = str(env_dir / "bin" / "drill")
    _run([drill, "start", "dropout"], cwd=elsewhere, env=env)
    workspace = elsewhere / "drill-dropout"
    (workspace / "dropout.py").write_text(REFERENCE.read_text())
    graded = _run([drill, "grade"], cwd=workspace, env=env)
    assert "33/33" in graded.stdout
    assert list((workspace / ".drill" / "reports").glob("*/report.html"))
