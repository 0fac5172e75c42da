"""Speed of the commands a candidate waits for, as ratios measured in one run.

    python benchmarks/bench_cli.py [--repeats N]

Prints: `drill grade` on the reference solution against a bare `python -c "import torch"`
(goal: within 2.5x), `drill grade` of an L6 answer to why-dropout (the answer model loads
in its own process) against the same (goal: within 2x), and `drill --help` / `drill list` against `python -c "import click,
rich"` (goal: within 2x). Medians of N runs, all measured now on this machine, so the
ratios hold whatever the machine's speed or load. Not a test: nothing here can fail CI.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "drills" / "dropout" / "solutions" / "reference.py"
WHY_ANSWER = sorted((ROOT / "drills" / "why-dropout" / "solutions").glob("*.md"))[0]


def median_seconds(args: list[str], repeats: int, cwd: Path) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    drill = [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(REFERENCE, work / "dropout.py")
        shutil.copy(WHY_ANSWER, work / "answers.md")
        rows = [
            ("drill grade (why-dropout)", drill + ["grade", "answers.md", "--drill",
                                                   "why-dropout"],
             "import torch", [sys.executable, "-c", "import torch"], 2.0),
            ("drill grade (reference)", drill + ["grade", "dropout.py", "--drill", "dropout"],
             "import torch", [sys.executable, "-c", "import torch"], 2.5),
            ("drill grade --no-plots", drill + ["grade", "dropout.py", "--drill", "dropout",
                                                "--no-plots"],
             "import torch", [sys.executable, "-c", "import torch"], 2.5),
            ("drill --help", drill + ["--help"], "import click, rich",
             [sys.executable, "-c", "import click, rich"], 2.0),
            ("drill list", drill + ["list"], "import click, rich",
             [sys.executable, "-c", "import click, rich"], 2.0),
        ]
        print(f"{'command':26} {'seconds':>8}   {'baseline':20} {'seconds':>8}  {'ratio':>6}  goal")
        for name, command, base_name, base, goal in rows:
            base_s = median_seconds(base, repeats, work)
            cmd_s = median_seconds(command, repeats, work)
            ratio = cmd_s / base_s
            verdict = "ok" if ratio <= goal else "over"
            print(f"{name:26} {cmd_s:8.3f}   {base_name:20} {base_s:8.3f}  {ratio:6.2f}  "
                  f"<= {goal}x {verdict}")


if __name__ == "__main__":
    main()
