"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: ratio through E[m^2]; a residual network with stochastic depth (DropPath,
per-sample) on the residual branch of the LAST block only. Nothing after that block
has a batch norm (global pool and a linear layer), so every BN sees the same statistics
in training and at inference.
"""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    keep = 1.0 - p
    e_s2 = keep / keep ** 2          # E[(m/keep)^2] with m ~ Bernoulli(keep)
    second = (var + mean ** 2) * e_s2
    return (second - mean ** 2) / var


class DropPath(nn.Module):
    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep


class Block(nn.Module):
    def __init__(self, c: int, drop_path: float = 0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.drop_path = DropPath(drop_path)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(x + self.drop_path(out))


class ResNet(nn.Module):
    def __init__(self, num_classes: int, c: int = 32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(c), nn.ReLU())
        # stochastic depth only where nothing downstream normalises with running stats
        self.blocks = nn.Sequential(Block(c, 0.0), Block(c, 0.0), Block(c, 0.2))
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def build_model(num_classes: int = 10) -> nn.Module:
    return ResNet(num_classes)
