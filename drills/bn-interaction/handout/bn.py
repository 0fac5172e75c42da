"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

`python check_bn.py` runs quick sanity checks; `drill grade` runs the real ones and
also reads your answer in answers.md.
"""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    """Var(output in training mode) / Var(output in eval mode) of an inverted dropout
    layer with drop probability p, for an input with the given mean and variance (var > 0).

    Work it out exactly, or estimate it with at least a million samples: the graders
    compare it with the exact value to within 1% (or six standard errors of a
    million-sample simulation, where that is wider: about 2% at p=0.8).
    """
    raise NotImplementedError("variance_ratio")


def build_model(num_classes: int = 10) -> nn.Module:
    """A small CNN for (N, 3, 16, 16) images returning (N, num_classes) logits, with at
    least one nn.BatchNorm2d and at least one dropout (p > 0), the dropout placed so that
    batch norm's running statistics still fit the network at inference.

    Any dropout counts: nn.Dropout, nn.Dropout2d, F.dropout in a forward, or your own
    layer. The graders recognise it by what it does (zeroes units at random in training
    mode, nothing at inference) and follow where its output goes, through any layers in
    between, to every batch norm (a hand-written one keeping a running variance too)."""
    raise NotImplementedError("build_model")
