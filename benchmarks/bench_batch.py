"""Batch grading against one-by-one grading, on the same 20 submissions, in one run.

    python benchmarks/bench_batch.py [--jobs N]

Prints submissions per second for `drill grade-batch` and for 20 separate `drill grade`
commands, and the ratio. The submissions are the dropout drill's solutions and mutants,
cycled to 20.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRILL = ROOT / "drills" / "dropout"
COUNT = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    sources = sorted(DRILL.glob("solutions/*.py")) + sorted(
        p for p in DRILL.glob("mutants/*.py") if p.name != "python_loop.py")  # slow by design
    drill = [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for index in range(COUNT):
            shutil.copy(sources[index % len(sources)], folder / f"s{index:02d}.py")

        start = time.perf_counter()
        for path in sorted(folder.glob("*.py")):
            subprocess.run(drill + ["grade", str(path), "--drill", "dropout"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
        one_by_one = time.perf_counter() - start

        start = time.perf_counter()
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        subprocess.run(drill + ["grade-batch", str(folder), "--drill", "dropout",
                                "--out", str(Path(tmp) / "batch"), *jobs],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp, check=True)
        batch = time.perf_counter() - start

    print(f"{COUNT} submissions")
    print(f"one by one (drill grade):  {one_by_one:7.2f} s  {COUNT / one_by_one:6.2f} submissions/s")
    print(f"batch (drill grade-batch): {batch:7.2f} s  {COUNT / batch:6.2f} submissions/s")
    print(f"batch is {one_by_one / batch:.2f}x faster")


if __name__ == "__main__":
    main()
