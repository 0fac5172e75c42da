# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# expect-says: dropout '1' (MyDropout) feeds batch norms '2' and '5'
"""A hand-written inverted dropout (not a torch class) placed right before batch norm."""

import torch
from torch import nn


def variance_ratio(p, mean, var):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if var <= 0:
        raise ValueError("var must be positive")
    # y = x m / (1-p), m ~ Bernoulli(1-p): E[y] = mean, E[y^2] = (var + mean^2) / (1-p)
    train_var = (var + mean ** 2) / (1.0 - p) - mean ** 2
    return train_var / var
class MyDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p) / (1 - self.p)


def build_model(num_classes=10, p=0.5):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), MyDropout(p), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes),
    )
