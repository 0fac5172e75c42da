"""Manifests and the rubric are validated on load, with errors naming file, key and line."""

import re
import shutil
from pathlib import Path

import pytest

from grader import catalog
from grader.errors import ManifestError, UsageError
from grader.rubric import default_rubric, load_rubric

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def drill_copy(tmp_path):
    root = tmp_path / "drills"
    shutil.copytree(ROOT / "drills" / "dropout", root / "dropout",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _edit(root, old, new):
    manifest = root / "dropout" / "drill.yaml"
    text = manifest.read_text()
    assert old in text
    manifest.write_text(text.replace(old, new, 1))
    return manifest


def test_dropout_manifest_loads(dropout):
    assert dropout.id == "dropout"
    assert [p.name for p in dropout.plan] == ["read", "explain", "implement", "sanity-check"]
    assert [p.minutes for p in dropout.plan] == [12, 5, 16, 5]
    assert dropout.candidate_file == "dropout.py" and dropout.stub.is_file()
    assert dropout.max_score == sum(c.points for c in dropout.checks)
    assert dropout.hints and len(dropout.mutants) >= 10 and dropout.solutions


@pytest.mark.parametrize("old, new, fragments", [
    ("checks:\n", "checks: [oops\n", ["not valid YAML", "line"]),
    ("    points: 3\n    red_flags: [active-in-eval", "    points: three\n    red_flags: [active-in-eval",
     ["checks[0].points", "expected an integer", "@points: three"]),
    ("candidate_file: dropout.py\n", "", ["missing required key 'candidate_file'"]),
    ("difficulty: warm-up\n", "difficulty: warm-up\ncolour: blue\n", ["unknown key 'colour'", "@colour: blue"]),
    ("  - phase: read\n    minutes: 12", "  - phase: read\n    minutes: -1", ["plan[0].minutes"]),
    ("id: dropout\n", "id: dropouts\n", ["does not match its folder name"]),
    ("  - id: p-zero-identity", "  - id: eval-identity", ["duplicate check id"]),
])
def test_broken_manifest_names_file_key_and_line(drill_copy, old, new, fragments):
    manifest = _edit(drill_copy, old, new)
    with pytest.raises(ManifestError) as caught:
        catalog.load_drill("dropout", drill_copy)
    message = str(caught.value)
    assert str(manifest) in message
    lines = manifest.read_text().splitlines()
    for fragment in fragments:
        if fragment.startswith("@"):  # "@text": the error names the line holding text
            number = next(i for i, line in enumerate(lines, 1) if fragment[1:] in line)
            fragment = f"line {number}:"
        assert fragment in message, message


def test_list_reports_a_broken_drill_instead_of_hiding_it(drill_copy):
    _edit(drill_copy, "checks:\n", "checks: [oops\n")
    entries = catalog.load_all(drill_copy)
    assert len(entries) == 1 and isinstance(entries[0], ManifestError)


def test_unknown_drill_lists_valid_ids():
    with pytest.raises(UsageError) as caught:
        catalog.load_drill("attention")
    assert "Valid drill ids: " in str(caught.value) and "dropout" in str(caught.value)


def test_rubric_defines_every_red_flag_the_issue_names():
    rubric = default_rubric()
    for flag in ("test-time-scaling", "no-rescale", "keep-drop-confusion", "active-in-eval",
                 "fixed-mask", "inplace-mutation", "library-call", "python-loop",
                 "dtype-changed"):
        spec = rubric.red_flags[flag]
        assert spec.title and spec.why and spec.instead


def test_every_red_flag_a_drill_can_raise_is_in_the_rubric():
    rubric = default_rubric()
    for drill_id in catalog.drill_ids():
        for check in catalog.load_drill(drill_id).checks:
            assert set(check.red_flags) <= set(rubric.red_flags), (drill_id, check.id)


def test_broken_rubric_names_key_and_line(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text("version: 1\nred_flags:\n  - id: a-flag\n    title: A\n    why: W\n")
    with pytest.raises(ManifestError) as caught:
        load_rubric(path)
    assert "red_flags[0]" in str(caught.value) and "instead" in str(caught.value)
    assert "line 3" in str(caught.value)


def test_malformed_manifest_through_the_cli_is_a_message_not_a_traceback(drill_copy, run_drill, tmp_path):
    _edit(drill_copy, "checks:\n", "checks: [oops\n")
    env = {"DRILL_DRILLS_DIR": str(drill_copy)}
    result = run_drill("start", "dropout", env=env)
    assert result.returncode == 1
    assert "drill.yaml" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    listing = run_drill("list", env=env)
    assert listing.returncode == 0 and "broken" in listing.stdout


def test_rubric_weighs_hints_as_level_caps(tmp_path):
    rubric = default_rubric()
    assert rubric.hint_level_cap(0) is None
    assert rubric.hint_level_cap(3) == "L5" and rubric.hint_level_cap(4) == "L4"
    path = tmp_path / "rubric.yaml"
    path.write_text("red_flags: []\nhints:\n  caps:\n    - after: 2\n      level: L9\n")
    with pytest.raises(ManifestError, match="line 5: hints.caps\\[0\\].level"):
        load_rubric(path)


RUBRIC_BREAKAGES = [
    # (what to replace in rubric.yaml, with what, what the error must say)
    ("        of: [mechanism, overfitting, co-adaptation, ensemble, bayesian-mc]\n"
     "        alone: [co-adaptation, ensemble, bayesian-mc]",
     "        of: [mechanism, telepathy]", ["levels[0].needs[0].of[1]", "unknown concept 'telepathy'"]),
    ('      - "co adapt* | coadapt*"', '      - "co adapt* | | x"', ["concepts[2].phrasings[0]", "empty alternative"]),
    ("    lowers: 2", "    lowers: 9", ["tells[0].lowers", "between 0 and 3"]),
    ("    detect: keyword-list", "    detect: vibes", ["tells[7].detect", "must be one of"]),
    ("    no_tells: [adds-capacity]", "    no_tells: [adds-charisma]",
     ["self_assessment[4].no_tells[0]", "unknown id 'adds-charisma'"]),
    ("  - level: L5\n    min_percent: 85", "  - level: L5\n    min_percent: 185",
     ["code_levels[1].min_percent", "at most 100"]),
    ("  - id: L5\n", "  - id: L7\n", ["levels[1].id", "in order"]),
    ("    caps: L5\n", "    caps: L9\n", ["caps", "must be one of"]),
]


@pytest.mark.parametrize("old,new,fragments", RUBRIC_BREAKAGES, ids=[b[2][0] for b in RUBRIC_BREAKAGES])
def test_every_part_of_the_rubric_is_validated_with_key_and_line(tmp_path, old, new, fragments):
    text = (ROOT / "rubric.yaml").read_text()
    assert old in text, old
    path = tmp_path / "rubric.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ManifestError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert re.search(r"line \d+", message), message
    for fragment in fragments:
        assert fragment in message, message


def test_malformed_rubric_through_the_cli_is_a_message(tmp_path, run_drill):
    broken = tmp_path / "rubric.yaml"
    broken.write_text("levels: [oops\n")
    result = run_drill("rubric", env={"DRILL_RUBRIC": str(broken)})
    assert result.returncode == 1 and "rubric.yaml" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
