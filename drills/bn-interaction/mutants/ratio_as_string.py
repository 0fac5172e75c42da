# expect-failed-checks: variance-ratio
# expect-says: variance_ratio should return a number, not str
# mistake: variance_ratio returns a formatted string f"{r:.4f}" (written for printing) instead of a float
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    r = (var + p * mean ** 2) / ((1.0 - p) * var)
    return f"{r:.4f}"


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(64, num_classes),
    )
