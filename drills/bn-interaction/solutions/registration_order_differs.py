"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: seeded numpy Monte Carlo; an nn.Module whose submodules are registered in a
different order from the one forward runs them in (dropout is declared first but runs
last, after every batch norm).
"""

import numpy as np
import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    rng = np.random.default_rng(2015)
    n = 3_000_000
    x = rng.normal(mean, np.sqrt(var), n)
    mask = rng.binomial(1, 1.0 - p, n)
    y = x * mask / (1.0 - p)
    return float(y.var() / x.var())


class Classifier(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        # regularisation first, as a habit: it is still applied last in forward
        self.dropout = nn.Dropout(p=0.5)
        self.head = nn.Linear(64, num_classes)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1, bias=False)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.act(self.bn1(self.conv1(x)))
        x = self.act(self.bn2(self.conv2(x)))
        x = x.mean(dim=(2, 3))
        return self.head(self.dropout(x))


def build_model(num_classes: int = 10) -> nn.Module:
    return Classifier(num_classes)
