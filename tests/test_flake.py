"""Statistical graders never flake: each holds for correct solutions under 200 seeds.

The graders take their seed from the harness's `seed` parameter; grading uses one seed,
these tests use 200. The solutions draw their masks differently (uniform >= p, bernoulli,
uniform_ + where), so together they stand for any correct implementation.

The candidate normally runs in a process of its own; these proofs run it in the
graders' process (`apart=False`): the draws are the same (the RNG state travels
with every call), and 200 seeds without a round trip per training step take a fraction
of the time. The golden cases and the dev check grade it apart.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from grader.sandbox import Limits, run_graders

SEEDS = list(range(200))
STATISTICAL = ["drop-fraction", "expectation", "independence"]


def _assert_all_passed(run, expected_cases):
    assert run.status == "ok", run.message
    failures = [(r["nodeid"], r["message"]) for r in run.results.values()
                if r["outcome"] != "passed" or r.get("red_flags")]
    assert not failures, failures[:5]
    assert len(run.results) == expected_cases


def _in_parallel(jobs):
    """Each grading child runs on one thread: two at once use both cores."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda job: job(), jobs))


@pytest.mark.slow
def test_statistical_checks_hold_for_200_seeds(dropout):
    limits = replace(Limits.for_drill(dropout), total_seconds=1200)
    runs = _in_parallel([
        lambda solution=solution: run_graders(dropout, dropout.root / "solutions" / solution,
                                              limits, seeds=SEEDS, only_checks=STATISTICAL,
                                              apart=False)
        for solution in ("reference.py", "bernoulli.py")])
    for run in runs:
        # drop-fraction and expectation at 4 values of p, independence at 2
        _assert_all_passed(run, (4 + 4 + 2) * len(SEEDS))


@pytest.mark.slow
def test_overfit_benefit_holds_for_200_seeds(dropout):
    limits = replace(Limits.for_drill(dropout), total_seconds=1800, per_check={})
    halves = [SEEDS[:100], SEEDS[100:]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda seeds: run_graders(
            dropout, dropout.root / "solutions" / "reference.py", limits, seeds=seeds,
            only_checks=["overfit-benefit"], apart=False), halves))
    for run in runs:
        _assert_all_passed(run, 100)


@pytest.mark.slow
def test_inverted_scaling_statistics_hold_for_100_seeds():
    """The same proof for the second drill's statistical checks (100 seeds: at 6 sigma a
    correct layer fails a case with probability about 2e-9)."""
    from grader import catalog

    drill = catalog.load_drill("inverted-scaling")
    limits = replace(Limits.for_drill(drill), total_seconds=1200)
    runs = _in_parallel([
        lambda seeds=seeds: run_graders(
            drill, drill.root / "solutions" / "reference.py", limits, seeds=seeds,
            only_checks=["paper-train", "inverted-train", "expectation", "fresh-mask"],
            apart=False)
        for seeds in (SEEDS[:50], SEEDS[50:100])])
    for run in runs:
        # 3 values of p for each form's training check, 2 forms x 3 p for the expectation,
        # one lone-element draw rate per form
        _assert_all_passed(run, (3 + 3 + 6 + 2) * 50)


@pytest.mark.slow
def test_a_million_sample_simulation_of_the_variance_shift_holds_for_50_seeds():
    """bn-interaction allows a simulation of a million samples: its tolerance (1%, or six
    standard errors where that is wider) holds for the plainest one on 50 seeds."""
    from grader import catalog

    drill = catalog.load_drill("bn-interaction")
    limits = replace(Limits.for_drill(drill), total_seconds=1200)
    seeds = SEEDS[:50]
    run = run_graders(drill, drill.root / "solutions" / "simulated_million.py", limits,
                      seeds=seeds, only_checks=["variance-ratio"], apart=False)
    _assert_all_passed(run, 6 * len(seeds))
