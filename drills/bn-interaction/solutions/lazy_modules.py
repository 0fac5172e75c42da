"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: exact ratio with fractions.Fraction (rational arithmetic, converted to float at
the end); a CNN built from lazy modules (LazyConv2d / LazyBatchNorm2d / LazyLinear) that
infer their input sizes on the first forward. Dropout only after the last batch norm.
"""

from fractions import Fraction

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    """y = x m / (1-p), m ~ Bernoulli(1-p): Var[y] = (var + p mean^2) / (1-p); eval: var."""
    p, mean, var = Fraction(p), Fraction(mean), Fraction(var)
    keep = 1 - p
    train_var = (var + mean * mean) / keep - mean * mean
    return float(train_var / var)


def build_model(num_classes: int = 10) -> nn.Module:
    # Lazy modules: channel counts are inferred the first time the model sees data.
    # LazyBatchNorm2d becomes an nn.BatchNorm2d once initialised.
    return nn.Sequential(
        nn.LazyConv2d(24, 3, padding=1, bias=False),
        nn.LazyBatchNorm2d(),
        nn.ReLU(),
        nn.LazyConv2d(48, 3, padding=1, stride=2, bias=False),
        nn.LazyBatchNorm2d(),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.4),
        nn.LazyLinear(num_classes),
    )
