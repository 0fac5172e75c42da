"""Shared fixtures for the eval-mode graders (inside the grading child only)."""

import sys
from pathlib import Path

import pytest
import torch

# The graders import with --import-mode=importlib: make support.py importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _fresh_rng():
    torch.manual_seed(31)


@pytest.fixture
def trained(candidate):
    """The candidate's model after a few of the candidate's own training steps, left in
    training mode, with batch-norm statistics that are no longer the defaults."""
    from support import data

    model = candidate.build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    inputs, targets = data(256)
    for start in range(0, 256, 64):
        candidate.train_step(model, optimizer, inputs[start:start + 64], targets[start:start + 64])
    model.train()
    return model
