"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: law of total variance for the ratio; a small ResNet (projection shortcuts with
their own BN), dropout only in the head after the final residual block.
"""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    """Condition on the mask m ~ Bernoulli(1-p), y = m x / (1-p):
        E[Var(y | m)] = (1-p) * var / (1-p)^2            = var / (1-p)
        Var(E[y | m]) = mean^2 * Var(m) / (1-p)^2        = mean^2 * p / (1-p)
    In eval mode y = x and Var = var."""
    q = 1.0 - p
    within = var / q
    between = mean ** 2 * p / q
    return (within + between) / var


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                nn.BatchNorm2d(c_out),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class TinyResNet(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.layer1 = BasicBlock(16, 16)
        self.layer2 = BasicBlock(16, 32, stride=2)
        self.layer3 = BasicBlock(32, 64, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        x = self.pool(x).flatten(1)
        return self.fc(self.dropout(x))


def build_model(num_classes: int = 10) -> nn.Module:
    return TinyResNet(num_classes)
