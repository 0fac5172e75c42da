# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# mistake: stochastic depth (DropPath) on the residual branch of every block, including the first, so the sum feeds the next block's BNs
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


class DropPath(nn.Module):
    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0], 1, 1, 1)).bernoulli_(keep)
        return x * mask / keep


class Block(nn.Module):
    def __init__(self, c: int, dp: float):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.drop_path = DropPath(dp)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(x + self.drop_path(out))


class Net(nn.Module):
    def __init__(self, num_classes: int, c: int = 32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        # linearly increasing drop-path rate, as in the stochastic-depth paper
        self.blocks = nn.Sequential(Block(c, 0.1), Block(c, 0.2), Block(c, 0.3))
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


def build_model(num_classes: int = 10) -> nn.Module:
    return Net(num_classes)
