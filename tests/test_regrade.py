"""`drill regrade`: a bundle's verdict is checked by grading its snapshot again here, so
a report edited on the candidate's machine (scores, snapshot and sha256 all consistent
with each other) is caught."""

import hashlib
import json
import shutil
from pathlib import Path

DROPOUT = Path(__file__).parent.parent / "drills" / "dropout"


def test_regrade_verifies_a_genuine_bundle_and_catches_a_forged_one(tmp_path, run_drill):
    shutil.copy(DROPOUT / "mutants" / "never_drops.py", tmp_path / "dropout.py")
    graded = run_drill("grade", "dropout.py", "--drill", "dropout", "--no-plots",
                       "--out", tmp_path / "reports")
    assert graded.returncode == 1, graded.stderr
    genuine = next((tmp_path / "reports").iterdir())
    forged = tmp_path / "forged"
    shutil.copytree(genuine, forged)

    # the forger: full marks, an L6, no red flags, the snapshot's sha256 kept consistent
    data = json.loads((forged / "report.json").read_text())
    data.update(score=data["max_score"], level="L6", red_flags=[])
    snapshot = next(e for e in data["snapshot"] if e["name"] == "dropout.py")
    (forged / snapshot["path"]).write_bytes((DROPOUT / "mutants" / "never_drops.py").read_bytes())
    snapshot["sha256"] = hashlib.sha256((forged / snapshot["path"]).read_bytes()).hexdigest()
    (forged / "report.json").write_text(json.dumps(data))

    result = run_drill("regrade", genuine, forged)
    assert result.returncode == 1, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert f"verified {genuine}" in out.replace("\n", " "), out
    assert "differs" in out and "regraded 20/33" in out, out

    fresh = json.loads((forged / "report.json").read_text())["regrades"][-1]
    assert fresh["verified"] is False and fresh["score"] == 20
    assert "Not verified" in (forged / "report.html").read_text()
    assert json.loads((genuine / "report.json").read_text())["regrades"][-1]["verified"] is True
    assert "**Verified**" in (genuine / "report.md").read_text()
