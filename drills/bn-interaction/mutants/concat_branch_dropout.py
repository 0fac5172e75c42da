# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# mistake: Inception-style block concatenates a clean branch with a Dropout2d branch; the concat feeds a 1x1 conv and a BatchNorm2d
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


class Mixed(nn.Module):
    def __init__(self, cin: int):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(cin, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(cin, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
                               nn.ReLU(), nn.Dropout2d(0.3))
        self.proj = nn.Conv2d(32, 64, 1, bias=False)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        return F.relu(self.bn(self.proj(torch.cat([self.a(x), self.b(x)], dim=1))))


class Net(nn.Module):
    def __init__(self, num_classes: int):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.mixed = Mixed(32)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.mixed(self.stem(x))
        return self.fc(x.mean((2, 3)))


def build_model(num_classes: int = 10) -> nn.Module:
    return Net(num_classes)
