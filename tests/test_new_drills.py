"""Every code drill survives bad input with a clear report, and the catalogue validates
the newer manifest parts (variants, per-drill levels) with key and line."""

import re
import shutil
from pathlib import Path

import pytest

from grader import catalog
from grader.errors import ManifestError
from grader.grading import grade

ROOT = Path(__file__).resolve().parent.parent
CODE_DRILLS = ["dropout", "inverted-scaling", "eval-mode-bug-hunt", "bn-interaction"]


@pytest.mark.parametrize("drill_id", CODE_DRILLS)
@pytest.mark.parametrize("case,source,fragment", [
    ("syntax", "def broken(:\n    pass\n", "syntax"),
    ("empty", "", "empty"),
    ("missing", "import torch\n", "missing"),
])
def test_bad_input_gets_a_report_not_a_traceback(tmp_path, drill_id, case, source, fragment):
    drill = catalog.load_drill(drill_id)
    candidate = tmp_path / drill.candidate_file
    candidate.write_text(source)
    report = grade(drill, candidate, plots=False)
    assert report.status == "error" and report.score == 0 and report.level == "below-L4"
    assert fragment in (report.message + " " + str(report.problem.get("kind", ""))).lower(), report.message
    assert candidate.read_text() == source  # never modified
    if case == "missing":
        assert all(name in report.message for name in drill.entrypoints), report.message


def test_every_drill_is_listed(run_drill):
    out = run_drill("list")
    assert out.returncode == 0
    for drill_id in CODE_DRILLS + ["why-dropout"]:
        assert drill_id in out.stdout


def _copy(tmp_path, drill_id):
    root = tmp_path / "drills"
    shutil.copytree(ROOT / "drills" / drill_id, root / drill_id,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root / drill_id / "drill.yaml"


@pytest.mark.parametrize("drill_id,old,new,fragments", [
    ("eval-mode-bug-hunt", "        checks: [mc-dropout]\n        symptoms: [mc-dropout-wrong-modes@mc-dropout]\n  - id: b",
     "        checks: [mc-dropuot]\n        symptoms: [mc-dropout-wrong-modes@mc-dropout]\n  - id: b",
     ["variants[0].bugs[2].checks[0]", "unknown check 'mc-dropuot'"]),
    ("eval-mode-bug-hunt", "  - id: c\n    title: The refactor\n    bugs:", "  - id: c\n    title: The refactor\n    bugs: []\n    x:",
     ["variants[2]"]),
    ("eval-mode-bug-hunt", "        symptoms: [grad-in-eval@evaluate-no-graph]", "        symptoms: [grad-in-eval@predict]",
     ["variants[1].bugs[0].symptoms[0]", "red-flag@check"]),
    ("bn-interaction", "  - id: L5\n    shows:", "  - id: L7\n    shows:", ["levels[1].id", "in order"]),
    ("bn-interaction", "      - of: [layernorm-fine]", "      - of: [layernorm-fine]\n        at_least: 3",
     ["levels[2].needs[1].at_least"]),
])
def test_variants_and_levels_are_validated(tmp_path, drill_id, old, new, fragments):
    path = _copy(tmp_path, drill_id)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ManifestError) as caught:
        catalog.load_manifest(path)
    message = str(caught.value)
    assert re.search(r"line \d+", message), message
    for fragment in fragments:
        assert fragment in message, message


def test_a_variant_missing_its_script_is_reported(tmp_path):
    path = _copy(tmp_path, "eval-mode-bug-hunt")
    (path.parent / "handout" / "variants" / "b" / "train.py").unlink()
    with pytest.raises(ManifestError, match="nor in every variants"):
        catalog.load_manifest(path)
