# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# mistake: residual block applies dropout on the identity/skip path; the sum feeds the next block's batch norms
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / (var * (1 - p))


class ResBlock(nn.Module):
    def __init__(self, channels: int, p: float = 0.3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.skip_drop = nn.Dropout(p)     # "stochastic identity" regulariser

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.skip_drop(x))


class ResNet(nn.Module):
    def __init__(self, num_classes: int = 10, width: int = 32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        self.blocks = nn.Sequential(ResBlock(width), ResBlock(width))
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def build_model(num_classes: int = 10) -> nn.Module:
    return ResNet(num_classes)
