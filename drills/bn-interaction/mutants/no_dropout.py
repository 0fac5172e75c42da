# expect-failed-checks: model-runs, placement
"""Batch norm alone: a fine network, but not the exercise."""

from torch import nn


def variance_ratio(p, mean, var):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if var <= 0:
        raise ValueError("var must be positive")
    # y = x m / (1-p), m ~ Bernoulli(1-p): E[y] = mean, E[y^2] = (var + mean^2) / (1-p)
    train_var = (var + mean ** 2) / (1.0 - p) - mean ** 2
    return train_var / var


def build_model(num_classes=10, p=0.5):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes),
    )
