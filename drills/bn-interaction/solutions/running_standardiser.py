"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: closed form; the network starts with a deterministic input standardiser (an
observation normaliser as in RL code: per-channel running mean/variance buffers updated
in training mode, frozen in eval), then conv-BN stages, then Dropout in the head. The
standardiser is stateful but not random; no dropout reaches any batch norm.
"""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


class RunningStandardiser(nn.Module):
    def __init__(self, c: int, momentum: float = 0.01, eps: float = 1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.register_buffer("mean", torch.zeros(1, c, 1, 1))
        self.register_buffer("var", torch.ones(1, c, 1, 1))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.mean.lerp_(x.mean((0, 2, 3), keepdim=True), self.momentum)
                self.var.lerp_(x.var((0, 2, 3), keepdim=True), self.momentum)
        return (x - self.mean) / (self.var + self.eps).sqrt()


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        RunningStandardiser(3),
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(64, num_classes),
    )
