"""The simplest honest simulation, at the brief's minimum: one million float32 samples
from torch's global generator, the same draws for both variances. Its statistical
tolerance is proven on 50 seeds (tests/test_flake.py)."""

import torch
from torch import nn


def variance_ratio(p, mean, var, n=1_000_000):
    x = torch.randn(n) * var ** 0.5 + mean
    y = x * (torch.rand(n) >= p) / (1 - p)
    return (y.var() / x.var()).item()


def build_model(num_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(32, num_classes),
    )
