# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# mistake: deep VGG (six conv-BN stages) with Dropout2d before the last conv-BN only; one badly fed BN among many clean ones
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


def stage(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        *stage(3, 32), *stage(32, 32), nn.MaxPool2d(2),
        *stage(32, 64), *stage(64, 64), nn.MaxPool2d(2),
        *stage(64, 64),
        nn.Dropout2d(0.3),                  # meant for the classifier, one stage too early
        *stage(64, 64),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, num_classes),
    )
