"""Shared fixtures for the dropout graders (runs inside the grading child only)."""

import math
import time

import pytest
import torch

SIGMAS = 6.0  # statistical bounds: wide enough that a correct layer never fails


@pytest.fixture
def make(candidate):
    """Build the candidate's layer with drop probability p, in training or eval mode."""
    def build(p, train=True):
        layer = candidate.Dropout(p)
        layer.train(train)
        return layer
    return build


@pytest.fixture
def bound():
    """Half-width of a SIGMAS-sigma interval for a mean of n draws with variance var."""
    def half_width(var, n):
        return SIGMAS * math.sqrt(var / n)
    return half_width


@pytest.fixture
def forward_line(candidate):
    from grader.harness.api import method_line
    return method_line(candidate, "Dropout", "forward")


@pytest.fixture
def traced(candidate, forward_line):
    """traced(layer, x) -> (output, the candidate's line that produced it)."""
    from grader.harness.api import traced_call

    def call(layer, x):
        output, line = traced_call(candidate, layer, x)
        return output, line or forward_line
    return call


@pytest.fixture
def best_time():
    def measure(fn, repeats=5):
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best
    return measure


@pytest.fixture(autouse=True)
def _fresh_rng(seed_value):
    torch.manual_seed(seed_value)


@pytest.fixture
def seed_value(request):
    # Statistical graders are parametrised with `seed`; the rest share a fixed one.
    return request.getfixturevalue("seed") if "seed" in request.fixturenames else 12345
