"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: seeded Monte Carlo in torch for the ratio; a Sequential of Sequentials with a
BatchNorm1d in the head, the dropout placed after that BatchNorm1d.
"""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float, n: int = 4_000_000, seed: int = 0) -> float:
    """Monte Carlo: push Gaussian inputs through an inverted-dropout mask and compare
    the sample variance in training mode with the sample variance in eval mode."""
    g = torch.Generator().manual_seed(seed)
    x = mean + var ** 0.5 * torch.randn(n, generator=g, dtype=torch.float64)
    keep = 1.0 - p
    mask = (torch.rand(n, generator=g, dtype=torch.float64) < keep).to(torch.float64)
    y_train = x * mask / keep
    y_eval = x
    return float(y_train.var() / y_eval.var())


def build_model(num_classes: int = 10) -> nn.Module:
    features = nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU()),
        nn.MaxPool2d(2),                                            # 8x8
        nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU()),
        nn.MaxPool2d(2),                                            # 4x4
    )
    classifier = nn.Sequential(
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 128),
        nn.BatchNorm1d(128),
        nn.ReLU(),
        nn.Dropout(0.4),          # after the last BN: only the final Linear sees it
        nn.Linear(128, num_classes),
    )
    return nn.Sequential(features, classifier)
