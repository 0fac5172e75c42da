# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement
# mistake: SELU network with AlphaDropout between blocks, but batch norm was kept in the blocks, so AlphaDropout feeds the next conv-BN
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.SELU(),
        nn.AlphaDropout(0.2),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(64), nn.SELU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, num_classes),
    )
