# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# mistake: dropout between two conv-BN stages that is active only when autograd is recording (self.training and torch.is_grad_enabled()), i.e. during every real training step
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


class TrainStepDropout(nn.Module):
    """Skips the mask on no_grad forward passes (e.g. metric logging in train mode)."""

    def __init__(self, p: float = 0.3):
        super().__init__()
        self.p = p

    def forward(self, x):
        active = self.training and torch.is_grad_enabled()
        return F.dropout(x, self.p, training=active)


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        TrainStepDropout(0.3),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, num_classes),
    )
