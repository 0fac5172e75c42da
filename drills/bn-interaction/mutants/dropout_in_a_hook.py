# expect-red-flags: dropout-before-bn
# expect-failed-checks: placement, bn-mismatch
# expect-says: which zeroes units at random in training mode
# mistake: dropout attached as a forward hook on the second conv, so it rewrites that conv's output before the BatchNorm2d that follows it
"""Dropout and batch norm: measure the shift, and place dropout where it does no harm."""

import torch
import torch.nn.functional as F
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


def build_model(num_classes: int = 10) -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, num_classes),
    )
    conv2 = model[3]
    conv2.register_forward_hook(lambda mod, inp, out: F.dropout(out, 0.3, training=mod.training))
    return model
