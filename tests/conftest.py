import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import catalog

ROOT = Path(__file__).resolve().parent.parent
DROPOUT = ROOT / "drills" / "dropout"


@pytest.fixture(scope="session")
def dropout():
    return catalog.load_drill("dropout")


@pytest.fixture
def run_drill(tmp_path):
    """Run the `drill` CLI in a subprocess, as a user would."""
    def run(*args, cwd=None, env=None, timeout=600):
        full_env = dict(os.environ, **(env or {}))
        full_env.setdefault("COLUMNS", "120")
        return subprocess.run([sys.executable, "-m", "grader", *map(str, args)],
                              cwd=cwd or tmp_path, env=full_env, capture_output=True,
                              text=True, timeout=timeout)
    return run
