"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution: closed form in numpy float64; batch norms in several configurations that are
all still right at inference: affine=False, momentum=None (cumulative running average),
a track_running_stats=False BN (always uses the batch's own statistics), and a plain
BN. Dropout2d only after the last of them.
"""

import numpy as np
import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    a = np.array([p, mean, var], dtype=np.float64)
    p_, m_, v_ = a
    return float(np.divide(v_ + p_ * m_ * m_, (1.0 - p_) * v_))


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.BatchNorm2d(32, affine=False),
        nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1, bias=False),
        nn.BatchNorm2d(32, momentum=None),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False),
        nn.BatchNorm2d(64, track_running_stats=False),
        nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.Dropout2d(0.2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, num_classes),
    )
