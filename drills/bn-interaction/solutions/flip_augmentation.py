"""Dropout and batch norm: measure the shift, and place dropout where it does no harm.

Solution (edge case): closed form; the model carries its own training-time augmentation
as its first layer (random horizontal flip per sample, as kornia-style GPU augmentation
does), and a Dropout after the last batch norm. A flip permutes pixels within an image,
so it cannot change any channel's mean or variance: the batch norms see the same
statistics in training and at inference. The only dropout is in the head.
"""

import torch
from torch import nn


def variance_ratio(p: float, mean: float, var: float) -> float:
    return (var + p * mean ** 2) / ((1.0 - p) * var)


class RandomHFlip(nn.Module):
    def forward(self, x):
        if not self.training:
            return x
        flip = torch.rand(x.shape[0], device=x.device) < 0.5
        return torch.where(flip[:, None, None, None], x.flip(-1), x)


def build_model(num_classes: int = 10) -> nn.Module:
    return nn.Sequential(
        RandomHFlip(),
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(64, num_classes),
    )
