# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# expect-says: dropout '1' (ReproducibleDropout) feeds batch norms '2' and '5'
# mistake: a dropout made "reproducible" by taking its mask from the input's own digits, so
# reseeding torch never changes it; it still sits right before batch norm
"""Dropout whose mask is a function of the input, placed before batch norm."""

import torch
from torch import nn


def variance_ratio(p, mean, var):
    second_moment = (var + mean * mean) / (1.0 - p)
    return (second_moment - mean * mean) / var


class ReproducibleDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        # the fractional part of a scaled activation is close to uniform on [0, 1)
        pseudo_uniform = torch.frac(x.detach().abs() * 7919.0)
        keep = (pseudo_uniform >= self.p).to(x.dtype)
        return x * keep / (1.0 - self.p)


def build_model(num_classes=10, p=0.5):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), ReproducibleDropout(p), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(32, num_classes),
    )
