"""Bug-hunt variants: picked at start, kept in the session, named in the report with each
planted bug fixed or missed; reset hands back the same variant's script."""

import json

from grader import catalog
from grader.grading import grade
from grader.workspace import create, load_session


def _bundle_json(workspace):
    return json.loads(sorted((workspace / ".drill" / "reports").glob("*/report.json"))[-1].read_text())


def test_start_picks_a_variant_and_grading_lists_its_bugs(tmp_path, run_drill):
    started = run_drill("start", "eval-mode-bug-hunt", "--dir", tmp_path / "ws", "--variant", "b")
    assert started.returncode == 0 and "variant b" in started.stdout
    drill = catalog.load_drill("eval-mode-bug-hunt")
    handed = (tmp_path / "ws" / "train.py").read_text()
    assert handed == drill.handout_file("train.py", "b").read_text()
    graded = run_drill("grade", "--no-plots", cwd=tmp_path / "ws")
    assert graded.returncode == 1 and "missed" in graded.stdout
    data = _bundle_json(tmp_path / "ws")
    assert data["drill"]["variant"] == "b"
    assert [b["id"] for b in data["bugs"]] == [b.id for b in drill.variant("b").bugs]
    assert not any(b["found"] for b in data["bugs"])
    assert "variant b: 0 of 3 planted bugs fixed" in data["message"]


def test_an_unknown_variant_is_a_usage_error(tmp_path, run_drill):
    result = run_drill("start", "eval-mode-bug-hunt", "--dir", tmp_path / "ws", "--variant", "z")
    assert result.returncode == 2 and "Variants: a, b, c" in result.stderr
    other = run_drill("start", "dropout", "--dir", tmp_path / "ws2", "--variant", "a")
    assert other.returncode == 2 and "has no variants" in other.stderr


def test_random_variants_cover_all_and_reset_keeps_the_variant(tmp_path, run_drill):
    drill = catalog.load_drill("eval-mode-bug-hunt")
    seen = {load_session(create(drill, tmp_path / f"w{i}")).variant for i in range(40)}
    assert seen == {"a", "b", "c"}  # 40 draws miss one of three with probability < 1e-6
    root = create(drill, tmp_path / "fixed", variant="c")
    (root / "train.py").write_text("# my attempt\n")
    assert run_drill("reset", cwd=root).returncode == 0
    assert (root / "train.py").read_text() == drill.handout_file("train.py", "c").read_text()


def test_fixing_one_bug_is_partial_credit(tmp_path):
    drill = catalog.load_drill("eval-mode-bug-hunt")
    root = create(drill, tmp_path / "ws", variant="a")
    script = root / "train.py"
    # fix only the MC-dropout bug of variant a
    text = script.read_text().replace('''    model.eval()
    with torch.no_grad():
        probs = torch.stack''', '''    was_training = model.training
    model.eval()
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.train()
    with torch.no_grad():
        probs = torch.stack''').replace('''    return probs.mean(dim=0), probs.std(dim=0)''', '''    model.train(was_training)
    return probs.mean(dim=0), probs.std(dim=0)''')
    script.write_text(text)
    report = grade(drill, script, load_session(root), plots=False)
    found = {b["id"]: b["found"] for b in report.bugs}
    assert found == {"evaluate-train-mode": False, "predict-leaves-eval": False, "mc-no-dropout": True}


def test_a_fixed_bug_counts_whatever_the_other_functions_do(tmp_path):
    """Variant a, only predict() fixed: its bug is fixed although evaluate() and MC dropout
    (whose bugs stay) would spoil a check that ran them all before training."""
    drill = catalog.load_drill("eval-mode-bug-hunt")
    root = create(drill, tmp_path / "ws", variant="a")
    script = root / "train.py"
    text = script.read_text()
    broken = '''    model.eval()
    with torch.no_grad():
        return model(inputs).argmax(dim=1)'''
    assert broken in text
    script.write_text(text.replace(broken, '''    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(inputs).argmax(dim=1)
    finally:
        model.train(was_training)'''))
    report = grade(drill, script, load_session(root), plots=False)
    found = {b["id"]: b["found"] for b in report.bugs}
    assert found == {"evaluate-train-mode": False, "predict-leaves-eval": True, "mc-no-dropout": False}


def test_loose_files_and_batches_know_their_variant(tmp_path, run_drill):
    drill = catalog.load_drill("eval-mode-bug-hunt")
    subs = tmp_path / "subs"
    root = create(drill, subs / "ws-b", variant="b")  # a submitted workspace: its session says b
    (subs / "loose.py").write_text((root / "train.py").read_text())
    before = sorted(p.relative_to(subs) for p in subs.rglob("*"))
    elsewhere = tmp_path / "mentor"
    elsewhere.mkdir()

    one = run_drill("grade", subs / "loose.py", "--drill", drill.id, "--variant", "c",
                    "--no-plots", "--json", "one.json", cwd=elsewhere)
    assert one.returncode == 1, one.stdout + one.stderr
    data = json.loads((elsewhere / "one.json").read_text())
    assert data["drill"]["variant"] == "c"
    assert [b["id"] for b in data["bugs"]] == [b.id for b in drill.variant("c").bugs]
    assert list((elsewhere / "drill-reports").glob("*/report.json"))
    assert sorted(p.relative_to(subs) for p in subs.rglob("*")) == before  # nothing written there

    unknown = run_drill("grade", subs / "loose.py", "--drill", drill.id, "--variant", "z", cwd=elsewhere)
    assert unknown.returncode == 2 and "no variant 'z'" in unknown.stderr

    batch = run_drill("grade-batch", subs, "--drill", drill.id, "--variant", "a",
                      "--out", tmp_path / "batch", cwd=elsewhere)
    assert batch.returncode == 0, batch.stdout + batch.stderr
    variants = {}
    for path in (tmp_path / "batch").glob("*/*/report.json"):
        report = json.loads(path.read_text())
        variants[path.parent.parent.name] = (report["drill"]["variant"], [b["id"] for b in report["bugs"]])
    assert variants == {"loose": ("a", [b.id for b in drill.variant("a").bugs]),
                        "ws-b": ("b", [b.id for b in drill.variant("b").bugs])}


def test_a_planted_bug_is_judged_by_its_own_symptoms(tmp_path):
    """Variant b with every planted bug fixed but MC dropout reporting the variance: the
    batch-norm bug of MC dropout is fixed (its flags stay down) although the check that
    exercises that code fails, and the note says why."""
    drill = catalog.load_drill("eval-mode-bug-hunt")
    root = create(drill, tmp_path / "ws", variant="b")
    text = (drill.root / "solutions" / "reference.py").read_text()
    assert "probs.std(dim=0)" in text
    (root / "train.py").write_text(text.replace("probs.std(dim=0)", "probs.var(dim=0)"))
    report = grade(drill, root / "train.py", load_session(root), plots=False)
    bugs = {b["id"]: b for b in report.bugs}
    assert all(b["found"] for b in bugs.values()), bugs
    assert not any(c.passed for c in report.checks if c.id == "mc-dropout")
    assert "the planted bug is gone, but mc-dropout still fails" in bugs["mc-batchnorm-train"]["note"]
    assert not report.red_flags
