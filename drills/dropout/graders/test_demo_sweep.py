"""Unscored demo for the report: the paper's sweep of p, and the overfitting demo's loss
curves. Test error against the drop probability, with the candidate's own layer, traces
a U: too little dropout overfits, too much underfits. It runs in its own process beside
the checks, so the scored checks stay as fast as they were."""

import importlib.util
from pathlib import Path

from grader.harness.api import demo, record

SWEEP = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9)
CURVES = {0.0: "p=0", 0.5: "p=0.5"}  # the overfitting demo's loss curves, for its plot


def _benefit_module():
    # the demo reuses the overfitting task of the benefit check, by path (no package here)
    path = Path(__file__).with_name("test_benefit.py")
    spec = importlib.util.spec_from_file_location("_drill_benefit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@demo("p-sweep")
def test_sweep_of_p(candidate):
    benefit = _benefit_module()
    train, test, curves = [], [], {}
    for p in SWEEP:
        curve = curves.setdefault(CURVES[p], {}) if p in CURVES else None
        train_loss, test_loss = benefit.train_test_gap(candidate.Dropout, p, seed=0, curve=curve)
        train.append(train_loss)
        test.append(test_loss)
    record("p_sweep", {"p": list(SWEEP), "train": train, "test": test})
    record("overfit_curves", curves)
