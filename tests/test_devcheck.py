"""Every drill proves itself (`drill dev check`), and the dev check itself can fail."""

import shutil
from pathlib import Path

from grader import catalog
from grader.devcheck import check_drills, expectations, static_findings
from grader.rubric import default_rubric

ROOT = Path(__file__).resolve().parent.parent


def test_every_drill_passes_the_dev_check():
    findings = check_drills()
    for finding in findings:
        print(("ok  " if finding.ok else "FAIL"), finding.drill, finding.subject, finding.detail)
    assert findings and all(f.ok for f in findings), [f for f in findings if not f.ok]
    subjects = {f.subject for f in findings}
    assert "solutions/reference.py" in subjects and "stub dropout.py" in subjects
    assert "solutions/reference.md" in subjects and "stub answers.md" in subjects
    assert {"variant a train.py", "variant b train.py", "variant c train.py"} <= subjects
    assert {f.drill for f in findings} == set(catalog.drill_ids())


def test_every_check_and_red_flag_has_a_mutant():
    rubric = default_rubric()
    for drill_id in catalog.drill_ids():
        drill = catalog.load_drill(drill_id)
        assert not static_findings(drill, rubric)
        declared_flags = set().union(*(expectations(m).red_flags for m in drill.mutants))
        assert {f for c in drill.checks for f in c.red_flags} <= declared_flags


def test_dev_check_catches_a_mutant_that_slips_through_and_a_stub_that_scores(tmp_path, monkeypatch):
    root = tmp_path / "drills"
    shutil.copytree(ROOT / "drills" / "dropout", root / "dropout",
                    ignore=shutil.ignore_patterns("__pycache__"))
    drill = root / "dropout"
    for path in drill.joinpath("mutants").glob("*.py"):
        path.unlink()
    for path in drill.joinpath("solutions").glob("*.py"):
        if path.name != "reference.py":
            path.unlink()
    reference = drill.joinpath("solutions", "reference.py").read_text()
    # a "mutant" that is really correct, claiming a mistake it does not make
    drill.joinpath("mutants", "impostor.py").write_text(
        "# expect-red-flags: no-rescale\n# expect-failed-checks: survivor-scale\n" + reference)
    # a stub that is already a solution
    drill.joinpath("handout", "dropout.py").write_text(reference)
    monkeypatch.setenv("DRILL_DRILLS_DIR", str(root))

    findings = {f.subject: f for f in check_drills(["dropout"], jobs=2)}
    assert findings["solutions/reference.py"].ok
    impostor = findings["mutants/impostor.py"]
    assert not impostor.ok and "did not raise no-rescale" in impostor.detail
    assert "survivor-scale" in impostor.detail
    stub = findings["stub dropout.py"]
    assert not stub.ok and "the untouched stub scored" in stub.detail
    assert not findings["mutants/"].ok  # coverage: most checks now have no mutant


def test_dev_check_proves_an_explanation_drill_both_ways(tmp_path, monkeypatch):
    root = tmp_path / "drills"
    shutil.copytree(ROOT / "drills" / "why-dropout", root / "why-dropout")
    drill = root / "why-dropout"
    two_frames = drill / "mutants" / "two-frames.md"
    # claims a level it does not reach, and a reference that stops at "prevents overfitting"
    two_frames.write_text(two_frames.read_text().replace("expect-level: L5", "expect-level: L6"))
    drill.joinpath("solutions", "reference.md").write_text(
        drill.joinpath("mutants", "only-overfitting.md").read_text())
    for name in ("mechanism-only.md", "denies-ensemble.md", "adds-capacity.md"):  # every L4
        drill.joinpath("mutants", name).unlink()
    monkeypatch.setenv("DRILL_DRILLS_DIR", str(root))

    findings = {f.subject: f for f in check_drills(["why-dropout"], jobs=2)}
    assert "lands at L5, declares L6" in findings["mutants/two-frames.md"].detail
    reference = findings["solutions/reference.md"]
    assert not reference.ok and "reaches below-L4" in reference.detail
    assert "no mutant lands at L4" in findings["mutants/"].detail
    assert findings["stub answers.md"].ok
